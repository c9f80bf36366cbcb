#include "byoipd/rpki/vrp_table.h"
#include "byoipd/rpki/vrp_set.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

namespace byoipd::rpki {
namespace {

Prefix P(const std::string& text) {
  auto p = Prefix::parse(text);
  EXPECT_TRUE(p.ok()) << text;
  return p.ok() ? *p : Prefix();
}

// "10.0.0.0/16-24 AS65001 @1" in the table below is V("10.0.0.0/16", 24, 65001, 1).
Vrp V(const std::string& prefix, int max_length, uint32_t asn, SourceId source = 1) {
  return Vrp{P(prefix), static_cast<uint8_t>(max_length), asn, source};
}

VrpTable table_of(std::vector<Vrp> vrps) {
  auto t = VrpTable::build(std::move(vrps));
  EXPECT_TRUE(t.ok()) << t.status().to_string();
  return t.ok() ? std::move(*t) : VrpTable();
}

constexpr std::optional<uint32_t> kNone = std::nullopt;

struct Case {
  const char* name;
  std::vector<Vrp> vrps;
  const char* route;
  std::optional<uint32_t> origin;
  Validation::State want;
  std::vector<Verdict> want_verdicts;  // of the covering VRPs, least specific first
};

// RFC 6811 section 2.
const std::vector<Case>& cases() {
  static const std::vector<Case> kCases = {
      {"exact match", {V("192.0.2.0/24", 24, 64496)}, "192.0.2.0/24", 64496,
       Validation::kValid, {Verdict::kMatched}},
      {"within max length", {V("192.0.2.0/23", 24, 64496)}, "192.0.3.0/24", 64496,
       Validation::kValid, {Verdict::kMatched}},
      {"max length exceeded", {V("192.0.2.0/24", 24, 64496)}, "192.0.2.128/25", 64496,
       Validation::kInvalid, {Verdict::kMaxLengthExceeded}},
      {"covered by another AS", {V("192.0.2.0/24", 24, 64496)}, "192.0.2.0/24", 64497,
       Validation::kInvalid, {Verdict::kOtherOrigin}},
      {"AS0 VRP never matches", {V("192.0.2.0/24", 32, 0)}, "192.0.2.0/24", 0,
       Validation::kInvalid, {Verdict::kAs0}},
      {"AS0 VRP beside a matching one", {V("192.0.2.0/24", 24, 0), V("192.0.2.0/24", 24, 64496)},
       "192.0.2.0/24", 64496, Validation::kValid, {Verdict::kAs0, Verdict::kMatched}},
      {"IPv6 exact match", {V("2001:db8::/32", 48, 64496)}, "2001:db8:1::/48", 64496,
       Validation::kValid, {Verdict::kMatched}},
      {"IPv6 max length exceeded", {V("2001:db8::/32", 48, 64496)}, "2001:db8:1:2::/64", 64496,
       Validation::kInvalid, {Verdict::kMaxLengthExceeded}},
      {"IPv6 long prefixes", {V("2001:db8::1:0/112", 128, 64496)}, "2001:db8::1:5/128", 64496,
       Validation::kValid, {Verdict::kMatched}},
      {"IPv6 route beside the VRP", {V("2001:db8::1:0/112", 128, 64496)}, "2001:db8::2:0/112",
       64496, Validation::kNotFound, {}},
      {"multiple covering, one matching",
       {V("10.0.0.0/8", 8, 64500), V("10.1.0.0/16", 24, 64501), V("10.1.2.0/24", 24, 64502)},
       "10.1.2.0/24", 64501, Validation::kValid,
       {Verdict::kOtherOrigin, Verdict::kMatched, Verdict::kOtherOrigin}},
      {"multiple covering, none matching",
       {V("10.0.0.0/8", 8, 64500), V("10.1.0.0/16", 20, 64501)}, "10.1.2.0/24", 64501,
       Validation::kInvalid, {Verdict::kOtherOrigin, Verdict::kMaxLengthExceeded}},
      {"origin NONE (AS_SET) never matches", {V("192.0.2.0/24", 24, 64496)}, "192.0.2.0/24",
       kNone, Validation::kInvalid, {Verdict::kNoOrigin}},
      {"origin NONE, not covered", {V("192.0.2.0/24", 24, 64496)}, "198.51.100.0/24", kNone,
       Validation::kNotFound, {}},
      {"less-specific VRP covers", {V("10.0.0.0/8", 24, 64496)}, "10.20.30.0/24", 64496,
       Validation::kValid, {Verdict::kMatched}},
      {"route shorter than the VRP is not covered", {V("192.0.2.0/24", 24, 64496)},
       "192.0.0.0/16", 64497, Validation::kNotFound, {}},
      {"sibling VRPs do not cover", {V("10.1.0.0/16", 16, 1), V("10.3.0.0/16", 16, 1)},
       "10.2.0.0/16", 1, Validation::kNotFound, {}},
      {"deep sibling before the route", {V("10.0.0.0/8", 8, 1), V("10.1.255.0/24", 24, 2)},
       "10.2.0.0/16", 3, Validation::kInvalid, {Verdict::kOtherOrigin}},
      {"IPv4 /0 VRP covers everything", {V("0.0.0.0/0", 32, 64496)}, "203.0.113.7/32", 64496,
       Validation::kValid, {Verdict::kMatched}},
      {"IPv4 /0 VRP max length 0", {V("0.0.0.0/0", 0, 64496)}, "203.0.113.0/24", 64496,
       Validation::kInvalid, {Verdict::kMaxLengthExceeded}},
      {"IPv6 ::/0 AS0", {V("::/0", 128, 0)}, "2001:db8::/32", 64496, Validation::kInvalid,
       {Verdict::kAs0}},
      {"families do not mix", {V("0.0.0.0/0", 32, 64496)}, "2001:db8::/32", 64496,
       Validation::kNotFound, {}},
      {"same VRP from two sources", {V("192.0.2.0/24", 24, 64496, 1), V("192.0.2.0/24", 24, 64496, 2)},
       "192.0.2.0/24", 64496, Validation::kValid, {Verdict::kMatched, Verdict::kMatched}},
      {"empty table", {}, "192.0.2.0/24", 64496, Validation::kNotFound, {}},
  };
  return kCases;
}

TEST(VrpTableTest, ValidationCases) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    // Bulk-built, and built one announcement at a time (the delta path).
    VrpTable bulk = table_of(c.vrps);
    VrpTable incremental;
    for (const Vrp& v : c.vrps) ASSERT_TRUE(incremental.add(v).ok()) << v.to_string();
    for (const VrpTable* t : {&bulk, &incremental}) {
      Validation got = t->validate(P(c.route), c.origin);
      EXPECT_EQ(state_name(got.state), state_name(c.want));
      EXPECT_EQ(state_name(t->validate_state(P(c.route), c.origin)), state_name(c.want));
      std::vector<Verdict> verdicts;
      for (const CoveringVrp& cv : got.covering) verdicts.push_back(cv.verdict);
      EXPECT_EQ(verdicts, c.want_verdicts);
    }
  }
}

