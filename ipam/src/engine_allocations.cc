// IpamEngine: allocation guardrails, allocate, preview and release.
#include <algorithm>

#include "state.h"

namespace byoipd::ipam {

namespace {

std::string bounds_text(const Guardrails& g, Family family) {
  return "/" + std::to_string(g.min_netmask_length.value_or(0)) + " to /" +
         std::to_string(g.max_netmask_length.value_or(family_width(family)));
}

std::string provisioned_text(const PoolRec& pool) {
  std::vector<std::string> cidrs;
  for (const auto& c : pool.cidrs) {
    if (c.state == PoolCidrState::kProvisioned) cidrs.push_back(c.cidr.to_string());
  }
  return cidrs.empty() ? std::string("none") : list_text(cidrs, 10);
}

}  // namespace

Result<int> IpamEngine::State::check_request(uint64_t pool_serial,
                                             const AllocationRequest& req) const {
  const PoolRec& pool = *pools[pool_serial];
  // The pool id text is built only for error messages (off the hot path).
  auto pid = [&] { return pool_id(pool_serial); };
  const Guardrails& g = pool.guardrails;
  if (req.cidr && req.netmask_length) {
    return Status(Code::kInvalidArgument, "cidr-or-netmask",
                  "give either a CIDR (" + req.cidr->to_string() + ") or a netmask length (/" +
                      std::to_string(*req.netmask_length) + "), not both");
  }
  if (req.cidr && (!req.allowed_cidrs.empty() || !req.disallowed_cidrs.empty())) {
    return Status(Code::kInvalidArgument, "allowed-cidrs-need-netmask",
                  "allowed/disallowed CIDRs steer a netmask-length allocation; with an explicit "
                  "CIDR (" + req.cidr->to_string() + ") they do not apply");
  }
  for (const auto* list : {&req.allowed_cidrs, &req.disallowed_cidrs}) {
    for (const Prefix& p : *list) {
      if (p.family() != pool.family) {
        return Status(Code::kInvalidArgument, "family-mismatch",
                      "allowed/disallowed CIDR " + p.to_string() + " is not " +
                          std::string(family_name(pool.family)) + " like " + pid());
      }
    }
  }
  int len;
  if (req.cidr) {
    if (req.cidr->family() != pool.family) {
      return Status(Code::kInvalidArgument, "family-mismatch",
                    req.cidr->to_string() + " is " + std::string(family_name(req.cidr->family())) +
                        " but " + pid() + " is an " + std::string(family_name(pool.family)) +
                        " pool");
    }
    len = req.cidr->length();
  } else if (req.netmask_length) {
    len = *req.netmask_length;
    if (len < 0 || len > family_width(pool.family)) {
      return Status(Code::kInvalidArgument, "invalid-netmask-length",
                    "netmask length /" + std::to_string(len) + " is outside 0.." +
                        std::to_string(family_width(pool.family)) + " for " +
                        std::string(family_name(pool.family)));
    }
  } else if (g.default_netmask_length) {
    len = *g.default_netmask_length;
  } else {
    return Status(Code::kInvalidArgument, "netmask-required",
                  "no CIDR or netmask length given, and " + pid() +
                      " has no allocation_default_netmask_length to fall back on");
  }
  if (g.min_netmask_length && len < *g.min_netmask_length) {
    return Status(Code::kInvalidArgument, "netmask-below-min",
                  "requested /" + std::to_string(len) + " is larger than " + pid() +
                      " allows: allocation_min_netmask_length is " +
                      std::to_string(*g.min_netmask_length) + " (the largest block allowed is a /" +
                      std::to_string(*g.min_netmask_length) + "); request " +
                      bounds_text(g, pool.family));
  }
  if (g.max_netmask_length && len > *g.max_netmask_length) {
    return Status(Code::kInvalidArgument, "netmask-above-max",
                  "requested /" + std::to_string(len) + " is smaller than " + pid() +
                      " allows: allocation_max_netmask_length is " +
                      std::to_string(*g.max_netmask_length) +
                      " (the smallest block allowed is a /" +
                      std::to_string(*g.max_netmask_length) + "); request " +
                      bounds_text(g, pool.family));
  }
  if (req.resource) {
    const ResourceRef& r = *req.resource;
    if (Status st = check_resource(r); !st.ok()) return st;
    std::string who = std::string(to_string(r.type)) + " " + r.id;
    if (!pool.locale) {
      return Status(Code::kInvalidArgument, "locale-mismatch",
                    pid() + " has no locale, so it cannot allocate to " + who + " in region " +
                        r.region + "; draw from a pool whose locale is " + r.region +
                        " (pin the regional layer, keep only the top pool locale-free)");
    }
    if (*pool.locale != r.region) {
      return Status(Code::kInvalidArgument, "locale-mismatch",
                    pid() + " has locale " + *pool.locale + " but " + who + " is in region " +
                        r.region + "; only a pool whose locale matches the resource's region "
                        "can allocate to it");
    }
    for (const auto& [key, value] : g.required_tags) {
      auto it = r.tags.find(key);
      if (it == r.tags.end()) {
        return Status(Code::kInvalidArgument, "missing-required-tag",
                      "the resource is missing tag " + key + "=" + value + " required by " + pid() +
                          "'s allocation_resource_tags; add the tag " + key + "=" + value);
      }
      if (it->second != value) {
        return Status(Code::kInvalidArgument, "wrong-required-tag",
                      "the resource has tag " + key + "=" + it->second + " but " + pid() +
                          "'s allocation_resource_tags require " + key + "=" + value);
      }
    }
  }
  return len;
}

std::string IpamEngine::State::holder_text(uint64_t pool_serial, uint32_t slot,
                                           const Prefix& cidr) const {
  const PoolRec& pool = *pools[pool_serial];
  auto type = static_cast<AllocationType>(pool.space.type(slot));
  std::string text = allocation_id(pool_serial, slot) + " (" + cidr.to_string() + ", " +
                     std::string(to_string(type));
  auto it = pool.details.find(slot);
  if (it != pool.details.end()) {
    const AllocDetails& d = it->second;
    if (d.child_pool) text += " for child pool " + pool_id(d.child_pool - 1);
    if (!d.resource_id.empty()) text += " held by " + d.resource_id;
    if (!d.owner.empty()) text += " of account " + d.owner;
    if (!d.description.empty()) text += " '" + d.description + "'";
  }
  return text + ")";
}

Status IpamEngine::State::blocked_status(uint64_t pool_serial, const Prefix& cidr,
                                         const AddressSpace::Blocked& b) const {
  const PoolRec& pool = *pools[pool_serial];
  if (b.kind == AddressSpace::Blocked::kAllocated) {
    return Status(Code::kConflict, "cidr-already-allocated",
                  cidr.to_string() + " overlaps allocation " +
                      holder_text(pool_serial, b.holder, b.holder_prefix) + " in " +
                      pool_id(pool_serial));
  }
  return Status(Code::kInvalidArgument, "cidr-not-in-pool",
                cidr.to_string() + " is " +
                    (b.kind == AddressSpace::Blocked::kPartlyProvisioned ? "only partly" : "not") +
                    " inside the provisioned CIDRs of " + pool_id(pool_serial) +
                    " (provisioned: " + provisioned_text(pool) + ")");
}

Status IpamEngine::State::no_space(uint64_t pool_serial, int len, bool constrained) const {
  const AddressSpace& space = pools[pool_serial]->space;
  std::string pid = pool_id(pool_serial);
  if (space.provisioned_addresses() == 0) {
    return Status(Code::kResourceExhausted, "insufficient-space",
                  pid + " has no provisioned CIDRs; provision space into it first");
  }
  int largest = space.largest_free_length();
  std::string msg = pid + " has no free /" + std::to_string(len) +
                    (constrained ? " within the allowed and outside the disallowed CIDRs" : "") +
                    ": " +
                    (largest < 0 ? std::string("it is full")
                                 : "the largest free block is a /" + std::to_string(largest)) +
                    " (" + u128_to_string(space.allocated_addresses()) + " of " +
                    u128_to_string(space.provisioned_addresses()) +
                    " addresses allocated); provision more space into the pool";
  return Status(Code::kResourceExhausted, "insufficient-space", std::move(msg));
}

Allocation IpamEngine::State::allocation_info(uint64_t pool_serial, uint32_t slot,
                                              const Prefix& cidr) const {
  const PoolRec& pool = *pools[pool_serial];
  Allocation a;
  a.id = allocation_id(pool_serial, slot);
  a.pool_id = pool_id(pool_serial);
  a.cidr = cidr;
  a.type = static_cast<AllocationType>(pool.space.type(slot));
  auto it = pool.details.find(slot);
  if (it != pool.details.end()) {
    const AllocDetails& d = it->second;
    a.resource_id = d.child_pool ? pool_id(d.child_pool - 1) : d.resource_id;
    a.resource_owner = d.child_pool ? pool.owner : d.owner;
    a.resource_region = d.child_pool ? pools[d.child_pool - 1]->locale.value_or("") : d.region;
    a.description = d.description;
  }
  return a;
}

void IpamEngine::State::release_slot(uint64_t pool_serial, uint32_t slot) {
  PoolRec& pool = *pools[pool_serial];
  pool.space.release(slot);
  if (!pool.details.empty()) pool.details.erase(slot);
}

Result<Allocation> IpamEngine::allocate(std::string_view pool_id, const AllocationRequest& req) {
  auto s = s_->find_pool(pool_id);
  if (!s.ok()) return s.status();
  auto len = s_->check_request(*s, req);
  if (!len.ok()) return len.status();
  PoolRec& pool = *s_->pools[*s];
  auto type = static_cast<uint8_t>(req.resource ? req.resource->type : AllocationType::kCustom);
  Prefix cidr;
  uint32_t slot;
  if (req.cidr) {
    cidr = *req.cidr;
    AddressSpace::Blocked blocked;
    slot = pool.space.claim(cidr, type, &blocked);
    if (slot == AddressSpace::kNoSlot) return s_->blocked_status(*s, cidr, blocked);
  } else if (req.allowed_cidrs.empty() && req.disallowed_cidrs.empty()) {
    auto claimed = pool.space.claim_lowest(*len, type);
    if (!claimed) return s_->no_space(*s, *len, false);
    slot = claimed->first;
    cidr = claimed->second;
  } else {
    AllocationConstraints c{req.allowed_cidrs, req.disallowed_cidrs};
    auto found = pool.space.find_free(*len, c);
    if (!found) return s_->no_space(*s, *len, true);
    cidr = *found;
    slot = pool.space.claim_free(cidr, type);
  }
  if (req.resource || !req.description.empty() || !req.owner.empty()) {
    AllocDetails& d = pool.details[slot];
    d.description = req.description;
    d.owner = req.owner;
    if (req.resource) {
      d.resource_id = req.resource->id;
      d.owner = req.resource->owner;
      d.region = req.resource->region;
    }
  }
  if (req.resource) {
    ResourceRec& res = s_->resources[ResourceKey{pool.scope, req.resource->id, cidr}];
    res.type = req.resource->type;
    res.owner = req.resource->owner;
    res.region = req.resource->region;
    res.tags = req.resource->tags;
    res.pool = *s;
    res.has_allocation = true;
  }
  return s_->allocation_info(*s, slot, cidr);
}

Result<Prefix> IpamEngine::preview_allocation(std::string_view pool_id,
                                              const AllocationRequest& req) const {
  auto s = s_->find_pool(pool_id);
  if (!s.ok()) return s.status();
  auto len = s_->check_request(*s, req);
  if (!len.ok()) return len.status();
  const PoolRec& pool = *s_->pools[*s];
  if (req.cidr) {
    AddressSpace::Blocked b = pool.space.check(*req.cidr);
    if (b.kind != AddressSpace::Blocked::kNone) return s_->blocked_status(*s, *req.cidr, b);
    return *req.cidr;
  }
  AllocationConstraints c{req.allowed_cidrs, req.disallowed_cidrs};
  auto found = pool.space.find_free(*len, c);
  if (!found) {
    return s_->no_space(*s, *len, !req.allowed_cidrs.empty() || !req.disallowed_cidrs.empty());
  }
  return *found;
}

namespace {

struct Located {
  uint64_t pool;
  uint32_t slot;
};

Result<Located> locate(const IpamEngine::State& s, std::string_view allocation_id) {
  auto parts = s.ids.decode_allocation(allocation_id);
  if (parts && parts->pool_serial < s.pools.size() && s.pools[parts->pool_serial]) {
    const AddressSpace& space = s.pools[parts->pool_serial]->space;
    if (space.slot_live(parts->slot) && space.generation(parts->slot) == parts->generation) {
      return Located{parts->pool_serial, parts->slot};
    }
  }
  return Status(Code::kNotFound, "allocation-not-found",
                "allocation '" + std::string(allocation_id) +
                    "' does not exist (already released, or not an id from this IPAM); list the "
                    "pool's allocations for current ids");
}

}  // namespace

Status IpamEngine::release_allocation(std::string_view pool_id, std::string_view allocation_id,
                                      std::optional<Prefix> cidr) {
  auto s = s_->find_pool(pool_id);
  if (!s.ok()) return s.status();
  auto at = locate(*s_, allocation_id);
  if (!at.ok()) return at.status();
  if (at->pool != *s) {
    return Status(Code::kNotFound, "allocation-not-found",
                  "allocation " + std::string(allocation_id) + " is in " + s_->pool_id(at->pool) +
                      ", not " + std::string(pool_id));
  }
  PoolRec& pool = *s_->pools[*s];
  // The prefix is rebuilt (a walk up the trie) only when it is needed.
  if (cidr && *cidr != pool.space.prefix_of(at->slot)) {
    return Status(Code::kInvalidArgument, "cidr-mismatch",
                  "allocation " + std::string(allocation_id) + " holds " +
                      pool.space.prefix_of(at->slot).to_string() + ", not " + cidr->to_string());
  }
  auto type = static_cast<AllocationType>(pool.space.type(at->slot));
  if (type == AllocationType::kIpamPool) {
    return Status(Code::kFailedPrecondition, "allocation-not-releasable",
                  s_->holder_text(*s, at->slot, pool.space.prefix_of(at->slot)) +
                      " is a child pool's provisioned CIDR: deprovision it from the child pool");
  }
  if (type != AllocationType::kCustom) {
    return Status(Code::kFailedPrecondition, "allocation-not-releasable",
                  s_->holder_text(*s, at->slot, pool.space.prefix_of(at->slot)) +
                      " belongs to a resource: delete the resource (or remove its CIDR) to "
                      "release it; only manual reservations are released directly");
  }
  s_->release_slot(*s, at->slot);
  return {};
}

Result<Allocation> IpamEngine::describe_allocation(std::string_view allocation_id) const {
  auto at = locate(*s_, allocation_id);
  if (!at.ok()) return at.status();
  return s_->allocation_info(at->pool, at->slot,
                             s_->pools[at->pool]->space.prefix_of(at->slot));
}

Result<std::vector<Allocation>> IpamEngine::list_allocations(std::string_view pool_id,
                                                             const ListOptions& options) const {
  auto s = s_->find_pool(pool_id);
  if (!s.ok()) return s.status();
  const PoolRec& pool = *s_->pools[*s];
  std::vector<Allocation> out;
  pool.space.for_each_allocation(Prefix::root(pool.family), options.after,
                                 [&](const Prefix& p, uint32_t slot) {
                                   out.push_back(s_->allocation_info(*s, slot, p));
                                   return options.limit == 0 || out.size() < options.limit;
                                 });
  return out;
}

}  // namespace byoipd::ipam
