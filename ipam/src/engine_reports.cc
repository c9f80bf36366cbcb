// IpamEngine: utilization reports.
#include <algorithm>

#include "state.h"

namespace byoipd::ipam {

namespace {

PoolUtilization utilization_of(const IpamEngine::State& s, uint64_t serial) {
  const AddressSpace& space = s.pools[serial]->space;
  PoolUtilization u;
  u.pool_id = s.pool_id(serial);
  u.provisioned_addresses = space.provisioned_addresses();
  u.allocated_addresses = space.allocated_addresses();
  u.available_addresses = u.provisioned_addresses - u.allocated_addresses;
  u.percent = u.provisioned_addresses == 0
                  ? 0.0
                  : static_cast<double>(u.allocated_addresses) * 100.0 /
                        static_cast<double>(u.provisioned_addresses);
  u.allocation_count = space.allocation_count();
  u.largest_free_length = space.largest_free_length();
  return u;
}

}  // namespace

Result<PoolUtilization> IpamEngine::utilization(std::string_view pool_id) const {
  auto s = s_->find_pool(pool_id);
  if (!s.ok()) return s.status();
  return utilization_of(*s_, *s);
}

std::vector<PoolUtilization> IpamEngine::pools_at_or_above(double percent) const {
  std::vector<PoolUtilization> out;
  for (uint64_t p = 0; p < s_->pools.size(); ++p) {
    if (!s_->pools[p] || s_->pools[p]->space.provisioned_addresses() == 0) continue;
    PoolUtilization u = utilization_of(*s_, p);
    if (u.percent >= percent) out.push_back(std::move(u));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const PoolUtilization& a, const PoolUtilization& b) {
                     return a.percent > b.percent;
                   });
  return out;
}

}  // namespace byoipd::ipam
