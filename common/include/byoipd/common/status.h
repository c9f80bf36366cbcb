// Error values that cross module boundaries.
//
// A Status carries a coarse category (Code, used for transport mappings such
// as HTTP status or EC2 error class), a stable machine-readable reason (a
// string literal such as "netmask-below-min" that clients may match on), and a
// human message that names the rule and the offending value.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace byoipd {

enum class Code : unsigned char {
  kOk = 0,
  kInvalidArgument,     // the request itself is malformed or out of range
  kNotFound,            // a named object does not exist
  kAlreadyExists,       // create of something that exists
  kFailedPrecondition,  // valid request refused by a rule on current state
  kResourceExhausted,   // not enough free space / capacity
  kConflict,            // collides with something held by someone else
  kPermissionDenied,    // principal may not do this
  kUnavailable,         // try again later
  kInternal,            // a bug or corrupt data
};

// Stable lower-case name of a code ("invalid-argument", ...).
std::string_view code_name(Code code);

class Status {
 public:
  Status() = default;  // OK
  // REQUIRES: reason is a string literal (it is stored, not copied).
  Status(Code code, const char* reason, std::string message)
      : code_(code), reason_(reason), message_(std::move(message)) {}

  static Status ok_status() { return Status(); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  // Stable reason such as "netmask-below-min"; "" when ok().
  std::string_view reason() const { return reason_; }
  const std::string& message() const { return message_; }
  // "<code>/<reason>: <message>", or "ok".
  std::string to_string() const;

 private:
  Code code_ = Code::kOk;
  const char* reason_ = "";
  std::string message_;
};

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}            // NOLINT(implicit)
  Result(Status status) : v_(std::move(status)) {}     // NOLINT(implicit)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok()
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // The error; an OK status when ok().
  Status status() const { return ok() ? Status() : std::get<1>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace byoipd
