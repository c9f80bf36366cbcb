// IpamEngine: pools and their provisioned CIDRs.
#include <algorithm>

#include "state.h"

namespace byoipd::ipam {

PoolInfo IpamEngine::State::pool_info(uint64_t s) const {
  const PoolRec& r = *pools[s];
  PoolInfo info;
  info.id = pool_id(s);
  info.ipam_id = ipam_id(r.ipam);
  info.scope_id = scope_id(r.scope);
  info.scope_type = scopes[r.scope]->type;
  info.family = r.family;
  if (r.parent) info.source_pool_id = pool_id(*r.parent);
  info.depth = r.depth;
  info.locale = r.locale;
  info.owner = r.owner;
  info.description = r.description;
  info.tags = r.tags;
  info.auto_import = r.auto_import;
  info.publicly_advertisable = r.publicly_advertisable;
  info.guardrails = r.guardrails;
  return info;
}

PoolCidrInfo IpamEngine::State::cidr_info(uint64_t pool, const PoolCidrRec& c) const {
  return PoolCidrInfo{cidr_id(c.serial), pool_id(pool), c.cidr, c.state, c.failure_reason};
}

namespace {

Status check_length(const char* name, int value, Family family) {
  int width = family_width(family);
  if (value >= 0 && value <= width) return {};
  return Status(Code::kInvalidArgument, "invalid-netmask-length",
                std::string(name) + " " + std::to_string(value) + " is outside 0.." +
                    std::to_string(width) + " for an " + std::string(family_name(family)) +
                    " pool");
}

// Guardrails must be coherent: each length in range, min <= default <= max.
Status check_guardrails(const Guardrails& g, Family family) {
  const std::pair<const char*, const std::optional<int>*> fields[] = {
      {"allocation_default_netmask_length", &g.default_netmask_length},
      {"allocation_min_netmask_length", &g.min_netmask_length},
      {"allocation_max_netmask_length", &g.max_netmask_length},
  };
  for (const auto& [name, value] : fields) {
    if (*value) {
      if (Status st = check_length(name, **value, family); !st.ok()) return st;
    }
  }
  if (g.min_netmask_length && g.max_netmask_length && *g.min_netmask_length > *g.max_netmask_length) {
    return Status(Code::kInvalidArgument, "invalid-guardrails",
                  "allocation_min_netmask_length " + std::to_string(*g.min_netmask_length) +
                      " is greater than allocation_max_netmask_length " +
                      std::to_string(*g.max_netmask_length) +
                      " (min is the largest block allowed, so it must be the smaller number)");
  }
  if (g.default_netmask_length) {
    int d = *g.default_netmask_length;
    if ((g.min_netmask_length && d < *g.min_netmask_length) ||
        (g.max_netmask_length && d > *g.max_netmask_length)) {
      return Status(Code::kInvalidArgument, "invalid-guardrails",
                    "allocation_default_netmask_length " + std::to_string(d) +
                        " is outside the pool's bounds /" +
                        std::to_string(g.min_netmask_length.value_or(0)) + " to /" +
                        std::to_string(g.max_netmask_length.value_or(family_width(family))));
    }
  }
  for (const auto& [key, value] : g.required_tags) {
    if (key.empty()) {
      return Status(Code::kInvalidArgument, "invalid-tag",
                    "allocation_resource_tags has a tag with an empty key (value '" + value + "')");
    }
  }
  return {};
}

}  // namespace

Result<PoolInfo> IpamEngine::create_pool(const PoolSpec& spec) {
  auto scope_serial = s_->find_scope(spec.scope_id);
  if (!scope_serial.ok()) return scope_serial.status();
  const ScopeRec& scope = *s_->scopes[*scope_serial];
  const IpamRec& ipam = *s_->ipams[scope.ipam];
  int depth = 1;
  std::optional<uint64_t> parent;
  if (spec.source_pool_id) {
    auto p = s_->find_pool(*spec.source_pool_id);
    if (!p.ok()) return p.status();
    const PoolRec& src = *s_->pools[*p];
    if (src.scope != *scope_serial) {
      return Status(Code::kInvalidArgument, "scope-mismatch",
                    "source pool " + *spec.source_pool_id + " is in scope " +
                        s_->scope_id(src.scope) + ", not " + spec.scope_id +
                        " (a child pool lives in its parent's scope)");
    }
    if (src.family != spec.family) {
      return Status(Code::kInvalidArgument, "family-mismatch",
                    "source pool " + *spec.source_pool_id + " is " +
                        std::string(family_name(src.family)) + "; a child pool must be too, not " +
                        std::string(family_name(spec.family)));
    }
    depth = src.depth + 1;
    if (depth > kMaxPoolDepth) {
      return Status(Code::kFailedPrecondition, "pool-depth-exceeded",
                    "a pool under " + *spec.source_pool_id + " would be at depth " +
                        std::to_string(depth) + "; pools nest at most " +
                        std::to_string(kMaxPoolDepth) + " deep");
    }
    if (src.locale && spec.locale != src.locale) {
      return Status(Code::kInvalidArgument, "locale-mismatch",
                    "locale " + spec.locale.value_or("(none)") + " differs from source pool " +
                        *spec.source_pool_id + "'s locale " + *src.locale +
                        " (a child must use its parent's locale when the parent has one)");
    }
    parent = *p;
  }
  if (spec.locale) {
    if (!ipam.regions.count(*spec.locale)) {
      std::vector<std::string> regions(ipam.regions.begin(), ipam.regions.end());
      return Status(Code::kInvalidArgument, "locale-not-operating-region",
                    "locale " + *spec.locale + " is not an operating region of " +
                        s_->ipam_id(scope.ipam) + " (operating regions: " + list_text(regions, 20) +
                        "); add the operating region first");
    }
    if (ipam.tier == Tier::kFree && *spec.locale != ipam.home_region) {
      return Status(Code::kFailedPrecondition, "tier-restriction",
                    "locale " + *spec.locale + " is not the home region " + ipam.home_region +
                        ": cross-region pools need the advanced tier");
    }
  }
  if (spec.publicly_advertisable && *spec.publicly_advertisable &&
      scope.type != ScopeType::kPublic) {
    return Status(Code::kInvalidArgument, "publicly-advertisable-private-scope",
                  "publicly_advertisable is only valid for pools in a public scope; " +
                      spec.scope_id + " is private");
  }
  if (Status st = check_guardrails(spec.guardrails, spec.family); !st.ok()) return st;

  uint64_t serial = s_->pools.size();
  auto rec = std::make_unique<PoolRec>(spec.family);
  rec->ipam = scope.ipam;
  rec->scope = *scope_serial;
  rec->parent = parent;
  rec->depth = depth;
  rec->locale = spec.locale;
  rec->owner = ipam.owner;
  rec->description = spec.description;
  rec->tags = spec.tags;
  rec->auto_import = spec.auto_import;
  // IPv4 space in the public scope is advertisable by nature.
  rec->publicly_advertisable =
      scope.type == ScopeType::kPublic &&
      spec.publicly_advertisable.value_or(spec.family == Family::kV4);
  rec->guardrails = spec.guardrails;
  if (parent) s_->pools[*parent]->children.push_back(serial);
  s_->pools.push_back(std::move(rec));
  return s_->pool_info(serial);
}

Result<PoolInfo> IpamEngine::describe_pool(std::string_view pool_id) const {
  auto s = s_->find_pool(pool_id);
  if (!s.ok()) return s.status();
  return s_->pool_info(*s);
}

std::vector<PoolInfo> IpamEngine::list_pools(std::optional<std::string_view> scope_id) const {
  std::optional<uint64_t> only;
  if (scope_id) {
    auto s = s_->find_scope(*scope_id);
    if (!s.ok()) return {};
    only = *s;
  }
  std::vector<PoolInfo> out;
  for (uint64_t i = 0; i < s_->pools.size(); ++i) {
    if (s_->pools[i] && (!only || s_->pools[i]->scope == *only)) out.push_back(s_->pool_info(i));
  }
  return out;
}

Status IpamEngine::change_tags(std::string_view id, const Tags& set,
                               const std::vector<TagRemoval>& remove) {
  Tags* tags = nullptr;
  if (id.rfind("ipam-pool-", 0) == 0) {
    auto s = s_->find_pool(id);
    if (!s.ok()) return s.status();
    tags = &s_->pools[*s]->tags;
  } else {
    auto s = s_->find_ipam(id);
    if (!s.ok()) return s.status();
    tags = &s_->ipams[*s]->tags;
  }
  for (const auto& [key, value] : set) {
    if (key.empty()) {
      return Status(Code::kInvalidArgument, "invalid-tag",
                    "a tag key must not be empty (value '" + value + "')");
    }
  }
  for (const auto& [key, value] : set) (*tags)[key] = value;
  for (const auto& r : remove) {
    auto it = tags->find(r.key);
    if (it != tags->end() && (!r.value || it->second == *r.value)) tags->erase(it);
  }
  return {};
}

Result<PoolInfo> IpamEngine::modify_pool(std::string_view pool_id, const PoolChange& change) {
  auto s = s_->find_pool(pool_id);
  if (!s.ok()) return s.status();
  PoolRec& rec = *s_->pools[*s];
  Guardrails g = rec.guardrails;
  if (change.clear_default_netmask_length) g.default_netmask_length.reset();
  if (change.clear_min_netmask_length) g.min_netmask_length.reset();
  if (change.clear_max_netmask_length) g.max_netmask_length.reset();
  if (change.default_netmask_length) g.default_netmask_length = change.default_netmask_length;
  if (change.min_netmask_length) g.min_netmask_length = change.min_netmask_length;
  if (change.max_netmask_length) g.max_netmask_length = change.max_netmask_length;
  if (change.required_tags) g.required_tags = *change.required_tags;
  if (Status st = check_guardrails(g, rec.family); !st.ok()) return st;
  rec.guardrails = std::move(g);
  if (change.description) rec.description = *change.description;
  if (change.auto_import) rec.auto_import = *change.auto_import;
  return s_->pool_info(*s);
}

Status IpamEngine::delete_pool(std::string_view pool_id) {
  auto s = s_->find_pool(pool_id);
  if (!s.ok()) return s.status();
  PoolRec& rec = *s_->pools[*s];
  std::vector<std::string> blockers;
  for (uint64_t child : rec.children) blockers.push_back("child pool " + s_->pool_id(child));
  for (const auto& c : rec.cidrs) {
    if (c.state == PoolCidrState::kProvisioned || c.state == PoolCidrState::kPendingProvision) {
      blockers.push_back(std::string(to_string(c.state)) + " CIDR " + c.cidr.to_string());
    }
  }
  if (!blockers.empty()) {
    return Status(Code::kFailedPrecondition, "deletion-protected",
                  "cannot delete " + std::string(pool_id) + ", blocked by: " + list_text(blockers) +
                      "; delete child pools and deprovision CIDRs first (bottom-up)");
  }
  s_->unmanage_resources_of_pool(*s);
  if (rec.parent) {
    auto& siblings = s_->pools[*rec.parent]->children;
    siblings.erase(std::remove(siblings.begin(), siblings.end(), *s), siblings.end());
  }
  s_->pools[*s].reset();
  return {};
}

void IpamEngine::State::unmanage_resources_of_pool(uint64_t pool) {
  for (auto& [key, res] : resources) {
    if (res.pool == pool) {
      res.pool.reset();
      res.has_allocation = false;
    }
  }
}

void IpamEngine::State::drop_pool_tree(uint64_t pool) {
  PoolRec& rec = *pools[pool];
  for (uint64_t child : rec.children) drop_pool_tree(child);
  if (!rec.parent) {
    auto& top = scopes[rec.scope]->top_cidrs;
    for (auto it = top.begin(); it != top.end();) {
      it = it->second == pool ? top.erase(it) : std::next(it);
    }
  }
  unmanage_resources_of_pool(pool);
  pools[pool].reset();
}

// ---- provisioned CIDRs ------------------------------------------------------

Status IpamEngine::State::pending_or_live_cidr_conflict(uint64_t scope,
                                                        const Prefix& cidr) const {
  const auto& top = scopes[scope]->top_cidrs;
  auto report = [&](const std::pair<const Prefix, uint64_t>& e) {
    return Status(Code::kConflict, "overlap-in-scope",
                  cidr.to_string() + " overlaps " + e.first.to_string() + " already provisioned to " +
                      pool_id(e.second) + " in scope " + scope_id(scope) +
                      " (prefixes in one scope must not overlap)");
  };
  auto it = top.upper_bound(cidr);
  if (it != top.end() && cidr.contains(it->first)) return report(*it);
  if (it != top.begin()) {
    auto prev = std::prev(it);
    if (prev->first.overlaps(cidr)) return report(*prev);
  }
  return {};
}

Result<PoolCidrInfo> IpamEngine::provision_cidr(std::string_view pool_id,
                                                const ProvisionRequest& req) {
  auto s = s_->find_pool(pool_id);
  if (!s.ok()) return s.status();
  PoolRec& pool = *s_->pools[*s];
  const ScopeRec& scope = *s_->scopes[pool.scope];
  const IpamRec& ipam = *s_->ipams[pool.ipam];
  if (req.cidr.has_value() == req.netmask_length.has_value()) {
    return Status(Code::kInvalidArgument, "cidr-or-netmask-required",
                  "provisioning into " + std::string(pool_id) +
                      " needs exactly one of a CIDR or a netmask length");
  }
  if (req.cidr && req.cidr->family() != pool.family) {
    return Status(Code::kInvalidArgument, "family-mismatch",
                  req.cidr->to_string() + " is " + std::string(family_name(req.cidr->family())) +
                      " but " + std::string(pool_id) + " is an " +
                      std::string(family_name(pool.family)) + " pool");
  }
  if (req.netmask_length) {
    if (Status st = check_length("netmask length", *req.netmask_length, pool.family); !st.ok()) {
      return st;
    }
  }
  const int length = req.cidr ? req.cidr->length() : *req.netmask_length;

  if (!pool.parent) {
    if (!req.cidr) {
      return Status(Code::kInvalidArgument, "top-level-needs-cidr",
                    std::string(pool_id) +
                        " is a top-level pool: provision an explicit CIDR (a netmask length "
                        "carves from a source pool, and it has none)");
    }
    if (scope.type == ScopeType::kPublic) {
      if (ipam.tier == Tier::kFree) {
        return Status(Code::kFailedPrecondition, "tier-restriction",
                      "BYOIP (provisioning public space into " + std::string(pool_id) +
                          ") needs the advanced tier; " + s_->ipam_id(pool.ipam) + " is free tier");
      }
      // BYOIP size limits: the smallest globally routable blocks.
      int limit = pool.family == Family::kV4 ? 24 : (pool.publicly_advertisable ? 48 : 60);
      if (length > limit) {
        return Status(Code::kInvalidArgument, "byoip-prefix-too-small",
                      req.cidr->to_string() + " is longer than /" + std::to_string(limit) +
                          ", the most specific " + std::string(family_name(pool.family)) +
                          (pool.publicly_advertisable ? " publicly advertisable" : "") +
                          " BYOIP prefix");
      }
      if (!req.pending_verification) {
        return Status(Code::kFailedPrecondition, "verification-required",
                      "public-scope CIDR " + req.cidr->to_string() +
                          " must pass the ownership check (signed authorization context) first: "
                          "provision it as pending and complete it after verification");
      }
    } else if (req.pending_verification) {
      return Status(Code::kInvalidArgument, "verification-not-applicable",
                    "only public-scope CIDRs are verified; " + req.cidr->to_string() +
                        " is for a private scope pool");
    }
    if (Status st = s_->pending_or_live_cidr_conflict(pool.scope, *req.cidr); !st.ok()) return st;
    PoolCidrRec rec{s_->next_cidr_serial++, *req.cidr,
                    req.pending_verification ? PoolCidrState::kPendingProvision
                                             : PoolCidrState::kProvisioned,
                    {}};
    s_->scopes[pool.scope]->top_cidrs.emplace(*req.cidr, *s);
    if (!req.pending_verification) pool.space.provision(*req.cidr);
    pool.cidrs.push_back(rec);
    return s_->cidr_info(*s, rec);
  }

  if (req.pending_verification) {
    return Status(Code::kInvalidArgument, "verification-not-applicable",
                  std::string(pool_id) +
                      " draws from its source pool, whose space was verified when it was "
                      "provisioned; only top-level public pools verify ownership");
  }
  // A child pool's CIDR is an allocation of type ipam-pool in its parent,
  // under the parent's guardrails.
  uint64_t parent = *pool.parent;
  AllocationRequest as_alloc;
  as_alloc.cidr = req.cidr;
  as_alloc.netmask_length = req.netmask_length;
  auto checked = s_->check_request(parent, as_alloc);
  if (!checked.ok()) return checked.status();
  PoolRec& src = *s_->pools[parent];
  Prefix cidr;
  if (req.cidr) {
    cidr = *req.cidr;
  } else {
    auto found = src.space.find_free(length);
    if (!found) return s_->no_space(parent, length, false);
    cidr = *found;
  }
  AddressSpace::Blocked blocked;
  uint32_t slot = src.space.claim(cidr, static_cast<uint8_t>(AllocationType::kIpamPool), &blocked);
  if (slot == AddressSpace::kNoSlot) return s_->blocked_status(parent, cidr, blocked);
  AllocDetails& d = src.details[slot];
  d.child_pool = *s + 1;
  pool.space.provision(cidr);
  PoolCidrRec rec{s_->next_cidr_serial++, cidr, PoolCidrState::kProvisioned, {}};
  pool.cidrs.push_back(rec);
  return s_->cidr_info(*s, rec);
}

Result<PoolCidrInfo> IpamEngine::complete_provision(std::string_view pool_id, const Prefix& cidr,
                                                    const Status& verification) {
  auto s = s_->find_pool(pool_id);
  if (!s.ok()) return s.status();
  PoolRec& pool = *s_->pools[*s];
  for (auto& c : pool.cidrs) {
    if (c.cidr != cidr || c.state != PoolCidrState::kPendingProvision) continue;
    if (verification.ok()) {
      pool.space.provision(cidr);
      c.state = PoolCidrState::kProvisioned;
    } else {
      c.state = PoolCidrState::kFailedProvision;
      c.failure_reason = verification.message();
      s_->scopes[pool.scope]->top_cidrs.erase(cidr);
    }
    return s_->cidr_info(*s, c);
  }
  return Status(Code::kFailedPrecondition, "no-pending-provision",
                cidr.to_string() + " is not pending provision in " + std::string(pool_id));
}

Result<PoolCidrInfo> IpamEngine::deprovision_cidr(std::string_view pool_id, const Prefix& cidr) {
  auto s = s_->find_pool(pool_id);
  if (!s.ok()) return s.status();
  PoolRec& pool = *s_->pools[*s];
  PoolCidrRec* rec = nullptr;
  std::vector<std::string> provisioned;
  for (auto& c : pool.cidrs) {
    bool active = c.state == PoolCidrState::kProvisioned ||
                  c.state == PoolCidrState::kPendingProvision;
    if (!active) continue;
    provisioned.push_back(c.cidr.to_string());
    if (c.cidr == cidr) rec = &c;
  }
  if (!rec) {
    return Status(Code::kNotFound, "cidr-not-provisioned",
                  cidr.to_string() + " is not a provisioned CIDR of " + std::string(pool_id) +
                      " (provisioned: " +
                      (provisioned.empty() ? std::string("none") : list_text(provisioned, 20)) +
                      ")");
  }
  if (rec->state == PoolCidrState::kProvisioned) {
    std::vector<std::string> holders;
    pool.space.for_each_allocation(cidr, std::nullopt, [&](const Prefix& q, uint32_t slot) {
      holders.push_back(s_->holder_text(*s, slot, q));
      return true;
    });
    if (!holders.empty()) {
      return Status(Code::kFailedPrecondition, "deletion-protected",
                    "cannot deprovision " + cidr.to_string() + " from " + std::string(pool_id) +
                        ": the CIDR has " + std::to_string(holders.size()) +
                        " allocation(s): " + list_text(holders) +
                        "; release them (bottom-up) first");
    }
    pool.space.deprovision(cidr);
  }
  if (pool.parent) {
    PoolRec& src = *s_->pools[*pool.parent];
    uint32_t slot = src.space.slot_at(cidr);
    if (slot != AddressSpace::kNoSlot) s_->release_slot(*pool.parent, slot);
  } else {
    s_->scopes[pool.scope]->top_cidrs.erase(cidr);
  }
  rec->state = PoolCidrState::kDeprovisioned;
  return s_->cidr_info(*s, *rec);
}

Result<std::vector<PoolCidrInfo>> IpamEngine::list_pool_cidrs(std::string_view pool_id) const {
  auto s = s_->find_pool(pool_id);
  if (!s.ok()) return s.status();
  std::vector<PoolCidrInfo> out;
  for (const auto& c : s_->pools[*s]->cidrs) out.push_back(s_->cidr_info(*s, c));
  return out;
}

}  // namespace byoipd::ipam
