// Reads byoipd's YAML configuration with yaml-cpp and checks it against the
// schema in config.h. yaml-cpp only parses; every rule lives here, so that
// each refusal can name the file, line, column, key path, the offending value
// and what would be accepted.
#include "byoipd/controller/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <span>
#include <system_error>
#include <utility>

#include "byoipd/common/ip.h"
#include "config_reader.h"

namespace byoipd::controller {
namespace config_detail {


constexpr std::string_view kTopKeys[] = {"listen", "state_dir", "log", "organization",
                                         "alarms", "store",     "bgp", "rpki",
                                         "aws"};
constexpr std::string_view kListenKeys[] = {"api", "tls"};
constexpr std::string_view kTlsKeys[] = {"cert", "key"};
constexpr std::string_view kLogKeys[] = {"format", "level", "file", "audit_file"};
constexpr std::string_view kOrganizationKeys[] = {"id", "management_account", "accounts"};
constexpr std::string_view kAccountKeys[] = {"id", "name", "ou", "token_sha256"};
constexpr std::string_view kAlarmKeys[] = {"utilization_threshold", "evaluate_interval_ms",
                                           "retry_initial_ms", "retry_max_ms", "webhooks"};
constexpr std::string_view kWebhookKeys[] = {"url", "timeout_ms"};
constexpr std::string_view kStoreKeys[] = {"snapshot_every"};
constexpr std::string_view kLogFormats[] = {"human", "json"};
constexpr std::string_view kLogLevels[] = {"trace", "debug",    "info", "warn",
                                           "error", "critical", "off"};

constexpr std::string_view kApiAllowed =
    "allowed: host:port, where host is an IPv4 address, an IPv6 address in brackets "
    "(quote the value in YAML: \"[::1]:8080\") or localhost, and port is 1 to 65535";
constexpr std::string_view kApiRequired =
    "required: the API listen address as host:port, e.g. 127.0.0.1:8080 or \"[::1]:8080\"";
constexpr std::string_view kTokenAllowed =
    "allowed: 64 lower-case hex digits, the SHA-256 of the account's API token "
    "(printf %s TOKEN | sha256sum)";
constexpr std::string_view kAccountIdAllowed = "allowed: exactly 12 digits, e.g. \"111122223333\"";
constexpr std::string_view kPathAllowed =
    "allowed: an absolute path, or one relative to the config file's directory";

// At most 64 characters on one line: safe to put in a one-line message.
std::string one_line(std::string_view text) {
  constexpr size_t kMax = 64;
  std::string out;
  for (char c : text.substr(0, kMax)) {
    if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += '?';
    } else {
      out += c;
    }
  }
  if (text.size() > kMax) out += "...";
  return out;
}

std::string in_quotes(std::string_view text) { return "'" + one_line(text) + "'"; }

std::string join(Keys items) {
  std::string out;
  for (std::string_view item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

bool contains(Keys items, std::string_view item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

bool all_of(std::string_view text, bool (*pred)(char)) {
  return !text.empty() && std::all_of(text.begin(), text.end(), pred);
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_lower_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }
bool is_hex(char c) { return is_lower_hex(c) || (c >= 'A' && c <= 'F'); }
bool is_lower_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z'); }
bool is_ou_char(char c) { return is_lower_alnum(c) || c == '-'; }

std::string position(const YAML::Mark& mark) {
  return std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

// Levenshtein distance, for "did you mean" hints on misspelt keys.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string did_you_mean(std::string_view key, Keys allowed) {
  std::string_view best;
  size_t best_distance = 3;  // suggest only near misses
  for (std::string_view candidate : allowed) {
    size_t d = edit_distance(key, candidate);
    if (d < best_distance && d < key.size()) {
      best = candidate;
      best_distance = d;
    }
  }
  return best.empty() ? "" : " (did you mean '" + std::string(best) + "'?)";
}

// What a node is, for "expected X, found Y".
std::string found(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null: return "an empty value";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Scalar:
      return node.Tag() == "?" ? in_quotes(node.Scalar())
                               : "the string " + in_quotes(node.Scalar());
    case YAML::NodeType::Undefined: break;
  }
  return "nothing";
}

// YAML reads a scalar as a number when it is plain (unquoted) or tagged as one.
bool may_be_number(const YAML::Node& node) {
  const std::string& tag = node.Tag();
  return tag == "?" || tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:float";
}

// Decimal digits with a leading zero: octal to YAML 1.1 readers, decimal to
// YAML 1.2 ones, so refused rather than guessed.
bool has_leading_zero(std::string_view digits) {
  return digits.size() > 1 && digits[0] == '0' && is_digit(digits[1]);
}

std::string format_number(double value) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return ec == std::errc() ? std::string(buf, end) : "?";
}

std::string parse_endpoint(std::string_view text, Endpoint& out, int min_port,
                           bool allow_localhost) {
  std::string_view host;
  std::string_view port;
  if (text.empty()) return "is empty";
  if (text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return "has '[' without ']'";
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (rest.empty()) return "has no port";
    if (rest.front() != ':') return "has " + in_quotes(rest) + " after ']' instead of :port";
    port = rest.substr(1);
    Result<IpAddress> ip = IpAddress::parse(host);
    if (!ip.ok() || ip->family() != Family::kV6) {
      return "has " + in_quotes(host) + " in brackets, which is not an IPv6 address";
    }
    out.host = ip->to_string();
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return all_of(text, is_digit) ? "has no host" : "has no port";
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.empty()) return "has no host (use 0.0.0.0 or [::] for every address)";
    if (host.find(':') != std::string_view::npos) return "has an IPv6 address without brackets";
    if (host == "localhost" && allow_localhost) {
      out.host = "localhost";
    } else {
      Result<IpAddress> ip = IpAddress::parse(host);
      if (!ip.ok()) {
        return "has host " + in_quotes(host) + ", which is not an IPv4 address" +
               (allow_localhost ? " or localhost" : "") + " (host names are not resolved)";
      }
      out.host = ip->to_string();
    }
  }
  if (port.empty()) return "has no port";
  if (!all_of(port, is_digit)) return "has port " + in_quotes(port) + ", which is not a number";
  uint32_t number = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
  if (ec != std::errc() || end != port.data() + port.size() ||
      number < static_cast<uint32_t>(min_port) || number > 65535) {
    return "has port " + std::string(port) + ", which is out of range";
  }
  out.port = static_cast<uint16_t>(number);
  return "";
}

std::string check_url(std::string_view url) {
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) return "is not a URL";
  std::string scheme(url.substr(0, sep));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; });
  if (scheme != "http" && scheme != "https") return "uses scheme " + in_quotes(scheme);
  std::string_view rest = url.substr(sep + 3);
  if (rest.empty() || rest.find_first_of("/?#") == 0) return "has no host";
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20) return "contains a space or control character";
  }
  return "";
}

