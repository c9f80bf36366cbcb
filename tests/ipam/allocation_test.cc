// Allocations: guardrails (each seen to reject), order, preview, constraints,
// specific CIDRs and release.
#include <gtest/gtest.h>

#include "fixture.h"

namespace byoipd::ipam {
namespace {

using namespace testing;

// The guide's leaf pool: locale eu-west-1, /20../26, default /24,
// Environment=lab required. Family-generic: for IPv6 the bounds are
// shifted by 96 (/116../122, default /120).
struct Leaf {
  Estate est;
  PoolInfo pool;
  int shift;
  explicit Leaf(Family f) : est(f), shift(f == Family::kV4 ? 0 : 96) {
    Guardrails g;
    g.default_netmask_length = 24 + shift;
    g.min_netmask_length = 20 + shift;
    g.max_netmask_length = 26 + shift;
    g.required_tags = {{"Environment", "lab"}};
    pool = est.child(est.top.id, 16 + shift, "eu-west-1", g);
  }
};

struct GuardrailCase {
  const char* name;
  std::optional<int> netmask;  // relative to IPv4 (shifted for IPv6)
  bool with_resource;
  Tags tags;
  std::string region;
  const char* reason;  // "" = accepted
};

class Guardrail : public ::testing::TestWithParam<Family> {};

TEST_P(Guardrail, EveryRuleIsSeenToReject) {
  const GuardrailCase cases[] = {
      {"compliant /24", 24, true, {{"Environment", "lab"}}, "eu-west-1", ""},
      {"default size when omitted", std::nullopt, true, {{"Environment", "lab"}}, "eu-west-1", ""},
      {"largest allowed /20", 20, true, {{"Environment", "lab"}}, "eu-west-1", ""},
      {"smallest allowed /26", 26, true, {{"Environment", "lab"}}, "eu-west-1", ""},
      {"untagged", 24, true, {}, "eu-west-1", "missing-required-tag"},
      {"wrong tag value", 24, true, {{"Environment", "prod"}}, "eu-west-1", "wrong-required-tag"},
      {"/19 below min", 19, true, {{"Environment", "lab"}}, "eu-west-1", "netmask-below-min"},
      {"/27 above max", 27, true, {{"Environment", "lab"}}, "eu-west-1", "netmask-above-max"},
      {"/15 below min", 15, true, {{"Environment", "lab"}}, "eu-west-1", "netmask-below-min"},
      {"region differs from locale", 24, true, {{"Environment", "lab"}}, "us-east-1",
       "locale-mismatch"},
      {"manual reservation needs no tag", 24, false, {}, "", ""},
      {"manual reservation still bounded", 27, false, {}, "", "netmask-above-max"},
  };
  Family family = GetParam();
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Leaf leaf(family);
    AllocationRequest req;
    if (c.netmask) req.netmask_length = *c.netmask + leaf.shift;
    if (c.with_resource) req.resource = vpc("vpc-1", c.region, c.tags);
    auto a = leaf.est.engine.allocate(leaf.pool.id, req);
    auto preview = leaf.est.engine.preview_allocation(leaf.pool.id, req);
    if (std::string_view(c.reason).empty()) {
      ASSERT_TRUE(a.ok()) << a.status().to_string();
      EXPECT_EQ(a->cidr.length(), c.netmask.value_or(24) + leaf.shift);
      EXPECT_EQ(a->type, c.with_resource ? AllocationType::kVpc : AllocationType::kCustom);
    } else {
      std::string msg = refused(a, c.reason);
      EXPECT_NE(msg.find(leaf.pool.id), std::string::npos) << msg;
      refused(preview, c.reason);  // preview refuses alike
    }
  }
}

INSTANTIATE_TEST_SUITE_P(BothFamilies, Guardrail, ::testing::Values(Family::kV4, Family::kV6),
                         [](const auto& info) { return std::string(family_name(info.param)); });

TEST(Allocation, MessagesNameRuleValueAndWhatIsAccepted) {
  Leaf leaf(Family::kV4);
  AllocationRequest req = by_netmask(19);
  req.resource = vpc("vpc-1", "eu-west-1", {{"Environment", "lab"}});
  std::string msg = refused(leaf.est.engine.allocate(leaf.pool.id, req), "netmask-below-min");
  for (const char* part : {"/19", "allocation_min_netmask_length is 20", "/20 to /26"}) {
    EXPECT_NE(msg.find(part), std::string::npos) << msg;
  }
  req.netmask_length = 24;
  req.resource->tags = {};
  msg = refused(leaf.est.engine.allocate(leaf.pool.id, req), "missing-required-tag");
  EXPECT_NE(msg.find("Environment=lab"), std::string::npos) << msg;
}

TEST(Allocation, LocaleFreePoolCannotServeARegionalVpc) {
  Estate est;
  AllocationRequest req = by_netmask(24);
  req.resource = vpc("vpc-1", "eu-west-1");
  std::string msg = refused(est.engine.allocate(est.top.id, req), "locale-mismatch");
  EXPECT_NE(msg.find("no locale"), std::string::npos);
  // A manual reservation from the top pool is fine.
  ASSERT_OK(est.engine.allocate(est.top.id, by_netmask(24)));
}

TEST(Allocation, LowestFreeBlockAndPreviewAgree) {
  Estate est;
  auto leaf = est.child(est.top.id, 16, std::nullopt);
  auto& e = est.engine;
  for (int i = 0; i < 50; ++i) {
    int len = 20 + (i * 7) % 9;  // a mix of /20../28
    auto preview = e.preview_allocation(leaf.id, by_netmask(len));
    ASSERT_OK(preview);
    auto a = e.allocate(leaf.id, by_netmask(len));
    ASSERT_OK(a);
    EXPECT_EQ(a->cidr, *preview) << "preview and allocate must agree";
    EXPECT_EQ(a->cidr.length(), len);
  }
  // Lowest-first: the first allocation of the leaf starts at its base.
  auto all = *e.list_allocations(leaf.id);
  EXPECT_EQ(all.front().cidr.network(), P("10.0.0.0/16").network());
}

TEST(Allocation, SpecificCidrRules) {
  Estate est;
  auto leaf = est.child(est.top.id, 16, std::nullopt);
  auto& e = est.engine;
  AllocationRequest first = by_cidr("10.0.8.0/24");
  first.description = "reserved for eks-prod secondary CIDR";
  auto a = e.allocate(leaf.id, first);
  ASSERT_OK(a);
  EXPECT_EQ(a->description, "reserved for eks-prod secondary CIDR");
  std::string msg = refused(e.allocate(leaf.id, by_cidr("10.0.8.128/25")), "cidr-already-allocated");
  EXPECT_NE(msg.find(a->id), std::string::npos) << msg;
  EXPECT_NE(msg.find("eks-prod"), std::string::npos) << msg;
  refused(e.allocate(leaf.id, by_cidr("10.0.0.0/20")), "cidr-already-allocated");
  refused(e.allocate(leaf.id, by_cidr("10.1.0.0/24")), "cidr-not-in-pool");
  refused(e.allocate(leaf.id, by_cidr("fd00::/64")), "family-mismatch");
  AllocationRequest both = by_cidr("10.0.9.0/24");
  both.netmask_length = 24;
  refused(e.allocate(leaf.id, both), "cidr-or-netmask");
  refused(e.preview_allocation(leaf.id, by_cidr("10.0.8.0/24")), "cidr-already-allocated");
  EXPECT_EQ(*e.preview_allocation(leaf.id, by_cidr("10.0.9.0/24")), P("10.0.9.0/24"));
}

TEST(Allocation, AllowedAndDisallowedCidrs) {
  Estate est;
  auto leaf = est.child(est.top.id, 16, std::nullopt);
  auto& e = est.engine;
  AllocationRequest req = by_netmask(24);
  req.allowed_cidrs = {P("10.0.128.0/17")};
  req.disallowed_cidrs = {P("10.0.128.0/23")};
  auto preview = e.preview_allocation(leaf.id, req);
  auto a = e.allocate(leaf.id, req);
  ASSERT_OK(a);
  EXPECT_EQ(a->cidr, P("10.0.130.0/24"));
  EXPECT_EQ(*preview, a->cidr);
  req.allowed_cidrs = {P("10.0.130.0/24")};
  refused(e.allocate(leaf.id, req), "insufficient-space");
  AllocationRequest with_cidr = by_cidr("10.0.5.0/24");
  with_cidr.allowed_cidrs = {P("10.0.0.0/16")};
  refused(e.allocate(leaf.id, with_cidr), "allowed-cidrs-need-netmask");
}

TEST(Allocation, InsufficientSpaceSaysTheLargestFreeBlock) {
  Estate est;
  auto leaf = est.child(est.top.id, 24, std::nullopt);
  auto& e = est.engine;
  ASSERT_OK(e.allocate(leaf.id, by_netmask(25)));
  ASSERT_OK(e.allocate(leaf.id, by_netmask(26)));
  std::string msg = refused(e.allocate(leaf.id, by_netmask(25)), "insufficient-space");
  EXPECT_NE(msg.find("largest free block is a /26"), std::string::npos) << msg;
  EXPECT_NE(msg.find("192 of 256"), std::string::npos) << msg;
  ASSERT_OK(e.allocate(leaf.id, by_netmask(26)));
  msg = refused(e.allocate(leaf.id, by_netmask(32)), "insufficient-space");
  EXPECT_NE(msg.find("full"), std::string::npos) << msg;
  PoolSpec empty_spec;
  empty_spec.scope_id = est.ipam.private_default_scope_id;
  auto empty = *e.create_pool(empty_spec);
  msg = refused(e.allocate(empty.id, by_netmask(24)), "insufficient-space");
  EXPECT_NE(msg.find("no provisioned CIDRs"), std::string::npos) << msg;
}

TEST(Allocation, ReleaseIsImmediateAndOnlyForManualReservations) {
  Estate est;
  auto leaf = est.child(est.top.id, 16, "eu-west-1");
  auto& e = est.engine;
  auto manual = *e.allocate(leaf.id, by_netmask(24));
  AllocationRequest for_vpc = by_netmask(24);
  for_vpc.resource = vpc("vpc-9", "eu-west-1");
  auto vpc_alloc = *e.allocate(leaf.id, for_vpc);
  refused(e.release_allocation(leaf.id, vpc_alloc.id), "allocation-not-releasable");
  auto parent_alloc = (*e.list_allocations(est.top.id))[0];
  refused(e.release_allocation(est.top.id, parent_alloc.id), "allocation-not-releasable");
  refused(e.release_allocation(leaf.id, manual.id, P("10.0.7.0/24")), "cidr-mismatch");
  refused(e.release_allocation(est.top.id, manual.id), "allocation-not-found");  // other pool
  ASSERT_OK(e.release_allocation(leaf.id, manual.id, manual.cidr));
  // Released means reusable now, and the old id is dead for good.
  EXPECT_EQ(*e.preview_allocation(leaf.id, by_netmask(24)), manual.cidr);
  refused(e.release_allocation(leaf.id, manual.id), "allocation-not-found");
  auto again = *e.allocate(leaf.id, by_netmask(24));
  EXPECT_EQ(again.cidr, manual.cidr);
  EXPECT_NE(again.id, manual.id);
  refused(e.describe_allocation(manual.id), "allocation-not-found");
  EXPECT_EQ(e.describe_allocation(again.id)->cidr, manual.cidr);
  refused(e.release_allocation(leaf.id, "ipam-pool-alloc-nonsense"), "allocation-not-found");
}

TEST(Allocation, ListPaginatesInAddressOrder) {
  Estate est;
  auto leaf = est.child(est.top.id, 16, std::nullopt);
  auto& e = est.engine;
  for (int i = 0; i < 10; ++i) ASSERT_OK(e.allocate(leaf.id, by_netmask(24)));
  std::vector<Prefix> seen;
  ListOptions page;
  page.limit = 3;
  while (true) {
    auto batch = *e.list_allocations(leaf.id, page);
    if (batch.empty()) break;
    for (const auto& a : batch) seen.push_back(a.cidr);
    page.after = batch.back().cidr;
  }
  ASSERT_EQ(seen.size(), 10u);
  for (size_t i = 1; i < seen.size(); ++i) EXPECT_LT(seen[i - 1], seen[i]);
}

TEST(Utilization, CountsAndThreshold) {
  Estate est;
  auto leaf = est.child(est.top.id, 24, std::nullopt);
  auto& e = est.engine;
  ASSERT_OK(e.allocate(leaf.id, by_netmask(25)));
  ASSERT_OK(e.allocate(leaf.id, by_netmask(26)));
  auto u = *e.utilization(leaf.id);
  EXPECT_EQ(u.provisioned_addresses, 256u);
  EXPECT_EQ(u.allocated_addresses, 192u);
  EXPECT_EQ(u.available_addresses, 64u);
  EXPECT_DOUBLE_EQ(u.percent, 75.0);
  EXPECT_EQ(u.allocation_count, 2u);
  EXPECT_TRUE(e.pools_at_or_above().empty());  // 75% < 80%
  ASSERT_OK(e.allocate(leaf.id, by_netmask(28)));  // 208/256 = 81.25%
  auto hot = e.pools_at_or_above();
  ASSERT_EQ(hot.size(), 1u);
  EXPECT_EQ(hot[0].pool_id, leaf.id);
  EXPECT_EQ(e.pools_at_or_above(75.0).size(), 1u);
  EXPECT_EQ(e.pools_at_or_above(0.0).size(), 2u);  // the top pool has a /24 of a /8 too
}

}  // namespace
}  // namespace byoipd::ipam
