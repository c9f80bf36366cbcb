// The export rules (adj_rib_out.h): which peers get an announcement, the
// attributes it carries (RFC 4271 5.1), how UPDATEs are grouped and split,
// and End-of-RIB (RFC 4724 section 2). Pure: no socket, no session.
#include "adj_rib_out.h"

#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace byoipd::bgp {
namespace {

constexpr uint32_t kLocalAs = 64500;
constexpr uint32_t kRemoteAs = 64501;
constexpr AfiSafi kV4{Afi::kIpv4, Safi::kUnicast};
constexpr AfiSafi kV6{Afi::kIpv6, Safi::kUnicast};

Prefix P(const char* text) { return Prefix::parse(text).value(); }
IpAddress A(const char* text) { return IpAddress::parse(text).value(); }

Announcement announce(const char* prefix) {
  Announcement a;
  a.prefix = P(prefix);
  return a;
}

// An eBGP onprem session over IPv4 that negotiated both unicast families.
ExportContext ebgp() {
  ExportContext c;
  c.local_as = kLocalAs;
  c.remote_as = kRemoteAs;
  c.role = PeerRole::kOnprem;
  c.peer_name = "edge1";
  c.local_address = A("192.0.2.1");
  c.policy.next_hop_v6 = A("2001:db8::1");
  return c;
}

ExportContext ibgp() {
  ExportContext c = ebgp();
  c.remote_as = kLocalAs;
  return c;
}

std::vector<const Announcement*> pointers(const std::vector<Announcement>& announcements) {
  std::vector<const Announcement*> out;
  for (const auto& a : announcements) out.push_back(&a);
  return out;
}

size_t encoded_size(const Update& u, const CodecOptions& codec) {
  auto bytes = encode(u, codec);
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? bytes->size() : 0;
}

// ---- exported_to ----------------------------------------------------------------

struct ExportedToCase {
  const char* name;
  PeerRole role;
  std::vector<std::string> named_peers;  // Announcement::peers
  const char* prefix;
  std::vector<AfiSafi> families;  // negotiated
  bool expected;
};

std::ostream& operator<<(std::ostream& os, const ExportedToCase& c) { return os << c.name; }

class ExportedToTest : public ::testing::TestWithParam<ExportedToCase> {};

TEST_P(ExportedToTest, Decides) {
  const auto& c = GetParam();
  ExportContext context = ebgp();
  context.role = c.role;
  context.codec.families = c.families;
  Announcement a = announce(c.prefix);
  a.peers = c.named_peers;
  EXPECT_EQ(exported_to(a, context), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Rules, ExportedToTest,
    ::testing::Values(
        ExportedToCase{"ObserverNeverEvenWhenNamed", PeerRole::kObserver, {"edge1"},
                       "198.51.100.0/24", {kV4, kV6}, false},
        ExportedToCase{"ObserverNeverForAll", PeerRole::kObserver, {}, "198.51.100.0/24",
                       {kV4, kV6}, false},
        ExportedToCase{"EmptyListMeansEveryOnprem", PeerRole::kOnprem, {}, "198.51.100.0/24",
                       {kV4, kV6}, true},
        ExportedToCase{"EmptyListMeansEveryUpstream", PeerRole::kUpstream, {}, "2001:db8:1::/48",
                       {kV4, kV6}, true},
        ExportedToCase{"NamedPeer", PeerRole::kUpstream, {"other", "edge1"}, "198.51.100.0/24",
                       {kV4, kV6}, true},
        ExportedToCase{"OtherPeerNamed", PeerRole::kOnprem, {"other"}, "198.51.100.0/24",
                       {kV4, kV6}, false},
        ExportedToCase{"Ipv6NotNegotiated", PeerRole::kOnprem, {}, "2001:db8:1::/48", {kV4},
                       false},
        ExportedToCase{"Ipv4NotNegotiated", PeerRole::kOnprem, {"edge1"}, "198.51.100.0/24",
                       {kV6}, false}),
    [](const auto& info) { return std::string(info.param.name); });

// ---- export_attributes --------------------------------------------------------------

struct AttributesCase {
  const char* name;
  bool ibgp = false;
  uint8_t policy_prepend = 0;
  uint8_t announcement_prepend = 0;
  const char* prefix = "198.51.100.0/24";
  std::optional<IpAddress> local_address = A("192.0.2.1");
  std::optional<IpAddress> next_hop_v4 = std::nullopt;
  std::optional<IpAddress> next_hop_v6 = std::nullopt;
  // Expected.
  size_t as_path_copies = 1;  // of the local AS; 0: empty AS_PATH
  std::optional<uint32_t> local_pref = std::nullopt;
  std::optional<IpAddress> next_hop = std::nullopt;  // NEXT_HOP (IPv4) or the MP_REACH next hop (IPv6)
  const char* error_reason = nullptr;
};

std::ostream& operator<<(std::ostream& os, const AttributesCase& c) { return os << c.name; }

class ExportAttributesTest : public ::testing::TestWithParam<AttributesCase> {};

TEST_P(ExportAttributesTest, Builds) {
  const auto& c = GetParam();
  ExportContext context = c.ibgp ? ibgp() : ebgp();
  context.policy.prepend = c.policy_prepend;
  context.local_address = c.local_address;
  context.policy.next_hop_v4 = c.next_hop_v4;
  context.policy.next_hop_v6 = c.next_hop_v6;
  Announcement a = announce(c.prefix);
  a.prepend = c.announcement_prepend;

  auto attrs = export_attributes(a, context);
  if (c.error_reason) {
    ASSERT_FALSE(attrs.ok());
    EXPECT_EQ(attrs.status().reason(), c.error_reason);
    return;
  }
  ASSERT_TRUE(attrs.ok()) << attrs.status().message();
  EXPECT_EQ(attrs->origin, Origin::kIgp);
  ASSERT_TRUE(attrs->as_path.has_value());
  if (c.as_path_copies == 0) {
    EXPECT_TRUE(attrs->as_path->empty());
  } else {
    ASSERT_EQ(attrs->as_path->size(), 1u);
    EXPECT_EQ(attrs->as_path->front().type, AsPathSegment::Type::kSequence);
    EXPECT_EQ(attrs->as_path->front().asns, std::vector<uint32_t>(c.as_path_copies, kLocalAs));
  }
  EXPECT_EQ(attrs->local_pref, c.local_pref);
  if (a.prefix.family() == Family::kV4) {
    EXPECT_EQ(attrs->next_hop, c.next_hop);
    EXPECT_FALSE(attrs->mp_reach.has_value());
  } else {
    EXPECT_FALSE(attrs->next_hop.has_value());
    ASSERT_TRUE(attrs->mp_reach.has_value());
    EXPECT_EQ(attrs->mp_reach->family, kV6);
    ASSERT_EQ(attrs->mp_reach->next_hops.size(), 1u);
    EXPECT_EQ(attrs->mp_reach->next_hops[0], *c.next_hop);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Rules, ExportAttributesTest,
    ::testing::Values(
        AttributesCase{.name = "EbgpOneCopy", .next_hop = A("192.0.2.1")},
        AttributesCase{.name = "EbgpPolicyPrepend",
                       .policy_prepend = 2,
                       .as_path_copies = 3,
                       .next_hop = A("192.0.2.1")},
        AttributesCase{.name = "EbgpBothPrepends",
                       .policy_prepend = 2,
                       .announcement_prepend = 3,
                       .as_path_copies = 6,
                       .next_hop = A("192.0.2.1")},
        AttributesCase{.name = "IbgpEmptyPathAndLocalPref",
                       .ibgp = true,
                       .policy_prepend = 2,
                       .announcement_prepend = 1,
                       .as_path_copies = 0,
                       .local_pref = 100,
                       .next_hop = A("192.0.2.1")},
        AttributesCase{.name = "ConfiguredNextHopV4Wins",
                       .next_hop_v4 = A("192.0.2.99"),
                       .next_hop = A("192.0.2.99")},
        AttributesCase{.name = "Ipv6OverIpv6SessionDefaultsToSessionAddress",
                       .prefix = "2001:db8:1::/48",
                       .local_address = A("2001:db8::5"),
                       .next_hop = A("2001:db8::5")},
        AttributesCase{.name = "ConfiguredNextHopV6Wins",
                       .prefix = "2001:db8:1::/48",
                       .local_address = A("2001:db8::5"),
                       .next_hop_v6 = A("2001:db8::77"),
                       .next_hop = A("2001:db8::77")},
        AttributesCase{.name = "Ipv6OverIpv4SessionWithNextHopV6",
                       .prefix = "2001:db8:1::/48",
                       .next_hop_v6 = A("2001:db8::1"),
                       .next_hop = A("2001:db8::1")},
        AttributesCase{.name = "Ipv6OverIpv4SessionWithoutNextHopV6",
                       .prefix = "2001:db8:1::/48",
                       .error_reason = "no-next-hop"},
        AttributesCase{.name = "Ipv4OverIpv6SessionWithoutNextHopV4",
                       .local_address = A("2001:db8::5"),
                       .error_reason = "no-next-hop"},
        AttributesCase{.name = "NoSessionAddressAtAll",
                       .local_address = std::nullopt,
                       .error_reason = "no-next-hop"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ExportAttributes, MedOnlyWhenConfigured) {
  ExportContext context = ebgp();
  auto without = export_attributes(announce("198.51.100.0/24"), context);
  ASSERT_TRUE(without.ok());
  EXPECT_FALSE(without->med.has_value());
  EXPECT_FALSE(without->local_pref.has_value());  // eBGP: never LOCAL_PREF

  context.policy.med = 50;
  auto with = export_attributes(announce("198.51.100.0/24"), context);
  ASSERT_TRUE(with.ok());
  EXPECT_EQ(with->med, 50u);
}

TEST(ExportAttributes, CommunitiesAreTheSortedUniqueUnion) {
  ExportContext context = ebgp();
  context.policy.communities = {0xFDE80064, 0xFDE80001, 0xFDE80064};  // 65000:100, :1, :100
  Announcement a = announce("198.51.100.0/24");
  a.communities = {0xFDE80002, 0xFDE80001, 0x0000FFFF};

  auto attrs = export_attributes(a, context);
  ASSERT_TRUE(attrs.ok());
  EXPECT_EQ(attrs->communities,
            (std::vector<uint32_t>{0x0000FFFF, 0xFDE80001, 0xFDE80002, 0xFDE80064}));
}

TEST(ExportAttributes, LargeCommunitiesAreTheSortedUniqueUnion) {
  ExportContext context = ebgp();
  context.policy.large_communities = {{64500, 2, 1}, {64500, 1, 9}};
  Announcement a = announce("2001:db8:1::/48");
  a.large_communities = {{64500, 1, 9}, {1, 0, 0}, {64500, 1, 2}};

  auto attrs = export_attributes(a, context);
  ASSERT_TRUE(attrs.ok());
  EXPECT_EQ(attrs->large_communities,
            (std::vector<LargeCommunity>{{1, 0, 0}, {64500, 1, 2}, {64500, 1, 9}, {64500, 2, 1}}));
  EXPECT_TRUE(attrs->communities.empty());
}

// ---- build_advertisements -----------------------------------------------------------

TEST(BuildAdvertisements, GroupsEqualAttributesIntoOneUpdate) {
  std::vector<Announcement> all = {announce("198.51.100.0/24"), announce("203.0.113.0/24"),
                                   announce("192.0.2.128/25"), announce("2001:db8:1::/48"),
                                   announce("2001:db8:2::/48")};
  all[2].communities = {0xFDE80001};  // differs: its own UPDATE

  ExportBatch batch = build_advertisements(pointers(all), ebgp());
  EXPECT_TRUE(batch.skipped.empty());
  EXPECT_EQ(batch.advertised.size(), 5u);
  ASSERT_EQ(batch.updates.size(), 3u);
  std::vector<std::vector<Prefix>> groups;
  for (const auto& u : batch.updates) {
    groups.push_back(u.attributes.mp_reach ? u.attributes.mp_reach->nlri : u.nlri);
  }
  EXPECT_EQ(groups[0], (std::vector<Prefix>{P("198.51.100.0/24"), P("203.0.113.0/24")}));
  EXPECT_EQ(groups[1], (std::vector<Prefix>{P("192.0.2.128/25")}));
  EXPECT_EQ(groups[2], (std::vector<Prefix>{P("2001:db8:1::/48"), P("2001:db8:2::/48")}));
  EXPECT_EQ(batch.updates[1].attributes.communities, std::vector<uint32_t>{0xFDE80001});
  EXPECT_EQ(batch.updates[2].attributes.mp_reach->next_hops,
            std::vector<IpAddress>{A("2001:db8::1")});
}

TEST(BuildAdvertisements, SkipsNotExportedAndReportsMissingNextHop) {
  ExportContext context = ebgp();
  context.policy.next_hop_v6.reset();
  std::vector<Announcement> all = {announce("198.51.100.0/24"), announce("2001:db8:1::/48"),
                                   announce("203.0.113.0/24")};
  all[2].peers = {"someone-else"};

  ExportBatch batch = build_advertisements(pointers(all), context);
  EXPECT_EQ(batch.advertised, std::vector<Prefix>{P("198.51.100.0/24")});
  ASSERT_EQ(batch.skipped.size(), 1u);
  EXPECT_EQ(batch.skipped[0].first, P("2001:db8:1::/48"));
  EXPECT_EQ(batch.skipped[0].second.reason(), "no-next-hop");
  ASSERT_EQ(batch.updates.size(), 1u);
}

TEST(BuildAdvertisements, SplitsLargeGroupsUnder4096Octets) {
  for (Family family : {Family::kV4, Family::kV6}) {
    SCOPED_TRACE(family == Family::kV4 ? "ipv4" : "ipv6");
    const Prefix base = family == Family::kV4 ? P("10.0.0.0/8") : P("2001:db8::/32");
    const int length = family == Family::kV4 ? 24 : 48;
    std::vector<Announcement> all;
    for (u128 i = 0; i < 2000; ++i) {
      all.emplace_back();
      all.back().prefix = base.subnet(length, i);
    }

    ExportContext context = ebgp();
    ExportBatch batch = build_advertisements(pointers(all), context);
    EXPECT_EQ(batch.advertised.size(), 2000u);
    EXPECT_GT(batch.updates.size(), 1u);
    std::set<Prefix> carried;
    for (const auto& u : batch.updates) {
      EXPECT_LE(encoded_size(u, context.codec), kMaxMessageSize);
      const auto& nlri = u.attributes.mp_reach ? u.attributes.mp_reach->nlri : u.nlri;
      EXPECT_FALSE(nlri.empty());
      carried.insert(nlri.begin(), nlri.end());
      // Every part carries the same path attributes.
      PathAttributes without_nlri = u.attributes;
      PathAttributes first = batch.updates[0].attributes;
      if (without_nlri.mp_reach) without_nlri.mp_reach->nlri.clear();
      if (first.mp_reach) first.mp_reach->nlri.clear();
      EXPECT_EQ(without_nlri, first);
    }
    EXPECT_EQ(carried.size(), 2000u);
  }
}

// ---- build_withdrawals ----------------------------------------------------------------

TEST(BuildWithdrawals, Ipv4InWithdrawnFieldIpv6InMpUnreach) {
  auto updates = build_withdrawals({P("198.51.100.0/24"), P("2001:db8:1::/48")}, ebgp());
  ASSERT_FALSE(updates.empty());
  std::vector<Prefix> v4, v6;
  for (const auto& u : updates) {
    EXPECT_TRUE(u.nlri.empty());
    EXPECT_FALSE(u.attributes.mp_reach.has_value());
    v4.insert(v4.end(), u.withdrawn.begin(), u.withdrawn.end());
    if (u.attributes.mp_unreach) {
      EXPECT_EQ(u.attributes.mp_unreach->family, kV6);
      v6.insert(v6.end(), u.attributes.mp_unreach->withdrawn.begin(),
                u.attributes.mp_unreach->withdrawn.end());
    }
  }
  EXPECT_EQ(v4, std::vector<Prefix>{P("198.51.100.0/24")});
  EXPECT_EQ(v6, std::vector<Prefix>{P("2001:db8:1::/48")});
}

TEST(BuildWithdrawals, NothingToWithdrawSendsNothing) {
  EXPECT_TRUE(build_withdrawals({}, ebgp()).empty());
}

TEST(BuildWithdrawals, SplitsUnder4096Octets) {
  std::vector<Prefix> prefixes;
  for (u128 i = 0; i < 2000; ++i) {
    prefixes.push_back(P("10.0.0.0/8").subnet(24, i));
    prefixes.push_back(P("2001:db8::/32").subnet(48, i));
  }
  ExportContext context = ebgp();
  auto updates = build_withdrawals(prefixes, context);
  EXPECT_GT(updates.size(), 2u);
  size_t v4 = 0, v6 = 0;
  for (const auto& u : updates) {
    EXPECT_LE(encoded_size(u, context.codec), kMaxMessageSize);
    v4 += u.withdrawn.size();
    if (u.attributes.mp_unreach) v6 += u.attributes.mp_unreach->withdrawn.size();
  }
  EXPECT_EQ(v4, 2000u);
  EXPECT_EQ(v6, 2000u);
}

// ---- End-of-RIB (RFC 4724 section 2) -------------------------------------------------

TEST(EndOfRib, Ipv4IsAnEmptyUpdate) {
  Update u = end_of_rib(kV4);
  EXPECT_EQ(u, Update{});
  auto bytes = encode(u, CodecOptions{});
  ASSERT_TRUE(bytes.ok());
  // Header, withdrawn routes length 0, total path attribute length 0.
  EXPECT_EQ(bytes->size(), 23u);
  DecodeResult decoded = decode(*bytes, CodecOptions{});
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(std::get<Update>(*decoded.message).end_of_rib(), kV4);
}

TEST(EndOfRib, Ipv6IsAnEmptyMpUnreachOnly) {
  Update u = end_of_rib(kV6);
  EXPECT_TRUE(u.withdrawn.empty());
  EXPECT_TRUE(u.nlri.empty());
  ASSERT_TRUE(u.attributes.mp_unreach.has_value());
  EXPECT_EQ(u.attributes.mp_unreach->family, kV6);
  EXPECT_TRUE(u.attributes.mp_unreach->withdrawn.empty());
  PathAttributes others = u.attributes;
  others.mp_unreach.reset();
  EXPECT_EQ(others, PathAttributes{});

  auto bytes = encode(u, CodecOptions{});
  ASSERT_TRUE(bytes.ok());
  // 23 octets plus MP_UNREACH: flags, type, length 3, AFI 2, SAFI 1.
  EXPECT_EQ(bytes->size(), 29u);
  DecodeResult decoded = decode(*bytes, CodecOptions{});
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(std::get<Update>(*decoded.message).end_of_rib(), kV6);
}

TEST(EndOfRib, AWithdrawalIsNotEndOfRib) {
  auto updates = build_withdrawals({P("2001:db8:1::/48")}, ebgp());
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_FALSE(updates[0].end_of_rib().has_value());
  updates = build_withdrawals({P("198.51.100.0/24")}, ebgp());
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_FALSE(updates[0].end_of_rib().has_value());
}

}  // namespace
}  // namespace byoipd::bgp