// Decimal digits up to `max`.
bool parse_number(std::string_view text, uint32_t max, uint32_t& out) {
  if (!all_of(text, is_digit)) return false;
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n > max) return false;
  out = static_cast<uint32_t>(n);
  return true;
}

// The node at `relative` ("peers[1].export.prepend") under `section`, or the
// deepest one of its ancestors the file has. (Nodes are rebound with reset():
// yaml-cpp's operator= would overwrite the document.)
YAML::Mark mark_of(const Value& section, std::string_view relative) {
  YAML::Node node;
  node.reset(section.node);
  YAML::Mark mark = section.mark;
  while (!relative.empty()) {
    if (relative.front() == '.') {
      relative.remove_prefix(1);
      continue;
    }
    const YAML::Node& at = node;
    size_t end = relative.find_first_of(".[");
    std::optional<YAML::Node> found_node;  // copies of a missing node are safe; reset() is not
    if (relative.front() == '[') {
      size_t close = relative.find(']');
      uint32_t index = 0;
      if (close == std::string_view::npos || !at.IsSequence() ||
          !parse_number(relative.substr(1, close - 1), 0xFFFFFFFF, index) || index >= at.size()) {
        break;
      }
      found_node.emplace(at[index]);
      end = close + 1;
    } else {
      if (!at.IsMap()) break;
      found_node.emplace(at[std::string(relative.substr(0, end))]);
    }
    const YAML::Node& next = *found_node;
    if (!next.IsDefined()) break;
    if (!next.IsNull()) mark = next.Mark();
    node.reset(next);
    relative = end >= relative.size() ? std::string_view() : relative.substr(end);
  }
  return mark;
}

