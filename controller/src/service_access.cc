// IpamService: organization, delegation, pool shares (the RAM model), and
// the service snapshot.
#include <cstring>

#include "service.h"
#include "service_args.h"

namespace byoipd::controller {

using namespace byoipd::ipam;

namespace {

Json share_json(const Share& s) {
  return Json{{"id", s.id},
              {"name", s.name},
              {"owner", s.owner},
              {"allow_external_principals", s.allow_external_principals},
              {"pools", std::vector<std::string>(s.pools.begin(), s.pools.end())},
              {"principals", std::vector<std::string>(s.principals.begin(), s.principals.end())}};
}

std::string share_id(uint64_t serial) {
  // Opaque but deterministic (replay gives the same ids).
  uint64_t x = serial * 0x9e3779b97f4a7c15ULL;
  x ^= x >> 29;
  char buf[32];
  std::snprintf(buf, sizeof buf, "rs-%016llx", static_cast<unsigned long long>(x));
  return buf;
}

}  // namespace

Result<Json> IpamService::run_access(const Principal& who, const std::string& op,
                                     const Json& args, bool& mutated) {
  const Json& body = body_arg(args);
  if (op == "describe_organization") {
    if (!is_admin(who) && who.account != org_.management_account) {
      return Status(Code::kPermissionDenied, "not-delegated-admin",
                    "only the management account and the delegated IPAM admin read the "
                    "organization; " + who.account + " is neither");
    }
    Json accounts = Json::array();
    for (const auto& a : org_.accounts) {
      accounts.push_back(Json{{"id", a.id}, {"name", a.name}, {"ou", a.ou}});
    }
    return Json{{"organization",
                 {{"id", org_.id},
                  {"management_account", org_.management_account},
                  {"delegated_admin", delegated_admin_.empty() ? Json(nullptr) : Json(delegated_admin_)},
                  {"accounts", std::move(accounts)}}}};
  }
  if (op == "delegate_admin") {
    if (who.account != org_.management_account) {
      return Status(Code::kPermissionDenied, "not-management-account",
                    "only the management account (" + org_.management_account +
                        ") delegates IPAM administration; " + who.account + " is not it");
    }
    Fields f(body);
    std::string account = f.required_str("account_id");
    f.only({"account_id"});
    if (!f.ok()) return f.status();
    if (!principal_for_account(account)) {
      return Status(Code::kInvalidArgument, "not-in-organization",
                    "account " + account + " is not in organization " + org_.id +
                        "; delegate to one of its accounts");
    }
    delegated_admin_ = account;
    mutated = true;
    return Json{{"delegated_admin", account}};
  }
  if (op == "list_shares") {
    // The admin sees every share; another account the shares it is a
    // principal of (directly, through its OU or the organization).
    std::vector<Json> items;
    for (const auto& [sid, s] : shares_) {
      bool mine = is_admin(who) || s.principals.count(who.account) ||
                  s.principals.count(org_.id) || (!who.ou.empty() && s.principals.count(who.ou));
      if (mine) items.push_back(share_json(s));
    }
    return paginate(std::move(items), args, "shares");
  }
  // Shares are the admin's to create and change.
  if (Status st = require_admin(who, op); !st.ok()) return st;
  const std::string id = path_arg(args, "share_id");
  auto find_share = [&]() -> Result<Share*> {
    auto it = shares_.find(id);
    if (it == shares_.end()) {
      return Status(Code::kNotFound, "share-not-found", "share '" + id + "' does not exist");
    }
    return &it->second;
  };
  if (op == "create_share") {
    Fields f(body);
    Share s;
    s.name = f.required_str("name");
    s.allow_external_principals = f.boolean("allow_external_principals").value_or(false);
    f.only({"name", "allow_external_principals", "client_token", "add_pools", "add_principals"});
    if (!f.ok()) return f.status();
    s.id = share_id(next_share_serial_);
    s.owner = who.account;
    // Pools and principals given at creation (RAM's CreateResourceShare)
    // pass the same checks as later associations, all before anything
    // changes.
    if (Status st = change_share(s, body, true); !st.ok()) return st;
    ++next_share_serial_;
    Json out = share_json(s);
    shares_[s.id] = std::move(s);
    mutated = true;
    return Json{{"share", std::move(out)}};
  }
  // Bodies are checked before the share is looked up (400 before 404).
  std::string body_pool, body_principal;
  if (op == "associate_share_pool" || op == "associate_share_principal") {
    Fields f(body);
    const char* key = op == "associate_share_pool" ? "pool_id" : "principal";
    (op == "associate_share_pool" ? body_pool : body_principal) = f.required_str(key);
    f.only({key});
    if (!f.ok()) return f.status();
  }
  auto share = find_share();
  if (!share.ok()) return share.status();
  Share& s = **share;
  if (op == "describe_share") return Json{{"share", share_json(s)}};
  if (op == "update_share") {
    Share next = s;
    if (Status st = change_share(next, body, false); !st.ok()) return st;
    s = std::move(next);
    mutated = true;
    return Json{{"share", share_json(s)}};
  }
  if (op == "delete_share") {
    shares_.erase(id);
    mutated = true;
    return Json{{"deleted", id}};
  }
  if (op == "associate_share_pool" || op == "disassociate_share_pool") {
    std::string pool = path_arg(args, "pool_id");
    if (op == "associate_share_pool") {
      pool = body_pool;
      if (pool.rfind("ipam-pool-", 0) != 0) {
        return Status(Code::kInvalidArgument, "only-pools-shareable",
                      "'" + pool + "' is not a pool: share the pool, never the IPAM or a scope");
      }
      auto info = engine_.describe_pool(pool);
      if (!info.ok()) return info.status();
      auto ipam = engine_.describe_ipam(info->ipam_id);
      if (ipam.ok() && ipam->tier == Tier::kFree) {
        return Status(Code::kFailedPrecondition, "tier-restriction",
                      "cross-account sharing needs the advanced tier; " + ipam->id +
                          " is free tier");
      }
      s.pools.insert(pool);
    } else if (!s.pools.erase(pool)) {
      return Status(Code::kNotFound, "share-pool-not-found",
                    pool + " is not in share " + id);
    }
    mutated = true;
    return Json{{"share", share_json(s)}};
  }
  if (op == "associate_share_principal" || op == "disassociate_share_principal") {
    std::string principal = path_arg(args, "principal");
    if (op == "associate_share_principal") {
      principal = body_principal;
      if (!in_organization(principal) && !s.allow_external_principals) {
        return Status(Code::kPermissionDenied, "external-principal",
                      principal + " is outside organization " + org_.id + " and share " + id +
                          " does not allow external principals");
      }
      auto ipam_sharing_free = [&] {
        for (const auto& p : s.pools) {
          auto info = engine_.describe_pool(p);
          if (info.ok() && engine_.describe_ipam(info->ipam_id)->tier == Tier::kFree) return true;
        }
        return false;
      };
      if (ipam_sharing_free()) {
        return Status(Code::kFailedPrecondition, "tier-restriction",
                      "share " + id + " holds a pool of a free-tier IPAM; cross-account sharing "
                      "needs the advanced tier");
      }
      s.principals.insert(principal);
    } else if (!s.principals.erase(principal)) {
      return Status(Code::kNotFound, "share-principal-not-found",
                    principal + " is not a principal of share " + id);
    }
    mutated = true;
    return Json{{"share", share_json(s)}};
  }
  return Status(Code::kInternal, "internal", "no handler for " + op);
}

Status IpamService::permitted(const Principal& who, const std::string& op,
                              const Json& args) const {
  if (!known_op(op)) return Status(Code::kNotFound, "unknown-operation", "no operation named " + op);
  if (op == "delegate_admin") {
    if (who.account == org_.management_account) return {};
    return Status(Code::kPermissionDenied, "not-management-account",
                  "only the management account (" + org_.management_account +
                      ") delegates IPAM administration; " + who.account + " is not it");
  }
  std::string pool_id = path_arg(args, "pool_id");
  const Json& body = body_arg(args);
  if (op == "create_vpc" && body.contains("pool_id") && body["pool_id"].is_string()) {
    pool_id = body["pool_id"].get<std::string>();
  }
  if (op == "allocate" || op == "preview_allocation" || op == "release_allocation" ||
      op == "list_allocations" || op == "pool_utilization" ||
      (op == "create_vpc" && !pool_id.empty())) {
    return require_pool_access(who, op, pool_id);
  }
  // Every account works on its own VPCs, tags of them and BYOIP CIDRs.
  static const char* kOwnOps[] = {"whoami", "create_vpc", "delete_vpc", "list_vpcs",
                                  "change_tags", "provision_byoip_cidr",
                                  "deprovision_byoip_cidr", "list_byoip_cidrs", "list_byoasns",
                                  "describe_allocation", "list_pools", "describe_pool", "list_shares"};
  for (const char* own : kOwnOps) {
    if (op == own) return {};
  }
  return require_admin(who, op);
}

// Applies body.{remove_pools, remove_principals, add_pools, add_principals}
// to `s` with the checks of the single associate/disassociate operations.
Status IpamService::change_share(Share& s, const Json& body, bool creating) const {
  Fields f(body);
  auto add_pools = f.strings("add_pools").value_or(std::vector<std::string>{});
  auto add_principals = f.strings("add_principals").value_or(std::vector<std::string>{});
  auto remove_pools = f.strings("remove_pools").value_or(std::vector<std::string>{});
  auto remove_principals = f.strings("remove_principals").value_or(std::vector<std::string>{});
  if (!creating) {
    f.only({"add_pools", "add_principals", "remove_pools", "remove_principals"});
  }
  if (!f.ok()) return f.status();
  for (const auto& pool : remove_pools) {
    if (!s.pools.erase(pool)) {
      return Status(Code::kNotFound, "share-pool-not-found", pool + " is not in share " + s.id);
    }
  }
  for (const auto& p : remove_principals) {
    if (!s.principals.erase(p)) {
      return Status(Code::kNotFound, "share-principal-not-found",
                    p + " is not a principal of share " + s.id);
    }
  }
  for (const auto& pool : add_pools) {
    if (pool.rfind("ipam-pool-", 0) != 0) {
      return Status(Code::kInvalidArgument, "only-pools-shareable",
                    "'" + pool + "' is not a pool: share the pool, never the IPAM or a scope");
    }
    auto info = engine_.describe_pool(pool);
    if (!info.ok()) return info.status();
    s.pools.insert(pool);
  }
  for (const auto& p : add_principals) {
    if (!in_organization(p) && !s.allow_external_principals) {
      return Status(Code::kPermissionDenied, "external-principal",
                    p + " is outside organization " + org_.id + " and share " + s.id +
                        " does not allow external principals");
    }
    s.principals.insert(p);
  }
  // Cross-account sharing needs the advanced tier.
  if (!s.principals.empty()) {
    for (const auto& p : s.pools) {
      auto info = engine_.describe_pool(p);
      if (!info.ok()) continue;
      auto ipam = engine_.describe_ipam(info->ipam_id);
      if (ipam.ok() && ipam->tier == Tier::kFree) {
        return Status(Code::kFailedPrecondition, "tier-restriction",
                      "cross-account sharing needs the advanced tier; " + p + " belongs to " +
                          ipam->id + ", which is free tier");
      }
    }
  }
  return {};
}

// ---- snapshot: u64 length + engine bytes, then the access state as JSON ----

std::string IpamService::snapshot() const {
  std::string engine = engine_.snapshot();
  Json access;
  access["delegated_admin"] = delegated_admin_;
  access["initialized"] = initialized_;
  access["next_share_serial"] = next_share_serial_;
  access["shares"] = Json::array();
  for (const auto& [id, s] : shares_) access["shares"].push_back(share_json(s));
  access["tokens"] = Json::array();
  for (const auto& key : token_order_) {
    const TokenEntry& t = tokens_.at(key);
    access["tokens"].push_back(Json{{"account", key.first},
                                    {"token", key.second},
                                    {"request", t.request},
                                    {"response", t.response}});
  }
  access["bgp_announcements"] = announcements_snapshot();
  access["cloud"] = cloud_snapshot();
  std::string out(8, '\0');
  uint64_t n = engine.size();
  std::memcpy(out.data(), &n, 8);
  out += engine;
  out += access.dump();
  return out;
}

Status IpamService::restore(const std::string& bytes) {
  auto corrupt = [](const std::string& what) {
    return Status(Code::kInternal, "snapshot-corrupt", "controller snapshot is corrupt: " + what);
  };
  if (bytes.size() < 8) return corrupt("too short");
  uint64_t n;
  std::memcpy(&n, bytes.data(), 8);
  if (n > bytes.size() - 8) return corrupt("engine image length runs past the end");
  auto engine = IpamEngine::restore(std::string_view(bytes).substr(8, n));
  if (!engine.ok()) return engine.status();
  Json access = Json::parse(bytes.substr(8 + n), nullptr, false);
  if (access.is_discarded() || !access.is_object()) return corrupt("access state is not JSON");
  try {
    delegated_admin_ = access.at("delegated_admin").get<std::string>();
    initialized_ = access.value("initialized", false);
    next_share_serial_ = access.at("next_share_serial").get<uint64_t>();
    shares_.clear();
    for (const auto& j : access.at("shares")) {
      Share s;
      s.id = j.at("id").get<std::string>();
      s.name = j.at("name").get<std::string>();
      s.owner = j.at("owner").get<std::string>();
      s.allow_external_principals = j.at("allow_external_principals").get<bool>();
      for (const auto& p : j.at("pools")) s.pools.insert(p.get<std::string>());
      for (const auto& p : j.at("principals")) s.principals.insert(p.get<std::string>());
      shares_[s.id] = std::move(s);
    }
    tokens_.clear();
    token_order_.clear();
    for (const auto& t : access.at("tokens")) {
      std::pair<std::string, std::string> key{t.at("account").get<std::string>(),
                                              t.at("token").get<std::string>()};
      tokens_[key] = TokenEntry{t.at("request").get<std::string>(), t.at("response")};
      token_order_.push_back(key);
    }
    if (Status st = restore_announcements(access.value("bgp_announcements", Json::array()));
        !st.ok()) {
      return corrupt("bgp_announcements: " + st.message());
    }
    if (Status st = restore_cloud(access.value("cloud", Json())); !st.ok()) {
      return corrupt("cloud: " + st.message());
    }
  } catch (const std::exception& e) {
    return corrupt(e.what());
  }
  engine_ = std::move(*engine);
  return {};
}

}  // namespace byoipd::controller
