// IpamEngine: monitored resource CIDRs, import, and the overlap/compliance
// report.
#include <algorithm>

#include "state.h"

namespace byoipd::ipam {

namespace {

bool in_provisioned_cidr(const PoolRec& pool, const Prefix& cidr) {
  return std::any_of(pool.cidrs.begin(), pool.cidrs.end(), [&](const PoolCidrRec& c) {
    return c.state == PoolCidrState::kProvisioned && c.cidr.contains(cidr);
  });
}

// The overlap status of one resource CIDR against the rest of its scope
// (for single-resource answers; the report computes all at once).
OverlapStatus overlap_in_scope(const std::map<ResourceKey, ResourceRec>& resources,
                               const ResourceKey& key) {
  if (resources.at(key).ignored) return OverlapStatus::kIgnored;
  for (auto it = resources.lower_bound(ResourceKey{key.scope, "", Prefix()});
       it != resources.end() && it->first.scope == key.scope; ++it) {
    if (it->first == key || it->second.ignored) continue;
    if (it->first.cidr.overlaps(key.cidr)) return OverlapStatus::kOverlapping;
  }
  return OverlapStatus::kNonoverlapping;
}

ResourceCidr with_overlap(const IpamEngine::State& s, const ResourceKey& key,
                          const ResourceRec& rec) {
  ResourceCidr out = s.resource_info(key, rec);
  out.overlap = overlap_in_scope(s.resources, key);
  return out;
}

}  // namespace

Status check_resource(const ResourceRef& r) {
  if (r.id.empty()) {
    return Status(Code::kInvalidArgument, "invalid-resource",
                  "a resource needs an id (e.g. vpc-0abc...)");
  }
  if (r.type == AllocationType::kIpamPool || r.type == AllocationType::kCustom) {
    return Status(Code::kInvalidArgument, "invalid-resource",
                  "resource " + r.id + " has type " + std::string(to_string(r.type)) +
                      ", which is not a resource type (vpc, subnet, eip, ec2-public-ipv4-pool, "
                      "anycast-ip-list)");
  }
  return {};
}


ResourceCidr IpamEngine::State::resource_info(const ResourceKey& key,
                                              const ResourceRec& rec) const {
  ResourceCidr out;
  out.resource_id = key.resource_id;
  out.resource_type = rec.type;
  out.owner = rec.owner;
  out.region = rec.region;
  out.cidr = key.cidr;
  out.scope_id = scope_id(key.scope);
  out.tags = rec.tags;
  if (rec.pool) out.pool_id = pool_id(*rec.pool);
  if (rec.pool && rec.has_allocation) {
    uint32_t slot = pools[*rec.pool]->space.slot_at(key.cidr);
    if (slot != AddressSpace::kNoSlot) out.allocation_id = allocation_id(*rec.pool, slot);
  }
  out.overlap = OverlapStatus::kNonoverlapping;  // set by the report's sweep
  if (rec.ignored) {
    out.management = ManagementState::kIgnored;
    out.overlap = OverlapStatus::kIgnored;
    out.compliance = ComplianceStatus::kIgnored;
    return out;
  }
  if (!rec.pool) {
    out.management = ManagementState::kUnmanaged;
    out.compliance = ComplianceStatus::kUnmanaged;
    return out;
  }
  out.management = ManagementState::kManaged;
  out.compliance = ComplianceStatus::kNoncompliant;
  const PoolRec& pool = *pools[*rec.pool];
  const Guardrails& g = pool.guardrails;
  const std::string pid = pool_id(*rec.pool);
  int len = key.cidr.length();
  if (!rec.has_allocation) {
    AddressSpace::Blocked b = pool.space.check(key.cidr);
    out.noncompliance_reason = "the CIDR is not allocated to it in " + pid;
    if (b.kind == AddressSpace::Blocked::kAllocated) {
      out.noncompliance_reason +=
          ": it overlaps allocation " + holder_text(*rec.pool, b.holder, b.holder_prefix);
    } else if (b.kind == AddressSpace::Blocked::kNone) {
      out.noncompliance_reason += ": the space is free now; import the resource again to claim it";
    } else {
      out.noncompliance_reason += ": it is not inside the pool's provisioned space";
    }
  } else if (g.min_netmask_length && len < *g.min_netmask_length) {
    out.noncompliance_reason = "/" + std::to_string(len) + " is larger than " + pid +
                               "'s allocation_min_netmask_length " +
                               std::to_string(*g.min_netmask_length);
  } else if (g.max_netmask_length && len > *g.max_netmask_length) {
    out.noncompliance_reason = "/" + std::to_string(len) + " is smaller than " + pid +
                               "'s allocation_max_netmask_length " +
                               std::to_string(*g.max_netmask_length);
  } else if (pool.locale != std::optional<std::string>(rec.region)) {
    out.noncompliance_reason = "region " + rec.region + " does not match " + pid +
                               "'s locale " + pool.locale.value_or("(none)");
  } else {
    for (const auto& [k, v] : g.required_tags) {
      auto it = rec.tags.find(k);
      if (it == rec.tags.end() || it->second != v) {
        out.noncompliance_reason = "tag " + k + "=" + v + " required by " + pid + " is " +
                                   (it == rec.tags.end() ? "missing" : "set to " + it->second);
        break;
      }
    }
  }
  if (out.noncompliance_reason.empty()) out.compliance = ComplianceStatus::kCompliant;
  return out;
}

Result<ResourceCidr> IpamEngine::register_resource(std::string_view scope_id,
                                                   const ResourceRef& resource,
                                                   const Prefix& cidr) {
  auto scope = s_->find_scope(scope_id);
  if (!scope.ok()) return scope.status();
  if (Status st = check_resource(resource); !st.ok()) return st;
  ResourceKey key{*scope, resource.id, cidr};
  auto [it, inserted] = s_->resources.try_emplace(key);
  ResourceRec& rec = it->second;
  rec.type = resource.type;
  rec.owner = resource.owner;
  rec.region = resource.region;
  rec.tags = resource.tags;
  if (inserted) {
    // Auto-import: the deepest auto-import pool whose provisioned space holds
    // the CIDR claims it, if the space is free. A CIDR that collides stays
    // unmanaged (and shows as overlapping) rather than being pulled in.
    std::optional<uint64_t> best;
    for (uint64_t p = 0; p < s_->pools.size(); ++p) {
      const auto& pool = s_->pools[p];
      if (!pool || pool->scope != *scope || !pool->auto_import || pool->family != cidr.family()) {
        continue;
      }
      if (!in_provisioned_cidr(*pool, cidr)) continue;
      if (!best || pool->depth > s_->pools[*best]->depth) best = p;
    }
    if (best) {
      PoolRec& pool = *s_->pools[*best];
      if (pool.space.check(cidr).kind == AddressSpace::Blocked::kNone) {
        uint32_t slot = pool.space.claim_free(cidr, static_cast<uint8_t>(resource.type));
        pool.details[slot] = AllocDetails{resource.id, resource.owner, resource.region, {}, 0};
        rec.pool = *best;
        rec.has_allocation = true;
      }
    }
  }
  return with_overlap(*s_, key, rec);
}

Result<ResourceCidr> IpamEngine::import_resource(std::string_view pool_id,
                                                 const ResourceRef& resource, const Prefix& cidr) {
  auto s = s_->find_pool(pool_id);
  if (!s.ok()) return s.status();
  if (Status st = check_resource(resource); !st.ok()) return st;
  PoolRec& pool = *s_->pools[*s];
  if (cidr.family() != pool.family || !in_provisioned_cidr(pool, cidr)) {
    AddressSpace::Blocked b{AddressSpace::Blocked::kNotProvisioned, AddressSpace::kNoSlot, {}};
    return s_->blocked_status(*s, cidr, b);
  }
  ResourceKey key{pool.scope, resource.id, cidr};
  auto existing = s_->resources.find(key);
  if (existing != s_->resources.end() && existing->second.pool) {
    if (*existing->second.pool == *s && existing->second.has_allocation) {
      return with_overlap(*s_, key, existing->second);
    }
    if (*existing->second.pool != *s) {
      return Status(Code::kAlreadyExists, "resource-already-managed",
                    resource.id + " " + cidr.to_string() + " is already managed by " +
                        s_->pool_id(*existing->second.pool));
    }
  }
  ResourceRec& rec = s_->resources[key];
  rec.type = resource.type;
  rec.owner = resource.owner;
  rec.region = resource.region;
  rec.tags = resource.tags;
  rec.pool = *s;
  rec.has_allocation = false;
  if (pool.space.check(cidr).kind == AddressSpace::Blocked::kNone) {
    uint32_t slot = pool.space.claim_free(cidr, static_cast<uint8_t>(resource.type));
    pool.details[slot] = AllocDetails{resource.id, resource.owner, resource.region, {}, 0};
    rec.has_allocation = true;
  }
  return with_overlap(*s_, key, rec);
}

Result<ResourceCidr> IpamEngine::set_resource_ignored(std::string_view scope_id,
                                                      std::string_view resource_id,
                                                      const Prefix& cidr, bool ignored) {
  auto scope = s_->find_scope(scope_id);
  if (!scope.ok()) return scope.status();
  ResourceKey key{*scope, std::string(resource_id), cidr};
  auto it = s_->resources.find(key);
  if (it == s_->resources.end()) {
    return Status(Code::kNotFound, "resource-not-found",
                  "resource " + std::string(resource_id) + " has no CIDR " + cidr.to_string() +
                      " in " + std::string(scope_id));
  }
  it->second.ignored = ignored;
  return with_overlap(*s_, key, it->second);
}

Status IpamEngine::remove_resource_cidr(std::string_view scope_id, std::string_view resource_id,
                                        const Prefix& cidr) {
  auto scope = s_->find_scope(scope_id);
  if (!scope.ok()) return scope.status();
  auto it = s_->resources.find(ResourceKey{*scope, std::string(resource_id), cidr});
  if (it == s_->resources.end()) {
    return Status(Code::kNotFound, "resource-not-found",
                  "resource " + std::string(resource_id) + " has no CIDR " + cidr.to_string() +
                      " in " + std::string(scope_id));
  }
  const ResourceRec& rec = it->second;
  if (rec.pool && rec.has_allocation) {
    uint32_t slot = s_->pools[*rec.pool]->space.slot_at(cidr);
    if (slot != AddressSpace::kNoSlot) s_->release_slot(*rec.pool, slot);
  }
  s_->resources.erase(it);
  return {};
}

Status IpamEngine::remove_resource(std::string_view resource_id) {
  std::vector<ResourceKey> keys;
  for (const auto& [key, rec] : s_->resources) {
    if (key.resource_id == resource_id) keys.push_back(key);
  }
  if (keys.empty()) {
    return Status(Code::kNotFound, "resource-not-found",
                  "resource " + std::string(resource_id) + " is not known to any scope");
  }
  for (const auto& key : keys) {
    Status st = remove_resource_cidr(s_->scope_id(key.scope), key.resource_id, key.cidr);
    if (!st.ok()) return st;
  }
  return {};
}

Result<std::vector<ResourceCidr>> IpamEngine::resource_cidrs(std::string_view scope_id,
                                                             const ResourceFilter& f) const {
  auto scope = s_->find_scope(scope_id);
  if (!scope.ok()) return scope.status();
  std::vector<ResourceCidr> all;
  for (auto it = s_->resources.lower_bound(ResourceKey{*scope, "", Prefix()});
       it != s_->resources.end() && it->first.scope == *scope; ++it) {
    all.push_back(s_->resource_info(it->first, it->second));
  }
  // Overlap sweep in address order: a CIDR overlaps when it starts at or
  // before the furthest end seen so far (non-ignored CIDRs only).
  std::vector<size_t> order;
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i].management != ManagementState::kIgnored) order.push_back(i);
  }
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return all[a].cidr < all[b].cidr; });
  std::optional<size_t> reach;  // the CIDR with the furthest end so far
  for (size_t i : order) {
    const Prefix& cur = all[i].cidr;
    if (reach) {
      const Prefix& r = all[*reach].cidr;
      if (r.family() == cur.family() && r.last() >= cur.network()) {
        all[i].overlap = OverlapStatus::kOverlapping;
        all[*reach].overlap = OverlapStatus::kOverlapping;
      }
      if (r.family() != cur.family() || cur.last() > r.last()) reach = i;
    } else {
      reach = i;
    }
  }
  std::vector<ResourceCidr> out;
  for (auto& r : all) {
    if (f.management && r.management != *f.management) continue;
    if (f.overlap && r.overlap != *f.overlap) continue;
    if (f.compliance && r.compliance != *f.compliance) continue;
    if (f.pool_id && r.pool_id != *f.pool_id) continue;
    if (f.resource_id && r.resource_id != *f.resource_id) continue;
    if (f.owner && r.owner != *f.owner) continue;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace byoipd::ipam
