// Internals of the config reader shared by config.cc (the schema's general
// sections), config_bgp.cc (the bgp section) and config_rpki.cc (the rpki
// section): the YAML walking helpers and the Reader that turns a document
// into a Config. Not a public header.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "byoipd/common/asn.h"
#include "byoipd/common/ip.h"
#include "byoipd/controller/config.h"

namespace byoipd::controller::config_detail {

namespace fs = std::filesystem;

// Stable reasons of every config refusal.
inline constexpr const char* kUnreadable = "config-unreadable";
inline constexpr const char* kSyntax = "config-syntax";
inline constexpr const char* kUnknownKey = "config-unknown-key";
inline constexpr const char* kMissingKey = "config-missing-key";
inline constexpr const char* kWrongType = "config-wrong-type";
inline constexpr const char* kInvalidValue = "config-invalid-value";

using Keys = std::span<const std::string_view>;

// At most 64 characters on one line: safe to put in a one-line message.
std::string one_line(std::string_view text);
std::string in_quotes(std::string_view text);  // 'one_line(text)'
std::string join(Keys items);                   // "a, b, c"
bool contains(Keys items, std::string_view item);
// Non-empty and every character passes.
bool all_of(std::string_view text, bool (*pred)(char));
bool is_digit(char c);
std::string position(const YAML::Mark& mark);  // "line:column", 1-based
// What a node is, for "expected X, found Y".
std::string found(const YAML::Node& node);
// YAML reads a scalar as a number when it is plain (unquoted) or tagged as one.
bool may_be_number(const YAML::Node& node);
bool has_leading_zero(std::string_view digits);
// Checks an http(s) URL's outline; returns what is wrong with it, or "".
std::string check_url(std::string_view url);

// Parses "host:port" (host an IPv4 address, an IPv6 address in brackets or,
// when allowed, localhost; port min_port..65535); returns what is wrong with
// it, or "" after setting `out`.
std::string parse_endpoint(std::string_view text, Endpoint& out, int min_port = 1,
                           bool allow_localhost = true);

// A node with its key path ("organization.accounts[2].id") and the position
// to report. yaml-cpp marks an empty value at the next token, so an empty
// value is reported at its key instead.
struct Value {
  YAML::Node node;
  YAML::Mark mark;
  std::string path;
};

struct Entry {
  std::string key;
  YAML::Mark key_mark;
  Value value;
};

// The entries of a mapping whose keys passed the checks.
struct Fields {
  Value self;
  std::vector<Entry> entries;

  const Value* get(std::string_view key) const {
    for (const Entry& e : entries) {
      if (e.key == key) return &e.value;
    }
    return nullptr;
  }
};

inline std::string child_path(std::string_view parent, std::string_view key) {
  return parent.empty() ? std::string(key) : std::string(parent) + "." + std::string(key);
}

// Turns a parsed document into a Config. The first error wins: once one is
// recorded every further read does nothing, so the section readers need not
// check after each field.
class Reader {
 public:
  Reader(std::string source, fs::path dir) : source_(std::move(source)), dir_(std::move(dir)) {}

  const Status& status() const { return status_; }
  void read_document(const std::vector<YAML::Node>& docs, Config& config);

 private:
  bool failed() const { return !status_.ok(); }
  void fail(const char* reason, const YAML::Mark& at, std::string_view path, std::string_view what,
            std::string_view allowed);
  void wrong_type(const Value& v, std::string_view expected, std::string_view allowed) {
    fail(kWrongType, v.mark, v.path,
         "expected " + std::string(expected) + ", found " + found(v.node), allowed);
  }
  void invalid(const Value& v, std::string_view what, std::string_view allowed) {
    fail(kInvalidValue, v.mark, v.path, what, allowed);
  }

  Fields open(const Value& v, Keys allowed);
  std::vector<Value> items(const Value& v, std::string_view allowed);
  const Value* need(const Fields& fields, std::string_view key, std::string_view allowed);
  // A section validator's refusal, at the key path its message starts with.
  void report_rule(const Value& section, const Status& refusal);

