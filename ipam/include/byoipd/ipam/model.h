// The IPAM data model: the values callers pass in and get back.
//
// Semantics follow AWS VPC IPAM (see docs/ipam.md): an IPAM has scopes, a
// scope has pools, pools nest, and allocations are CIDRs drawn from a pool.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "byoipd/common/ip.h"

namespace byoipd::ipam {

using Tags = std::map<std::string, std::string>;

enum class Tier : unsigned char { kFree, kAdvanced };
enum class ScopeType : unsigned char { kPrivate, kPublic };

// IpamPoolCidr states of the EC2 model.
enum class PoolCidrState : unsigned char {
  kPendingProvision,
  kProvisioned,
  kFailedProvision,
  kPendingDeprovision,
  kDeprovisioned,
  kFailedDeprovision,
  kPendingImport,
  kFailedImport,
};

// IpamPoolAllocationResourceType of the EC2 model.
enum class AllocationType : unsigned char {
  kIpamPool,
  kVpc,
  kEc2PublicIpv4Pool,
  kCustom,
  kSubnet,
  kEip,
  kAnycastIpList,
};

enum class ManagementState : unsigned char { kManaged, kUnmanaged, kIgnored };
enum class OverlapStatus : unsigned char { kOverlapping, kNonoverlapping, kIgnored };
enum class ComplianceStatus : unsigned char { kCompliant, kNoncompliant, kUnmanaged, kIgnored };

std::string_view to_string(Tier v);
std::string_view to_string(ScopeType v);
std::string_view to_string(PoolCidrState v);
std::string_view to_string(AllocationType v);
std::string_view to_string(ManagementState v);
std::string_view to_string(OverlapStatus v);
std::string_view to_string(ComplianceStatus v);
std::optional<Tier> parse_tier(std::string_view s);
std::optional<AllocationType> parse_allocation_type(std::string_view s);

// ---- IPAM and scopes -------------------------------------------------------

struct IpamSpec {
  std::string owner;                          // account id
  std::string home_region;                    // required
  std::vector<std::string> operating_regions; // the home region is always added
  Tier tier = Tier::kAdvanced;
  std::string description;
  Tags tags;
};

struct IpamInfo {
  std::string id;
  std::string owner;
  std::string home_region;
  std::vector<std::string> operating_regions;  // sorted
  Tier tier;
  std::string description;
  Tags tags;
  std::string private_default_scope_id;
  std::string public_default_scope_id;
  int scope_count;
};

struct IpamChange {
  std::vector<std::string> add_operating_regions;
  std::vector<std::string> remove_operating_regions;
  std::optional<Tier> tier;
  std::optional<std::string> description;
};

struct ScopeInfo {
  std::string id;
  std::string ipam_id;
  ScopeType type;
  bool is_default;
  std::string description;
  int pool_count;
};

// ---- Pools -----------------------------------------------------------------

// Allocation guardrails: inclusive bounds on prefix length (min is the
// largest block allowed, max the smallest) and tags every resource drawing
// from the pool must carry.
struct Guardrails {
  std::optional<int> default_netmask_length;
  std::optional<int> min_netmask_length;
  std::optional<int> max_netmask_length;
  Tags required_tags;
};

struct PoolSpec {
  std::string scope_id;
  Family family = Family::kV4;
  std::optional<std::string> source_pool_id;  // parent; none = top-level pool
  std::optional<std::string> locale;          // a region; none = locale-free
  std::string description;
  Tags tags;
  bool auto_import = false;
  std::optional<bool> publicly_advertisable;  // public scope only
  Guardrails guardrails;
};

struct PoolChange {
  std::optional<std::string> description;
  std::optional<bool> auto_import;
  // Each optional replaces the guardrail; clear_* removes it.
  std::optional<int> default_netmask_length;
  std::optional<int> min_netmask_length;
  std::optional<int> max_netmask_length;
  bool clear_default_netmask_length = false;
  bool clear_min_netmask_length = false;
  bool clear_max_netmask_length = false;
  std::optional<Tags> required_tags;
};

struct PoolInfo {
  std::string id;
  std::string ipam_id;
  std::string scope_id;
  ScopeType scope_type;
  Family family;
  std::optional<std::string> source_pool_id;
  int depth;  // 1 for a top-level pool
  std::optional<std::string> locale;
  std::string owner;
  std::string description;
  Tags tags;
  bool auto_import;
  bool publicly_advertisable;
  Guardrails guardrails;
};

struct PoolCidrInfo {
  std::string id;
  std::string pool_id;
  Prefix cidr;
  PoolCidrState state;
  std::string failure_reason;  // for failed-* states
};

// ---- Allocations -----------------------------------------------------------

// A resource that draws from or is imported into a pool (VPC-like record).
struct ResourceRef {
  AllocationType type = AllocationType::kVpc;
  std::string id;      // e.g. vpc-0abc
  std::string owner;   // account id
  std::string region;  // must match the pool's locale
  Tags tags;           // checked against the pool's required tags
};

struct AllocationRequest {
  // Exactly one of cidr / netmask_length; neither = the pool's default.
  std::optional<Prefix> cidr;
  std::optional<int> netmask_length;
  std::vector<Prefix> allowed_cidrs;     // netmask allocations only
  std::vector<Prefix> disallowed_cidrs;  // netmask allocations only
  std::string description;
  // The account asking, recorded as the owner of a manual reservation (a
  // resource allocation is owned by the resource's owner).
  std::string owner;
  // Set for allocations made for a resource; absent = manual reservation
  // (type custom).
  std::optional<ResourceRef> resource;
};

struct Allocation {
  std::string id;
  std::string pool_id;
  Prefix cidr;
  AllocationType type;
  std::string resource_id;  // the child pool id for ipam-pool
  std::string resource_owner;
  std::string resource_region;
  std::string description;
};

// ---- Resources and reports ------------------------------------------------

struct ResourceCidr {
  std::string resource_id;
  AllocationType resource_type;
  std::string owner;
  std::string region;
  Prefix cidr;
  std::string scope_id;
  std::optional<std::string> pool_id;        // the pool that manages it
  std::optional<std::string> allocation_id;  // its allocation, when it has one
  ManagementState management;
  OverlapStatus overlap;
  ComplianceStatus compliance;
  std::string noncompliance_reason;  // names the rule broken
  Tags tags;
};

struct ResourceFilter {
  std::optional<ManagementState> management;
  std::optional<OverlapStatus> overlap;
  std::optional<ComplianceStatus> compliance;
  std::optional<std::string> pool_id;
  std::optional<std::string> resource_id;
  std::optional<std::string> owner;
};

struct PoolUtilization {
  std::string pool_id;
  u128 provisioned_addresses;
  u128 allocated_addresses;
  u128 available_addresses;
  double percent;  // allocated / provisioned * 100; 0 when nothing provisioned
  size_t allocation_count;
  int largest_free_length;  // -1 when nothing is free
};

}  // namespace byoipd::ipam
