// Monitored resource CIDRs: management, overlap and compliance status.
#include <gtest/gtest.h>

#include "fixture.h"

namespace byoipd::ipam {
namespace {

using namespace testing;

struct Env {
  Estate est;
  PoolInfo leaf;
  std::string scope;
  Env() {
    Guardrails g;
    g.min_netmask_length = 16;
    g.max_netmask_length = 24;
    g.required_tags = {{"Environment", "prod"}};
    leaf = est.child(est.top.id, 12, "eu-west-1", g);
    scope = est.ipam.private_default_scope_id;
  }
  ResourceCidr only(const std::string& id) {
    ResourceFilter f;
    f.resource_id = id;
    auto all = *est.engine.resource_cidrs(scope, f);
    EXPECT_EQ(all.size(), 1u);
    return all.empty() ? ResourceCidr{} : all[0];
  }
};

TEST(Resource, RegisteredIsUnmanagedUntilImported) {
  Env env;
  auto& e = env.est.engine;
  auto r = e.register_resource(env.scope, vpc("vpc-a", "eu-west-1", {{"Environment", "prod"}}),
                               P("10.0.0.0/20"));
  ASSERT_OK(r);
  EXPECT_EQ(r->management, ManagementState::kUnmanaged);
  EXPECT_EQ(r->compliance, ComplianceStatus::kUnmanaged);
  auto imported = e.import_resource(env.leaf.id,
                                    vpc("vpc-a", "eu-west-1", {{"Environment", "prod"}}),
                                    P("10.0.0.0/20"));
  ASSERT_OK(imported);
  EXPECT_EQ(imported->management, ManagementState::kManaged);
  EXPECT_EQ(imported->compliance, ComplianceStatus::kCompliant) << imported->noncompliance_reason;
  ASSERT_TRUE(imported->allocation_id.has_value());
  auto alloc = *e.describe_allocation(*imported->allocation_id);
  EXPECT_EQ(alloc.resource_id, "vpc-a");
  EXPECT_EQ(alloc.type, AllocationType::kVpc);
  // New allocations never collide with the imported CIDR.
  EXPECT_EQ(*e.preview_allocation(env.leaf.id, by_netmask(20)), P("10.0.16.0/20"));
}

TEST(Resource, ImportOutsideThePoolIsRefused) {
  Env env;
  refused(env.est.engine.import_resource(env.leaf.id, vpc("vpc-a", "eu-west-1"),
                                         P("192.168.0.0/16")),
          "cidr-not-in-pool");
  refused(env.est.engine.import_resource(
              env.leaf.id, ResourceRef{AllocationType::kCustom, "x", "", "eu-west-1", {}},
              P("10.0.0.0/24")),
          "invalid-resource");
}

TEST(Resource, ComplianceNamesTheBrokenRule) {
  struct Case {
    const char* name;
    const char* cidr;
    std::string region;
    Tags tags;
    ComplianceStatus want;
    const char* reason_part;
  } cases[] = {
      {"compliant", "10.0.0.0/20", "eu-west-1", {{"Environment", "prod"}},
       ComplianceStatus::kCompliant, ""},
      {"too large", "10.0.0.0/14", "eu-west-1", {{"Environment", "prod"}},
       ComplianceStatus::kNoncompliant, "allocation_min_netmask_length 16"},
      {"too small", "10.0.0.0/26", "eu-west-1", {{"Environment", "prod"}},
       ComplianceStatus::kNoncompliant, "allocation_max_netmask_length 24"},
      {"wrong region", "10.0.0.0/20", "us-east-1", {{"Environment", "prod"}},
       ComplianceStatus::kNoncompliant, "locale eu-west-1"},
      {"missing tag", "10.0.0.0/20", "eu-west-1", {}, ComplianceStatus::kNoncompliant,
       "Environment=prod required"},
      {"wrong tag", "10.0.0.0/20", "eu-west-1", {{"Environment", "dev"}},
       ComplianceStatus::kNoncompliant, "set to dev"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Env env;
    auto r = env.est.engine.import_resource(env.leaf.id, vpc("vpc-x", c.region, c.tags), P(c.cidr));
    ASSERT_OK(r);
    EXPECT_EQ(r->compliance, c.want);
    EXPECT_NE(r->noncompliance_reason.find(c.reason_part), std::string::npos)
        << r->noncompliance_reason;
  }
}

TEST(Resource, IgnoredResourcesLeaveOverlapAndCompliance) {
  Env env;
  auto& e = env.est.engine;
  ASSERT_OK(e.register_resource(env.scope, vpc("vpc-a", "eu-west-1"), P("172.16.0.0/16")));
  ASSERT_OK(e.register_resource(env.scope, vpc("vpc-b", "eu-west-1"), P("172.16.4.0/24")));
  EXPECT_EQ(env.only("vpc-a").overlap, OverlapStatus::kOverlapping);
  EXPECT_EQ(env.only("vpc-b").overlap, OverlapStatus::kOverlapping);
  auto ignored = e.set_resource_ignored(env.scope, "vpc-b", P("172.16.4.0/24"), true);
  ASSERT_OK(ignored);
  EXPECT_EQ(env.only("vpc-b").management, ManagementState::kIgnored);
  EXPECT_EQ(env.only("vpc-b").overlap, OverlapStatus::kIgnored);
  EXPECT_EQ(env.only("vpc-b").compliance, ComplianceStatus::kIgnored);
  EXPECT_EQ(env.only("vpc-a").overlap, OverlapStatus::kNonoverlapping);
  refused(e.set_resource_ignored(env.scope, "vpc-zz", P("172.16.4.0/24"), true),
          "resource-not-found");
}

TEST(Resource, AutoImportClaimsFreeSpaceOnly) {
  Env env;
  auto& e = env.est.engine;
  PoolChange on;
  on.auto_import = true;
  ASSERT_OK(e.modify_pool(env.leaf.id, on));
  auto first = e.register_resource(env.scope, vpc("vpc-a", "eu-west-1", {{"Environment", "prod"}}),
                                   P("10.1.0.0/16"));
  ASSERT_OK(first);
  EXPECT_EQ(first->management, ManagementState::kManaged);
  EXPECT_EQ(first->pool_id, env.leaf.id);
  auto clash = e.register_resource(env.scope, vpc("vpc-b", "eu-west-1"), P("10.1.0.0/16"));
  ASSERT_OK(clash);
  EXPECT_EQ(clash->management, ManagementState::kUnmanaged);
  EXPECT_EQ(env.only("vpc-b").overlap, OverlapStatus::kOverlapping);
}

TEST(Resource, RemovingAResourceReleasesItsAllocationAtOnce) {
  Env env;
  auto& e = env.est.engine;
  AllocationRequest req = by_netmask(20);
  req.resource = vpc("vpc-a", "eu-west-1", {{"Environment", "prod"}});
  auto a = *e.allocate(env.leaf.id, req);
  EXPECT_EQ(env.only("vpc-a").compliance, ComplianceStatus::kCompliant);
  ASSERT_OK(e.remove_resource("vpc-a"));
  refused(e.describe_allocation(a.id), "allocation-not-found");
  EXPECT_EQ(*e.preview_allocation(env.leaf.id, by_netmask(20)), a.cidr);
  refused(e.remove_resource("vpc-a"), "resource-not-found");
}

TEST(Resource, FiltersCombine) {
  Env env;
  auto& e = env.est.engine;
  ASSERT_OK(e.register_resource(env.scope, vpc("vpc-u", "eu-west-1"), P("172.20.0.0/16")));
  ASSERT_OK(e.import_resource(env.leaf.id, vpc("vpc-m", "eu-west-1", {{"Environment", "prod"}}),
                              P("10.0.0.0/16")));
  ResourceFilter f;
  f.management = ManagementState::kManaged;
  EXPECT_EQ(e.resource_cidrs(env.scope, f)->size(), 1u);
  f.compliance = ComplianceStatus::kNoncompliant;
  EXPECT_EQ(e.resource_cidrs(env.scope, f)->size(), 0u);
  ResourceFilter g;
  g.compliance = ComplianceStatus::kUnmanaged;
  auto unmanaged = *e.resource_cidrs(env.scope, g);
  ASSERT_EQ(unmanaged.size(), 1u);
  EXPECT_EQ(unmanaged[0].resource_id, "vpc-u");
}

}  // namespace
}  // namespace byoipd::ipam