TEST(VrpTableTest, CoveringListNamesTheVrps) {
  VrpTable t = table_of({V("10.0.0.0/8", 8, 64500), V("10.1.0.0/16", 24, 64501, 3)});
  Validation got = t.validate(P("10.1.2.0/24"), 64501);
  ASSERT_EQ(got.covering.size(), 2u);
  EXPECT_EQ(got.covering[0].vrp, V("10.0.0.0/8", 8, 64500));
  EXPECT_EQ(got.covering[1].vrp, V("10.1.0.0/16", 24, 64501, 3));
  EXPECT_EQ(got.covering[1].vrp.to_string(), "10.1.0.0/16-24 AS64501 source 3");
}

TEST(VrpTableTest, TwoSourcesStayUntilBothWithdraw) {
  const Vrp a = V("192.0.2.0/24", 24, 64496, 1);
  const Vrp b = V("192.0.2.0/24", 24, 64496, 2);
  for (bool bulk : {true, false}) {
    SCOPED_TRACE(bulk ? "bulk" : "incremental");
    VrpTable t = bulk ? table_of({a, b}) : VrpTable();
    if (!bulk) {
      ASSERT_TRUE(t.add(a).ok());
      ASSERT_TRUE(t.add(b).ok());
    }
    EXPECT_EQ(t.size(), 2u);
    EXPECT_EQ(t.add(a).reason(), "duplicate-vrp");
    ASSERT_TRUE(t.remove(a).ok());
    EXPECT_EQ(t.remove(a).reason(), "unknown-vrp");
    EXPECT_FALSE(t.contains(a));
    EXPECT_TRUE(t.contains(b));
    Validation v = t.validate(P("192.0.2.0/24"), 64496);
    EXPECT_EQ(v.state, Validation::kValid);
    ASSERT_EQ(v.covering.size(), 1u);
    EXPECT_EQ(v.covering[0].vrp.source, 2);
    ASSERT_TRUE(t.remove(b).ok());
    EXPECT_EQ(t.validate_state(P("192.0.2.0/24"), 64496), Validation::kNotFound);
    EXPECT_EQ(t.size(), 0u);
    // Announced again after the withdrawal.
    ASSERT_TRUE(t.add(a).ok());
    EXPECT_EQ(t.validate_state(P("192.0.2.0/24"), 64496), Validation::kValid);
  }
}

