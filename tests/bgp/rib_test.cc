#include "byoipd/bgp/rib.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace byoipd::bgp {
namespace {

constexpr uint32_t kLocalAs = 64512;

Prefix P(const std::string& text) {
  auto p = Prefix::parse(text);
  EXPECT_TRUE(p.ok()) << text;
  return p.ok() ? *p : Prefix();
}

IpAddress A(const std::string& text) { return *IpAddress::parse(text); }

AsPathSegment seq(std::vector<uint32_t> asns) {
  return AsPathSegment{AsPathSegment::Type::kSequence, std::move(asns)};
}
AsPathSegment set(std::vector<uint32_t> asns) {
  return AsPathSegment{AsPathSegment::Type::kSet, std::move(asns)};
}

PathAttributes attrs(std::vector<AsPathSegment> path) {
  PathAttributes a;
  a.origin = Origin::kIgp;
  a.as_path = std::move(path);
  return a;
}

// An UPDATE announcing `nlri` (IPv4 in the NLRI field, IPv6 in MP_REACH).
Update announce(const std::vector<std::string>& nlri, std::vector<AsPathSegment> path,
                const std::string& next_hop = "") {
  Update u;
  u.attributes = attrs(std::move(path));
  for (const std::string& text : nlri) {
    Prefix p = P(text);
    if (p.family() == Family::kV4) {
      u.nlri.push_back(p);
      u.attributes.next_hop = A(next_hop.empty() ? "192.0.2.1" : next_hop);
    } else {
      if (!u.attributes.mp_reach) {
        u.attributes.mp_reach = MpReach{{Afi::kIpv6, Safi::kUnicast},
                                        {A(next_hop.empty() ? "2001:db8::1" : next_hop),
                                         A("fe80::1")},
                                        {}};
      }
      u.attributes.mp_reach->nlri.push_back(p);
    }
  }
  return u;
}

Update withdraw(const std::vector<std::string>& prefixes) {
  Update u;
  for (const std::string& text : prefixes) {
    Prefix p = P(text);
    if (p.family() == Family::kV4) {
      u.withdrawn.push_back(p);
    } else {
      if (!u.attributes.mp_unreach) u.attributes.mp_unreach = MpUnreach{{Afi::kIpv6, Safi::kUnicast}, {}};
      u.attributes.mp_unreach->withdrawn.push_back(p);
    }
  }
  return u;
}

std::vector<std::string> names(const std::vector<RouteEntry>& routes) {
  std::vector<std::string> out;
  for (const RouteEntry& r : routes) {
    out.push_back(r.prefix.to_string() + (r.peer != 0 ? "@" + std::to_string(r.peer) : ""));
  }
  return out;
}

// ---- origin_as (RFC 6811 section 2) -----------------------------------------

TEST(OriginAs, Cases) {
  struct Case {
    const char* name;
    std::vector<AsPathSegment> path;
    std::optional<uint32_t> want;
  };
  const Case cases[] = {
      {"sequence: rightmost AS", {seq({65001, 3356, 64500})}, 64500},
      {"single AS", {seq({65001})}, 65001},
      {"empty path: local AS", {}, kLocalAs},
      {"final AS_SET: none", {seq({65001}), set({64500, 64501})}, std::nullopt},
      {"set then sequence", {set({64500, 64501}), seq({65001, 65002})}, 65002},
      {"only an AS_SET", {set({64500})}, std::nullopt},
      {"empty final segment skipped", {seq({65001, 65002}), seq({})}, 65002},
  };
  for (const Case& c : cases) EXPECT_EQ(origin_as(c.path, kLocalAs), c.want) << c.name;
}

TEST(OriginAs, RouteEntryCarriesOriginSet) {
  AdjRibIn rib(kLocalAs);
  rib.apply(1, announce({"10.0.0.0/8"}, {seq({65001}), set({64500, 64501})}));
  rib.apply(1, announce({"11.0.0.0/8"}, {set({64500}), seq({65001})}));
  rib.apply(1, announce({"12.0.0.0/8"}, {}));
  auto routes = rib.all_routes(std::nullopt, 10);
  ASSERT_EQ(routes.size(), 3u);
  EXPECT_EQ(routes[0].origin_as, std::nullopt);
  EXPECT_EQ(routes[0].origin_set, (std::vector<uint32_t>{64500, 64501}));
  EXPECT_EQ(routes[1].origin_as, 65001u);
  EXPECT_TRUE(routes[1].origin_set.empty());
  EXPECT_EQ(routes[2].origin_as, kLocalAs);
}

// ---- apply -------------------------------------------------------------------

TEST(Apply, AddReplaceWithdrawPerFamily) {
  struct Case {
    const char* name;
    std::string prefix;
    std::string hop1, hop2;
  };
  const Case cases[] = {
      {"ipv4", "203.0.113.0/24", "192.0.2.1", "192.0.2.2"},
      {"ipv6", "2001:db8:100::/48", "2001:db8::1", "2001:db8::2"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    AdjRibIn rib(kLocalAs);
    Family fam = P(c.prefix).family();
    auto s = rib.apply(7, announce({c.prefix}, {seq({65001, 64500})}, c.hop1));
    EXPECT_EQ(s.added, 1u);
    EXPECT_EQ(rib.size(), 1u);
    EXPECT_EQ(rib.count(7), 1u);
    EXPECT_EQ(rib.count(7, fam), 1u);
    EXPECT_EQ(rib.count(7, fam == Family::kV4 ? Family::kV6 : Family::kV4), 0u);
    auto r = rib.routes(P(c.prefix), false, std::nullopt, 10);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].peer, 7);
    EXPECT_EQ(r[0].next_hop, A(c.hop1));
    EXPECT_EQ(r[0].origin_as, 64500u);

    s = rib.apply(7, announce({c.prefix}, {seq({65001, 64501})}, c.hop2));
    EXPECT_EQ(s.added, 0u);
    EXPECT_EQ(s.replaced, 1u);
    r = rib.routes(P(c.prefix), false, std::nullopt, 10);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].next_hop, A(c.hop2));
    EXPECT_EQ(r[0].origin_as, 64501u);
    EXPECT_EQ(rib.path_count(), 1u);

    s = rib.apply(7, withdraw({c.prefix}));
    EXPECT_EQ(s.withdrawn, 1u);
    s = rib.apply(7, withdraw({c.prefix}));
    EXPECT_EQ(s.withdrawn, 0u) << "absent prefixes are not counted";
    EXPECT_EQ(rib.size(), 0u);
    EXPECT_EQ(rib.path_count(), 0u);
  }
}

