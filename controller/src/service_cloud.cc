// IpamService: the records behind the EC2-compatible endpoint that the IPAM
// engine does not hold: VPCs, tags, BYOIP CIDRs (ProvisionByoipCidr) and
// BYOASNs.
//
// Ownership proofs (the signed authorization contexts) are checked by the
// daemon before an operation runs, against the certificate and today's date;
// the outcome travels in args["verification"] = {ok, reason, message} and so
// lands in the journal with the command: a replay reaches the same state
// whatever the date or the configured certificates are by then. A request
// can never set it: request arguments live under "body", "query" and path
// parameter names.
#include <algorithm>

#include "service.h"
#include "service_args.h"

namespace byoipd::controller {

using namespace byoipd::ipam;

namespace {

std::string vpc_id(uint64_t serial) {
  uint64_t x = serial * 0x9e3779b97f4a7c15ULL;
  x ^= x >> 31;
  char buf[32];
  std::snprintf(buf, sizeof buf, "vpc-%017llx", static_cast<unsigned long long>(x >> 4));
  return buf;
}

Json vpc_json(const Vpc& v) {
  return Json{{"id", v.id},           {"owner", v.owner},
              {"region", v.region},   {"cidr", v.cidr.to_string()},
              {"pool_id", v.pool_id.empty() ? Json(nullptr) : Json(v.pool_id)},
              {"description", v.description}, {"tags", tags_json(v.tags)}};
}

Json byoip_json(const ByoipCidr& b, const std::map<uint32_t, Byoasn>& asns) {
  Json assoc = Json::array();
  for (const auto& [asn, a] : asns) {
    if (a.cidrs.count(b.cidr)) assoc.push_back(Json{{"asn", asn}, {"cidr", b.cidr.to_string()}});
  }
  Json out{{"cidr", b.cidr.to_string()},
           {"owner", b.owner},
           {"region", b.region},
           {"description", b.description},
           {"state", b.state},
           {"status_message", b.status_message},
           {"publicly_advertisable", b.publicly_advertisable},
           {"asn_associations", std::move(assoc)}};
  return out;
}

Json byoasn_json(const Byoasn& a) {
  std::vector<std::string> cidrs;
  for (const auto& c : a.cidrs) cidrs.push_back(c.to_string());
  return Json{{"asn", a.asn},           {"ipam_id", a.ipam_id},
              {"owner", a.owner},       {"state", a.state},
              {"status_message", a.status_message}, {"cidrs", cidrs}};
}

// The daemon's verdict on an authorization context (see the file comment).
struct Verification {
  bool ok = false;
  std::string reason;
  std::string message;
};

Result<Verification> verification_arg(const Json& args, const std::string& op) {
  auto it = args.find("verification");
  if (it == args.end() || !it->is_object() || !it->contains("ok") || !(*it)["ok"].is_boolean()) {
    return Status(Code::kInvalidArgument, "verification-required",
                  op + " needs a signed authorization context, verified by byoipd");
  }
  Verification v;
  v.ok = (*it)["ok"].get<bool>();
  v.reason = it->value("reason", "");
  v.message = it->value("message", "");
  return v;
}

Result<uint32_t> asn_arg(Fields& f, const char* key) {
  auto text = f.str(key);
  if (!f.ok()) return f.status();
  if (!text) {
    return Status(Code::kInvalidArgument, "invalid-request", std::string("body needs '") + key + "'");
  }
  auto asn = Asn::parse(*text);
  if (!asn.ok()) return asn.status();
  return asn->value();
}

// A CIDR a deleted resource held as an allocation in some pool of `scope_id`.
struct FreedCidr {
  std::string scope_id;
  Prefix cidr;
};

// The CIDRs `resource_id` holds as allocations (only `cidr` in `scope_id`
// when given).
std::vector<FreedCidr> allocated_cidrs(const IpamEngine& engine, const std::string& resource_id,
                                       const std::string* scope_id, const Prefix* cidr) {
  std::vector<FreedCidr> out;
  ResourceFilter only;
  only.resource_id = resource_id;
  for (const auto& scope : engine.list_scopes()) {
    if (scope_id && scope.id != *scope_id) continue;
    auto cidrs = engine.resource_cidrs(scope.id, only);
    if (!cidrs.ok()) continue;
    for (const auto& c : *cidrs) {
      if (c.allocation_id && (!cidr || c.cidr == *cidr)) out.push_back(FreedCidr{scope.id, c.cidr});
    }
  }
  return out;
}

// After a resource's allocations are released, the resources still sitting
// on that space (which collided with it and so stayed unmanaged) are offered
// to the pools again, as IPAM's next discovery pass would: an auto-import
// pool claims the first one in key order, so a pool never hands out
// addresses a live VPC still uses. Best effort: the deletion has happened
// already, and a replay runs the same steps on the same state.
void reoffer_overlapping(IpamEngine& engine, const std::vector<FreedCidr>& freed) {
  for (const auto& f : freed) {
    auto cidrs = engine.resource_cidrs(f.scope_id);
    if (!cidrs.ok()) continue;
    for (const auto& c : *cidrs) {
      if (c.allocation_id || c.management == ManagementState::kIgnored) continue;
      if (!c.cidr.overlaps(f.cidr)) continue;
      ResourceRef ref{c.resource_type, c.resource_id, c.owner, c.region, c.tags};
      if (c.pool_id) {
        (void)engine.import_resource(*c.pool_id, ref, c.cidr);
      } else if (engine.remove_resource_cidr(f.scope_id, c.resource_id, c.cidr).ok()) {
        (void)engine.register_resource(f.scope_id, ref, c.cidr);
      }
    }
  }
}

}  // namespace

// Removes a resource (every CIDR of it, or `cidr` in `scope_id`) and offers
// the space it held to the resources that overlapped it (see above).
Status IpamService::remove_resource_reoffering(const std::string& resource_id,
                                               const std::string* scope_id, const Prefix* cidr) {
  std::vector<FreedCidr> freed = allocated_cidrs(engine_, resource_id, scope_id, cidr);
  Status st = scope_id ? engine_.remove_resource_cidr(*scope_id, resource_id, *cidr)
                       : engine_.remove_resource(resource_id);
  if (!st.ok()) return st;
  reoffer_overlapping(engine_, freed);
  return {};
}

Result<Json> IpamService::run_cloud(const Principal& who, const std::string& op, const Json& args,
                                    bool& mutated) {
  if (op == "create_vpc" || op == "delete_vpc" || op == "list_vpcs") {
    return run_vpcs(who, op, args, mutated);
  }
  if (op.find("byoasn") != std::string::npos) return run_byoasn(who, op, args, mutated);
  const Json& body = body_arg(args);
  if (op == "change_tags") {
    // body: {resource_ids: [...], set: {k: v}, remove: [{key, value?}]}
    Fields f(body);
    auto ids = f.strings("resource_ids");
    auto set = f.tags("set");
    f.only({"resource_ids", "set", "remove"});
    if (!f.ok()) return f.status();
    std::vector<IpamEngine::TagRemoval> remove;
    if (body.contains("remove")) {
      if (!body["remove"].is_array()) {
        return Status(Code::kInvalidArgument, "invalid-request",
                      "body.remove must be a list of {key, value?}");
      }
      for (const auto& r : body["remove"]) {
        if (!r.is_object() || !r.contains("key") || !r["key"].is_string()) {
          return Status(Code::kInvalidArgument, "invalid-request",
                        "body.remove entries need a string 'key': " + r.dump());
        }
        IpamEngine::TagRemoval t{r["key"].get<std::string>(), std::nullopt};
        if (r.contains("value") && r["value"].is_string()) t.value = r["value"].get<std::string>();
        remove.push_back(std::move(t));
      }
    }
    if (!ids || ids->empty()) {
      return Status(Code::kInvalidArgument, "invalid-request", "body.resource_ids is empty");
    }
    // Check every resource before changing any.
    for (const auto& id : *ids) {
      if (id.rfind("vpc-", 0) == 0) {
        auto it = vpcs_.find(id);
        if (it == vpcs_.end()) {
          return Status(Code::kNotFound, "vpc-not-found", "VPC '" + id + "' does not exist");
        }
        if (!is_admin(who) && it->second.owner != who.account) {
          return Status(Code::kPermissionDenied, "not-owner",
                        "account " + who.account + " may not tag " + id +
                            ": it belongs to another account");
        }
      } else if (id.rfind("ipam-pool-", 0) == 0 || id.rfind("ipam-", 0) == 0) {
        if (id.rfind("ipam-scope-", 0) == 0) {
          return Status(Code::kInvalidArgument, "tagging-not-supported",
                        "byoipd keeps no tags on IPAM scopes ('" + id + "'); tag IPAMs, pools "
                        "and VPCs");
        }
        if (Status st = require_admin(who, "change_tags"); !st.ok()) return st;
        auto probe = id.rfind("ipam-pool-", 0) == 0 ? engine_.describe_pool(id).status()
                                                     : engine_.describe_ipam(id).status();
        if (!probe.ok()) return probe;
      } else {
        return Status(Code::kInvalidArgument, "tagging-not-supported",
                      "'" + id + "' is not a resource byoipd tags (IPAMs, pools and VPCs)");
      }
    }
    for (const auto& id : *ids) {
      if (id.rfind("vpc-", 0) == 0) {
        Tags& tags = vpcs_[id].tags;
        for (const auto& [k, v] : set.value_or(Tags{})) tags[k] = v;
        for (const auto& r : remove) {
          auto it = tags.find(r.key);
          if (it != tags.end() && (!r.value || it->second == *r.value)) tags.erase(it);
        }
      } else if (Status st = engine_.change_tags(id, set.value_or(Tags{}), remove); !st.ok()) {
        return st;
      }
    }
    mutated = true;
    return Json{{"tagged", *ids}};
  }
  if (op == "provision_byoip_cidr") {
    Fields f(body);
    auto cidr = f.prefix("cidr");
    auto description = f.str("description");
    auto advertisable = f.boolean("publicly_advertisable");
    auto region = f.str("region");
    f.only({"cidr", "description", "publicly_advertisable", "region", "authorization_context"});
    if (!f.ok()) return f.status();
    if (!cidr) return Status(Code::kInvalidArgument, "invalid-request", "body needs 'cidr'");
    bool adv = advertisable.value_or(true);
    int limit = cidr->family() == Family::kV4 ? 24 : (adv ? 48 : 56);
    if (cidr->length() > limit) {
      return Status(Code::kInvalidArgument, "byoip-prefix-too-small",
                    cidr->to_string() + " is longer than /" + std::to_string(limit) +
                        ", the most specific " + std::string(family_name(cidr->family())) +
                        (adv ? " publicly advertisable" : "") + " BYOIP prefix");
    }
    for (const auto& [p, b] : byoip_) {
      if (b.state == "failed-provision" || b.state == "deprovisioned") continue;
      if (p.contains(*cidr) || cidr->contains(p)) {
        return Status(Code::kConflict, "byoip-cidr-overlap",
                      cidr->to_string() + " overlaps BYOIP CIDR " + p.to_string() + " (" + b.state +
                          ", account " + b.owner + ")");
      }
    }
    auto v = verification_arg(args, op);
    if (!v.ok()) return v.status();
    ByoipCidr b;
    b.cidr = *cidr;
    b.owner = who.account;
    b.region = region.value_or("");
    b.description = description.value_or("");
    b.publicly_advertisable = adv;
    if (v->ok) {
      b.state = adv ? "provisioned" : "provisioned-not-publicly-advertisable";
    } else {
      b.state = "failed-provision";
      b.status_message = v->message;
    }
    byoip_[b.cidr] = b;
    mutated = true;
    return Json{{"byoip_cidr", byoip_json(b, byoasns_)}};
  }
  if (op == "deprovision_byoip_cidr") {
    Fields f(body);
    auto cidr = f.prefix("cidr");
    f.only({"cidr"});
    if (!f.ok()) return f.status();
    if (!cidr) return Status(Code::kInvalidArgument, "invalid-request", "body needs 'cidr'");
    auto it = byoip_.find(*cidr);
    if (it == byoip_.end() || it->second.owner != who.account) {
      return Status(Code::kNotFound, "byoip-cidr-not-found",
                    cidr->to_string() + " is not a BYOIP CIDR of account " + who.account);
    }
    for (const auto& [asn, a] : byoasns_) {
      if (a.cidrs.count(*cidr)) {
        return Status(Code::kFailedPrecondition, "byoip-cidr-associated",
                      cidr->to_string() + " is associated with AS" + std::to_string(asn) +
                          ": disassociate it first");
      }
    }
    if (it->second.state == "advertised" || it->second.state == "pending-advertising") {
      return Status(Code::kFailedPrecondition, "byoip-cidr-advertised",
                    cidr->to_string() + " is " + it->second.state + ": withdraw it first");
    }
    ByoipCidr b = it->second;
    b.state = "deprovisioned";
    byoip_.erase(it);
    mutated = true;
    return Json{{"byoip_cidr", byoip_json(b, byoasns_)}};
  }
  if (op == "list_byoip_cidrs") {
    return Json{{"byoip_cidrs", byoip_list(who)}};
  }
  return Status(Code::kInternal, "internal", "no handler for " + op);
}

// BYOIP CIDRs the caller sees: its own ProvisionByoipCidr records, and for
// the IPAM admin the CIDRs provisioned into public-scope pools.
std::vector<Json> IpamService::byoip_list(const Principal& who) const {
  std::vector<Json> out;
  for (const auto& [p, b] : byoip_) {
    if (b.owner == who.account) out.push_back(byoip_json(b, byoasns_));
  }
  if (!is_admin(who)) return out;
  for (const auto& pool : engine_.list_pools()) {
    if (pool.scope_type != ScopeType::kPublic || pool.source_pool_id) continue;
    auto cidrs = engine_.list_pool_cidrs(pool.id);
    if (!cidrs.ok()) continue;
    auto ipam = engine_.describe_ipam(pool.ipam_id);
    for (const auto& c : *cidrs) {
      if (c.state == PoolCidrState::kDeprovisioned) continue;
      ByoipCidr b;
      b.cidr = c.cidr;
      b.owner = pool.owner;
      b.region = pool.locale.value_or(ipam.ok() ? ipam->home_region : "");
      b.description = "provisioned into " + pool.id;
      b.publicly_advertisable = pool.publicly_advertisable;
      std::string state(to_string(c.state));
      if (c.state == PoolCidrState::kProvisioned && !pool.publicly_advertisable) {
        state = "provisioned-not-publicly-advertisable";
      }
      b.state = state;
      b.status_message = c.failure_reason;
      out.push_back(byoip_json(b, byoasns_));
    }
  }
  return out;
}

// Whether `cidr` is a provisioned BYOIP CIDR the caller may associate.
Status IpamService::byoip_usable(const Principal& who, const Prefix& cidr) const {
  for (const auto& j : byoip_list(who)) {
    if (j["cidr"] != cidr.to_string()) continue;
    std::string state = j["state"];
    if (state.rfind("provisioned", 0) == 0 || state == "advertised") return {};
    return Status(Code::kFailedPrecondition, "byoip-cidr-not-provisioned",
                  cidr.to_string() + " is " + state + ", not provisioned");
  }
  return Status(Code::kNotFound, "byoip-cidr-not-found",
                cidr.to_string() + " is not a BYOIP CIDR of account " + who.account +
                    " (provision it with ProvisionByoipCidr or into a public-scope pool)");
}

Result<Json> IpamService::run_byoasn(const Principal& who, const std::string& op,
                                     const Json& args, bool& mutated) {
  const Json& body = body_arg(args);
  if (op == "list_byoasns") {
    Json out = Json::array();
    for (const auto& [asn, a] : byoasns_) {
      if (a.owner == who.account || is_admin(who)) out.push_back(byoasn_json(a));
    }
    return Json{{"byoasns", std::move(out)}};
  }
  if (Status st = require_admin(who, op); !st.ok()) return st;
  Fields f(body);
  auto asn = asn_arg(f, "asn");
  if (!asn.ok()) return asn.status();
  if (op == "provision_byoasn" || op == "deprovision_byoasn") {
    std::string ipam_id = f.required_str("ipam_id");
    f.only({"asn", "ipam_id", "authorization_context"});
    if (!f.ok()) return f.status();
    auto ipam = engine_.describe_ipam(ipam_id);
    if (!ipam.ok()) return ipam.status();
    auto it = byoasns_.find(*asn);
    if (op == "deprovision_byoasn") {
      if (it == byoasns_.end() || it->second.ipam_id != ipam_id) {
        return Status(Code::kNotFound, "byoasn-not-found",
                      "AS" + std::to_string(*asn) + " is not provisioned to " + ipam_id);
      }
      if (!it->second.cidrs.empty()) {
        return Status(Code::kFailedPrecondition, "byoasn-associated",
                      "AS" + std::to_string(*asn) + " is still associated with " +
                          it->second.cidrs.begin()->to_string() + ": disassociate it first");
      }
      Byoasn a = it->second;
      a.state = "deprovisioned";
      byoasns_.erase(it);
      mutated = true;
      return Json{{"byoasn", byoasn_json(a)}};
    }
    if (ipam->tier == Tier::kFree) {
      return Status(Code::kFailedPrecondition, "tier-restriction",
                    "BYOASN needs the advanced tier; " + ipam_id + " is free tier");
    }
    if (it != byoasns_.end() && it->second.state == "provisioned") {
      return Status(Code::kAlreadyExists, "byoasn-exists",
                    "AS" + std::to_string(*asn) + " is already provisioned to " +
                        it->second.ipam_id);
    }
    auto v = verification_arg(args, op);
    if (!v.ok()) return v.status();
    Byoasn a;
    a.asn = *asn;
    a.ipam_id = ipam_id;
    a.owner = who.account;
    a.state = v->ok ? "provisioned" : "failed-provision";
    a.status_message = v->ok ? "" : v->message;
    byoasns_[a.asn] = a;
    mutated = true;
    return Json{{"byoasn", byoasn_json(a)}};
  }
  // associate / disassociate
  auto cidr = f.prefix("cidr");
  f.only({"asn", "cidr"});
  if (!f.ok()) return f.status();
  if (!cidr) return Status(Code::kInvalidArgument, "invalid-request", "body needs 'cidr'");
  auto it = byoasns_.find(*asn);
  if (it == byoasns_.end() || it->second.state != "provisioned") {
    return Status(Code::kNotFound, "byoasn-not-found",
                  "AS" + std::to_string(*asn) + " is not a provisioned BYOASN");
  }
  Byoasn& a = it->second;
  if (op == "associate_byoasn") {
    if (Status st = byoip_usable(who, *cidr); !st.ok()) return st;
    a.cidrs.insert(*cidr);
  } else if (!a.cidrs.erase(*cidr)) {
    return Status(Code::kNotFound, "byoasn-association-not-found",
                  cidr->to_string() + " is not associated with AS" + std::to_string(*asn));
  }
  mutated = true;
  return Json{{"association",
               {{"asn", *asn},
                {"cidr", cidr->to_string()},
                {"state", op == "associate_byoasn" ? "associated" : "disassociated"}}}};
}

Result<Json> IpamService::run_vpcs(const Principal& who, const std::string& op, const Json& args,
                                   bool& mutated) {
  const Json& body = body_arg(args);
  if (op == "list_vpcs") {
    Json out = Json::array();
    for (const auto& [id, v] : vpcs_) {
      if (v.owner == who.account) out.push_back(vpc_json(v));
    }
    return Json{{"vpcs", std::move(out)}};
  }
  if (op == "delete_vpc") {
    Fields f(body);
    std::string id = f.required_str("vpc_id");
    f.only({"vpc_id"});
    if (!f.ok()) return f.status();
    auto it = vpcs_.find(id);
    if (it == vpcs_.end() || (it->second.owner != who.account && !is_admin(who))) {
      return Status(Code::kNotFound, "vpc-not-found", "VPC '" + id + "' does not exist");
    }
    // Releases its allocation at once and forgets its monitored CIDRs; VPCs
    // that overlapped it may then be imported in its place.
    Status st = remove_resource_reoffering(id);
    if (!st.ok() && st.code() != Code::kNotFound) return st;
    vpcs_.erase(it);
    mutated = true;
    return Json{{"deleted", id}};
  }
  // create_vpc: from a pool (netmask length, or a CIDR inside it), or a
  // given CIDR that IPAM then discovers in the region's private scopes.
  Fields f(body);
  auto pool_id = f.str("pool_id");
  auto cidr = f.prefix("cidr");
  auto length = f.integer("netmask_length");
  auto region = f.str("region");
  auto tags = f.tags("tags");
  auto description = f.str("description");
  f.only({"pool_id", "cidr", "netmask_length", "region", "tags", "description", "client_token"});
  if (!f.ok()) return f.status();
  if (!region || region->empty()) {
    return Status(Code::kInvalidArgument, "invalid-request", "body needs 'region'");
  }
  if (!pool_id && !cidr) {
    return Status(Code::kInvalidArgument, "invalid-request",
                  "a VPC needs a CIDR block or an IPAM pool to draw one from");
  }
  if (!pool_id && length) {
    return Status(Code::kInvalidArgument, "invalid-request",
                  "a netmask length draws from an IPAM pool: give 'pool_id' too");
  }
  Vpc v;
  v.id = vpc_id(next_vpc_serial_);
  v.owner = who.account;
  v.region = *region;
  v.tags = tags.value_or(Tags{});
  v.description = description.value_or("");
  if (pool_id) {
    if (Status st = require_pool_access(who, op, *pool_id); !st.ok()) return st;
    AllocationRequest req;
    req.cidr = cidr;
    req.netmask_length = length;
    req.owner = who.account;
    req.description = "VPC " + v.id;
    req.resource = ResourceRef{AllocationType::kVpc, v.id, who.account, *region, v.tags};
    auto a = engine_.allocate(*pool_id, req);
    if (!a.ok()) return a.status();
    v.cidr = a->cidr;
    v.pool_id = *pool_id;
  } else {
    if (cidr->family() != Family::kV4) {
      return Status(Code::kInvalidArgument, "invalid-address-family",
                    "a VPC's primary CIDR block is IPv4; " + cidr->to_string() + " is not");
    }
    if (cidr->length() < 16 || cidr->length() > 28) {
      return Status(Code::kInvalidArgument, "invalid-vpc-range",
                    "a VPC CIDR block is /16 to /28; " + cidr->to_string() + " is not");
    }
    v.cidr = *cidr;
    // IPAM discovers the VPC in every private default scope whose IPAM
    // operates in its region.
    for (const auto& ipam : engine_.list_ipams()) {
      const auto& regions = ipam.operating_regions;
      if (std::find(regions.begin(), regions.end(), *region) == regions.end()) continue;
      auto r = engine_.register_resource(
          ipam.private_default_scope_id,
          ResourceRef{AllocationType::kVpc, v.id, who.account, *region, v.tags}, v.cidr);
      if (!r.ok()) return r.status();
    }
  }
  ++next_vpc_serial_;
  vpcs_[v.id] = v;
  mutated = true;
  return Json{{"vpc", vpc_json(v)}};
}

Json IpamService::cloud_snapshot() const {
  Json out;
  out["next_vpc_serial"] = next_vpc_serial_;
  out["vpcs"] = Json::array();
  for (const auto& [id, v] : vpcs_) out["vpcs"].push_back(vpc_json(v));
  out["byoip"] = Json::array();
  for (const auto& [p, b] : byoip_) out["byoip"].push_back(byoip_json(b, {}));
  out["byoasns"] = Json::array();
  for (const auto& [asn, a] : byoasns_) out["byoasns"].push_back(byoasn_json(a));
  return out;
}

Status IpamService::restore_cloud(const Json& cloud) {
  vpcs_.clear();
  byoip_.clear();
  byoasns_.clear();
  if (cloud.is_null()) return {};
  next_vpc_serial_ = cloud.at("next_vpc_serial").get<uint64_t>();
  auto prefix = [](const Json& j) -> Prefix {
    auto p = Prefix::parse(j.get<std::string>());
    if (!p.ok()) throw std::runtime_error(p.status().message());
    return *p;
  };
  for (const auto& j : cloud.at("vpcs")) {
    Vpc v;
    v.id = j.at("id").get<std::string>();
    v.owner = j.at("owner").get<std::string>();
    v.region = j.at("region").get<std::string>();
    v.cidr = prefix(j.at("cidr"));
    v.pool_id = j.at("pool_id").is_string() ? j.at("pool_id").get<std::string>() : "";
    v.description = j.at("description").get<std::string>();
    for (auto it = j.at("tags").begin(); it != j.at("tags").end(); ++it) {
      v.tags[it.key()] = it->get<std::string>();
    }
    vpcs_[v.id] = std::move(v);
  }
  for (const auto& j : cloud.at("byoip")) {
    ByoipCidr b;
    b.cidr = prefix(j.at("cidr"));
    b.owner = j.at("owner").get<std::string>();
    b.region = j.at("region").get<std::string>();
    b.description = j.at("description").get<std::string>();
    b.state = j.at("state").get<std::string>();
    b.status_message = j.at("status_message").get<std::string>();
    b.publicly_advertisable = j.at("publicly_advertisable").get<bool>();
    byoip_[b.cidr] = std::move(b);
  }
  for (const auto& j : cloud.at("byoasns")) {
    Byoasn a;
    a.asn = j.at("asn").get<uint32_t>();
    a.ipam_id = j.at("ipam_id").get<std::string>();
    a.owner = j.at("owner").get<std::string>();
    a.state = j.at("state").get<std::string>();
    a.status_message = j.at("status_message").get<std::string>();
    for (const auto& c : j.at("cidrs")) a.cidrs.insert(prefix(c));
    byoasns_[a.asn] = std::move(a);
  }
  return {};
}

}  // namespace byoipd::controller
