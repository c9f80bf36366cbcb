// The /v1 HTTP API: method + path -> service operation and arguments.
#pragma once

#include <string>
#include <string_view>

#include "json_codec.h"

namespace byoipd::controller {

struct Route {
  const char* method;
  const char* pattern;  // "/v1/pools/{pool_id}/allocations"
  const char* op;       // IpamService operation
};

// Every route of the API, in documentation order.
const std::vector<Route>& api_routes();

struct Matched {
  const Route* route = nullptr;
  Json args = Json::object();  // path params + "query" object
  bool path_known = false;     // the path matched some route (for 405 vs 404)
};

// Matches a request target ("/v1/pools/ipam-pool-0..?limit=10"). Query
// values are percent-decoded.
Matched match_route(std::string_view method, std::string_view target);

// Decodes %XX escapes; in query strings "+" also means a space.
std::string percent_decode(std::string_view s, bool plus_is_space);

}  // namespace byoipd::controller
