#include "json_codec.h"

namespace byoipd::controller {

using namespace byoipd::ipam;

namespace {

Json opt(const std::optional<std::string>& v) { return v ? Json(*v) : Json(nullptr); }
Json opt(const std::optional<int>& v) { return v ? Json(*v) : Json(nullptr); }

// Address counts exceed 64 bits for IPv6: sent as decimal strings.
Json count(u128 v) { return u128_to_string(v); }

}  // namespace

Json tags_json(const Tags& tags) {
  Json out = Json::object();
  for (const auto& [k, v] : tags) out[k] = v;
  return out;
}

Json to_json(const IpamInfo& v) {
  return Json{{"id", v.id},
              {"owner", v.owner},
              {"home_region", v.home_region},
              {"operating_regions", v.operating_regions},
              {"tier", to_string(v.tier)},
              {"description", v.description},
              {"tags", tags_json(v.tags)},
              {"private_default_scope_id", v.private_default_scope_id},
              {"public_default_scope_id", v.public_default_scope_id},
              {"scope_count", v.scope_count}};
}

Json to_json(const ScopeInfo& v) {
  return Json{{"id", v.id},           {"ipam_id", v.ipam_id},
              {"type", to_string(v.type)}, {"is_default", v.is_default},
              {"description", v.description}, {"pool_count", v.pool_count}};
}

Json to_json(const PoolInfo& v) {
  return Json{{"id", v.id},
              {"ipam_id", v.ipam_id},
              {"scope_id", v.scope_id},
              {"scope_type", to_string(v.scope_type)},
              {"address_family", family_name(v.family)},
              {"source_pool_id", opt(v.source_pool_id)},
              {"depth", v.depth},
              {"locale", opt(v.locale)},
              {"owner", v.owner},
              {"description", v.description},
              {"tags", tags_json(v.tags)},
              {"auto_import", v.auto_import},
              {"publicly_advertisable", v.publicly_advertisable},
              {"allocation_default_netmask_length", opt(v.guardrails.default_netmask_length)},
              {"allocation_min_netmask_length", opt(v.guardrails.min_netmask_length)},
              {"allocation_max_netmask_length", opt(v.guardrails.max_netmask_length)},
              {"allocation_resource_tags", tags_json(v.guardrails.required_tags)}};
}

Json to_json(const PoolCidrInfo& v) {
  Json out{{"id", v.id},
           {"pool_id", v.pool_id},
           {"cidr", v.cidr.to_string()},
           {"netmask_length", v.cidr.length()},
           {"state", to_string(v.state)}};
  if (!v.failure_reason.empty()) out["failure_reason"] = v.failure_reason;
  return out;
}

Json to_json(const Allocation& v) {
  return Json{{"id", v.id},
              {"pool_id", v.pool_id},
              {"cidr", v.cidr.to_string()},
              {"resource_type", to_string(v.type)},
              {"resource_id", v.resource_id},
              {"resource_owner", v.resource_owner},
              {"resource_region", v.resource_region},
              {"description", v.description}};
}

Json to_json(const ResourceCidr& v) {
  Json out{{"resource_id", v.resource_id},
           {"resource_type", to_string(v.resource_type)},
           {"owner", v.owner},
           {"region", v.region},
           {"cidr", v.cidr.to_string()},
           {"scope_id", v.scope_id},
           {"pool_id", opt(v.pool_id)},
           {"allocation_id", opt(v.allocation_id)},
           {"management_state", to_string(v.management)},
           {"overlap_status", to_string(v.overlap)},
           {"compliance_status", to_string(v.compliance)},
           {"tags", tags_json(v.tags)}};
  if (!v.noncompliance_reason.empty()) out["noncompliance_reason"] = v.noncompliance_reason;
  return out;
}

Json to_json(const PoolUtilization& v) {
  return Json{{"pool_id", v.pool_id},
              {"provisioned_addresses", count(v.provisioned_addresses)},
              {"allocated_addresses", count(v.allocated_addresses)},
              {"available_addresses", count(v.available_addresses)},
              {"percent", v.percent},
              {"allocation_count", v.allocation_count},
              {"largest_free_netmask_length",
               v.largest_free_length < 0 ? Json(nullptr) : Json(v.largest_free_length)}};
}

// ---- decoding ----------------------------------------------------------------

Fields::Fields(const Json& obj, std::string where) : obj_(obj), where_(std::move(where)) {
  if (!obj_.is_object()) {
    status_ = Status(Code::kInvalidArgument, "invalid-request",
                     where_ + " must be a JSON object, got " + std::string(obj_.type_name()));
  }
}

const Json* Fields::get(const char* key) {
  if (!status_.ok() || !obj_.is_object()) return nullptr;
  auto it = obj_.find(key);
  if (it == obj_.end() || it->is_null()) return nullptr;
  return &*it;
}

void Fields::fail(const char* key, const std::string& what) {
  if (status_.ok()) {
    status_ = Status(Code::kInvalidArgument, "invalid-request",
                     where_ + "." + key + ": " + what);
  }
}

std::optional<std::string> Fields::str(const char* key) {
  const Json* v = get(key);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    fail(key, "expected a string, got " + std::string(v->type_name()));
    return std::nullopt;
  }
  return v->get<std::string>();
}

