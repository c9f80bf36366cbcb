// The guide's hands-on lab, steps 2 to 7 and the bottom-up teardown.
#include <gtest/gtest.h>

#include "fixture.h"

namespace byoipd::ipam {
namespace {

using namespace testing;

TEST(GuideLab, StepsTwoToSevenAndTeardown) {
  const std::string region = "eu-west-1";
  IpamEngine e;
  // Step 2: the IPAM (free tier, one operating region) and its private scope.
  auto ipam = e.create_ipam(IpamSpec{"111122223333", region, {region}, Tier::kFree, "", {}});
  ASSERT_OK(ipam);
  EXPECT_EQ(ipam->id.rfind("ipam-", 0), 0u);
  const std::string scope = ipam->private_default_scope_id;
  EXPECT_EQ(scope.rfind("ipam-scope-", 0), 0u);

  // Step 3: top pool, 10.0.0.0/16.
  PoolSpec top_spec;
  top_spec.scope_id = scope;
  auto top = e.create_pool(top_spec);
  ASSERT_OK(top);
  ASSERT_OK(e.provision_cidr(top->id, ProvisionRequest{P("10.0.0.0/16"), {}, false}));

  // Step 4: leaf pool with guardrails; provision a /20 from the top pool.
  PoolSpec leaf_spec;
  leaf_spec.scope_id = scope;
  leaf_spec.source_pool_id = top->id;
  leaf_spec.locale = region;
  leaf_spec.guardrails.default_netmask_length = 24;
  leaf_spec.guardrails.min_netmask_length = 20;
  leaf_spec.guardrails.max_netmask_length = 26;
  leaf_spec.guardrails.required_tags = {{"Environment", "lab"}};
  auto leaf = e.create_pool(leaf_spec);
  ASSERT_OK(leaf);
  auto leaf_cidr = e.provision_cidr(leaf->id, ProvisionRequest{{}, 20, false});
  ASSERT_OK(leaf_cidr);
  auto states = *e.list_pool_cidrs(leaf->id);
  ASSERT_EQ(states.size(), 1u);
  EXPECT_EQ(states[0].state, PoolCidrState::kProvisioned);
  EXPECT_EQ(states[0].cidr, P("10.0.0.0/20"));

  // Step 5: a compliant VPC draws a /24.
  AllocationRequest good;
  good.netmask_length = 24;
  good.resource = vpc("vpc-0lab1", region, {{"Environment", "lab"}}, "111122223333");
  auto drawn = e.allocate(leaf->id, good);
  ASSERT_OK(drawn);
  EXPECT_EQ(drawn->cidr, P("10.0.0.0/24"));

  // Step 6: each of these must fail, each with its own error.
  AllocationRequest untagged = good;
  untagged.resource->id = "vpc-0lab2";
  untagged.resource->tags.clear();
  refused(e.allocate(leaf->id, untagged), "missing-required-tag");
  AllocationRequest too_big = good;
  too_big.resource->id = "vpc-0lab3";
  too_big.netmask_length = 19;
  refused(e.allocate(leaf->id, too_big), "netmask-below-min");
  AllocationRequest too_small = good;
  too_small.resource->id = "vpc-0lab4";
  too_small.netmask_length = 27;
  refused(e.allocate(leaf->id, too_small), "netmask-above-max");

  // Step 7: the allocation is registered (and only that one).
  auto allocations = *e.list_allocations(leaf->id);
  ASSERT_EQ(allocations.size(), 1u);
  EXPECT_EQ(allocations[0].cidr, P("10.0.0.0/24"));
  EXPECT_EQ(allocations[0].type, AllocationType::kVpc);
  EXPECT_EQ(allocations[0].resource_owner, "111122223333");

  // Teardown in the wrong order is refused...
  refused(e.deprovision_cidr(leaf->id, leaf_cidr->cidr), "deletion-protected");
  refused(e.delete_pool(leaf->id), "deletion-protected");
  refused(e.deprovision_cidr(top->id, P("10.0.0.0/16")), "deletion-protected");
  refused(e.delete_pool(top->id), "deletion-protected");
  refused(e.delete_ipam(ipam->id), "deletion-protected");
  // ...and bottom-up succeeds.
  ASSERT_OK(e.remove_resource("vpc-0lab1"));  // delete-vpc
  ASSERT_OK(e.deprovision_cidr(leaf->id, leaf_cidr->cidr));
  ASSERT_OK(e.delete_pool(leaf->id));
  ASSERT_OK(e.deprovision_cidr(top->id, P("10.0.0.0/16")));
  ASSERT_OK(e.delete_pool(top->id));
  ASSERT_OK(e.delete_ipam(ipam->id));
  EXPECT_TRUE(e.list_ipams().empty());
}

}  // namespace
}  // namespace byoipd::ipam
