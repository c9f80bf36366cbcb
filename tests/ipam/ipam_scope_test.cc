// IPAMs, operating regions, tiers and scopes.
#include <gtest/gtest.h>

#include "fixture.h"

namespace byoipd::ipam {
namespace {

using namespace testing;

TEST(Ipam, CreateShipsTwoDefaultScopesAndOperatesInHomeRegion) {
  IpamEngine e;
  auto ipam = e.create_ipam(IpamSpec{"111122223333", "eu-west-1", {"us-east-1"}, Tier::kAdvanced, "org", {}});
  ASSERT_OK(ipam);
  EXPECT_EQ(ipam->operating_regions, (std::vector<std::string>{"eu-west-1", "us-east-1"}));
  EXPECT_EQ(ipam->scope_count, 2);
  auto priv = e.describe_scope(ipam->private_default_scope_id);
  auto pub = e.describe_scope(ipam->public_default_scope_id);
  ASSERT_OK(priv);
  ASSERT_OK(pub);
  EXPECT_EQ(priv->type, ScopeType::kPrivate);
  EXPECT_EQ(pub->type, ScopeType::kPublic);
  EXPECT_TRUE(priv->is_default && pub->is_default);
  EXPECT_EQ(e.list_ipams().size(), 1u);
}

TEST(Ipam, RejectsBadRegionNames) {
  IpamEngine e;
  refused(e.create_ipam(IpamSpec{"1", "", {}, Tier::kFree, "", {}}), "invalid-region");
  refused(e.create_ipam(IpamSpec{"1", "eu-west-1", {"EU WEST"}, Tier::kFree, "", {}}),
          "invalid-region");
}

TEST(Ipam, UnknownIdsAreNotFound) {
  IpamEngine e;
  std::string msg = refused(e.describe_ipam("ipam-0123456789abcdef0"), "ipam-not-found");
  EXPECT_NE(msg.find("ipam-0123456789abcdef0"), std::string::npos);
  refused(e.describe_pool("vpc-123"), "pool-not-found");
  refused(e.describe_scope("ipam-scope-0123456789abcdef0"), "scope-not-found");
}

TEST(Ipam, OperatingRegionRules) {
  Estate est;
  auto& e = est.engine;
  // Home region cannot be removed.
  IpamChange drop_home;
  drop_home.remove_operating_regions = {"eu-west-1"};
  refused(e.modify_ipam(est.ipam.id, drop_home), "home-region-required");
  // A locale-pinned pool in a non-operating region is refused until the
  // region is added.
  PoolSpec spec;
  spec.scope_id = est.ipam.private_default_scope_id;
  spec.source_pool_id = est.top.id;
  spec.locale = "ap-south-1";
  std::string msg = refused(e.create_pool(spec), "locale-not-operating-region");
  EXPECT_NE(msg.find("ap-south-1"), std::string::npos);
  IpamChange add;
  add.add_operating_regions = {"ap-south-1"};
  ASSERT_OK(e.modify_ipam(est.ipam.id, add));
  auto pool = e.create_pool(spec);
  ASSERT_OK(pool);
  // Removing the region is blocked while the pool uses it, and names it.
  IpamChange remove;
  remove.remove_operating_regions = {"ap-south-1"};
  msg = refused(e.modify_ipam(est.ipam.id, remove), "operating-region-in-use");
  EXPECT_NE(msg.find(pool->id), std::string::npos);
  ASSERT_OK(e.delete_pool(pool->id));
  ASSERT_OK(e.modify_ipam(est.ipam.id, remove));
  EXPECT_EQ(e.describe_ipam(est.ipam.id)->operating_regions,
            (std::vector<std::string>{"eu-west-1", "us-east-1"}));
}

TEST(Ipam, RegionWithResourcesCannotBeRemoved) {
  Estate est;
  auto& e = est.engine;
  ASSERT_OK(e.register_resource(est.ipam.private_default_scope_id, vpc("vpc-1", "us-east-1"),
                                P("172.16.0.0/16")));
  IpamChange remove;
  remove.remove_operating_regions = {"us-east-1"};
  std::string msg = refused(e.modify_ipam(est.ipam.id, remove), "operating-region-in-use");
  EXPECT_NE(msg.find("vpc-1"), std::string::npos);
}

TEST(Ipam, FreeTierRefusesCrossRegionPoolsAndByoip) {
  IpamEngine e;
  auto ipam = *e.create_ipam(IpamSpec{"1", "eu-west-1", {"us-east-1"}, Tier::kFree, "", {}});
  PoolSpec spec;
  spec.scope_id = ipam.private_default_scope_id;
  spec.locale = "us-east-1";
  refused(e.create_pool(spec), "tier-restriction");
  spec.locale = "eu-west-1";
  ASSERT_OK(e.create_pool(spec));
  PoolSpec pub;
  pub.scope_id = ipam.public_default_scope_id;
  auto pool = e.create_pool(pub);
  ASSERT_OK(pool);
  refused(e.provision_cidr(pool->id, ProvisionRequest{P("203.0.113.0/24"), {}, true}),
          "tier-restriction");
}

TEST(Ipam, DowngradeToFreeRefusedWhileAdvancedFeaturesAreUsed) {
  Estate est;
  auto& e = est.engine;
  auto pool = est.child(est.top.id, 12, "us-east-1");
  IpamChange to_free;
  to_free.tier = Tier::kFree;
  std::string msg = refused(e.modify_ipam(est.ipam.id, to_free), "tier-restriction");
  EXPECT_NE(msg.find(pool.id), std::string::npos);
}

TEST(Ipam, DeleteRefusedWithPoolsUnlessCascade) {
  Estate est;
  auto& e = est.engine;
  auto leaf = est.child(est.top.id, 16, "eu-west-1");
  std::string msg = refused(e.delete_ipam(est.ipam.id), "deletion-protected");
  EXPECT_NE(msg.find(est.top.id), std::string::npos);
  EXPECT_NE(msg.find(leaf.id), std::string::npos);
  ASSERT_OK(e.delete_ipam(est.ipam.id, /*cascade=*/true));
  EXPECT_TRUE(e.list_ipams().empty());
  refused(e.describe_pool(leaf.id), "pool-not-found");
  refused(e.describe_scope(est.ipam.private_default_scope_id), "scope-not-found");
}

TEST(Scope, ExtraPrivateScopesAllowOverlapAcrossScopes) {
  Estate est;
  auto& e = est.engine;
  auto lab = e.create_scope(est.ipam.id, "air-gapped lab");
  ASSERT_OK(lab);
  EXPECT_EQ(lab->type, ScopeType::kPrivate);
  EXPECT_FALSE(lab->is_default);
  PoolSpec spec;
  spec.scope_id = lab->id;
  auto pool = e.create_pool(spec);
  ASSERT_OK(pool);
  // 10.0.0.0/8 is in the default scope too: a separate scope may reuse it.
  ASSERT_OK(e.provision_cidr(pool->id, ProvisionRequest{P("10.0.0.0/8"), {}, false}));
  EXPECT_EQ(e.describe_ipam(est.ipam.id)->scope_count, 3);
  // A scope with pools cannot be deleted; default scopes never.
  refused(e.delete_scope(lab->id), "deletion-protected");
  refused(e.delete_scope(est.ipam.private_default_scope_id), "default-scope");
  ASSERT_OK(e.deprovision_cidr(pool->id, P("10.0.0.0/8")));
  ASSERT_OK(e.delete_pool(pool->id));
  ASSERT_OK(e.delete_scope(lab->id));
  EXPECT_EQ(e.list_scopes(est.ipam.id).size(), 2u);
}

}  // namespace
}  // namespace byoipd::ipam