void Reader::fail(const char* reason, const YAML::Mark& at, std::string_view path,
                  std::string_view what, std::string_view allowed) {
  if (failed()) return;
  std::string message = source_;
  if (at.line >= 0) message += ":" + position(at);
  message += ": ";
  message += path.empty() ? "(top level)" : path;
  message += ": ";
  message += what;
  message += "; ";
  message += allowed;
  status_ = Status(Code::kInvalidArgument, reason, std::move(message));
}

Fields Reader::open(const Value& v, Keys allowed) {
  Fields fields{v, {}};
  if (failed()) return fields;
  if (!v.node.IsMap()) {
    wrong_type(v, "a mapping", "allowed: a mapping with keys " + join(allowed));
    return fields;
  }
  // Iterators yield pairs by value: `it->first` would refer into a temporary.
  for (const auto& pair : v.node) {
    const YAML::Node& key = pair.first;
    if (!key.IsScalar()) {
      fail(kWrongType, key.Mark(), v.path, "expected a key, found " + found(key),
           "allowed: " + join(allowed));
      return fields;
    }
    std::string path = child_path(v.path, one_line(key.Scalar()));
    if (!contains(allowed, key.Scalar())) {
      fail(kUnknownKey, key.Mark(), path, "unknown key" + did_you_mean(key.Scalar(), allowed),
           "allowed: " + join(allowed));
      return fields;
    }
    for (const Entry& earlier : fields.entries) {
      if (earlier.key == key.Scalar()) {
        fail(kSyntax, key.Mark(), path,
             "duplicate key (first at " + position(earlier.key_mark) + ")",
             "allowed: each key once per mapping");
        return fields;
      }
    }
    const YAML::Node& value = pair.second;
    YAML::Mark mark = value.IsNull() ? key.Mark() : value.Mark();
    fields.entries.push_back({key.Scalar(), key.Mark(), Value{value, mark, path}});
  }
  return fields;
}

std::vector<Value> Reader::items(const Value& v, std::string_view allowed) {
  std::vector<Value> out;
  if (failed()) return out;
  if (!v.node.IsSequence()) {
    wrong_type(v, "a list", allowed);
    return out;
  }
  for (size_t i = 0; i < v.node.size(); ++i) {
    YAML::Node item = v.node[i];
    YAML::Mark mark = item.IsNull() ? v.mark : item.Mark();
    out.push_back(Value{item, mark, v.path + "[" + std::to_string(i) + "]"});
  }
  return out;
}

// Missing required keys are reported at the mapping that should hold them.
const Value* Reader::need(const Fields& fields, std::string_view key, std::string_view allowed) {
  const Value* v = fields.get(key);
  if (v == nullptr) {
    fail(kMissingKey, fields.self.mark, child_path(fields.self.path, key), "missing", allowed);
  }
  return v;
}

// Reports a section validator's refusal (bgp::validate(), rpki::validate())
// at the key its message starts with: "peers[1].hold_time: 2 is below ...;
// allowed: ...". A message without such a path is reported at the section.
void Reader::report_rule(const Value& section, const Status& refusal) {
  const std::string& message = refusal.message();
  size_t colon = message.find(": ");
  std::string_view relative =
      colon == std::string::npos ? std::string_view() : std::string_view(message).substr(0, colon);
  if (relative.find(' ') != std::string_view::npos) relative = {};
  std::string_view rest = relative.empty() ? std::string_view(message)
                                           : std::string_view(message).substr(colon + 2);
  size_t allowed_at = rest.find("; allowed");
  std::string_view what = rest.substr(0, allowed_at);
  std::string_view allowed =
      allowed_at == std::string_view::npos ? std::string_view() : rest.substr(allowed_at + 2);
  fail(kInvalidValue, mark_of(section, relative),
       relative.empty() ? section.path : child_path(section.path, relative), what, allowed);
}

