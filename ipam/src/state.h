// Private state of IpamEngine, shared by the engine_*.cc files.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "address_space.h"
#include "byoipd/ipam/engine.h"
#include "byoipd/ipam/ids.h"

namespace byoipd::ipam {

struct IpamRec {
  std::string owner;
  std::string home_region;
  std::set<std::string> regions;  // operating regions, home included
  Tier tier = Tier::kAdvanced;
  std::string description;
  Tags tags;
  uint64_t private_scope = 0;
  uint64_t public_scope = 0;
};

struct ScopeRec {
  uint64_t ipam = 0;
  ScopeType type = ScopeType::kPrivate;
  bool is_default = false;
  std::string description;
  // CIDRs provisioned (or pending) into top-level pools of this scope, to
  // refuse overlap between top-level pools. Disjoint by construction.
  std::map<Prefix, uint64_t> top_cidrs;
};

struct PoolCidrRec {
  uint64_t serial = 0;
  Prefix cidr;
  PoolCidrState state = PoolCidrState::kProvisioned;
  std::string failure_reason;
};

// Extra facts of an allocation beyond its block and type. Absent for plain
// manual reservations without description, to keep allocations small.
struct AllocDetails {
  std::string resource_id;
  std::string owner;
  std::string region;
  std::string description;
  uint64_t child_pool = 0;  // serial + 1 of the child pool, for ipam-pool
};

struct PoolRec {
  explicit PoolRec(Family f) : family(f), space(f) {}
  uint64_t ipam = 0;
  uint64_t scope = 0;
  Family family;
  std::optional<uint64_t> parent;
  int depth = 1;
  std::optional<std::string> locale;
  std::string owner;
  std::string description;
  Tags tags;
  bool auto_import = false;
  bool publicly_advertisable = false;
  Guardrails guardrails;
  std::vector<PoolCidrRec> cidrs;  // history included (deprovisioned, failed)
  std::vector<uint64_t> children;
  AddressSpace space;
  std::unordered_map<uint32_t, AllocDetails> details;
};

struct ResourceKey {
  uint64_t scope;
  std::string resource_id;
  Prefix cidr;
  auto operator<=>(const ResourceKey&) const = default;
};

struct ResourceRec {
  AllocationType type = AllocationType::kVpc;
  std::string owner;
  std::string region;
  Tags tags;
  std::optional<uint64_t> pool;  // managing pool
  bool has_allocation = false;   // the pool allocation at `cidr` is this resource's
  bool ignored = false;
};

struct IpamEngine::State {
  explicit State(uint64_t salt) : ids(salt) {}

  IdCodec ids;
  std::vector<std::unique_ptr<IpamRec>> ipams;   // index = serial; null = deleted
  std::vector<std::unique_ptr<ScopeRec>> scopes;
  std::vector<std::unique_ptr<PoolRec>> pools;
  uint64_t next_cidr_serial = 0;
  std::map<ResourceKey, ResourceRec> resources;

  // Lookups: the object or a not-found Status naming the id.
  Result<uint64_t> find_ipam(std::string_view id) const;
  Result<uint64_t> find_scope(std::string_view id) const;
  Result<uint64_t> find_pool(std::string_view id) const;

  std::string ipam_id(uint64_t s) const { return ids.encode(IdKind::kIpam, s); }
  std::string scope_id(uint64_t s) const { return ids.encode(IdKind::kScope, s); }
  std::string pool_id(uint64_t s) const { return ids.encode(IdKind::kPool, s); }
  std::string cidr_id(uint64_t s) const { return ids.encode(IdKind::kPoolCidr, s); }
  std::string allocation_id(uint64_t pool, uint32_t slot) const {
    return ids.encode_allocation(pool, slot, pools[pool]->space.generation(slot));
  }

  IpamInfo ipam_info(uint64_t s) const;
  ScopeInfo scope_info(uint64_t s) const;
  PoolInfo pool_info(uint64_t s) const;
  PoolCidrInfo cidr_info(uint64_t pool, const PoolCidrRec& c) const;
  Allocation allocation_info(uint64_t pool, uint32_t slot, const Prefix& cidr) const;
  ResourceCidr resource_info(const ResourceKey& key, const ResourceRec& rec) const;

  // Allocation guardrails and locale (shared by allocate and preview).
  Result<int> check_request(uint64_t pool, const AllocationRequest& req) const;
  // Why `blocked` refused `cidr` in pool, as a user-facing Status.
  Status blocked_status(uint64_t pool, const Prefix& cidr, const AddressSpace::Blocked& b) const;
  // Describes the holder of a slot: "<alloc id> (<cidr>) held by <who>".
  // "pool has no free /len: the largest free block is ..."
  Status no_space(uint64_t pool, int len, bool constrained) const;
  std::string holder_text(uint64_t pool, uint32_t slot, const Prefix& cidr) const;
  Status pending_or_live_cidr_conflict(uint64_t scope, const Prefix& cidr) const;
  void release_slot(uint64_t pool, uint32_t slot);
  // Deletes a pool record and, bottom-up, everything below it (cascade).
  void drop_pool_tree(uint64_t pool);
  // Recomputes a managed resource's claim when its pool disappears.
  void unmanage_resources_of_pool(uint64_t pool);
};

// A resource must have an id and a resource type (not custom/ipam-pool).
Status check_resource(const ResourceRef& r);

// "a, b, c and 4 more"
std::string list_text(const std::vector<std::string>& items, size_t max_items = 5);

}  // namespace byoipd::ipam
