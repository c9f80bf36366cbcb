// Snapshot/restore: exact round trip, and corrupt or newer images refused.
#include <gtest/gtest.h>

#include "fixture.h"

namespace byoipd::ipam {
namespace {

using namespace testing;

// An estate touching every kind of state: pools at several depths, both
// families, released slots (so the free-slot order matters), resources,
// ignored and conflicting imports, pending and failed BYOIP.
IpamEngine busy_engine() {
  Estate est;
  auto& e = est.engine;
  Guardrails g;
  g.required_tags = {{"Environment", "prod"}};
  g.default_netmask_length = 24;
  auto leaf = est.child(est.top.id, 16, "eu-west-1", g);
  std::vector<Allocation> manual;
  for (int i = 0; i < 20; ++i) manual.push_back(*e.allocate(leaf.id, by_netmask(24 + i % 5)));
  for (int i = 0; i < 20; i += 3) EXPECT_TRUE(e.release_allocation(leaf.id, manual[i].id).ok());
  AllocationRequest req;
  req.resource = vpc("vpc-a", "eu-west-1", {{"Environment", "prod"}});
  req.description = "payments";
  EXPECT_TRUE(e.allocate(leaf.id, req).ok());
  EXPECT_TRUE(e.import_resource(leaf.id, vpc("vpc-b", "eu-west-1"), P("10.0.0.0/24")).ok());
  EXPECT_TRUE(e.register_resource(est.ipam.private_default_scope_id, vpc("vpc-c", "us-east-1"),
                                  P("192.168.0.0/16"))
                  .ok());
  EXPECT_TRUE(e.set_resource_ignored(est.ipam.private_default_scope_id, "vpc-c",
                                     P("192.168.0.0/16"), true)
                  .ok());
  PoolSpec v6;
  v6.scope_id = est.ipam.public_default_scope_id;
  v6.family = Family::kV6;
  v6.publicly_advertisable = true;
  auto pub = *e.create_pool(v6);
  EXPECT_TRUE(e.provision_cidr(pub.id, ProvisionRequest{P("2001:db8::/48"), {}, true}).ok());
  EXPECT_TRUE(e.complete_provision(pub.id, P("2001:db8::/48"), Status()).ok());
  EXPECT_TRUE(e.provision_cidr(pub.id, ProvisionRequest{P("2001:db8:1::/48"), {}, true}).ok());
  EXPECT_TRUE(e.provision_cidr(pub.id, ProvisionRequest{P("2001:db8:2::/48"), {}, true}).ok());
  EXPECT_TRUE(e.complete_provision(pub.id, P("2001:db8:2::/48"),
                                   Status(Code::kPermissionDenied, "x", "expired"))
                  .ok());
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(e.allocate(pub.id, by_netmask(56)).ok());
  auto scratch = e.create_scope(est.ipam.id, "lab");
  EXPECT_TRUE(e.delete_scope(scratch->id).ok());  // leaves a hole in the scope table
  return std::move(est.engine);
}

TEST(Snapshot, RoundTripIsExact) {
  IpamEngine original = busy_engine();
  std::string bytes = original.snapshot();
  auto restored = IpamEngine::restore(bytes);
  ASSERT_OK(restored);
  EXPECT_EQ(restored->snapshot(), bytes);
  // Same answers and the same future: ids and choices of the next
  // allocations match in both engines.
  for (const auto& pool : original.list_pools()) {
    auto a = original.list_allocations(pool.id);
    auto b = restored->list_allocations(pool.id);
    ASSERT_EQ(a->size(), b->size());
    for (size_t i = 0; i < a->size(); ++i) {
      EXPECT_EQ((*a)[i].id, (*b)[i].id);
      EXPECT_EQ((*a)[i].cidr, (*b)[i].cidr);
      EXPECT_EQ((*a)[i].resource_id, (*b)[i].resource_id);
      EXPECT_EQ((*a)[i].description, (*b)[i].description);
    }
    auto ua = *original.utilization(pool.id);
    auto ub = *restored->utilization(pool.id);
    EXPECT_EQ(ua.allocated_addresses, ub.allocated_addresses);
    EXPECT_EQ(ua.provisioned_addresses, ub.provisioned_addresses);
    for (int i = 0; i < 4; ++i) {
      auto x = original.allocate(pool.id, by_netmask(pool.family == Family::kV4 ? 27 : 60));
      auto y = restored->allocate(pool.id, by_netmask(pool.family == Family::kV4 ? 27 : 60));
      ASSERT_EQ(x.ok(), y.ok());
      if (x.ok()) {
        EXPECT_EQ(x->id, y->id);
        EXPECT_EQ(x->cidr, y->cidr);
      }
    }
  }
  auto scope = original.list_ipams()[0].private_default_scope_id;
  auto ra = *original.resource_cidrs(scope);
  auto rb = *restored->resource_cidrs(scope);
  ASSERT_EQ(ra.size(), rb.size());
  for (size_t i = 0; i < ra.size(); ++i) {
    EXPECT_EQ(ra[i].resource_id, rb[i].resource_id);
    EXPECT_EQ(ra[i].compliance, rb[i].compliance);
    EXPECT_EQ(ra[i].overlap, rb[i].overlap);
    EXPECT_EQ(ra[i].allocation_id, rb[i].allocation_id);
  }
  EXPECT_EQ(original.snapshot(), restored->snapshot());
}

TEST(Snapshot, EmptyEngineRoundTrips) {
  IpamEngine e;
  auto r = IpamEngine::restore(e.snapshot());
  ASSERT_OK(r);
  EXPECT_EQ(r->snapshot(), e.snapshot());
}

TEST(Snapshot, CorruptImagesAreRefused) {
  std::string bytes = busy_engine().snapshot();
  refused(IpamEngine::restore(""), "snapshot-corrupt");
  refused(IpamEngine::restore("not a snapshot at all"), "snapshot-corrupt");
  refused(IpamEngine::restore(bytes.substr(0, bytes.size() / 2)), "snapshot-corrupt");
  // Every single flipped byte is caught (header, body or checksum).
  for (size_t i = 0; i < bytes.size(); i += 7) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    auto r = IpamEngine::restore(bad);
    EXPECT_FALSE(r.ok()) << "flip at " << i;
  }
}

TEST(Snapshot, NewerVersionIsRefusedClearly) {
  std::string bytes = IpamEngine().snapshot();
  bytes[8] = 99;  // version field follows the 8-byte magic
  std::string msg = refused(IpamEngine::restore(bytes), "snapshot-too-new");
  EXPECT_NE(msg.find("99"), std::string::npos) << msg;
}

}  // namespace
}  // namespace byoipd::ipam
