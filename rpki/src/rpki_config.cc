// RpkiConfig checks (pure: the config loader uses them without the runtime).
#include <cctype>
#include <set>

#include "byoipd/rpki/validator.h"

namespace byoipd::rpki {

namespace {

Status refuse(const char* reason, const std::string& message) {
  return Status(Code::kInvalidArgument, reason, message);
}

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

}  // namespace

Status validate(const RpkiConfig& config) {
  if (config.rtr.empty() && config.json.empty() && config.slurm.empty()) {
    return refuse("rpki-no-source", "rpki: no source; allowed: at least one of rtr, json, slurm");
  }
  std::set<std::string> names;
  auto check_name = [&](const std::string& at, const std::string& name) -> Status {
    if (!valid_name(name)) {
      return refuse("rpki-invalid-name", at + ".name: '" + name +
                                             "'; allowed: 1-64 of A-Z a-z 0-9 _ . -");
    }
    if (!names.insert(name).second) {
      return refuse("rpki-duplicate-name",
                    at + ".name: '" + name + "' is already used; allowed: a unique name");
    }
    return {};
  };
  for (size_t i = 0; i < config.rtr.size(); ++i) {
    const auto& c = config.rtr[i];
    std::string at = "rtr[" + std::to_string(i) + "]";
    if (Status st = check_name(at, c.name); !st.ok()) return st;
    if (c.port == 0) return refuse("rpki-invalid-port", at + ".port: 0; allowed: 1-65535");
    if (c.max_version > 1) {
      return refuse("rpki-invalid-version", at + ".version: " + std::to_string(c.max_version) +
                                                "; allowed: 0 (RFC 6810) or 1 (RFC 8210)");
    }
    // RFC 8210 section 6: refresh 1-86400, retry 1-7200, expire 600-172800
    // and larger than both.
    if (c.refresh_seconds < 1 || c.refresh_seconds > 86400 || c.retry_seconds < 1 ||
        c.retry_seconds > 7200 || c.expire_seconds < 600 || c.expire_seconds > 172800 ||
        c.expire_seconds <= c.refresh_seconds || c.expire_seconds <= c.retry_seconds) {
      return refuse("rpki-invalid-intervals",
                    at + ": refresh " + std::to_string(c.refresh_seconds) + ", retry " +
                        std::to_string(c.retry_seconds) + ", expire " +
                        std::to_string(c.expire_seconds) +
                        "; allowed (RFC 8210 section 6): refresh 1-86400, retry 1-7200, expire "
                        "600-172800 and above both");
    }
  }
  for (size_t i = 0; i < config.rtr.size(); ++i) {
    const auto& o = config.rtr[i].expire_override;
    if (o && (*o < 1 || *o > 172800)) {
      return refuse("rpki-invalid-intervals", "rtr[" + std::to_string(i) + "].expire_override: " +
                                                  std::to_string(*o) + "; allowed: 1-172800");
    }
  }
  for (size_t i = 0; i < config.json.size(); ++i) {
    const auto& c = config.json[i];
    std::string at = "json[" + std::to_string(i) + "]";
    if (Status st = check_name(at, c.name); !st.ok()) return st;
    if (c.location.empty()) return refuse("rpki-no-location", at + ".url: empty");
    if (c.refresh_seconds < 1 || c.expire_seconds <= c.refresh_seconds) {
      return refuse("rpki-invalid-intervals",
                    at + ": refresh " + std::to_string(c.refresh_seconds) + ", expire " +
                        std::to_string(c.expire_seconds) +
                        "; allowed: refresh >= 1 and expire above refresh");
    }
  }
  return {};
}


}  // namespace byoipd::rpki
