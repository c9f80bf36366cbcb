#include "byoipd/rpki/slurm.h"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <nlohmann/json.hpp>

namespace byoipd::rpki {

bool PrefixFilter::matches(const Vrp& vrp) const {
  if (prefix && !prefix->contains(vrp.prefix)) return false;
  if (asn && *asn != vrp.asn) return false;
  return prefix || asn;
}

Vrp PrefixAssertion::to_vrp(SourceId source) const {
  return Vrp{prefix, max_prefix_length.value_or(static_cast<uint8_t>(prefix.length())), asn,
             source};
}

namespace {

using json = nlohmann::json;

Status error_at(const char* reason, const std::string& path, const std::string& message) {
  return Status(Code::kInvalidArgument, reason, path + ": " + message);
}

std::string list(std::initializer_list<std::string_view> names) {
  std::string out;
  for (std::string_view n : names) {
    if (!out.empty()) out += ", ";
    out.append("\"").append(n).append("\"");
  }
  return out;
}

// REQUIRES-style shape check: `v` is an object whose members are among
// `allowed` (or `ignored`, accepted and skipped).
Status check_object(const json& v, const std::string& path, const char* section,
                    std::initializer_list<std::string_view> allowed,
                    std::initializer_list<std::string_view> ignored = {}) {
  if (!v.is_object()) {
    return error_at("invalid-slurm", path,
                    std::string("is a JSON ") + v.type_name() + ", expected an object (RFC 8416 " +
                        section + ")");
  }
  for (const auto& item : v.items()) {
    const std::string& key = item.key();
    auto is = [&key](std::string_view n) { return n == key; };
    if (std::any_of(allowed.begin(), allowed.end(), is) ||
        std::any_of(ignored.begin(), ignored.end(), is)) {
      continue;
    }
    std::string shown = key.size() > 64 ? key.substr(0, 64) + "..." : key;
    return error_at("invalid-slurm", path,
                    "unknown member \"" + shown + "\" (RFC 8416 " + section + " allows " +
                        list(allowed) + ")");
  }
  return Status();
}

Status require(const json& obj, const std::string& path, const char* member,
               const char* section) {
  if (obj.contains(member)) return Status();
  return error_at("missing-member", path,
                  std::string("has no \"") + member + "\" (required by RFC 8416 " + section + ")");
}

Result<const json*> array_member(const json& obj, const std::string& path, const char* member,
                                 const char* section) {
  if (Status s = require(obj, path, member, section); !s.ok()) return s;
  const json& a = obj.at(member);
  if (!a.is_array()) {
    return error_at("invalid-slurm", path + "." + member,
                    std::string("is a JSON ") + a.type_name() + ", expected an array (RFC 8416 " +
                        section + ")");
  }
  return &a;
}

Result<uint32_t> read_asn(const json& v, const std::string& path) {
  if (v.is_number_unsigned() && v.get<uint64_t>() <= 0xffffffffu) {
    return static_cast<uint32_t>(v.get<uint64_t>());
  }
  return error_at("invalid-asn", path,
                  v.dump().substr(0, 64) +
                      " is not an AS number (expected a JSON number 0..4294967295)");
}

Result<Prefix> read_prefix(const json& v, const std::string& path) {
  if (!v.is_string()) {
    return error_at("invalid-prefix", path,
                    std::string("is a JSON ") + v.type_name() +
                        ", expected a prefix string such as \"192.0.2.0/24\"");
  }
  auto p = Prefix::parse(v.get_ref<const std::string&>());
  if (!p.ok()) {
    Status s = p.status();
    return Status(s.code(), s.reason().data(), path + ": " + s.message());
  }
  return *p;
}

Result<std::string> read_comment(const json& obj, const std::string& path) {
  if (!obj.contains("comment")) return std::string();
  const json& c = obj.at("comment");
  if (!c.is_string()) {
    return error_at("invalid-slurm", path + ".comment",
                    std::string("is a JSON ") + c.type_name() + ", expected a string");
  }
  return c.get<std::string>();
}

// RFC 8416 sections 3.3.2 and 3.4.2: base64url (RFC 4648 section 5)
// without trailing '='.
Result<std::string> read_base64url(const json& v, const std::string& path) {
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    bool alphabet = std::all_of(s.begin(), s.end(), [](char c) {
      return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
             c == '-' || c == '_';
    });
    if (!s.empty() && alphabet && s.size() % 4 != 1) return s;
  }
  return error_at("invalid-base64url", path,
                  v.dump().substr(0, 64) +
                      " is not base64url text without padding (RFC 8416 section 3.3.2, RFC 4648 "
                      "section 5)");
}

// Binds `var` to the value of a Result expression, or returns its error
// from the enclosing function.
#define SLURM_TRY(var, expr)       \
  auto var##_r = (expr);           \
  if (!var##_r.ok()) return var##_r.status(); \
  auto var = std::move(*var##_r)

Result<PrefixFilter> read_prefix_filter(const json& v, const std::string& path) {
  if (Status s = check_object(v, path, "section 3.3.1", {"prefix", "asn", "comment"}); !s.ok()) {
    return s;
  }
  PrefixFilter f;
  if (v.contains("prefix")) {
    SLURM_TRY(p, read_prefix(v.at("prefix"), path + ".prefix"));
    f.prefix = p;
  }
  if (v.contains("asn")) {
    SLURM_TRY(a, read_asn(v.at("asn"), path + ".asn"));
    f.asn = a;
  }
  if (!f.prefix && !f.asn) {
    return error_at("filter-without-prefix-or-asn", path,
                    "a prefix filter needs \"prefix\", \"asn\" or both (RFC 8416 section 3.3.1)");
  }
  SLURM_TRY(c, read_comment(v, path));
  f.comment = std::move(c);
  return f;
}

Result<BgpsecFilter> read_bgpsec_filter(const json& v, const std::string& path) {
  if (Status s = check_object(v, path, "section 3.3.2", {"asn", "SKI", "comment"}); !s.ok()) {
    return s;
  }
  BgpsecFilter f;
  if (v.contains("asn")) {
    SLURM_TRY(a, read_asn(v.at("asn"), path + ".asn"));
    f.asn = a;
  }
  if (v.contains("SKI")) {
    SLURM_TRY(k, read_base64url(v.at("SKI"), path + ".SKI"));
    f.ski = std::move(k);
  }
  if (!f.asn && !f.ski) {
    return error_at("bgpsec-filter-without-asn-or-ski", path,
                    "a BGPsec filter needs \"asn\", \"SKI\" or both (RFC 8416 section 3.3.2)");
  }
  SLURM_TRY(c, read_comment(v, path));
  f.comment = std::move(c);
  return f;
}

Result<PrefixAssertion> read_prefix_assertion(const json& v, const std::string& path) {
  constexpr const char* kSection = "section 3.4.1";
  if (Status s = check_object(v, path, kSection, {"asn", "prefix", "maxPrefixLength", "comment"});
      !s.ok()) {
    return s;
  }
  for (const char* m : {"asn", "prefix"}) {
    if (Status s = require(v, path, m, kSection); !s.ok()) return s;
  }
  PrefixAssertion a;
  SLURM_TRY(asn, read_asn(v.at("asn"), path + ".asn"));
  SLURM_TRY(prefix, read_prefix(v.at("prefix"), path + ".prefix"));
  a.asn = asn;
  a.prefix = prefix;
  if (v.contains("maxPrefixLength")) {
    const json& m = v.at("maxPrefixLength");
    uint64_t len = m.is_number_unsigned() ? m.get<uint64_t>() : 0;
    if (!m.is_number_unsigned() || len < static_cast<uint64_t>(prefix.length()) ||
        len > static_cast<uint64_t>(prefix.width())) {
      return error_at("max-prefix-length-out-of-range", path + ".maxPrefixLength",
                      m.dump().substr(0, 64) + " is outside " + std::to_string(prefix.length()) +
                          ".." + std::to_string(prefix.width()) + " for " + prefix.to_string() +
                          " (rule: RFC 8416 section 3.4.1, prefix length <= maxPrefixLength <= "
                          "address width)");
    }
    a.max_prefix_length = static_cast<uint8_t>(len);
  }
  SLURM_TRY(c, read_comment(v, path));
  a.comment = std::move(c);
  return a;
}

Result<BgpsecAssertion> read_bgpsec_assertion(const json& v, const std::string& path) {
  constexpr const char* kSection = "section 3.4.2";
  if (Status s = check_object(v, path, kSection, {"asn", "SKI", "routerPublicKey", "comment"});
      !s.ok()) {
    return s;
  }
  for (const char* m : {"asn", "SKI", "routerPublicKey"}) {
    if (Status s = require(v, path, m, kSection); !s.ok()) return s;
  }
  BgpsecAssertion a;
  SLURM_TRY(asn, read_asn(v.at("asn"), path + ".asn"));
  SLURM_TRY(ski, read_base64url(v.at("SKI"), path + ".SKI"));
  SLURM_TRY(key, read_base64url(v.at("routerPublicKey"), path + ".routerPublicKey"));
  SLURM_TRY(c, read_comment(v, path));
  a.asn = asn;
  a.ski = std::move(ski);
  a.router_public_key = std::move(key);
  a.comment = std::move(c);
  return a;
}

// Reads every element of `obj.member` with `read` into `out`.
template <class T, class Read>
Status read_list(const json& obj, const std::string& path, const char* member,
                 const char* section, Read read, std::vector<T>& out) {
  auto arr = array_member(obj, path, member, section);
  if (!arr.ok()) return arr.status();
  size_t i = 0;
  for (const json& e : **arr) {
    auto r = read(e, path + "." + member + "[" + std::to_string(i++) + "]");
    if (!r.ok()) return r.status();
    out.push_back(std::move(*r));
  }
  return Status();
}

#undef SLURM_TRY

}  // namespace

Result<Slurm> parse_slurm(std::string_view text) {
  json root;
  try {
    root = json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    std::string what = e.what();
    if (auto p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
    return Status(Code::kInvalidArgument, "invalid-json", "SLURM file is not valid JSON: " + what);
  }
  const std::string top = "$";
  if (Status s = check_object(root, top, "section 3.2",
                              {"slurmVersion", "validationOutputFilters", "locallyAddedAssertions"});
      !s.ok()) {
    return s;
  }
  for (const char* m : {"slurmVersion", "validationOutputFilters", "locallyAddedAssertions"}) {
    if (Status s = require(root, top, m, "section 3.2"); !s.ok()) return s;
  }
  const json& version = root.at("slurmVersion");
  if (!version.is_number_unsigned() || version.get<uint64_t>() != 1) {
    return error_at("unsupported-slurm-version", "$.slurmVersion",
                    version.dump().substr(0, 64) +
                        " is not a supported version (RFC 8416 section 3.2 defines version 1)");
  }

  Slurm out;
  const std::string vof_path = "$.validationOutputFilters";
  const json& vof = root.at("validationOutputFilters");
  if (Status s = check_object(vof, vof_path, "section 3.3", {"prefixFilters", "bgpsecFilters"},
                              {"aspaFilters"});
      !s.ok()) {
    return s;
  }
  if (Status s = read_list(vof, vof_path, "prefixFilters", "section 3.3", read_prefix_filter,
                           out.prefix_filters);
      !s.ok()) {
    return s;
  }
  if (Status s = read_list(vof, vof_path, "bgpsecFilters", "section 3.3", read_bgpsec_filter,
                           out.bgpsec_filters);
      !s.ok()) {
    return s;
  }

  const std::string laa_path = "$.locallyAddedAssertions";
  const json& laa = root.at("locallyAddedAssertions");
  if (Status s = check_object(laa, laa_path, "section 3.4",
                              {"prefixAssertions", "bgpsecAssertions"}, {"aspaAssertions"});
      !s.ok()) {
    return s;
  }
  if (Status s = read_list(laa, laa_path, "prefixAssertions", "section 3.4",
                           read_prefix_assertion, out.prefix_assertions);
      !s.ok()) {
    return s;
  }
  if (Status s = read_list(laa, laa_path, "bgpsecAssertions", "section 3.4",
                           read_bgpsec_assertion, out.bgpsec_assertions);
      !s.ok()) {
    return s;
  }
  return out;
}

}  // namespace byoipd::rpki
