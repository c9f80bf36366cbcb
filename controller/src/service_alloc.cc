// IpamService operations on allocations, resources and reports.
#include "service.h"
#include "service_args.h"

namespace byoipd::controller {

using namespace byoipd::ipam;

namespace {

Status not_yours(const Principal& who, const std::string& what) {
  return Status(Code::kPermissionDenied, "not-owner",
                "account " + who.account + " may not act on " + what +
                    ": it belongs to another account");
}

template <typename E>
std::optional<E> parse_enum(const std::optional<std::string>& text, std::initializer_list<E> values,
                            Status* error, const char* name) {
  if (!text) return std::nullopt;
  std::string allowed;
  for (E v : values) {
    if (to_string(v) == *text) return v;
    allowed += std::string(allowed.empty() ? "" : ", ") + std::string(to_string(v));
  }
  *error = Status(Code::kInvalidArgument, "invalid-request",
                  std::string(name) + " '" + *text + "' is not valid; allowed: " + allowed);
  return std::nullopt;
}

}  // namespace

Result<Json> IpamService::run_allocations(const Principal& who, const std::string& op,
                                          const Json& args, bool& mutated) {
  const Json& body = body_arg(args);
  const bool admin = is_admin(who);
  std::string pool_id = path_arg(args, "pool_id");
  if (op == "describe_allocation") {
    auto a = engine_.describe_allocation(path_arg(args, "allocation_id"));
    if (!a.ok()) return a.status();
    if (Status st = require_pool_access(who, op, a->pool_id); !st.ok()) return st;
    if (!admin && a->resource_owner != who.account) return not_yours(who, a->id);
    return Json{{"allocation", to_json(*a)}};
  }
  if (Status st = require_pool_access(who, op, pool_id); !st.ok()) return st;
  if (op == "allocate" || op == "preview_allocation") {
    auto req = allocation_from(body);
    if (!req.ok()) return req.status();
    if (req->resource) {
      if (req->resource->owner.empty()) req->resource->owner = who.account;
      if (!admin && req->resource->owner != who.account) {
        return Status(Code::kPermissionDenied, "not-owner",
                      "account " + who.account + " may not allocate for a resource of account " +
                          req->resource->owner);
      }
    } else {
      req->owner = who.account;
    }
    if (op == "preview_allocation") {
      auto p = engine_.preview_allocation(pool_id, *req);
      if (!p.ok()) return p.status();
      return Json{{"cidr", p->to_string()}};
    }
    auto a = engine_.allocate(pool_id, *req);
    if (!a.ok()) return a.status();
    mutated = true;
    return Json{{"allocation", to_json(*a)}};
  }
  if (op == "release_allocation") {
    std::string id = path_arg(args, "allocation_id");
    std::optional<Prefix> cidr;
    if (auto text = query_arg(args, "cidr")) {
      auto p = Prefix::parse(*text);
      if (!p.ok()) return p.status();
      cidr = *p;
    }
    if (!admin) {
      auto a = engine_.describe_allocation(id);
      if (a.ok() && a->resource_owner != who.account) return not_yours(who, id);
    }
    Status st = engine_.release_allocation(pool_id, id, cidr);
    if (!st.ok()) return st;
    mutated = true;
    return Json{{"released", id}};
  }
  if (op == "list_allocations") {
    auto limit = limit_arg(args);
    if (!limit.ok()) return limit.status();
    ListOptions options;
    if (auto token = query_arg(args, "next_token")) {
      auto after = Prefix::parse(*token);
      if (!after.ok()) {
        return Status(Code::kInvalidArgument, "invalid-request",
                      "next_token '" + *token + "' is not a token this list returned");
      }
      options.after = *after;
    }
    Json items = Json::array();
    std::optional<Prefix> last;
    bool more = false;
    // Members see only their own allocations: page through until full.
    while (true) {
      options.limit = *limit + 1;
      auto batch = engine_.list_allocations(pool_id, options);
      if (!batch.ok()) return batch.status();
      for (const auto& a : *batch) {
        if (items.size() == *limit) {
          more = true;
          break;
        }
        last = a.cidr;
        if (admin || a.resource_owner == who.account) items.push_back(to_json(a));
      }
      if (more || batch->size() < options.limit) break;
      options.after = batch->back().cidr;
    }
    return Json{{"allocations", std::move(items)},
                {"next_token", more && last ? Json(last->to_string()) : Json(nullptr)}};
  }
  return Status(Code::kInternal, "internal", "no handler for " + op);
}

Result<Json> IpamService::run_resources(const Principal& who, const std::string& op,
                                        const Json& args, bool& mutated) {
  const Json& body = body_arg(args);
  if (op == "pool_utilization") {
    std::string pool_id = path_arg(args, "pool_id");
    if (Status st = require_pool_access(who, op, pool_id); !st.ok()) return st;
    auto u = engine_.utilization(pool_id);
    if (!u.ok()) return u.status();
    return Json{{"utilization", to_json(*u)}};
  }
  if (Status st = require_admin(who, op); !st.ok()) return st;
  if (op == "utilization_report") {
    double threshold = ipam::kDefaultUtilizationThreshold;
    if (auto text = query_arg(args, "threshold")) {
      char* end = nullptr;
      threshold = std::strtod(text->c_str(), &end);
      if (text->empty() || *end != '\0' || threshold < 0 || threshold > 100) {
        return Status(Code::kInvalidArgument, "invalid-request",
                      "threshold '" + *text + "' is not a percentage (0 to 100)");
      }
    }
    Json pools = Json::array();
    for (const auto& u : engine_.pools_at_or_above(threshold)) pools.push_back(to_json(u));
    return Json{{"threshold", threshold}, {"pools", std::move(pools)}};
  }
  if (op == "register_resource" || op == "import_resource") {
    Fields f(body);
    auto resource = f.object("resource");
    auto cidr = f.prefix("cidr");
    f.only({"resource", "cidr"});
    if (!f.ok()) return f.status();
    if (!resource || !cidr) {
      return Status(Code::kInvalidArgument, "invalid-request",
                    "body needs 'resource' (type, id, owner, region, tags) and 'cidr'");
    }
    auto ref = resource_from(*resource, "body.resource");
    if (!ref.ok()) return ref.status();
    if (ref->owner.empty()) ref->owner = who.account;  // as allocate does
    auto r = op == "register_resource"
                 ? engine_.register_resource(path_arg(args, "scope_id"), *ref, *cidr)
                 : engine_.import_resource(path_arg(args, "pool_id"), *ref, *cidr);
    if (!r.ok()) return r.status();
    mutated = true;
    return Json{{"resource_cidr", to_json(*r)}};
  }
  if (op == "set_resource_ignored") {
    Fields f(body);
    std::string id = f.required_str("resource_id");
    auto cidr = f.prefix("cidr");
    auto ignored = f.boolean("ignored");
    f.only({"resource_id", "cidr", "ignored"});
    if (!f.ok()) return f.status();
    if (!cidr || !ignored) {
      return Status(Code::kInvalidArgument, "invalid-request",
                    "body needs 'resource_id', 'cidr' and 'ignored' (true or false)");
    }
    auto r = engine_.set_resource_ignored(path_arg(args, "scope_id"), id, *cidr, *ignored);
    if (!r.ok()) return r.status();
    mutated = true;
    return Json{{"resource_cidr", to_json(*r)}};
  }
  if (op == "remove_resource") {
    Status st = remove_resource_reoffering(path_arg(args, "resource_id"));
    if (!st.ok()) return st;
    mutated = true;
    return Json{{"deleted", path_arg(args, "resource_id")}};
  }
  if (op == "remove_resource_cidr") {
    auto id = query_arg(args, "resource_id");
    auto text = query_arg(args, "cidr");
    if (!id || !text) {
      return Status(Code::kInvalidArgument, "invalid-request",
                    "removing a resource CIDR needs ?resource_id=...&cidr=...");
    }
    auto cidr = Prefix::parse(*text);
    if (!cidr.ok()) return cidr.status();
    std::string scope_id = path_arg(args, "scope_id");
    Status st = remove_resource_reoffering(*id, &scope_id, &*cidr);
    if (!st.ok()) return st;
    mutated = true;
    return Json{{"deleted", *id + " " + cidr->to_string()}};
  }
  if (op == "list_resource_cidrs") {
    ResourceFilter filter;
    Status error;
    filter.management = parse_enum(query_arg(args, "management_state"),
                                   {ManagementState::kManaged, ManagementState::kUnmanaged,
                                    ManagementState::kIgnored},
                                   &error, "management_state");
    filter.overlap = parse_enum(query_arg(args, "overlap_status"),
                                {OverlapStatus::kOverlapping, OverlapStatus::kNonoverlapping,
                                 OverlapStatus::kIgnored},
                                &error, "overlap_status");
    filter.compliance = parse_enum(
        query_arg(args, "compliance_status"),
        {ComplianceStatus::kCompliant, ComplianceStatus::kNoncompliant,
         ComplianceStatus::kUnmanaged, ComplianceStatus::kIgnored},
        &error, "compliance_status");
    if (!error.ok()) return error;
    filter.pool_id = query_arg(args, "pool_id");
    filter.resource_id = query_arg(args, "resource_id");
    filter.owner = query_arg(args, "owner");
    auto r = engine_.resource_cidrs(path_arg(args, "scope_id"), filter);
    if (!r.ok()) return r.status();
    std::vector<Json> items;
    for (const auto& c : *r) items.push_back(to_json(c));
    return paginate(std::move(items), args, "resource_cidrs");
  }
  return Status(Code::kInternal, "internal", "no handler for " + op);
}

}  // namespace byoipd::controller
