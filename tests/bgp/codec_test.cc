// Message-level codec tests: captured bytes decoded field by field and
// re-encoded byte-exact, round trips of every message and capability on
// 2- and 4-octet sessions, framing, End-of-RIB, shutdown communication,
// negotiation and splitting.
#include <gtest/gtest.h>

#include <set>

#include "wire_testing.h"

namespace byoipd::bgp {
namespace {

using namespace testing;

// ---- Captured bytes -----------------------------------------------------------

TEST(CapturedBytes, Keepalive) {
  Bytes wire = cat({Bytes(16, 0xff), {0x00, 0x13, 0x04}});
  DecodeResult r = decode_bytes(wire);
  ASSERT_TRUE(r.ok()) << r.reason();
  EXPECT_TRUE(std::holds_alternative<Keepalive>(*r.message));
  EXPECT_EQ(encode_ok(Keepalive{}), wire);
}

// A BIRD 2 OPEN: IPv4+IPv6 unicast, route refresh, graceful restart (120 s,
// forwarding preserved for both), 4-octet AS 4200000001, enhanced RR.
const Bytes kBirdOpen = cat({
    Bytes(16, 0xff), {0x00, 0x41, 0x01},  // length 65, OPEN
    {0x04},                               // version 4
    {0x5b, 0xa0},                         // My AS 23456 (AS_TRANS)
    {0x00, 0xf0},                         // hold time 240
    {0xc0, 0x00, 0x02, 0x0a},             // BGP Identifier 192.0.2.10
    {0x24},                               // Opt Parm Len 36
    {0x02, 0x22},                         // Capabilities, 34 octets
    {0x01, 0x04, 0x00, 0x01, 0x00, 0x01},  // MP IPv4 unicast
    {0x01, 0x04, 0x00, 0x02, 0x00, 0x01},  // MP IPv6 unicast
    {0x02, 0x00},                          // route refresh
    {0x40, 0x0a, 0x00, 0x78, 0x00, 0x01, 0x01, 0x80, 0x00, 0x02, 0x01, 0x80},  // GR
    {0x41, 0x04, 0xfa, 0x56, 0xea, 0x01},  // 4-octet AS 4200000001
    {0x46, 0x00},                          // enhanced route refresh
});

TEST(CapturedBytes, BirdOpen) {
  DecodeResult r = decode_bytes(kBirdOpen);
  ASSERT_TRUE(r.ok()) << r.reason();
  const Open& open = std::get<Open>(*r.message);
  EXPECT_EQ(open.version, 4);
  EXPECT_EQ(open.my_as, Asn::kTrans);
  EXPECT_EQ(open.hold_time, 240);
  EXPECT_EQ(IpAddress::v4(open.bgp_identifier), A("192.0.2.10"));
  EXPECT_EQ(open.asn(), 4200000001u);
  const Capabilities& c = open.capabilities;
  EXPECT_EQ(c.multiprotocol,
            (std::vector<AfiSafi>{{Afi::kIpv4, Safi::kUnicast}, {Afi::kIpv6, Safi::kUnicast}}));
  EXPECT_TRUE(c.route_refresh);
  EXPECT_TRUE(c.enhanced_route_refresh);
  ASSERT_TRUE(c.graceful_restart);
  EXPECT_FALSE(c.graceful_restart->restart_state);
  EXPECT_EQ(c.graceful_restart->restart_time, 120);
  ASSERT_EQ(c.graceful_restart->families.size(), 2u);
  EXPECT_EQ(c.graceful_restart->families[1].family, (AfiSafi{Afi::kIpv6, Safi::kUnicast}));
  EXPECT_TRUE(c.graceful_restart->families[1].forwarding_preserved);
  EXPECT_TRUE(c.unknown.empty());
  EXPECT_EQ(encode_ok(open), kBirdOpen);
}

// ORIGIN IGP, AS_PATH [65001 65002], NEXT_HOP 192.0.2.1, COMMUNITIES
// 65000:100, NLRI 198.51.100.0/24 and 203.0.113.0/25.
Bytes captured_update(bool four_octet) {
  Bytes as_path = four_octet ? Bytes{0x40, 0x02, 0x0a, 0x02, 0x02, 0x00, 0x00, 0xfd, 0xe9,
                                     0x00, 0x00, 0xfd, 0xea}
                             : Bytes{0x40, 0x02, 0x06, 0x02, 0x02, 0xfd, 0xe9, 0xfd, 0xea};
  Bytes attrs = cat({{0x40, 0x01, 0x01, 0x00}, as_path, {0x40, 0x03, 0x04, 0xc0, 0x00, 0x02, 0x01},
                     {0xc0, 0x08, 0x04, 0xfd, 0xe8, 0x00, 0x64}});
  Bytes nlri{0x18, 0xc6, 0x33, 0x64, 0x19, 0xcb, 0x00, 0x71, 0x00};
  return update({}, attrs, nlri);
}

TEST(CapturedBytes, UpdateOnBothSessionKinds) {
  for (bool four : {true, false}) {
    SCOPED_TRACE(four ? "4-octet session" : "2-octet session");
    CodecOptions o = four ? four_octet() : two_octet();
    Bytes wire = captured_update(four);
    EXPECT_EQ(wire.size(), four ? 63u : 59u);
    DecodeResult r = decode_bytes(wire, o);
    ASSERT_TRUE(r.ok()) << r.reason();
    EXPECT_EQ(r.action, Action::kNone) << r.reason();
    const Update& u = as_update(r);
    EXPECT_TRUE(u.withdrawn.empty());
    EXPECT_EQ(u.nlri, (std::vector<Prefix>{P("198.51.100.0/24"), P("203.0.113.0/25")}));
    const PathAttributes& a = u.attributes;
    EXPECT_EQ(a.origin, Origin::kIgp);
    ASSERT_TRUE(a.as_path);
    EXPECT_EQ(*a.as_path, (std::vector<AsPathSegment>{{AsPathSegment::Type::kSequence, {65001, 65002}}}));
    EXPECT_EQ(a.next_hop, A("192.0.2.1"));
    EXPECT_EQ(a.communities, std::vector<uint32_t>{(65000u << 16) | 100});
    EXPECT_FALSE(a.med || a.local_pref || a.aggregator || a.mp_reach || a.mp_unreach);
    EXPECT_EQ(encode_ok(u, o), wire);
  }
}

TEST(CapturedBytes, Ipv6UpdateWithMpReachFirst) {
  Bytes wire = update({}, cat({mp_reach_v6(), origin_igp(), as_path4({4200000001u})}), {});
  DecodeResult r = decode_bytes(wire);
  ASSERT_TRUE(r.ok()) << r.reason();
  const Update& u = as_update(r);
  ASSERT_TRUE(u.attributes.mp_reach);
  EXPECT_EQ(u.attributes.mp_reach->family, (AfiSafi{Afi::kIpv6, Safi::kUnicast}));
  EXPECT_EQ(u.attributes.mp_reach->next_hops, std::vector<IpAddress>{A("2001:db8::1")});
  EXPECT_EQ(u.attributes.mp_reach->nlri, std::vector<Prefix>{P("2001:db8:1::/48")});
  EXPECT_FALSE(u.attributes.next_hop);
  EXPECT_EQ(encode_ok(u), wire);
}

TEST(CapturedBytes, NotificationWithShutdownCommunication) {
  Bytes wire = message(3, cat({{0x06, 0x02, 0x0b}, Bytes{'m', 'a', 'i', 'n', 't', 'e', 'n', 'a', 'n', 'c', 'e'}}));
  DecodeResult r = decode_bytes(wire);
  ASSERT_TRUE(r.ok()) << r.reason();
  const Notification& n = std::get<Notification>(*r.message);
  EXPECT_EQ(n.code, 6);
  EXPECT_EQ(n.subcode, 2);
  EXPECT_EQ(n.shutdown_message(), "maintenance");
  EXPECT_EQ(n, Notification::cease_with_message(2, "maintenance"));
  EXPECT_EQ(encode_ok(n), wire);
}

TEST(CapturedBytes, RouteRefreshAndEnhancedSubtypes) {
  struct Case {
    const char* name;
    Bytes body;
    RouteRefresh want;
  };
  const Case cases[] = {
      {"RFC 2918 refresh IPv4 unicast", {0x00, 0x01, 0x00, 0x01}, {{Afi::kIpv4, Safi::kUnicast}, 0}},
      {"RFC 7313 BoRR IPv6 unicast", {0x00, 0x02, 0x01, 0x01}, {{Afi::kIpv6, Safi::kUnicast}, 1}},
      {"RFC 7313 EoRR IPv6 unicast", {0x00, 0x02, 0x02, 0x01}, {{Afi::kIpv6, Safi::kUnicast}, 2}},
      // RFC 7313 section 5: other subtypes decode; the receiver ignores them.
      {"unknown subtype 7 decodes", {0x00, 0x01, 0x07, 0x01}, {{Afi::kIpv4, Safi::kUnicast}, 7}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Bytes wire = message(5, c.body);
    DecodeResult r = decode_bytes(wire);
    ASSERT_TRUE(r.ok()) << r.reason();
    EXPECT_EQ(std::get<RouteRefresh>(*r.message), c.want);
    EXPECT_EQ(encode_ok(c.want), wire);
  }
}

// ---- Round trips ----------------------------------------------------------------

Open open_with(void (*edit)(Capabilities&)) {
  Open o;
  o.my_as = 64512;
  o.hold_time = 90;
  o.bgp_identifier = 0xc0000201;
  edit(o.capabilities);
  return o;
}

TEST(RoundTrip, OpenWithEachCapability) {
  struct Case {
    const char* name;
    void (*edit)(Capabilities&);
  };
  const Case cases[] = {
      {"no capabilities", [](Capabilities&) {}},
      {"multiprotocol IPv4", [](Capabilities& c) { c.multiprotocol = {{Afi::kIpv4, Safi::kUnicast}}; }},
      {"multiprotocol IPv4 and IPv6",
       [](Capabilities& c) {
         c.multiprotocol = {{Afi::kIpv4, Safi::kUnicast}, {Afi::kIpv6, Safi::kUnicast}};
       }},
      {"route refresh (RFC 2918)", [](Capabilities& c) { c.route_refresh = true; }},
      {"enhanced route refresh (RFC 7313)", [](Capabilities& c) { c.enhanced_route_refresh = true; }},
      {"4-octet AS (RFC 6793)", [](Capabilities& c) { c.four_octet_as = 4200000001u; }},
      {"graceful restart, restarting (RFC 4724)",
       [](Capabilities& c) {
         c.graceful_restart = GracefulRestart{true, 4095, {{{Afi::kIpv4, Safi::kUnicast}, true}}};
       }},
      {"graceful restart, no families", [](Capabilities& c) { c.graceful_restart = GracefulRestart{false, 0, {}}; }},
      {"unknown capability kept (RFC 5492 section 3)",
       [](Capabilities& c) { c.unknown = {{73, {3, 'r', 't', 'r', 0}}, {128, {}}}; }},
      {"everything",
       [](Capabilities& c) {
         c.multiprotocol = {{Afi::kIpv4, Safi::kUnicast}, {Afi::kIpv6, Safi::kUnicast}};
         c.route_refresh = c.enhanced_route_refresh = true;
         c.four_octet_as = 65550;
         c.graceful_restart = GracefulRestart{false, 300, {{{Afi::kIpv6, Safi::kUnicast}, false}}};
         c.unknown = {{6, {}}};
       }},
  };
  for (const auto& c : cases) {
    for (const CodecOptions& o : {four_octet(), two_octet()}) {
      SCOPED_TRACE(std::string(c.name) + (o.four_octet_as ? " / 4-octet" : " / 2-octet"));
      Open open = open_with(c.edit);
      EXPECT_EQ(std::get<Open>(round_trip(open, o)), open);
    }
  }
}

TEST(RoundTrip, OpenHoldTimesAcceptedAtTheEdges) {
  for (uint16_t hold : {0, 3, 65535}) {
    Open open = open_with([](Capabilities&) {});
    open.hold_time = hold;
    EXPECT_EQ(std::get<Open>(round_trip(open)), open) << hold;
  }
}

PathAttributes full_attributes(uint32_t first_asn) {
  PathAttributes a;
  a.origin = Origin::kIncomplete;
  a.as_path = std::vector<AsPathSegment>{{AsPathSegment::Type::kSequence, {first_asn, 65002, 4200000002u}},
                                         {AsPathSegment::Type::kSet, {64512, 4200000003u}}};
  a.next_hop = A("192.0.2.1");
  a.med = 50;
  a.local_pref = 200;
  a.atomic_aggregate = true;
  a.aggregator = Aggregator{4200000004u, A("192.0.2.9")};
  a.communities = {0xfde80064, 0xffffff01};
  a.large_communities = {{4200000001u, 1, 2}, {64512, 0, 0xffffffff}};
  a.unknown = {{0xe0, 16, {0, 2, 0xfd, 0xe8, 0, 0, 0, 100}}, {0xe0, 99, {1, 2, 3}}};
  return a;
}

TEST(RoundTrip, EveryMessageOnBothSessionKinds) {
  struct Case {
    const char* name;
    Message message;
  };
  Update ipv4;
  ipv4.attributes = full_attributes(65001);
  ipv4.nlri = {P("198.51.100.0/24"), P("203.0.113.128/25"), P("0.0.0.0/0"), P("192.0.2.1/32")};
  ipv4.withdrawn = {P("10.0.0.0/8")};

  Update ipv6;
  ipv6.attributes.origin = Origin::kIgp;
  ipv6.attributes.as_path = std::vector<AsPathSegment>{};  // iBGP: empty path
  ipv6.attributes.local_pref = 100;
  ipv6.attributes.mp_reach = MpReach{{Afi::kIpv6, Safi::kUnicast},
                                     {A("2001:db8::1"), A("fe80::1")},
                                     {P("2001:db8:1::/48"), P("::/0"), P("2001:db8::1/128")}};
  ipv6.attributes.mp_unreach = MpUnreach{{Afi::kIpv6, Safi::kUnicast}, {P("2001:db8:ff::/48")}};

  Update ipv4_over_mp;
  ipv4_over_mp.attributes.origin = Origin::kEgp;
  ipv4_over_mp.attributes.as_path = std::vector<AsPathSegment>{{AsPathSegment::Type::kSequence, {65001}}};
  ipv4_over_mp.attributes.mp_reach =
      MpReach{{Afi::kIpv4, Safi::kUnicast}, {A("192.0.2.1")}, {P("198.51.100.0/24")}};

  Update withdraw_only;
  withdraw_only.withdrawn = {P("198.51.100.0/24")};
  withdraw_only.attributes.mp_unreach = MpUnreach{{Afi::kIpv6, Safi::kUnicast}, {P("2001:db8::/32")}};

  Update eor_v6;
  eor_v6.attributes.mp_unreach = MpUnreach{{Afi::kIpv6, Safi::kUnicast}, {}};

  const Case cases[] = {
      {"OPEN", open_with([](Capabilities& c) { c.four_octet_as = 4200000001u; })},
      {"UPDATE IPv4 with every attribute", ipv4},
      {"UPDATE IPv6 via MP_REACH/MP_UNREACH", ipv6},
      {"UPDATE IPv4 via MP_REACH", ipv4_over_mp},
      {"UPDATE withdrawals only", withdraw_only},
      {"UPDATE End-of-RIB IPv4", Update{}},
      {"UPDATE End-of-RIB IPv6", eor_v6},
      {"NOTIFICATION with data", Notification{3, 2, {0x40, 0x63, 0x00}}},
      {"NOTIFICATION Cease with shutdown message", Notification::cease_with_message(4, "reboot, back in 5")},
      {"KEEPALIVE", Keepalive{}},
      {"ROUTE-REFRESH", RouteRefresh{{Afi::kIpv6, Safi::kUnicast}, 0}},
      {"ROUTE-REFRESH EoRR", RouteRefresh{{Afi::kIpv4, Safi::kUnicast}, 2}},
  };
  for (const auto& c : cases) {
    for (const CodecOptions& o : {four_octet(), two_octet()}) {
      SCOPED_TRACE(std::string(c.name) + (o.four_octet_as ? " / 4-octet" : " / 2-octet"));
      EXPECT_EQ(round_trip(c.message, o), c.message);
    }
  }
}

TEST(RoundTrip, PrefixesUseMinimalOctetsAndHostBitsAreCleared) {
  Update u;
  u.withdrawn = {P("0.0.0.0/0"), P("10.0.0.0/7"), P("203.0.113.128/25")};
  Bytes wire = encode_ok(u);
  // Withdrawn Routes: /0 = 1 octet, /7 = 2, /25 = 5.
  EXPECT_EQ(Bytes(wire.begin() + 19, wire.begin() + 29),
            (Bytes{0x00, 0x08, 0x00, 0x07, 0x0a, 0x19, 0xcb, 0x00, 0x71, 0x80}));
  // A peer that leaves host bits set (RFC 4271 4.3: they are irrelevant).
  DecodeResult r = decode_bytes(update({0x17, 0xc6, 0x33, 0x65}, {}, {}));
  ASSERT_TRUE(r.ok()) << r.reason();
  EXPECT_EQ(as_update(r).withdrawn, std::vector<Prefix>{P("198.51.100.0/23")});
  r = decode_bytes(update({0x07, 0x0b}, {}, {}));
  ASSERT_TRUE(r.ok()) << r.reason();
  EXPECT_EQ(as_update(r).withdrawn, std::vector<Prefix>{P("10.0.0.0/7")});
}

// ---- End-of-RIB and shutdown communication ---------------------------------------

TEST(EndOfRib, Detection) {
  struct Case {
    const char* name;
    Update update;
    std::optional<AfiSafi> want;
  };
  Update v6;
  v6.attributes.mp_unreach = MpUnreach{{Afi::kIpv6, Safi::kUnicast}, {}};
  Update v6_with_prefix = v6;
  v6_with_prefix.attributes.mp_unreach->withdrawn = {P("2001:db8::/32")};
  Update v6_with_origin = v6;
  v6_with_origin.attributes.origin = Origin::kIgp;
  Update withdrawal;
  withdrawal.withdrawn = {P("198.51.100.0/24")};
  const Case cases[] = {
      {"empty UPDATE is IPv4 unicast EoR (RFC 4724 section 2)", Update{}, AfiSafi{Afi::kIpv4, Safi::kUnicast}},
      {"empty MP_UNREACH only is that family's EoR", v6, AfiSafi{Afi::kIpv6, Safi::kUnicast}},
      {"MP_UNREACH with a prefix is not", v6_with_prefix, std::nullopt},
      {"MP_UNREACH plus another attribute is not", v6_with_origin, std::nullopt},
      {"a withdrawal is not", withdrawal, std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(c.update.end_of_rib(), c.want);
    DecodeResult r = decode_bytes(encode_ok(c.update));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(as_update(r).end_of_rib(), c.want);
  }
}

TEST(ShutdownCommunication, Rfc9003) {
  struct Case {
    const char* name;
    uint8_t code, subcode;
    const char* data;  // hex
    const char* want;  // nullptr: no message
  };
  const Case cases[] = {
      {"Administrative Shutdown with text", 6, 2, "03627965", "bye"},
      {"Administrative Reset with text", 6, 4, "026f6b", "ok"},
      {"zero-length message", 6, 2, "00", ""},
      {"UTF-8 text", 6, 2, "04c3a9c3a9", "\xc3\xa9\xc3\xa9"},
      {"no data: no message", 6, 2, "", nullptr},
      {"length past the data is malformed: ignored, never answered", 6, 2, "0961", nullptr},
      {"invalid UTF-8 is ignored", 6, 2, "02c328", nullptr},
      {"overlong UTF-8 is ignored", 6, 2, "02c0af", nullptr},
      {"UTF-16 surrogate is ignored", 6, 2, "03eda080", nullptr},
      {"other Cease subcodes carry none", 6, 3, "03627965", nullptr},
      {"other codes carry none", 4, 2, "03627965", nullptr},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Notification n{c.code, c.subcode, from_hex(c.data)};
    EXPECT_EQ(n.shutdown_message(), c.want ? std::optional<std::string>(c.want) : std::nullopt);
  }
}

TEST(ShutdownCommunication, CeaseWithMessageCutsAt255OctetsOnACharacterBoundary) {
  std::string ascii(300, 'x');
  Notification n = Notification::cease_with_message(2, ascii);
  EXPECT_EQ(n.code, 6);
  EXPECT_EQ(n.data.size(), 256u);
  EXPECT_EQ(n.data[0], 255);
  EXPECT_EQ(n.shutdown_message(), std::string(255, 'x'));
  // 127 two-octet characters fill 254 octets; the 128th would need 256.
  std::string accents;
  for (int i = 0; i < 130; ++i) accents += "\xc3\xa9";
  n = Notification::cease_with_message(4, accents);
  EXPECT_EQ(n.data[0], 254);
  EXPECT_EQ(n.shutdown_message()->size(), 254u);
}

// ---- Framing -------------------------------------------------------------------

TEST(Framing, ReportsLengthOnceTheHeaderIsBuffered) {
  Bytes stream = cat({kBirdOpen, encode_ok(Keepalive{}), captured_update(true)});
  std::span<const uint8_t> s(stream);
  EXPECT_FALSE(frame(s.first(18)).length);
  EXPECT_FALSE(frame(s.first(18)).error);
  std::vector<size_t> lengths;
  while (!s.empty()) {
    FrameResult f = frame(s);
    ASSERT_FALSE(f.error) << f.error->reason;
    ASSERT_TRUE(f.length);
    ASSERT_LE(*f.length, s.size());
    EXPECT_TRUE(decode(s.first(*f.length), four_octet()).ok());
    lengths.push_back(*f.length);
    s = s.subspan(*f.length);
  }
  EXPECT_EQ(lengths, (std::vector<size_t>{65, 19, 63}));
}

// ---- Encoding limits and splitting ----------------------------------------------

TEST(Encode, RefusesWhatCannotGoOnTheWire) {
  struct Case {
    const char* name;
    Message message;
    const char* reason;
  };
  Update v6_in_nlri;
  v6_in_nlri.nlri = {P("2001:db8::/32")};
  Update interpreted_unknown;
  interpreted_unknown.attributes.unknown = {{0x40, attr::kOrigin, {0}}};
  Update v6_next_hop;
  v6_next_hop.attributes.next_hop = A("2001:db8::1");
  Update mp_without_next_hop;
  mp_without_next_hop.attributes.mp_reach = MpReach{{Afi::kIpv6, Safi::kUnicast}, {}, {P("2001:db8::/32")}};
  Update mp_wrong_family;
  mp_wrong_family.attributes.mp_reach =
      MpReach{{Afi::kIpv6, Safi::kUnicast}, {A("2001:db8::1")}, {P("192.0.2.0/24")}};
  Update too_big;
  for (uint32_t i = 0; i < 1100; ++i) too_big.withdrawn.push_back(Prefix::containing(IpAddress::v4(0x0a000000 + (i << 8)), 24));
  Open long_caps = open_with([](Capabilities& c) { c.unknown = {{200, Bytes(252, 0)}}; });
  const Case cases[] = {
      {"IPv6 prefix in the IPv4 NLRI field", v6_in_nlri, "prefix-family-mismatch"},
      {"interpreted type among unknown attributes", interpreted_unknown, "attribute-type-interpreted"},
      {"IPv6 NEXT_HOP attribute", v6_next_hop, "invalid-next-hop"},
      {"MP_REACH without a next hop", mp_without_next_hop, "invalid-next-hop"},
      {"MP_REACH IPv6 holding an IPv4 prefix", mp_wrong_family, "prefix-family-mismatch"},
      {"UPDATE over 4096 octets", too_big, "message-too-large"},
      {"NOTIFICATION over 4096 octets", Notification{6, 0, Bytes(4076, 0)}, "message-too-large"},
      {"capabilities beyond one optional parameter", long_caps, "capabilities-too-long"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = encode(c.message, four_octet());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().reason(), c.reason) << r.status().message();
  }
}

TEST(SplitUpdate, EveryPieceFitsAndTogetherTheyCarryEverything) {
  Update big;
  big.attributes = full_attributes(65001);
  big.attributes.mp_reach = MpReach{{Afi::kIpv6, Safi::kUnicast}, {A("2001:db8::1")}, {}};
  big.attributes.mp_unreach = MpUnreach{{Afi::kIpv6, Safi::kUnicast}, {}};
  for (uint32_t i = 0; i < 1500; ++i) {
    big.nlri.push_back(Prefix::containing(IpAddress::v4(0x0a000000 + (i << 8)), 24));
    big.withdrawn.push_back(Prefix::containing(IpAddress::v4(0x0b000000 + (i << 8)), 24));
    big.attributes.mp_reach->nlri.push_back(
        Prefix::containing(IpAddress::v6((u128(0x20010db8) << 96) | (u128(i) << 80)), 48));
    big.attributes.mp_unreach->withdrawn.push_back(
        Prefix::containing(IpAddress::v6((u128(0x20010db9) << 96) | (u128(i) << 80)), 48));
  }
  for (const CodecOptions& o : {four_octet(), two_octet()}) {
    auto parts = split_update(big, o);
    ASSERT_TRUE(parts.ok()) << parts.status().to_string();
    EXPECT_GT(parts->size(), 4u);
    std::vector<Prefix> nlri, withdrawn, mp_nlri, mp_withdrawn;
    for (const Update& p : *parts) {
      Bytes wire = encode_ok(p, o);
      EXPECT_LE(wire.size(), kMaxMessageSize);
      DecodeResult r = decode_bytes(wire, o);
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(r.action, Action::kNone) << r.reason();
      EXPECT_FALSE(p.end_of_rib());
      nlri.insert(nlri.end(), p.nlri.begin(), p.nlri.end());
      withdrawn.insert(withdrawn.end(), p.withdrawn.begin(), p.withdrawn.end());
      if (p.attributes.mp_reach) {
        const auto& n = p.attributes.mp_reach->nlri;
        mp_nlri.insert(mp_nlri.end(), n.begin(), n.end());
        EXPECT_EQ(p.attributes.communities, big.attributes.communities);
      }
      if (p.attributes.mp_unreach) {
        const auto& w = p.attributes.mp_unreach->withdrawn;
        mp_withdrawn.insert(mp_withdrawn.end(), w.begin(), w.end());
      }
    }
    EXPECT_EQ(nlri, big.nlri);
    EXPECT_EQ(withdrawn, big.withdrawn);
    EXPECT_EQ(mp_nlri, big.attributes.mp_reach->nlri);
    EXPECT_EQ(mp_withdrawn, big.attributes.mp_unreach->withdrawn);
  }
  // Small updates come back whole.
  auto one = split_update(Update{}, four_octet());
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->size(), 1u);
}

// ---- Negotiation and configuration checks ----------------------------------------

TEST(CodecOptionsFor, FourOctetAsAndFamilies) {
  Open bird = std::get<Open>(*decode_bytes(kBirdOpen).message);
  Open plain = open_with([](Capabilities&) {});
  Open v6_only = open_with([](Capabilities& c) {
    c.multiprotocol = {{Afi::kIpv6, Safi::kUnicast}};
    c.four_octet_as = 64512;
  });
  CodecOptions o = codec_options_for(bird, bird);
  EXPECT_TRUE(o.four_octet_as);
  EXPECT_EQ(o.families, bird.capabilities.multiprotocol);
  o = codec_options_for(plain, bird);
  EXPECT_FALSE(o.four_octet_as);
  EXPECT_EQ(o.families, (std::vector<AfiSafi>{{Afi::kIpv4, Safi::kUnicast}}));  // RFC 4760 section 8
  o = codec_options_for(v6_only, bird);
  EXPECT_TRUE(o.four_octet_as);
  EXPECT_EQ(o.families, (std::vector<AfiSafi>{{Afi::kIpv6, Safi::kUnicast}}));
}

TEST(OpenChecks, PeerAsAndIdentifier) {
  Open bird = std::get<Open>(*decode_bytes(kBirdOpen).message);
  EXPECT_FALSE(check_peer_as(bird, 4200000001u));
  auto e = check_peer_as(bird, Asn::kTrans);  // the 4-octet capability wins
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, 2);
  EXPECT_EQ(e->subcode, subcode::open::kBadPeerAs);
  EXPECT_NE(e->reason.find("4200000001"), std::string::npos);
  EXPECT_FALSE(check_bgp_identifier(bird, bird.bgp_identifier, /*internal_peer=*/false));
  e = check_bgp_identifier(bird, bird.bgp_identifier, /*internal_peer=*/true);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->subcode, subcode::open::kBadBgpIdentifier);
  EXPECT_EQ(e->notification(), (Notification{2, 3, {}}));
}

}  // namespace
}  // namespace byoipd::bgp