std::optional<int> Fields::integer(const char* key) {
  const Json* v = get(key);
  if (!v) return std::nullopt;
  if (!v->is_number_integer() || v->get<long long>() < -1000000000 ||
      v->get<long long>() > 1000000000) {
    fail(key, "expected an integer, got " + v->dump());
    return std::nullopt;
  }
  return v->get<int>();
}

std::optional<double> Fields::number(const char* key) {
  const Json* v = get(key);
  if (!v) return std::nullopt;
  if (!v->is_number()) {
    fail(key, "expected a number, got " + v->dump());
    return std::nullopt;
  }
  return v->get<double>();
}

std::optional<bool> Fields::boolean(const char* key) {
  const Json* v = get(key);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) {
    fail(key, "expected true or false, got " + v->dump());
    return std::nullopt;
  }
  return v->get<bool>();
}

std::optional<std::vector<std::string>> Fields::strings(const char* key) {
  const Json* v = get(key);
  if (!v) return std::nullopt;
  std::vector<std::string> out;
  if (v->is_array()) {
    for (const auto& item : *v) {
      if (!item.is_string()) {
        fail(key, "expected a list of strings, found " + item.dump());
        return std::nullopt;
      }
      out.push_back(item.get<std::string>());
    }
    return out;
  }
  fail(key, "expected a list of strings, got " + std::string(v->type_name()));
  return std::nullopt;
}

std::optional<Prefix> Fields::prefix(const char* key) {
  auto text = str(key);
  if (!text) return std::nullopt;
  auto p = Prefix::parse(*text);
  if (!p.ok()) {
    if (status_.ok()) {
      status_ = Status(p.status().code(), p.status().reason().data(),
                       where_ + "." + key + ": " + p.status().message());
    }
    return std::nullopt;
  }
  return *p;
}

std::optional<std::vector<Prefix>> Fields::prefixes(const char* key) {
  auto texts = strings(key);
  if (!texts) return std::nullopt;
  std::vector<Prefix> out;
  for (const auto& t : *texts) {
    auto p = Prefix::parse(t);
    if (!p.ok()) {
      if (status_.ok()) {
        status_ = Status(p.status().code(), p.status().reason().data(),
                         where_ + "." + key + ": " + p.status().message());
      }
      return std::nullopt;
    }
    out.push_back(*p);
  }
  return out;
}