  bool text(const Value* v, std::string& out, bool may_be_empty, std::string_view allowed);
  void choice(const Value* v, Keys choices, std::string_view kind, std::string& out);
  void integer(const Value* v, int64_t lo, int64_t hi, int64_t& out);
  template <typename T>
  void integer(const Value* v, int64_t lo, int64_t hi, T& out) {
    int64_t n = static_cast<int64_t>(out);
    integer(v, lo, hi, n);
    out = static_cast<T>(n);
  }
  void percentage(const Value* v, double& out);
  void path(const Value* v, std::string& out, bool may_be_empty);
  void readable_file(const Value* v, std::string& out);
  void account_id(const Value* v, std::string& out);
  void token_sha256(const Value* v, std::string& out);

  void read_listen(const Fields& top, Config& config);
  void read_log(const Value* v, LogConfig& log);
  void read_organization(const Value* v, OrganizationConfig& org);
  Fields read_account(const Value& v, Account& account);
  void check_accounts_unique(const std::vector<Fields>& fields,
                             const std::vector<Account>& accounts);
  void read_alarms(const Value* v, AlarmConfig& alarms);
  void read_store(const Value* v, StoreConfig& store);

  // The bgp section (config_bgp.cc).
  void read_bgp(const Value* v, std::optional<bgp::SpeakerConfig>& out);
  void read_bgp_peer(const Value& v, bgp::SpeakerPeerConfig& peer);
  void read_bgp_import(const Value* v, bgp::ImportPolicy& import);
  void read_bgp_export(const Value* v, bgp::ExportPolicy& out);
  void read_bgp_listen(const Value* v, bgp::SpeakerConfig& config);
  void boolean(const Value* v, bool& out);
  void asn(const Value* v, uint32_t& out);
  void ip_address(const Value* v, std::optional<IpAddress>& out);
  void families(const Value* v, std::vector<bgp::AfiSafi>& out);
  void communities(const Value* v, std::vector<uint32_t>& out);
  void large_communities(const Value* v, std::vector<bgp::LargeCommunity>& out);

  // The aws section (config_aws.cc).
  void read_aws(const Value* v, const OrganizationConfig& org, std::optional<AwsConfig>& out);

  // The rpki section (config_rpki.cc).
  void read_rpki(const Value* v, std::optional<rpki::RpkiConfig>& out);
  void read_rpki_rtr(const Value& v, rpki::RtrCacheConfig& cache);
  void read_rpki_json(const Value& v, rpki::JsonSourceConfig& source);
  void location(const Value* v, std::string& out);

  std::string resolve(const std::string& p) const {
    fs::path path(p);
    return (path.is_absolute() ? path : dir_ / path).lexically_normal().string();
  }

  std::string source_;
  fs::path dir_;  // relative paths in the file start here
  Status status_;
};

// Change lines for describe_changes(). Settings the daemon applies only at
// start are marked, so the operator knows a SIGHUP did not apply them.
class ChangeList {
 public:
  void note(std::string_view key, const std::string& before, const std::string& after,
            bool needs_restart = false) {
    if (before == after) return;
    std::string line = std::string(key) + ": " + before + " -> " + after;
    if (needs_restart) line += " (needs a restart)";
    lines_.push_back(std::move(line));
  }
  void add(std::string line) { lines_.push_back(std::move(line)); }
  std::vector<std::string> take() { return std::move(lines_); }

 private:
  std::vector<std::string> lines_;
};

inline std::string or_none(const std::string& value, const char* none) {
  return value.empty() ? none : value;
}

// describe_changes() for the bgp section (config_bgp.cc).
void diff_bgp(const std::optional<bgp::SpeakerConfig>& a,
              const std::optional<bgp::SpeakerConfig>& b, ChangeList& out);

// describe_changes() for the aws section (config_aws.cc).
void diff_aws(const std::optional<AwsConfig>& a, const std::optional<AwsConfig>& b,
              ChangeList& out);

// describe_changes() for the rpki section (config_rpki.cc).
void diff_rpki(const std::optional<rpki::RpkiConfig>& a, const std::optional<rpki::RpkiConfig>& b,
               ChangeList& out);

}  // namespace byoipd::controller::config_detail
