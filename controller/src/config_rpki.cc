// The rpki section of byoipd's config: YAML into rpki::RpkiConfig, then
// rpki::validate() for the rules that span settings (at least one source,
// unique names, expire above refresh and retry, ...), and its
// describe_changes() lines.
//
// As for the bgp section, the reader checks what each value is (an address, a
// location, a number in range) and rpki::validate() owns the rules; its
// messages start with the key path inside the section ("rtr[1].expire: ..."),
// so report_rule() reports a refusal at that key's line.
#include <string>
#include <utility>
#include <vector>

#include "config_reader.h"

namespace byoipd::controller::config_detail {
namespace {

constexpr std::string_view kRpkiKeys[] = {"rtr", "json", "slurm", "slurm_refresh"};
constexpr std::string_view kRtrKeys[] = {"name",  "address", "port",   "preference",     "version",
                                         "refresh", "retry", "expire", "expire_override"};
constexpr std::string_view kJsonKeys[] = {"name",   "url",     "refresh",
                                          "expire", "timeout", "max_bytes"};

constexpr std::string_view kNameAllowed =
    "allowed: 1 to 64 of A-Z a-z 0-9 _ . -, unique among the rpki sources";
constexpr std::string_view kLocationAllowed =
    "allowed: a path (absolute, or relative to the config file's directory), file:///path, or "
    "an http:// or https:// URL";
constexpr std::string_view kVersionAllowed = "allowed: 0 (RFC 6810) or 1 (RFC 8210)";

// rpki-client writes a global export of ~100 MB; 16 GiB bounds a typo.
constexpr int64_t kMaxBytesLimit = int64_t{16} << 30;

std::string rtr_location(const rpki::RtrCacheConfig& c) {
  return Endpoint{c.address.to_string(), c.port}.to_string();
}

template <typename T>
std::string number_text(const std::optional<T>& n) {
  return n ? std::to_string(*n) : "(none)";
}

// Each setting of a source as text, for describe_changes().
std::vector<std::pair<const char*, std::string>> settings_of(const rpki::RtrCacheConfig& c) {
  return {
      {"address", c.address.to_string()},
      {"port", std::to_string(c.port)},
      {"preference", std::to_string(c.preference)},
      {"version", std::to_string(c.max_version)},
      {"refresh", std::to_string(c.refresh_seconds)},
      {"retry", std::to_string(c.retry_seconds)},
      {"expire", std::to_string(c.expire_seconds)},
      {"expire_override", number_text(c.expire_override)},
  };
}

std::vector<std::pair<const char*, std::string>> settings_of(const rpki::JsonSourceConfig& c) {
  return {
      {"url", c.location},
      {"refresh", std::to_string(c.refresh_seconds)},
      {"expire", std::to_string(c.expire_seconds)},
      {"timeout", std::to_string(c.timeout_seconds)},
      {"max_bytes", std::to_string(c.max_bytes)},
  };
}

std::string label(const rpki::RtrCacheConfig& c) { return c.name + " (" + rtr_location(c) + ")"; }
std::string label(const rpki::JsonSourceConfig& c) { return c.name + " (" + c.location + ")"; }

template <typename T>
const T* find_source(const std::vector<T>& sources, const std::string& name) {
  for (const T& s : sources) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

// Sources are matched by name: a renamed source is removed and added.
template <typename T>
void diff_sources(const std::vector<T>& a, const std::vector<T>& b, const std::string& key,
                  ChangeList& out) {
  for (const T& old : a) {
    const T* now = find_source(b, old.name);
    if (now == nullptr) {
      out.add(key + ": removed " + label(old) + " (needs a restart)");
      continue;
    }
    auto before = settings_of(old);
    auto after = settings_of(*now);
    for (size_t i = 0; i < before.size(); ++i) {
      out.note(key + ": " + old.name + " " + before[i].first, before[i].second, after[i].second,
               true);
    }
  }
  for (const T& now : b) {
    if (find_source(a, now.name) == nullptr) {
      out.add(key + ": added " + label(now) + " (needs a restart)");
    }
  }
}

}  // namespace

void Reader::read_rpki(const Value* v, std::optional<rpki::RpkiConfig>& out) {
  if (v == nullptr || failed()) return;
  Fields f = open(*v, kRpkiKeys);
  rpki::RpkiConfig config;
  std::vector<Value> caches;
  if (const Value* list = f.get("rtr")) {
    caches = items(*list, "allowed: a list of mappings with keys " + join(kRtrKeys));
  }
  for (const Value& item : caches) read_rpki_rtr(item, config.rtr.emplace_back());
  std::vector<Value> files;
  if (const Value* list = f.get("json")) {
    files = items(*list, "allowed: a list of mappings with keys " + join(kJsonKeys));
  }
  for (const Value& item : files) read_rpki_json(item, config.json.emplace_back());
  location(f.get("slurm"), config.slurm);
  integer(f.get("slurm_refresh"), 1, 86400, config.slurm_refresh_seconds);
  if (failed()) return;
  if (Status rule = rpki::validate(config); !rule.ok()) {
    report_rule(*v, rule);
    return;
  }
  out = std::move(config);
}

void Reader::read_rpki_rtr(const Value& v, rpki::RtrCacheConfig& cache) {
  Fields f = open(v, kRtrKeys);
  constexpr std::string_view kRequired = "required: every rtr cache has name and address";
  text(need(f, "name", kRequired), cache.name, false, kNameAllowed);
  std::optional<IpAddress> address;
  ip_address(need(f, "address", kRequired), address);
  if (address) cache.address = *address;
  integer(f.get("port"), 1, 65535, cache.port);
  integer(f.get("preference"), 0, 255, cache.preference);
  if (const Value* version = f.get("version")) {
    int64_t n = cache.max_version;
    integer(version, -4294967295, 4294967295, n);
    if (!failed() && n != 0 && n != 1) {
      invalid(*version, std::to_string(n) + " is not an RTR protocol version", kVersionAllowed);
    }
    if (!failed()) cache.max_version = static_cast<uint8_t>(n);
  }
  // RFC 8210 section 6's ranges; rpki::validate() checks expire against the
  // other two.
  integer(f.get("refresh"), 1, 86400, cache.refresh_seconds);
  integer(f.get("retry"), 1, 7200, cache.retry_seconds);
  integer(f.get("expire"), 600, 172800, cache.expire_seconds);
  if (const Value* override_value = f.get("expire_override")) {
    uint32_t seconds = 0;
    integer(override_value, 1, 172800, seconds);
    if (!failed()) cache.expire_override = seconds;
  }
}

void Reader::read_rpki_json(const Value& v, rpki::JsonSourceConfig& source) {
  Fields f = open(v, kJsonKeys);
  constexpr std::string_view kRequired = "required: every json source has name and url";
  text(need(f, "name", kRequired), source.name, false, kNameAllowed);
  location(need(f, "url", kRequired), source.location);
  integer(f.get("refresh"), 1, 86400, source.refresh_seconds);
  integer(f.get("expire"), 2, 604800, source.expire_seconds);
  integer(f.get("timeout"), 1, 3600, source.timeout_seconds);
  integer(f.get("max_bytes"), 1024, kMaxBytesLimit, source.max_bytes);
}

// A VRP JSON or SLURM file as rpki::fetch() takes it: a path (made absolute
// against the config file's directory), file:// or http(s)://. The file need
// not exist yet: the validator retries and reports it in `rpki status`.
void Reader::location(const Value* v, std::string& out) {
  std::string where;
  if (!text(v, where, false, kLocationAllowed)) return;
  size_t sep = where.find("://");
  if (sep == std::string::npos) {
    if (where.starts_with("~")) {
      invalid(*v, in_quotes(where) + " starts with '~', which is not expanded", kLocationAllowed);
      return;
    }
    out = resolve(where);
    return;
  }
  std::string_view scheme = std::string_view(where).substr(0, sep);
  if (scheme == "file") {
    if (where.size() == sep + 3 || where[sep + 3] != '/') {
      invalid(*v, in_quotes(where) + " has no absolute path after file://", kLocationAllowed);
      return;
    }
  } else if (scheme == "http" || scheme == "https") {
    std::string wrong = check_url(where);
    if (!wrong.empty()) {
      invalid(*v, in_quotes(where) + " " + wrong, kLocationAllowed);
      return;
    }
  } else {
    invalid(*v, in_quotes(where) + " uses scheme " + in_quotes(scheme), kLocationAllowed);
    return;
  }
  out = where;
}

// The validator takes its config at start only, so every change waits for a
// restart.
void diff_rpki(const std::optional<rpki::RpkiConfig>& a, const std::optional<rpki::RpkiConfig>& b,
               ChangeList& out) {
  out.note("rpki", a ? "on" : "off", b ? "on" : "off", true);
  if (!a || !b) return;
  diff_sources(a->rtr, b->rtr, "rpki.rtr", out);
  diff_sources(a->json, b->json, "rpki.json", out);
  out.note("rpki.slurm", or_none(a->slurm, "(none)"), or_none(b->slurm, "(none)"), true);
  out.note("rpki.slurm_refresh", std::to_string(a->slurm_refresh_seconds),
           std::to_string(b->slurm_refresh_seconds), true);
}

}  // namespace byoipd::controller::config_detail