std::optional<Tags> Fields::tags(const char* key) {
  const Json* v = get(key);
  if (!v) return std::nullopt;
  if (!v->is_object()) {
    fail(key, "expected an object of tag key -> value, got " + std::string(v->type_name()));
    return std::nullopt;
  }
  Tags out;
  for (auto it = v->begin(); it != v->end(); ++it) {
    if (!it->is_string()) {
      fail(key, "tag " + it.key() + " must have a string value, got " + it->dump());
      return std::nullopt;
    }
    out[it.key()] = it->get<std::string>();
  }
  return out;
}

std::optional<Json> Fields::object(const char* key) {
  const Json* v = get(key);
  if (!v) return std::nullopt;
  if (!v->is_object()) {
    fail(key, "expected an object, got " + std::string(v->type_name()));
    return std::nullopt;
  }
  return *v;
}

std::string Fields::required_str(const char* key) {
  auto v = str(key);
  if (!v && status_.ok()) fail(key, "is required");
  return v.value_or("");
}

void Fields::only(std::initializer_list<const char*> allowed) {
  if (!status_.ok() || !obj_.is_object()) return;
  for (auto it = obj_.begin(); it != obj_.end(); ++it) {
    bool known = false;
    for (const char* a : allowed) known |= it.key() == a;
    if (!known) {
      std::string list;
      for (const char* a : allowed) list += std::string(list.empty() ? "" : ", ") + a;
      status_ = Status(Code::kInvalidArgument, "invalid-request",
                       where_ + ": unknown field '" + it.key() + "'; allowed: " + list);
      return;
    }
  }
}

Result<IpamSpec> ipam_spec_from(const Json& body) {
  Fields f(body);
  IpamSpec spec;
  spec.home_region = f.required_str("home_region");
  spec.operating_regions = f.strings("operating_regions").value_or(std::vector<std::string>{});
  if (auto tier = f.str("tier")) {
    auto t = parse_tier(*tier);
    if (!t) {
      return Status(Code::kInvalidArgument, "invalid-request",
                    "body.tier: '" + *tier + "' is not a tier; allowed: free, advanced");
    }
    spec.tier = *t;
  }
  spec.description = f.str("description").value_or("");
  spec.tags = f.tags("tags").value_or(Tags{});
  f.only({"home_region", "operating_regions", "tier", "description", "tags", "client_token"});
  if (!f.ok()) return f.status();
  return spec;
}

Result<IpamChange> ipam_change_from(const Json& body) {
  Fields f(body);
  IpamChange c;
  c.add_operating_regions = f.strings("add_operating_regions").value_or(std::vector<std::string>{});
  c.remove_operating_regions =
      f.strings("remove_operating_regions").value_or(std::vector<std::string>{});
  if (auto tier = f.str("tier")) {
    auto t = parse_tier(*tier);
    if (!t) {
      return Status(Code::kInvalidArgument, "invalid-request",
                    "body.tier: '" + *tier + "' is not a tier; allowed: free, advanced");
    }
    c.tier = *t;
  }
  c.description = f.str("description");
  f.only({"add_operating_regions", "remove_operating_regions", "tier", "description"});
  if (!f.ok()) return f.status();
  return c;
}

Result<PoolSpec> pool_spec_from(const Json& body) {
  Fields f(body);
  PoolSpec s;
  s.scope_id = f.required_str("scope_id");
  std::string family = f.str("address_family").value_or("ipv4");
  auto fam = parse_family(family);
  if (!fam.ok()) {
    return Status(Code::kInvalidArgument, "invalid-request",
                  "body.address_family: " + fam.status().message());
  }
  s.family = *fam;
  s.source_pool_id = f.str("source_pool_id");
  s.locale = f.str("locale");
  s.description = f.str("description").value_or("");
  s.tags = f.tags("tags").value_or(Tags{});
  s.auto_import = f.boolean("auto_import").value_or(false);
  s.publicly_advertisable = f.boolean("publicly_advertisable");
  s.guardrails.default_netmask_length = f.integer("allocation_default_netmask_length");
  s.guardrails.min_netmask_length = f.integer("allocation_min_netmask_length");
  s.guardrails.max_netmask_length = f.integer("allocation_max_netmask_length");
  s.guardrails.required_tags = f.tags("allocation_resource_tags").value_or(Tags{});
  f.only({"scope_id", "address_family", "source_pool_id", "locale", "description", "tags",
          "auto_import", "publicly_advertisable", "allocation_default_netmask_length",
          "allocation_min_netmask_length", "allocation_max_netmask_length",
          "allocation_resource_tags", "client_token"});
  if (!f.ok()) return f.status();
  return s;
}