bool Reader::text(const Value* v, std::string& out, bool may_be_empty, std::string_view allowed) {
  if (v == nullptr || failed()) return false;
  if (!v->node.IsScalar()) {
    wrong_type(*v, "a string", allowed);
    return false;
  }
  if (!may_be_empty && v->node.Scalar().empty()) {
    invalid(*v, "the value is empty", allowed);
    return false;
  }
  out = v->node.Scalar();
  return true;
}

void Reader::choice(const Value* v, Keys choices, std::string_view kind, std::string& out) {
  std::string allowed = "allowed: " + join(choices);
  std::string word;
  if (!text(v, word, true, allowed)) return;
  if (!contains(choices, word)) {
    invalid(*v, in_quotes(word) + " is not a " + std::string(kind), allowed);
    return;
  }
  out = word;
}

void Reader::integer(const Value* v, int64_t lo, int64_t hi, int64_t& out) {
  if (v == nullptr || failed()) return;
  std::string allowed =
      "allowed: a whole number from " + std::to_string(lo) + " to " + std::to_string(hi);
  const std::string& s = v->node.Scalar();
  std::string_view digits = s;
  if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) digits.remove_prefix(1);
  if (!v->node.IsScalar() || !may_be_number(v->node) || !all_of(digits, is_digit)) {
    wrong_type(*v, "a whole number", allowed + ", without quotes");
    return;
  }
  if (has_leading_zero(digits)) {
    invalid(*v, in_quotes(s) + " has a leading zero", allowed + ", without leading zeros");
    return;
  }
  int64_t n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || end != digits.data() + digits.size()) n = INT64_MAX;
  if (s[0] == '-') n = -n;
  if (n < lo || n > hi) {
    invalid(*v, s + " is out of range", allowed);
    return;
  }
  out = n;
}

void Reader::percentage(const Value* v, double& out) {
  if (v == nullptr || failed()) return;
  constexpr std::string_view kAllowed = "allowed: a percentage above 0 and at most 100";
  const std::string& s = v->node.Scalar();
  size_t dot = s.find('.');
  std::string_view whole = std::string_view(s).substr(0, dot);
  if (whole.starts_with('-')) whole.remove_prefix(1);
  std::string_view fraction =
      dot == std::string::npos ? std::string_view("0") : std::string_view(s).substr(dot + 1);
  if (!v->node.IsScalar() || !may_be_number(v->node) || !all_of(whole, is_digit) ||
      !all_of(fraction, is_digit)) {
    wrong_type(*v, "a number", std::string(kAllowed) + ", without quotes");
    return;
  }
  double n = 0;
  std::from_chars(s.data(), s.data() + s.size(), n);
  if (has_leading_zero(whole)) {
    invalid(*v, in_quotes(s) + " has a leading zero", kAllowed);
  } else if (!(n > 0 && n <= 100)) {
    invalid(*v, s + " is out of range", kAllowed);
  } else {
    out = n;
  }
}

// A path from the file, made absolute against the config file's directory.
void Reader::path(const Value* v, std::string& out, bool may_be_empty) {
  std::string p;
  if (!text(v, p, may_be_empty, kPathAllowed)) return;
  if (p.starts_with("~")) {
    invalid(*v, in_quotes(p) + " starts with '~', which is not expanded", kPathAllowed);
    return;
  }
  out = p.empty() ? p : resolve(p);
}

// TLS material is checked at load, so a bad path stops the daemon before it
// binds anything rather than at the first handshake.
void Reader::readable_file(const Value* v, std::string& out) {
  path(v, out, false);
  if (v == nullptr || failed()) return;
  constexpr std::string_view kAllowed =
      "allowed: a readable PEM file (a relative path starts at the config file's directory)";
  std::error_code ec;
  if (fs::is_directory(out, ec)) {
    invalid(*v, in_quotes(out) + " is a directory", kAllowed);
    return;
  }
  std::FILE* f = std::fopen(out.c_str(), "rb");
  if (f == nullptr) {
    std::string why = std::error_code(errno, std::generic_category()).message();
    invalid(*v, "cannot read " + in_quotes(out) + ": " + why, kAllowed);
    return;
  }
  std::fclose(f);
}

