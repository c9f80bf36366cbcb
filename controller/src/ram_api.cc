// RAM JSON actions -> IpamService share operations (see ram_api.h).
#include "ram_api.h"

#include <algorithm>

#include "aws_form.h"

namespace byoipd::controller {
namespace {

constexpr std::string_view kActions[] = {
    "/createresourceshare",   "/associateresourceshare",        "/disassociateresourceshare",
    "/getresourceshares",     "/getresourceshareassociations", "/deleteresourceshare",
};

aws::AwsError ram_error(const char* code, std::string message, int status = 400) {
  return aws::AwsError{status, code, std::move(message)};
}

aws::AwsError ram_error_for(const Status& st) {
  switch (st.code()) {
    case Code::kNotFound: return ram_error("UnknownResourceException", st.message());
    case Code::kPermissionDenied:
      return ram_error("OperationNotPermittedException", st.message());
    case Code::kFailedPrecondition: return ram_error("OperationNotPermittedException", st.message());
    case Code::kConflict:
      return st.reason() == "idempotency-mismatch"
                 ? ram_error("IdempotentParameterMismatchException", st.message())
                 : ram_error("InvalidParameterException", st.message());
    case Code::kUnavailable: return ram_error("ServiceUnavailableException", st.message(), 503);
    case Code::kInternal: return ram_error("ServerInternalException", st.message(), 500);
    default: return ram_error("InvalidParameterException", st.message());
  }
}

std::string share_arn(const Ec2Caller& c, const Json& share) {
  return "arn:aws:ram:" + c.region + ":" + share["owner"].get<std::string>() +
         ":resource-share/" + share["id"].get<std::string>();
}

// "arn:aws:ram:<region>:<account>:resource-share/<id>" -> id.
std::optional<std::string> share_id_of(const std::string& arn) {
  auto slash = arn.rfind("resource-share/");
  if (arn.rfind("arn:aws:ram:", 0) != 0 || slash == std::string::npos) return std::nullopt;
  return arn.substr(slash + std::string("resource-share/").size());
}

// An IPAM pool ARN -> pool id; only pools are shareable.
Result<std::string> pool_of(const std::string& arn) {
  auto slash = arn.find(":ipam-pool/");
  if (arn.rfind("arn:aws:ec2:", 0) != 0 || slash == std::string::npos) {
    return Status(Code::kInvalidArgument, "only-pools-shareable",
                  "'" + arn + "' is not an IPAM pool ARN (arn:aws:ec2::<account>:ipam-pool/"
                  "<id>); byoipd shares IPAM pools only");
  }
  return arn.substr(slash + std::string(":ipam-pool/").size());
}

// A RAM principal -> the service's: account id, OU id or organization id.
std::string principal_of(const std::string& p) {
  if (p.rfind("arn:aws:organizations:", 0) == 0) return p.substr(p.rfind('/') + 1);
  return p;
}

std::string principal_text(const std::string& p, const std::string& mgmt, const std::string& org) {
  if (p.rfind("ou-", 0) == 0) return "arn:aws:organizations::" + mgmt + ":ou/" + org + "/" + p;
  if (p.rfind("o-", 0) == 0) return "arn:aws:organizations::" + mgmt + ":organization/" + p;
  return p;
}

struct RamCtx {
  const Json& in;
  const Ec2Caller& caller;
  const ServiceExec& exec;
  std::string mgmt;
  std::string org;