TEST(Apply, AllAttributesRoundTrip) {
  AdjRibIn rib(kLocalAs);
  Update u = announce({"2001:db8:1::/48"}, {seq({65001, 3356}), set({64500, 64501})}, "2001:db8::9");
  u.attributes.origin = Origin::kIncomplete;
  u.attributes.med = 10;
  u.attributes.local_pref = 200;
  u.attributes.communities = {0xfde80001, 0xffff029a};
  u.attributes.large_communities = {{65000, 1, 2}, {65000, 3, 4}};
  u.attributes.atomic_aggregate = true;
  rib.apply(3, u);
  auto r = rib.routes(P("2001:db8:1::/48"), false, 3, 1);
  ASSERT_EQ(r.size(), 1u);
  RouteEntry want;
  want.prefix = P("2001:db8:1::/48");
  want.peer = 3;
  want.origin = Origin::kIncomplete;
  want.as_path = *u.attributes.as_path;
  want.origin_as = std::nullopt;
  want.origin_set = {64500, 64501};
  want.next_hop = A("2001:db8::9");
  want.med = 10;
  want.local_pref = 200;
  want.communities = u.attributes.communities;
  want.large_communities = u.attributes.large_communities;
  EXPECT_EQ(r[0], want);
}

TEST(Apply, WithdrawalsBeforeNlri) {
  AdjRibIn rib(kLocalAs);
  rib.apply(1, announce({"10.0.0.0/8", "2001:db8::/32"}, {seq({65001})}));
  Update u = announce({"10.0.0.0/8", "2001:db8::/32"}, {seq({65002})});
  u.withdrawn.push_back(P("10.0.0.0/8"));
  u.attributes.mp_unreach = MpUnreach{{Afi::kIpv6, Safi::kUnicast}, {P("2001:db8::/32")}};
  auto s = rib.apply(1, u);
  EXPECT_EQ(s.withdrawn, 2u);
  EXPECT_EQ(s.added, 2u);
  EXPECT_EQ(rib.size(), 2u);
  for (const RouteEntry& r : rib.all_routes(std::nullopt, 10)) EXPECT_EQ(r.origin_as, 65002u);
}