TEST(VrpTableTest, BuildCollapsesExactDuplicates) {
  VrpTable t = table_of({V("192.0.2.0/24", 24, 1), V("192.0.2.0/24", 24, 1), V("192.0.2.0/24", 25, 1)});
  EXPECT_EQ(t.size(), 2u);
}

TEST(VrpTableTest, RefusesMaxLengthOutOfRange) {
  auto short_max = VrpTable::build({V("192.0.2.0/24", 24, 1), V("198.51.100.0/24", 23, 1)});
  ASSERT_FALSE(short_max.ok());
  EXPECT_EQ(short_max.status().reason(), "max-length-out-of-range");
  EXPECT_NE(short_max.status().message().find("198.51.100.0/24-23"), std::string::npos);
  VrpTable t;
  EXPECT_EQ(t.add(V("192.0.2.0/24", 33, 1)).reason(), "max-length-out-of-range");
  EXPECT_EQ(t.add(V("2001:db8::/32", 129, 1)).reason(), "max-length-out-of-range");
  EXPECT_TRUE(t.add(V("2001:db8::/32", 128, 1)).ok());
}

TEST(VrpTableTest, CopiesAreIndependent) {
  VrpTable a = table_of({V("192.0.2.0/24", 24, 1)});
  VrpTable b = a;
  ASSERT_TRUE(b.remove(V("192.0.2.0/24", 24, 1)).ok());
  ASSERT_TRUE(b.add(V("198.51.100.0/24", 24, 1)).ok());
  EXPECT_EQ(a.validate_state(P("192.0.2.0/24"), 1), Validation::kValid);
  EXPECT_EQ(a.validate_state(P("198.51.100.0/24"), 1), Validation::kNotFound);
  EXPECT_EQ(b.validate_state(P("192.0.2.0/24"), 1), Validation::kNotFound);
  EXPECT_EQ(b.validate_state(P("198.51.100.0/24"), 1), Validation::kValid);
}

// A brute-force RFC 6811 reference over a plain list.
struct Reference {
  std::vector<Vrp> vrps;

