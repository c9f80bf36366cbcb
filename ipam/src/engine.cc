// IpamEngine: construction, lookups, IPAMs and scopes.
#include <algorithm>

#include "state.h"

namespace byoipd::ipam {

// ---- enum names (EC2 model spelling) --------------------------------------

std::string_view to_string(Tier v) { return v == Tier::kFree ? "free" : "advanced"; }
std::string_view to_string(ScopeType v) { return v == ScopeType::kPrivate ? "private" : "public"; }
std::string_view to_string(PoolCidrState v) {
  switch (v) {
    case PoolCidrState::kPendingProvision: return "pending-provision";
    case PoolCidrState::kProvisioned: return "provisioned";
    case PoolCidrState::kFailedProvision: return "failed-provision";
    case PoolCidrState::kPendingDeprovision: return "pending-deprovision";
    case PoolCidrState::kDeprovisioned: return "deprovisioned";
    case PoolCidrState::kFailedDeprovision: return "failed-deprovision";
    case PoolCidrState::kPendingImport: return "pending-import";
    case PoolCidrState::kFailedImport: return "failed-import";
  }
  return "unknown";
}
std::string_view to_string(AllocationType v) {
  switch (v) {
    case AllocationType::kIpamPool: return "ipam-pool";
    case AllocationType::kVpc: return "vpc";
    case AllocationType::kEc2PublicIpv4Pool: return "ec2-public-ipv4-pool";
    case AllocationType::kCustom: return "custom";
    case AllocationType::kSubnet: return "subnet";
    case AllocationType::kEip: return "eip";
    case AllocationType::kAnycastIpList: return "anycast-ip-list";
  }
  return "unknown";
}
std::string_view to_string(ManagementState v) {
  switch (v) {
    case ManagementState::kManaged: return "managed";
    case ManagementState::kUnmanaged: return "unmanaged";
    case ManagementState::kIgnored: return "ignored";
  }
  return "unknown";
}
std::string_view to_string(OverlapStatus v) {
  switch (v) {
    case OverlapStatus::kOverlapping: return "overlapping";
    case OverlapStatus::kNonoverlapping: return "nonoverlapping";
    case OverlapStatus::kIgnored: return "ignored";
  }
  return "unknown";
}
std::string_view to_string(ComplianceStatus v) {
  switch (v) {
    case ComplianceStatus::kCompliant: return "compliant";
    case ComplianceStatus::kNoncompliant: return "noncompliant";
    case ComplianceStatus::kUnmanaged: return "unmanaged";
    case ComplianceStatus::kIgnored: return "ignored";
  }
  return "unknown";
}
std::optional<Tier> parse_tier(std::string_view s) {
  if (s == "free") return Tier::kFree;
  if (s == "advanced") return Tier::kAdvanced;
  return std::nullopt;
}
std::optional<AllocationType> parse_allocation_type(std::string_view s) {
  for (int i = 0; i <= static_cast<int>(AllocationType::kAnycastIpList); ++i) {
    auto t = static_cast<AllocationType>(i);
    if (to_string(t) == s) return t;
  }
  return std::nullopt;
}

std::string list_text(const std::vector<std::string>& items, size_t max_items) {
  std::string out;
  size_t shown = std::min(items.size(), max_items);
  for (size_t i = 0; i < shown; ++i) {
    if (i) out += ", ";
    out += items[i];
  }
  if (items.size() > shown) out += " and " + std::to_string(items.size() - shown) + " more";
  return out;
}

// ---- construction --------------------------------------------------------

IpamEngine::IpamEngine() : IpamEngine(Options{}) {}
IpamEngine::IpamEngine(Options options) : s_(std::make_unique<State>(options.id_salt)) {}
IpamEngine::~IpamEngine() = default;
IpamEngine::IpamEngine(IpamEngine&&) noexcept = default;
IpamEngine& IpamEngine::operator=(IpamEngine&&) noexcept = default;

// ---- lookups -----------------------------------------------------------------

namespace {

template <typename Rec>
Result<uint64_t> find_in(const std::vector<std::unique_ptr<Rec>>& table, const IdCodec& ids,
                         IdKind kind, std::string_view id, const char* reason,
                         const char* what) {
  auto serial = ids.decode(kind, id);
  if (serial && *serial < table.size() && table[*serial]) return *serial;
  return Status(Code::kNotFound, reason,
                std::string(what) + " '" + std::string(id) + "' does not exist" +
                    (serial ? "" : " (expected an id like " + std::string(id_prefix(kind)) +
                                       "0123456789abcdef0)"));
}

}  // namespace

Result<uint64_t> IpamEngine::State::find_ipam(std::string_view id) const {
  return find_in(ipams, ids, IdKind::kIpam, id, "ipam-not-found", "IPAM");
}
Result<uint64_t> IpamEngine::State::find_scope(std::string_view id) const {
  return find_in(scopes, ids, IdKind::kScope, id, "scope-not-found", "scope");
}
Result<uint64_t> IpamEngine::State::find_pool(std::string_view id) const {
  return find_in(pools, ids, IdKind::kPool, id, "pool-not-found", "pool");
}

// ---- info views ----------------------------------------------------------------

IpamInfo IpamEngine::State::ipam_info(uint64_t s) const {
  const IpamRec& r = *ipams[s];
  IpamInfo info;
  info.id = ipam_id(s);
  info.owner = r.owner;
  info.home_region = r.home_region;
  info.operating_regions.assign(r.regions.begin(), r.regions.end());
  info.tier = r.tier;
  info.description = r.description;
  info.tags = r.tags;
  info.private_default_scope_id = scope_id(r.private_scope);
  info.public_default_scope_id = scope_id(r.public_scope);
  info.scope_count = 0;
  for (const auto& sc : scopes) {
    if (sc && sc->ipam == s) ++info.scope_count;
  }
  return info;
}

ScopeInfo IpamEngine::State::scope_info(uint64_t s) const {
  const ScopeRec& r = *scopes[s];
  int count = 0;
  for (const auto& p : pools) {
    if (p && p->scope == s) ++count;
  }
  return ScopeInfo{scope_id(s), ipam_id(r.ipam), r.type, r.is_default, r.description, count};
}

// ---- IPAM ----------------------------------------------------------------------

static Status check_region_name(std::string_view region) {
  bool ok = !region.empty() && region.size() <= 64 &&
            std::all_of(region.begin(), region.end(), [](char c) {
              return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
            });
  if (ok) return {};
  return Status(Code::kInvalidArgument, "invalid-region",
                "region '" + std::string(region) +
                    "' is not a region name (lower-case letters, digits and '-', e.g. eu-west-1)");
}

Result<IpamInfo> IpamEngine::create_ipam(const IpamSpec& spec) {
  if (Status st = check_region_name(spec.home_region); !st.ok()) return st;
  for (const auto& r : spec.operating_regions) {
    if (Status st = check_region_name(r); !st.ok()) return st;
  }
  uint64_t serial = s_->ipams.size();
  auto rec = std::make_unique<IpamRec>();
  rec->owner = spec.owner;
  rec->home_region = spec.home_region;
  rec->regions.insert(spec.operating_regions.begin(), spec.operating_regions.end());
  rec->regions.insert(spec.home_region);  // the home region always operates
  rec->tier = spec.tier;
  rec->description = spec.description;
  rec->tags = spec.tags;
  // Every IPAM ships a private and a public default scope.
  for (ScopeType type : {ScopeType::kPrivate, ScopeType::kPublic}) {
    auto scope = std::make_unique<ScopeRec>();
    scope->ipam = serial;
    scope->type = type;
    scope->is_default = true;
    (type == ScopeType::kPrivate ? rec->private_scope : rec->public_scope) = s_->scopes.size();
    s_->scopes.push_back(std::move(scope));
  }
  s_->ipams.push_back(std::move(rec));
  return s_->ipam_info(serial);
}

Result<IpamInfo> IpamEngine::describe_ipam(std::string_view ipam_id) const {
  auto s = s_->find_ipam(ipam_id);
  if (!s.ok()) return s.status();
  return s_->ipam_info(*s);
}

std::vector<IpamInfo> IpamEngine::list_ipams() const {
  std::vector<IpamInfo> out;
  for (uint64_t i = 0; i < s_->ipams.size(); ++i) {
    if (s_->ipams[i]) out.push_back(s_->ipam_info(i));
  }
  return out;
}

Result<IpamInfo> IpamEngine::modify_ipam(std::string_view ipam_id, const IpamChange& change) {
  auto s = s_->find_ipam(ipam_id);
  if (!s.ok()) return s.status();
  IpamRec& rec = *s_->ipams[*s];
  for (const auto& r : change.add_operating_regions) {
    if (Status st = check_region_name(r); !st.ok()) return st;
  }
  Tier tier = change.tier.value_or(rec.tier);
  // Validate everything before changing anything.
  for (const auto& region : change.remove_operating_regions) {
    if (region == rec.home_region) {
      return Status(Code::kFailedPrecondition, "home-region-required",
                    "cannot remove " + region + " from the operating regions of " +
                        std::string(ipam_id) + ": it is the IPAM's home region");
    }
    std::vector<std::string> blockers;
    for (uint64_t p = 0; p < s_->pools.size(); ++p) {
      const auto& pool = s_->pools[p];
      if (pool && pool->ipam == *s && pool->locale == region) blockers.push_back(s_->pool_id(p));
    }
    for (const auto& [key, res] : s_->resources) {
      if (s_->scopes[key.scope]->ipam == *s && res.region == region) {
        blockers.push_back(key.resource_id + " (" + key.cidr.to_string() + ")");
      }
    }
    if (!blockers.empty()) {
      return Status(Code::kFailedPrecondition, "operating-region-in-use",
                    "cannot remove operating region " + region +
                        ": pools or resources still use it: " + list_text(blockers) +
                        "; reclaim that region's space first");
    }
  }
  if (tier == Tier::kFree) {
    std::vector<std::string> blockers;
    for (uint64_t p = 0; p < s_->pools.size(); ++p) {
      const auto& pool = s_->pools[p];
      if (!pool || pool->ipam != *s) continue;
      if (pool->locale && *pool->locale != rec.home_region) {
        blockers.push_back(s_->pool_id(p) + " (cross-region locale " + *pool->locale + ")");
      }
      if (s_->scopes[pool->scope]->type == ScopeType::kPublic && !pool->cidrs.empty()) {
        blockers.push_back(s_->pool_id(p) + " (BYOIP space in the public scope)");
      }
    }
    if (!blockers.empty()) {
      return Status(Code::kFailedPrecondition, "tier-restriction",
                    "cannot move " + std::string(ipam_id) +
                        " to the free tier: it has advanced-tier features in use: " +
                        list_text(blockers));
    }
  }
  for (const auto& r : change.add_operating_regions) rec.regions.insert(r);
  for (const auto& r : change.remove_operating_regions) rec.regions.erase(r);
  rec.tier = tier;
  if (change.description) rec.description = *change.description;
  return s_->ipam_info(*s);
}

Status IpamEngine::delete_ipam(std::string_view ipam_id, bool cascade) {
  auto s = s_->find_ipam(ipam_id);
  if (!s.ok()) return s.status();
  std::vector<uint64_t> top_pools;
  std::vector<std::string> blockers;
  for (uint64_t p = 0; p < s_->pools.size(); ++p) {
    const auto& pool = s_->pools[p];
    if (!pool || pool->ipam != *s) continue;
    blockers.push_back(s_->pool_id(p));
    if (!pool->parent) top_pools.push_back(p);
  }
  if (!blockers.empty() && !cascade) {
    return Status(Code::kFailedPrecondition, "deletion-protected",
                  "cannot delete " + std::string(ipam_id) + ": it still has " +
                      std::to_string(blockers.size()) + " pool(s): " + list_text(blockers) +
                      "; delete them bottom-up first, or delete with cascade");
  }
  for (uint64_t p : top_pools) s_->drop_pool_tree(p);
  for (auto it = s_->resources.begin(); it != s_->resources.end();) {
    it = s_->scopes[it->first.scope]->ipam == *s ? s_->resources.erase(it) : std::next(it);
  }
  for (auto& scope : s_->scopes) {
    if (scope && scope->ipam == *s) scope.reset();
  }
  s_->ipams[*s].reset();
  return {};
}

// ---- scopes ---------------------------------------------------------------------

Result<ScopeInfo> IpamEngine::create_scope(std::string_view ipam_id, std::string description) {
  auto s = s_->find_ipam(ipam_id);
  if (!s.ok()) return s.status();
  auto scope = std::make_unique<ScopeRec>();
  scope->ipam = *s;
  scope->type = ScopeType::kPrivate;
  scope->description = std::move(description);
  uint64_t serial = s_->scopes.size();
  s_->scopes.push_back(std::move(scope));
  return s_->scope_info(serial);
}

Result<ScopeInfo> IpamEngine::describe_scope(std::string_view scope_id) const {
  auto s = s_->find_scope(scope_id);
  if (!s.ok()) return s.status();
  return s_->scope_info(*s);
}

std::vector<ScopeInfo> IpamEngine::list_scopes(std::optional<std::string_view> ipam_id) const {
  std::optional<uint64_t> only;
  if (ipam_id) {
    auto s = s_->find_ipam(*ipam_id);
    if (!s.ok()) return {};
    only = *s;
  }
  std::vector<ScopeInfo> out;
  for (uint64_t i = 0; i < s_->scopes.size(); ++i) {
    if (s_->scopes[i] && (!only || s_->scopes[i]->ipam == *only)) out.push_back(s_->scope_info(i));
  }
  return out;
}

Status IpamEngine::delete_scope(std::string_view scope_id) {
  auto s = s_->find_scope(scope_id);
  if (!s.ok()) return s.status();
  const ScopeRec& scope = *s_->scopes[*s];
  if (scope.is_default) {
    return Status(Code::kFailedPrecondition, "default-scope",
                  std::string(scope_id) + " is a default " + std::string(to_string(scope.type)) +
                      " scope of " + s_->ipam_id(scope.ipam) +
                      "; default scopes go away only with their IPAM");
  }
  std::vector<std::string> blockers;
  for (uint64_t p = 0; p < s_->pools.size(); ++p) {
    if (s_->pools[p] && s_->pools[p]->scope == *s) blockers.push_back(s_->pool_id(p));
  }
  if (!blockers.empty()) {
    return Status(Code::kFailedPrecondition, "deletion-protected",
                  "cannot delete " + std::string(scope_id) + ": it still has pool(s): " +
                      list_text(blockers));
  }
  for (auto it = s_->resources.begin(); it != s_->resources.end();) {
    it = it->first.scope == *s ? s_->resources.erase(it) : std::next(it);
  }
  s_->scopes[*s].reset();
  return {};
}

size_t IpamEngine::allocation_memory_bytes() const {
  size_t total = 0;
  for (const auto& p : s_->pools) {
    if (p) total += p->space.memory_bytes();
  }
  return total;
}

}  // namespace byoipd::ipam
