// The guide's real-world scenario: three VPCs in three accounts already sit
// on 10.10.0.0/16. Importing them shows the exact blast radius, new
// allocations never collide, and the overlap set shrinks as they are
// renumbered.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "fixture.h"

namespace byoipd::ipam {
namespace {

using namespace testing;

TEST(GuideScenario, OverlapDiscoveryAndRenumbering) {
  Estate est;  // 10.0.0.0/8 top pool, advanced tier
  auto& e = est.engine;
  const std::string scope = est.ipam.private_default_scope_id;
  auto regional = est.child(est.top.id, 12, "eu-west-1");
  EXPECT_EQ((*e.list_pool_cidrs(regional.id))[0].cidr, P("10.0.0.0/12"));

  // Week 0: import every existing VPC (three colliders plus a clean one).
  struct Legacy {
    const char* id;
    const char* owner;
    const char* cidr;
    const char* env;
  } legacy[] = {
      {"vpc-payments", "111111111111", "10.10.0.0/16", "prod"},
      {"vpc-staging", "222222222222", "10.10.0.0/16", "staging"},
      {"vpc-test", "333333333333", "10.10.0.0/16", "test"},
      {"vpc-clean", "444444444444", "10.12.0.0/16", "prod"},
  };
  for (const auto& v : legacy) {
    auto r = e.import_resource(regional.id, vpc(v.id, "eu-west-1", {{"Environment", v.env}}, v.owner),
                               P(v.cidr));
    ASSERT_OK(r);
    EXPECT_EQ(r->management, ManagementState::kManaged);
  }
  auto overlapping = [&] {
    ResourceFilter f;
    f.overlap = OverlapStatus::kOverlapping;
    std::vector<std::string> ids;
    auto found = e.resource_cidrs(scope, f);
    for (const auto& r : *found) ids.push_back(r.resource_id + "@" + r.owner);
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  // The exact blast radius: resource ids, CIDRs and owning accounts.
  EXPECT_EQ(overlapping(), (std::vector<std::string>{"vpc-payments@111111111111",
                                                     "vpc-staging@222222222222",
                                                     "vpc-test@333333333333"}));
  ResourceFilter noncompliant;
  noncompliant.compliance = ComplianceStatus::kNoncompliant;
  auto collide = *e.resource_cidrs(scope, noncompliant);
  ASSERT_EQ(collide.size(), 2u);  // the two whose space was already held
  for (const auto& r : collide) {
    EXPECT_NE(r.noncompliance_reason.find("vpc-payments"), std::string::npos)
        << r.noncompliance_reason;
  }

  // Week 1: environment pools with tag guardrails; nothing new can collide.
  std::map<std::string, PoolInfo> env;
  for (const char* name : {"prod", "staging", "test"}) {
    Guardrails g;
    g.min_netmask_length = 16;
    g.max_netmask_length = 24;
    g.default_netmask_length = 20;
    g.required_tags = {{"Environment", name}};
    env[name] = est.child(regional.id, 16, "eu-west-1", g);
  }
  for (auto& [name, pool] : env) {
    Prefix cidr = (*e.list_pool_cidrs(pool.id))[0].cidr;
    EXPECT_FALSE(cidr.overlaps(P("10.10.0.0/16"))) << name << " got " << cidr.to_string();
  }
  // Carve the regional pool until it is full: 10.10/16 and 10.12/16 are
  // never handed out.
  PoolSpec filler_spec;
  filler_spec.scope_id = scope;
  filler_spec.source_pool_id = regional.id;
  filler_spec.locale = "eu-west-1";
  auto filler = *e.create_pool(filler_spec);
  while (true) {
    auto r = e.provision_cidr(filler.id, ProvisionRequest{{}, 16, false});
    if (!r.ok()) {
      EXPECT_EQ(r.status().reason(), "insufficient-space");
      break;
    }
    EXPECT_FALSE(r->cidr.overlaps(P("10.10.0.0/16"))) << r->cidr.to_string();
    EXPECT_FALSE(r->cidr.overlaps(P("10.12.0.0/16"))) << r->cidr.to_string();
  }
  EXPECT_EQ(e.utilization(regional.id)->percent, 100.0);
  EXPECT_EQ(overlapping().size(), 3u);  // frozen, not growing

  // Weeks 2-5: renumber the test and staging colliders into drawn /20s.
  auto renumber = [&](const char* id, const char* owner, const char* name) {
    AllocationRequest req;  // default /20 from the env pool
    req.resource = vpc(id, "eu-west-1", {{"Environment", name}}, owner);
    auto fresh = e.allocate(env[name].id, req);
    ASSERT_OK(fresh);
    EXPECT_FALSE(fresh->cidr.overlaps(P("10.10.0.0/16")));
    ASSERT_OK(e.remove_resource_cidr(scope, id, P("10.10.0.0/16")));
  };
  renumber("vpc-test", "333333333333", "test");
  EXPECT_EQ(overlapping(), (std::vector<std::string>{"vpc-payments@111111111111",
                                                     "vpc-staging@222222222222"}));
  renumber("vpc-staging", "222222222222", "staging");
  EXPECT_TRUE(overlapping().empty());
  // The regulated VPC keeps its address, now compliant and alone.
  ResourceFilter f;
  f.resource_id = "vpc-payments";
  auto payments = *e.resource_cidrs(scope, f);
  ASSERT_EQ(payments.size(), 1u);
  EXPECT_EQ(payments[0].overlap, OverlapStatus::kNonoverlapping);
  EXPECT_EQ(payments[0].compliance, ComplianceStatus::kCompliant) << payments[0].noncompliance_reason;
  EXPECT_TRUE(e.resource_cidrs(scope, noncompliant)->empty());
}

}  // namespace
}  // namespace byoipd::ipam
