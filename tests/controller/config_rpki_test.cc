// The rpki section of byoipd's config: every key into rpki::RpkiConfig, the
// defaults, each refusal with its position, key path and rule (including the
// rules of rpki::validate()), and describe_changes() lines.
#include <gtest/gtest.h>

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "byoipd/controller/config.h"
#include "config_error_case.h"

namespace byoipd::controller {
namespace {

using testing_config::ErrorCase;
using testing_config::expect_refused;

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

// listen (lines 1-2), then the rpki section from line 4.
std::string with_rpki(const std::string& section) {
  return "listen:\n  api: 127.0.0.1:8080\nrpki:\n" + section;
}

// One RTR cache on lines 5-6; `extra` adds keys to it from line 7 on (indent 6).
std::string one_cache(const std::string& extra = "") {
  return with_rpki(
      "  rtr:\n"                      // 4
      "    - name: stayrtr\n"         // 5
      "      address: 127.0.0.1\n" +  // 6
      extra);                         // 7...
}

// One JSON source on lines 5-6; `extra` adds keys to it from line 7 on.
std::string one_file(const std::string& extra = "",
                     const std::string& url = "/var/lib/rpki-client/json") {
  return with_rpki(
      "  json:\n"                       // 4
      "    - name: rpki-client\n"       // 5
      "      url: " + url + "\n" +      // 6
      extra);                           // 7...
}

Config parse_ok(const std::string& yaml) {
  Result<Config> r = parse_config(yaml, "test.yaml");
  if (!r.ok()) {
    ADD_FAILURE() << "parse_config: " << r.status().to_string();
    return Config();
  }
  return *r;
}

TEST(ConfigRpkiTest, AbsentSectionMeansNoRpki) {
  EXPECT_FALSE(parse_ok("listen:\n  api: 127.0.0.1:8080\n").rpki.has_value());
}

TEST(ConfigRpkiTest, EveryKeyIsRead) {
  Config c = parse_ok(with_rpki(
      "  rtr:\n"
      "    - name: stayrtr\n"
      "      address: 127.0.0.1\n"
      "      port: 8282\n"
      "      preference: 10\n"
      "      version: 0\n"
      "      refresh: 300\n"
      "      retry: 60\n"
      "      expire: 1200\n"
      "      expire_override: 30\n"
      "    - {name: routinator.2, address: \"2001:db8::323\"}\n"
      "  json:\n"
      "    - name: rpki-client\n"
      "      url: file:///var/lib/rpki-client/json\n"
      "      refresh: 120\n"
      "      expire: 240\n"
      "      timeout: 10\n"
      "      max_bytes: 1048576\n"
      "    - {name: rc_http, url: \"https://rpki.example.net/vrps.json\"}\n"
      "  slurm: http://127.0.0.1:8000/slurm.json\n"
      "  slurm_refresh: 15\n"));
  ASSERT_TRUE(c.rpki.has_value());
  const rpki::RpkiConfig& r = *c.rpki;
  ASSERT_EQ(r.rtr.size(), 2u);
  const rpki::RtrCacheConfig& a = r.rtr[0];
  EXPECT_EQ(a.name, "stayrtr");
  EXPECT_EQ(a.address, ip("127.0.0.1"));
  EXPECT_EQ(a.port, 8282);
  EXPECT_EQ(a.preference, 10);
  EXPECT_EQ(a.max_version, 0);
  EXPECT_EQ(a.refresh_seconds, 300u);
  EXPECT_EQ(a.retry_seconds, 60u);
  EXPECT_EQ(a.expire_seconds, 1200u);
  EXPECT_EQ(a.expire_override, 30u);
  EXPECT_EQ(r.rtr[1].name, "routinator.2");
  EXPECT_EQ(r.rtr[1].address, ip("2001:db8::323"));

  ASSERT_EQ(r.json.size(), 2u);
  const rpki::JsonSourceConfig& j = r.json[0];
  EXPECT_EQ(j.name, "rpki-client");
  EXPECT_EQ(j.location, "file:///var/lib/rpki-client/json");
  EXPECT_EQ(j.refresh_seconds, 120u);
  EXPECT_EQ(j.expire_seconds, 240u);
  EXPECT_EQ(j.timeout_seconds, 10u);
  EXPECT_EQ(j.max_bytes, 1048576u);
  EXPECT_EQ(r.json[1].location, "https://rpki.example.net/vrps.json");
  EXPECT_EQ(r.slurm, "http://127.0.0.1:8000/slurm.json");
  EXPECT_EQ(r.slurm_refresh_seconds, 15u);
}

TEST(ConfigRpkiTest, Defaults) {
  Config c = parse_ok(with_rpki(
      "  rtr: [{name: stayrtr, address: 127.0.0.1}]\n"
      "  json: [{name: rpki-client, url: /var/lib/rpki-client/json}]\n"));
  ASSERT_TRUE(c.rpki.has_value());
  const rpki::RtrCacheConfig& a = c.rpki->rtr.at(0);
  EXPECT_EQ(a.port, 323);
  EXPECT_EQ(a.preference, 100);
  EXPECT_EQ(a.max_version, 1);
  EXPECT_EQ(a.refresh_seconds, 3600u);
  EXPECT_EQ(a.retry_seconds, 600u);
  EXPECT_EQ(a.expire_seconds, 7200u);
  EXPECT_FALSE(a.expire_override.has_value());
  const rpki::JsonSourceConfig& j = c.rpki->json.at(0);
  EXPECT_EQ(j.refresh_seconds, 600u);
  EXPECT_EQ(j.expire_seconds, 7200u);
  EXPECT_EQ(j.timeout_seconds, 60u);
  EXPECT_EQ(j.max_bytes, 512ull << 20);
  EXPECT_EQ(c.rpki->slurm, "");
  EXPECT_EQ(c.rpki->slurm_refresh_seconds, 60u);
}

TEST(ConfigRpkiTest, EachKindOfSourceIsEnoughAlone) {
  EXPECT_TRUE(parse_ok(one_cache()).rpki.has_value());
  EXPECT_TRUE(parse_ok(one_file()).rpki.has_value());
  Config c = parse_ok(with_rpki("  slurm: /etc/byoipd/slurm.json\n"));
  ASSERT_TRUE(c.rpki.has_value());
  EXPECT_EQ(c.rpki->slurm, "/etc/byoipd/slurm.json");
}

// Relative paths start at the config file's directory, like every path in it.
TEST(ConfigRpkiTest, RelativePathsStartAtTheConfigDirectory) {
  Result<Config> r = parse_config(
      with_rpki("  json: [{name: local, url: vrps/out.json}]\n  slurm: ../slurm.json\n"),
      "/etc/byoipd/byoipd.yaml");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->rpki->json.at(0).location, "/etc/byoipd/vrps/out.json");
  EXPECT_EQ(r->rpki->slurm, "/etc/slurm.json");
}

// ---------------------------------------------------------------------------
// Refusals: position, key path, value and what is allowed.

class ConfigRpkiErrorTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(ConfigRpkiErrorTest, IsRefusedWithAPreciseMessage) { expect_refused(GetParam()); }

const ErrorCase kErrors[] = {
    // Shape and keys.
    {"empty_section", with_rpki(""), "config-wrong-type",
     "test.yaml:3:1: rpki: expected a mapping, found an empty value",
     {"rtr, json, slurm, slurm_refresh"}},
    {"unknown_key", with_rpki("  slurm: /etc/slurm.json\n  slurm_refesh: 60\n"),
     "config-unknown-key", "test.yaml:5:3: rpki.slurm_refesh: unknown key",
     {"did you mean 'slurm_refresh'?", "allowed: rtr, json, slurm, slurm_refresh"}},
    {"unknown_rtr_key", one_cache("      expire_overide: 30\n"), "config-unknown-key",
     "test.yaml:7:7: rpki.rtr[0].expire_overide: unknown key (did you mean 'expire_override'?)",
     {"name, address, port, preference, version, refresh, retry, expire, expire_override"}},
    {"unknown_json_key", one_file("      timout: 5\n"), "config-unknown-key",
     "test.yaml:7:7: rpki.json[0].timout: unknown key (did you mean 'timeout'?)",
     {"name, url, refresh, expire, timeout, max_bytes"}},
    {"rtr_not_a_list", with_rpki("  rtr: stayrtr\n"), "config-wrong-type",
     "test.yaml:4:8: rpki.rtr: expected a list, found 'stayrtr'", {"list of mappings"}},
    {"json_item_not_a_mapping", with_rpki("  json: [/var/lib/rpki-client/json]\n"),
     "config-wrong-type", "test.yaml:4:10: rpki.json[0]: expected a mapping", {"url"}},
    {"missing_address", with_rpki("  rtr:\n    - {name: stayrtr}\n"), "config-missing-key",
     "test.yaml:5:7: rpki.rtr[0].address: missing", {"name and address"}},
    {"missing_name", with_rpki("  rtr:\n    - {address: 127.0.0.1}\n"), "config-missing-key",
     "test.yaml:5:7: rpki.rtr[0].name: missing", {}},
    {"missing_url", with_rpki("  json:\n    - {name: rpki-client}\n"), "config-missing-key",
     "test.yaml:5:7: rpki.json[0].url: missing", {"name and url"}},

    // Values the reader checks.
    {"address_host_name", with_rpki("  rtr:\n    - {name: a, address: rtr.example}\n"),
     "config-invalid-value",
     "test.yaml:5:26: rpki.rtr[0].address: 'rtr.example' is not an IP address",
     {"literal IPv4 or IPv6"}},
    {"port_zero", one_cache("      port: 0\n"), "config-invalid-value",
     "test.yaml:7:13: rpki.rtr[0].port: 0 is out of range", {"1 to 65535"}},
    {"port_quoted", one_cache("      port: \"323\"\n"), "config-wrong-type",
     "test.yaml:7:13: rpki.rtr[0].port: expected a whole number, found the string '323'",
     {"without quotes"}},
    {"preference_256", one_cache("      preference: 256\n"), "config-invalid-value",
     "test.yaml:7:19: rpki.rtr[0].preference: 256 is out of range", {"0 to 255"}},
    {"version_2", one_cache("      version: 2\n"), "config-invalid-value",
     "test.yaml:7:16: rpki.rtr[0].version: 2 is not an RTR protocol version",
     {"allowed: 0 (RFC 6810) or 1 (RFC 8210)"}},
    {"refresh_zero", one_cache("      refresh: 0\n"), "config-invalid-value",
     "test.yaml:7:16: rpki.rtr[0].refresh: 0 is out of range", {"1 to 86400"}},
    {"retry_too_long", one_cache("      retry: 7201\n"), "config-invalid-value",
     "test.yaml:7:14: rpki.rtr[0].retry: 7201 is out of range", {"1 to 7200"}},
    {"expire_too_short", one_cache("      expire: 599\n"), "config-invalid-value",
     "test.yaml:7:15: rpki.rtr[0].expire: 599 is out of range", {"600 to 172800"}},
    {"expire_override_zero", one_cache("      expire_override: 0\n"), "config-invalid-value",
     "test.yaml:7:24: rpki.rtr[0].expire_override: 0 is out of range", {"1 to 172800"}},
    {"expire_override_too_long", one_cache("      expire_override: 172801\n"),
     "config-invalid-value", "test.yaml:7:24: rpki.rtr[0].expire_override: 172801", {}},
    {"url_empty", one_file("", "\"\""), "config-invalid-value",
     "test.yaml:6:12: rpki.json[0].url: the value is empty",
     {"a path", "file:///path", "http:// or https://"}},
    {"url_scheme", one_file("", "ftp://ftp.example.net/vrps.json"), "config-invalid-value",
     "test.yaml:6:12: rpki.json[0].url: 'ftp://ftp.example.net/vrps.json' uses scheme 'ftp'",
     {"http:// or https://"}},
    {"url_file_relative", one_file("", "file://vrps.json"), "config-invalid-value",
     "test.yaml:6:12: rpki.json[0].url: 'file://vrps.json' has no absolute path after file://",
     {}},
    {"url_no_host", one_file("", "https:///vrps.json"), "config-invalid-value",
     "test.yaml:6:12: rpki.json[0].url: 'https:///vrps.json' has no host", {}},
    {"url_tilde", one_file("", "~/vrps.json"), "config-invalid-value",
     "test.yaml:6:12: rpki.json[0].url: '~/vrps.json' starts with '~', which is not expanded", {}},
    {"json_refresh_zero", one_file("      refresh: 0\n"), "config-invalid-value",
     "test.yaml:7:16: rpki.json[0].refresh: 0 is out of range", {"1 to 86400"}},
    {"json_timeout_zero", one_file("      timeout: 0\n"), "config-invalid-value",
     "test.yaml:7:16: rpki.json[0].timeout: 0 is out of range", {"1 to 3600"}},
    {"json_max_bytes_tiny", one_file("      max_bytes: 100\n"), "config-invalid-value",
     "test.yaml:7:18: rpki.json[0].max_bytes: 100 is out of range", {"1024 to 17179869184"}},
    {"slurm_list", with_rpki("  slurm: [a.json]\n"), "config-wrong-type",
     "test.yaml:4:10: rpki.slurm: expected a string, found a list", {}},
    {"slurm_refresh_zero", with_rpki("  slurm: /etc/slurm.json\n  slurm_refresh: 0\n"),
     "config-invalid-value", "test.yaml:5:18: rpki.slurm_refresh: 0 is out of range",
     {"1 to 86400"}},

    // rpki::validate()'s rules, reported at the key they concern.
    {"no_source", with_rpki("  rtr: []\n"), "config-invalid-value",
     "test.yaml:4:3: rpki: no source; allowed: at least one of rtr, json, slurm", {}},
    {"bad_name", one_cache().replace(one_cache().find("stayrtr"), 7, "\"stay rtr\""),
     "config-invalid-value", "test.yaml:5:13: rpki.rtr[0].name: 'stay rtr' is not a source name",
     {"A-Z a-z 0-9 _ . -"}},
    {"name_too_long", one_file().replace(one_file().find("rpki-client"), 11, std::string(65, 'x')),
     "config-invalid-value", "test.yaml:5:13: rpki.json[0].name: 'xxx", {"1-64"}},
    {"name_slurm", one_file().replace(one_file().find("rpki-client"), 11, "slurm"),
     "config-invalid-value",
     "test.yaml:5:13: rpki.json[0].name: 'slurm' is the name of the SLURM file",
     {"allowed: another name"}},
    {"duplicate_name_across_kinds",
     one_cache() + "  json:\n    - {name: stayrtr, url: /var/lib/vrps.json}\n",
     "config-invalid-value",
     "test.yaml:8:14: rpki.json[0].name: 'stayrtr' is already the name of rtr[0]",
     {"unique among rtr and json"}},
    {"expire_not_above_refresh", one_cache("      refresh: 3600\n      expire: 3600\n"),
     "config-invalid-value",
     "test.yaml:8:15: rpki.rtr[0].expire: 3600 is not above refresh 3600 and retry 600",
     {"RFC 8210 section 6"}},
    {"default_expire_not_above_refresh", one_cache("      refresh: 86400\n"),
     "config-invalid-value",
     "test.yaml:5:7: rpki.rtr[0].expire: 7200 is not above refresh 86400 and retry 600", {}},
    {"expire_not_above_retry", one_cache("      retry: 7200\n      expire: 7200\n"),
     "config-invalid-value", "test.yaml:8:15: rpki.rtr[0].expire: 7200 is not above", {}},
    {"json_expire_not_above_refresh", one_file("      refresh: 600\n      expire: 600\n"),
     "config-invalid-value",
     "test.yaml:8:15: rpki.json[0].expire: 600 is not above refresh 600; allowed: above refresh",
     {}},
};

INSTANTIATE_TEST_SUITE_P(Refused, ConfigRpkiErrorTest, testing::ValuesIn(kErrors),
                         [](const auto& info) { return std::string(info.param.name); });

// ---------------------------------------------------------------------------
// describe_changes: the validator reads its config at start only.

struct ChangeCase {
  const char* name;
  std::string before;
  std::string after;
  std::vector<std::string> lines;
  friend void PrintTo(const ChangeCase& c, std::ostream* os) { *os << c.name; }
};

class ConfigRpkiChangeTest : public testing::TestWithParam<ChangeCase> {};

TEST_P(ConfigRpkiChangeTest, DescribesEachChangeAsNeedingARestart) {
  const ChangeCase& c = GetParam();
  Config before = parse_ok(c.before);
  Config after = parse_ok(c.after);
  EXPECT_EQ(describe_changes(before, after), c.lines);
}

const std::string kNoRpki = "listen:\n  api: 127.0.0.1:8080\n";

const ChangeCase kChanges[] = {
    {"nothing", one_cache(), one_cache(), {}},
    {"turned_on", kNoRpki, one_cache(), {"rpki: off -> on (needs a restart)"}},
    {"turned_off", one_file(), kNoRpki, {"rpki: on -> off (needs a restart)"}},
    {"source_added_and_removed", one_cache(), one_file(),
     {"rpki.rtr: removed stayrtr (127.0.0.1:323) (needs a restart)",
      "rpki.json: added rpki-client (/var/lib/rpki-client/json) (needs a restart)"}},
    {"rtr_settings", one_cache(),
     one_cache("      port: 8282\n      version: 0\n      expire_override: 30\n"),
     {"rpki.rtr: stayrtr port: 323 -> 8282 (needs a restart)",
      "rpki.rtr: stayrtr version: 1 -> 0 (needs a restart)",
      "rpki.rtr: stayrtr expire_override: (none) -> 30 (needs a restart)"}},
    {"json_settings", one_file(), one_file("      timeout: 5\n", "https://rpki.example.net/j"),
     {"rpki.json: rpki-client url: /var/lib/rpki-client/json -> https://rpki.example.net/j "
      "(needs a restart)",
      "rpki.json: rpki-client timeout: 60 -> 5 (needs a restart)"}},
    {"slurm", one_cache(), one_cache() + "  slurm: /etc/slurm.json\n  slurm_refresh: 30\n",
     {"rpki.slurm: (none) -> /etc/slurm.json (needs a restart)",
      "rpki.slurm_refresh: 60 -> 30 (needs a restart)"}},
};

INSTANTIATE_TEST_SUITE_P(Changes, ConfigRpkiChangeTest, testing::ValuesIn(kChanges),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace byoipd::controller
