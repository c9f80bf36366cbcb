#include "bgp_api.h"

#include "byoipd/bgp/community.h"
#include "service_args.h"

namespace byoipd::controller {

namespace {
constexpr size_t kDefaultRouteLimit = 1000;
constexpr size_t kMaxRouteLimit = 100000;

Json optional_number(const std::optional<uint32_t>& v) { return v ? Json(*v) : Json(nullptr); }
}  // namespace

Json peers_json(const std::vector<bgp::PeerStatus>& peers) {
  Json list = Json::array();
  for (const auto& p : peers) {
    Json families = Json::array();
    for (const auto& f : p.families) families.push_back(bgp::family_name(f));
    list.push_back(Json{
        {"name", p.name},
        {"address", p.address.to_string()},
        {"port", p.port},
        {"remote_as", p.remote_as},
        {"role", std::string(bgp::role_name(p.role))},
        {"state", p.state},
        {"uptime_seconds", p.uptime ? Json(p.uptime->count()) : Json(nullptr)},
        {"prefixes_received", p.prefixes_received},
        {"prefixes_advertised", p.prefixes_advertised},
        {"prefixes_rejected", p.prefixes_rejected},
        {"updates_received", p.updates_received},
        {"updates_sent", p.updates_sent},
        {"established_transitions", p.established_transitions},
        {"last_error", p.last_error},
        {"local_address", p.local_address ? Json(*p.local_address) : Json(nullptr)},
        {"families", families},
        {"four_octet_as", p.four_octet_as},
        {"hold_time", p.hold_time},
    });
  }
  return Json{{"peers", std::move(list)}};
}

Json routes_json(const bgp::Speaker::RouteAnswer& answer) {
  Json list = Json::array();
  for (const auto& r : answer.routes) {
    Json communities = Json::array(), large = Json::array();
    for (uint32_t c : r.communities) communities.push_back(bgp::community_to_string(c));
    for (const auto& c : r.large_communities) large.push_back(bgp::large_community_to_string(c));
    list.push_back(Json{
        {"prefix", r.prefix.to_string()},
        {"peer", r.peer < answer.peer_names.size() ? answer.peer_names[r.peer] : ""},
        {"origin_as", optional_number(r.origin_as)},
        {"origin_set", r.origin_set},
        {"as_path", bgp::as_path_to_string(r.as_path)},
        {"next_hop", r.next_hop.to_string()},
        {"origin", std::string(bgp::origin_name(r.origin))},
        {"med", optional_number(r.med)},
        {"local_pref", optional_number(r.local_pref)},
        {"communities", communities},
        {"large_communities", large},
        {"stale", r.stale},
    });
  }
  return Json{{"routes", std::move(list)}, {"truncated", answer.truncated}};
}

Result<bgp::Speaker::RouteQuery> route_query(const Json& args) {
  bgp::Speaker::RouteQuery q;
  q.limit = kDefaultRouteLimit;
  if (auto prefix = query_arg(args, "prefix")) {
    auto p = Prefix::parse(*prefix);
    if (!p.ok()) return p.status();
    q.prefix = *p;
  }
  if (auto peer = query_arg(args, "peer")) q.peer = *peer;
  if (auto exact = query_arg(args, "exact")) {
    if (*exact != "true" && *exact != "false") {
      return Status(Code::kInvalidArgument, "invalid-request",
                    "exact is '" + *exact + "'; it must be true or false");
    }
    q.exact = *exact == "true";
  }
  if (auto limit = query_arg(args, "limit")) {
    size_t n = 0;
    bool ok = !limit->empty() && limit->size() <= 6;
    for (char c : *limit) ok = ok && c >= '0' && c <= '9';
    if (ok) n = std::stoul(*limit);
    if (!ok || n < 1 || n > kMaxRouteLimit) {
      return Status(Code::kInvalidArgument, "invalid-request",
                    "limit is '" + *limit + "'; it must be 1.." + std::to_string(kMaxRouteLimit));
    }
    q.limit = n;
  }
  return q;
}

}  // namespace byoipd::controller

namespace byoipd::controller {

std::string bgp_metrics(const std::vector<bgp::PeerStatus>& peers,
                        const bgp::Speaker::RibStats& rib) {
  std::string out;
  auto family = [&](const char* name, const char* type, const char* help) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  };
  auto per_peer = [&](const char* name, auto value) {
    for (const auto& p : peers) {
      // Peer names are [A-Za-z0-9_.-] (bgp::validate): no escaping needed.
      out += std::string(name) + "{peer=\"" + p.name + "\"} " + std::to_string(value(p)) + "\n";
    }
  };
  family("byoipd_bgp_session_up", "gauge", "1 while the BGP session is Established.");
  per_peer("byoipd_bgp_session_up", [](const auto& p) { return p.state == "established" ? 1 : 0; });
  family("byoipd_bgp_prefixes_received", "gauge", "Routes from the peer in its Adj-RIB-In.");
  per_peer("byoipd_bgp_prefixes_received", [](const auto& p) { return p.prefixes_received; });
  family("byoipd_bgp_prefixes_advertised", "gauge", "Prefixes byoipd announces to the peer.");
  per_peer("byoipd_bgp_prefixes_advertised", [](const auto& p) { return p.prefixes_advertised; });
  family("byoipd_bgp_prefixes_rejected_total", "counter",
         "Prefixes dropped by the peer's import limits.");
  per_peer("byoipd_bgp_prefixes_rejected_total", [](const auto& p) { return p.prefixes_rejected; });
  family("byoipd_bgp_established_transitions_total", "counter",
         "Times the session reached Established.");
  per_peer("byoipd_bgp_established_transitions_total",
           [](const auto& p) { return p.established_transitions; });
  family("byoipd_bgp_rib_routes", "gauge", "Routes in every Adj-RIB-In.");
  out += "byoipd_bgp_rib_routes " + std::to_string(rib.routes) + "\n";
  family("byoipd_bgp_rib_paths", "gauge", "Distinct path attribute sets stored.");
  out += "byoipd_bgp_rib_paths " + std::to_string(rib.paths) + "\n";
  family("byoipd_bgp_rib_bytes", "gauge", "Heap bytes held by the Adj-RIB-In.");
  out += "byoipd_bgp_rib_bytes " + std::to_string(rib.bytes) + "\n";
  return out;
}

}  // namespace byoipd::controller
