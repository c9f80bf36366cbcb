// byoipd configuration: the YAML file's schema as plain values.
//
// load_config() reads and validates a file; every error names the file, the
// line and column, the key path (e.g. "organization.accounts[2].id"), what
// was found and what is allowed. Nothing half-valid is ever returned.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "byoipd/bgp/speaker.h"
#include "byoipd/common/status.h"
#include "byoipd/rpki/validator.h"

namespace byoipd::controller {

struct Endpoint {
  std::string host;  // literal IPv4/IPv6 address or "localhost"
  uint16_t port = 0;
  std::string to_string() const;  // "127.0.0.1:8080", "[::1]:8080"
};

struct TlsConfig {
  std::string cert_file;  // PEM certificate chain
  std::string key_file;   // PEM private key
};

enum class LogFormat { kHuman, kJson };

struct LogConfig {
  LogFormat format = LogFormat::kHuman;
  std::string level = "info";  // trace, debug, info, warn, error, critical, off
  std::string file;            // empty = stderr
  std::string audit_file;      // empty = <state_dir>/audit.log
};

struct Account {
  std::string id;    // 12 digits, AWS-style
  std::string name;
  std::string ou;    // organizational unit id, e.g. ou-prod-abcd1234; may be empty
  // SHA-256 of the API token, lower-case hex. Tokens are never stored.
  std::string token_sha256;
};

struct OrganizationConfig {
  std::string id = "o-byoipd";
  std::string management_account;  // must be one of accounts
  std::vector<Account> accounts;
};

struct Webhook {
  std::string url;  // http:// or https://
  int timeout_ms = 5000;
};

struct AlarmConfig {
  double utilization_threshold = 80.0;  // percent, 0 < t <= 100
  std::vector<Webhook> webhooks;
  int retry_initial_ms = 500;
  int retry_max_ms = 60000;
  int evaluate_interval_ms = 1000;
};

struct StoreConfig {
  // Journal records between two snapshots of the whole state.
  uint64_t snapshot_every = 100000;
};

struct Config {
  std::string source;  // the file it came from, for messages
  Endpoint api;        // listen.api, required
  std::optional<TlsConfig> tls;
  std::string state_dir = "state";
  LogConfig log;
  OrganizationConfig organization;
  AlarmConfig alarms;
  StoreConfig store;
  // The bgp section: BGP sessions with on-prem routers, upstreams and
  // observers. Unset when the file has none (byoipd then speaks no BGP).
  // Always valid by bgp::validate().
  std::optional<bgp::SpeakerConfig> bgp;
  // The rpki section: RTR caches, VRP JSON files and a SLURM file for route
  // origin validation. Unset when the file has none (byoipd then validates
  // nothing). Always valid by rpki::validate().
  std::optional<rpki::RpkiConfig> rpki;
};

Result<Config> load_config(const std::string& path);
// Same, from text already in memory; `source` names it in messages.
Result<Config> parse_config(std::string_view yaml, const std::string& source);

// What changed between two configs, one line per change (for SIGHUP).
std::vector<std::string> describe_changes(const Config& before, const Config& after);

}  // namespace byoipd::controller
