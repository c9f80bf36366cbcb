// Path attributes: each one's round trip and wire form, extended length,
// AS_TRANS/AS4_PATH reconstruction (RFC 6793 4.2.3), unknown attributes.
#include <gtest/gtest.h>

#include "wire_testing.h"

namespace byoipd::bgp {
namespace {

using namespace testing;

using Seg = AsPathSegment;
constexpr auto kSeq = AsPathSegment::Type::kSequence;
constexpr auto kSet = AsPathSegment::Type::kSet;

// An update announcing 198.51.100.0/24 with the mandatory attributes, edited.
Update announcement(void (*edit)(PathAttributes&)) {
  Update u;
  u.attributes.origin = Origin::kIgp;
  u.attributes.as_path = std::vector<Seg>{{kSeq, {65001}}};
  u.attributes.next_hop = A("192.0.2.1");
  u.nlri = {P("198.51.100.0/24")};
  edit(u.attributes);
  return u;
}

// The Path Attributes field of an encoded UPDATE without withdrawals.
Bytes attribute_field(const Bytes& wire) {
  size_t length = (wire[21] << 8) | wire[22];
  return Bytes(wire.begin() + 23, wire.begin() + 23 + static_cast<std::ptrdiff_t>(length));
}

bool contains(const Bytes& haystack, const Bytes& needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

TEST(Attributes, EachRoundTripsWithItsWireForm) {
  struct Case {
    const char* name;
    void (*edit)(PathAttributes&);
    Bytes four_octet_wire;  // must appear in the 4-octet encoding
  };
  const Case cases[] = {
      {"ORIGIN EGP", [](PathAttributes& a) { a.origin = Origin::kEgp; }, {0x40, 1, 1, 1}},
      {"ORIGIN INCOMPLETE", [](PathAttributes& a) { a.origin = Origin::kIncomplete; }, {0x40, 1, 1, 2}},
      {"AS_PATH AS_SEQUENCE", [](PathAttributes& a) { a.as_path = std::vector<Seg>{{kSeq, {65001, 65002}}}; },
       {0x40, 2, 10, 2, 2, 0, 0, 0xfd, 0xe9, 0, 0, 0xfd, 0xea}},
      {"AS_PATH AS_SET", [](PathAttributes& a) { a.as_path = std::vector<Seg>{{kSet, {65001, 65002}}}; },
       {0x40, 2, 10, 1, 2, 0, 0, 0xfd, 0xe9, 0, 0, 0xfd, 0xea}},
      {"AS_PATH sequence then set",
       [](PathAttributes& a) { a.as_path = std::vector<Seg>{{kSeq, {65001}}, {kSet, {65002, 65003}}}; },
       {0x40, 2, 16, 2, 1, 0, 0, 0xfd, 0xe9, 1, 2}},
      {"AS_PATH empty (iBGP)", [](PathAttributes& a) { a.as_path = std::vector<Seg>{}; }, {0x40, 2, 0}},
      {"AS_PATH 4-octet ASN", [](PathAttributes& a) { a.as_path = std::vector<Seg>{{kSeq, {4200000001u}}}; },
       {0x40, 2, 6, 2, 1, 0xfa, 0x56, 0xea, 0x01}},
      {"NEXT_HOP", [](PathAttributes& a) { a.next_hop = A("203.0.113.7"); }, {0x40, 3, 4, 203, 0, 113, 7}},
      {"MULTI_EXIT_DISC", [](PathAttributes& a) { a.med = 0x01020304; }, {0x80, 4, 4, 1, 2, 3, 4}},
      {"LOCAL_PREF", [](PathAttributes& a) { a.local_pref = 100; }, {0x40, 5, 4, 0, 0, 0, 100}},
      {"ATOMIC_AGGREGATE", [](PathAttributes& a) { a.atomic_aggregate = true; }, {0x40, 6, 0}},
      {"AGGREGATOR", [](PathAttributes& a) { a.aggregator = Aggregator{65010, A("192.0.2.9")}; },
       {0xc0, 7, 8, 0, 0, 0xfd, 0xf2, 192, 0, 2, 9}},
      {"AGGREGATOR 4-octet ASN",
       [](PathAttributes& a) { a.aggregator = Aggregator{4200000001u, A("192.0.2.9")}; },
       {0xc0, 7, 8, 0xfa, 0x56, 0xea, 0x01, 192, 0, 2, 9}},
      {"COMMUNITIES (RFC 1997)",
       [](PathAttributes& a) { a.communities = {0xfde80064, 0xffffff02}; },
       {0xc0, 8, 8, 0xfd, 0xe8, 0, 0x64, 0xff, 0xff, 0xff, 0x02}},
      {"LARGE_COMMUNITY (RFC 8092)",
       [](PathAttributes& a) { a.large_communities = {{4200000001u, 7, 9}}; },
       {0xc0, 32, 12, 0xfa, 0x56, 0xea, 0x01, 0, 0, 0, 7, 0, 0, 0, 9}},
      {"MP_REACH_NLRI IPv6 (RFC 4760)",
       [](PathAttributes& a) {
         a.mp_reach = MpReach{{Afi::kIpv6, Safi::kUnicast}, {A("2001:db8::1")}, {P("2001:db8:1::/48")}};
       },
       mp_reach_v6()},
      {"MP_UNREACH_NLRI IPv6 (RFC 4760)",
       [](PathAttributes& a) { a.mp_unreach = MpUnreach{{Afi::kIpv6, Safi::kUnicast}, {P("2001:db8::/32")}}; },
       {0x80, 15, 8, 0, 2, 1, 32, 0x20, 0x01, 0x0d, 0xb8}},
      {"unknown optional transitive with Partial",
       [](PathAttributes& a) { a.unknown = {{0xe0, 200, {1, 2, 3}}}; }, {0xe0, 200, 3, 1, 2, 3}},
  };
  for (const auto& c : cases) {
    Update u = announcement(c.edit);
    for (const CodecOptions& o : {four_octet(), two_octet()}) {
      SCOPED_TRACE(std::string(c.name) + (o.four_octet_as ? " / 4-octet" : " / 2-octet"));
      EXPECT_EQ(std::get<Update>(round_trip(u, o)), u);
    }
    SCOPED_TRACE(c.name);
    EXPECT_TRUE(contains(attribute_field(encode_ok(u)), c.four_octet_wire));
  }
}

TEST(Attributes, MpAttributesFirstThenAscendingTypes) {
  Update u = announcement([](PathAttributes& a) {
    a.med = 1;
    a.communities = {1};
    a.unknown = {{0xe0, 16, {0, 0, 0, 0, 0, 0, 0, 0}}, {0xe0, 9, {}}};
    a.mp_unreach = MpUnreach{{Afi::kIpv6, Safi::kUnicast}, {P("2001:db8::/32")}};
    a.mp_reach = MpReach{{Afi::kIpv6, Safi::kUnicast}, {A("2001:db8::1")}, {P("2001:db8:1::/48")}};
  });
  Bytes field = attribute_field(encode_ok(u));
  std::vector<uint8_t> types;
  for (size_t i = 0; i < field.size();) {
    bool ext = field[i] & attr::kFlagExtendedLength;
    size_t len = ext ? (field[i + 2] << 8) | field[i + 3] : field[i + 2];
    types.push_back(field[i + 1]);
    i += (ext ? 4 : 3) + len;
  }
  EXPECT_EQ(types, (std::vector<uint8_t>{14, 15, 1, 2, 3, 4, 8, 9, 16}));  // RFC 7606 5.1, RFC 4271 5
}

TEST(Attributes, ExtendedLengthAboveAndOnlyAbove255Octets) {
  struct Case {
    const char* name;
    size_t communities;
    uint8_t flags;
  };
  const Case cases[] = {{"63 communities = 252 octets", 63, 0xc0},
                        {"64 communities = 256 octets", 64, 0xd0},
                        {"900 communities = 3600 octets", 900, 0xd0}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Update u = announcement([](PathAttributes&) {});
    for (uint32_t i = 0; i < c.communities; ++i) u.attributes.communities.push_back(i);
    Bytes wire = encode_ok(u);
    Bytes field = attribute_field(wire);
    // ORIGIN (4) + AS_PATH (9) + NEXT_HOP (7), then COMMUNITIES.
    EXPECT_EQ(field[20], c.flags);
    EXPECT_EQ(field[21], attr::kCommunities);
    EXPECT_EQ(std::get<Update>(round_trip(u)), u);
  }
  // A peer may use the extended form for a short value too.
  Bytes wire = update({}, cat({mandatory4(), attribute(0xd0, attr::kCommunities, {0, 0, 0, 1})}),
                      nlri_198_51_100());
  DecodeResult r = decode_bytes(wire);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(as_update(r).attributes.communities, std::vector<uint32_t>{1});
  EXPECT_EQ(r.action, Action::kNone);
}

TEST(Attributes, LongAsPathSegmentsSplitAt255) {
  Update u = announcement([](PathAttributes& a) {
    a.as_path = std::vector<Seg>{{kSeq, std::vector<uint32_t>(255, 65001)}, {kSeq, {65002, 65003}}};
  });
  EXPECT_EQ(std::get<Update>(round_trip(u)), u);
  Update longer = announcement([](PathAttributes& a) {
    a.as_path = std::vector<Seg>{{kSeq, std::vector<uint32_t>(300, 65001)}};
  });
  DecodeResult r = decode_bytes(encode_ok(longer));
  ASSERT_TRUE(r.ok());
  const auto& path = *as_update(r).attributes.as_path;
  ASSERT_EQ(path.size(), 2u);
  EXPECT_EQ(path[0].asns.size(), 255u);
  EXPECT_EQ(path[1].asns.size(), 45u);
}

// ---- RFC 6793: AS_TRANS, AS4_PATH, AS4_AGGREGATOR ------------------------------

TEST(FourOctetAs, TwoOctetSessionsCarryAsTransAndAs4Path) {
  Update u = announcement([](PathAttributes& a) {
    a.as_path = std::vector<Seg>{{kSeq, {65001, 4200000001u}}};
    a.aggregator = Aggregator{4200000002u, A("192.0.2.9")};
  });
  Bytes field = attribute_field(encode_ok(u, two_octet()));
  // AS_PATH [65001 AS_TRANS], AGGREGATOR AS_TRANS, then the real ones.
  EXPECT_TRUE(contains(field, {0x40, 2, 6, 2, 2, 0xfd, 0xe9, 0x5b, 0xa0}));
  EXPECT_TRUE(contains(field, {0xc0, 7, 6, 0x5b, 0xa0, 192, 0, 2, 9}));
  EXPECT_TRUE(contains(field, {0xc0, 17, 10, 2, 2, 0, 0, 0xfd, 0xe9, 0xfa, 0x56, 0xea, 0x01}));
  EXPECT_TRUE(contains(field, {0xc0, 18, 8, 0xfa, 0x56, 0xea, 0x02, 192, 0, 2, 9}));
  // A 4-octet session sends neither AS4 attribute (RFC 6793 4.1).
  Bytes four = attribute_field(encode_ok(u, four_octet()));
  EXPECT_FALSE(contains(four, {0xc0, 17}));
  EXPECT_FALSE(contains(four, {0xc0, 18}));
  // Only 2-octet ASNs: no AS4_PATH either.
  Update small = announcement([](PathAttributes&) {});
  EXPECT_FALSE(contains(attribute_field(encode_ok(small, two_octet())), {0xc0, 17}));
}

Bytes as4_path(std::vector<std::pair<uint8_t, std::vector<uint32_t>>> segs) {
  Bytes v;
  for (const auto& [type, asns] : segs) {
    v.push_back(type);
    v.push_back(static_cast<uint8_t>(asns.size()));
    for (uint32_t a : asns) v = cat({v, be32(a)});
  }
  return attribute(0xc0, attr::kAs4Path, v);
}

TEST(FourOctetAs, ReconstructionRfc6793Section423) {
  struct Case {
    const char* name;
    Bytes attributes;  // besides ORIGIN and NEXT_HOP
    std::vector<Seg> want_path;
    std::optional<uint32_t> want_aggregator;
    Action want_action;
  };
  const Bytes agg_trans = attribute(0xc0, attr::kAggregator, {0x5b, 0xa0, 192, 0, 2, 9});
  const Bytes agg_old = attribute(0xc0, attr::kAggregator, {0xfd, 0xf2, 192, 0, 2, 9});
  const Bytes as4_agg = attribute(0xc0, attr::kAs4Aggregator, cat({be32(4200000009u), {192, 0, 2, 9}}));
  const Case cases[] = {
      {"same length: AS4_PATH replaces AS_PATH",
       cat({as_path2({65001, 23456}), as4_path({{2, {65001, 4200000001u}}})}),
       {{kSeq, {65001, 4200000001u}}}, std::nullopt, Action::kNone},
      {"OLD speakers prepended: leading AS_PATH ASNs kept",
       cat({as_path2({65010, 65011, 23456, 23456}), as4_path({{2, {4200000001u, 4200000002u}}})}),
       {{kSeq, {65010, 65011, 4200000001u, 4200000002u}}}, std::nullopt, Action::kNone},
      {"AS_SET counts as one ASN",
       cat({attribute(0x40, attr::kAsPath, {2, 1, 0xfd, 0xe9, 1, 2, 0x5b, 0xa0, 0xfd, 0xea}),
            as4_path({{1, {4200000001u, 65002}}})}),
       {{kSeq, {65001}}, {kSet, {4200000001u, 65002}}}, std::nullopt, Action::kNone},
      {"AS4_PATH longer than AS_PATH is ignored",
       cat({as_path2({23456}), as4_path({{2, {4200000001u, 4200000002u}}})}),
       {{kSeq, {23456}}}, std::nullopt, Action::kAttributeDiscard},
      {"AGGREGATOR AS_TRANS takes AS4_AGGREGATOR",
       cat({as_path2({65001}), agg_trans, as4_agg}), {{kSeq, {65001}}}, 4200000009u, Action::kNone},
      {"AGGREGATOR not AS_TRANS: AS4_AGGREGATOR and AS4_PATH ignored",
       cat({as_path2({65001, 23456}), agg_old, as4_agg, as4_path({{2, {65001, 4200000001u}}})}),
       {{kSeq, {65001, 23456}}}, 65010u, Action::kAttributeDiscard},
      {"AS4_AGGREGATOR without AGGREGATOR is ignored",
       cat({as_path2({65001}), as4_agg}), {{kSeq, {65001}}}, std::nullopt, Action::kAttributeDiscard},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Bytes wire = update({}, cat({origin_igp(), c.attributes, next_hop_192_0_2_1()}), nlri_198_51_100());
    DecodeResult r = decode_bytes(wire, two_octet());
    ASSERT_TRUE(r.ok()) << r.reason();
    EXPECT_EQ(r.action, c.want_action) << r.reason();
    const PathAttributes& a = as_update(r).attributes;
    ASSERT_TRUE(a.as_path);
    EXPECT_EQ(*a.as_path, c.want_path);
    EXPECT_EQ(a.aggregator ? std::optional<uint32_t>(a.aggregator->asn) : std::nullopt, c.want_aggregator);
    // Re-encoding the reconstructed path is stable.
    EXPECT_EQ(std::get<Update>(round_trip(as_update(r), two_octet())), as_update(r));
  }
}

TEST(FourOctetAs, As4AttributesOnAFourOctetSessionAreDiscarded) {
  Bytes wire = update({}, cat({origin_igp(), as_path4({65001}), next_hop_192_0_2_1(),
                               as4_path({{2, {4200000001u}}})}),
                      nlri_198_51_100());
  DecodeResult r = decode_bytes(wire, four_octet());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.action, Action::kAttributeDiscard);
  EXPECT_EQ(r.discarded, std::vector<uint8_t>{attr::kAs4Path});
  EXPECT_EQ(*as_update(r).attributes.as_path, (std::vector<Seg>{{kSeq, {65001}}}));
}

// ---- Unknown attributes (RFC 4271 sections 5 and 9) ---------------------------

TEST(UnknownAttributes, Handling) {
  struct Case {
    const char* name;
    Bytes attribute;
    std::vector<RawAttribute> want_kept;
    Action want_action;
  };
  const Case cases[] = {
      {"optional transitive passed on with Partial set", attribute(0xc0, 99, {1, 2}),
       {{0xe0, 99, {1, 2}}}, Action::kNone},
      {"optional transitive already partial", attribute(0xe0, 99, {1}), {{0xe0, 99, {1}}}, Action::kNone},
      {"extended length bit not kept", attribute(0xd0, 99, {7}), {{0xe0, 99, {7}}}, Action::kNone},
      {"extended communities pass through", attribute(0xc0, 16, Bytes(8, 1)), {{0xe0, 16, Bytes(8, 1)}},
       Action::kNone},
      {"optional non-transitive quietly dropped", attribute(0x80, 99, {1, 2}), {}, Action::kNone},
      {"ORIGINATOR_ID (optional non-transitive) dropped", attribute(0x80, 9, {1, 2, 3, 4}), {}, Action::kNone},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Bytes wire = update({}, cat({mandatory4(), c.attribute}), nlri_198_51_100());
    DecodeResult r = decode_bytes(wire);
    ASSERT_TRUE(r.ok()) << r.reason();
    EXPECT_EQ(r.action, c.want_action);
    EXPECT_EQ(as_update(r).attributes.unknown, c.want_kept);
  }
}

TEST(UnknownAttributes, UnrecognizedWellKnownResetsTheSession) {
  Bytes bad = attribute(0x40, 99, {1, 2});
  DecodeResult r = decode_bytes(update({}, cat({mandatory4(), bad}), nlri_198_51_100()));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.action, Action::kSessionReset);
  EXPECT_EQ(r.error->code, 3);
  EXPECT_EQ(r.error->subcode, subcode::update::kUnrecognizedWellKnownAttribute);
  EXPECT_EQ(r.error->data, bad);  // RFC 4271 6.3: the attribute itself
}

}  // namespace
}  // namespace byoipd::bgp
