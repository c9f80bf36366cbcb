// IpamService: dispatch, access control and idempotency.
#include "service.h"

#include <algorithm>
#include <cstring>

namespace byoipd::controller {

using namespace byoipd::ipam;

namespace {

enum class Group {
  kWho, kInternal, kIpam, kPools, kAllocations, kResources, kAccess, kBgp, kCloud
};

struct OpInfo {
  const char* name;
  bool mutating;
  Group group;
};

// Every operation of the service. Mutating ones are journaled.
constexpr OpInfo kOps[] = {
    {"whoami", false, Group::kWho},
    // The first journal record of every state store (not an API route).
    {"initialize_state", true, Group::kInternal},
    {"create_ipam", true, Group::kIpam},
    {"describe_ipam", false, Group::kIpam},
    {"list_ipams", false, Group::kIpam},
    {"modify_ipam", true, Group::kIpam},
    {"delete_ipam", true, Group::kIpam},
    {"create_scope", true, Group::kIpam},
    {"describe_scope", false, Group::kIpam},
    {"list_scopes", false, Group::kIpam},
    {"delete_scope", true, Group::kIpam},
    {"create_pool", true, Group::kPools},
    {"describe_pool", false, Group::kPools},
    {"list_pools", false, Group::kPools},
    {"modify_pool", true, Group::kPools},
    {"delete_pool", true, Group::kPools},
    {"provision_cidr", true, Group::kPools},
    {"deprovision_cidr", true, Group::kPools},
    {"list_pool_cidrs", false, Group::kPools},
    {"allocate", true, Group::kAllocations},
    {"preview_allocation", false, Group::kAllocations},
    {"release_allocation", true, Group::kAllocations},
    {"describe_allocation", false, Group::kAllocations},
    {"list_allocations", false, Group::kAllocations},
    {"register_resource", true, Group::kResources},
    {"import_resource", true, Group::kResources},
    {"set_resource_ignored", true, Group::kResources},
    {"remove_resource", true, Group::kResources},
    {"remove_resource_cidr", true, Group::kResources},
    {"list_resource_cidrs", false, Group::kResources},
    {"pool_utilization", false, Group::kResources},
    {"utilization_report", false, Group::kResources},
    {"describe_organization", false, Group::kAccess},
    {"delegate_admin", true, Group::kAccess},
    {"create_share", true, Group::kAccess},
    {"delete_share", true, Group::kAccess},
    {"list_shares", false, Group::kAccess},
    {"describe_share", false, Group::kAccess},
    {"update_share", true, Group::kAccess},
    {"associate_share_pool", true, Group::kAccess},
    {"disassociate_share_pool", true, Group::kAccess},
    {"associate_share_principal", true, Group::kAccess},
    {"disassociate_share_principal", true, Group::kAccess},
    {"bgp_announce", true, Group::kBgp},
    {"bgp_withdraw", true, Group::kBgp},
    {"bgp_list_announcements", false, Group::kBgp},
    // Records of the EC2-compatible endpoint (service_cloud.cc).
    {"create_vpc", true, Group::kCloud},
    {"delete_vpc", true, Group::kCloud},
    {"list_vpcs", false, Group::kCloud},
    {"change_tags", true, Group::kCloud},
    {"provision_byoip_cidr", true, Group::kCloud},
    {"deprovision_byoip_cidr", true, Group::kCloud},
    {"list_byoip_cidrs", false, Group::kCloud},
    {"provision_byoasn", true, Group::kCloud},
    {"deprovision_byoasn", true, Group::kCloud},
    {"list_byoasns", false, Group::kCloud},
    {"associate_byoasn", true, Group::kCloud},
    {"disassociate_byoasn", true, Group::kCloud},
};

const OpInfo* find_op(const std::string& op) {
  for (const auto& o : kOps) {
    if (op == o.name) return &o;
  }
  return nullptr;
}

// Operations that take a client token for idempotent retries.
bool idempotent_op(const std::string& op) {
  return op == "create_ipam" || op == "create_scope" || op == "create_pool" ||
         op == "provision_cidr" || op == "allocate" || op == "create_share" ||
         op == "create_vpc";
}

const Json& empty_object() {
  static const Json e = Json::object();
  return e;
}

}  // namespace

bool IpamService::known_op(const std::string& op) { return find_op(op) != nullptr; }

bool IpamService::mutating_op(const std::string& op) {
  const OpInfo* o = find_op(op);
  return o && o->mutating;
}

IpamService::IpamService(OrganizationConfig org) : org_(std::move(org)) {}

std::optional<Principal> IpamService::principal_for_account(const std::string& account) const {
  for (const auto& a : org_.accounts) {
    if (a.id == account) return Principal{a.id, a.name, a.ou};
  }
  return std::nullopt;
}

bool IpamService::in_organization(const std::string& principal) const {
  if (principal == org_.id) return true;
  return std::any_of(org_.accounts.begin(), org_.accounts.end(), [&](const Account& a) {
    return a.id == principal || (!a.ou.empty() && a.ou == principal);
  });
}

bool IpamService::can_see_pool(const Principal& who, const std::string& pool_id) const {
  if (is_admin(who)) return true;
  for (const auto& [id, share] : shares_) {
    if (!share.pools.count(pool_id)) continue;
    if (share.principals.count(who.account) || share.principals.count(org_.id) ||
        (!who.ou.empty() && share.principals.count(who.ou))) {
      return true;
    }
  }
  return false;
}

Status IpamService::require_admin(const Principal& who, const std::string& op) const {
  if (is_admin(who)) return {};
  if (delegated_admin_.empty()) {
    return Status(Code::kPermissionDenied, "not-delegated-admin",
                  op + " needs the delegated IPAM admin, and none is delegated yet: the "
                       "management account (" + org_.management_account +
                       ") delegates one first (POST /v1/organization/delegated-admin)");
  }
  return Status(Code::kPermissionDenied, "not-delegated-admin",
                "account " + who.account + " may not " + op + ": only the delegated IPAM admin (" +
                    delegated_admin_ + ") administers IPAM");
}

Status IpamService::require_pool_access(const Principal& who, const std::string& op,
                                        const std::string& pool_id) const {
  if (can_see_pool(who, pool_id)) return {};
  return Status(Code::kPermissionDenied, "pool-not-shared",
                "account " + who.account + " may not " + op + " on " + pool_id +
                    ": the pool is not shared with it (ask the IPAM admin to share it)");
}

Outcome IpamService::execute(const Principal& who, const std::string& op, const Json& args) {
  if (!known_op(op)) {
    return Outcome{Status(Code::kNotFound, "unknown-operation", "no operation named " + op), false};
  }
  if (!args.is_object()) {
    return Outcome{Status(Code::kInvalidArgument, "invalid-request", "arguments must be an object"),
                   false};
  }
  // Idempotent retry: the same token and parameters return the first result.
  std::optional<std::pair<std::string, std::string>> token_key;
  std::string request_text;
  if (idempotent_op(op)) {
    const Json& body = args.contains("body") ? args["body"] : empty_object();
    if (body.is_object() && body.contains("client_token") && !body["client_token"].is_null()) {
      if (!body["client_token"].is_string() || body["client_token"].get<std::string>().empty()) {
        return Outcome{Status(Code::kInvalidArgument, "invalid-request",
                              "body.client_token must be a non-empty string"),
                       false};
      }
      token_key.emplace(who.account, body["client_token"].get<std::string>());
      Json canonical = args;
      canonical["body"].erase("client_token");
      request_text = op + " " + canonical.dump();
      auto it = tokens_.find(*token_key);
      if (it != tokens_.end()) {
        if (it->second.request != request_text) {
          return Outcome{Status(Code::kConflict, "idempotency-mismatch",
                                "client token '" + token_key->second +
                                    "' was already used for a different request; use a new token"),
                         false};
        }
        return Outcome{it->second.response, false};
      }
    }
  }
  bool mutated = false;
  Result<Json> result = run(who, op, args, mutated);
  if (result.ok() && mutated && token_key) {
    tokens_[*token_key] = TokenEntry{request_text, *result};
    token_order_.push_back(*token_key);
    if (token_order_.size() > kMaxIdempotencyTokens) {
      tokens_.erase(token_order_.front());
      token_order_.pop_front();
    }
  }
  return Outcome{std::move(result), mutated};
}

Outcome IpamService::replay(const Principal& who, const std::string& op, const Json& args) {
  replaying_ = true;
  Outcome out = execute(who, op, args);
  replaying_ = false;
  return out;
}

Result<Json> IpamService::run(const Principal& who, const std::string& op, const Json& args,
                              bool& mutated) {
  switch (find_op(op)->group) {
    case Group::kWho:
      return Json{{"account", who.account},
                  {"name", who.name},
                  {"ou", who.ou},
                  {"is_management_account", who.account == org_.management_account},
                  {"is_delegated_admin", is_admin(who)}};
    case Group::kInternal: {
      // Picks this deployment's id salt, so two byoipd installations never
      // hand out the same ids. Only on an empty state, only by the daemon.
      if (!replaying_ && who.account != kSystemAccount) {
        return Status(Code::kPermissionDenied, "internal-operation", op + " is internal");
      }
      if (!engine_.list_ipams().empty() || initialized_) {
        return Status(Code::kFailedPrecondition, "already-initialized",
                      "the state is already initialized");
      }
      const Json& salt = args.contains("id_salt") ? args["id_salt"] : Json();
      if (!salt.is_number_unsigned() && !(salt.is_number_integer() && salt.get<int64_t>() >= 0)) {
        return Status(Code::kInvalidArgument, "invalid-request", "id_salt must be an unsigned number");
      }
      engine_ = ipam::IpamEngine(ipam::IpamEngine::Options{salt.get<uint64_t>()});
      initialized_ = true;
      mutated = true;
      return Json{{"initialized", true}};
    }
    case Group::kIpam: return run_ipam(who, op, args, mutated);
    case Group::kPools: return run_pools(who, op, args, mutated);
    case Group::kAllocations: return run_allocations(who, op, args, mutated);
    case Group::kResources: return run_resources(who, op, args, mutated);
    case Group::kAccess: return run_access(who, op, args, mutated);
    case Group::kBgp: return run_bgp(who, op, args, mutated);
    case Group::kCloud: return run_cloud(who, op, args, mutated);
  }
  return Status(Code::kInternal, "internal", "operation " + op + " has no handler");
}

}  // namespace byoipd::controller
