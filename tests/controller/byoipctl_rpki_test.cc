// byoipctl rpki against a fake API: the request each command sends, the tables
// drawn from the contract's JSON, -o json, errors mapped to exit codes, and
// the RPKI column of bgp routes.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "byoipctl_fake.h"
#include "render.h"

namespace byoipctl {
namespace {

Json error(const char* code, const char* message) {
  return {{"error",
           {{"code", code}, {"category", "x"}, {"message", message}, {"request_id", "req-1"}}}};
}

Json status_json() {
  return {{"state", "ok"},
          {"vrps", 512345},
          {"table_bytes", 50593792},
          {"table_version", 42},
          {"published", "2024-05-01T12:00:00Z"},
          {"slurm", {{"filtered", 3}, {"added", 1}}},
          {"sources",
           {{{"name", "stayrtr"},
             {"kind", "rtr"},
             {"location", "127.0.0.1:323"},
             {"state", "Established"},
             {"session_id", 4660},
             {"serial", 1017},
             {"version", 1},
             {"selected", true},
             {"last_update", "2024-05-01T11:59:00Z"},
             {"last_update_age_seconds", 65},
             {"vrps_v4", 410000},
             {"vrps_v6", 102344},
             {"stale", false},
             {"last_error", ""}},
            {{"name", "rpki-client"},
             {"kind", "json"},
             {"location", "/var/lib/rpki-client/json"},
             {"state", "error"},
             {"session_id", nullptr},
             {"serial", nullptr},
             {"version", nullptr},
             {"selected", nullptr},
             {"last_update", nullptr},
             {"last_update_age_seconds", nullptr},
             {"vrps_v4", 0},
             {"vrps_v6", 0},
             {"stale", true},
             {"last_error", "cannot fetch /var/lib/rpki-client/json: No such file"}},
            {{"name", "slurm"},
             {"kind", "slurm"},
             {"location", "/etc/byoipd/slurm.json"},
             {"state", "ok"},
             {"session_id", nullptr},
             {"serial", nullptr},
             {"version", nullptr},
             {"selected", nullptr},
             {"last_update", "2024-05-01T10:00:00Z"},
             {"last_update_age_seconds", 7265},
             {"vrps_v4", 1},
             {"vrps_v6", 0},
             {"stale", false},
             {"last_error", ""}}}}};
}

Json validation_json(const char* state, Json origin, Json covering,
                     const char* rpki_state = "ok") {
  return {{"prefix", "203.0.113.0/24"},
          {"origin_as", origin},
          {"state", state},
          {"rpki_state", rpki_state},
          {"covering", covering}};
}

Json vrp(const char* prefix, int max_length, uint32_t asn, const char* source,
         const char* verdict) {
  return {{"prefix", prefix},
          {"max_length", max_length},
          {"asn", asn},
          {"source", source},
          {"verdict", verdict}};
}

TEST(RpkiRender, Bytes) {
  const std::pair<Json, std::string> cases[] = {
      {Json(nullptr), "-"},   {Json(0), "0 B"},          {Json(1023), "1023 B"},
      {Json(1024), "1.0 KiB"}, {Json(50593792), "48.2 MiB"}, {Json(3221225472), "3.0 GiB"},
  };
  for (const auto& [bytes, text] : cases) EXPECT_EQ(format_bytes(bytes), text) << bytes;
}

TEST(RpkiCommands, StatusTable) {
  FakeApi api;
  api.on("GET /v1/rpki/status", 200, status_json());
  Outcome r = run(api, {"rpki", "status"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(api.calls, (std::vector<std::string>{"GET /v1/rpki/status"}));
  EXPECT_TRUE(api.bodies[0].is_null());
  EXPECT_EQ(r.out,
            "rpki ok: 512345 VRPs, table version 42 published 2024-05-01T12:00:00Z (48.2 MiB); "
            "SLURM 3 filtered, 1 added\n"
            "NAME         KIND   LOCATION                   STATE        SELECTED  SESSION  "
            "SERIAL    VRPS(v4/v6)    AGE  STALE  LAST-ERROR\n"
            "stayrtr      rtr    127.0.0.1:323              Established  yes          4660  "
            "  1017  410000/102344  1m05s  no     -\n"
            "rpki-client  json   /var/lib/rpki-client/json  error        -               -  "
            "     -            0/0      -  yes    cannot fetch /var/lib/rpki-client/json: No such file\n"
            "slurm        slurm  /etc/byoipd/slurm.json     ok           -               -  "
            "     -            1/0  2h01m  no     -\n");
  EXPECT_EQ(r.err, "");

  Outcome j = run(api, {"rpki", "status", "-o", "json"});
  ASSERT_EQ(j.code, kExitOk) << j.err;
  EXPECT_EQ(Json::parse(j.out), status_json());
}

TEST(RpkiCommands, StatusSaysWhatStaleAndSyncingMean) {
  Json stale = status_json();
  stale["state"] = "stale";
  EXPECT_TRUE(render_rpki_status(stale).starts_with(
      "rpki stale (every source is past its expire interval: nothing can be proven valid): "
      "512345 VRPs"));

  Json syncing{{"state", "syncing"},       {"vrps", 0},
               {"table_bytes", 0},         {"table_version", 0},
               {"published", nullptr},     {"slurm", {{"filtered", 0}, {"added", 0}}},
               {"sources", Json::array()}};
  EXPECT_EQ(render_rpki_status(syncing),
            "rpki syncing (no source has delivered yet): 0 VRPs, no table published yet; SLURM 0 "
            "filtered, 0 added\n"
            "NAME  KIND  LOCATION  STATE  SELECTED  SESSION  SERIAL  VRPS(v4/v6)  AGE  STALE  "
            "LAST-ERROR\n");
}

TEST(RpkiCommands, ValidateSendsPrefixAndOrigin) {
  FakeApi api;
  api.on("GET /v1/rpki/validate?prefix=203.0.113.0%2F24&origin_as=64500", 200,
         validation_json("invalid", 64500,
                         {vrp("203.0.113.0/24", 24, 64501, "stayrtr", "other-origin"),
                          vrp("203.0.112.0/22", 23, 64500, "rpki-client",
                              "max-length-exceeded")}));
  Outcome r = run(api, {"rpki", "validate", "203.0.113.0/24", "64500"});
  // The state is the answer, not an error.
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out,
            "203.0.113.0/24 from AS64500: invalid\n"
            "VRP             MAX-LENGTH    ASN  SOURCE       VERDICT\n"
            "203.0.113.0/24          24  64501  stayrtr      other-origin\n"
            "203.0.112.0/22          23  64500  rpki-client  max-length-exceeded\n");
  EXPECT_EQ(r.err, "");

  // Every spelling of an AS number is sent in asplain.
  for (const char* spelling : {"AS64500", "as64500", "0.64500"}) {
    Outcome again = run(api, {"rpki", "validate", "203.0.113.0/24", spelling});
    EXPECT_EQ(again.code, kExitOk) << spelling << ": " << again.err;
    EXPECT_EQ(api.calls.back(), "GET /v1/rpki/validate?prefix=203.0.113.0%2F24&origin_as=64500")
        << spelling;
  }
  api.on("GET /v1/rpki/validate?prefix=203.0.113.0%2F24&origin_as=65546", 200,
         validation_json("not-found", 65546, Json::array()));
  EXPECT_EQ(run(api, {"rpki", "validate", "203.0.113.0/24", "1.10"}).code, kExitOk);

  Outcome j = run(api, {"-o", "json", "rpki", "validate", "203.0.113.0/24", "AS64500"});
  ASSERT_EQ(j.code, kExitOk) << j.err;
  EXPECT_EQ(Json::parse(j.out)["covering"][1]["verdict"], "max-length-exceeded");
}

TEST(RpkiCommands, ValidateEveryStateExitsZero) {
  FakeApi api;
  api.on("GET /v1/rpki/validate?prefix=203.0.113.0%2F24&origin_as=64500", 200,
         validation_json("valid", 64500, {vrp("203.0.113.0/24", 24, 64500, "slurm", "matched")}));
  Outcome r = run(api, {"rpki", "validate", "203.0.113.0/24", "64500"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out,
            "203.0.113.0/24 from AS64500: valid\n"
            "VRP             MAX-LENGTH    ASN  SOURCE  VERDICT\n"
            "203.0.113.0/24          24  64500  slurm   matched\n");

  api.on("GET /v1/rpki/validate?prefix=203.0.113.0%2F24&origin_as=none", 200,
         validation_json("not-found", nullptr, Json::array(), "stale"));
  r = run(api, {"rpki", "validate", "203.0.113.0/24", "none"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out,
            "203.0.113.0/24 from an AS_SET (no origin AS): not-found (RPKI data stale (every "
            "source is past its expire interval: nothing can be proven valid))\n"
            "no VRP covers the prefix\n");
}

TEST(RpkiCommands, ErrorsMapToExitCodes) {
  FakeApi api;
  api.on("GET /v1/rpki/status", 409,
         error("rpki-not-configured", "byoipd has no rpki section in its config"));
  api.on("GET /v1/rpki/validate?prefix=x&origin_as=64500", 400,
         error("invalid-prefix", "'x' is not a prefix"));
  api.on("GET /v1/rpki/validate?prefix=10.0.0.0%2F8&origin_as=64500", 401,
         error("unauthenticated", "missing or unknown token"));
  api.on("GET /v1/rpki/validate?prefix=10.0.0.1%2F8&origin_as=64500", 403,
         error("forbidden", "only the management account and the delegated IPAM admin"));

  Outcome r = run(api, {"rpki", "status"});
  EXPECT_EQ(r.code, kExitRefused);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "byoipctl: rpki-not-configured: byoipd has no rpki section in its config "
            "(request req-1)\n");
  EXPECT_EQ(run(api, {"rpki", "validate", "x", "64500"}).code, kExitRefused);
  EXPECT_EQ(run(api, {"rpki", "validate", "10.0.0.0/8", "64500"}).code, kExitDenied);
  EXPECT_EQ(run(api, {"rpki", "validate", "10.0.0.1/8", "64500"}).code, kExitDenied);

  api.on("GET /v1/rpki/status", 503, error("unavailable", "stopping"));
  EXPECT_EQ(run(api, {"rpki", "status"}).code, kExitServer);
  api.transport_error = true;
  EXPECT_EQ(run(api, {"rpki", "validate", "10.0.0.0/24", "64500"}).code, kExitTransport);
}

TEST(RpkiCommands, UsageErrorsExitTwoWithoutCallingTheApi) {
  const std::vector<std::vector<std::string>> cases = {
      {"rpki"},
      {"rpki", "nope"},
      {"rpki", "validate"},
      {"rpki", "validate", "203.0.113.0/24"},
      {"rpki", "validate", "203.0.113.0/24", "AS-x"},
      {"rpki", "validate", "203.0.113.0/24", "4294967296"},
      {"rpki", "validate", "203.0.113.0/24", "1.65536"},
      {"rpki", "validate", "203.0.113.0/24", "AS"},
      {"rpki", "validate", "203.0.113.0/24", "NONE"},
      {"rpki", "status", "--client-token", "x"},
  };
  for (const auto& args : cases) {
    FakeApi api;
    Outcome r = run(api, args);
    std::string line;
    for (const auto& a : args) line += a + " ";
    EXPECT_EQ(r.code, kExitUsage) << line << "\n" << r.err;
    EXPECT_TRUE(api.calls.empty()) << line;
  }
  FakeApi api;
  Outcome r = run(api, {"rpki", "validate", "203.0.113.0/24", "AS-x"});
  EXPECT_EQ(r.err,
            "byoipctl: 'AS-x' is not an origin AS; allowed: an AS number (64500, AS64500 or "
            "asdot 1.10), or none for a route whose AS_PATH ends in an AS_SET\n");
}

// ---------------------------------------------------------------------------
// bgp routes: an RPKI column when byoipd validates.

Json route_json(const char* prefix, Json origin_as, Json rpki) {
  return {{"prefix", prefix},
          {"peer", "onprem-r1"},
          {"origin_as", origin_as},
          {"origin_set", Json::array()},
          {"as_path", "65001 64500"},
          {"next_hop", "127.0.0.2"},
          {"communities", Json::array()},
          {"large_communities", Json::array()},
          {"stale", false},
          {"rpki", rpki}};
}

TEST(RpkiCommands, BgpRoutesShowTheRpkiState) {
  FakeApi api;
  api.on("GET /v1/bgp/routes", 200,
         {{"routes",
           {route_json("203.0.113.0/24", 64500, "valid"),
            route_json("198.51.100.0/24", 64500, "invalid"),
            route_json("2001:db8::/32", 64500, "not-found")}},
          {"truncated", false}});
  Outcome r = run(api, {"bgp", "routes"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out,
            "PREFIX           PEER       ORIGIN-AS  RPKI       AS-PATH      NEXT-HOP   "
            "COMMUNITIES\n"
            "203.0.113.0/24   onprem-r1  64500      valid      65001 64500  127.0.0.2  -\n"
            "198.51.100.0/24  onprem-r1  64500      invalid    65001 64500  127.0.0.2  -\n"
            "2001:db8::/32    onprem-r1  64500      not-found  65001 64500  127.0.0.2  -\n");
}

TEST(RpkiCommands, BgpRoutesWithoutRpkiHaveNoColumn) {
  // "rpki": null (no rpki section) and no "rpki" at all (an older byoipd).
  Json without = route_json("203.0.113.0/24", 64500, nullptr);
  Json older = without;
  older.erase("rpki");
  for (const Json& route : {without, older}) {
    EXPECT_EQ(render_bgp_routes(Json::array({route})),
              "PREFIX          PEER       ORIGIN-AS  AS-PATH      NEXT-HOP   COMMUNITIES\n"
              "203.0.113.0/24  onprem-r1  64500      65001 64500  127.0.0.2  -\n");
  }
}

}  // namespace
}  // namespace byoipctl
