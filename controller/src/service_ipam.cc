// IpamService operations on IPAMs, scopes, pools and CIDRs.
#include "service.h"
#include "service_args.h"

namespace byoipd::controller {

using namespace byoipd::ipam;

Result<size_t> limit_arg(const Json& args, size_t fallback) {
  auto text = query_arg(args, "limit");
  if (!text) return fallback;
  size_t n = 0;
  bool digits = !text->empty() && text->size() <= 5;
  for (char c : *text) {
    digits = digits && c >= '0' && c <= '9';
    if (digits) n = n * 10 + static_cast<size_t>(c - '0');
  }
  if (!digits || n < 1 || n > 1000) {
    return Status(Code::kInvalidArgument, "invalid-request",
                  "limit '" + *text + "' is not a page size; allowed: 1 to 1000");
  }
  return n;
}

Result<Json> paginate(std::vector<Json> items, const Json& args, const char* key) {
  auto limit = limit_arg(args);
  if (!limit.ok()) return limit.status();
  size_t offset = 0;
  if (auto token = query_arg(args, "next_token")) {
    bool ok = !token->empty() && token->size() < 10;
    for (char c : *token) {
      ok = ok && c >= '0' && c <= '9';
      if (ok) offset = offset * 10 + static_cast<size_t>(c - '0');
    }
    if (!ok || offset > items.size()) {
      return Status(Code::kInvalidArgument, "invalid-request",
                    "next_token '" + *token + "' is not a token this list returned");
    }
  }
  size_t end = std::min(items.size(), offset + *limit);
  Json page = Json::array();
  for (size_t i = offset; i < end; ++i) page.push_back(std::move(items[i]));
  return Json{{key, std::move(page)},
              {"next_token", end < items.size() ? Json(std::to_string(end)) : Json(nullptr)}};
}

Result<Json> IpamService::run_ipam(const Principal& who, const std::string& op, const Json& args,
                                   bool& mutated) {
  if (Status st = require_admin(who, op); !st.ok()) return st;
  const Json& body = body_arg(args);
  if (op == "create_ipam") {
    auto spec = ipam_spec_from(body);
    if (!spec.ok()) return spec.status();
    spec->owner = who.account;
    auto r = engine_.create_ipam(*spec);
    if (!r.ok()) return r.status();
    mutated = true;
    return Json{{"ipam", to_json(*r)}};
  }
  if (op == "describe_ipam") {
    auto r = engine_.describe_ipam(path_arg(args, "ipam_id"));
    if (!r.ok()) return r.status();
    return Json{{"ipam", to_json(*r)}};
  }
  if (op == "list_ipams") {
    std::vector<Json> items;
    for (const auto& i : engine_.list_ipams()) items.push_back(to_json(i));
    return paginate(std::move(items), args, "ipams");
  }
  if (op == "modify_ipam") {
    auto change = ipam_change_from(body);
    if (!change.ok()) return change.status();
    auto r = engine_.modify_ipam(path_arg(args, "ipam_id"), *change);
    if (!r.ok()) return r.status();
    mutated = true;
    return Json{{"ipam", to_json(*r)}};
  }
  if (op == "delete_ipam") {
    std::string cascade_text = query_arg(args, "cascade").value_or("false");
    if (cascade_text != "true" && cascade_text != "false") {
      return Status(Code::kInvalidArgument, "invalid-request",
                    "cascade '" + cascade_text + "' is not a boolean; allowed: true, false");
    }
    bool cascade = cascade_text == "true";
    Status st = engine_.delete_ipam(path_arg(args, "ipam_id"), cascade);
    if (!st.ok()) return st;
    mutated = true;
    return Json{{"deleted", path_arg(args, "ipam_id")}};
  }
  if (op == "create_scope") {
    Fields f(body);
    std::string description = f.str("description").value_or("");
    f.only({"description", "client_token"});
    if (!f.ok()) return f.status();
    auto r = engine_.create_scope(path_arg(args, "ipam_id"), description);
    if (!r.ok()) return r.status();
    mutated = true;
    return Json{{"scope", to_json(*r)}};
  }
  if (op == "describe_scope") {
    auto r = engine_.describe_scope(path_arg(args, "scope_id"));
    if (!r.ok()) return r.status();
    return Json{{"scope", to_json(*r)}};
  }
  if (op == "list_scopes") {
    auto ipam_id = query_arg(args, "ipam_id");
    if (ipam_id) {
      auto exists = engine_.describe_ipam(*ipam_id);
      if (!exists.ok()) return exists.status();
    }
    std::vector<Json> items;
    for (const auto& s : engine_.list_scopes(ipam_id)) items.push_back(to_json(s));
    return paginate(std::move(items), args, "scopes");
  }
  if (op == "delete_scope") {
    Status st = engine_.delete_scope(path_arg(args, "scope_id"));
    if (!st.ok()) return st;
    mutated = true;
    return Json{{"deleted", path_arg(args, "scope_id")}};
  }
  return Status(Code::kInternal, "internal", "no handler for " + op);
}

Result<Json> IpamService::run_pools(const Principal& who, const std::string& op, const Json& args,
                                    bool& mutated) {
  const Json& body = body_arg(args);
  const std::string pool_id = path_arg(args, "pool_id");
  // Members may read the pools shared with them; everything else is admin.
  bool member_read = op == "describe_pool" || op == "list_pools" || op == "list_pool_cidrs";
  if (!member_read) {
    if (Status st = require_admin(who, op); !st.ok()) return st;
  } else if (op != "list_pools") {
    if (Status st = require_pool_access(who, op, pool_id); !st.ok()) return st;
  }
  if (op == "create_pool") {
    auto spec = pool_spec_from(body);
    if (!spec.ok()) return spec.status();
    auto r = engine_.create_pool(*spec);
    if (!r.ok()) return r.status();
    mutated = true;
    return Json{{"pool", to_json(*r)}};
  }
  if (op == "describe_pool") {
    auto r = engine_.describe_pool(pool_id);
    if (!r.ok()) return r.status();
    return Json{{"pool", to_json(*r)}};
  }
  if (op == "list_pools") {
    auto scope_id = query_arg(args, "scope_id");
    if (scope_id) {
      auto exists = engine_.describe_scope(*scope_id);
      if (!exists.ok()) return exists.status();
    }
    std::vector<Json> items;
    for (const auto& p : engine_.list_pools(scope_id)) {
      if (can_see_pool(who, p.id)) items.push_back(to_json(p));
    }
    return paginate(std::move(items), args, "pools");
  }
  if (op == "modify_pool") {
    auto change = pool_change_from(body);
    if (!change.ok()) return change.status();
    auto r = engine_.modify_pool(pool_id, *change);
    if (!r.ok()) return r.status();
    mutated = true;
    return Json{{"pool", to_json(*r)}};
  }
  if (op == "delete_pool") {
    Status st = engine_.delete_pool(pool_id);
    if (!st.ok()) return st;
    for (auto& [id, share] : shares_) share.pools.erase(pool_id);
    mutated = true;
    return Json{{"deleted", pool_id}};
  }
  if (op == "provision_cidr") {
    auto req = provision_from(body);
    if (!req.ok()) return req.status();
    // With a signed authorization context (BYOIP), the daemon verified it
    // before this ran and put the verdict in args["verification"] (see
    // service_cloud.cc): the CIDR is provisioned, or recorded as
    // failed-provision with the reason.
    auto v = args.find("verification");
    bool verified = v != args.end() && v->is_object() && v->contains("ok");
    if (body.contains("authorization_context") && !verified) {
      return Status(Code::kInvalidArgument, "verification-required",
                    "an authorization context is verified by byoipd before provisioning");
    }
    if (verified) req->pending_verification = true;
    auto r = engine_.provision_cidr(pool_id, *req);
    if (!r.ok()) return r.status();
    if (verified && req->cidr) {
      bool ok = (*v)["ok"].is_boolean() && (*v)["ok"].get<bool>();
      Status verdict = ok ? Status()
                          : Status(Code::kPermissionDenied, "authorization-failed",
                                   v->value("message", std::string("authorization failed")));
      r = engine_.complete_provision(pool_id, *req->cidr, verdict);
      if (!r.ok()) return r.status();
    }
    mutated = true;
    return Json{{"pool_cidr", to_json(*r)}};
  }
  if (op == "deprovision_cidr") {
    auto text = query_arg(args, "cidr");
    if (!text) {
      return Status(Code::kInvalidArgument, "invalid-request",
                    "deprovisioning needs ?cidr=ADDRESS/LENGTH");
    }
    auto cidr = Prefix::parse(*text);
    if (!cidr.ok()) return cidr.status();
    auto r = engine_.deprovision_cidr(pool_id, *cidr);
    if (!r.ok()) return r.status();
    mutated = true;
    return Json{{"pool_cidr", to_json(*r)}};
  }
  if (op == "list_pool_cidrs") {
    auto r = engine_.list_pool_cidrs(pool_id);
    if (!r.ok()) return r.status();
    std::vector<Json> items;
    for (const auto& c : *r) items.push_back(to_json(c));
    return paginate(std::move(items), args, "pool_cidrs");
  }
  return Status(Code::kInternal, "internal", "no handler for " + op);
}

}  // namespace byoipd::controller