TEST(Apply, Ipv4InMpReach) {
  AdjRibIn rib(kLocalAs);
  Update u;
  u.attributes = attrs({seq({65001})});
  u.attributes.mp_reach = MpReach{{Afi::kIpv4, Safi::kUnicast}, {A("198.51.100.1")}, {P("10.1.0.0/16")}};
  EXPECT_EQ(rib.apply(1, u).added, 1u);
  auto r = rib.routes(P("10.1.0.0/16"), false, std::nullopt, 10);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].next_hop, A("198.51.100.1"));
  EXPECT_EQ(rib.count(1, Family::kV4), 1u);
}

// ---- queries -----------------------------------------------------------------

TEST(Routes, MoreSpecificRanges) {
  AdjRibIn rib(kLocalAs);
  rib.apply(0, announce({"0.0.0.0/0", "10.0.0.0/7", "10.0.0.0/8", "10.0.0.0/16", "10.1.0.0/16",
                         "10.255.255.0/24", "10.255.255.255/32", "9.255.255.0/24", "11.0.0.0/8"},
                        {seq({65001})}));
  rib.apply(0, announce({"::/0", "2001:db8::/31", "2001:db8::/32", "2001:db8::/48",
                         "2001:db8:ffff::/48", "2001:db9::/32", "2001:db7:ffff::/48"},
                        {seq({65001})}));
  struct Case {
    const char* name;
    std::string query;
    bool more;
    std::vector<std::string> want;
  };
  const Case cases[] = {
      {"v4 /8 and its more-specifics", "10.0.0.0/8", true,
       {"10.0.0.0/8", "10.0.0.0/16", "10.1.0.0/16", "10.255.255.0/24", "10.255.255.255/32"}},
      {"v4 exact", "10.0.0.0/8", false, {"10.0.0.0/8"}},
      {"v4 /16 excludes its covering /8 and /7", "10.0.0.0/16", true, {"10.0.0.0/16"}},
      {"v4 last address", "10.255.255.255/32", true, {"10.255.255.255/32"}},
      {"v4 no match", "12.0.0.0/8", true, {}},
      {"v4 exact absent", "10.2.0.0/16", false, {}},
      {"v4 whole space", "0.0.0.0/0", true,
       {"0.0.0.0/0", "9.255.255.0/24", "10.0.0.0/7", "10.0.0.0/8", "10.0.0.0/16", "10.1.0.0/16",
        "10.255.255.0/24", "10.255.255.255/32", "11.0.0.0/8"}},
      {"v6 /32", "2001:db8::/32", true, {"2001:db8::/32", "2001:db8::/48", "2001:db8:ffff::/48"}},
      {"v6 exact", "2001:db8::/48", false, {"2001:db8::/48"}},
      {"v6 whole space", "::/0", true,
       {"::/0", "2001:db7:ffff::/48", "2001:db8::/31", "2001:db8::/32", "2001:db8::/48",
        "2001:db8:ffff::/48", "2001:db9::/32"}},
  };
  for (const Case& c : cases) {
    bool truncated = true;
    auto got = rib.routes(P(c.query), c.more, std::nullopt, 100, &truncated);
    EXPECT_EQ(names(got), c.want) << c.name;
    EXPECT_FALSE(truncated) << c.name;
  }
}

TEST(Routes, LimitTruncatedAndPeerFilter) {
  AdjRibIn rib(kLocalAs);
  for (PeerIndex peer : {2, 1, 3}) {
    rib.apply(peer, announce({"10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"}, {seq({65000u + peer})}));
  }
  bool truncated = false;
  auto got = rib.routes(P("10.0.0.0/16"), true, std::nullopt, 4, &truncated);
  EXPECT_EQ(names(got), (std::vector<std::string>{"10.0.0.0/24@1", "10.0.0.0/24@2", "10.0.0.0/24@3",
                                                  "10.0.1.0/24@1"}));
  EXPECT_TRUE(truncated);
  got = rib.routes(P("10.0.0.0/16"), true, 2, 3, &truncated);
  EXPECT_EQ(names(got),
            (std::vector<std::string>{"10.0.0.0/24@2", "10.0.1.0/24@2", "10.0.2.0/24@2"}));
  EXPECT_FALSE(truncated) << "exactly the limit matched";
  got = rib.routes(P("10.0.0.0/16"), true, 9, 3, &truncated);
  EXPECT_TRUE(got.empty());
  EXPECT_FALSE(truncated);
  got = rib.routes(P("10.0.0.0/16"), true, std::nullopt, 0, &truncated);
  EXPECT_TRUE(got.empty());
  EXPECT_TRUE(truncated);

  rib.apply(1, announce({"2001:db8::/32"}, {seq({65001})}));
  got = rib.all_routes(std::nullopt, 9, &truncated);
  EXPECT_EQ(got.size(), 9u);
  EXPECT_TRUE(truncated) << "the IPv6 route did not fit";
  got = rib.all_routes(1, 100, &truncated);
  EXPECT_EQ(names(got), (std::vector<std::string>{"10.0.0.0/24@1", "10.0.1.0/24@1", "10.0.2.0/24@1",
                                                  "2001:db8::/32@1"}));
  EXPECT_FALSE(truncated);
}