// Account ids are strings of 12 digits. An unquoted id is a YAML integer:
// accepted when its text is 12 digits, but one with a leading zero must be
// quoted, since a YAML 1.1 reader takes it as octal and a 1.2 reader drops
// the zero.
void Reader::account_id(const Value* v, std::string& out) {
  std::string id;
  if (!text(v, id, true, kAccountIdAllowed)) return;
  if (may_be_number(v->node) && all_of(id, is_digit) && has_leading_zero(id)) {
    invalid(*v, in_quotes(id) + " is unquoted and starts with 0, so YAML reads it as a number",
            "allowed: 12 digits; quote an id with a leading zero: \"" + id + "\"");
    return;
  }
  if (id.size() != 12 || !all_of(id, is_digit)) {
    std::string what = in_quotes(id);
    if (!all_of(id, is_digit)) {
      what += " is not all digits";
    } else {
      what += " has " + std::to_string(id.size()) + (id.size() == 1 ? " digit" : " digits");
    }
    invalid(*v, what, kAccountIdAllowed);
    return;
  }
  out = id;
}

// The value is never echoed: a mistake here is often the token itself.
void Reader::token_sha256(const Value* v, std::string& out) {
  std::string hash;
  if (!text(v, hash, true, kTokenAllowed)) return;
  if (hash.size() != 64) {
    invalid(*v, "the value has " + std::to_string(hash.size()) + " characters", kTokenAllowed);
  } else if (all_of(hash, is_lower_hex)) {
    out = hash;
  } else if (all_of(hash, is_hex)) {
    invalid(*v, "the value has upper-case hex digits", kTokenAllowed);
  } else {
    invalid(*v, "the value is not hex", kTokenAllowed);
  }
}

void Reader::read_document(const std::vector<YAML::Node>& docs, Config& config) {
  if (docs.size() > 1) {
    fail(kSyntax, docs[1].Mark(), "", "a second YAML document starts here",
         "allowed: one document per file");
    return;
  }
  if (docs.empty() || docs[0].IsNull()) {
    fail(kMissingKey, YAML::Mark(), "listen.api", "missing (the file has no settings)",
         kApiRequired);
    return;
  }
  Fields top = open(Value{docs[0], docs[0].Mark(), ""}, kTopKeys);
  read_listen(top, config);
  path(top.get("state_dir"), config.state_dir, false);
  config.state_dir = resolve(config.state_dir);
  read_log(top.get("log"), config.log);
  if (!failed() && config.log.audit_file.empty()) {
    config.log.audit_file = (fs::path(config.state_dir) / "audit.log").string();
  }
  read_organization(top.get("organization"), config.organization);
  read_alarms(top.get("alarms"), config.alarms);
  read_store(top.get("store"), config.store);
  read_bgp(top.get("bgp"), config.bgp);
  read_rpki(top.get("rpki"), config.rpki);
  read_aws(top.get("aws"), config.organization, config.aws);
}

void Reader::read_listen(const Fields& top, Config& config) {
  const Value* listen = top.get("listen");
  if (listen == nullptr) {
    fail(kMissingKey, top.self.mark, "listen.api", "missing", kApiRequired);
    return;
  }
  Fields f = open(*listen, kListenKeys);
  const Value* api = need(f, "api", kApiRequired);
  std::string text_form;
  if (text(api, text_form, true, kApiAllowed)) {
    std::string wrong = parse_endpoint(text_form, config.api);
    if (!wrong.empty()) invalid(*api, in_quotes(text_form) + " " + wrong, kApiAllowed);
  }
  if (const Value* tls = f.get("tls")) {
    Fields t = open(*tls, kTlsKeys);
    TlsConfig files;
    constexpr std::string_view kWhy = "required: with listen.tls, both cert and key (PEM files)";
    const Value* cert = need(t, "cert", kWhy);
    const Value* key = need(t, "key", kWhy);
    readable_file(cert, files.cert_file);
    readable_file(key, files.key_file);
    if (!failed()) config.tls = files;
  }
}