  bool has(const Vrp& v) const { return std::find(vrps.begin(), vrps.end(), v) != vrps.end(); }
  Validation validate(const Prefix& route, std::optional<uint32_t> origin) const {
    Validation out;
    bool matched = false;
    for (const Vrp& v : vrps) {
      if (!v.prefix.contains(route)) continue;
      Verdict verdict = v.asn == 0                         ? Verdict::kAs0
                        : !origin                          ? Verdict::kNoOrigin
                        : v.asn != *origin                 ? Verdict::kOtherOrigin
                        : route.length() > v.max_length    ? Verdict::kMaxLengthExceeded
                                                           : Verdict::kMatched;
      matched |= verdict == Verdict::kMatched;
      out.covering.push_back({v, verdict});
    }
    out.state = matched ? Validation::kValid
                : out.covering.empty() ? Validation::kNotFound
                                       : Validation::kInvalid;
    return out;
  }
};

auto covering_key(const CoveringVrp& c) {
  return std::make_tuple(c.vrp.prefix, c.vrp.max_length, c.vrp.asn, c.vrp.source, c.verdict);
}

void sort_covering(std::vector<CoveringVrp>& c) {
  std::sort(c.begin(), c.end(), [](const CoveringVrp& a, const CoveringVrp& b) {
    return covering_key(a) < covering_key(b);
  });
}

// Prefixes crowded into a small space so that they nest and collide.
class RandomVrps {
 public:
  explicit RandomVrps(uint32_t seed) : rng_(seed) {}

  Prefix prefix(Family f) {
    if (f == Family::kV4) {
      int len = pick(8, 32);
      u128 addr = (u128{10} << 24) | (rng_() & 0x000f0f0fu);  // 10.0-15.x.x, sparse low bits
      return Prefix::containing(IpAddress::v4(static_cast<uint32_t>(addr)), len);
    }
    int len = pick(0, 10) == 0 ? pick(65, 128) : pick(16, 64);
    u128 addr = (u128{0x20010db8} << 96) | (u128{rng_() & 0x000f00ffu} << 64) | (rng_() & 0x3);
    return Prefix::containing(IpAddress::v6(addr), len);
  }
  Vrp vrp() {
    Prefix p = prefix(pick(0, 3) == 0 ? Family::kV6 : Family::kV4);
    int max = pick(0, 2) == 0 ? pick(p.length(), p.width()) : p.length();
    return Vrp{p, static_cast<uint8_t>(max), static_cast<uint32_t>(pick(0, 6)),
               static_cast<SourceId>(pick(1, 3))};
  }
  std::optional<uint32_t> origin() {
    return pick(0, 9) == 0 ? std::nullopt : std::optional<uint32_t>(pick(0, 6));
  }
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

 private:
  std::mt19937 rng_;
};

void expect_same(const VrpTable& t, const Reference& ref, RandomVrps& gen, int queries) {
  for (int q = 0; q < queries; ++q) {
    Prefix route = gen.prefix(gen.pick(0, 3) == 0 ? Family::kV6 : Family::kV4);
    std::optional<uint32_t> origin = gen.origin();
    Validation want = ref.validate(route, origin);
    Validation got = t.validate(route, origin);
    ASSERT_EQ(state_name(got.state), state_name(want.state)) << route.to_string();
    ASSERT_EQ(t.validate_state(route, origin), want.state) << route.to_string();
    sort_covering(want.covering);
    sort_covering(got.covering);
    ASSERT_EQ(got.covering, want.covering) << route.to_string();
  }
}