// ---- paths, peers, stale routes ----------------------------------------------

TEST(Paths, SharedAndReleased) {
  AdjRibIn rib(kLocalAs);
  rib.apply(1, announce({"10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"}, {seq({65001})}));
  EXPECT_EQ(rib.path_count(), 1u);
  rib.apply(2, announce({"10.0.0.0/24", "10.0.3.0/24"}, {seq({65001})}));
  EXPECT_EQ(rib.path_count(), 1u) << "same attributes from another peer share the path";
  rib.apply(1, announce({"10.0.0.0/24"}, {seq({65001})}, "192.0.2.99"));
  EXPECT_EQ(rib.path_count(), 2u) << "another next hop is another path";
  rib.apply(1, announce({"2001:db8::/32"}, {seq({65001})}));
  EXPECT_EQ(rib.path_count(), 3u);
  size_t full = rib.memory_bytes();
  rib.apply(1, withdraw({"10.0.0.0/24", "2001:db8::/32"}));
  EXPECT_EQ(rib.path_count(), 1u);
  rib.apply(1, withdraw({"10.0.1.0/24", "10.0.2.0/24"}));
  rib.apply(2, withdraw({"10.0.0.0/24", "10.0.3.0/24"}));
  EXPECT_EQ(rib.path_count(), 0u);
  EXPECT_EQ(rib.size(), 0u);
  EXPECT_LT(rib.memory_bytes(), full);
}

// The path fields of the route for `prefix` from `peer`, for comparing paths.
RouteEntry path_of(const AdjRibIn& rib, PeerIndex peer, const std::string& prefix) {
  auto r = rib.routes(P(prefix), false, peer, 1);
  EXPECT_EQ(r.size(), 1u) << prefix;
  if (r.empty()) return {};
  r[0].prefix = Prefix();
  return r[0];
}