  Result<Json> call(const std::string& op, const Json& args) const {
    return exec(op, args).result;
  }
};

Json share_shape(const RamCtx& c, const Json& s) {
  return Json{{"resourceShareArn", share_arn(c.caller, s)},
              {"name", s["name"]},
              {"owningAccountId", s["owner"]},
              {"allowExternalPrincipals", s["allow_external_principals"]},
              {"status", "ACTIVE"},
              {"featureSet", "STANDARD"}};
}

std::vector<Json> associations(const RamCtx& c, const Json& s, const std::string& type) {
  std::vector<Json> out;
  auto entry = [&](const std::string& entity, bool external) {
    return Json{{"resourceShareArn", share_arn(c.caller, s)},
                {"resourceShareName", s["name"]},
                {"associatedEntity", entity},
                {"associationType", type},
                {"status", "ASSOCIATED"},
                {"external", external}};
  };
  if (type == "RESOURCE") {
    for (const auto& p : s["pools"]) {
      out.push_back(entry("arn:aws:ec2::" + s["owner"].get<std::string>() + ":ipam-pool/" +
                              p.get<std::string>(),
                          false));
    }
  } else {
    for (const auto& p : s["principals"]) {
      std::string text = principal_text(p, c.mgmt, c.org);
      out.push_back(entry(text, false));
    }
  }
  return out;
}

Result<Json> lists_to_change(const Json& in, const char* verb) {
  Json body = Json::object();
  std::vector<std::string> pools, principals;
  for (const auto& arn : in.value("resourceArns", Json::array())) {
    if (!arn.is_string()) {
      return Status(Code::kInvalidArgument, "invalid-request", "resourceArns holds strings");
    }
    auto pool = pool_of(arn);
    if (!pool.ok()) return pool.status();
    pools.push_back(*pool);
  }
  for (const auto& p : in.value("principals", Json::array())) {
    if (!p.is_string()) {
      return Status(Code::kInvalidArgument, "invalid-request", "principals holds strings");
    }
    principals.push_back(principal_of(p));
  }
  if (!pools.empty()) body[std::string(verb) + "_pools"] = pools;
  if (!principals.empty()) body[std::string(verb) + "_principals"] = principals;
  return body;
}

Result<Json> find_share(const RamCtx& c, const std::string& arn) {
  auto id = share_id_of(arn);
  if (!id) {
    return Status(Code::kInvalidArgument, "malformed-arn",
                  "'" + arn + "' is not a resource share ARN");
  }
  auto r = c.call("describe_share", Json{{"share_id", *id}});
  if (!r.ok()) return r.status();
  return (*r)["share"];
}

Ec2Result create_share(const RamCtx& c) {
  if (!c.in.contains("name") || !c.in["name"].is_string()) {
    return ram_error("MissingRequiredParameterException", "name is required");
  }
  auto body = lists_to_change(c.in, "add");
  if (!body.ok()) return ram_error_for(body.status());
  (*body)["name"] = c.in["name"];
  (*body)["allow_external_principals"] = c.in.value("allowExternalPrincipals", true);
  if (c.in.contains("clientToken")) (*body)["client_token"] = c.in["clientToken"];
  auto r = c.call("create_share", Json{{"body", *body}});
  if (!r.ok()) return ram_error_for(r.status());
  Json out{{"resourceShare", share_shape(c, (*r)["share"])}};
  if (c.in.contains("clientToken")) out["clientToken"] = c.in["clientToken"];
  return out;
}

Ec2Result change_share(const RamCtx& c, bool associate) {
  auto share = find_share(c, c.in.value("resourceShareArn", ""));
  if (!share.ok()) return ram_error_for(share.status());
  auto body = lists_to_change(c.in, associate ? "add" : "remove");
  if (!body.ok()) return ram_error_for(body.status());
  auto r = c.call("update_share", Json{{"share_id", (*share)["id"]}, {"body", *body}});
  if (!r.ok()) return ram_error_for(r.status());
  Json list = Json::array();
  // The associations this call named, in their new state.
  auto add = [&](const std::string& entity, const char* type) {
    list.push_back(Json{{"resourceShareArn", share_arn(c.caller, *share)},
                        {"resourceShareName", (*share)["name"]},
                        {"associatedEntity", entity},
                        {"associationType", type},
                        {"status", associate ? "ASSOCIATED" : "DISASSOCIATED"},
                        {"external", false}});
  };
  for (const auto& arn : c.in.value("resourceArns", Json::array())) add(arn, "RESOURCE");
  for (const auto& p : c.in.value("principals", Json::array())) add(p, "PRINCIPAL");
  Json out{{"resourceShareAssociations", list}};
  if (c.in.contains("clientToken")) out["clientToken"] = c.in["clientToken"];
  return out;
}

Result<std::vector<Json>> all_shares(const RamCtx& c) {
  std::vector<Json> all;
  Json args{{"query", {{"limit", "1000"}}}};
  while (true) {
    auto r = c.call("list_shares", args);
    if (!r.ok()) return r.status();
    for (const auto& s : (*r)["shares"]) all.push_back(s);
    if (!(*r)["next_token"].is_string()) break;
    args["query"]["next_token"] = (*r)["next_token"];
  }
  return all;
}

Ec2Result get_shares(const RamCtx& c) {
  std::string owner = c.in.value("resourceOwner", "");
  if (owner != "SELF" && owner != "OTHER-ACCOUNTS") {
    return ram_error("InvalidParameterException",
                     "resourceOwner must be SELF or OTHER-ACCOUNTS, not '" + owner + "'");
  }
  auto all = all_shares(c);
  if (!all.ok()) return ram_error_for(all.status());
  Json list = Json::array();
  std::vector<std::string> arns;
  for (const auto& a : c.in.value("resourceShareArns", Json::array())) arns.push_back(a);
  for (const auto& s : *all) {
    bool self = s["owner"] == c.caller.who.account;
    if ((owner == "SELF") != self) continue;
    Json shaped = share_shape(c, s);
    if (!arns.empty() &&
        std::find(arns.begin(), arns.end(), shaped["resourceShareArn"]) == arns.end()) {
      continue;
    }
    if (c.in.contains("name") && s["name"] != c.in["name"]) continue;
    list.push_back(std::move(shaped));
  }
  return Json{{"resourceShares", list}};
}

Ec2Result get_associations(const RamCtx& c) {
  std::string type = c.in.value("associationType", "");
  if (type != "PRINCIPAL" && type != "RESOURCE") {
    return ram_error("InvalidParameterException",
                     "associationType must be PRINCIPAL or RESOURCE, not '" + type + "'");
  }
  auto all = all_shares(c);
  if (!all.ok()) return ram_error_for(all.status());
  std::vector<std::string> arns;
  for (const auto& a : c.in.value("resourceShareArns", Json::array())) arns.push_back(a);
  Json list = Json::array();
  for (const auto& s : *all) {
    if (s["owner"] != c.caller.who.account) continue;
    if (!arns.empty() &&
        std::find(arns.begin(), arns.end(), share_arn(c.caller, s)) == arns.end()) {
      continue;
    }
    for (auto& a : associations(c, s, type)) {
      if (c.in.contains("resourceArn") && a["associatedEntity"] != c.in["resourceArn"]) continue;
      if (c.in.contains("principal") && a["associatedEntity"] != c.in["principal"]) continue;
      list.push_back(std::move(a));
    }
  }
  return Json{{"resourceShareAssociations", list}};
}

Ec2Result delete_share(const RamCtx& c) {
  auto share = find_share(c, c.in.value("resourceShareArn", ""));
  if (!share.ok()) return ram_error_for(share.status());
  auto r = c.call("delete_share", Json{{"share_id", (*share)["id"]}});
  if (!r.ok()) return ram_error_for(r.status());
  Json out{{"returnValue", true}};
  if (c.in.contains("clientToken")) out["clientToken"] = c.in["clientToken"];
  return out;
}

}  // namespace

bool is_ram_path(std::string_view path) {
  return std::find(std::begin(kActions), std::end(kActions), path) != std::end(kActions);
}

std::string ram_error_json(const aws::AwsError& e) {
  return Json{{"message", e.message}}.dump();
}

Ec2Result run_ram_action(const std::string& path, const std::string& body,
                         const std::string& query, const Ec2Caller& caller,
                         const ServiceExec& exec) {
  Json in = Json::object();
  if (path == "/deleteresourceshare") {
    // DELETE with the parameters in the query string.
    for (const auto& [k, v] : aws::parse_form(query)) in[k] = v;
  } else if (!body.empty()) {
    in = Json::parse(body, nullptr, false);
    if (in.is_discarded() || !in.is_object()) {
      return ram_error("InvalidParameterException", "the request body is not a JSON object");
    }
  }
  // The organization's ids, to write OU and organization principals as ARNs.
  auto org = exec("describe_organization", Json::object());
  std::string mgmt, org_id;
  if (org.result.ok()) {
    mgmt = (*org.result)["organization"].value("management_account", "");
    org_id = (*org.result)["organization"].value("id", "");
  }
  RamCtx c{in, caller, exec, mgmt, org_id};
  if (path == "/createresourceshare") return create_share(c);
  if (path == "/associateresourceshare") return change_share(c, true);
  if (path == "/disassociateresourceshare") return change_share(c, false);
  if (path == "/getresourceshares") return get_shares(c);
  if (path == "/getresourceshareassociations") return get_associations(c);
  if (path == "/deleteresourceshare") return delete_share(c);
  return ram_error("UnknownOperation", "no RAM action at " + path, 404);
}

}  // namespace byoipd::controller
