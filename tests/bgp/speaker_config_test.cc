// validate(SpeakerConfig) and the role names: one named case per rule, each
// starting from a valid config and breaking one thing.
#include <gtest/gtest.h>

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "byoipd/bgp/speaker.h"

namespace byoipd::bgp {
namespace {

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

SpeakerPeerConfig peer(const char* name, const char* address) {
  SpeakerPeerConfig p;
  p.name = name;
  p.address = ip(address);
  p.remote_as = 65001;
  return p;
}

// Two dual-stack peers and an IPv6 observer: valid as it stands.
SpeakerConfig valid() {
  SpeakerConfig c;
  c.local_as = 64512;
  c.router_id = 0xc000020a;  // 192.0.2.10
  c.peers.push_back(peer("onprem-r1", "192.0.2.1"));
  c.peers[0].export_policy.next_hop_v6 = ip("2001:db8::1");
  c.peers.push_back(peer("onprem-r2", "2001:db8::2"));
  c.peers[1].export_policy.next_hop_v4 = ip("192.0.2.10");
  c.peers.push_back(peer("collector", "2001:db8::99"));
  c.peers[2].role = PeerRole::kObserver;
  return c;
}

TEST(SpeakerConfigTest, RoleNamesRoundTrip) {
  for (PeerRole role : {PeerRole::kOnprem, PeerRole::kUpstream, PeerRole::kObserver}) {
    EXPECT_EQ(parse_role(role_name(role)), role) << role_name(role);
  }
  EXPECT_EQ(role_name(PeerRole::kOnprem), "onprem");
  EXPECT_EQ(role_name(PeerRole::kUpstream), "upstream");
  EXPECT_EQ(role_name(PeerRole::kObserver), "observer");
  EXPECT_FALSE(parse_role("Onprem").has_value());
  EXPECT_FALSE(parse_role("").has_value());
  EXPECT_FALSE(parse_role("transit").has_value());
}

TEST(SpeakerConfigTest, ValidConfigsPass) {
  EXPECT_TRUE(validate(valid()).ok()) << validate(valid()).to_string();
  SpeakerConfig no_peers;
  no_peers.local_as = 4200000000u;
  no_peers.router_id = 1;
  EXPECT_TRUE(validate(no_peers).ok());

  SpeakerConfig edges = valid();
  edges.peers[0].hold_time = 0;
  edges.peers[0].password = std::string(80, 'x');
  edges.peers[0].graceful_restart_time = 4095;
  edges.peers[0].export_policy.prepend = 10;
  edges.peers[0].import.max_length_v4 = 0;
  edges.peers[0].import.max_length_v6 = 128;
  edges.peers[0].connect_retry_seconds = 3600;
  edges.peers[0].name = std::string(64, 'a');
  edges.peers[1].hold_time = 3;
  edges.peers[1].remote_as = 64512;  // iBGP
  EXPECT_TRUE(validate(edges).ok()) << validate(edges).to_string();

  // One family only: no next hop of the other family is needed.
  SpeakerConfig v4_only = valid();
  v4_only.peers[0].export_policy.next_hop_v6.reset();
  v4_only.peers[0].families = {AfiSafi{Afi::kIpv4, Safi::kUnicast}};
  EXPECT_TRUE(validate(v4_only).ok()) << validate(v4_only).to_string();
}

TEST(SpeakerConfigTest, ObserverExportSettingsAreAcceptedAndIgnored) {
  SpeakerConfig c = valid();
  c.peers[2].address = ip("192.0.2.99");  // IPv4 session carrying IPv6, no next_hop_v6
  c.peers[2].export_policy.communities = {0xFFFFFF01};
  c.peers[2].export_policy.med = 5;
  EXPECT_TRUE(validate(c).ok()) << validate(c).to_string();
}

struct RuleCase {
  const char* name;
  std::function<void(SpeakerConfig&)> breaks;
  const char* reason;
  const char* starts;                 // the key path the message starts with
  std::vector<std::string> mentions;  // the value and what is allowed
  friend void PrintTo(const RuleCase& c, std::ostream* os) { *os << c.name; }
};

class SpeakerConfigRuleTest : public testing::TestWithParam<RuleCase> {};

TEST_P(SpeakerConfigRuleTest, NamesTheRuleAndTheValue) {
  const RuleCase& c = GetParam();
  SpeakerConfig config = valid();
  c.breaks(config);
  Status s = validate(config);
  ASSERT_FALSE(s.ok()) << c.name;
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.reason(), c.reason) << s.message();
  EXPECT_TRUE(s.message().starts_with(c.starts)) << s.message();
  EXPECT_EQ(s.message().find('\n'), std::string::npos) << s.message();
  for (const std::string& part : c.mentions) {
    EXPECT_NE(s.message().find(part), std::string::npos)
        << "message lacks \"" << part << "\": " << s.message();
  }
}

const RuleCase kRules[] = {
    {"local_as_zero", [](SpeakerConfig& c) { c.local_as = 0; }, "bgp-zero-asn", "local_as: 0",
     {"1 to 4294967295"}},
    {"local_as_trans", [](SpeakerConfig& c) { c.local_as = 23456; }, "bgp-zero-asn",
     "local_as: 23456", {"AS_TRANS"}},
    {"router_id_zero", [](SpeakerConfig& c) { c.router_id = 0; }, "bgp-zero-router-id",
     "router_id: 0.0.0.0", {"non-zero IPv4"}},
    {"remote_as_zero", [](SpeakerConfig& c) { c.peers[1].remote_as = 0; }, "bgp-zero-asn",
     "peers[1].remote_as: 0", {}},
    {"duplicate_name", [](SpeakerConfig& c) { c.peers[2].name = "onprem-r1"; },
     "bgp-duplicate-peer-name", "peers[2].name: 'onprem-r1' is already the name of peers[0]",
     {"a different name"}},
    {"duplicate_address",
     [](SpeakerConfig& c) {
       c.peers[2].address = ip("2001:db8::2");
       c.peers[2].port = 1179;
     },
     "bgp-duplicate-peer-address",
     "peers[2].address: 2001:db8::2 is already the address of peers[1] (onprem-r2)",
     {"a different address"}},
    {"empty_name", [](SpeakerConfig& c) { c.peers[0].name = ""; }, "bgp-bad-peer-name",
     "peers[0].name: the name is empty", {"A-Z a-z 0-9 _ . -"}},
    {"name_with_space", [](SpeakerConfig& c) { c.peers[0].name = "r 1"; }, "bgp-bad-peer-name",
     "peers[0].name: 'r 1' is not a peer name", {}},
    {"name_too_long", [](SpeakerConfig& c) { c.peers[0].name = std::string(65, 'a'); },
     "bgp-bad-peer-name", "peers[0].name: '", {"...", "1 to 64"}},
    {"unspecified_address", [](SpeakerConfig& c) { c.peers[0].address = ip("0.0.0.0"); },
     "bgp-bad-peer-address", "peers[0].address: 0.0.0.0 is the unspecified address", {}},
    {"port_zero", [](SpeakerConfig& c) { c.peers[0].port = 0; }, "bgp-bad-port",
     "peers[0].port: 0", {"1 to 65535"}},
    {"hold_time_1", [](SpeakerConfig& c) { c.peers[0].hold_time = 1; }, "bgp-bad-hold-time",
     "peers[0].hold_time: 1", {"0 (no keepalives) or 3 to 65535"}},
    {"hold_time_2", [](SpeakerConfig& c) { c.peers[2].hold_time = 2; }, "bgp-bad-hold-time",
     "peers[2].hold_time: 2", {"RFC 4271"}},
    {"connect_retry_zero", [](SpeakerConfig& c) { c.peers[0].connect_retry_seconds = 0; },
     "bgp-bad-connect-retry", "peers[0].connect_retry: 0", {"1 to 3600"}},
    {"connect_retry_long", [](SpeakerConfig& c) { c.peers[0].connect_retry_seconds = 3601; },
     "bgp-bad-connect-retry", "peers[0].connect_retry: 3601", {}},
    {"local_address_family",
     [](SpeakerConfig& c) { c.peers[0].local_address = ip("2001:db8::10"); },
     "bgp-local-address-family",
     "peers[0].local_address: 2001:db8::10 is an IPv6 address but the peer 192.0.2.1 is IPv4",
     {"allowed: an IPv4 address"}},
    {"families_empty", [](SpeakerConfig& c) { c.peers[1].families.clear(); }, "bgp-no-families",
     "peers[1].families: the list is empty", {"ipv4-unicast, ipv6-unicast or both"}},
    {"family_twice",
     [](SpeakerConfig& c) { c.peers[1].families.push_back(AfiSafi{Afi::kIpv4, Safi::kUnicast}); },
     "bgp-duplicate-family", "peers[1].families[2]: ipv4-unicast is listed twice", {}},
    {"ipv6_over_ipv4_without_next_hop",
     [](SpeakerConfig& c) { c.peers[0].export_policy.next_hop_v6.reset(); },
     "bgp-next-hop-missing", "peers[0].export.next_hop_v6: missing",
     {"192.0.2.1", "carries ipv6-unicast", "drop ipv6-unicast"}},
    {"ipv4_over_ipv6_without_next_hop",
     [](SpeakerConfig& c) { c.peers[1].export_policy.next_hop_v4.reset(); },
     "bgp-next-hop-missing", "peers[1].export.next_hop_v4: missing",
     {"2001:db8::2", "carries ipv4-unicast"}},
    {"next_hop_v4_is_ipv6",
     [](SpeakerConfig& c) { c.peers[1].export_policy.next_hop_v4 = ip("2001:db8::5"); },
     "bgp-next-hop-family", "peers[1].export.next_hop_v4: 2001:db8::5 is not an IPv4 address", {}},
    {"next_hop_v6_is_ipv4",
     [](SpeakerConfig& c) { c.peers[0].export_policy.next_hop_v6 = ip("192.0.2.5"); },
     "bgp-next-hop-family", "peers[0].export.next_hop_v6: 192.0.2.5 is not an IPv6 address", {}},
    {"prepend_11", [](SpeakerConfig& c) { c.peers[0].export_policy.prepend = 11; },
     "bgp-prepend-too-long", "peers[0].export.prepend: 11", {"0 to 10"}},
    {"max_length_v4_33", [](SpeakerConfig& c) { c.peers[0].import.max_length_v4 = 33; },
     "bgp-max-length", "peers[0].import.max_length_v4: 33", {"0 to 32"}},
    {"max_length_v6_129", [](SpeakerConfig& c) { c.peers[0].import.max_length_v6 = 129; },
     "bgp-max-length", "peers[0].import.max_length_v6: 129", {"0 to 128"}},
    {"max_prefixes_zero", [](SpeakerConfig& c) { c.peers[0].import.max_prefixes = 0; },
     "bgp-max-prefixes", "peers[0].import.max_prefixes: 0", {"omit it"}},
    {"password_81", [](SpeakerConfig& c) { c.peers[0].password = std::string(81, 'p'); },
     "bgp-password-too-long", "peers[0].password: the password has 81 characters",
     {"at most 80"}},
    {"restart_time_zero", [](SpeakerConfig& c) { c.peers[0].graceful_restart_time = 0; },
     "bgp-bad-restart-time", "peers[0].graceful_restart: 0", {"1 to 4095"}},
    {"restart_time_4096", [](SpeakerConfig& c) { c.peers[0].graceful_restart_time = 4096; },
     "bgp-bad-restart-time", "peers[0].graceful_restart: 4096", {"12-bit"}},
};

INSTANTIATE_TEST_SUITE_P(Refused, SpeakerConfigRuleTest, testing::ValuesIn(kRules),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(SpeakerConfigTest, PasswordIsNeverEchoed) {
  SpeakerConfig c = valid();
  c.peers[0].password = std::string(70, 'x') + "secret-part";
  Status s = validate(c);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message().find("secret-part"), std::string::npos) << s.message();
}

TEST(SpeakerConfigTest, FirstBrokenRuleWins) {
  SpeakerConfig c = valid();
  c.peers[1].hold_time = 1;
  c.peers[2].name = "onprem-r1";
  EXPECT_EQ(validate(c).reason(), "bgp-bad-hold-time");
  c.local_as = 0;
  EXPECT_EQ(validate(c).reason(), "bgp-zero-asn");
}

}  // namespace
}  // namespace byoipd::bgp
