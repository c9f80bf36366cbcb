// EC2 actions on VPCs (resource records), tags, BYOIP CIDRs and BYOASNs.
#include "ec2_api_internal.h"

namespace byoipd::controller::ec2 {
namespace {

Json vpc_shape(const Json& v) {
  std::string id = v["id"];
  Json assoc{{"AssociationId", "vpc-cidr-assoc-" + id.substr(4)},
             {"CidrBlock", v["cidr"]},
             {"CidrBlockState", {{"State", "associated"}}}};
  return Json{{"OwnerId", v["owner"]},
              {"InstanceTenancy", "default"},
              {"CidrBlockAssociationSet", Json::array({assoc})},
              {"IsDefault", false},
              {"Tags", tag_list(v["tags"])},
              {"VpcId", id},
              {"State", "available"},
              {"CidrBlock", v["cidr"]}};
}

Ec2Result create_vpc(const Ctx& c) {
  for (const char* key : {"Ipv6Pool", "Ipv6CidrBlock", "Ipv6IpamPoolId", "Ipv6NetmaskLength",
                          "AmazonProvidedIpv6CidrBlock", "Ipv6CidrBlockNetworkBorderGroup",
                          "VpcEncryptionControl"}) {
    if (c.in.contains(key)) return aws_unsupported(std::string(key) + " (VPCs here are IPv4 records)");
  }
  Json body{{"region", c.caller.region}};
  if (auto v = opt_str(c.in, "CidrBlock")) body["cidr"] = *v;
  if (auto v = opt_str(c.in, "Ipv4IpamPoolId")) body["pool_id"] = *v;
  if (c.in.contains("Ipv4NetmaskLength")) body["netmask_length"] = c.in["Ipv4NetmaskLength"];
  if (!body.contains("cidr") && !body.contains("pool_id")) {
    return error("MissingParameter",
                 "Either CidrBlock or Ipv4IpamPoolId must be specified for the VPC.");
  }
  auto tags = tags_for(c.in, "vpc");
  if (!tags.ok()) return ec2_error_for(tags.status());
  body["tags"] = *tags;
  auto r = c.call("create_vpc", Json{{"body", body}});
  if (!r.ok()) return ec2_error_for(r.status());
  return Json{{"Vpc", vpc_shape((*r)["vpc"])}};
}

Ec2Result describe_vpcs(const Ctx& c) {
  auto r = c.call("list_vpcs", Json::object());
  if (!r.ok()) return ec2_error_for(r.status());
  std::vector<Json> items;
  for (const auto& v : (*r)["vpcs"]) items.push_back(vpc_shape(v));
  if (auto ids = c.in.find("VpcIds"); ids != c.in.end() && !ids->empty()) {
    std::vector<Json> picked;
    for (const auto& id : *ids) {
      auto it = std::find_if(items.begin(), items.end(), [&](const Json& j) { return j["VpcId"] == id; });
      if (it == items.end()) {
        return error("InvalidVpcID.NotFound",
                     "The vpc ID '" + id.get<std::string>() + "' does not exist");
      }
      picked.push_back(*it);
    }
    items = std::move(picked);
  }
  auto fields = [](const Json& j, const std::string& name) -> std::vector<std::string> {
    if (name == "vpc-id") return {j["VpcId"]};
    if (name == "cidr" || name == "cidr-block-association.cidr-block") return {j["CidrBlock"]};
    if (name == "owner-id") return {j["OwnerId"]};
    if (name == "state") return {j["State"]};
    if (name == "is-default") return {"false"};
    return tag_filter_values(j["Tags"], name);
  };
  auto kept = apply_filters(c.in, std::move(items), fields,
                            {"vpc-id", "cidr", "cidr-block-association.cidr-block", "owner-id",
                             "state", "is-default"});
  if (!kept.ok()) return ec2_error_for(kept.status());
  auto out = page(c.in, std::move(*kept), "Vpcs");
  if (!out.ok()) return ec2_error_for(out.status());
  return *out;
}

Ec2Result delete_vpc(const Ctx& c) {
  auto r = c.call("delete_vpc", Json{{"body", {{"vpc_id", c.in["VpcId"]}}}});
  if (!r.ok()) return ec2_error_for(r.status());
  return Json::object();
}

Ec2Result change_tags(const Ctx& c, bool create) {
  Json body{{"resource_ids", c.in["Resources"]}};
  if (create) {
    auto tags = tags_from_list(c.in.value("Tags", Json()), "Tag");
    if (!tags.ok()) return ec2_error_for(tags.status());
    body["set"] = *tags;
  } else {
    Json remove = Json::array();
    for (const auto& t : c.in.value("Tags", Json::array())) {
      Json r{{"key", str(t, "Key")}};
      if (t.contains("Value")) r["value"] = t["Value"];
      remove.push_back(r);
    }
    if (!c.in.contains("Tags")) {
      // DeleteTags without Tags removes every tag of the resources: name
      // each one so the journal holds exactly what was removed.
      for (const auto& id : c.in["Resources"]) {
        std::string rid = id;
        Result<Json> info = Status();
        if (rid.rfind("ipam-pool-", 0) == 0) {
          info = c.call("describe_pool", Json{{"pool_id", rid}});
          if (info.ok()) info = (*info)["pool"];
        } else if (rid.rfind("ipam-", 0) == 0 && rid.rfind("ipam-scope-", 0) != 0) {
          info = c.call("describe_ipam", Json{{"ipam_id", rid}});
          if (info.ok()) info = (*info)["ipam"];
        } else if (rid.rfind("vpc-", 0) == 0) {
          auto vpcs = c.call("list_vpcs", Json::object());
          if (vpcs.ok()) {
            for (const auto& v : (*vpcs)["vpcs"]) {
              if (v["id"] == rid) info = v;
            }
          }
        }
        if (info.ok() && info->is_object()) {
          for (auto it = (*info)["tags"].begin(); it != (*info)["tags"].end(); ++it) {
            remove.push_back(Json{{"key", it.key()}});
          }
        }
      }
    }
    body["remove"] = remove;
  }
  auto r = c.call("change_tags", Json{{"body", body}});
  if (!r.ok()) return ec2_error_for(r.status());
  return Json::object();
}

Ec2Result create_tags(const Ctx& c) { return change_tags(c, true); }
Ec2Result delete_tags(const Ctx& c) { return change_tags(c, false); }

Json byoip_shape(const Json& b) {
  Json assoc = Json::array();
  for (const auto& a : b["asn_associations"]) {
    assoc.push_back(Json{{"Asn", std::to_string(a["asn"].get<uint32_t>())},
                         {"Cidr", a["cidr"]},
                         {"State", "associated"}});
  }
  Json out{{"Cidr", b["cidr"]},
           {"Description", b["description"]},
           {"AsnAssociations", std::move(assoc)},
           {"State", b["state"]}};
  if (!str(b, "status_message").empty()) out["StatusMessage"] = b["status_message"];
  if (!str(b, "region").empty()) out["NetworkBorderGroup"] = b["region"];
  return out;
}

Ec2Result provision_byoip(const Ctx& c) {
  if (c.in.contains("PoolTagSpecifications") || c.in.value("MultiRegion", false)) {
    return aws_unsupported("PoolTagSpecifications and MultiRegion");
  }
  std::string cidr = c.in["Cidr"];
  Json body{{"cidr", cidr}, {"region", c.caller.region}};
  if (auto v = opt_str(c.in, "Description")) body["description"] = *v;
  if (c.in.contains("PubliclyAdvertisable")) body["publicly_advertisable"] = c.in["PubliclyAdvertisable"];
  auto ctx = c.in.find("CidrAuthorizationContext");
  if (ctx == c.in.end()) {
    return error("MissingParameter",
                 "The request must contain the parameter CidrAuthorizationContext (byoipd "
                 "verifies every BYOIP CIDR's signed authorization)");
  }
  body["authorization_context"] = {{"message", str(*ctx, "Message")},
                                   {"signature", str(*ctx, "Signature")}};
  Json args{{"body", body}};
  // A malformed prefix is refused before any verification.
  auto prefix = Prefix::parse(cidr);
  if (!prefix.ok()) return ec2_error_for(prefix.status());
  args["verification"] = c.check(AuthorizationRequest{false, str(*ctx, "Message"),
                                                      str(*ctx, "Signature"),
                                                      c.caller.who.account, prefix->to_string()});
  auto r = c.call("provision_byoip_cidr", args);
  if (!r.ok()) return ec2_error_for(r.status());
  return Json{{"ByoipCidr", byoip_shape((*r)["byoip_cidr"])}};
}

Ec2Result describe_byoip(const Ctx& c) {
  auto r = c.call("list_byoip_cidrs", Json::object());
  if (!r.ok()) return ec2_error_for(r.status());
  std::vector<Json> items;
  for (const auto& b : (*r)["byoip_cidrs"]) items.push_back(byoip_shape(b));
  auto out = page(c.in, std::move(items), "ByoipCidrs");
  if (!out.ok()) return ec2_error_for(out.status());
  return *out;
}

Ec2Result deprovision_byoip(const Ctx& c) {
  auto r = c.call("deprovision_byoip_cidr", Json{{"body", {{"cidr", c.in["Cidr"]}}}});
  if (!r.ok()) return ec2_error_for(r.status());
  return Json{{"ByoipCidr", byoip_shape((*r)["byoip_cidr"])}};
}

Json byoasn_shape(const Json& a) {
  Json out{{"Asn", std::to_string(a["asn"].get<uint32_t>())},
           {"IpamId", a["ipam_id"]},
           {"State", a["state"]}};
  if (!str(a, "status_message").empty()) out["StatusMessage"] = a["status_message"];
  return out;
}

Ec2Result provision_byoasn(const Ctx& c) {
  std::string asn = c.in["Asn"];
  const Json& ctx = c.in["AsnAuthorizationContext"];
  auto parsed = Asn::parse(asn);
  if (!parsed.ok()) return ec2_error_for(parsed.status());
  Json args{{"body",
             {{"asn", asn},
              {"ipam_id", c.in["IpamId"]},
              {"authorization_context",
               {{"message", str(ctx, "Message")}, {"signature", str(ctx, "Signature")}}}}}};
  args["verification"] = c.check(AuthorizationRequest{true, str(ctx, "Message"),
                                                      str(ctx, "Signature"), c.caller.who.account,
                                                      parsed->to_string()});
  auto r = c.call("provision_byoasn", args);
  if (!r.ok()) return ec2_error_for(r.status());
  return Json{{"Byoasn", byoasn_shape((*r)["byoasn"])}};
}

Ec2Result describe_byoasn(const Ctx& c) {
  auto r = c.call("list_byoasns", Json::object());
  if (!r.ok()) return ec2_error_for(r.status());
  std::vector<Json> items;
  for (const auto& a : (*r)["byoasns"]) items.push_back(byoasn_shape(a));
  auto out = page(c.in, std::move(items), "Byoasns");
  if (!out.ok()) return ec2_error_for(out.status());
  return *out;
}

Ec2Result deprovision_byoasn(const Ctx& c) {
  auto r = c.call("deprovision_byoasn",
                  Json{{"body", {{"asn", c.in["Asn"]}, {"ipam_id", c.in["IpamId"]}}}});
  if (!r.ok()) return ec2_error_for(r.status());
  return Json{{"Byoasn", byoasn_shape((*r)["byoasn"])}};
}

Ec2Result byoasn_association(const Ctx& c, const char* op) {
  auto r = c.call(op, Json{{"body", {{"asn", c.in["Asn"]}, {"cidr", c.in["Cidr"]}}}});
  if (!r.ok()) return ec2_error_for(r.status());
  const Json& a = (*r)["association"];
  return Json{{"AsnAssociation",
               {{"Asn", std::to_string(a["asn"].get<uint32_t>())},
                {"Cidr", a["cidr"]},
                {"State", a["state"]}}}};
}

Ec2Result associate_byoasn(const Ctx& c) { return byoasn_association(c, "associate_byoasn"); }
Ec2Result disassociate_byoasn(const Ctx& c) {
  return byoasn_association(c, "disassociate_byoasn");
}

// Advertising waits for the per-prefix state machine and its origin guard.
Ec2Result advertise_later(const Ctx&) {
  return error("UnsupportedOperation",
               "Advertising and withdrawing BYOIP CIDRs come with byoipd's per-prefix state "
               "machine (its origin guard); until then announce through /v1/bgp/announcements.");
}

}  // namespace

const std::map<std::string, Handler>& cloud_handlers() {
  static const std::map<std::string, Handler> handlers = {
      {"CreateVpc", create_vpc},
      {"DescribeVpcs", describe_vpcs},
      {"DeleteVpc", delete_vpc},
      {"CreateTags", create_tags},
      {"DeleteTags", delete_tags},
      {"ProvisionByoipCidr", provision_byoip},
      {"DescribeByoipCidrs", describe_byoip},
      {"DeprovisionByoipCidr", deprovision_byoip},
      {"ProvisionIpamByoasn", provision_byoasn},
      {"DescribeIpamByoasn", describe_byoasn},
      {"DeprovisionIpamByoasn", deprovision_byoasn},
      {"AssociateIpamByoasn", associate_byoasn},
      {"DisassociateIpamByoasn", disassociate_byoasn},
      {"AdvertiseByoipCidr", advertise_later},
      {"WithdrawByoipCidr", advertise_later},
  };
  return handlers;
}

}  // namespace byoipd::controller::ec2