TEST(VrpTableTest, MatchesBruteForceUnderInterleavedUpdates) {
  RandomVrps gen(20251);
  Reference ref;
  std::vector<Vrp> initial;
  for (int i = 0; i < 3000; ++i) initial.push_back(gen.vrp());
  VrpTable t = table_of(initial);
  for (const Vrp& v : initial) {
    if (!ref.has(v)) ref.vrps.push_back(v);
  }
  ASSERT_EQ(t.size(), ref.vrps.size());
  expect_same(t, ref, gen, 2000);

  // Enough updates to cross the compaction threshold several times.
  for (int round = 0; round < 6; ++round) {
    for (int i = 0; i < 1500; ++i) {
      if (gen.pick(0, 1) == 0 && !ref.vrps.empty()) {
        size_t k = static_cast<size_t>(gen.pick(0, static_cast<int>(ref.vrps.size()) - 1));
        ASSERT_TRUE(t.remove(ref.vrps[k]).ok()) << ref.vrps[k].to_string();
        ref.vrps.erase(ref.vrps.begin() + static_cast<ptrdiff_t>(k));
      } else {
        Vrp v = gen.vrp();
        Status s = t.add(v);
        ASSERT_EQ(s.ok(), !ref.has(v)) << v.to_string() << ": " << s.to_string();
        if (s.ok()) ref.vrps.push_back(v);
      }
    }
    ASSERT_EQ(t.size(), ref.vrps.size());
    expect_same(t, ref, gen, 1000);
    if (round == 3) t.compact();
  }

  std::vector<Vrp> listed;
  t.for_each([&](const Vrp& v) { listed.push_back(v); });
  auto by_key = [](const Vrp& a, const Vrp& b) {
    return std::tie(a.prefix, a.max_length, a.asn, a.source) <
           std::tie(b.prefix, b.max_length, b.asn, b.source);
  };
  std::sort(listed.begin(), listed.end(), by_key);
  std::sort(ref.vrps.begin(), ref.vrps.end(), by_key);
  EXPECT_EQ(listed, ref.vrps);
}

TEST(VrpStoreTest, StartsEmpty) {
  VrpStore store;
  ASSERT_NE(store.current(), nullptr);
  EXPECT_EQ(store.current()->size(), 0u);
  store.swap(nullptr);
  EXPECT_EQ(store.current()->size(), 0u);
}

TEST(VrpStoreTest, ReadersSeeWholeSetsOnly) {
  // Set k holds k VRPs for 10.k.0.0/16 .. and nothing else; a reader that
  // saw half a set would find a count that does not match its contents.
  auto make_set = [](int k) {
    std::vector<Vrp> vrps;
    for (int i = 0; i < 200; ++i) {
      vrps.push_back(Vrp{Prefix::containing(IpAddress::v4((10u << 24) | (uint32_t(i) << 8)), 24),
                         24, static_cast<uint32_t>(k), 1});
    }
    auto t = VrpTable::build(std::move(vrps));
    return std::make_shared<const VrpTable>(std::move(*t));
  };
  VrpStore store;
  store.swap(make_set(1));
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0};
  std::thread reader([&] {
    while (!stop.load()) {
      std::shared_ptr<const VrpTable> snap = store.current();
      Validation first = snap->validate(P("10.0.0.0/24"), std::nullopt);
      uint32_t k = first.covering.empty() ? 0 : first.covering[0].vrp.asn;
      for (int i = 0; i < 200; i += 37) {
        Prefix p = Prefix::containing(IpAddress::v4((10u << 24) | (uint32_t(i) << 8)), 24);
        if (snap->validate_state(p, k) != Validation::kValid) ++torn;
      }
    }
  });
  for (int k = 2; k < 60; ++k) {
    store.swap(make_set(k));
    std::this_thread::yield();
  }
  stop = true;
  reader.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_EQ(store.current()->validate_state(P("10.0.5.0/24"), 59), Validation::kValid);
}

TEST(VrpStoreTest, SnapshotOutlivesSwap) {
  VrpStore store;
  store.swap(std::make_shared<const VrpTable>(table_of({V("192.0.2.0/24", 24, 1)})));
  std::shared_ptr<const VrpTable> old = store.current();
  store.swap(std::make_shared<const VrpTable>());
  EXPECT_EQ(old->validate_state(P("192.0.2.0/24"), 1), Validation::kValid);
  EXPECT_EQ(store.current()->validate_state(P("192.0.2.0/24"), 1), Validation::kNotFound);
}


