// byoipctl bgp against a fake API: the request each command sends, the tables
// drawn from the contract's JSON, -o json, and errors mapped to exit codes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "byoipctl_fake.h"
#include "render.h"

namespace byoipctl {
namespace {

Json peer_json(const char* name, const char* state, Json uptime, const char* last_error) {
  return {{"name", name},
          {"address", "127.0.0.2"},
          {"port", 179},
          {"remote_as", 65001},
          {"role", "onprem"},
          {"state", state},
          {"uptime_seconds", uptime},
          {"prefixes_received", 12},
          {"prefixes_advertised", 3},
          {"prefixes_rejected", 0},
          {"updates_received", 40},
          {"updates_sent", 5},
          {"established_transitions", 1},
          {"last_error", last_error},
          {"local_address", nullptr},
          {"families", {"ipv4-unicast", "ipv6-unicast"}},
          {"four_octet_as", true},
          {"hold_time", 90}};
}

Json route_json(const char* prefix, Json origin_as, Json origin_set, const char* as_path,
                bool stale = false) {
  return {{"prefix", prefix},
          {"peer", "onprem-r1"},
          {"origin_as", origin_as},
          {"origin_set", origin_set},
          {"as_path", as_path},
          {"next_hop", "127.0.0.2"},
          {"origin", "igp"},
          {"med", nullptr},
          {"local_pref", nullptr},
          {"communities", {"65000:1"}},
          {"large_communities", {"65000:1:2"}},
          {"stale", stale}};
}

Json error(const char* code, const char* message) {
  return {{"error",
           {{"code", code}, {"category", "x"}, {"message", message}, {"request_id", "req-1"}}}};
}

TEST(BgpRender, Uptime) {
  const std::pair<Json, std::string> cases[] = {
      {Json(nullptr), "-"}, {Json(0), "0s"},          {Json(59), "59s"},
      {Json(60), "1m00s"},  {Json(3599), "59m59s"},   {Json(3600), "1h00m"},
      {Json(86399), "23h59m"}, {Json(90061), "1d01h"}, {Json("x"), "-"},
  };
  for (const auto& [seconds, text] : cases) EXPECT_EQ(format_uptime(seconds), text) << seconds;
}

TEST(BgpCommands, PeersTable) {
  FakeApi api;
  api.on("GET /v1/bgp/peers", 200,
         {{"peers",
           {peer_json("onprem-r1", "established", 3725, ""),
            peer_json("lg", "active", nullptr, "connection refused")}}});
  Outcome r = run(api, {"bgp", "peers"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(api.calls, (std::vector<std::string>{"GET /v1/bgp/peers"}));
  EXPECT_TRUE(api.bodies[0].is_null());
  EXPECT_EQ(r.out,
            "NAME       ADDRESS       AS  ROLE    STATE        UPTIME  IN  OUT  LAST-ERROR\n"
            "onprem-r1  127.0.0.2  65001  onprem  established   1h02m  12    3  -\n"
            "lg         127.0.0.2  65001  onprem  active            -  12    3  "
            "connection refused\n");

  Outcome j = run(api, {"bgp", "peers", "-o", "json"});
  ASSERT_EQ(j.code, kExitOk) << j.err;
  EXPECT_EQ(Json::parse(j.out)["peers"][0]["hold_time"], 90);
}

TEST(BgpCommands, RoutesQueryAndTable) {
  FakeApi api;
  api.on("GET /v1/bgp/routes?prefix=203.0.113.0%2F24&peer=onprem-r1&exact=true&limit=5", 200,
         {{"routes", {route_json("203.0.113.0/24", 64500, Json::array(), "65001 64500")}},
          {"truncated", false}});
  Outcome r = run(api, {"bgp", "routes", "--prefix", "203.0.113.0/24", "--peer", "onprem-r1",
                        "--exact", "--limit", "5"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out,
            "PREFIX          PEER       ORIGIN-AS  AS-PATH      NEXT-HOP   COMMUNITIES\n"
            "203.0.113.0/24  onprem-r1  64500      65001 64500  127.0.0.2  65000:1,65000:1:2\n");
  EXPECT_EQ(r.err, "");

  api.on("GET /v1/bgp/routes", 200,
         {{"routes",
           {route_json("198.51.100.0/24", nullptr, {64500, 64501}, "65001 {64500,64501}", true),
            route_json("2001:db8::/32", nullptr, Json::array(), "")}},
          {"truncated", true}});
  r = run(api, {"bgp", "routes"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out,
            "PREFIX                   PEER       ORIGIN-AS      AS-PATH              NEXT-HOP   "
            "COMMUNITIES\n"
            "198.51.100.0/24 (stale)  onprem-r1  {64500,64501}  65001 {64500,64501}  127.0.0.2  "
            "65000:1,65000:1:2\n"
            "2001:db8::/32            onprem-r1  -              -                    127.0.0.2  "
            "65000:1,65000:1:2\n");
  EXPECT_NE(r.err.find("more routes match"), std::string::npos) << r.err;

  Outcome j = run(api, {"-o", "json", "bgp", "routes"});
  ASSERT_EQ(j.code, kExitOk) << j.err;
  EXPECT_EQ(Json::parse(j.out)["truncated"], true);
}

TEST(BgpCommands, AnnouncementsTable) {
  FakeApi api;
  api.on("GET /v1/bgp/announcements", 200,
         {{"announcements",
           {{{"prefix", "203.0.113.0/24"},
             {"communities", {"65000:1", "no-export"}},
             {"large_communities", Json::array()},
             {"prepend", 2},
             {"peers", {"onprem-r1"}}},
            {{"prefix", "2001:db8:1::/48"},
             {"communities", Json::array()},
             {"large_communities", {"65000:1:2"}},
             {"prepend", 0},
             {"peers", Json::array()}}}}});
  Outcome r = run(api, {"bgp", "announcements"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out,
            "PREFIX           COMMUNITIES        LARGE-COMMUNITIES  PREPEND  PEERS\n"
            "203.0.113.0/24   65000:1,no-export  -                        2  onprem-r1\n"
            "2001:db8:1::/48  -                  65000:1:2                0  all\n");
}

TEST(BgpCommands, AnnounceSendsTheWholeAnnouncement) {
  FakeApi api;
  Json announcement{{"prefix", "203.0.113.0/24"},
                    {"communities", {"65000:1", "no-export"}},
                    {"large_communities", {"65000:1:2"}},
                    {"prepend", 2},
                    {"peers", {"onprem-r1", "onprem-r2"}}};
  api.on("POST /v1/bgp/announcements", 200, {{"announcement", announcement}, {"changed", true}});
  Outcome r = run(api, {"bgp", "announce", "203.0.113.0/24", "--community", "65000:1",
                        "--community", "no-export", "--large-community", "65000:1:2",
                        "--prepend", "2", "--peer", "onprem-r1", "--peer", "onprem-r2"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(api.calls.back(), "POST /v1/bgp/announcements");
  EXPECT_EQ(api.bodies.back(), announcement);
  EXPECT_EQ(r.out, "announced 203.0.113.0/24\n");

  // Defaults: no communities, no prepend, every onprem and upstream peer.
  api.on("POST /v1/bgp/announcements", 200, {{"announcement", announcement}, {"changed", false}});
  r = run(api, {"bgp", "announce", "203.0.113.0/24"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(api.bodies.back(), (Json{{"prefix", "203.0.113.0/24"},
                                     {"communities", Json::array()},
                                     {"large_communities", Json::array()},
                                     {"prepend", 0},
                                     {"peers", Json::array()}}));
  EXPECT_EQ(r.out, "announced 203.0.113.0/24 (already announced as given)\n");

  Outcome j = run(api, {"bgp", "announce", "203.0.113.0/24", "-o", "json"});
  ASSERT_EQ(j.code, kExitOk) << j.err;
  EXPECT_EQ(Json::parse(j.out)["changed"], false);
}

TEST(BgpCommands, WithdrawSendsThePrefix) {
  FakeApi api;
  api.on("DELETE /v1/bgp/announcements", 200,
         {{"withdrawn", "203.0.113.0/24"}, {"changed", true}});
  Outcome r = run(api, {"bgp", "withdraw", "203.0.113.0/24"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(api.bodies.back(), (Json{{"prefix", "203.0.113.0/24"}}));
  EXPECT_EQ(r.out, "withdrawn 203.0.113.0/24\n");

  api.on("DELETE /v1/bgp/announcements", 200,
         {{"withdrawn", "203.0.113.0/24"}, {"changed", false}});
  r = run(api, {"bgp", "withdraw", "203.0.113.0/24"});
  EXPECT_EQ(r.out, "withdrawn 203.0.113.0/24 (was not announced)\n");
}

TEST(BgpCommands, ErrorsMapToExitCodes) {
  FakeApi api;
  api.on("GET /v1/bgp/peers", 409,
         error("bgp-not-configured", "byoipd has no bgp section in its config"));
  api.on("GET /v1/bgp/routes?peer=nope", 404, error("no-such-peer", "no peer named 'nope'"));
  api.on("POST /v1/bgp/announcements", 403, error("forbidden", "only the delegated IPAM admin"));
  api.on("DELETE /v1/bgp/announcements", 400, error("invalid-prefix", "'x' is not a prefix"));

  Outcome r = run(api, {"bgp", "peers"});
  EXPECT_EQ(r.code, kExitRefused);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "byoipctl: bgp-not-configured: byoipd has no bgp section in its config "
            "(request req-1)\n");
  EXPECT_EQ(run(api, {"bgp", "routes", "--peer", "nope"}).code, kExitNotFound);
  EXPECT_EQ(run(api, {"bgp", "announce", "203.0.113.0/24"}).code, kExitDenied);
  EXPECT_EQ(run(api, {"bgp", "withdraw", "x"}).code, kExitRefused);

  api.on("GET /v1/bgp/announcements", 503, error("unavailable", "speaker stopping"));
  EXPECT_EQ(run(api, {"bgp", "announcements"}).code, kExitServer);
  api.transport_error = true;
  EXPECT_EQ(run(api, {"bgp", "routes"}).code, kExitTransport);
}

TEST(BgpCommands, UsageErrorsExitTwoWithoutCallingTheApi) {
  const std::vector<std::vector<std::string>> cases = {
      {"bgp"},
      {"bgp", "nope"},
      {"bgp", "announce"},
      {"bgp", "withdraw"},
      {"bgp", "routes", "--exact"},
      {"bgp", "routes", "--limit", "0"},
      {"bgp", "routes", "--limit", "100001"},
      {"bgp", "announce", "203.0.113.0/24", "--prepend", "11"},
      {"bgp", "announce", "203.0.113.0/24", "--client-token", "x"},
  };
  for (const auto& args : cases) {
    FakeApi api;
    Outcome r = run(api, args);
    std::string line;
    for (const auto& a : args) line += a + " ";
    EXPECT_EQ(r.code, kExitUsage) << line << "\n" << r.err;
    EXPECT_TRUE(api.calls.empty()) << line;
  }
}

}  // namespace
}  // namespace byoipctl
