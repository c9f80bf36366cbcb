// EC2 actions -> IpamService operations (see ec2_api.h): the shared helpers,
// the entry point and the error mapping. The IPAM actions are in ec2_ipam.cc;
// VPCs, tags and BYOIP/BYOASN in ec2_cloud.cc.
#include "ec2_api.h"

#include <algorithm>
#include <map>

#include "ec2_api_internal.h"

namespace byoipd::controller {
namespace ec2 {

// ---- errors ------------------------------------------------------------------

aws::AwsError error(const char* code, std::string message, int status) {
  return aws::AwsError{status, code, std::move(message)};
}

Result<Json> Ctx::call(const std::string& op, const Json& args) const {
  Outcome out = exec(op, args);
  return std::move(out.result);
}

// Every item of a /v1 list operation (they page at most 1000 at a time).
Result<std::vector<Json>> Ctx::list_all(const std::string& op, Json args,
                                        const char* key) const {
  std::vector<Json> all;
  args["query"]["limit"] = "1000";
  while (true) {
    auto page = call(op, args);
    if (!page.ok()) return page.status();
    for (auto& item : (*page)[key]) all.push_back(std::move(item));
    const Json& next = (*page)["next_token"];
    if (!next.is_string()) break;
    args["query"]["next_token"] = next;
  }
  return all;
}

std::string str(const Json& in, const char* key, const std::string& fallback) {
  auto it = in.find(key);
  return it != in.end() && it->is_string() ? it->get<std::string>() : fallback;
}

std::optional<std::string> opt_str(const Json& in, const char* key) {
  auto it = in.find(key);
  if (it == in.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

Json tag_list(const Json& tags) {
  Json out = Json::array();
  if (!tags.is_object()) return out;
  for (auto it = tags.begin(); it != tags.end(); ++it) {
    out.push_back(Json{{"Key", it.key()}, {"Value", it->get<std::string>()}});
  }
  return out;
}

Result<Json> tags_from_list(const Json& list, const char* what) {
  Json out = Json::object();
  if (list.is_null()) return out;
  for (const auto& t : list) {
    std::string key = str(t, "Key");
    if (key.empty()) {
      return Status(Code::kInvalidArgument, "invalid-tag",
                    std::string(what) + ": a tag needs a non-empty Key");
    }
    out[key] = str(t, "Value");
  }
  return out;
}

Result<Json> tags_for(const Json& in, const char* resource_type) {
  Json out = Json::object();
  auto it = in.find("TagSpecifications");
  if (it == in.end()) return out;
  for (const auto& spec : *it) {
    std::string type = str(spec, "ResourceType");
    if (type != resource_type) {
      return Status(Code::kInvalidArgument, "invalid-tag-specification",
                    "TagSpecification ResourceType '" + type + "' does not apply here; use '" +
                        resource_type + "'");
    }
    auto tags = tags_from_list(spec.value("Tags", Json()), "TagSpecification");
    if (!tags.ok()) return tags;
    out.update(*tags);
  }
  return out;
}

std::string arn(const std::string& account, const std::string& type, const std::string& id) {
  // IPAM resources are global: no region in the ARN.
  return "arn:aws:ec2::" + account + ":" + type + "/" + id;
}

// ---- filters and pagination ----------------------------------------------------

Result<std::vector<Json>> apply_filters(const Json& in, std::vector<Json> items,
                                        const FilterFields& fields,
                                        const std::vector<std::string>& names) {
  auto it = in.find("Filters");
  if (it == in.end()) return items;
  for (const auto& filter : *it) {
    std::string name = str(filter, "Name");
    bool known = name.rfind("tag:", 0) == 0 || name == "tag-key" ||
                 std::find(names.begin(), names.end(), name) != names.end();
    if (!known) {
      std::string allowed;
      for (const auto& n : names) allowed += (allowed.empty() ? "" : ", ") + n;
      return Status(Code::kInvalidArgument, "invalid-filter",
                    "The filter '" + name + "' is invalid; this action filters on: " + allowed +
                        ", tag:<key>, tag-key");
    }
    std::vector<std::string> values;
    for (const auto& v : filter.value("Values", Json::array())) values.push_back(v);
    std::vector<Json> kept;
    for (auto& item : items) {
      auto have = fields(item, name);
      bool match = std::any_of(have.begin(), have.end(), [&](const std::string& h) {
        return std::any_of(values.begin(), values.end(), [&](const std::string& v) {
          return v == h || v == "*";
        });
      });
      if (match) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  return items;
}

std::vector<std::string> tag_filter_values(const Json& tags, const std::string& name) {
  std::vector<std::string> out;
  if (!tags.is_array()) return out;
  for (const auto& t : tags) {
    if (name == "tag-key") out.push_back(str(t, "Key"));
    if (name.rfind("tag:", 0) == 0 && str(t, "Key") == name.substr(4)) out.push_back(str(t, "Value"));
  }
  return out;
}

Result<Json> page(const Json& in, std::vector<Json> items, const char* list_key) {
  size_t max = 1000;
  if (auto it = in.find("MaxResults"); it != in.end() && it->is_number_integer()) {
    max = static_cast<size_t>(std::clamp<int64_t>(it->get<int64_t>(), 1, 1000));
  }
  size_t offset = 0;
  if (auto token = opt_str(in, "NextToken")) {
    bool ok = !token->empty() && token->size() < 10 &&
              std::all_of(token->begin(), token->end(), [](char c) { return c >= '0' && c <= '9'; });
    if (ok) offset = std::stoul(*token);
    if (!ok || offset > items.size()) {
      return Status(Code::kInvalidArgument, "invalid-next-token",
                    "The token '" + *token + "' is invalid: pass the NextToken a previous call "
                    "returned");
    }
  }
  size_t end = std::min(items.size(), offset + max);
  Json list = Json::array();
  for (size_t i = offset; i < end; ++i) list.push_back(std::move(items[i]));
  Json out{{list_key, std::move(list)}};
  if (end < items.size()) out["NextToken"] = std::to_string(end);
  return out;
}

// Ids given as a filter list (IpamIds, IpamPoolIds, ...): unknown ones are
// an error, as EC2 reports them.
Result<std::vector<Json>> select_ids(const Json& in, const char* key, std::vector<Json> items,
                                     const char* id_key, const char* not_found_reason,
                                     const char* what) {
  auto it = in.find(key);
  if (it == in.end() || it->empty()) return items;
  std::vector<Json> out;
  for (const auto& id : *it) {
    auto found = std::find_if(items.begin(), items.end(),
                              [&](const Json& j) { return j[id_key] == id; });
    if (found == items.end()) {
      return Status(Code::kNotFound, not_found_reason,
                    std::string(what) + " '" + id.get<std::string>() + "' does not exist");
    }
    out.push_back(*found);
  }
  return out;
}

aws::AwsError aws_unsupported(const std::string& what) {
  return error("InvalidParameterValue",
               "byoipd does not support " + what + " (see docs/aws-compat.md)");
}

}  // namespace ec2

// ---- entry point and error mapping ----------------------------------------------

namespace {

// Reads: answered from the state without changes. A DryRun of one is
// allowed for any authenticated caller.
bool read_only_action(const std::string& action) {
  return action.rfind("Describe", 0) == 0 || action.rfind("Get", 0) == 0;
}

}  // namespace

Ec2Result run_ec2_action(const std::string& action, const Json& input, const Ec2Caller& caller,
                         const ServiceExec& exec, const AuthorizationCheck& check) {
  if (caller.dry_run && read_only_action(action)) {
    return ec2::error("DryRunOperation", "Request would have succeeded, but DryRun flag is set.",
                      412);
  }
  ec2::Ctx ctx{input, caller, exec, check};
  for (const auto* table : {&ec2::ipam_handlers(), &ec2::cloud_handlers()}) {
    auto it = table->find(action);
    if (it != table->end()) return it->second(ctx);
  }
  return ec2::error("InvalidAction",
                    "The action " + action + " is not valid for this web service.");
}

aws::AwsError ec2_error_for(const Status& st) {
  std::string reason(st.reason());
  const std::string& msg = st.message();
  struct Mapping {
    const char* reason;
    const char* code;
    int status;
    const char* aws_text;  // AWS's own sentence, before byoipd's detail
  };
  static const Mapping kMap[] = {
      {"dry-run-operation", "DryRunOperation", 412,
       "Request would have succeeded, but DryRun flag is set."},
      {"ipam-not-found", "InvalidIpamId.NotFound", 400, nullptr},
      {"scope-not-found", "InvalidIpamScopeId.NotFound", 400, nullptr},
      {"pool-not-found", "InvalidIpamPoolId.NotFound", 400, nullptr},
      {"allocation-not-found", "InvalidIpamPoolAllocationId.NotFound", 400, nullptr},
      {"resource-not-found", "InvalidIpamResourceCidr.NotFound", 400, nullptr},
      {"vpc-not-found", "InvalidVpcID.NotFound", 400, nullptr},
      {"byoip-cidr-not-found", "InvalidByoipCidr.NotFound", 400, nullptr},
      {"byoasn-not-found", "InvalidByoasn.NotFound", 400, nullptr},
      {"missing-required-tag", "InvalidParameterValue", 400,
       "The resource is missing one or more of the resource tags required by the IPAM pool."},
      {"wrong-required-tag", "InvalidParameterValue", 400,
       "The resource is missing one or more of the resource tags required by the IPAM pool."},
      {"insufficient-space", "InvalidParameterValue", 400,
       "The allocation size is too big for the pool."},
      {"deletion-protected", "DependencyViolation", 400, nullptr},
      {"byoip-cidr-associated", "DependencyViolation", 400, nullptr},
      {"byoasn-associated", "DependencyViolation", 400, nullptr},
      {"idempotency-mismatch", "IdempotentParameterMismatch", 400, nullptr},
      {"invalid-next-token", "InvalidPaginationToken", 400, nullptr},
      {"invalid-filter", "InvalidParameterValue", 400, nullptr},
      {"store-failed", "ServiceUnavailable", 503, nullptr},
      {"shutting-down", "ServiceUnavailable", 503, nullptr},
  };
  for (const auto& m : kMap) {
    if (reason == m.reason) {
      std::string text = m.aws_text ? std::string(m.aws_text) + " " + msg : msg;
      if (reason == "dry-run-operation") text = m.aws_text;
      return aws::AwsError{m.status, m.code, text};
    }
  }
  switch (st.code()) {
    case Code::kPermissionDenied:
      return aws::AwsError{403, "UnauthorizedOperation",
                           "You are not authorized to perform this operation. " + msg};
    case Code::kUnavailable: return aws::AwsError{503, "ServiceUnavailable", msg};
    case Code::kInternal: return aws::AwsError{500, "InternalError", msg};
    case Code::kFailedPrecondition: return aws::AwsError{400, "IncorrectState", msg};
    case Code::kAlreadyExists: return aws::AwsError{400, "InvalidParameterValue", msg};
    case Code::kNotFound: return aws::AwsError{400, "InvalidParameterValue", msg};
    default: return aws::AwsError{400, "InvalidParameterValue", msg};
  }
}

}  // namespace byoipd::controller
