// IPAM model values <-> JSON (the /v1 API's wire format, snake_case).
//
// Decoders validate types and report the JSON path of a bad field; they
// never throw across this interface.
#pragma once

#include <nlohmann/json.hpp>

#include "byoipd/ipam/engine.h"

namespace byoipd::controller {

using Json = nlohmann::json;

Json to_json(const ipam::IpamInfo& v);
Json to_json(const ipam::ScopeInfo& v);
Json to_json(const ipam::PoolInfo& v);
Json to_json(const ipam::PoolCidrInfo& v);
Json to_json(const ipam::Allocation& v);
Json to_json(const ipam::ResourceCidr& v);
Json to_json(const ipam::PoolUtilization& v);
Json tags_json(const ipam::Tags& tags);

// A field reader over a JSON object that remembers the first error.
class Fields {
 public:
  explicit Fields(const Json& obj, std::string where = "body");
  // Each returns the value, or nullopt when absent (and records an error on
  // a wrong type).
  std::optional<std::string> str(const char* key);
  std::optional<int> integer(const char* key);
  std::optional<double> number(const char* key);
  std::optional<bool> boolean(const char* key);
  std::optional<std::vector<std::string>> strings(const char* key);
  std::optional<Prefix> prefix(const char* key);
  std::optional<std::vector<Prefix>> prefixes(const char* key);
  std::optional<ipam::Tags> tags(const char* key);
  std::optional<Json> object(const char* key);
  // Records an error if the key is absent.
  std::string required_str(const char* key);
  // Refuses keys not in `allowed` (call after reading).
  void only(std::initializer_list<const char*> allowed);
  const Status& status() const { return status_; }
  bool ok() const { return status_.ok(); }

 private:
  const Json* get(const char* key);
  void fail(const char* key, const std::string& what);
  const Json& obj_;
  std::string where_;
  Status status_;
};

Result<ipam::IpamSpec> ipam_spec_from(const Json& body);
Result<ipam::IpamChange> ipam_change_from(const Json& body);
Result<ipam::PoolSpec> pool_spec_from(const Json& body);
Result<ipam::PoolChange> pool_change_from(const Json& body);
Result<ipam::ProvisionRequest> provision_from(const Json& body);
Result<ipam::AllocationRequest> allocation_from(const Json& body);
Result<ipam::ResourceRef> resource_from(const Json& body, const char* where);

}  // namespace byoipd::controller
