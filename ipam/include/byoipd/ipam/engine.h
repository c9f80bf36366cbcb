// IpamEngine: the address-space authority. Pure logic, no I/O, no clock,
// single-threaded (the daemon serialises calls on its event loop).
//
// Every refusal is a Status whose reason() is stable (listed in
// docs/ipam.md) and whose message names the rule, the value, and what would
// be accepted. Every operation either fully applies or changes nothing.
//
// Ids are deterministic for a given salt and sequence of calls, so replaying
// the same mutations against a restored snapshot yields the same ids.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "byoipd/common/status.h"
#include "byoipd/ipam/model.h"

namespace byoipd::ipam {

constexpr int kMaxPoolDepth = 10;
constexpr double kDefaultUtilizationThreshold = 80.0;

struct ProvisionRequest {
  // Exactly one: an explicit CIDR, or a netmask length carved from the
  // parent pool (child pools only).
  std::optional<Prefix> cidr;
  std::optional<int> netmask_length;
  // Public-scope CIDRs must prove ownership first: they enter
  // pending-provision and become usable only through complete_provision().
  bool pending_verification = false;
};

struct ListOptions {
  std::optional<Prefix> after;  // resume after this CIDR (pagination cursor)
  size_t limit = 0;             // 0 = no limit
};

class IpamEngine {
 public:
  struct Options {
    uint64_t id_salt = 0x62796f6970640001ULL;
  };
  IpamEngine();
  explicit IpamEngine(Options options);
  ~IpamEngine();
  IpamEngine(IpamEngine&&) noexcept;
  IpamEngine& operator=(IpamEngine&&) noexcept;

  // ---- IPAM -----------------------------------------------------------
  Result<IpamInfo> create_ipam(const IpamSpec& spec);
  Result<IpamInfo> describe_ipam(std::string_view ipam_id) const;
  std::vector<IpamInfo> list_ipams() const;
  // Adds/removes operating regions (the home region stays; a region with
  // pools or resources in it cannot be removed) and changes the tier.
  Result<IpamInfo> modify_ipam(std::string_view ipam_id, const IpamChange& change);
  // Without cascade, refused while any pool exists (the blockers are listed).
  Status delete_ipam(std::string_view ipam_id, bool cascade = false);

  // CreateTags / DeleteTags on an IPAM or a pool (by id): `set` adds or
  // replaces tags; each removal drops a key, and when it names a value only
  // if the tag has that value. Nothing changes when the id is unknown.
  struct TagRemoval {
    std::string key;
    std::optional<std::string> value;
  };
  Status change_tags(std::string_view id, const Tags& set, const std::vector<TagRemoval>& remove);

  // ---- Scopes ---------------------------------------------------------
  // Extra scopes are private (a disconnected routing domain).
  Result<ScopeInfo> create_scope(std::string_view ipam_id, std::string description = {});
  Result<ScopeInfo> describe_scope(std::string_view scope_id) const;
  std::vector<ScopeInfo> list_scopes(std::optional<std::string_view> ipam_id = {}) const;
  Status delete_scope(std::string_view scope_id);

  // ---- Pools ----------------------------------------------------------
  Result<PoolInfo> create_pool(const PoolSpec& spec);
  Result<PoolInfo> describe_pool(std::string_view pool_id) const;
  std::vector<PoolInfo> list_pools(std::optional<std::string_view> scope_id = {}) const;
  Result<PoolInfo> modify_pool(std::string_view pool_id, const PoolChange& change);
  // Refused while the pool has child pools or provisioned CIDRs.
  Status delete_pool(std::string_view pool_id);

  // ---- Provisioned CIDRs ---------------------------------------------
  Result<PoolCidrInfo> provision_cidr(std::string_view pool_id, const ProvisionRequest& request);
  // Ends a pending-provision: OK -> provisioned; an error -> failed-provision
  // with the error's message as the reason (the space is given back).
  Result<PoolCidrInfo> complete_provision(std::string_view pool_id, const Prefix& cidr,
                                          const Status& verification);
  // Refused while allocations exist inside `cidr` (they are listed).
  Result<PoolCidrInfo> deprovision_cidr(std::string_view pool_id, const Prefix& cidr);
  Result<std::vector<PoolCidrInfo>> list_pool_cidrs(std::string_view pool_id) const;

  // ---- Allocations ----------------------------------------------------
  Result<Allocation> allocate(std::string_view pool_id, const AllocationRequest& request);
  // The CIDR allocate() would return now for the same request.
  Result<Prefix> preview_allocation(std::string_view pool_id,
                                    const AllocationRequest& request) const;
  // Releases a manual reservation at once (the space is reusable
  // immediately). Resource and child-pool allocations are refused: remove
  // the resource or deprovision the child pool's CIDR instead. When `cidr`
  // is given it must match the allocation.
  Status release_allocation(std::string_view pool_id, std::string_view allocation_id,
                            std::optional<Prefix> cidr = {});
  Result<Allocation> describe_allocation(std::string_view allocation_id) const;
  // In address order.
  Result<std::vector<Allocation>> list_allocations(std::string_view pool_id,
                                                   const ListOptions& options = {}) const;

  // ---- Resources (monitored CIDRs) -----------------------------------
  // Records a CIDR seen in the scope (discovery). It is unmanaged unless a
  // pool with auto_import claims it.
  Result<ResourceCidr> register_resource(std::string_view scope_id, const ResourceRef& resource,
                                         const Prefix& cidr);
  // Brings an existing resource CIDR under `pool_id` without renumbering it.
  // If the space is free it becomes the resource's allocation; if another
  // allocation holds it the import is still recorded, as noncompliant and
  // overlapping, so the collision is visible.
  Result<ResourceCidr> import_resource(std::string_view pool_id, const ResourceRef& resource,
                                       const Prefix& cidr);
  // ModifyIpamResourceCidr: ignored = exclude from overlap/compliance.
  Result<ResourceCidr> set_resource_ignored(std::string_view scope_id, std::string_view resource_id,
                                            const Prefix& cidr, bool ignored);
  // Forgets one CIDR of a resource and releases its allocation at once.
  Status remove_resource_cidr(std::string_view scope_id, std::string_view resource_id,
                              const Prefix& cidr);
  // Forgets every CIDR of a resource in every scope (e.g. DeleteVpc).
  Status remove_resource(std::string_view resource_id);
  Result<std::vector<ResourceCidr>> resource_cidrs(std::string_view scope_id,
                                                   const ResourceFilter& filter = {}) const;

  // ---- Reports ----------------------------------------------------------
  Result<PoolUtilization> utilization(std::string_view pool_id) const;
  // Pools at or above `percent` utilization, most utilized first.
  std::vector<PoolUtilization> pools_at_or_above(
      double percent = kDefaultUtilizationThreshold) const;

  // ---- State ------------------------------------------------------------
  // The whole engine as bytes; restore() gives back an engine that answers
  // and allocates exactly as this one would.
  std::string snapshot() const;
  static Result<IpamEngine> restore(std::string_view bytes);

  // Bytes held by allocation structures of all pools (for benchmarks).
  size_t allocation_memory_bytes() const;

  struct State;  // private

 private:
  std::unique_ptr<State> s_;
};

}  // namespace byoipd::ipam