void Reader::read_log(const Value* v, LogConfig& log) {
  if (v == nullptr) return;
  Fields f = open(*v, kLogKeys);
  std::string format = log.format == LogFormat::kJson ? "json" : "human";
  choice(f.get("format"), kLogFormats, "log format", format);
  log.format = format == "json" ? LogFormat::kJson : LogFormat::kHuman;
  choice(f.get("level"), kLogLevels, "log level", log.level);
  path(f.get("file"), log.file, true);
  path(f.get("audit_file"), log.audit_file, true);
}

void Reader::read_organization(const Value* v, OrganizationConfig& org) {
  if (v == nullptr) return;
  Fields f = open(*v, kOrganizationKeys);
  std::string id;
  constexpr std::string_view kOrgAllowed = "allowed: o- followed by lower-case letters and digits";
  if (text(f.get("id"), id, false, kOrgAllowed)) {
    if (!id.starts_with("o-") || !all_of(std::string_view(id).substr(2), is_lower_alnum)) {
      invalid(*f.get("id"), in_quotes(id) + " is not an organization id", kOrgAllowed);
    }
    org.id = id;
  }
  std::vector<Value> list;
  if (const Value* accounts = f.get("accounts")) {
    list = items(*accounts, "allowed: a list of mappings with keys " + join(kAccountKeys));
  }
  std::vector<Fields> fields;
  for (const Value& item : list) fields.push_back(read_account(item, org.accounts.emplace_back()));
  check_accounts_unique(fields, org.accounts);

  std::string known;
  for (const Account& a : org.accounts) known += (known.empty() ? "" : ", ") + a.id;
  const Value* mgmt = f.get("management_account");
  if (mgmt == nullptr && !org.accounts.empty()) {
    need(f, "management_account", "required when accounts are listed: one of " + known);
  }
  account_id(mgmt, org.management_account);
  if (failed() || mgmt == nullptr) return;
  bool listed = std::any_of(org.accounts.begin(), org.accounts.end(),
                            [&](const Account& a) { return a.id == org.management_account; });
  if (!listed) {
    invalid(*mgmt, in_quotes(org.management_account) + " is not one of organization.accounts",
            known.empty() ? "allowed: an id listed in organization.accounts (there are none)"
                          : "allowed: " + known);
  }
}

Fields Reader::read_account(const Value& v, Account& account) {
  Fields f = open(v, kAccountKeys);
  constexpr std::string_view kRequired = "required: every account has id, name and token_sha256";
  account_id(need(f, "id", kRequired), account.id);
  text(need(f, "name", kRequired), account.name, false, "allowed: a non-empty name");
  const Value* ou = f.get("ou");
  constexpr std::string_view kOuAllowed =
      "allowed: ou- followed by lower-case letters, digits and '-'";
  if (text(ou, account.ou, true, kOuAllowed) && !account.ou.empty() &&
      (!account.ou.starts_with("ou-") ||
       !all_of(std::string_view(account.ou).substr(3), is_ou_char))) {
    invalid(*ou, in_quotes(account.ou) + " is not an organizational unit id", kOuAllowed);
  }
  token_sha256(need(f, "token_sha256", kRequired), account.token_sha256);
  return f;
}

// Ids and names identify accounts in the API and the audit log; a token hash
// identifies the caller, so two accounts may not share one.
void Reader::check_accounts_unique(const std::vector<Fields>& fields,
                                   const std::vector<Account>& accounts) {
  for (size_t i = 0; i < accounts.size() && !failed(); ++i) {
    for (size_t j = 0; j < i && !failed(); ++j) {
      const Account& a = accounts[i];
      const Account& b = accounts[j];
      const Fields& f = fields[i];
      std::string other = fields[j].self.path + " (" + b.name + ")";
      if (a.id == b.id) {
        invalid(*f.get("id"), in_quotes(a.id) + " is already the id of " + other,
                "allowed: a different id for each account");
      } else if (a.name == b.name) {
        invalid(*f.get("name"),
                in_quotes(a.name) + " is already the name of " + fields[j].self.path,
                "allowed: a different name for each account");
      } else if (a.token_sha256 == b.token_sha256) {
        invalid(*f.get("token_sha256"), "the same token hash as " + other,
                "allowed: a different token for each account");
      }
    }
  }
}

