#include "byoipd/common/status.h"

namespace byoipd {

std::string_view code_name(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kInvalidArgument: return "invalid-argument";
    case Code::kNotFound: return "not-found";
    case Code::kAlreadyExists: return "already-exists";
    case Code::kFailedPrecondition: return "failed-precondition";
    case Code::kResourceExhausted: return "resource-exhausted";
    case Code::kConflict: return "conflict";
    case Code::kPermissionDenied: return "permission-denied";
    case Code::kUnavailable: return "unavailable";
    case Code::kInternal: return "internal";
  }
  return "unknown";
}

std::string Status::to_string() const {
  if (ok()) return "ok";
  std::string out(code_name(code_));
  out += '/';
  out += reason_;
  out += ": ";
  out += message_;
  return out;
}

}  // namespace byoipd
