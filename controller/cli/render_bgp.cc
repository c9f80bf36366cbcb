// byoipctl's tables for the bgp commands (render.h).
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "render.h"

namespace byoipctl {
namespace {

std::string text_of(const Json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() ? "-" : cell_text(*it);
}

// Two numbers of a duration, the second zero-padded: "12m05s".
std::string two_units(long long high, char high_unit, long long low, char low_unit) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%lld%c%02lld%c", high, high_unit, low, low_unit);
  return buf;
}

std::string origin_as(const Json& route) {
  auto as = route.find("origin_as");
  if (as != route.end() && as->is_number()) return as->dump();
  auto set = route.find("origin_set");
  if (set == route.end() || !set->is_array() || set->empty()) return "-";
  return "{" + cell_text(*set) + "}";
}

std::string all_communities(const Json& object) {
  Json all = Json::array();
  for (const char* key : {"communities", "large_communities"}) {
    auto it = object.find(key);
    if (it == object.end() || !it->is_array()) continue;
    for (const Json& c : *it) all.push_back(c);
  }
  return cell_text(all);
}

}  // namespace

std::string format_uptime(const Json& seconds) {
  if (!seconds.is_number()) return "-";
  long long s = seconds.get<long long>();
  if (s < 60) return std::to_string(s < 0 ? 0 : s) + "s";
  if (s < 3600) return two_units(s / 60, 'm', s % 60, 's');
  if (s < 86400) return two_units(s / 3600, 'h', s % 3600 / 60, 'm');
  return two_units(s / 86400, 'd', s % 86400 / 3600, 'h');
}

std::string render_bgp_peers(const Json& peers) {
  std::vector<std::vector<std::string>> rows;
  for (const Json& p : peers) {
    rows.push_back({text_of(p, "name"), text_of(p, "address"), text_of(p, "remote_as"),
                    text_of(p, "role"), text_of(p, "state"),
                    format_uptime(p.value("uptime_seconds", Json())),
                    text_of(p, "prefixes_received"), text_of(p, "prefixes_advertised"),
                    text_of(p, "last_error")});
  }
  return render_table(
      {"NAME", "ADDRESS", "AS", "ROLE", "STATE", "UPTIME", "IN", "OUT", "LAST-ERROR"}, rows,
      {"AS", "UPTIME", "IN", "OUT"});
}

std::string render_bgp_routes(const Json& routes) {
  // The RPKI column follows ORIGIN-AS, the origin it judges.
  constexpr size_t kRpkiColumn = 3;
  bool rpki = false;
  for (const Json& r : routes) {
    auto it = r.find("rpki");
    rpki = rpki || (it != r.end() && !it->is_null());
  }
  std::vector<std::vector<std::string>> rows;
  for (const Json& r : routes) {
    std::string prefix = text_of(r, "prefix");
    if (r.value("stale", false)) prefix += " (stale)";
    std::vector<std::string> row = {prefix,
                                    text_of(r, "peer"),
                                    origin_as(r),
                                    text_of(r, "as_path"),
                                    text_of(r, "next_hop"),
                                    all_communities(r)};
    if (rpki) row.insert(row.begin() + kRpkiColumn, text_of(r, "rpki"));
    rows.push_back(std::move(row));
  }
  std::vector<std::string> headers = {"PREFIX",  "PEER",     "ORIGIN-AS",
                                      "AS-PATH", "NEXT-HOP", "COMMUNITIES"};
  if (rpki) headers.insert(headers.begin() + kRpkiColumn, "RPKI");
  return render_table(headers, rows);
}

std::string render_bgp_announcements(const Json& announcements) {
  std::vector<std::vector<std::string>> rows;
  for (const Json& a : announcements) {
    Json peers = a.value("peers", Json::array());
    rows.push_back({text_of(a, "prefix"), text_of(a, "communities"),
                    text_of(a, "large_communities"), text_of(a, "prepend"),
                    peers.is_array() && peers.empty() ? "all" : cell_text(peers)});
  }
  return render_table({"PREFIX", "COMMUNITIES", "LARGE-COMMUNITIES", "PREPEND", "PEERS"}, rows,
                      {"PREPEND"});
}

}  // namespace byoipctl
