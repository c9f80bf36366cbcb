// Internals shared by ec2_api.cc (IPAM actions) and ec2_cloud.cc (VPCs,
// tags, BYOIP, BYOASN). Not a public header.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ec2_api.h"

namespace byoipd::controller::ec2 {

struct Ctx {
  const Json& in;
  const Ec2Caller& caller;
  const ServiceExec& exec;
  const AuthorizationCheck& check;

  Result<Json> call(const std::string& op, const Json& args) const;
  Result<std::vector<Json>> list_all(const std::string& op, Json args, const char* key) const;
};

using Handler = Ec2Result (*)(const Ctx&);
const std::map<std::string, Handler>& ipam_handlers();
const std::map<std::string, Handler>& cloud_handlers();

aws::AwsError error(const char* code, std::string message, int status = 400);
aws::AwsError aws_unsupported(const std::string& what);

std::string str(const Json& in, const char* key, const std::string& fallback = "");
std::optional<std::string> opt_str(const Json& in, const char* key);
// {k: v} <-> [{"Key": k, "Value": v}]
Json tag_list(const Json& tags);
Result<Json> tags_from_list(const Json& list, const char* what);
// The tags of TagSpecifications for `resource_type` (others are refused).
Result<Json> tags_for(const Json& in, const char* resource_type);
std::string arn(const std::string& account, const std::string& type, const std::string& id);

// Filters (Filter.N.Name / Value.M): `fields` gives an item's values for a
// filter name; names outside `names` (and tag:K, tag-key) are refused.
using FilterFields = std::vector<std::string> (*)(const Json& item, const std::string& name);
Result<std::vector<Json>> apply_filters(const Json& in, std::vector<Json> items,
                                        const FilterFields& fields,
                                        const std::vector<std::string>& names);
std::vector<std::string> tag_filter_values(const Json& tags, const std::string& name);
// The items whose `id_key` is one of the ids listed under `key` (IpamIds,
// IpamPoolIds, ...); an unknown id is refused with `not_found_reason`.
Result<std::vector<Json>> select_ids(const Json& in, const char* key, std::vector<Json> items,
                                     const char* id_key, const char* not_found_reason,
                                     const char* what);
// MaxResults / NextToken over the whole filtered list.
Result<Json> page(const Json& in, std::vector<Json> items, const char* list_key);

}  // namespace byoipd::controller::ec2
