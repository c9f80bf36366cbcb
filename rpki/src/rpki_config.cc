// RpkiConfig checks (pure: the config loader uses them without the runtime).
#include <cctype>
#include <map>
#include <string>

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
  // Messages start with the key path inside the rpki section ("rtr[0].port:
  // ..."), so the config loader reports them at that key's line.
  if (config.rtr.empty() && config.json.empty() && config.slurm.empty()) {
    return refuse("rpki-no-source", "no source; allowed: at least one of rtr, json, slurm");
  }
  std::map<std::string, std::string> names;  // name -> where it was first used
  auto check_name = [&](const std::string& at, const std::string& name) -> Status {
    if (!valid_name(name)) {
      return refuse("rpki-invalid-name", at + ".name: '" + name +
                                             "' is not a source name; allowed: 1-64 of A-Z a-z "
                                             "0-9 _ . -");
    }
    // The SLURM file is reported (status, metrics, covering VRPs) as "slurm".
    if (name == "slurm") {
      return refuse("rpki-invalid-name",
                    at + ".name: 'slurm' is the name of the SLURM file; allowed: another name");
    }
    auto [it, added] = names.emplace(name, at);
    if (!added) {
      return refuse("rpki-duplicate-name", at + ".name: '" + name + "' is already the name of " +
                                               it->second +
                                               "; allowed: a name unique among rtr and json");
    }
    return {};
  };
  auto out_of_range = [](const std::string& key, uint32_t value, const char* allowed) {
    return refuse("rpki-invalid-intervals",
                  key + ": " + std::to_string(value) + " is out of range; allowed: " + allowed);
  };
  for (size_t i = 0; i < config.rtr.size(); ++i) {
    const auto& c = config.rtr[i];
    std::string at = "rtr[" + std::to_string(i) + "]";
    if (Status st = check_name(at, c.name); !st.ok()) return st;
    if (c.port == 0) {
      return refuse("rpki-invalid-port", at + ".port: 0 is not a port; allowed: 1-65535");
    }
    if (c.max_version > 1) {
      return refuse("rpki-invalid-version", at + ".version: " + std::to_string(c.max_version) +
                                                " is not an RTR version; allowed: 0 (RFC 6810) "
                                                "or 1 (RFC 8210)");
    }
    // RFC 8210 section 6: refresh 1-86400, retry 1-7200, expire 600-172800
    // and larger than both.
    if (c.refresh_seconds < 1 || c.refresh_seconds > 86400) {
      return out_of_range(at + ".refresh", c.refresh_seconds, "1-86400 (RFC 8210 section 6)");
    }
    if (c.retry_seconds < 1 || c.retry_seconds > 7200) {
      return out_of_range(at + ".retry", c.retry_seconds, "1-7200 (RFC 8210 section 6)");
    }
    if (c.expire_seconds < 600 || c.expire_seconds > 172800) {
      return out_of_range(at + ".expire", c.expire_seconds, "600-172800 (RFC 8210 section 6)");
    }
    if (c.expire_seconds <= c.refresh_seconds || c.expire_seconds <= c.retry_seconds) {
      return refuse("rpki-invalid-intervals",
                    at + ".expire: " + std::to_string(c.expire_seconds) +
                        " is not above refresh " + std::to_string(c.refresh_seconds) +
                        " and retry " + std::to_string(c.retry_seconds) +
                        "; allowed (RFC 8210 section 6): above both refresh and retry");
    }
    if (c.expire_override && (*c.expire_override < 1 || *c.expire_override > 172800)) {
      return out_of_range(at + ".expire_override", *c.expire_override, "1-172800");
    }
  }
  for (size_t i = 0; i < config.json.size(); ++i) {
    const auto& c = config.json[i];
    std::string at = "json[" + std::to_string(i) + "]";
    if (Status st = check_name(at, c.name); !st.ok()) return st;
    if (c.location.empty()) {
      return refuse("rpki-no-location",
                    at + ".url: empty; allowed: a path, file://, http:// or https:// URL");
    }
    if (c.refresh_seconds < 1) {
      return out_of_range(at + ".refresh", c.refresh_seconds, "1 or more");
    }
    if (c.expire_seconds <= c.refresh_seconds) {
      return refuse("rpki-invalid-intervals",
                    at + ".expire: " + std::to_string(c.expire_seconds) +
                        " is not above refresh " + std::to_string(c.refresh_seconds) +
                        "; allowed: above refresh");
    }
  }
  return {};
}

}  // namespace byoipd::rpki
