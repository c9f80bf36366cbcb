// Pools: creation rules, provisioning, nesting, BYOIP verification states
// and deletion protection.
#include <gtest/gtest.h>

#include <functional>

#include "fixture.h"

namespace byoipd::ipam {
namespace {

using namespace testing;

struct CreateCase {
  const char* name;
  std::function<void(PoolSpec&, Estate&)> edit;
  const char* reason;  // "" = accepted
};

TEST(Pool, CreationRules) {
  const CreateCase cases[] = {
      {"locale-free child of locale-free top", [](PoolSpec&, Estate&) {}, ""},
      {"child pinned to an operating region",
       [](PoolSpec& s, Estate&) { s.locale = "us-east-1"; }, ""},
      {"locale not an operating region",
       [](PoolSpec& s, Estate&) { s.locale = "sa-east-1"; }, "locale-not-operating-region"},
      {"family differs from source", [](PoolSpec& s, Estate&) { s.family = Family::kV6; },
       "family-mismatch"},
      {"source in another scope",
       [](PoolSpec& s, Estate& e) {
         s.scope_id = e.engine.create_scope(e.ipam.id)->id;
       },
       "scope-mismatch"},
      {"unknown source pool",
       [](PoolSpec& s, Estate&) { s.source_pool_id = "ipam-pool-0123456789abcdef0"; },
       "pool-not-found"},
      {"publicly advertisable in a private scope",
       [](PoolSpec& s, Estate&) { s.publicly_advertisable = true; },
       "publicly-advertisable-private-scope"},
      {"min greater than max",
       [](PoolSpec& s, Estate&) {
         s.guardrails.min_netmask_length = 24;
         s.guardrails.max_netmask_length = 20;
       },
       "invalid-guardrails"},
      {"default outside bounds",
       [](PoolSpec& s, Estate&) {
         s.guardrails.min_netmask_length = 20;
         s.guardrails.max_netmask_length = 24;
         s.guardrails.default_netmask_length = 28;
       },
       "invalid-guardrails"},
      {"netmask beyond the family width",
       [](PoolSpec& s, Estate&) { s.guardrails.max_netmask_length = 33; },
       "invalid-netmask-length"},
      {"required tag with empty key",
       [](PoolSpec& s, Estate&) { s.guardrails.required_tags = {{"", "x"}}; }, "invalid-tag"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Estate est;
    PoolSpec spec;
    spec.scope_id = est.ipam.private_default_scope_id;
    spec.source_pool_id = est.top.id;
    c.edit(spec, est);
    auto pool = est.engine.create_pool(spec);
    if (std::string_view(c.reason).empty()) {
      EXPECT_TRUE(pool.ok()) << pool.status().to_string();
      if (pool.ok()) {
        EXPECT_EQ(pool->depth, 2);
      }
    } else {
      refused(pool, c.reason);
    }
  }
}

TEST(Pool, ChildMustMatchParentLocale) {
  Estate est;
  auto regional = est.child(est.top.id, 12, "eu-west-1");
  PoolSpec spec;
  spec.scope_id = est.ipam.private_default_scope_id;
  spec.source_pool_id = regional.id;
  spec.locale = "us-east-1";
  std::string msg = refused(est.engine.create_pool(spec), "locale-mismatch");
  EXPECT_NE(msg.find("eu-west-1"), std::string::npos);
  spec.locale.reset();  // no locale under a pinned parent is a mismatch too
  refused(est.engine.create_pool(spec), "locale-mismatch");
  spec.locale = "eu-west-1";
  ASSERT_OK(est.engine.create_pool(spec));
}

TEST(Pool, DepthIsLimitedToTen) {
  Estate est;
  std::string parent = est.top.id;
  for (int depth = 2; depth <= kMaxPoolDepth; ++depth) {
    parent = est.child(parent, 8 + depth, std::nullopt).id;
    EXPECT_EQ(est.engine.describe_pool(parent)->depth, depth);
  }
  PoolSpec spec;
  spec.scope_id = est.ipam.private_default_scope_id;
  spec.source_pool_id = parent;
  std::string msg = refused(est.engine.create_pool(spec), "pool-depth-exceeded");
  EXPECT_NE(msg.find("11"), std::string::npos);
}

TEST(Pool, TopLevelProvisioningRules) {
  Estate est;
  auto& e = est.engine;
  refused(e.provision_cidr(est.top.id, ProvisionRequest{{}, 16, false}), "top-level-needs-cidr");
  refused(e.provision_cidr(est.top.id, ProvisionRequest{P("10.0.0.0/16"), 16, false}),
          "cidr-or-netmask-required");
  refused(e.provision_cidr(est.top.id, ProvisionRequest{P("fd00::/8"), {}, false}),
          "family-mismatch");
  // Overlap in a scope is refused across pools, naming the holder.
  PoolSpec spec;
  spec.scope_id = est.ipam.private_default_scope_id;
  auto other = e.create_pool(spec);
  ASSERT_OK(other);
  for (const char* cidr : {"10.20.0.0/16", "0.0.0.0/0", "10.0.0.0/8"}) {
    SCOPED_TRACE(cidr);
    std::string msg = refused(e.provision_cidr(other->id, ProvisionRequest{P(cidr), {}, false}),
                              "overlap-in-scope");
    EXPECT_NE(msg.find(est.top.id), std::string::npos);
  }
  ASSERT_OK(e.provision_cidr(other->id, ProvisionRequest{P("172.16.0.0/12"), {}, false}));
  ASSERT_OK(e.provision_cidr(other->id, ProvisionRequest{P("11.0.0.0/8"), {}, false}));
  auto cidrs = e.list_pool_cidrs(other->id);
  ASSERT_OK(cidrs);
  ASSERT_EQ(cidrs->size(), 2u);
  EXPECT_EQ((*cidrs)[0].state, PoolCidrState::kProvisioned);
  EXPECT_EQ((*cidrs)[0].id.rfind("ipam-pool-cidr-", 0), 0u);
}

TEST(Pool, ChildCidrIsAnIpamPoolAllocationInItsParent) {
  Estate est;
  auto& e = est.engine;
  auto regional = est.child(est.top.id, 12, "eu-west-1");
  auto cidrs = *e.list_pool_cidrs(regional.id);
  ASSERT_EQ(cidrs.size(), 1u);
  EXPECT_EQ(cidrs[0].cidr, P("10.0.0.0/12"));  // lowest free /12 of 10.0.0.0/8
  auto in_parent = *e.list_allocations(est.top.id);
  ASSERT_EQ(in_parent.size(), 1u);
  EXPECT_EQ(in_parent[0].type, AllocationType::kIpamPool);
  EXPECT_EQ(in_parent[0].resource_id, regional.id);
  EXPECT_EQ(in_parent[0].cidr, P("10.0.0.0/12"));
  // Explicit child CIDRs must be inside the parent's free space.
  PoolSpec spec;
  spec.scope_id = est.ipam.private_default_scope_id;
  spec.source_pool_id = est.top.id;
  auto second = *e.create_pool(spec);
  std::string msg = refused(e.provision_cidr(second.id, ProvisionRequest{P("10.1.0.0/16"), {}, false}),
                            "cidr-already-allocated");
  EXPECT_NE(msg.find(regional.id), std::string::npos);
  refused(e.provision_cidr(second.id, ProvisionRequest{P("192.168.0.0/16"), {}, false}),
          "cidr-not-in-pool");
  ASSERT_OK(e.provision_cidr(second.id, ProvisionRequest{P("10.16.0.0/12"), {}, false}));
  // A netmask larger than the parent's free space is refused with the
  // largest free block.
  msg = refused(e.provision_cidr(second.id, ProvisionRequest{{}, 7, false}), "insufficient-space");
  EXPECT_NE(msg.find("/9"), std::string::npos) << msg;
}

TEST(Pool, ChildProvisioningObeysParentGuardrails) {
  Estate est;
  Guardrails g;
  g.min_netmask_length = 16;
  g.max_netmask_length = 20;
  auto regional = est.child(est.top.id, 12, "eu-west-1", g);
  PoolSpec spec;
  spec.scope_id = est.ipam.private_default_scope_id;
  spec.source_pool_id = regional.id;
  spec.locale = "eu-west-1";
  auto env = *est.engine.create_pool(spec);
  refused(est.engine.provision_cidr(env.id, ProvisionRequest{{}, 14, false}), "netmask-below-min");
  refused(est.engine.provision_cidr(env.id, ProvisionRequest{{}, 24, false}), "netmask-above-max");
  ASSERT_OK(est.engine.provision_cidr(env.id, ProvisionRequest{{}, 16, false}));
}

TEST(Pool, DeletionProtectionListsBlockersAndBottomUpSucceeds) {
  Estate est;
  auto& e = est.engine;
  auto leaf = est.child(est.top.id, 16, "eu-west-1");
  auto a = e.allocate(leaf.id, by_netmask(24));
  ASSERT_OK(a);
  auto leaf_cidr = (*e.list_pool_cidrs(leaf.id))[0].cidr;
  std::string msg = refused(e.deprovision_cidr(leaf.id, leaf_cidr), "deletion-protected");
  EXPECT_NE(msg.find(a->id), std::string::npos) << msg;
  msg = refused(e.delete_pool(leaf.id), "deletion-protected");
  EXPECT_NE(msg.find(leaf_cidr.to_string()), std::string::npos) << msg;
  msg = refused(e.delete_pool(est.top.id), "deletion-protected");
  EXPECT_NE(msg.find(leaf.id), std::string::npos) << msg;
  msg = refused(e.deprovision_cidr(est.top.id, P("10.0.0.0/8")), "deletion-protected");
  EXPECT_NE(msg.find(leaf.id), std::string::npos) << msg;
  refused(e.deprovision_cidr(leaf.id, P("10.99.0.0/16")), "cidr-not-provisioned");

  ASSERT_OK(e.release_allocation(leaf.id, a->id));
  ASSERT_OK(e.deprovision_cidr(leaf.id, leaf_cidr));
  EXPECT_TRUE(e.list_allocations(est.top.id)->empty());  // parent space is free again
  EXPECT_EQ((*e.list_pool_cidrs(leaf.id))[0].state, PoolCidrState::kDeprovisioned);
  ASSERT_OK(e.delete_pool(leaf.id));
  ASSERT_OK(e.deprovision_cidr(est.top.id, P("10.0.0.0/8")));
  ASSERT_OK(e.delete_pool(est.top.id));
  ASSERT_OK(e.delete_ipam(est.ipam.id));
}

TEST(Pool, ModifyGuardrailsValidatesAndApplies) {
  Estate est;
  auto& e = est.engine;
  auto leaf = est.child(est.top.id, 16, "eu-west-1");
  PoolChange bad;
  bad.min_netmask_length = 28;
  bad.max_netmask_length = 24;
  refused(e.modify_pool(leaf.id, bad), "invalid-guardrails");
  PoolChange good;
  good.min_netmask_length = 20;
  good.max_netmask_length = 24;
  good.default_netmask_length = 22;
  good.required_tags = Tags{{"Environment", "prod"}};
  auto modified = e.modify_pool(leaf.id, good);
  ASSERT_OK(modified);
  EXPECT_EQ(modified->guardrails.default_netmask_length, 22);
  EXPECT_EQ(e.allocate(leaf.id, AllocationRequest{})->cidr.length(), 22);
  PoolChange clear;
  clear.clear_default_netmask_length = true;
  ASSERT_OK(e.modify_pool(leaf.id, clear));
  refused(e.allocate(leaf.id, AllocationRequest{}), "netmask-required");
}

// ---- BYOIP: public scope, verification states, size limits --------------

struct PublicEstate : Estate {
  PoolInfo pub4, pub6;
  PublicEstate() {
    PoolSpec spec;
    spec.scope_id = ipam.public_default_scope_id;
    pub4 = *engine.create_pool(spec);
    spec.family = Family::kV6;
    spec.publicly_advertisable = true;
    pub6 = *engine.create_pool(spec);
  }
};

TEST(Byoip, PublicCidrsStayPendingUntilVerified) {
  PublicEstate est;
  auto& e = est.engine;
  EXPECT_TRUE(est.pub4.publicly_advertisable);
  refused(e.provision_cidr(est.pub4.id, ProvisionRequest{P("203.0.113.0/24"), {}, false}),
          "verification-required");
  auto pending = e.provision_cidr(est.pub4.id, ProvisionRequest{P("203.0.113.0/24"), {}, true});
  ASSERT_OK(pending);
  EXPECT_EQ(pending->state, PoolCidrState::kPendingProvision);
  // Pending space is not allocatable but is already held in the scope.
  refused(e.allocate(est.pub4.id, by_netmask(28)), "insufficient-space");
  PoolSpec spec;
  spec.scope_id = est.ipam.public_default_scope_id;
  auto rival = *e.create_pool(spec);
  refused(e.provision_cidr(rival.id, ProvisionRequest{P("203.0.113.0/24"), {}, true}),
          "overlap-in-scope");
  auto done = e.complete_provision(est.pub4.id, P("203.0.113.0/24"), Status());
  ASSERT_OK(done);
  EXPECT_EQ(done->state, PoolCidrState::kProvisioned);
  ASSERT_OK(e.allocate(est.pub4.id, by_netmask(28)));
  refused(e.complete_provision(est.pub4.id, P("203.0.113.0/24"), Status()), "no-pending-provision");
}

TEST(Byoip, FailedVerificationGivesTheSpaceBack) {
  PublicEstate est;
  auto& e = est.engine;
  ASSERT_OK(e.provision_cidr(est.pub4.id, ProvisionRequest{P("198.51.100.0/24"), {}, true}));
  auto failed = e.complete_provision(
      est.pub4.id, P("198.51.100.0/24"),
      Status(Code::kPermissionDenied, "bad-signature", "signature does not verify"));
  ASSERT_OK(failed);
  EXPECT_EQ(failed->state, PoolCidrState::kFailedProvision);
  EXPECT_EQ(failed->failure_reason, "signature does not verify");
  // The CIDR can be tried again.
  ASSERT_OK(e.provision_cidr(est.pub4.id, ProvisionRequest{P("198.51.100.0/24"), {}, true}));
}

TEST(Byoip, SizeLimits) {
  PublicEstate est;
  auto& e = est.engine;
  struct Case {
    const char* name;
    bool v6;
    const char* cidr;
    const char* reason;
  } cases[] = {
      {"ipv4 /24 ok", false, "192.0.2.0/24", ""},
      {"ipv4 /23 ok", false, "198.18.0.0/23", ""},
      {"ipv4 /25 too small", false, "203.0.113.0/25", "byoip-prefix-too-small"},
      {"ipv6 advertisable /48 ok", true, "2001:db8:1::/48", ""},
      {"ipv6 advertisable /49 too small", true, "2001:db8:2::/49", "byoip-prefix-too-small"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = e.provision_cidr(c.v6 ? est.pub6.id : est.pub4.id, ProvisionRequest{P(c.cidr), {}, true});
    if (std::string_view(c.reason).empty()) {
      EXPECT_TRUE(r.ok()) << r.status().to_string();
    } else {
      refused(r, c.reason);
    }
  }
  // Private scopes never verify.
  refused(e.provision_cidr(est.top.id, ProvisionRequest{P("11.0.0.0/8"), {}, true}),
          "verification-not-applicable");
}

}  // namespace
}  // namespace byoipd::ipam
