// Thousands of random provision/allocate/release/deprovision operations,
// each checked against a simple reference model: no overlap, every
// allocation inside a provisioned CIDR of its pool, lowest-free-first
// choice, utilization sums, and the parent's view of the child's CIDRs.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "fixture.h"

namespace byoipd::ipam {
namespace {

using namespace testing;

struct Model {
  std::vector<Prefix> provisioned;          // the leaf's CIDRs
  std::map<Prefix, std::string> allocated;  // cidr -> allocation id

  bool free(const Prefix& p) const {
    bool inside = false;
    for (const auto& c : provisioned) inside |= c.contains(p);
    if (!inside) return false;
    for (const auto& [a, id] : allocated) {
      if (a.overlaps(p)) return false;
    }
    return true;
  }
  std::optional<Prefix> lowest_free(int len) const {
    std::vector<Prefix> sorted = provisioned;
    std::sort(sorted.begin(), sorted.end());
    for (const auto& c : sorted) {
      if (len < c.length()) continue;
      u128 n = u128(1) << (len - c.length());
      for (u128 i = 0; i < n; ++i) {
        Prefix cand = c.subnet(len, i);
        if (free(cand)) return cand;
      }
    }
    return std::nullopt;
  }
  u128 allocated_addresses() const {
    u128 sum = 0;
    for (const auto& [a, id] : allocated) sum += a.size();
    return sum;
  }
  u128 provisioned_addresses() const {
    u128 sum = 0;
    for (const auto& c : provisioned) sum += c.size();
    return sum;
  }
};

class Randomized : public ::testing::TestWithParam<Family> {};

TEST_P(Randomized, MatchesReferenceModel) {
  const Family family = GetParam();
  const int shift = family == Family::kV4 ? 0 : 96;
  Estate est(family);
  auto& e = est.engine;
  PoolSpec spec;
  spec.scope_id = est.ipam.private_default_scope_id;
  spec.family = family;
  spec.source_pool_id = est.top.id;
  auto leaf = *e.create_pool(spec);
  // Candidate leaf CIDRs: the sixteen /20s of the first /16 of the top pool.
  const Prefix region = (family == Family::kV4 ? P("10.0.0.0/8") : P("fd00::/8")).subnet(16 + shift, 0);
  Model m;
  std::mt19937_64 rng(family == Family::kV4 ? 20261126 : 6);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int ok_ops = 0;

  for (int op = 0; op < 4000; ++op) {
    SCOPED_TRACE("op " + std::to_string(op));
    int kind = pick(0, 99);
    if (kind < 5 || m.provisioned.empty()) {  // provision a random /20 (or /21)
      int len = 20 + pick(0, 1) + shift;
      Prefix c = region.subnet(len, static_cast<u128>(pick(0, (1 << (len - 16 - shift)) - 1)));
      bool expect = true;
      for (const auto& p : m.provisioned) expect &= !p.overlaps(c);
      auto r = e.provision_cidr(leaf.id, ProvisionRequest{c, {}, false});
      ASSERT_EQ(r.ok(), expect) << c.to_string() << " " << r.status().to_string();
      if (r.ok()) m.provisioned.push_back(c);
    } else if (kind < 8) {  // deprovision a random leaf CIDR
      size_t i = static_cast<size_t>(pick(0, static_cast<int>(m.provisioned.size()) - 1));
      Prefix c = m.provisioned[i];
      bool empty = true;
      for (const auto& [a, id] : m.allocated) empty &= !c.contains(a);
      auto r = e.deprovision_cidr(leaf.id, c);
      ASSERT_EQ(r.ok(), empty) << c.to_string() << " " << r.status().to_string();
      if (!r.ok()) {
        EXPECT_EQ(r.status().reason(), "deletion-protected");
      }
      if (r.ok()) m.provisioned.erase(m.provisioned.begin() + static_cast<long>(i));
    } else if (kind < 55) {  // allocate by netmask
      int len = pick(22, 28) + shift;
      auto want = m.lowest_free(len);
      auto preview = e.preview_allocation(leaf.id, by_netmask(len));
      auto r = e.allocate(leaf.id, by_netmask(len));
      ASSERT_EQ(r.ok(), want.has_value()) << r.status().to_string();
      if (r.ok()) {
        ASSERT_EQ(r->cidr, *want);
        ASSERT_EQ(*preview, *want);
        m.allocated[r->cidr] = r->id;
      } else {
        ASSERT_EQ(r.status().reason(), "insufficient-space");
      }
    } else if (kind < 70) {  // allocate a specific CIDR
      int len = pick(22, 28) + shift;
      Prefix c = region.subnet(len, static_cast<u128>(pick(0, (1 << (len - 16 - shift)) - 1)));
      auto r = e.allocate(leaf.id, by_cidr(c.to_string()));
      ASSERT_EQ(r.ok(), m.free(c)) << c.to_string() << " " << r.status().to_string();
      if (r.ok()) m.allocated[c] = r->id;
    } else if (!m.allocated.empty()) {  // release
      auto it = m.allocated.begin();
      std::advance(it, pick(0, static_cast<int>(m.allocated.size()) - 1));
      ASSERT_OK(e.release_allocation(leaf.id, it->second, it->first));
      m.allocated.erase(it);
    }
    ++ok_ops;
    auto u = *e.utilization(leaf.id);
    ASSERT_EQ(u.allocated_addresses, m.allocated_addresses());
    ASSERT_EQ(u.provisioned_addresses, m.provisioned_addresses());
    ASSERT_EQ(u.allocation_count, m.allocated.size());
    if (op % 97 == 0) {
      auto listed = *e.list_allocations(leaf.id);
      ASSERT_EQ(listed.size(), m.allocated.size());
      for (size_t i = 0; i < listed.size(); ++i) {
        if (i > 0) {
          ASSERT_FALSE(listed[i - 1].cidr.overlaps(listed[i].cidr));
        }
        auto it = m.allocated.find(listed[i].cidr);
        ASSERT_NE(it, m.allocated.end());
        ASSERT_EQ(it->second, listed[i].id);
      }
      // The parent holds exactly the leaf's CIDRs as ipam-pool allocations.
      auto parent = *e.list_allocations(est.top.id);
      ASSERT_EQ(parent.size(), m.provisioned.size());
      for (const auto& a : parent) {
        ASSERT_EQ(a.type, AllocationType::kIpamPool);
        ASSERT_NE(std::find(m.provisioned.begin(), m.provisioned.end(), a.cidr),
                  m.provisioned.end());
      }
      // And a snapshot taken mid-run restores to the same state.
      auto restored = IpamEngine::restore(e.snapshot());
      ASSERT_OK(restored);
      ASSERT_EQ(restored->snapshot(), e.snapshot());
    }
  }
  EXPECT_EQ(ok_ops, 4000);
  EXPECT_GT(m.allocated.size(), 10u);  // the run really exercised a full pool
}

INSTANTIATE_TEST_SUITE_P(BothFamilies, Randomized, ::testing::Values(Family::kV4, Family::kV6),
                         [](const auto& info) { return std::string(family_name(info.param)); });

}  // namespace
}  // namespace byoipd::ipam