// ---- VrpSet: one source's records, sorted once -----------------------------------

VrpKey key_of(const Vrp& v) { return VrpKey{v.prefix, v.max_length, v.asn}; }

TEST(VrpSetTest, BuilderSortsAndFindsADuplicate) {
  for (const char* p : {"10.1.0.0/16", "2001:db8::/48"}) {
    VrpSet::Builder b;
    b.add(key_of(V("10.0.0.0/8", 24, 1)));
    b.add(key_of(V(p, 48, 2)));
    b.add(key_of(V("2001:db8::/32", 48, 3)));
    b.add(key_of(V(p, 48, 2)));
    VrpSet set;
    auto duplicate = b.finish(set);
    ASSERT_TRUE(duplicate.has_value()) << p;
    EXPECT_EQ(*duplicate, key_of(V(p, 48, 2)));
    EXPECT_TRUE(set.empty());
  }
}

// A set built record by record, changed by deltas, and a VrpTable built
// from it agree with the same VRPs loaded the ordinary way.
TEST(VrpSetTest, DeltasAndTableBuildMatchTheOrdinaryPath) {
  RandomVrps gen(8210);
  std::vector<Vrp> held;
  auto has = [&](const Vrp& v) {
    return std::any_of(held.begin(), held.end(), [&](const Vrp& h) { return key_of(h) == key_of(v); });
  };
  VrpSet::Builder b;
  for (int i = 0; i < 3000; ++i) {
    Vrp v = gen.vrp();
    v.source = 9;
    if (has(v)) continue;
    held.push_back(v);
    b.add(key_of(v));
  }
  VrpSet set;
  ASSERT_FALSE(b.finish(set).has_value());
  for (int round = 0; round < 5; ++round) {
    std::vector<VrpKey> announced, withdrawn;
    for (int i = 0; i < 200 && !held.empty(); ++i) {
      size_t k = static_cast<size_t>(gen.pick(0, static_cast<int>(held.size()) - 1));
      withdrawn.push_back(key_of(held[k]));
      held.erase(held.begin() + static_cast<ptrdiff_t>(k));
    }
    for (int i = 0; i < 300; ++i) {
      Vrp v = gen.vrp();
      v.source = 9;
      bool was_withdrawn = std::find(withdrawn.begin(), withdrawn.end(), key_of(v)) != withdrawn.end();
      if (has(v) || was_withdrawn) continue;
      held.push_back(v);
      announced.push_back(key_of(v));
    }
    set = set.with_delta(announced, withdrawn);
    ASSERT_EQ(set.size(), held.size());
    for (const Vrp& v : held) ASSERT_TRUE(set.contains(key_of(v))) << v.to_string();
    for (const VrpKey& k : withdrawn) ASSERT_FALSE(set.contains(k)) << k.prefix.to_string();
  }
  EXPECT_TRUE(std::is_sorted(set.v4().begin(), set.v4().end()));
  EXPECT_TRUE(std::is_sorted(set.v6().begin(), set.v6().end()));

  auto from_set = VrpTable::build(set, 9);
  ASSERT_TRUE(from_set.ok()) << from_set.status().to_string();
  Reference ref;
  ref.vrps = held;
  ASSERT_EQ(from_set->size(), held.size());
  expect_same(*from_set, ref, gen, 3000);
  std::vector<Vrp> listed = set.to_vrps(9);
  VrpTable ordinary = table_of(listed);
  EXPECT_EQ(ordinary.memory_bytes(), from_set->memory_bytes());
}

TEST(VrpSetTest, TableBuildRefusesMaxLengthOutOfRange) {
  VrpSet::Builder b;
  b.add(VrpKey{P("10.0.0.0/16"), 8, 1});
  VrpSet set;
  ASSERT_FALSE(b.finish(set).has_value());
  auto t = VrpTable::build(set, 1);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().reason(), "max-length-out-of-range");
}

}  // namespace
}  // namespace byoipd::rpki