void Reader::read_alarms(const Value* v, AlarmConfig& alarms) {
  if (v == nullptr) return;
  Fields f = open(*v, kAlarmKeys);
  percentage(f.get("utilization_threshold"), alarms.utilization_threshold);
  integer(f.get("evaluate_interval_ms"), 100, 3600000, alarms.evaluate_interval_ms);
  integer(f.get("retry_initial_ms"), 10, 600000, alarms.retry_initial_ms);
  integer(f.get("retry_max_ms"), 10, 3600000, alarms.retry_max_ms);
  if (!failed() && alarms.retry_max_ms < alarms.retry_initial_ms) {
    const Value* max = f.get("retry_max_ms");
    const Value& at = max != nullptr ? *max : *f.get("retry_initial_ms");
    invalid(at,
            "retry_max_ms " + std::to_string(alarms.retry_max_ms) +
                " is less than retry_initial_ms " + std::to_string(alarms.retry_initial_ms),
            "allowed: retry_max_ms from retry_initial_ms to 3600000");
  }
  std::vector<Value> list;
  if (const Value* hooks = f.get("webhooks")) {
    list = items(*hooks, "allowed: a list of mappings with keys url, timeout_ms, or [] for none");
  }
  for (const Value& item : list) {
    Fields h = open(item, kWebhookKeys);
    Webhook& hook = alarms.webhooks.emplace_back();
    const Value* url = need(h, "url", "required: every webhook has a url");
    constexpr std::string_view kUrlAllowed = "allowed: an http:// or https:// URL";
    if (text(url, hook.url, false, kUrlAllowed)) {
      std::string wrong = check_url(hook.url);
      if (!wrong.empty()) invalid(*url, in_quotes(hook.url) + " " + wrong, kUrlAllowed);
    }
    integer(h.get("timeout_ms"), 100, 120000, hook.timeout_ms);
  }
}

void Reader::read_store(const Value* v, StoreConfig& store) {
  if (v == nullptr) return;
  Fields f = open(*v, kStoreKeys);
  integer(f.get("snapshot_every"), 1, 100000000, store.snapshot_every);
}

}  // namespace config_detail

