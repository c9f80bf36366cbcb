// The bgp section of byoipd's config: every key into bgp::SpeakerConfig, the
// defaults, each refusal with its position, key path and rule (including the
// rules of bgp::validate()), and describe_changes() lines.
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "byoipd/controller/config.h"
#include "config_error_case.h"

namespace byoipd::controller {
namespace {

using testing_config::ErrorCase;
using testing_config::expect_refused;

using bgp::AfiSafi;
using bgp::Afi;
using bgp::Safi;

const AfiSafi kV4{Afi::kIpv4, Safi::kUnicast};
const AfiSafi kV6{Afi::kIpv6, Safi::kUnicast};

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

// listen (lines 1-2), then the bgp section from line 3.
std::string with_bgp(const std::string& section) {
  return "listen:\n  api: 127.0.0.1:8080\nbgp:\n" + section;
}

// A valid section with one IPv4-only peer on lines 7-11; `extra` adds keys
// to that peer from line 12 on (indent 6).
std::string one_peer(const std::string& extra = "",
                     const std::string& families = "      families: [ipv4-unicast]\n") {
  return with_bgp(
      "  local_as: 64512\n"                // 4
      "  router_id: 192.0.2.10\n"          // 5
      "  peers:\n"                         // 6
      "    - name: onprem-r1\n"            // 7
      "      address: 127.0.0.2\n"         // 8
      "      remote_as: 65001\n"           // 9
      "      role: onprem\n" +             // 10
      families + extra);                   // 11, 12...
}

std::string second_peer(const std::string& name, const std::string& address) {
  return "    - {name: " + name + ", address: \"" + address +
         "\", remote_as: 65002, role: observer}\n";
}

Config parse_ok(const std::string& yaml) {
  Result<Config> r = parse_config(yaml, "test.yaml");
  if (!r.ok()) {
    ADD_FAILURE() << "parse_config: " << r.status().to_string();
    return Config();
  }
  return *r;
}

TEST(ConfigBgpTest, AbsentSectionMeansNoBgp) {
  EXPECT_FALSE(parse_ok("listen:\n  api: 127.0.0.1:8080\n").bgp.has_value());
}

TEST(ConfigBgpTest, EveryKeyIsRead) {
  Config c = parse_ok(with_bgp(
      "  local_as: 1.10\n"
      "  router_id: 192.0.2.10\n"
      "  listen: \"[::1]:0\"\n"
      "  peers:\n"
      "    - name: onprem-r1\n"
      "      address: 127.0.0.2\n"
      "      port: 1179\n"
      "      local_address: 127.0.0.1\n"
      "      remote_as: 65001\n"
      "      role: onprem\n"
      "      password: s3cret\n"
      "      hold_time: 30\n"
      "      connect_retry: 5\n"
      "      passive: true\n"
      "      families: [ipv6-unicast, ipv4-unicast]\n"
      "      gtsm: true\n"
      "      graceful_restart: 120\n"
      "      import:\n"
      "        max_prefixes: 1000\n"
      "        max_prefix_action: warn\n"
      "        max_prefix_restart: 0\n"
      "        max_length_v4: 24\n"
      "        max_length_v6: 48\n"
      "      export:\n"
      "        next_hop_v4: 192.0.2.1\n"
      "        next_hop_v6: 2001:db8::1\n"
      "        communities: [\"65000:100\", no-export, no-advertise, no-export-subconfed,\n"
      "                      blackhole, graceful-shutdown, \"0:0\", \"65535:65535\"]\n"
      "        large_communities: [\"65000:1:2\", \"4294967295:0:4294967295\"]\n"
      "        prepend: 3\n"
      "        med: 4294967295\n"
      "    - name: collector\n"
      "      address: 2001:db8::99\n"
      "      remote_as: AS4200000000\n"
      "      role: observer\n"
      "    - {name: transit.1, address: 192.0.2.77, remote_as: 3356, role: upstream,\n"
      "       families: [ipv4-unicast]}\n"));
  ASSERT_TRUE(c.bgp.has_value());
  const bgp::SpeakerConfig& b = *c.bgp;
  EXPECT_EQ(b.local_as, 65546u);
  EXPECT_EQ(b.router_id, 0xc000020au);
  EXPECT_EQ(b.listen_address, ip("::1"));
  EXPECT_EQ(b.listen_port, 0);
  ASSERT_EQ(b.peers.size(), 3u);

  const bgp::SpeakerPeerConfig& p = b.peers[0];
  EXPECT_EQ(p.name, "onprem-r1");
  EXPECT_EQ(p.address, ip("127.0.0.2"));
  EXPECT_EQ(p.port, 1179);
  EXPECT_EQ(p.local_address, ip("127.0.0.1"));
  EXPECT_EQ(p.remote_as, 65001u);
  EXPECT_EQ(p.role, bgp::PeerRole::kOnprem);
  EXPECT_EQ(p.password, "s3cret");
  EXPECT_EQ(p.hold_time, 30);
  EXPECT_EQ(p.connect_retry_seconds, 5);
  EXPECT_TRUE(p.passive);
  EXPECT_EQ(p.families, (std::vector<AfiSafi>{kV6, kV4}));
  EXPECT_TRUE(p.gtsm);
  EXPECT_EQ(p.graceful_restart_time, 120);
  EXPECT_EQ(p.import.max_prefixes, 1000u);
  EXPECT_FALSE(p.import.max_prefix_teardown);
  EXPECT_EQ(p.import.max_prefix_restart_seconds, 0);
  EXPECT_EQ(p.import.max_length_v4, 24);
  EXPECT_EQ(p.import.max_length_v6, 48);
  EXPECT_EQ(p.export_policy.next_hop_v4, ip("192.0.2.1"));
  EXPECT_EQ(p.export_policy.next_hop_v6, ip("2001:db8::1"));
  EXPECT_EQ(p.export_policy.communities,
            (std::vector<uint32_t>{0xFDE80064, 0xFFFFFF01, 0xFFFFFF02, 0xFFFFFF03, 0xFFFF029A,
                                   0xFFFF0000, 0, 0xFFFFFFFF}));
  EXPECT_EQ(p.export_policy.large_communities,
            (std::vector<bgp::LargeCommunity>{{65000, 1, 2}, {4294967295u, 0, 4294967295u}}));
  EXPECT_EQ(p.export_policy.prepend, 3);
  EXPECT_EQ(p.export_policy.med, 4294967295u);

  EXPECT_EQ(b.peers[1].name, "collector");
  EXPECT_EQ(b.peers[1].address, ip("2001:db8::99"));
  EXPECT_EQ(b.peers[1].remote_as, 4200000000u);
  EXPECT_EQ(b.peers[1].role, bgp::PeerRole::kObserver);
  EXPECT_EQ(b.peers[2].name, "transit.1");
  EXPECT_EQ(b.peers[2].role, bgp::PeerRole::kUpstream);
  EXPECT_EQ(b.peers[2].families, (std::vector<AfiSafi>{kV4}));
}

TEST(ConfigBgpTest, Defaults) {
  Config c = parse_ok(with_bgp("  local_as: 64512\n  router_id: 192.0.2.10\n"));
  ASSERT_TRUE(c.bgp.has_value());
  EXPECT_FALSE(c.bgp->listen_address.has_value());
  EXPECT_TRUE(c.bgp->peers.empty());

  // No families: both, which an IPv4 session carries only with next_hop_v6.
  EXPECT_FALSE(parse_config(one_peer("", ""), "test.yaml").ok());
  c = parse_ok(one_peer("      export: {next_hop_v6: \"2001:db8::1\"}\n", ""));
  ASSERT_TRUE(c.bgp.has_value());
  const bgp::SpeakerPeerConfig& p = c.bgp->peers.at(0);
  EXPECT_EQ(p.port, 179);
  EXPECT_FALSE(p.local_address.has_value());
  EXPECT_EQ(p.password, "");
  EXPECT_EQ(p.hold_time, 90);
  EXPECT_EQ(p.connect_retry_seconds, 30);
  EXPECT_FALSE(p.passive);
  EXPECT_EQ(p.families, (std::vector<AfiSafi>{kV4, kV6}));
  EXPECT_FALSE(p.gtsm);
  EXPECT_FALSE(p.graceful_restart_time.has_value());
  EXPECT_FALSE(p.import.max_prefixes.has_value());
  EXPECT_TRUE(p.import.max_prefix_teardown);
  EXPECT_EQ(p.import.max_prefix_restart_seconds, 300);
  EXPECT_EQ(p.import.max_length_v4, 32);
  EXPECT_EQ(p.import.max_length_v6, 128);
  EXPECT_FALSE(p.export_policy.next_hop_v4.has_value());
  EXPECT_TRUE(p.export_policy.communities.empty());
  EXPECT_TRUE(p.export_policy.large_communities.empty());
  EXPECT_EQ(p.export_policy.prepend, 0);
  EXPECT_FALSE(p.export_policy.med.has_value());
}

TEST(ConfigBgpTest, ObserverExportSettingsAreAccepted) {
  Config c = parse_ok(with_bgp(
      "  local_as: 64512\n  router_id: 192.0.2.10\n  peers:\n" +
      second_peer("lg", "192.0.2.50") +
      "    - {name: rc, address: 192.0.2.51, remote_as: 6447, role: observer,\n"
      "       export: {communities: [no-export], prepend: 2}}\n"));
  ASSERT_TRUE(c.bgp.has_value());
  EXPECT_EQ(c.bgp->peers[1].export_policy.prepend, 2);
}

// ---------------------------------------------------------------------------
// Refusals: position, key path, value and what is allowed.

class ConfigBgpErrorTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(ConfigBgpErrorTest, IsRefusedWithAPreciseMessage) { expect_refused(GetParam()); }

const std::string kSecondOnprem =
    "    - {name: onprem-r2, address: 127.0.0.3, remote_as: 65001, role: onprem,\n"
    "       families: [ipv4-unicast]}\n";

const ErrorCase kErrors[] = {
    // Shape and keys.
    {"empty_section", with_bgp(""), "config-wrong-type",
     "test.yaml:3:1: bgp: expected a mapping, found an empty value", {"local_as"}},
    {"unknown_key", with_bgp("  local_as: 64512\n  router_id: 192.0.2.10\n  routerid: 1\n"),
     "config-unknown-key", "test.yaml:6:3: bgp.routerid: unknown key (did you mean 'router_id'?)",
     {"allowed: local_as, router_id, listen, peers"}},
    {"unknown_peer_key", one_peer("      holdtime: 30\n"), "config-unknown-key",
     "test.yaml:12:7: bgp.peers[0].holdtime: unknown key (did you mean 'hold_time'?)", {}},
    {"unknown_export_key", one_peer("      export:\n        comunities: [\"65000:1\"]\n"),
     "config-unknown-key", "test.yaml:13:9: bgp.peers[0].export.comunities: unknown key",
     {"did you mean 'communities'?", "next_hop_v4, next_hop_v6, communities"}},
    {"unknown_import_key", one_peer("      import: {max_prefix: 10}\n"), "config-unknown-key",
     "test.yaml:12:16: bgp.peers[0].import.max_prefix: unknown key", {"max_prefixes"}},
    {"missing_local_as", with_bgp("  router_id: 192.0.2.10\n"), "config-missing-key",
     "test.yaml:4:3: bgp.local_as: missing", {"local_as and router_id"}},
    {"missing_role",
     with_bgp("  local_as: 64512\n  router_id: 192.0.2.10\n  peers:\n"
              "    - {name: r1, address: 127.0.0.2, remote_as: 65001}\n"),
     "config-missing-key", "test.yaml:7:7: bgp.peers[0].role: missing",
     {"name, address, remote_as and role"}},
    {"peers_not_a_list", with_bgp("  local_as: 64512\n  router_id: 192.0.2.10\n  peers: r1\n"),
     "config-wrong-type", "test.yaml:6:10: bgp.peers: expected a list, found 'r1'", {}},

    // Values the reader checks.
    {"asn_not_a_number", with_bgp("  local_as: AS-x\n  router_id: 192.0.2.10\n"),
     "config-invalid-value", "test.yaml:4:13: bgp.local_as: 'AS-x' is not an AS number",
     {"asplain (64512) or asdot (\"1.10\")"}},
    {"asn_too_big", one_peer().replace(one_peer().find("65001"), 5, "4294967296"),
     "config-invalid-value", "test.yaml:9:18: bgp.peers[0].remote_as: '4294967296'", {}},
    {"router_id_ipv6", with_bgp("  local_as: 64512\n  router_id: 2001:db8::1\n"),
     "config-invalid-value", "test.yaml:5:14: bgp.router_id: 2001:db8::1 is not an IPv4 address",
     {"other than 0.0.0.0"}},
    {"address_host_name", one_peer().replace(one_peer().find("127.0.0.2"), 9, "r1.example"),
     "config-invalid-value", "test.yaml:8:16: bgp.peers[0].address: 'r1.example' is not an IP",
     {"literal IPv4 or IPv6"}},
    {"listen_localhost",
     with_bgp("  local_as: 64512\n  router_id: 192.0.2.10\n  listen: localhost:179\n"),
     "config-invalid-value",
     "test.yaml:6:11: bgp.listen: 'localhost:179' has host 'localhost', which is not an IPv4 "
     "address (host names",
     {"port is 0 (any free port) to 65535"}},
    {"role_unknown", one_peer().replace(one_peer().find("onprem\n"), 6, "transit"),
     "config-invalid-value", "test.yaml:10:13: bgp.peers[0].role: 'transit' is not a peer role",
     {"allowed: onprem, upstream, observer"}},
    {"family_unknown", one_peer("", "      families: [ipv4-multicast]\n"), "config-invalid-value",
     "test.yaml:11:18: bgp.peers[0].families[0]: 'ipv4-multicast' is not a family name",
     {"allowed: ipv4-unicast, ipv6-unicast"}},
    {"hold_time_too_big", one_peer("      hold_time: 65536\n"), "config-invalid-value",
     "test.yaml:12:18: bgp.peers[0].hold_time: 65536 is out of range", {"0 to 65535"}},
    {"connect_retry_zero", one_peer("      connect_retry: 0\n"), "config-invalid-value",
     "test.yaml:12:22: bgp.peers[0].connect_retry: 0 is out of range", {"1 to 3600"}},
    {"passive_quoted", one_peer("      passive: \"true\"\n"), "config-wrong-type",
     "test.yaml:12:16: bgp.peers[0].passive: expected true or false, found the string 'true'",
     {"without quotes"}},
    {"graceful_restart_too_long", one_peer("      graceful_restart: 4096\n"),
     "config-invalid-value", "test.yaml:12:25: bgp.peers[0].graceful_restart: 4096 is out of range",
     {"1 to 4095"}},
    {"max_prefixes_zero", one_peer("      import: {max_prefixes: 0}\n"), "config-invalid-value",
     "test.yaml:12:30: bgp.peers[0].import.max_prefixes: 0 is out of range", {"1 to 4294967295"}},
    {"max_prefix_action", one_peer("      import: {max_prefix_action: drop}\n"),
     "config-invalid-value", "test.yaml:12:35: bgp.peers[0].import.max_prefix_action: 'drop'",
     {"allowed: teardown, warn"}},
    {"max_length_v4_over_32", one_peer("      import: {max_length_v4: 33}\n"),
     "config-invalid-value",
     "test.yaml:12:31: bgp.peers[0].import.max_length_v4: 33 is out of range",
     {"0 to 32"}},
    {"max_length_v6_over_128", one_peer("      import: {max_length_v6: 129}\n"),
     "config-invalid-value", "test.yaml:12:31: bgp.peers[0].import.max_length_v6: 129",
     {"0 to 128"}},
    {"community_half_too_big",
     one_peer("      export:\n        communities: [\"65000:1\", \"65000:70000\"]\n"),
     "config-invalid-value",
     "test.yaml:13:34: bgp.peers[0].export.communities[1]: '65000:70000' is not a community",
     {"each 0 to 65535", "no-export", "blackhole", "graceful-shutdown"}},
    {"community_unknown_name", one_peer("      export: {communities: [no-exports]}\n"),
     "config-invalid-value", "test.yaml:12:30: bgp.peers[0].export.communities[0]: 'no-exports'",
     {}},
    {"large_community_two_parts", one_peer("      export: {large_communities: [\"1:2\"]}\n"),
     "config-invalid-value",
     "test.yaml:12:36: bgp.peers[0].export.large_communities[0]: '1:2' is not a large community",
     {"RFC 8092"}},
    {"prepend_11", one_peer("      export: {prepend: 11}\n"), "config-invalid-value",
     "test.yaml:12:25: bgp.peers[0].export.prepend: 11 is out of range", {"0 to 10"}},
    {"med_negative", one_peer("      export: {med: -1}\n"), "config-invalid-value",
     "test.yaml:12:21: bgp.peers[0].export.med: -1 is out of range", {"0 to 4294967295"}},

    // bgp::validate()'s rules, reported at the key they concern.
    {"local_as_zero", with_bgp("  local_as: 0\n  router_id: 192.0.2.10\n"),
     "config-invalid-value", "test.yaml:4:13: bgp.local_as: 0 is not a usable AS number",
     {"1 to 4294967295"}},
    {"router_id_zero", with_bgp("  local_as: 64512\n  router_id: 0.0.0.0\n"),
     "config-invalid-value", "test.yaml:5:14: bgp.router_id: 0.0.0.0 is not a BGP Identifier",
     {"allowed: a non-zero IPv4 address"}},
    {"remote_as_zero", one_peer().replace(one_peer().find("65001"), 5, "0"),
     "config-invalid-value", "test.yaml:9:18: bgp.peers[0].remote_as: 0", {}},
    {"hold_time_2", one_peer("      hold_time: 2\n"), "config-invalid-value",
     "test.yaml:12:18: bgp.peers[0].hold_time: 2 is below the RFC 4271 minimum",
     {"allowed: 0 (no keepalives) or 3 to 65535"}},
    {"duplicate_name", one_peer() + second_peer("onprem-r1", "127.0.0.9"),
     "config-invalid-value",
     "test.yaml:12:14: bgp.peers[1].name: 'onprem-r1' is already the name of peers[0]",
     {"a different name for each peer"}},
    {"duplicate_address",
     one_peer() + "    - {name: onprem-r2, address: 127.0.0.2, remote_as: 65001, role: onprem,\n"
                  "       families: [ipv4-unicast]}\n",
     "config-invalid-value",
     "test.yaml:12:34: bgp.peers[1].address: 127.0.0.2 is already the address of peers[0] "
     "(onprem-r1)",
     {}},
    {"bad_peer_name", one_peer().replace(one_peer().find("onprem-r1"), 9, "\"r 1\""),
     "config-invalid-value", "test.yaml:7:13: bgp.peers[0].name: 'r 1' is not a peer name",
     {"A-Z a-z 0-9 _ . -"}},
    {"local_address_other_family", one_peer("      local_address: \"::1\"\n"),
     "config-invalid-value",
     "test.yaml:12:22: bgp.peers[0].local_address: ::1 is an IPv6 address but the peer 127.0.0.2 "
     "is IPv4",
     {"allowed: an IPv4 address"}},
    {"families_empty", one_peer("", "      families: []\n"), "config-invalid-value",
     "test.yaml:11:17: bgp.peers[0].families: the list is empty", {}},
    {"ipv6_over_ipv4_without_next_hop", one_peer("", ""), "config-invalid-value",
     "test.yaml:7:7: bgp.peers[0].export.next_hop_v6: missing: the IPv4 session to 127.0.0.2 "
     "carries ipv6-unicast",
     {"allowed: set export.next_hop_v6, or drop ipv6-unicast from families"}},
    {"ipv6_over_ipv4_export_without_next_hop", one_peer("      export: {prepend: 1}\n", ""),
     "config-invalid-value", "test.yaml:11:15: bgp.peers[0].export.next_hop_v6: missing", {}},
    {"next_hop_v4_is_ipv6", one_peer("      export: {next_hop_v4: \"2001:db8::1\"}\n"),
     "config-invalid-value",
     "test.yaml:12:29: bgp.peers[0].export.next_hop_v4: 2001:db8::1 is not an IPv4 address", {}},
    {"password_81", one_peer("      password: " + std::string(81, 'p') + "\n"),
     "config-invalid-value",
     "test.yaml:12:17: bgp.peers[0].password: the password has 81 characters",
     {"at most 80"}},
};

INSTANTIATE_TEST_SUITE_P(Refused, ConfigBgpErrorTest, testing::ValuesIn(kErrors),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ConfigBgpTest, PasswordErrorsDoNotEchoTheValue) {
  Result<Config> r = parse_config(one_peer("      password: " + std::string(75, 'p') +
                                           "topsecret\n"),
                                  "test.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().find("topsecret"), std::string::npos) << r.status().message();
}

// ---------------------------------------------------------------------------
// describe_changes: the speaker reads its config at start only.

struct ChangeCase {
  const char* name;
  std::string before;
  std::string after;
  std::vector<std::string> lines;
  friend void PrintTo(const ChangeCase& c, std::ostream* os) { *os << c.name; }
};

class ConfigBgpChangeTest : public testing::TestWithParam<ChangeCase> {};

TEST_P(ConfigBgpChangeTest, DescribesEachChangeAsNeedingARestart) {
  const ChangeCase& c = GetParam();
  Config before = parse_ok(c.before);
  Config after = parse_ok(c.after);
  EXPECT_EQ(describe_changes(before, after), c.lines);
}

const std::string kNoBgp = "listen:\n  api: 127.0.0.1:8080\n";

const ChangeCase kChanges[] = {
    {"nothing", one_peer(), one_peer(), {}},
    {"turned_on", kNoBgp, one_peer(), {"bgp: off -> on (needs a restart)"}},
    {"turned_off", one_peer(), kNoBgp, {"bgp: on -> off (needs a restart)"}},
    {"globals",
     with_bgp("  local_as: 64512\n  router_id: 192.0.2.10\n"),
     with_bgp("  local_as: 64513\n  router_id: 192.0.2.11\n  listen: 127.0.0.1:1179\n"),
     {"bgp.local_as: 64512 -> 64513 (needs a restart)",
      "bgp.router_id: 192.0.2.10 -> 192.0.2.11 (needs a restart)",
      "bgp.listen: (none) -> 127.0.0.1:1179 (needs a restart)"}},
    {"peer_added_and_removed", one_peer() + kSecondOnprem,
     one_peer() + second_peer("lg", "192.0.2.50"),
     {"bgp.peers: removed onprem-r2 (127.0.0.3) (needs a restart)",
      "bgp.peers: added lg (192.0.2.50) (needs a restart)"}},
    {"peer_settings",
     one_peer("      export: {communities: [\"65000:1\"]}\n"),
     one_peer("      hold_time: 30\n      password: x\n"
              "      export: {communities: [\"65000:1\", no-export], med: 5}\n"),
     {"bgp.peers: onprem-r1 hold_time: 90 -> 30 (needs a restart)",
      "bgp.peers: onprem-r1 export.communities: 65000:1 -> 65000:1,no-export (needs a restart)",
      "bgp.peers: onprem-r1 export.med: (none) -> 5 (needs a restart)",
      "bgp.peers: onprem-r1: new password (needs a restart)"}},
};

INSTANTIATE_TEST_SUITE_P(Changes, ConfigBgpChangeTest, testing::ValuesIn(kChanges),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace byoipd::controller