// Every stored field tells paths apart, whether the lookup repeats the
// previous one or goes through the index; the encodings the RIB does not
// distinguish (no ORIGIN and IGP, no AS_PATH and an empty one) share a path.
TEST(Paths, EveryStoredFieldTellsPathsApart) {
  struct Case {
    std::string name;
    void (*change)(Update&);
    bool same;
  };
  const std::vector<Case> cases = {
      {"origin", [](Update& u) { u.attributes.origin = Origin::kEgp; }, false},
      {"no origin is IGP", [](Update& u) { u.attributes.origin.reset(); }, true},
      {"next hop", [](Update& u) { u.attributes.next_hop = A("192.0.2.2"); }, false},
      {"med", [](Update& u) { u.attributes.med = 5; }, false},
      {"med 0", [](Update& u) { u.attributes.med = 0; }, false},
      {"local pref", [](Update& u) { u.attributes.local_pref = 5; }, false},
      {"local pref in place of med",
       [](Update& u) {
         u.attributes.med.reset();
         u.attributes.local_pref = 7;
       },
       false},
      {"last asn", [](Update& u) { u.attributes.as_path->back().asns.back() = 65009; }, false},
      {"segment type", [](Update& u) { u.attributes.as_path->back().type = AsPathSegment::Type::kSet; }, false},
      {"longer path", [](Update& u) { u.attributes.as_path->back().asns.push_back(1); }, false},
      {"empty segment", [](Update& u) { u.attributes.as_path->push_back(seq({})); }, false},
      {"split segment",
       [](Update& u) { u.attributes.as_path = std::vector<AsPathSegment>{seq({65001}), seq({3356})}; },
       false},
      {"no as path", [](Update& u) { u.attributes.as_path.reset(); }, false},
      {"community", [](Update& u) { u.attributes.communities.push_back(0xfde80002); }, false},
      {"community order",
       [](Update& u) { std::swap(u.attributes.communities[0], u.attributes.communities[1]); }, false},
      {"large community", [](Update& u) { u.attributes.large_communities.push_back({1, 2, 3}); }, false},
      {"aggregator not kept", [](Update& u) { u.attributes.aggregator = Aggregator{65001, A("192.0.2.7")}; }, true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Update base = announce({"10.0.0.0/24"}, {seq({65001, 3356})});
    base.attributes.med = 7;
    base.attributes.communities = {0xfde80001, 0xfde80003};
    Update other = base;
    c.change(other);
    other.nlri = {P("10.0.1.0/24")};
    Update base_again = base;
    base_again.nlri = {P("10.0.2.0/24")};
    Update other_again = other;
    other_again.nlri = {P("10.0.3.0/24")};
    AdjRibIn rib(kLocalAs);
    for (const Update& u : {base, other, base_again, other_again}) rib.apply(1, u);
    EXPECT_EQ(rib.path_count(), c.same ? 1u : 2u);
    EXPECT_EQ(path_of(rib, 1, "10.0.2.0/24"), path_of(rib, 1, "10.0.0.0/24"));
    EXPECT_EQ(path_of(rib, 1, "10.0.3.0/24"), path_of(rib, 1, "10.0.1.0/24"));
    EXPECT_EQ(path_of(rib, 1, "10.0.1.0/24") == path_of(rib, 1, "10.0.0.0/24"), c.same);
  }
  // Empty AS_PATH and none: one path (both originate in the local AS).
  AdjRibIn rib(kLocalAs);
  Update none = announce({"10.0.0.0/24"}, {});
  none.attributes.as_path.reset();
  rib.apply(1, none);
  rib.apply(1, announce({"10.0.1.0/24"}, {}));
  EXPECT_EQ(rib.path_count(), 1u);
}

// A freed path's id is reused; a lookup repeating a freed path must not
// answer with the path now holding its id.
TEST(Paths, FreedPathIsNotFoundAgain) {
  AdjRibIn rib(kLocalAs);
  rib.apply(1, announce({"10.0.0.0/24"}, {seq({65001})}));
  rib.apply(1, withdraw({"10.0.0.0/24"}));
  EXPECT_EQ(rib.path_count(), 0u);
  rib.apply(1, announce({"10.0.1.0/24"}, {seq({65002})}));
  rib.apply(1, announce({"10.0.2.0/24"}, {seq({65001})}));
  EXPECT_EQ(rib.path_count(), 2u);
  EXPECT_EQ(path_of(rib, 1, "10.0.1.0/24").origin_as, 65002u);
  EXPECT_EQ(path_of(rib, 1, "10.0.2.0/24").origin_as, 65001u);
  // The previous lookup's path freed by a replacement, then sent again.
  rib.apply(1, announce({"10.0.2.0/24"}, {seq({65003})}));
  rib.apply(1, announce({"10.0.3.0/24"}, {seq({65001})}));
  EXPECT_EQ(rib.path_count(), 3u);
  EXPECT_EQ(path_of(rib, 1, "10.0.3.0/24").origin_as, 65001u);
  EXPECT_EQ(path_of(rib, 1, "10.0.2.0/24").origin_as, 65003u);
}

// Many paths (index growth, and deletions that shift probe runs back) stay
// findable and distinct.
TEST(Paths, ManyPathsGrowAndShrink) {
  AdjRibIn rib(kLocalAs);
  const uint32_t n = 5000;
  auto prefix = [](uint32_t i) {
    return std::to_string(10 + i / 65536) + "." + std::to_string(i / 256 % 256) + "." +
           std::to_string(i % 256) + ".0/24";
  };
  for (uint32_t i = 0; i < n; ++i) rib.apply(1, announce({prefix(i)}, {seq({65001, i + 1})}));
  EXPECT_EQ(rib.path_count(), n);
  for (uint32_t i = 0; i < n; i += 2) rib.apply(1, withdraw({prefix(i)}));
  EXPECT_EQ(rib.path_count(), n / 2);
  for (uint32_t i = 1; i < n; i += 2) rib.apply(2, announce({prefix(i)}, {seq({65001, i + 1})}));
  EXPECT_EQ(rib.path_count(), n / 2) << "the odd paths are shared, not stored again";
  for (uint32_t i = 1; i < n; i += 2) EXPECT_EQ(path_of(rib, 2, prefix(i)).origin_as, i + 1);
}

TEST(Peers, RemovePeer) {
  AdjRibIn rib(kLocalAs);
  rib.apply(1, announce({"10.0.0.0/24", "10.0.1.0/24", "2001:db8::/32"}, {seq({65001})}));
  rib.apply(2, announce({"10.0.0.0/24"}, {seq({65002})}));
  EXPECT_EQ(rib.remove_peer(1), 3u);
  EXPECT_EQ(rib.count(1), 0u);
  EXPECT_EQ(rib.count(2), 1u);
  EXPECT_EQ(rib.path_count(), 1u);
  EXPECT_EQ(names(rib.all_routes(std::nullopt, 10)), (std::vector<std::string>{"10.0.0.0/24@2"}));
  EXPECT_EQ(rib.remove_peer(1), 0u);
  EXPECT_EQ(rib.remove_peer(2), 1u);
  EXPECT_EQ(rib.path_count(), 0u);
}

TEST(Peers, StaleMarkAndSweep) {
  AdjRibIn rib(kLocalAs);
  rib.apply(1, announce({"10.0.0.0/24", "10.0.1.0/24", "2001:db8::/32", "2001:db9::/32"},
                        {seq({65001})}));
  rib.apply(2, announce({"10.0.0.0/24"}, {seq({65002})}));
  EXPECT_EQ(rib.mark_stale(1), 4u);
  for (const RouteEntry& r : rib.all_routes(std::nullopt, 10)) EXPECT_EQ(r.stale, r.peer == 1);
  // The restarted peer sends two routes again (RFC 4724 4.2).
  rib.apply(1, announce({"10.0.1.0/24", "2001:db8::/32"}, {seq({65001})}));
  EXPECT_EQ(rib.sweep_stale(1), 2u);
  EXPECT_EQ(names(rib.all_routes(std::nullopt, 10)),
            (std::vector<std::string>{"10.0.0.0/24@2", "10.0.1.0/24@1", "2001:db8::/32@1"}));
  for (const RouteEntry& r : rib.all_routes(std::nullopt, 10)) EXPECT_FALSE(r.stale);
  EXPECT_EQ(rib.sweep_stale(1), 0u);
  EXPECT_EQ(rib.count(1), 2u);
}

// ---- origin events -------------------------------------------------------------

struct Seen {
  OriginEvent::Kind kind;
  std::string watched, prefix;
  PeerIndex peer;
  std::optional<uint32_t> old_as, new_as;
  friend bool operator==(const Seen&, const Seen&) = default;
};

std::ostream& operator<<(std::ostream& os, const Seen& s) {
  return os << static_cast<int>(s.kind) << " " << s.watched << " " << s.prefix << "@" << s.peer
            << " " << s.old_as.value_or(0) << "->" << s.new_as.value_or(0);
}

class Events : public ::testing::Test {
 protected:
  void SetUp() override {
    rib_.set_listener([this](const OriginEvent& e) {
      seen_.push_back({e.kind, e.watched.to_string(), e.prefix.to_string(), e.peer, e.old_origin_as,
                       e.new_origin_as});
    });
  }
  std::vector<Seen> take() { return std::exchange(seen_, {}); }

  AdjRibIn rib_{kLocalAs};
  std::vector<Seen> seen_;
};

using K = OriginEvent::Kind;

TEST_F(Events, AddedChangedWithdrawn) {
  rib_.watch(P("10.0.0.0/8"));
  rib_.apply(1, announce({"10.1.0.0/16", "11.0.0.0/8", "0.0.0.0/0"}, {seq({65001})}));
  EXPECT_EQ(take(), (std::vector<Seen>{{K::kAdded, "10.0.0.0/8", "10.1.0.0/16", 1, {}, 65001}}));
  Update same_origin = announce({"10.1.0.0/16"}, {seq({65009, 65001})});
  same_origin.attributes.med = 5;
  rib_.apply(1, same_origin);
  EXPECT_TRUE(take().empty()) << "origin AS unchanged";
  rib_.apply(1, announce({"10.1.0.0/16"}, {seq({65001, 65002})}));
  EXPECT_EQ(take(), (std::vector<Seen>{{K::kChanged, "10.0.0.0/8", "10.1.0.0/16", 1, 65001, 65002}}));
  rib_.apply(1, announce({"10.1.0.0/16"}, {set({65001, 65002})}));
  EXPECT_EQ(take(), (std::vector<Seen>{{K::kChanged, "10.0.0.0/8", "10.1.0.0/16", 1, 65002, {}}}));
  rib_.apply(1, withdraw({"10.1.0.0/16", "11.0.0.0/8"}));
  EXPECT_EQ(take(), (std::vector<Seen>{{K::kWithdrawn, "10.0.0.0/8", "10.1.0.0/16", 1, {}, {}}}));
}

TEST_F(Events, MultipleWatchesAndUnwatch) {
  rib_.watch(P("10.0.0.0/8"));
  rib_.watch(P("10.1.0.0/16"));
  rib_.watch(P("10.1.0.0/16"));  // idempotent
  rib_.watch(P("10.2.0.0/16"));
  rib_.apply(2, announce({"10.1.2.0/24"}, {seq({65001})}));
  EXPECT_EQ(take(), (std::vector<Seen>{{K::kAdded, "10.0.0.0/8", "10.1.2.0/24", 2, {}, 65001},
                                       {K::kAdded, "10.1.0.0/16", "10.1.2.0/24", 2, {}, 65001}}));
  rib_.apply(2, announce({"10.1.0.0/16"}, {seq({65001})}));
  EXPECT_EQ(take().size(), 2u) << "a watched prefix itself is reported";
  rib_.unwatch(P("10.0.0.0/8"));
  rib_.apply(2, withdraw({"10.1.2.0/24"}));
  EXPECT_EQ(take(), (std::vector<Seen>{{K::kWithdrawn, "10.1.0.0/16", "10.1.2.0/24", 2, 65001, {}}}));
  rib_.unwatch(P("10.1.0.0/16"));
  rib_.apply(2, withdraw({"10.1.0.0/16"}));
  EXPECT_TRUE(take().empty());
}

TEST_F(Events, RemovePeerAndSweepStale) {
  rib_.watch(P("2001:db8::/32"));
  rib_.watch(P("10.0.0.0/8"));
  rib_.apply(1, announce({"2001:db8:1::/48", "2001:db8:2::/48", "10.0.0.0/24"}, {seq({65001})}));
  EXPECT_EQ(take().size(), 3u);
  rib_.mark_stale(1);
  rib_.apply(1, announce({"2001:db8:1::/48"}, {seq({65001})}));
  EXPECT_TRUE(take().empty()) << "stale mark cleared, origin unchanged";
  rib_.sweep_stale(1);
  EXPECT_EQ(take(),
            (std::vector<Seen>{{K::kWithdrawn, "10.0.0.0/8", "10.0.0.0/24", 1, 65001, {}},
                               {K::kWithdrawn, "2001:db8::/32", "2001:db8:2::/48", 1, 65001, {}}}));
  rib_.remove_peer(1);
  EXPECT_EQ(take(), (std::vector<Seen>{
                        {K::kWithdrawn, "2001:db8::/32", "2001:db8:1::/48", 1, 65001, {}}}));
}

// ---- against a reference model ---------------------------------------------------

struct ModelRoute {
  std::vector<AsPathSegment> path;
  IpAddress next_hop;
  bool stale = false;
};
using Model = std::map<std::pair<Prefix, PeerIndex>, ModelRoute>;

TEST(Randomized, MatchesReferenceModel) {
  std::mt19937_64 rng(20240601);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  // A small universe of nested prefixes so announcements collide often.
  std::vector<Prefix> universe;
  for (int i = 0; i < 3000; ++i) {
    int len4 = 8 + static_cast<int>(pick(25));
    universe.push_back(Prefix::containing(IpAddress::v4(0x0a000000u | (rng() & 0x3ffff)), len4));
    int len6 = 32 + static_cast<int>(pick(33));
    u128 addr = (u128{0x20010db8} << 96) | (u128{rng() & 0xfffff} << 64);
    universe.push_back(Prefix::containing(IpAddress::v6(addr), len6));
  }
  AdjRibIn rib(kLocalAs);
  Model model;
  size_t largest = 0;
  for (int step = 0; step < 6000; ++step) {
    PeerIndex peer = static_cast<PeerIndex>(1 + pick(3));
    int op = static_cast<int>(pick(600));
    if (op == 0) {
      size_t n = 0;
      for (auto it = model.begin(); it != model.end();) {
        if (it->first.second == peer) { it = model.erase(it); n++; } else { ++it; }
      }
      ASSERT_EQ(rib.remove_peer(peer), n);
      continue;
    }
    if (op == 1) {
      size_t n = 0;
      for (auto& [k, r] : model) if (k.second == peer) { r.stale = true; n++; }
      ASSERT_EQ(rib.mark_stale(peer), n);
      continue;
    }
    if (op == 2) {
      size_t n = 0;
      for (auto it = model.begin(); it != model.end();) {
        if (it->first.second == peer && it->second.stale) { it = model.erase(it); n++; } else { ++it; }
      }
      ASSERT_EQ(rib.sweep_stale(peer), n);
      continue;
    }
    Update u;
    u.attributes = attrs({seq({65000u + static_cast<uint32_t>(pick(5)), 64500u + static_cast<uint32_t>(pick(7))})});
    u.attributes.next_hop = IpAddress::v4(0xc0000200u + static_cast<uint32_t>(pick(3)));
    IpAddress hop6 = IpAddress::v6((u128{0x20010db8} << 96) | pick(3));
    u.attributes.mp_reach = MpReach{{Afi::kIpv6, Safi::kUnicast}, {hop6}, {}};
    u.attributes.mp_unreach = MpUnreach{{Afi::kIpv6, Safi::kUnicast}, {}};
    for (size_t i = pick(4); i > 0; --i) {
      Prefix p = universe[pick(universe.size())];
      (p.family() == Family::kV4 ? u.withdrawn : u.attributes.mp_unreach->withdrawn).push_back(p);
    }
    for (size_t i = pick(12); i > 0; --i) {
      Prefix p = universe[pick(universe.size())];
      (p.family() == Family::kV4 ? u.nlri : u.attributes.mp_reach->nlri).push_back(p);
    }
    uint32_t withdrawn = 0;
    for (const Prefix& p : u.withdrawn) withdrawn += static_cast<uint32_t>(model.erase({p, peer}));
    for (const Prefix& p : u.attributes.mp_unreach->withdrawn) withdrawn += static_cast<uint32_t>(model.erase({p, peer}));
    for (const Prefix& p : u.nlri) model[{p, peer}] = {*u.attributes.as_path, *u.attributes.next_hop, false};
    for (const Prefix& p : u.attributes.mp_reach->nlri) model[{p, peer}] = {*u.attributes.as_path, hop6, false};
    ASSERT_EQ(rib.apply(peer, u).withdrawn, withdrawn);
    ASSERT_EQ(rib.size(), model.size());
    largest = std::max(largest, model.size());

    if (step % 20 != 0) continue;
    // Compare a random query against the model.
    Prefix base = universe[pick(universe.size())];
    Prefix q = base.supernet(static_cast<int>(pick(static_cast<size_t>(base.length()) + 1)));
    bool more = pick(4) != 0;
    std::optional<PeerIndex> only;
    if (pick(3) == 0) only = static_cast<PeerIndex>(1 + pick(3));
    size_t limit = pick(4) == 0 ? 1 + pick(20) : 100000;
    std::vector<std::tuple<Prefix, PeerIndex, std::vector<AsPathSegment>, IpAddress, bool>> want;
    bool want_truncated = false;
    for (const auto& [k, r] : model) {
      if (!(more ? q.contains(k.first) : q == k.first)) continue;
      if (only && k.second != *only) continue;
      if (want.size() == limit) { want_truncated = true; break; }
      want.emplace_back(k.first, k.second, r.path, r.next_hop, r.stale);
    }
    bool truncated = false;
    auto got = rib.routes(q, more, only, limit, &truncated);
    std::vector<std::tuple<Prefix, PeerIndex, std::vector<AsPathSegment>, IpAddress, bool>> have;
    for (const RouteEntry& r : got) have.emplace_back(r.prefix, r.peer, r.as_path, r.next_hop, r.stale);
    ASSERT_EQ(have, want) << "step " << step << " query " << q.to_string();
    ASSERT_EQ(truncated, want_truncated);
    std::set<std::string> paths;
    size_t per_peer[4] = {};
    for (const auto& [k, r] : model) {
      std::string key = r.next_hop.to_string();
      for (const AsPathSegment& seg : r.path) {
        for (uint32_t asn : seg.asns) key += " " + std::to_string(asn);
      }
      paths.insert(key);
      per_peer[k.second]++;
    }
    ASSERT_EQ(rib.path_count(), paths.size());
    for (PeerIndex p = 1; p <= 3; ++p) ASSERT_EQ(rib.count(p), per_peer[p]);
  }
  EXPECT_GT(largest, 3000u) << "the test should exercise many blocks";
}

}  // namespace
}  // namespace byoipd::bgp
