#include "api_routes.h"

namespace byoipd::controller {

const std::vector<Route>& api_routes() {
  static const std::vector<Route> routes = {
      {"GET", "/v1/whoami", "whoami"},
      {"GET", "/v1/organization", "describe_organization"},
      {"POST", "/v1/organization/delegated-admin", "delegate_admin"},
      {"POST", "/v1/ipams", "create_ipam"},
      {"GET", "/v1/ipams", "list_ipams"},
      {"GET", "/v1/ipams/{ipam_id}", "describe_ipam"},
      {"PATCH", "/v1/ipams/{ipam_id}", "modify_ipam"},
      {"DELETE", "/v1/ipams/{ipam_id}", "delete_ipam"},
      {"POST", "/v1/ipams/{ipam_id}/scopes", "create_scope"},
      {"GET", "/v1/scopes", "list_scopes"},
      {"GET", "/v1/scopes/{scope_id}", "describe_scope"},
      {"DELETE", "/v1/scopes/{scope_id}", "delete_scope"},
      {"POST", "/v1/scopes/{scope_id}/resources", "register_resource"},
      {"GET", "/v1/scopes/{scope_id}/resources", "list_resource_cidrs"},
      {"PATCH", "/v1/scopes/{scope_id}/resources", "set_resource_ignored"},
      {"DELETE", "/v1/scopes/{scope_id}/resources", "remove_resource_cidr"},
      {"DELETE", "/v1/resources/{resource_id}", "remove_resource"},
      {"POST", "/v1/pools", "create_pool"},
      {"GET", "/v1/pools", "list_pools"},
      {"GET", "/v1/pools/{pool_id}", "describe_pool"},
      {"PATCH", "/v1/pools/{pool_id}", "modify_pool"},
      {"DELETE", "/v1/pools/{pool_id}", "delete_pool"},
      {"POST", "/v1/pools/{pool_id}/cidrs", "provision_cidr"},
      {"GET", "/v1/pools/{pool_id}/cidrs", "list_pool_cidrs"},
      {"DELETE", "/v1/pools/{pool_id}/cidrs", "deprovision_cidr"},
      {"POST", "/v1/pools/{pool_id}/allocations", "allocate"},
      {"GET", "/v1/pools/{pool_id}/allocations", "list_allocations"},
      {"POST", "/v1/pools/{pool_id}/allocations/preview", "preview_allocation"},
      {"DELETE", "/v1/pools/{pool_id}/allocations/{allocation_id}", "release_allocation"},
      {"GET", "/v1/allocations/{allocation_id}", "describe_allocation"},
      {"POST", "/v1/pools/{pool_id}/import", "import_resource"},
      {"GET", "/v1/pools/{pool_id}/utilization", "pool_utilization"},
      {"GET", "/v1/reports/utilization", "utilization_report"},
      {"POST", "/v1/shares", "create_share"},
      {"GET", "/v1/shares", "list_shares"},
      {"GET", "/v1/shares/{share_id}", "describe_share"},
      {"DELETE", "/v1/shares/{share_id}", "delete_share"},
      {"POST", "/v1/shares/{share_id}/pools", "associate_share_pool"},
      {"DELETE", "/v1/shares/{share_id}/pools/{pool_id}", "disassociate_share_pool"},
      {"POST", "/v1/shares/{share_id}/principals", "associate_share_principal"},
      {"DELETE", "/v1/shares/{share_id}/principals/{principal}", "disassociate_share_principal"},
      {"GET", "/v1/bgp/peers", "bgp_peers"},
      {"GET", "/v1/bgp/routes", "bgp_routes"},
      {"GET", "/v1/bgp/announcements", "bgp_list_announcements"},
      {"POST", "/v1/bgp/announcements", "bgp_announce"},
      {"DELETE", "/v1/bgp/announcements", "bgp_withdraw"},
      {"GET", "/v1/rpki/status", "rpki_status"},
      {"GET", "/v1/rpki/validate", "rpki_validate"},
  };
  return routes;
}

std::string percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else if (s[i] == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    parts.push_back(path.substr(i, j - i));
    i = j;
  }
  return parts;
}

}  // namespace

Matched match_route(std::string_view method, std::string_view target) {
  Matched m;
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  Json query = Json::object();
  if (q != std::string_view::npos) {
    std::string_view rest = target.substr(q + 1);
    while (!rest.empty()) {
      size_t amp = rest.find('&');
      std::string_view pair = rest.substr(0, amp);
      size_t eq = pair.find('=');
      std::string key = percent_decode(pair.substr(0, eq), true);
      std::string value =
          eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1), true);
      if (!key.empty()) query[key] = value;
      if (amp == std::string_view::npos) break;
      rest = rest.substr(amp + 1);
    }
  }
  auto parts = split_path(path);
  for (const Route& r : api_routes()) {
    auto pattern = split_path(r.pattern);
    if (pattern.size() != parts.size()) continue;
    Json args = Json::object();
    bool ok = true;
    for (size_t i = 0; i < parts.size() && ok; ++i) {
      if (pattern[i].front() == '{') {
        std::string name(pattern[i].substr(1, pattern[i].size() - 2));
        args[name] = percent_decode(parts[i], false);
      } else {
        ok = pattern[i] == parts[i];
      }
    }
    if (!ok) continue;
    m.path_known = true;
    if (method != r.method) continue;
    args["query"] = std::move(query);
    m.route = &r;
    m.args = std::move(args);
    return m;
  }
  return m;
}

}  // namespace byoipd::controller