Result<PoolChange> pool_change_from(const Json& body) {
  Fields f(body);
  PoolChange c;
  c.description = f.str("description");
  c.auto_import = f.boolean("auto_import");
  c.default_netmask_length = f.integer("allocation_default_netmask_length");
  c.min_netmask_length = f.integer("allocation_min_netmask_length");
  c.max_netmask_length = f.integer("allocation_max_netmask_length");
  c.clear_default_netmask_length = f.boolean("clear_allocation_default_netmask_length").value_or(false);
  c.clear_min_netmask_length = f.boolean("clear_allocation_min_netmask_length").value_or(false);
  c.clear_max_netmask_length = f.boolean("clear_allocation_max_netmask_length").value_or(false);
  c.required_tags = f.tags("allocation_resource_tags");
  f.only({"description", "auto_import", "allocation_default_netmask_length",
          "allocation_min_netmask_length", "allocation_max_netmask_length",
          "clear_allocation_default_netmask_length", "clear_allocation_min_netmask_length",
          "clear_allocation_max_netmask_length", "allocation_resource_tags"});
  if (!f.ok()) return f.status();
  return c;
}

Result<ProvisionRequest> provision_from(const Json& body) {
  Fields f(body);
  ProvisionRequest r;
  r.cidr = f.prefix("cidr");
  r.netmask_length = f.integer("netmask_length");
  r.pending_verification = f.boolean("pending_verification").value_or(false);
  // authorization_context: verified by the daemon (service_ipam.cc).
  f.only({"cidr", "netmask_length", "pending_verification", "client_token",
          "authorization_context"});
  if (!f.ok()) return f.status();
  return r;
}

Result<ResourceRef> resource_from(const Json& body, const char* where) {
  Fields f(body, where);
  ResourceRef r;
  std::string type = f.str("type").value_or("vpc");
  auto t = parse_allocation_type(type);
  if (!t) {
    return Status(Code::kInvalidArgument, "invalid-request",
                  std::string(where) + ".type: '" + type +
                      "' is not a resource type; allowed: vpc, subnet, eip, "
                      "ec2-public-ipv4-pool, anycast-ip-list");
  }
  r.type = *t;
  r.id = f.required_str("id");
  r.owner = f.str("owner").value_or("");
  r.region = f.str("region").value_or("");
  r.tags = f.tags("tags").value_or(Tags{});
  f.only({"type", "id", "owner", "region", "tags"});
  if (!f.ok()) return f.status();
  return r;
}

Result<AllocationRequest> allocation_from(const Json& body) {
  Fields f(body);
  AllocationRequest r;
  r.cidr = f.prefix("cidr");
  r.netmask_length = f.integer("netmask_length");
  r.allowed_cidrs = f.prefixes("allowed_cidrs").value_or(std::vector<Prefix>{});
  r.disallowed_cidrs = f.prefixes("disallowed_cidrs").value_or(std::vector<Prefix>{});
  r.description = f.str("description").value_or("");
  auto resource = f.object("resource");
  f.only({"cidr", "netmask_length", "allowed_cidrs", "disallowed_cidrs", "description",
          "resource", "client_token"});
  if (!f.ok()) return f.status();
  if (resource) {
    auto ref = resource_from(*resource, "body.resource");
    if (!ref.ok()) return ref.status();
    r.resource = *ref;
  }
  return r;
}

}  // namespace byoipd::controller
