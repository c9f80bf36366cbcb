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

// One AWS-style access key of the EC2-compatible endpoint, for an account of
// the organization. SigV4 needs the secret itself (it is an HMAC key), so it
// is kept here in the clear: protect the file (mode 0600).
struct AwsAccessKey {
  std::string access_key_id;      // 16 to 128 of A-Z 0-9
  std::string secret_access_key;  // at least 16 characters
  std::string account;            // an account of organization.accounts
};

// A certificate an address or AS number holder published in its RDAP record
// (the BYOIP/BYOASN ownership proof's key). byoipd reads no RDAP server:
// the operator copies the certificate here.
struct RdapCertificate {
  std::optional<Prefix> prefix;  // the network object it was published in, or
  std::optional<uint32_t> asn;   // the autnum object
  std::string certificate_file;  // PEM, read at each verification
};

// The EC2 Query + RAM JSON endpoint for the aws CLI and SDKs.
struct AwsConfig {
  Endpoint listen;
  std::vector<AwsAccessKey> access_keys;
  std::vector<RdapCertificate> rdap;
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
  // The aws section: the EC2-compatible endpoint. Unset when the file has
  // none (byoipd then serves only /v1).
  std::optional<AwsConfig> aws;
};

Result<Config> load_config(const std::string& path);
// Same, from text already in memory; `source` names it in messages.
Result<Config> parse_config(std::string_view yaml, const std::string& source);

// What changed between two configs, one line per change (for SIGHUP).
std::vector<std::string> describe_changes(const Config& before, const Config& after);

}  // namespace byoipd::controller
