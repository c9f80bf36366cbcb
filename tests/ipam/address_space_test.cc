// The allocation trie on its own: provisioning, lowest-first choice,
// constraints, collapse on release, and provisioned-CIDR boundaries.
#include "address_space.h"

#include <gtest/gtest.h>

#include "fixture.h"

namespace byoipd::ipam {
namespace {

using testing::P;
using Kind = AddressSpace::Blocked;

TEST(AddressSpace, EmptySpaceHasNothingFree) {
  AddressSpace s(Family::kV4);
  EXPECT_EQ(s.largest_free_length(), -1);
  EXPECT_FALSE(s.find_free(24).has_value());
  Kind b;
  EXPECT_EQ(s.claim(P("10.0.0.0/24"), 0, &b), AddressSpace::kNoSlot);
  EXPECT_EQ(b.kind, Kind::kNotProvisioned);
}

TEST(AddressSpace, LowestAlignedBlockFirst) {
  AddressSpace s(Family::kV4);
  ASSERT_EQ(s.provision(P("10.0.0.0/16")).kind, Kind::kNone);
  EXPECT_EQ(s.largest_free_length(), 16);
  // A /26 then a /24: the /24 must skip the partly used first /24.
  uint32_t a = s.claim_free(*s.find_free(26), 0);
  EXPECT_EQ(s.prefix_of(a), P("10.0.0.0/26"));
  EXPECT_EQ(*s.find_free(24), P("10.0.1.0/24"));
  EXPECT_EQ(*s.find_free(26), P("10.0.0.64/26"));
  EXPECT_EQ(*s.find_free(25), P("10.0.0.128/25"));
  EXPECT_EQ(s.largest_free_length(), 17);
}

TEST(AddressSpace, ReleaseCollapsesAndSpaceIsReusableAtOnce) {
  AddressSpace s(Family::kV4);
  s.provision(P("10.0.0.0/16"));
  std::vector<uint32_t> slots;
  for (int i = 0; i < 256; ++i) slots.push_back(s.claim_free(*s.find_free(24), 0));
  EXPECT_FALSE(s.find_free(24).has_value());
  EXPECT_EQ(s.largest_free_length(), -1);
  EXPECT_EQ(s.allocated_addresses(), s.provisioned_addresses());
  s.release(slots[17]);
  EXPECT_EQ(*s.find_free(24), P("10.0.17.0/24"));  // immediately reusable
  for (uint32_t slot : slots) {
    if (slot != slots[17]) s.release(slot);
  }
  EXPECT_EQ(s.allocation_count(), 0u);
  EXPECT_EQ(s.allocated_addresses(), 0u);
  EXPECT_EQ(s.largest_free_length(), 16);  // collapsed back to one free /16
  EXPECT_EQ(*s.find_free(16), P("10.0.0.0/16"));
  // Freed nodes and slots are recycled: filling again allocates no memory.
  size_t after_release = s.memory_bytes();
  for (int i = 0; i < 256; ++i) s.claim_free(*s.find_free(24), 0);
  EXPECT_EQ(s.memory_bytes(), after_release);
}

TEST(AddressSpace, GenerationChangesOnReuse) {
  AddressSpace s(Family::kV4);
  s.provision(P("192.0.2.0/24"));
  uint32_t a = s.claim_free(P("192.0.2.0/25"), 0);
  uint32_t gen = s.generation(a);
  s.release(a);
  EXPECT_FALSE(s.slot_live(a));
  uint32_t b = s.claim_free(P("192.0.2.0/25"), 0);
  EXPECT_EQ(a, b);  // slot reused...
  EXPECT_NE(s.generation(b), gen);  // ...under a new generation
}

TEST(AddressSpace, AdjacentProvisionedCidrsNeverMerge) {
  AddressSpace s(Family::kV4);
  s.provision(P("10.0.0.0/17"));
  s.provision(P("10.0.128.0/17"));
  EXPECT_EQ(s.largest_free_length(), 17);
  EXPECT_FALSE(s.find_free(16).has_value());
  Kind b;
  EXPECT_EQ(s.claim(P("10.0.0.0/16"), 0, &b), AddressSpace::kNoSlot);
  EXPECT_EQ(b.kind, Kind::kPartlyProvisioned);
  // Filling and emptying one half leaves both halves separate blocks.
  uint32_t x = s.claim_free(P("10.0.0.0/18"), 0);
  s.release(x);
  EXPECT_FALSE(s.find_free(16).has_value());
  EXPECT_EQ(s.deprovision(P("10.0.0.0/17")).kind, Kind::kNone);
  EXPECT_EQ(*s.find_free(17), P("10.0.128.0/17"));
}

TEST(AddressSpace, ProvisionRefusesOverlap) {
  AddressSpace s(Family::kV4);
  s.provision(P("10.0.0.0/16"));
  EXPECT_EQ(s.provision(P("10.0.1.0/24")).kind, Kind::kProvisioned);
  EXPECT_EQ(s.provision(P("10.0.0.0/8")).kind, Kind::kProvisioned);
  EXPECT_EQ(s.provision(P("10.0.0.0/16")).kind, Kind::kProvisioned);
  EXPECT_EQ(s.provisioned_addresses(), 65536u);
}

TEST(AddressSpace, DeprovisionNeedsExactFreeCidr) {
  AddressSpace s(Family::kV4);
  s.provision(P("10.0.0.0/16"));
  EXPECT_EQ(s.deprovision(P("10.0.0.0/17")).kind, Kind::kNotProvisioned);  // part of one
  EXPECT_EQ(s.deprovision(P("10.0.0.0/15")).kind, Kind::kNotProvisioned);  // bigger
  uint32_t a = s.claim_free(P("10.0.3.0/24"), 0);
  Kind b = s.deprovision(P("10.0.0.0/16"));
  EXPECT_EQ(b.kind, Kind::kAllocated);
  EXPECT_EQ(b.holder, a);
  EXPECT_EQ(b.holder_prefix, P("10.0.3.0/24"));
  s.release(a);
  EXPECT_EQ(s.deprovision(P("10.0.0.0/16")).kind, Kind::kNone);
  EXPECT_EQ(s.provisioned_addresses(), 0u);
  EXPECT_EQ(s.largest_free_length(), -1);
}

TEST(AddressSpace, ClaimNamesTheHolder) {
  AddressSpace s(Family::kV4);
  s.provision(P("10.0.0.0/16"));
  uint32_t a = s.claim_free(P("10.0.4.0/22"), 3);
  struct Case {
    const char* name;
    const char* cidr;
    Kind::Kind kind;
  } cases[] = {
      {"exact", "10.0.4.0/22", Kind::kAllocated},
      {"inside", "10.0.5.0/24", Kind::kAllocated},
      {"covering", "10.0.0.0/20", Kind::kAllocated},
      {"outside pool", "10.1.0.0/24", Kind::kNotProvisioned},
      {"straddles pool edge", "10.0.0.0/15", Kind::kAllocated},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Kind b = s.check(P(c.cidr));
    EXPECT_EQ(b.kind, c.kind);
    if (c.kind == Kind::kAllocated) {
      EXPECT_EQ(b.holder, a);
    }
  }
  EXPECT_EQ(s.check(P("10.0.8.0/22")).kind, Kind::kNone);
  EXPECT_EQ(s.type(a), 3);
}

TEST(AddressSpace, AllowedAndDisallowedConstraints) {
  AddressSpace s(Family::kV4);
  s.provision(P("10.0.0.0/16"));
  std::vector<Prefix> allowed = {P("10.0.128.0/17")};
  std::vector<Prefix> disallowed = {P("10.0.128.0/24"), P("10.0.129.0/25")};
  AllocationConstraints c{allowed, disallowed};
  EXPECT_EQ(*s.find_free(24, c), P("10.0.130.0/24"));
  EXPECT_EQ(*s.find_free(25, c), P("10.0.129.128/25"));
  std::vector<Prefix> none_left = {P("10.0.0.0/16")};
  EXPECT_FALSE(s.find_free(24, AllocationConstraints{{}, none_left}).has_value());
  std::vector<Prefix> elsewhere = {P("192.0.2.0/24")};
  EXPECT_FALSE(s.find_free(28, AllocationConstraints{elsewhere, {}}).has_value());
  // A constraint larger than the request size is satisfied by a sub-block.
  std::vector<Prefix> small_allowed = {P("10.0.7.16/28")};
  EXPECT_EQ(*s.find_free(28, AllocationConstraints{small_allowed, {}}), P("10.0.7.16/28"));
  EXPECT_FALSE(s.find_free(27, AllocationConstraints{small_allowed, {}}).has_value());
}

TEST(AddressSpace, ForEachAllocationInOrderWithCursor) {
  AddressSpace s(Family::kV6);
  s.provision(P("2001:db8::/32"));
  for (const char* c : {"2001:db8:5::/48", "2001:db8:1::/48", "2001:db8:3::/64"}) {
    s.claim_free(P(c), 0);
  }
  std::vector<std::string> seen;
  s.for_each_allocation(Prefix::root(Family::kV6), std::nullopt, [&](const Prefix& p, uint32_t) {
    seen.push_back(p.to_string());
    return true;
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"2001:db8:1::/48", "2001:db8:3::/64", "2001:db8:5::/48"}));
  seen.clear();
  s.for_each_allocation(Prefix::root(Family::kV6), P("2001:db8:1::/48"),
                        [&](const Prefix& p, uint32_t) {
                          seen.push_back(p.to_string());
                          return false;  // stop after one
                        });
  EXPECT_EQ(seen, (std::vector<std::string>{"2001:db8:3::/64"}));
}

TEST(AddressSpace, Ipv6SmallestAndLargestBlocks) {
  AddressSpace s(Family::kV6);
  s.provision(P("2001:db8::/126"));
  uint32_t a = s.claim_free(*s.find_free(128), 0);
  EXPECT_EQ(s.prefix_of(a), P("2001:db8::/128"));
  EXPECT_EQ(*s.find_free(127), P("2001:db8::2/127"));
  AddressSpace whole(Family::kV4);
  whole.provision(P("0.0.0.0/0"));
  uint32_t all = whole.claim_free(*whole.find_free(0), 0);
  EXPECT_EQ(whole.prefix_of(all), P("0.0.0.0/0"));
  EXPECT_EQ(whole.allocated_addresses(), u128(1) << 32);
  whole.release(all);
  EXPECT_EQ(whole.largest_free_length(), 0);
}

TEST(AddressSpace, SmallPoolStaysSmall) {
  // Hundreds of pools with a handful of allocations each must not cost a
  // large arena chunk apiece.
  AddressSpace s(Family::kV4);
  s.provision(P("10.0.0.0/16"));
  s.claim_free(*s.find_free(28), 0);
  EXPECT_LT(s.memory_bytes(), 64u * 1024u);
}

}  // namespace
}  // namespace byoipd::ipam
