// EC2 IPAM actions -> IpamService operations (see ec2_api.h): IPAMs,
// scopes, pools, pool CIDRs, allocations, resource CIDRs and delegation.
#include <map>

#include "ec2_api_internal.h"

namespace byoipd::controller::ec2 {
namespace {

// ---- shapes --------------------------------------------------------------------

Json ipam_shape(const Json& v) {
  Json regions = Json::array();
  for (const auto& r : v["operating_regions"]) regions.push_back(Json{{"RegionName", r}});
  return Json{{"OwnerId", v["owner"]},
              {"IpamId", v["id"]},
              {"IpamArn", arn(v["owner"], "ipam", v["id"])},
              {"IpamRegion", v["home_region"]},
              {"PublicDefaultScopeId", v["public_default_scope_id"]},
              {"PrivateDefaultScopeId", v["private_default_scope_id"]},
              {"ScopeCount", v["scope_count"]},
              {"Description", v["description"]},
              {"OperatingRegions", std::move(regions)},
              {"State", "create-complete"},
              {"Tags", tag_list(v["tags"])},
              {"Tier", v["tier"]}};
}

Json scope_shape(const Json& v, const Json& ipam) {
  std::string owner = ipam.is_object() ? ipam["owner"].get<std::string>() : "";
  return Json{{"OwnerId", owner},
              {"IpamScopeId", v["id"]},
              {"IpamScopeArn", arn(owner, "ipam-scope", v["id"])},
              {"IpamArn", arn(owner, "ipam", v["ipam_id"])},
              {"IpamRegion", ipam.is_object() ? ipam["home_region"] : Json("")},
              {"IpamScopeType", v["type"]},
              {"IsDefault", v["is_default"]},
              {"Description", v["description"]},
              {"PoolCount", v["pool_count"]},
              {"State", "create-complete"}};
}

Json pool_shape(const Json& v, const std::string& ipam_region) {
  Json resource_tags = tag_list(v["allocation_resource_tags"]);
  Json out{{"OwnerId", v["owner"]},
           {"IpamPoolId", v["id"]},
           {"SourceIpamPoolId", v["source_pool_id"]},
           {"IpamPoolArn", arn(v["owner"], "ipam-pool", v["id"])},
           {"IpamScopeArn", arn(v["owner"], "ipam-scope", v["scope_id"])},
           {"IpamScopeType", v["scope_type"]},
           {"IpamArn", arn(v["owner"], "ipam", v["ipam_id"])},
           {"IpamRegion", ipam_region},
           {"Locale", v["locale"].is_null() ? Json("None") : v["locale"]},
           {"PoolDepth", v["depth"]},
           {"State", "create-complete"},
           {"Description", v["description"]},
           {"AutoImport", v["auto_import"]},
           {"AddressFamily", v["address_family"]},
           {"AllocationMinNetmaskLength", v["allocation_min_netmask_length"]},
           {"AllocationMaxNetmaskLength", v["allocation_max_netmask_length"]},
           {"AllocationDefaultNetmaskLength", v["allocation_default_netmask_length"]},
           {"AllocationResourceTags", std::move(resource_tags)},
           {"Tags", tag_list(v["tags"])}};
  if (v["scope_type"] == "public") out["PubliclyAdvertisable"] = v["publicly_advertisable"];
  return out;
}

Json pool_cidr_shape(const Json& v) {
  Json out{{"Cidr", v["cidr"]},
           {"State", v["state"]},
           {"IpamPoolCidrId", v["id"]},
           {"NetmaskLength", v["netmask_length"]}};
  if (v.contains("failure_reason")) {
    out["FailureReason"] = Json{{"Code", "cidr-not-available"}, {"Message", v["failure_reason"]}};
  }
  return out;
}

Json allocation_shape(const Json& v) {
  Json out{{"Cidr", v["cidr"]},
           {"IpamPoolAllocationId", v["id"]},
           {"Description", v["description"]},
           {"ResourceType", v["resource_type"]},
           {"ResourceOwner", v["resource_owner"]}};
  if (!str(v, "resource_id").empty()) out["ResourceId"] = v["resource_id"];
  if (!str(v, "resource_region").empty()) out["ResourceRegion"] = v["resource_region"];
  return out;
}

// ---- actions --------------------------------------------------------------------


Result<Json> ipam_of(const Ctx& c, const std::string& id) {
  auto r = c.call("describe_ipam", Json{{"ipam_id", id}});
  if (!r.ok()) return r.status();
  return (*r)["ipam"];
}

std::string region_of_ipam(const Ctx& c, const std::string& id) {
  auto r = ipam_of(c, id);
  return r.ok() ? str(*r, "home_region") : "";
}

Ec2Result create_ipam(const Ctx& c) {
  Json body{{"home_region", c.caller.region}};
  Json regions = Json::array();
  for (const auto& r : c.in.value("OperatingRegions", Json::array())) {
    regions.push_back(r.value("RegionName", ""));
  }
  body["operating_regions"] = regions;
  if (auto tier = opt_str(c.in, "Tier")) body["tier"] = *tier;
  if (auto d = opt_str(c.in, "Description")) body["description"] = *d;
  if (auto t = opt_str(c.in, "ClientToken")) body["client_token"] = *t;
  auto tags = tags_for(c.in, "ipam");
  if (!tags.ok()) return ec2_error_for(tags.status());
  body["tags"] = *tags;
  auto r = c.call("create_ipam", Json{{"body", body}});
  if (!r.ok()) return ec2_error_for(r.status());
  return Json{{"Ipam", ipam_shape((*r)["ipam"])}};
}

// An account that administers no IPAM owns none: it lists nothing, as on
// AWS, rather than being refused.
Result<std::vector<Json>> owned_or_none(Result<std::vector<Json>> all) {
  if (!all.ok() && all.status().code() == Code::kPermissionDenied) return std::vector<Json>{};
  return all;
}

Ec2Result describe_ipams(const Ctx& c) {
  auto all = owned_or_none(c.list_all("list_ipams", Json::object(), "ipams"));
  if (!all.ok()) return ec2_error_for(all.status());
  std::vector<Json> items;
  for (const auto& i : *all) items.push_back(ipam_shape(i));
  auto picked = select_ids(c.in, "IpamIds", std::move(items), "IpamId", "ipam-not-found", "IPAM");
  if (!picked.ok()) return ec2_error_for(picked.status());
  auto fields = [](const Json& j, const std::string& name) -> std::vector<std::string> {
    if (name == "ipam-id") return {j["IpamId"]};
    if (name == "owner-id") return {j["OwnerId"]};
    if (name == "ipam-region") return {j["IpamRegion"]};
    if (name == "tier") return {j["Tier"]};
    if (name == "operating-region") {
      std::vector<std::string> out;
      for (const auto& r : j["OperatingRegions"]) out.push_back(r["RegionName"]);
      return out;
    }
    return tag_filter_values(j["Tags"], name);
  };
  auto kept = apply_filters(c.in, std::move(*picked), fields,
                            {"ipam-id", "owner-id", "ipam-region", "tier", "operating-region"});
  if (!kept.ok()) return ec2_error_for(kept.status());
  auto out = page(c.in, std::move(*kept), "Ipams");
  if (!out.ok()) return ec2_error_for(out.status());
  return *out;
}

Ec2Result modify_ipam(const Ctx& c) {
  Json body = Json::object();
  Json add = Json::array(), remove = Json::array();
  for (const auto& r : c.in.value("AddOperatingRegions", Json::array())) add.push_back(r["RegionName"]);
  for (const auto& r : c.in.value("RemoveOperatingRegions", Json::array())) {
    remove.push_back(r["RegionName"]);
  }
  if (!add.empty()) body["add_operating_regions"] = add;
  if (!remove.empty()) body["remove_operating_regions"] = remove;
  if (auto tier = opt_str(c.in, "Tier")) body["tier"] = *tier;
  if (auto d = opt_str(c.in, "Description")) body["description"] = *d;
  auto r = c.call("modify_ipam", Json{{"ipam_id", c.in["IpamId"]}, {"body", body}});
  if (!r.ok()) return ec2_error_for(r.status());
  Json out = ipam_shape((*r)["ipam"]);
  out["State"] = "modify-complete";
  return Json{{"Ipam", out}};
}

Ec2Result delete_ipam(const Ctx& c) {
  std::string id = c.in["IpamId"];
  auto before = ipam_of(c, id);
  if (!before.ok()) return ec2_error_for(before.status());
  bool cascade = c.in.value("Cascade", false);
  auto r = c.call("delete_ipam", Json{{"ipam_id", id},
                                      {"query", {{"cascade", cascade ? "true" : "false"}}}});
  if (!r.ok()) return ec2_error_for(r.status());
  Json out = ipam_shape(*before);
  out["State"] = "delete-in-progress";
  return Json{{"Ipam", out}};
}

Ec2Result create_scope(const Ctx& c) {
  Json body = Json::object();
  if (auto d = opt_str(c.in, "Description")) body["description"] = *d;
  if (auto t = opt_str(c.in, "ClientToken")) body["client_token"] = *t;
  auto tags = tags_for(c.in, "ipam-scope");
  if (!tags.ok()) return ec2_error_for(tags.status());
  if (!tags->empty()) {
    return ec2_error_for(Status(Code::kInvalidArgument, "tagging-not-supported",
                                "byoipd keeps no tags on IPAM scopes; tag IPAMs, pools and VPCs"));
  }
  std::string ipam_id = c.in["IpamId"];
  auto r = c.call("create_scope", Json{{"ipam_id", ipam_id}, {"body", body}});
  if (!r.ok()) return ec2_error_for(r.status());
  auto ipam = ipam_of(c, ipam_id);
  return Json{{"IpamScope", scope_shape((*r)["scope"], ipam.ok() ? *ipam : Json())}};
}

Ec2Result describe_scopes(const Ctx& c) {
  auto all = owned_or_none(c.list_all("list_scopes", Json::object(), "scopes"));
  if (!all.ok()) return ec2_error_for(all.status());
  std::map<std::string, Json> ipams;
  std::vector<Json> items;
  for (const auto& s : *all) {
    std::string ipam_id = s["ipam_id"];
    if (!ipams.count(ipam_id)) {
      auto i = ipam_of(c, ipam_id);
      ipams[ipam_id] = i.ok() ? *i : Json();
    }
    items.push_back(scope_shape(s, ipams[ipam_id]));
  }
  auto picked = select_ids(c.in, "IpamScopeIds", std::move(items), "IpamScopeId",
                           "scope-not-found", "IPAM scope");
  if (!picked.ok()) return ec2_error_for(picked.status());
  auto fields = [](const Json& j, const std::string& name) -> std::vector<std::string> {
    if (name == "ipam-scope-id") return {j["IpamScopeId"]};
    if (name == "ipam-scope-type") return {j["IpamScopeType"]};
    if (name == "ipam-arn") return {j["IpamArn"]};
    if (name == "is-default") return {j["IsDefault"].get<bool>() ? "true" : "false"};
    if (name == "owner-id") return {j["OwnerId"]};
    return {};
  };
  auto kept = apply_filters(c.in, std::move(*picked), fields,
                            {"ipam-scope-id", "ipam-scope-type", "ipam-arn", "is-default", "owner-id"});
  if (!kept.ok()) return ec2_error_for(kept.status());
  auto out = page(c.in, std::move(*kept), "IpamScopes");
  if (!out.ok()) return ec2_error_for(out.status());
  return *out;
}

Ec2Result delete_scope(const Ctx& c) {
  std::string id = c.in["IpamScopeId"];
  auto before = c.call("describe_scope", Json{{"scope_id", id}});
  if (!before.ok()) return ec2_error_for(before.status());
  auto r = c.call("delete_scope", Json{{"scope_id", id}});
  if (!r.ok()) return ec2_error_for(r.status());
  std::string ipam_id = (*before)["scope"]["ipam_id"];
  auto ipam = ipam_of(c, ipam_id);
  Json out = scope_shape((*before)["scope"], ipam.ok() ? *ipam : Json());
  out["State"] = "delete-in-progress";
  return Json{{"IpamScope", out}};
}

Json pool_out(const Ctx& c, const Json& pool) {
  return pool_shape(pool, region_of_ipam(c, pool["ipam_id"]));
}

Ec2Result create_pool(const Ctx& c) {
  Json body{{"scope_id", c.in["IpamScopeId"]}, {"address_family", c.in["AddressFamily"]}};
  if (auto v = opt_str(c.in, "Locale"); v && *v != "None") body["locale"] = *v;
  if (auto v = opt_str(c.in, "SourceIpamPoolId")) body["source_pool_id"] = *v;
  if (auto v = opt_str(c.in, "Description")) body["description"] = *v;
  if (auto v = opt_str(c.in, "ClientToken")) body["client_token"] = *v;
  if (c.in.contains("AutoImport")) body["auto_import"] = c.in["AutoImport"];
  if (c.in.contains("PubliclyAdvertisable")) body["publicly_advertisable"] = c.in["PubliclyAdvertisable"];
  for (auto [from, to] : {std::pair{"AllocationMinNetmaskLength", "allocation_min_netmask_length"},
                          std::pair{"AllocationMaxNetmaskLength", "allocation_max_netmask_length"},
                          std::pair{"AllocationDefaultNetmaskLength",
                                    "allocation_default_netmask_length"}}) {
    if (c.in.contains(from)) body[to] = c.in[from];
  }
  auto required = tags_from_list(c.in.value("AllocationResourceTags", Json()),
                                 "AllocationResourceTag");
  if (!required.ok()) return ec2_error_for(required.status());
  body["allocation_resource_tags"] = *required;
  auto tags = tags_for(c.in, "ipam-pool");
  if (!tags.ok()) return ec2_error_for(tags.status());
  body["tags"] = *tags;
  if (c.in.contains("AwsService") || c.in.contains("PublicIpSource") ||
      c.in.contains("SourceResource")) {
    return aws_unsupported("AwsService, PublicIpSource and SourceResource");
  }
  auto r = c.call("create_pool", Json{{"body", body}});
  if (!r.ok()) return ec2_error_for(r.status());
  return Json{{"IpamPool", pool_out(c, (*r)["pool"])}};
}

Ec2Result describe_pools(const Ctx& c) {
  auto all = c.list_all("list_pools", Json::object(), "pools");
  if (!all.ok()) return ec2_error_for(all.status());
  std::map<std::string, std::string> regions;
  std::vector<Json> items;
  for (const auto& p : *all) {
    std::string ipam_id = p["ipam_id"];
    if (!regions.count(ipam_id)) regions[ipam_id] = region_of_ipam(c, ipam_id);
    items.push_back(pool_shape(p, regions[ipam_id]));
  }
  auto picked = select_ids(c.in, "IpamPoolIds", std::move(items), "IpamPoolId", "pool-not-found",
                           "IPAM pool");
  if (!picked.ok()) return ec2_error_for(picked.status());
  auto fields = [](const Json& j, const std::string& name) -> std::vector<std::string> {
    auto text = [](const Json& v) {
      return v.is_string() ? v.get<std::string>() : v.is_null() ? std::string() : v.dump();
    };
    if (name == "ipam-pool-id") return {text(j["IpamPoolId"])};
    if (name == "ipam-scope-arn") return {text(j["IpamScopeArn"])};
    if (name == "ipam-scope-type") return {text(j["IpamScopeType"])};
    if (name == "ipam-arn") return {text(j["IpamArn"])};
    if (name == "source-ipam-pool-id") return {text(j["SourceIpamPoolId"])};
    if (name == "locale") return {text(j["Locale"])};
    if (name == "address-family") return {text(j["AddressFamily"])};
    if (name == "owner-id") return {text(j["OwnerId"])};
    if (name == "pool-depth") return {text(j["PoolDepth"])};
    if (name == "auto-import") return {text(j["AutoImport"])};
    if (name == "state") return {text(j["State"])};
    return tag_filter_values(j["Tags"], name);
  };
  auto kept = apply_filters(c.in, std::move(*picked), fields,
                            {"ipam-pool-id", "ipam-scope-arn", "ipam-scope-type", "ipam-arn",
                             "source-ipam-pool-id", "locale", "address-family", "owner-id",
                             "pool-depth", "auto-import", "state"});
  if (!kept.ok()) return ec2_error_for(kept.status());
  auto out = page(c.in, std::move(*kept), "IpamPools");
  if (!out.ok()) return ec2_error_for(out.status());
  return *out;
}

Ec2Result modify_pool(const Ctx& c) {
  std::string id = c.in["IpamPoolId"];
  Json body = Json::object();
  if (auto v = opt_str(c.in, "Description")) body["description"] = *v;
  if (c.in.contains("AutoImport")) body["auto_import"] = c.in["AutoImport"];
  for (auto [from, to] : {std::pair{"AllocationMinNetmaskLength", "allocation_min_netmask_length"},
                          std::pair{"AllocationMaxNetmaskLength", "allocation_max_netmask_length"},
                          std::pair{"AllocationDefaultNetmaskLength",
                                    "allocation_default_netmask_length"}}) {
    if (c.in.contains(from)) body[to] = c.in[from];
  }
  if (c.in.value("ClearAllocationDefaultNetmaskLength", false)) {
    body["clear_allocation_default_netmask_length"] = true;
  }
  if (c.in.contains("AddAllocationResourceTags") || c.in.contains("RemoveAllocationResourceTags")) {
    auto current = c.call("describe_pool", Json{{"pool_id", id}});
    if (!current.ok()) return ec2_error_for(current.status());
    Json tags = (*current)["pool"]["allocation_resource_tags"];
    auto add = tags_from_list(c.in.value("AddAllocationResourceTags", Json()),
                              "AddAllocationResourceTag");
    if (!add.ok()) return ec2_error_for(add.status());
    for (const auto& t : c.in.value("RemoveAllocationResourceTags", Json::array())) {
      std::string key = str(t, "Key");
      if (tags.contains(key) && (!t.contains("Value") || tags[key] == t["Value"])) tags.erase(key);
    }
    tags.update(*add);
    body["allocation_resource_tags"] = tags;
  }
  auto r = c.call("modify_pool", Json{{"pool_id", id}, {"body", body}});
  if (!r.ok()) return ec2_error_for(r.status());
  Json out = pool_out(c, (*r)["pool"]);
  out["State"] = "modify-complete";
  return Json{{"IpamPool", out}};
}

Ec2Result delete_pool(const Ctx& c) {
  std::string id = c.in["IpamPoolId"];
  if (c.in.value("Cascade", false)) {
    return aws_unsupported("Cascade (deprovision the pool's CIDRs, then delete it)");
  }
  auto before = c.call("describe_pool", Json{{"pool_id", id}});
  if (!before.ok()) return ec2_error_for(before.status());
  auto r = c.call("delete_pool", Json{{"pool_id", id}});
  if (!r.ok()) return ec2_error_for(r.status());
  Json out = pool_out(c, (*before)["pool"]);
  out["State"] = "delete-in-progress";
  return Json{{"IpamPool", out}};
}

Ec2Result provision_pool_cidr(const Ctx& c) {
  std::string id = c.in["IpamPoolId"];
  Json body = Json::object();
  if (auto v = opt_str(c.in, "Cidr")) body["cidr"] = *v;
  if (c.in.contains("NetmaskLength")) body["netmask_length"] = c.in["NetmaskLength"];
  if (auto v = opt_str(c.in, "ClientToken")) body["client_token"] = *v;
  if (c.in.contains("VerificationMethod") && c.in["VerificationMethod"] != "remarks-x509") {
    return aws_unsupported("VerificationMethod dns-token (byoipd verifies X.509 remarks)");
  }
  Json args{{"pool_id", id}};
  if (auto ctx = c.in.find("CidrAuthorizationContext"); ctx != c.in.end()) {
    if (!body.contains("cidr")) {
      return error("MissingParameter",
                   "The request must contain the parameter Cidr (a CidrAuthorizationContext "
                   "authorizes one exact CIDR)");
    }
    body["authorization_context"] = {{"message", str(*ctx, "Message")},
                                     {"signature", str(*ctx, "Signature")}};
    args["verification"] = c.check(AuthorizationRequest{false, str(*ctx, "Message"),
                                                        str(*ctx, "Signature"), c.caller.who.account,
                                                        body["cidr"]});
  }
  args["body"] = body;
  auto r = c.call("provision_cidr", args);
  if (!r.ok()) return ec2_error_for(r.status());
  return Json{{"IpamPoolCidr", pool_cidr_shape((*r)["pool_cidr"])}};
}

Ec2Result deprovision_pool_cidr(const Ctx& c) {
  auto cidr = opt_str(c.in, "Cidr");
  if (!cidr) return error("MissingParameter", "The request must contain the parameter Cidr");
  auto r = c.call("deprovision_cidr",
                  Json{{"pool_id", c.in["IpamPoolId"]}, {"query", {{"cidr", *cidr}}}});
  if (!r.ok()) return ec2_error_for(r.status());
  return Json{{"IpamPoolCidr", pool_cidr_shape((*r)["pool_cidr"])}};
}

Ec2Result get_pool_cidrs(const Ctx& c) {
  auto all = c.list_all("list_pool_cidrs", Json{{"pool_id", c.in["IpamPoolId"]}}, "pool_cidrs");
  if (!all.ok()) return ec2_error_for(all.status());
  std::vector<Json> items;
  for (const auto& p : *all) items.push_back(pool_cidr_shape(p));
  auto fields = [](const Json& j, const std::string& name) -> std::vector<std::string> {
    if (name == "cidr") return {j["Cidr"]};
    if (name == "state") return {j["State"]};
    return {};
  };
  auto kept = apply_filters(c.in, std::move(items), fields, {"cidr", "state"});
  if (!kept.ok()) return ec2_error_for(kept.status());
  auto out = page(c.in, std::move(*kept), "IpamPoolCidrs");
  if (!out.ok()) return ec2_error_for(out.status());
  return *out;
}

Ec2Result allocate_pool_cidr(const Ctx& c) {
  std::string id = c.in["IpamPoolId"];
  Json body = Json::object();
  if (auto v = opt_str(c.in, "Cidr")) body["cidr"] = *v;
  if (c.in.contains("NetmaskLength")) body["netmask_length"] = c.in["NetmaskLength"];
  if (auto v = opt_str(c.in, "Description")) body["description"] = *v;
  if (c.in.contains("AllowedCidrs")) body["allowed_cidrs"] = c.in["AllowedCidrs"];
  if (c.in.contains("DisallowedCidrs")) body["disallowed_cidrs"] = c.in["DisallowedCidrs"];
  if (c.in.contains("TagSpecifications")) {
    return aws_unsupported("TagSpecifications on an allocation");
  }
  if (c.in.value("PreviewNextCidr", false)) {
    auto r = c.call("preview_allocation", Json{{"pool_id", id}, {"body", body}});
    if (!r.ok()) return ec2_error_for(r.status());
    Json out{{"Cidr", (*r)["cidr"]}, {"ResourceType", "custom"},
             {"ResourceOwner", c.caller.who.account}};
    if (body.contains("description")) out["Description"] = body["description"];
    return Json{{"IpamPoolAllocation", out}};
  }
  if (auto v = opt_str(c.in, "ClientToken")) body["client_token"] = *v;
  auto r = c.call("allocate", Json{{"pool_id", id}, {"body", body}});
  if (!r.ok()) return ec2_error_for(r.status());
  return Json{{"IpamPoolAllocation", allocation_shape((*r)["allocation"])}};
}

Ec2Result release_allocation(const Ctx& c) {
  auto r = c.call("release_allocation", Json{{"pool_id", c.in["IpamPoolId"]},
                                             {"allocation_id", c.in["IpamPoolAllocationId"]},
                                             {"query", {{"cidr", c.in["Cidr"]}}}});
  if (!r.ok()) return ec2_error_for(r.status());
  return Json{{"Success", true}};
}

Ec2Result get_pool_allocations(const Ctx& c) {
  std::string pool = c.in["IpamPoolId"];
  std::vector<Json> items;
  if (auto id = opt_str(c.in, "IpamPoolAllocationId")) {
    auto r = c.call("describe_allocation", Json{{"allocation_id", *id}});
    if (!r.ok()) return ec2_error_for(r.status());
    if ((*r)["allocation"]["pool_id"] != pool) {
      return ec2_error_for(Status(Code::kNotFound, "allocation-not-found",
                                  "allocation " + *id + " is not in pool " + pool));
    }
    items.push_back(allocation_shape((*r)["allocation"]));
  } else {
    Json args{{"pool_id", pool}, {"query", {{"limit", "1000"}}}};
    while (true) {
      auto r = c.call("list_allocations", args);
      if (!r.ok()) return ec2_error_for(r.status());
      for (const auto& a : (*r)["allocations"]) items.push_back(allocation_shape(a));
      if (!(*r)["next_token"].is_string()) break;
      args["query"]["next_token"] = (*r)["next_token"];
    }
  }
  auto fields = [](const Json& j, const std::string& name) -> std::vector<std::string> {
    if (name == "cidr") return {j["Cidr"]};
    if (name == "resource-type") return {j["ResourceType"]};
    if (name == "resource-id") return {str(j, "ResourceId")};
    if (name == "resource-owner") return {j["ResourceOwner"]};
    if (name == "ipam-pool-allocation-id") return {j["IpamPoolAllocationId"]};
    return {};
  };
  auto kept = apply_filters(c.in, std::move(items), fields,
                            {"cidr", "resource-type", "resource-id", "resource-owner",
                             "ipam-pool-allocation-id"});
  if (!kept.ok()) return ec2_error_for(kept.status());
  auto out = page(c.in, std::move(*kept), "IpamPoolAllocations");
  if (!out.ok()) return ec2_error_for(out.status());
  return *out;
}

Json resource_cidr_shape(const Json& v, const std::string& ipam_id) {
  std::string type = v["resource_type"];
  if (type == "ec2-public-ipv4-pool") type = "public-ipv4-pool";
  Json out{{"IpamId", ipam_id},
           {"IpamScopeId", v["scope_id"]},
           {"IpamPoolId", v["pool_id"]},
           {"ResourceRegion", v["region"]},
           {"ResourceOwnerId", v["owner"]},
           {"ResourceId", v["resource_id"]},
           {"ResourceCidr", v["cidr"]},
           {"ResourceType", type},
           {"ResourceTags", tag_list(v["tags"])},
           {"ComplianceStatus", v["compliance_status"]},
           {"ManagementState", v["management_state"]},
           {"OverlapStatus", v["overlap_status"]}};
  if (type == "vpc") out["VpcId"] = v["resource_id"];
  return out;
}

Ec2Result get_resource_cidrs(const Ctx& c) {
  std::string scope = c.in["IpamScopeId"];
  Json query = Json::object();
  if (auto v = opt_str(c.in, "IpamPoolId")) query["pool_id"] = *v;
  if (auto v = opt_str(c.in, "ResourceId")) query["resource_id"] = *v;
  if (auto v = opt_str(c.in, "ResourceOwner")) query["owner"] = *v;
  auto all = c.list_all("list_resource_cidrs", Json{{"scope_id", scope}, {"query", query}},
                        "resource_cidrs");
  if (!all.ok()) return ec2_error_for(all.status());
  auto scope_info = c.call("describe_scope", Json{{"scope_id", scope}});
  std::string ipam_id = scope_info.ok() ? str((*scope_info)["scope"], "ipam_id") : "";
  std::vector<Json> items;
  for (const auto& r : *all) {
    Json shaped = resource_cidr_shape(r, ipam_id);
    if (auto t = opt_str(c.in, "ResourceType"); t && shaped["ResourceType"] != *t) continue;
    if (auto tag = c.in.find("ResourceTag"); tag != c.in.end()) {
      std::string key = str(*tag, "Key");
      bool has = false;
      for (const auto& t : shaped["ResourceTags"]) {
        has = has || (t["Key"] == key && (!tag->contains("Value") || t["Value"] == (*tag)["Value"]));
      }
      if (!has) continue;
    }
    items.push_back(std::move(shaped));
  }
  auto fields = [](const Json& j, const std::string& name) -> std::vector<std::string> {
    auto text = [](const Json& v) { return v.is_string() ? v.get<std::string>() : std::string(); };
    if (name == "management-state") return {text(j["ManagementState"])};
    if (name == "overlap-status") return {text(j["OverlapStatus"])};
    if (name == "compliance-status") return {text(j["ComplianceStatus"])};
    if (name == "resource-id") return {text(j["ResourceId"])};
    if (name == "resource-owner-id") return {text(j["ResourceOwnerId"])};
    if (name == "resource-region") return {text(j["ResourceRegion"])};
    if (name == "resource-type") return {text(j["ResourceType"])};
    if (name == "resource-cidr") return {text(j["ResourceCidr"])};
    if (name == "ipam-pool-id") return {text(j["IpamPoolId"])};
    if (name == "vpc-id") return {text(j["VpcId"])};
    return tag_filter_values(j["ResourceTags"], name);
  };
  auto kept = apply_filters(c.in, std::move(items), fields,
                            {"management-state", "overlap-status", "compliance-status",
                             "resource-id", "resource-owner-id", "resource-region",
                             "resource-type", "resource-cidr", "ipam-pool-id", "vpc-id"});
  if (!kept.ok()) return ec2_error_for(kept.status());
  auto out = page(c.in, std::move(*kept), "IpamResourceCidrs");
  if (!out.ok()) return ec2_error_for(out.status());
  return *out;
}

Ec2Result modify_resource_cidr(const Ctx& c) {
  std::string scope = c.in["CurrentIpamScopeId"];
  if (auto dest = opt_str(c.in, "DestinationIpamScopeId"); dest && *dest != scope) {
    return aws_unsupported("DestinationIpamScopeId (moving a resource CIDR between scopes)");
  }
  Json body{{"resource_id", c.in["ResourceId"]},
            {"cidr", c.in["ResourceCidr"]},
            {"ignored", !c.in["Monitored"].get<bool>()}};
  auto r = c.call("set_resource_ignored", Json{{"scope_id", scope}, {"body", body}});
  if (!r.ok()) return ec2_error_for(r.status());
  auto scope_info = c.call("describe_scope", Json{{"scope_id", scope}});
  std::string ipam_id = scope_info.ok() ? str((*scope_info)["scope"], "ipam_id") : "";
  return Json{{"IpamResourceCidr", resource_cidr_shape((*r)["resource_cidr"], ipam_id)}};
}

Ec2Result enable_admin(const Ctx& c) {
  auto r = c.call("delegate_admin",
                  Json{{"body", {{"account_id", c.in["DelegatedAdminAccountId"]}}}});
  if (!r.ok()) return ec2_error_for(r.status());
  return Json{{"Success", true}};
}

}  // namespace

const std::map<std::string, Handler>& ipam_handlers() {
  static const std::map<std::string, Handler> handlers = {
      {"CreateIpam", create_ipam},
      {"DescribeIpams", describe_ipams},
      {"ModifyIpam", modify_ipam},
      {"DeleteIpam", delete_ipam},
      {"CreateIpamScope", create_scope},
      {"DescribeIpamScopes", describe_scopes},
      {"DeleteIpamScope", delete_scope},
      {"CreateIpamPool", create_pool},
      {"DescribeIpamPools", describe_pools},
      {"ModifyIpamPool", modify_pool},
      {"DeleteIpamPool", delete_pool},
      {"ProvisionIpamPoolCidr", provision_pool_cidr},
      {"DeprovisionIpamPoolCidr", deprovision_pool_cidr},
      {"GetIpamPoolCidrs", get_pool_cidrs},
      {"AllocateIpamPoolCidr", allocate_pool_cidr},
      {"ReleaseIpamPoolAllocation", release_allocation},
      {"GetIpamPoolAllocations", get_pool_allocations},
      {"GetIpamResourceCidrs", get_resource_cidrs},
      {"ModifyIpamResourceCidr", modify_resource_cidr},
      {"EnableIpamOrganizationAdminAccount", enable_admin},
  };
  return handlers;
}

}  // namespace byoipd::controller::ec2
