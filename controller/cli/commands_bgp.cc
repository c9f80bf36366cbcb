// byoipctl bgp: the speaker's sessions, the routes it learnt, and the
// prefixes byoipd announces (GET/POST/DELETE /v1/bgp/*).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "session.h"

namespace byoipctl {
namespace {

struct BgpFlags {
  std::string prefix;
  std::optional<std::string> route_prefix, peer;
  std::optional<int> limit;
  bool exact = false;
  std::vector<std::string> communities, large_communities, peers;
  int prepend = 0;
};

constexpr int kMaxRouteLimit = 100000;  // the API's maximum

// GETs `path` and prints its `key` array with `render` (or the JSON).
int show(Session& s, const std::string& path, const char* key,
         std::string (*render)(const Json&)) {
  Reply r = s.call("GET", path);
  if (r.code != kExitOk) return r.code;
  if (s.json()) return s.print_json(r.body);
  s.out() << render(r.body.value(key, Json::array()));
  return kExitOk;
}

int routes(Session& s, const BgpFlags& o) {
  Query q;
  q.add_if("prefix", o.route_prefix).add_if("peer", o.peer);
  if (o.exact) q.add("exact", "true");
  if (o.limit) q.add("limit", std::to_string(*o.limit));
  Reply r = s.call("GET", "/v1/bgp/routes" + q.str());
  if (r.code != kExitOk) return r.code;
  if (s.json()) return s.print_json(r.body);
  s.out() << render_bgp_routes(r.body.value("routes", Json::array()));
  if (r.body.value("truncated", false)) {
    s.err() << "(more routes match: narrow with --prefix or --peer, or raise --limit up to "
            << kMaxRouteLimit << ")\n";
  }
  return kExitOk;
}

// announce and withdraw are idempotent; the answer says whether anything
// changed.
int announce(Session& s, const BgpFlags& o) {
  Json body{{"prefix", o.prefix},
            {"communities", o.communities},
            {"large_communities", o.large_communities},
            {"prepend", o.prepend},
            {"peers", o.peers}};
  Reply r = s.call("POST", "/v1/bgp/announcements", &body);
  if (r.code != kExitOk) return r.code;
  if (s.json()) return s.print_json(r.body);
  s.out() << "announced " << o.prefix
          << (r.body.value("changed", true) ? "" : " (already announced as given)") << "\n";
  return kExitOk;
}

int withdraw(Session& s, const BgpFlags& o) {
  Json body{{"prefix", o.prefix}};
  Reply r = s.call("DELETE", "/v1/bgp/announcements", &body);
  if (r.code != kExitOk) return r.code;
  if (s.json()) return s.print_json(r.body);
  s.out() << "withdrawn " << cell_text(r.body.value("withdrawn", Json(o.prefix)))
          << (r.body.value("changed", true) ? "" : " (was not announced)") << "\n";
  return kExitOk;
}

}  // namespace

void add_bgp(CLI::App& app, Commands& c) {
  CLI::App* g = group(app, "bgp", "BGP sessions, learnt routes and announced prefixes");
  auto o = std::make_shared<BgpFlags>();

  c.leaf(g, "peers", "List the BGP peers and the state of each session", [](Session& s) {
    return show(s, "/v1/bgp/peers", "peers", render_bgp_peers);
  });

  CLI::App* list = c.leaf(g, "routes", "List routes learnt from peers (Adj-RIB-In)",
                          [o](Session& s) { return routes(s, *o); });
  CLI::Option* prefix =
      list->add_option("--prefix", o->route_prefix, "This prefix and its more-specifics");
  list->add_option("--peer", o->peer, "Only routes from this peer (by name)");
  list->add_flag("--exact", o->exact, "With --prefix: only that prefix, no more-specifics")
      ->needs(prefix);
  list->add_option("--limit", o->limit, "At most N routes (default 1000)")
      ->check(CLI::Range(1, kMaxRouteLimit));

  c.leaf(g, "announcements", "List the prefixes byoipd announces", [](Session& s) {
    return show(s, "/v1/bgp/announcements", "announcements", render_bgp_announcements);
  });

  CLI::App* add = c.leaf(g, "announce", "Announce PREFIX (again: replace its attributes)",
                         [o](Session& s) { return announce(s, *o); });
  add->add_option("PREFIX", o->prefix, "The prefix, e.g. 203.0.113.0/24")->required();
  add->add_option("--community", o->communities,
                  "RFC 1997 community ASN:VALUE or a well-known name such as no-export "
                  "(repeatable)");
  add->add_option("--large-community", o->large_communities,
                  "RFC 8092 large community GLOBAL:LOCAL1:LOCAL2 (repeatable)");
  add->add_option("--prepend", o->prepend, "Extra copies of the local AS, 0 to 10 (default 0)")
      ->check(CLI::Range(0, 10));
  add->add_option("--peer", o->peers,
                  "Announce only to this peer (repeatable; default: every onprem and upstream "
                  "peer)");

  c.leaf(g, "withdraw", "Stop announcing PREFIX", [o](Session& s) { return withdraw(s, *o); })
      ->add_option("PREFIX", o->prefix, "The announced prefix")
      ->required();
}

}  // namespace byoipctl
