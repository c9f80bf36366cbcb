#include "byoipd/controller/config.h"
#include "config_error_case.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace byoipd::controller {
namespace {

using testing_config::ErrorCase;
using testing_config::expect_refused;

namespace fs = std::filesystem;

// SHA-256 of "mgmt-demo-token", "net-demo-token", "payments-demo-token".
constexpr std::string_view kMgmtHash =
    "07a71b1a5cf5235f6f46e5474121f0f6c048c78150d32cf15a775beeb3fad354";
constexpr std::string_view kNetHash =
    "4b170950ea8e7ba4a1c548be923b86b767c7260a6f9ec7a95e1397a18a5982cb";
constexpr std::string_view kPayHash =
    "b1f3faeefde51b5be0dca30507c39f18dc88f979fd7d0ff68b4e5808aa5be751";

// A minimal valid file, for cases that change one thing.
std::string minimal() { return "listen:\n  api: 127.0.0.1:8080\n"; }

// A valid file with two accounts; account lines start at line 6.
std::string with_accounts(std::string_view second_account) {
  return std::string(
             "listen:\n"
             "  api: 127.0.0.1:8080\n"
             "organization:\n"
             "  management_account: \"111122223333\"\n"
             "  accounts:\n"
             "    - id: \"111122223333\"\n"
             "      name: management\n"
             "      token_sha256: ") +
         std::string(kMgmtHash) + "\n" + std::string(second_account);
}

std::string quickstart_path() {
  std::string here = __FILE__;
  std::string_view suffix = "tests/controller/config_test.cc";
  return here.substr(0, here.size() - suffix.size()) + "examples/quickstart.yaml";
}

Config parse_ok(const std::string& yaml, const std::string& source = "test.yaml") {
  Result<Config> r = parse_config(yaml, source);
  if (!r.ok()) {
    ADD_FAILURE() << "parse_config: " << r.status().to_string();
    return Config();
  }
  return *r;
}

// A scratch directory for files the loader must find on disk.
class TempDir {
 public:
  TempDir() {
    std::string test = testing::UnitTest::GetInstance()->current_test_info()->name();
    path_ = fs::path(testing::TempDir()) / ("config_test_" + test);
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name) << text;
    return (path_ / name).string();
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// ---------------------------------------------------------------------------
// Valid files.

TEST(ConfigTest, QuickstartExampleLoads) {
  Result<Config> r = load_config(quickstart_path());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  const Config& c = *r;
  EXPECT_EQ(c.api.to_string(), "127.0.0.1:8080");
  EXPECT_FALSE(c.tls.has_value());
  fs::path examples = fs::path(quickstart_path()).parent_path().lexically_normal();
  EXPECT_EQ(c.state_dir, (examples / "state").string());
  EXPECT_EQ(c.log.format, LogFormat::kHuman);
  EXPECT_EQ(c.log.level, "info");
  EXPECT_EQ(c.organization.management_account, "111122223333");
  ASSERT_EQ(c.organization.accounts.size(), 3u);
  const std::vector<Account>& a = c.organization.accounts;
  EXPECT_EQ(a[0].id, "111122223333");
  EXPECT_EQ(a[0].name, "management");
  EXPECT_EQ(a[0].ou, "");
  EXPECT_EQ(a[0].token_sha256, kMgmtHash);
  EXPECT_EQ(a[1].id, "222233334444");
  EXPECT_EQ(a[1].name, "network");
  EXPECT_EQ(a[1].ou, "ou-infra-net01");
  EXPECT_EQ(a[1].token_sha256, kNetHash);
  EXPECT_EQ(a[2].id, "333344445555");
  EXPECT_EQ(a[2].name, "payments");
  EXPECT_EQ(a[2].ou, "ou-prod-pay01");
  EXPECT_EQ(a[2].token_sha256, kPayHash);
  EXPECT_EQ(c.alarms.utilization_threshold, 80.0);
  EXPECT_TRUE(c.alarms.webhooks.empty());
}

TEST(ConfigTest, DefaultsApplyToEverythingButTheListenAddress) {
  Config c = parse_ok(minimal(), "/etc/byoipd/byoipd.yaml");
  EXPECT_EQ(c.source, "/etc/byoipd/byoipd.yaml");
  EXPECT_EQ(c.api.host, "127.0.0.1");
  EXPECT_EQ(c.api.port, 8080);
  EXPECT_FALSE(c.tls.has_value());
  EXPECT_EQ(c.state_dir, "/etc/byoipd/state");
  EXPECT_EQ(c.log.format, LogFormat::kHuman);
  EXPECT_EQ(c.log.level, "info");
  EXPECT_EQ(c.log.file, "");
  EXPECT_EQ(c.log.audit_file, "/etc/byoipd/state/audit.log");
  EXPECT_EQ(c.organization.id, "o-byoipd");
  EXPECT_EQ(c.organization.management_account, "");
  EXPECT_TRUE(c.organization.accounts.empty());
  EXPECT_EQ(c.alarms.utilization_threshold, 80.0);
  EXPECT_EQ(c.alarms.evaluate_interval_ms, 1000);
  EXPECT_EQ(c.alarms.retry_initial_ms, 500);
  EXPECT_EQ(c.alarms.retry_max_ms, 60000);
  EXPECT_TRUE(c.alarms.webhooks.empty());
  EXPECT_EQ(c.store.snapshot_every, 100000u);
}

TEST(ConfigTest, EveryKeyIsRead) {
  Config c = parse_ok(with_accounts("") +
                          "  id: o-exampleorgid\n"
                          "state_dir: /var/lib/byoipd\n"
                          "log: {format: json, level: debug, file: byoipd.log,\n"
                          "      audit_file: /var/log/audit.log}\n"
                          "alarms:\n"
                          "  utilization_threshold: 92.5\n"
                          "  evaluate_interval_ms: 2000\n"
                          "  retry_initial_ms: 100\n"
                          "  retry_max_ms: 100\n"
                          "  webhooks:\n"
                          "    - url: https://alerts.example.net/hook\n"
                          "      timeout_ms: 250\n"
                          "    - {url: http://127.0.0.1:9000/hook}\n"
                          "store: {snapshot_every: 5}\n",
                      "/etc/byoipd/byoipd.yaml");
  EXPECT_EQ(c.organization.id, "o-exampleorgid");
  EXPECT_EQ(c.state_dir, "/var/lib/byoipd");
  EXPECT_EQ(c.log.format, LogFormat::kJson);
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_EQ(c.log.file, "/etc/byoipd/byoipd.log");
  EXPECT_EQ(c.log.audit_file, "/var/log/audit.log");
  EXPECT_EQ(c.alarms.utilization_threshold, 92.5);
  EXPECT_EQ(c.alarms.evaluate_interval_ms, 2000);
  EXPECT_EQ(c.alarms.retry_initial_ms, 100);
  EXPECT_EQ(c.alarms.retry_max_ms, 100);
  ASSERT_EQ(c.alarms.webhooks.size(), 2u);
  EXPECT_EQ(c.alarms.webhooks[0].url, "https://alerts.example.net/hook");
  EXPECT_EQ(c.alarms.webhooks[0].timeout_ms, 250);
  EXPECT_EQ(c.alarms.webhooks[1].url, "http://127.0.0.1:9000/hook");
  EXPECT_EQ(c.alarms.webhooks[1].timeout_ms, 5000);
  EXPECT_EQ(c.store.snapshot_every, 5u);
}

TEST(ConfigTest, RelativePathsStartAtTheConfigFilesDirectory) {
  Config c = parse_ok(minimal() +
                          "state_dir: ../var/./byoipd\n"
                          "log: {file: logs/byoipd.log}\n",
                      "/etc/byoipd/conf.d/byoipd.yaml");
  EXPECT_EQ(c.state_dir, "/etc/byoipd/var/byoipd");
  EXPECT_EQ(c.log.file, "/etc/byoipd/conf.d/logs/byoipd.log");
  EXPECT_EQ(c.log.audit_file, "/etc/byoipd/var/byoipd/audit.log");
}

TEST(ConfigTest, RelativeSourceResolvesAgainstTheWorkingDirectory) {
  Config c = parse_ok(minimal(), "byoipd.yaml");
  EXPECT_EQ(c.state_dir, (fs::current_path() / "state").lexically_normal().string());
}

struct EndpointCase {
  const char* name;
  const char* api;
  const char* host;
  uint16_t port;
  const char* printed;
  friend void PrintTo(const EndpointCase& c, std::ostream* os) { *os << c.name; }
};

class ConfigEndpointTest : public testing::TestWithParam<EndpointCase> {};

TEST_P(ConfigEndpointTest, Parses) {
  const EndpointCase& c = GetParam();
  Config config = parse_ok("listen:\n  api: " + std::string(c.api) + "\n");
  EXPECT_EQ(config.api.host, c.host);
  EXPECT_EQ(config.api.port, c.port);
  EXPECT_EQ(config.api.to_string(), c.printed);
}

const EndpointCase kEndpoints[] = {
    {"ipv4", "127.0.0.1:8080", "127.0.0.1", 8080, "127.0.0.1:8080"},
    {"ipv4_any", "0.0.0.0:443", "0.0.0.0", 443, "0.0.0.0:443"},
    {"ipv6_quoted", "\"[::1]:8080\"", "::1", 8080, "[::1]:8080"},
    {"ipv6_made_canonical", "'[2001:DB8:0::1]:1'", "2001:db8::1", 1, "[2001:db8::1]:1"},
    {"localhost", "localhost:65535", "localhost", 65535, "localhost:65535"},
};

INSTANTIATE_TEST_SUITE_P(Valid, ConfigEndpointTest, testing::ValuesIn(kEndpoints),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ConfigTest, UnquotedTwelveDigitAccountIdIsAccepted) {
  Config c = parse_ok(
      "listen: {api: 127.0.0.1:8080}\n"
      "organization:\n"
      "  management_account: 111122223333\n"
      "  accounts:\n"
      "    - {id: 111122223333, name: m, token_sha256: " + std::string(kMgmtHash) + "}\n");
  ASSERT_EQ(c.organization.accounts.size(), 1u);
  EXPECT_EQ(c.organization.accounts[0].id, "111122223333");
  EXPECT_EQ(c.organization.management_account, "111122223333");
}

TEST(ConfigTest, TlsFilesAreResolvedAndChecked) {
  TempDir dir;
  dir.write("cert.pem", "-----BEGIN CERTIFICATE-----\n");
  std::string key = dir.write("key.pem", "-----BEGIN PRIVATE KEY-----\n");
  Config c = parse_ok(minimal() + "  tls:\n    cert: cert.pem\n    key: " + key + "\n",
                      (dir.path() / "byoipd.yaml").string());
  ASSERT_TRUE(c.tls.has_value());
  EXPECT_EQ(c.tls->cert_file, (dir.path() / "cert.pem").string());
  EXPECT_EQ(c.tls->key_file, key);
}

// ---------------------------------------------------------------------------
// Refusals: the reason, and the message's position, key path, offending value
// and allowed values.

class ConfigErrorTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(ConfigErrorTest, IsRefusedWithAPreciseMessage) { expect_refused(GetParam()); }

const std::string kTwoAccountsTail =
    "    - id: \"222233334444\"\n"
    "      name: network\n"
    "      token_sha256: " + std::string(kNetHash) + "\n";

std::string account_with(std::string_view id, std::string_view token) {
  return "    - id: " + std::string(id) + "\n      name: network\n      token_sha256: " +
         std::string(token) + "\n";
}

const ErrorCase kErrors[] = {
    // Keys.
    {"unknown_top_level_key", minimal() + "lgo:\n  level: info\n", "config-unknown-key",
     "test.yaml:3:1: lgo: unknown key",
     {"did you mean 'log'?", "allowed: listen, state_dir, log, organization, alarms, store, bgp, rpki"}},
    {"unknown_nested_key", minimal() + "log:\n  level: info\n  formt: json\n",
     "config-unknown-key", "test.yaml:5:3: log.formt: unknown key",
     {"did you mean 'format'?", "allowed: format, level, file, audit_file"}},
    {"unknown_key_in_account", with_accounts("      token: x\n"), "config-unknown-key",
     "test.yaml:9:7: organization.accounts[0].token: unknown key",
     {"allowed: id, name, ou, token_sha256"}},
    {"duplicate_key", minimal() + "log:\n  level: info\n  level: debug\n", "config-syntax",
     "test.yaml:5:3: log.level: duplicate key (first at 4:3)", {}},
    {"missing_listen_api", "listen: {}\nlog: {level: info}\n", "config-missing-key",
     "test.yaml:1:9: listen.api: missing; required: the API listen address as host:port", {}},
    {"missing_listen_section", "log:\n  level: info\n", "config-missing-key",
     "test.yaml:1:1: listen.api: missing", {"host:port"}},
    {"empty_file", "", "config-missing-key", "test.yaml:1:1: listen.api: missing",
     {"the file has no settings"}},
    {"only_comments", "# nothing yet\n", "config-missing-key",
     "test.yaml:1:1: listen.api: missing", {}},
    {"tls_without_key", minimal() + "  tls:\n    cert: /etc/ssl/cert.pem\n",
     "config-missing-key", "test.yaml:4:5: listen.tls.key: missing",
     {"both cert and key"}},
    {"account_without_token", with_accounts("    - id: \"222233334444\"\n      name: network\n"),
     "config-missing-key", "test.yaml:9:7: organization.accounts[1].token_sha256: missing",
     {"id, name and token_sha256"}},
    {"accounts_without_management_account",
     "listen: {api: 127.0.0.1:8080}\norganization:\n  accounts:\n    - {id: \"111122223333\", "
     "name: m, token_sha256: " + std::string(kMgmtHash) + "}\n",
     "config-missing-key", "test.yaml:3:3: organization.management_account: missing",
     {"one of 111122223333"}},

    // Types.
    {"list_for_mapping", minimal() + "log:\n  - level\n", "config-wrong-type",
     "test.yaml:4:3: log: expected a mapping, found a list",
     {"allowed: a mapping with keys format, level, file, audit_file"}},
    {"string_for_number", minimal() + "alarms:\n  retry_initial_ms: abc\n", "config-wrong-type",
     "test.yaml:4:21: alarms.retry_initial_ms: expected a whole number, found 'abc'",
     {"from 10 to 600000"}},
    {"quoted_number", minimal() + "alarms:\n  retry_initial_ms: \"500\"\n", "config-wrong-type",
     "test.yaml:4:21: alarms.retry_initial_ms: expected a whole number, found the string '500'",
     {"without quotes"}},
    {"fraction_for_whole_number", minimal() + "store: {snapshot_every: 1.5}\n",
     "config-wrong-type",
     "test.yaml:3:25: store.snapshot_every: expected a whole number, found '1.5'",
     {"from 1 to 100000000"}},
    {"mapping_for_string", minimal() + "log:\n  level: {name: info}\n", "config-wrong-type",
     "test.yaml:4:10: log.level: expected a string, found a mapping",
     {"allowed: trace, debug, info, warn, error, critical, off"}},
    {"empty_value_for_mapping", minimal() + "alarms:\n", "config-wrong-type",
     "test.yaml:3:1: alarms: expected a mapping, found an empty value", {}},
    {"scalar_file", "just text\n", "config-wrong-type",
     "test.yaml:1:1: (top level): expected a mapping, found 'just text'", {"listen, state_dir"}},
    {"string_for_threshold", minimal() + "alarms: {utilization_threshold: high}\n",
     "config-wrong-type",
     "test.yaml:3:33: alarms.utilization_threshold: expected a number, found 'high'",
     {"above 0 and at most 100"}},

    // Enumerations.
    {"unknown_log_format", minimal() + "log:\n  format: jsn\n", "config-invalid-value",
     "test.yaml:4:11: log.format: 'jsn' is not a log format; allowed: human, json", {}},
    {"unknown_log_level", minimal() + "log:\n  level: verbose\n", "config-invalid-value",
     "test.yaml:4:10: log.level: 'verbose' is not a log level; "
     "allowed: trace, debug, info, warn, error, critical, off",
     {}},

    // listen.api.
    {"endpoint_without_port", "listen:\n  api: 127.0.0.1\n", "config-invalid-value",
     "test.yaml:2:8: listen.api: '127.0.0.1' has no port", {"host:port", "1 to 65535"}},
    {"endpoint_port_zero", "listen:\n  api: 127.0.0.1:0\n", "config-invalid-value",
     "test.yaml:2:8: listen.api: '127.0.0.1:0' has port 0, which is out of range",
     {"1 to 65535"}},
    {"endpoint_port_too_big", "listen:\n  api: 127.0.0.1:70000\n", "config-invalid-value",
     "test.yaml:2:8: listen.api: '127.0.0.1:70000' has port 70000, which is out of range",
     {"1 to 65535"}},
    {"endpoint_port_name", "listen:\n  api: 127.0.0.1:http\n", "config-invalid-value",
     "test.yaml:2:8: listen.api: '127.0.0.1:http' has port 'http', which is not a number", {}},
    {"endpoint_host_name", "listen:\n  api: api.example.net:8080\n", "config-invalid-value",
     "test.yaml:2:8: listen.api: 'api.example.net:8080' has host 'api.example.net'",
     {"not an IPv4 address or localhost", "host names are not resolved"}},
    {"endpoint_bad_ipv4", "listen:\n  api: 10.0.0.300:80\n", "config-invalid-value",
     "test.yaml:2:8: listen.api: '10.0.0.300:80' has host '10.0.0.300'", {}},
    {"endpoint_ipv6_without_brackets", "listen:\n  api: ::1:8080\n", "config-invalid-value",
     "test.yaml:2:8: listen.api: '::1:8080' has an IPv6 address without brackets",
     {"\"[::1]:8080\""}},
    {"endpoint_ipv4_in_brackets", "listen:\n  api: \"[10.0.0.1]:80\"\n", "config-invalid-value",
     "test.yaml:2:8: listen.api: '[10.0.0.1]:80' has '10.0.0.1' in brackets", {}},

    // Accounts.
    {"duplicate_account_id",
     with_accounts(account_with("\"111122223333\"", kNetHash)), "config-invalid-value",
     "test.yaml:9:11: organization.accounts[1].id: '111122223333' is already the id of "
     "organization.accounts[0] (management)",
     {"a different id for each account"}},
    {"duplicate_account_name",
     with_accounts("    - id: \"222233334444\"\n      name: management\n      token_sha256: " +
                   std::string(kNetHash) + "\n"),
     "config-invalid-value",
     "test.yaml:10:13: organization.accounts[1].name: 'management' is already the name of "
     "organization.accounts[0]",
     {}},
    {"shared_token", with_accounts(account_with("\"222233334444\"", kMgmtHash)),
     "config-invalid-value",
     "test.yaml:11:21: organization.accounts[1].token_sha256: the same token hash as "
     "organization.accounts[0] (management)",
     {"a different token for each account"}},
    {"management_account_not_listed",
     "listen: {api: 127.0.0.1:8080}\norganization:\n  management_account: \"999988887777\"\n"
     "  accounts:\n    - {id: \"111122223333\", name: m, token_sha256: " +
         std::string(kMgmtHash) + "}\n",
     "config-invalid-value",
     "test.yaml:3:23: organization.management_account: '999988887777' is not one of "
     "organization.accounts",
     {"allowed: 111122223333"}},
    {"management_account_without_accounts",
     minimal() + "organization:\n  management_account: \"111122223333\"\n",
     "config-invalid-value", "test.yaml:4:23: organization.management_account:",
     {"there are none"}},
    {"token_hash_too_short", with_accounts(account_with("\"222233334444\"", "abc123")),
     "config-invalid-value",
     "test.yaml:11:21: organization.accounts[1].token_sha256: the value has 6 characters",
     {"64 lower-case hex digits", "sha256sum"}},
    {"token_hash_upper_case",
     with_accounts(account_with("\"222233334444\"",
                                "4B170950EA8E7BA4A1C548BE923B86B767C7260A6F9EC7A95E1397A1"
                                "8A5982CB")),
     "config-invalid-value",
     "test.yaml:11:21: organization.accounts[1].token_sha256: the value has upper-case hex digits",
     {"64 lower-case hex digits"}},
    {"token_hash_not_hex",
     with_accounts(account_with("\"222233334444\"", std::string(64, 'z'))),
     "config-invalid-value",
     "test.yaml:11:21: organization.accounts[1].token_sha256: the value is not hex", {}},
    {"account_id_eleven_digits", with_accounts(account_with("\"22223333444\"", kNetHash)),
     "config-invalid-value",
     "test.yaml:9:11: organization.accounts[1].id: '22223333444' has 11 digits",
     {"exactly 12 digits"}},
    {"account_id_eleven_digits_unquoted", with_accounts(account_with("22223333444", kNetHash)),
     "config-invalid-value",
     "test.yaml:9:11: organization.accounts[1].id: '22223333444' has 11 digits", {}},
    {"account_id_letters", with_accounts(account_with("2222-3333-4444", kNetHash)),
     "config-invalid-value",
     "test.yaml:9:11: organization.accounts[1].id: '2222-3333-4444' is not all digits",
     {"exactly 12 digits"}},
    {"account_id_unquoted_leading_zero", with_accounts(account_with("022223333444", kNetHash)),
     "config-invalid-value",
     "test.yaml:9:11: organization.accounts[1].id: '022223333444' is unquoted and starts with 0",
     {"YAML reads it as a number", "\"022223333444\""}},
    {"account_id_list", with_accounts(account_with("[1, 2]", kNetHash)), "config-wrong-type",
     "test.yaml:9:11: organization.accounts[1].id: expected a string, found a list", {}},
    {"account_empty_name",
     with_accounts("    - id: \"222233334444\"\n      name: \"\"\n      token_sha256: " +
                   std::string(kNetHash) + "\n"),
     "config-invalid-value",
     "test.yaml:10:13: organization.accounts[1].name: the value is empty", {}},
    {"account_bad_ou", with_accounts(kTwoAccountsTail + "      ou: Prod\n"),
     "config-invalid-value",
     "test.yaml:12:11: organization.accounts[1].ou: 'Prod' is not an organizational unit id",
     {"ou- followed by"}},
    {"accounts_not_a_list", minimal() + "organization:\n  accounts: {id: 1}\n",
     "config-wrong-type", "test.yaml:4:13: organization.accounts: expected a list, found a mapping",
     {"id, name, ou, token_sha256"}},
    {"bad_organization_id", minimal() + "organization: {id: org-1}\n", "config-invalid-value",
     "test.yaml:3:20: organization.id: 'org-1' is not an organization id", {"o- followed by"}},

    // Alarms and store.
    {"threshold_zero", minimal() + "alarms:\n  utilization_threshold: 0\n", "config-invalid-value",
     "test.yaml:4:26: alarms.utilization_threshold: 0 is out of range; "
     "allowed: a percentage above 0 and at most 100",
     {}},
    {"threshold_150", minimal() + "alarms:\n  utilization_threshold: 150\n",
     "config-invalid-value", "test.yaml:4:26: alarms.utilization_threshold: 150 is out of range",
     {}},
    {"threshold_negative", minimal() + "alarms:\n  utilization_threshold: -5\n",
     "config-invalid-value", "test.yaml:4:26: alarms.utilization_threshold: -5 is out of range",
     {}},
    {"retry_max_below_initial",
     minimal() + "alarms:\n  retry_initial_ms: 5000\n  retry_max_ms: 1000\n",
     "config-invalid-value",
     "test.yaml:5:17: alarms.retry_max_ms: retry_max_ms 1000 is less than retry_initial_ms 5000",
     {"allowed: retry_max_ms from retry_initial_ms to 3600000"}},
    {"retry_initial_above_default_max", minimal() + "alarms:\n  retry_initial_ms: 600000\n",
     "config-invalid-value",
     "test.yaml:4:21: alarms.retry_initial_ms: retry_max_ms 60000 is less than retry_initial_ms "
     "600000",
     {}},
    {"evaluate_interval_too_small", minimal() + "alarms: {evaluate_interval_ms: 99}\n",
     "config-invalid-value", "test.yaml:3:32: alarms.evaluate_interval_ms: 99 is out of range",
     {"from 100 to 3600000"}},
    {"integer_leading_zero", minimal() + "alarms: {retry_initial_ms: 0500}\n",
     "config-invalid-value", "test.yaml:3:28: alarms.retry_initial_ms: '0500' has a leading zero",
     {}},
    {"webhook_ftp_url", minimal() + "alarms:\n  webhooks:\n    - url: ftp://127.0.0.1/hook\n",
     "config-invalid-value",
     "test.yaml:5:12: alarms.webhooks[0].url: 'ftp://127.0.0.1/hook' uses scheme 'ftp'; "
     "allowed: an http:// or https:// URL",
     {}},
    {"webhook_url_without_host", minimal() + "alarms:\n  webhooks:\n    - url: http:///hook\n",
     "config-invalid-value", "test.yaml:5:12: alarms.webhooks[0].url: 'http:///hook' has no host",
     {}},
    {"webhook_timeout_too_long",
     minimal() + "alarms:\n  webhooks:\n    - {url: http://h/, timeout_ms: 120001}\n",
     "config-invalid-value",
     "test.yaml:5:36: alarms.webhooks[0].timeout_ms: 120001 is out of range",
     {"from 100 to 120000"}},
    {"webhook_without_url", minimal() + "alarms:\n  webhooks:\n    - timeout_ms: 100\n",
     "config-missing-key", "test.yaml:5:7: alarms.webhooks[0].url: missing", {}},
    {"snapshot_every_zero", minimal() + "store:\n  snapshot_every: 0\n", "config-invalid-value",
     "test.yaml:4:19: store.snapshot_every: 0 is out of range", {"from 1 to 100000000"}},

    // Paths and files.
    {"tls_cert_missing_on_disk",
     minimal() + "  tls:\n    cert: /nonexistent/byoipd/cert.pem\n    key: /nonexistent/key.pem\n",
     "config-invalid-value",
     "test.yaml:4:11: listen.tls.cert: cannot read '/nonexistent/byoipd/cert.pem': "
     "No such file or directory",
     {"a readable PEM file"}},
    {"state_dir_tilde", minimal() + "state_dir: ~/byoipd\n", "config-invalid-value",
     "test.yaml:3:12: state_dir: '~/byoipd' starts with '~', which is not expanded",
     {"relative to the config file's directory"}},
    {"state_dir_empty", minimal() + "state_dir: \"\"\n", "config-invalid-value",
     "test.yaml:3:12: state_dir: the value is empty", {}},

    // YAML itself.
    {"unbalanced_bracket", minimal() + "log: {level: info\nstore: {}\n", "config-syntax",
     "test.yaml:4:6: invalid YAML: end of map flow not found", {"close every [ and {"}},
    {"unbalanced_bracket_line", "listen:\n  api: 127.0.0.1:8080\nalarms:\n  webhooks: [\n",
     "config-syntax", "test.yaml:5:1: invalid YAML: end of sequence flow not found", {}},
    {"unquoted_ipv6", "listen:\n  api: [::1]:8080\n", "config-syntax", "test.yaml:2:13:",
     {"\"[::1]:8080\""}},
    {"two_documents", minimal() + "---\nlisten: {api: 127.0.0.1:9090}\n", "config-syntax",
     "test.yaml:4:1: (top level): a second YAML document starts here",
     {"one document per file"}},
};

INSTANTIATE_TEST_SUITE_P(Refused, ConfigErrorTest, testing::ValuesIn(kErrors),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ConfigTest, TokenHashErrorsDoNotEchoTheValue) {
  // Someone who pastes the token itself must not find it in the daemon's log.
  Result<Config> r = parse_config(with_accounts(account_with("\"222233334444\"", "net-demo-token")),
                                  "test.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().find("net-demo-token"), std::string::npos)
      << r.status().message();
}

TEST(ConfigTest, MissingFileIsUnreadable) {
  Result<Config> r = load_config("/nonexistent/byoipd.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), "config-unreadable");
  EXPECT_EQ(r.status().message(),
            "/nonexistent/byoipd.yaml: cannot read the config file: No such file or directory");
}

TEST(ConfigTest, DirectoryIsUnreadable) {
  TempDir dir;
  Result<Config> r = load_config(dir.path().string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), "config-unreadable");
  EXPECT_NE(r.status().message().find("Is a directory"), std::string::npos)
      << r.status().message();
}

TEST(ConfigTest, LoadedFileErrorsNameThePathGiven) {
  TempDir dir;
  std::string path =
      dir.write("byoipd.yaml", "listen:\n  api: 127.0.0.1:8080\nlog: {format: jsn}\n");
  Result<Config> r = load_config(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            path + ":3:15: log.format: 'jsn' is not a log format; allowed: human, json");
}

// ---------------------------------------------------------------------------
// describe_changes, for SIGHUP.

struct ChangeCase {
  const char* name;
  std::string before;
  std::string after;
  std::vector<std::string> lines;
  friend void PrintTo(const ChangeCase& c, std::ostream* os) { *os << c.name; }
};

class ConfigChangeTest : public testing::TestWithParam<ChangeCase> {};

TEST_P(ConfigChangeTest, DescribesEachChangedSetting) {
  const ChangeCase& c = GetParam();
  Config before = parse_ok(c.before, "/etc/byoipd/byoipd.yaml");
  Config after = parse_ok(c.after, "/etc/byoipd/byoipd.yaml");
  EXPECT_EQ(describe_changes(before, after), c.lines);
}

std::string ops_account() {
  return "    - id: \"333344445555\"\n      name: ops\n      token_sha256: " +
         std::string(kPayHash) + "\n";
}

const ChangeCase kChanges[] = {
    {"nothing", with_accounts(kTwoAccountsTail), with_accounts(kTwoAccountsTail), {}},
    {"log_level", minimal(), minimal() + "log: {level: debug}\n", {"log.level: info -> debug"}},
    {"log_format_and_file", minimal(), minimal() + "log: {format: json, file: /var/log/b.log}\n",
     {"log.format: human -> json", "log.file: (stderr) -> /var/log/b.log (needs a restart)"}},
    {"listen_api", minimal(), "listen: {api: \"[::1]:9090\"}\n",
     {"listen.api: 127.0.0.1:8080 -> [::1]:9090 (needs a restart)"}},
    {"state_dir", minimal(), minimal() + "state_dir: /srv/byoipd\n",
     {"state_dir: /etc/byoipd/state -> /srv/byoipd (needs a restart)",
      "log.audit_file: /etc/byoipd/state/audit.log -> /srv/byoipd/audit.log (needs a restart)"}},
    {"account_added", with_accounts(kTwoAccountsTail),
     with_accounts(kTwoAccountsTail + ops_account()),
     {"organization.accounts: added 333344445555 (ops)"}},
    {"account_removed", with_accounts(kTwoAccountsTail + ops_account()),
     with_accounts(kTwoAccountsTail), {"organization.accounts: removed 333344445555 (ops)"}},
    {"account_renamed_and_new_token", with_accounts(kTwoAccountsTail),
     with_accounts("    - id: \"222233334444\"\n      name: neteng\n      ou: ou-net-1\n"
                   "      token_sha256: " + std::string(kPayHash) + "\n"),
     {"organization.accounts: 222233334444 (neteng) name: network -> neteng",
      "organization.accounts: 222233334444 (neteng) ou: (none) -> ou-net-1",
      "organization.accounts: 222233334444 (neteng): new token"}},
    {"webhook_added", minimal() + "alarms: {webhooks: [{url: http://a/}]}\n",
     minimal() + "alarms: {webhooks: [{url: http://a/}, {url: http://b/}]}\n",
     {"alarms.webhooks: 1 -> 2"}},
    {"webhook_changed", minimal() + "alarms: {webhooks: [{url: http://a/}]}\n",
     minimal() + "alarms: {webhooks: [{url: http://b/, timeout_ms: 100}]}\n",
     {"alarms.webhooks[0].url: http://a/ -> http://b/",
      "alarms.webhooks[0].timeout_ms: 5000 -> 100"}},
    {"alarm_numbers", minimal(),
     minimal() + "alarms: {utilization_threshold: 92.5, evaluate_interval_ms: 5000}\n",
     {"alarms.utilization_threshold: 80 -> 92.5", "alarms.evaluate_interval_ms: 1000 -> 5000"}},
    {"snapshot_every", minimal(), minimal() + "store: {snapshot_every: 10}\n",
     {"store.snapshot_every: 100000 -> 10 (needs a restart)"}},
};

INSTANTIATE_TEST_SUITE_P(Changes, ConfigChangeTest, testing::ValuesIn(kChanges),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace byoipd::controller