namespace {

using namespace config_detail;

Status syntax_error(const std::string& source, const YAML::Mark& mark, const std::string& what) {
  std::string message = source;
  if (mark.line >= 0) message += ":" + position(mark);
  message += ": invalid YAML: " + what;
  if (what.find("end of") != std::string::npos) {
    message +=
        "; close every [ and {, and quote values that start with one, such as \"[::1]:8080\"";
  }
  return Status(Code::kInvalidArgument, kSyntax, std::move(message));
}

fs::path directory_of(const std::string& source) {
  std::error_code ec;
  fs::path cwd = fs::current_path(ec);
  if (source.empty()) return cwd;
  fs::path p(source);
  return (p.is_absolute() ? p : cwd / p).lexically_normal().parent_path();
}


std::string format_name(LogFormat f) { return f == LogFormat::kJson ? "json" : "human"; }

void diff_listen(const Config& a, const Config& b, ChangeList& out) {
  out.note("listen.api", a.api.to_string(), b.api.to_string(), true);
  out.note("listen.tls", a.tls ? "on" : "off", b.tls ? "on" : "off", true);
  if (a.tls && b.tls) {
    out.note("listen.tls.cert", a.tls->cert_file, b.tls->cert_file, true);
    out.note("listen.tls.key", a.tls->key_file, b.tls->key_file, true);
  }
  out.note("state_dir", a.state_dir, b.state_dir, true);
}

void diff_log(const LogConfig& a, const LogConfig& b, ChangeList& out) {
  out.note("log.format", format_name(a.format), format_name(b.format));
  out.note("log.level", a.level, b.level);
  out.note("log.file", or_none(a.file, "(stderr)"), or_none(b.file, "(stderr)"), true);
  out.note("log.audit_file", a.audit_file, b.audit_file, true);
}

std::string label(const Account& a) { return a.id + " (" + a.name + ")"; }

const Account* find_account(const std::vector<Account>& accounts, const std::string& id) {
  for (const Account& a : accounts) {
    if (a.id == id) return &a;
  }
  return nullptr;
}

void diff_organization(const OrganizationConfig& a, const OrganizationConfig& b, ChangeList& out) {
  out.note("organization.id", a.id, b.id);
  out.note("organization.management_account", or_none(a.management_account, "(none)"),
           or_none(b.management_account, "(none)"));
  constexpr std::string_view kKey = "organization.accounts";
  for (const Account& old : a.accounts) {
    const Account* now = find_account(b.accounts, old.id);
    if (now == nullptr) {
      out.add(std::string(kKey) + ": removed " + label(old));
      continue;
    }
    std::string key = std::string(kKey) + ": " + label(*now);
    out.note(key + " name", old.name, now->name);
    out.note(key + " ou", or_none(old.ou, "(none)"), or_none(now->ou, "(none)"));
    if (old.token_sha256 != now->token_sha256) out.add(key + ": new token");
  }
  for (const Account& now : b.accounts) {
    if (find_account(a.accounts, now.id) == nullptr) {
      out.add(std::string(kKey) + ": added " + label(now));
    }
  }
}

void diff_alarms(const AlarmConfig& a, const AlarmConfig& b, ChangeList& out) {
  out.note("alarms.utilization_threshold", format_number(a.utilization_threshold),
           format_number(b.utilization_threshold));
  out.note("alarms.evaluate_interval_ms", std::to_string(a.evaluate_interval_ms),
           std::to_string(b.evaluate_interval_ms));
  out.note("alarms.retry_initial_ms", std::to_string(a.retry_initial_ms),
           std::to_string(b.retry_initial_ms));
  out.note("alarms.retry_max_ms", std::to_string(a.retry_max_ms), std::to_string(b.retry_max_ms));
  out.note("alarms.webhooks", std::to_string(a.webhooks.size()), std::to_string(b.webhooks.size()));
  for (size_t i = 0; i < std::min(a.webhooks.size(), b.webhooks.size()); ++i) {
    std::string key = "alarms.webhooks[" + std::to_string(i) + "]";
    out.note(key + ".url", a.webhooks[i].url, b.webhooks[i].url);
    out.note(key + ".timeout_ms", std::to_string(a.webhooks[i].timeout_ms),
             std::to_string(b.webhooks[i].timeout_ms));
  }
}

}  // namespace

std::vector<std::string> describe_changes(const Config& before, const Config& after) {
  ChangeList out;
  diff_listen(before, after, out);
  diff_log(before.log, after.log, out);
  diff_organization(before.organization, after.organization, out);
  diff_alarms(before.alarms, after.alarms, out);
  out.note("store.snapshot_every", std::to_string(before.store.snapshot_every),
           std::to_string(after.store.snapshot_every), true);
  diff_bgp(before.bgp, after.bgp, out);
  diff_rpki(before.rpki, after.rpki, out);
  diff_aws(before.aws, after.aws, out);
  return out.take();
}

std::string Endpoint::to_string() const {
  std::string h = host.find(':') == std::string::npos ? host : "[" + host + "]";
  return h + ":" + std::to_string(port);
}

Result<Config> parse_config(std::string_view yaml, const std::string& source) {
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return syntax_error(source, e.mark, e.msg);
  }
  Config config;
  config.source = source;
  Reader reader(source, directory_of(source));
  reader.read_document(docs, config);
  if (!reader.status().ok()) return reader.status();
  return config;
}

Result<Config> load_config(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  std::string text;
  int error = f == nullptr ? errno : 0;
  if (f != nullptr) {
    char buf[8192];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    if (std::ferror(f)) error = errno != 0 ? errno : EIO;
    std::fclose(f);
  }
  if (error != 0) {
    return Status(Code::kInvalidArgument, kUnreadable,
                  path + ": cannot read the config file: " +
                      std::error_code(error, std::generic_category()).message());
  }
  return parse_config(text, path);
}

}  // namespace byoipd::controller
