// byoipctl without a server: rendering (tables, the pool tree), exit codes,
// tag and URL encoding, settings precedence, and whole command lines run
// against a fake Api.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "byoipctl_fake.h"
#include "client.h"
#include "commands.h"
#include "render.h"

namespace byoipctl {
namespace {

// ---- tables ---------------------------------------------------------------------

struct TableCase {
  const char* name;
  std::vector<std::string> headers;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> right;
  std::string expected;
};

TEST(RenderTable, AlignsColumns) {
  const TableCase cases[] = {
      {"header_only", {"ID", "NAME"}, {}, {}, "ID  NAME\n"},
      {"widest_cell_sets_width",
       {"ID", "CIDR", "DESCRIPTION"},
       {{"a", "10.0.0.0/8", "x"}, {"long-id", "10.1.0.0/16", ""}},
       {},
       "ID       CIDR         DESCRIPTION\n"
       "a        10.0.0.0/8   x\n"
       "long-id  10.1.0.0/16\n"},
      {"right_aligned_numbers",
       {"POOL", "COUNT", "NOTE"},
       {{"p1", "7", "a"}, {"p2", "1234", "b"}},
       {"COUNT"},
       "POOL  COUNT  NOTE\n"
       "p1        7  a\n"
       "p2     1234  b\n"},
      {"utf8_counts_code_points",
       {"BAR", "PCT"},
       {{"[██░░]", "50.0%"}, {"[]", "0.0%"}},
       {},
       "BAR     PCT\n"
       "[██░░]  50.0%\n"
       "[]      0.0%\n"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(render_table(c.headers, c.rows, c.right), c.expected) << c.name;
  }
}

TEST(RenderTable, DisplayWidthCountsCodePoints) {
  EXPECT_EQ(display_width("abc"), 3u);
  EXPECT_EQ(display_width("└─ "), 3u);
  EXPECT_EQ(display_width("█░"), 2u);
  EXPECT_EQ(display_width(""), 0u);
}

TEST(RenderTable, CellText) {
  const std::pair<Json, std::string> cases[] = {
      {Json(nullptr), "-"},
      {Json(""), "-"},
      {Json("eu-west-1"), "eu-west-1"},
      {Json(true), "yes"},
      {Json(false), "no"},
      {Json(24), "24"},
      {Json::array({"a", "b"}), "a,b"},
      {Json::array(), "-"},
      {Json{{"env", "prod"}, {"team", "net"}}, "env=prod,team=net"},
      {Json::object(), "-"},
  };
  for (const auto& [value, text] : cases) EXPECT_EQ(cell_text(value), text) << value.dump();
}

TEST(RenderList, PoolsShowGuardrailsAndRequiredTags) {
  Json pools = Json::array({
      {{"id", "ipam-pool-1"},
       {"scope_id", "ipam-scope-1"},
       {"address_family", "ipv4"},
       {"locale", nullptr},
       {"depth", 1},
       {"source_pool_id", nullptr},
       {"allocation_default_netmask_length", 16},
       {"allocation_min_netmask_length", 8},
       {"allocation_max_netmask_length", nullptr},
       {"allocation_resource_tags", {{"env", "prod"}}},
       {"description", "top"}},
  });
  EXPECT_EQ(render_list(ListKind::kPools, pools),
            "ID           SCOPE         FAMILY  LOCALE  DEPTH  SOURCE  DEFAULT/MIN/MAX  "
            "REQUIRED TAGS  DESCRIPTION\n"
            "ipam-pool-1  ipam-scope-1  ipv4    -           1  -       16/8/-           "
            "env=prod       top\n");
}

TEST(RenderObject, IdFirstThenByNameWithNestedTable) {
  Json org{{"id", "o-1"},
           {"management_account", "111122223333"},
           {"delegated_admin", nullptr},
           {"accounts", Json::array({{{"id", "111122223333"}, {"name", "mgmt"}, {"ou", ""}}})}};
  EXPECT_EQ(render_object(org),
            "id:                 o-1\n"
            "delegated_admin:    -\n"
            "management_account: 111122223333\n"
            "accounts:\n"
            "  ID            NAME  OU\n"
            "  111122223333  mgmt  -\n");
}

// ---- utilization bar and tree ---------------------------------------------------

TEST(RenderTree, BarAndPercent) {
  const std::tuple<double, std::string, std::string> cases[] = {
      {0.0, "[░░░░░░░░░░░░░░░░░░░░]", "0.0%"},
      {10.2, "[██░░░░░░░░░░░░░░░░░░]", "10.2%"},
      {81.0, "[████████████████░░░░]", "81.0%"},
      {100.0, "[████████████████████]", "100.0%"},
      {120.0, "[████████████████████]", "120.0%"},
  };
  for (const auto& [pct, bar, text] : cases) {
    EXPECT_EQ(utilization_bar(pct), bar) << pct;
    EXPECT_EQ(format_percent(pct), text) << pct;
  }
}

Json pool(const std::string& id, const std::string& scope, const char* family, Json source,
          Json locale) {
  return Json{{"id", id},          {"scope_id", scope},   {"address_family", family},
              {"source_pool_id", source}, {"locale", locale}, {"depth", 1}};
}

Json cidr(const std::string& c, const char* state) {
  return Json{{"cidr", c}, {"state", state}};
}

Json util(double percent, const std::string& available) {
  return Json{{"percent", percent}, {"available_addresses", available}};
}

struct TreeFixture {
  Json ipam{{"id", "ipam-01"},
            {"home_region", "eu-west-1"},
            {"tier", "advanced"},
            {"operating_regions", {"eu-west-1", "us-east-1"}},
            {"description", ""}};
  Json scopes = Json::array({
      {{"id", "ipam-scope-priv"}, {"type", "private"}, {"is_default", true}},
      {{"id", "ipam-scope-pub"}, {"type", "public"}, {"is_default", true}},
  });
  // Listed children first, to show nesting does not depend on list order.
  Json pools = Json::array({
      pool("pool-b", "ipam-scope-priv", "ipv4", "pool-a", "eu-west-1"),
      pool("pool-a", "ipam-scope-priv", "ipv4", nullptr, nullptr),
      pool("pool-c", "ipam-scope-priv", "ipv4", "pool-b", "eu-west-1"),
      pool("pool-d", "ipam-scope-priv", "ipv4", "pool-a", "us-east-1"),
      pool("pool-6", "ipam-scope-pub", "ipv6", nullptr, nullptr),
  });
  std::map<std::string, Json> cidrs{
      {"pool-a", Json::array({cidr("10.0.0.0/8", "provisioned"),
                              cidr("172.16.0.0/12", "provisioned"),
                              cidr("192.168.0.0/16", "deprovisioned")})},
      {"pool-b", Json::array({cidr("10.0.0.0/12", "provisioned")})},
      {"pool-c", Json::array({cidr("10.0.0.0/16", "provisioned")})},
      {"pool-d", Json::array()},
      {"pool-6", Json::array({cidr("2001:db8::/32", "pending-provision")})},
  };
  std::map<std::string, Json> utilization{
      {"pool-a", util(10.25, "15073280")},
      {"pool-b", util(6.25, "983040")},
      {"pool-c", util(81.0, "12452")},
      {"pool-d", util(0.0, "0")},
      {"pool-6", util(0.0, "0")},
  };
};

TEST(RenderTree, DrawsHierarchyWithPendingIpv6FlagAndEmptyPool) {
  TreeFixture f;
  EXPECT_EQ(
      render_tree(f.ipam, f.scopes, f.pools, f.cidrs, f.utilization),
      "ipam-01 (home eu-west-1, advanced, regions eu-west-1 us-east-1)\n"
      "├─ scope ipam-scope-priv private (default)\n"
      "│  └─ pool-a        ipv4  locale -          10.0.0.0/8,172.16.0.0/12  [██░░░░░░░░░░░░░░░░░░]  10.2%    available 15073280\n"
      "│     ├─ pool-b     ipv4  locale eu-west-1  10.0.0.0/12               [█░░░░░░░░░░░░░░░░░░░]   6.2%    available 983040\n"
      "│     │  └─ pool-c  ipv4  locale eu-west-1  10.0.0.0/16               [████████████████░░░░]  81.0% !  available 12452\n"
      "│     └─ pool-d     ipv4  locale us-east-1  -                         [░░░░░░░░░░░░░░░░░░░░]   0.0%    available 0\n"
      "└─ scope ipam-scope-pub public (default)\n"
      "   └─ pool-6        ipv6  locale -          2001:db8::/32 (pending)   [░░░░░░░░░░░░░░░░░░░░]   0.0%    available 0\n");
}

TEST(RenderTree, ScopeWithoutPoolsAndMissingUtilization) {
  TreeFixture f;
  Json scopes = Json::array({{{"id", "s1"}, {"type", "private"}, {"is_default", false},
                              {"description", "lab"}},
                             {{"id", "s2"}, {"type", "private"}, {"is_default", false}}});
  Json pools = Json::array({pool("p1", "s2", "ipv4", nullptr, nullptr)});
  EXPECT_EQ(render_tree(f.ipam, scopes, pools, {}, {}),
            "ipam-01 (home eu-west-1, advanced, regions eu-west-1 us-east-1)\n"
            "├─ scope s1 private  lab\n"
            "│  └─ (no pools)\n"
            "└─ scope s2 private\n"
            "   └─ p1  ipv4  locale -  -\n");
}

TEST(RenderTree, JsonNestsChildrenUnderTheirSource) {
  TreeFixture f;
  Json tree = tree_json(f.ipam, f.scopes, f.pools, f.cidrs, f.utilization);
  ASSERT_EQ(tree["scopes"].size(), 2u);
  const Json& a = tree["scopes"][0]["pools"][0];
  EXPECT_EQ(a["id"], "pool-a");
  ASSERT_EQ(a["children"].size(), 2u);
  EXPECT_EQ(a["children"][0]["id"], "pool-b");
  EXPECT_EQ(a["children"][0]["children"][0]["id"], "pool-c");
  EXPECT_EQ(a["children"][1]["id"], "pool-d");
  EXPECT_EQ(a["utilization"]["percent"], 10.25);
  EXPECT_EQ(tree["scopes"][1]["pools"][0]["cidrs"][0]["state"], "pending-provision");
}

TEST(RenderError, Line) {
  Json body{{"error",
             {{"code", "pool-not-found"},
              {"category", "not_found"},
              {"message", "pool 'x' does not exist"},
              {"request_id", "req-1"}}}};
  EXPECT_EQ(error_line(404, body, ""),
            "byoipctl: pool-not-found: pool 'x' does not exist (request req-1)");
  EXPECT_EQ(error_line(502, Json(), "Bad Gateway\n"), "byoipctl: HTTP 502: Bad Gateway");
}

// ---- exit codes, tags, encoding ----------------------------------------------------

TEST(ExitCodes, FromHttpStatus) {
  const std::pair<int, int> cases[] = {
      {200, kExitOk},       {204, kExitOk},      {400, kExitRefused}, {401, kExitDenied},
      {403, kExitDenied},   {404, kExitNotFound}, {405, kExitOther},  {409, kExitRefused},
      {422, kExitRefused},  {429, kExitOther},   {500, kExitServer},  {503, kExitServer},
      {302, kExitOther},
  };
  for (const auto& [status, code] : cases) EXPECT_EQ(exit_code_for_status(status), code) << status;
  ApiResponse transport;
  transport.error = "cannot reach http://127.0.0.1:1: Connection refused";
  EXPECT_EQ(exit_code_for(transport), kExitTransport);
}

TEST(Tags, ParseKeyValue) {
  struct Case {
    const char* text;
    bool ok;
    const char* key;
    const char* value;
  };
  const Case cases[] = {
      {"env=prod", true, "env", "prod"},       {"k=", true, "k", ""},
      {"url=a=b", true, "url", "a=b"},         {"env", false, "", ""},
      {"=prod", false, "", ""},                {"", false, "", ""},
  };
  for (const auto& c : cases) {
    auto tag = parse_tag(c.text);
    ASSERT_EQ(tag.ok(), c.ok) << c.text;
    if (c.ok) {
      EXPECT_EQ(tag.value->first, c.key);
      EXPECT_EQ(tag.value->second, c.value);
    } else {
      EXPECT_NE(tag.error.find("KEY=VALUE"), std::string::npos) << tag.error;
    }
  }
  auto tags = parse_tags({"a=1", "b=2"});
  ASSERT_TRUE(tags.ok());
  EXPECT_EQ(*tags.value, (Json{{"a", "1"}, {"b", "2"}}));
  auto twice = parse_tags({"a=1", "a=2"});
  EXPECT_FALSE(twice.ok());
  EXPECT_EQ(twice.error, "tag key 'a' is given twice");
}

TEST(Encoding, PercentEncodesCidrsAndQueries) {
  const std::pair<const char*, const char*> cases[] = {
      {"10.0.0.0/8", "10.0.0.0%2F8"},
      {"2001:db8::/32", "2001%3Adb8%3A%3A%2F32"},
      {"ipam-pool-0aaa_b.c~", "ipam-pool-0aaa_b.c~"},
      {"a b+c&d=e", "a%20b%2Bc%26d%3De"},
  };
  for (const auto& [in, out] : cases) EXPECT_EQ(percent_encode(in), out) << in;
  EXPECT_EQ(Query().str(), "");
  EXPECT_EQ(Query().add("cidr", "10.0.0.0/8").add("resource_id", "vpc 1").str(),
            "?cidr=10.0.0.0%2F8&resource_id=vpc%201");
  EXPECT_EQ(Query().add_if("a", std::nullopt).add_if("b", std::string("x")).str(), "?b=x");
}

// ---- settings ------------------------------------------------------------------------

class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    char name[] = "/tmp/byoipctl_test_XXXXXX";
    int fd = mkstemp(name);
    path_ = name;
    if (fd >= 0) close(fd);
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(Settings, PrecedenceFlagEnvFileDefault) {
  TempFile file(
      "# byoipctl\n"
      "endpoint: https://file.example:8443/\n"
      "token: \"file-token\"\n"
      "\n"
      "cacert: '/etc/ca.pem'\n");
  struct Case {
    const char* name;
    ConnectionFlags flags;
    std::map<std::string, std::string> env;
    std::string endpoint, token, cacert, token_source;
  };
  std::optional<std::string> none;
  const Case cases[] = {
      {"defaults_without_file", {none, none, none, "/nonexistent/none.yaml"}, {}, "", "", "", ""},
      {"file", {none, none, none, file.path()}, {}, "https://file.example:8443", "file-token",
       "/etc/ca.pem", file.path()},
      {"file_from_env", {}, {{"BYOIPCTL_CONFIG", file.path()}}, "https://file.example:8443",
       "file-token", "/etc/ca.pem", file.path()},
      {"env_over_file", {none, none, none, file.path()},
       {{"BYOIPCTL_ENDPOINT", "http://env:1"}, {"BYOIPCTL_TOKEN", "env-token"}},
       "http://env:1", "env-token", "/etc/ca.pem", "BYOIPCTL_TOKEN"},
      {"flag_over_env", {std::string("http://flag:2"), std::string("flag-token"), none, file.path()},
       {{"BYOIPCTL_ENDPOINT", "http://env:1"}, {"BYOIPCTL_TOKEN", "env-token"}},
       "http://flag:2", "flag-token", "/etc/ca.pem", "--token"},
      {"default_file_under_home", {}, {{"HOME", "/nonexistent-home"}}, "", "", "", ""},
  };
  for (const auto& c : cases) {
    // "defaults_without_file": an explicit missing file is an error, checked
    // below; here the default path under a HOME without one.
    ConnectionFlags flags = c.flags;
    if (std::string(c.name) == "defaults_without_file") flags.config.reset();
    auto s = resolve_settings(flags, env_of(c.env));
    ASSERT_TRUE(s.ok()) << c.name << ": " << s.error;
    EXPECT_EQ(s.value->endpoint, c.endpoint.empty() ? kDefaultEndpoint : c.endpoint) << c.name;
    EXPECT_EQ(s.value->token, c.token) << c.name;
    EXPECT_EQ(s.value->cacert, c.cacert) << c.name;
    EXPECT_EQ(s.value->token_source, c.token_source) << c.name;
  }
}

TEST(Settings, Errors) {
  TempFile typo("endpiont: http://x\n");
  TempFile no_colon("endpoint http://x\n");
  std::optional<std::string> none;
  const std::pair<ConnectionFlags, std::string> cases[] = {
      {{none, none, none, std::string("/nonexistent/byoipctl.yaml")},
       "cannot read config file /nonexistent/byoipctl.yaml"},
      {{none, none, none, typo.path()}, typo.path() + ":1: unknown key 'endpiont'"},
      {{none, none, none, no_colon.path()}, no_colon.path() + ":1: expected 'key: value'"},
      {{std::string("127.0.0.1:8080"), none, none, none}, "endpoint '127.0.0.1:8080' is not a URL"},
  };
  for (const auto& [flags, message] : cases) {
    auto s = resolve_settings(flags, env_of({}));
    ASSERT_FALSE(s.ok()) << message;
    EXPECT_EQ(s.error.rfind(message, 0), 0u) << s.error;
  }
}

// ---- whole command lines against a fake API ------------------------------------------

TEST(Commands, ListFollowsNextTokenWithEncodedCidr) {
  FakeApi api;
  Json a1{{"id", "a1"}, {"cidr", "10.0.0.0/24"}, {"resource_type", "custom"}};
  Json a2{{"id", "a2"}, {"cidr", "10.0.1.0/24"}, {"resource_type", "custom"}};
  api.on("GET /v1/pools/p1/allocations?limit=1000", 200,
         {{"allocations", {a1}}, {"next_token", "10.0.0.0/24"}, {"request_id", "r1"}});
  api.on("GET /v1/pools/p1/allocations?limit=1000&next_token=10.0.0.0%2F24", 200,
         {{"allocations", {a2}}, {"next_token", nullptr}, {"request_id", "r2"}});
  Outcome r = run(api, {"alloc", "list", "p1"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(api.calls.size(), 2u);
  EXPECT_NE(r.out.find("a1  10.0.0.0/24"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("a2  10.0.1.0/24"), std::string::npos) << r.out;

  Outcome j = run(api, {"-o", "json", "alloc", "list", "p1"});
  Json merged = Json::parse(j.out);
  EXPECT_EQ(merged["allocations"].size(), 2u);
  EXPECT_TRUE(merged["next_token"].is_null());
  EXPECT_EQ(merged["request_id"], "r2");
}

TEST(Commands, LimitStopsAfterOnePageAndSaysHowToGoOn) {
  FakeApi api;
  api.on("GET /v1/pools?limit=1", 200,
         {{"pools", {{{"id", "p1"}}}}, {"next_token", "1"}, {"request_id", "r"}});
  Outcome r = run(api, {"pool", "list", "--limit", "1"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_EQ(api.calls.size(), 1u);
  EXPECT_EQ(r.err, "(more: --next-token 1)\n");
}

TEST(Commands, BodiesCarryFlagsTagsAndClientToken) {
  FakeApi api;
  api.on("POST /v1/pools", 200, {{"pool", {{"id", "p9"}}}, {"request_id", "r"}});
  Outcome r = run(api, {"pool", "create", "--scope", "s1", "--family", "ipv6", "--tag", "env=prod",
                    "--required-tag", "team=net", "--default-netmask", "56", "--auto-import",
                    "--client-token", "ct-1"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(api.bodies[0], (Json{{"scope_id", "s1"},
                                 {"address_family", "ipv6"},
                                 {"tags", {{"env", "prod"}}},
                                 {"allocation_resource_tags", {{"team", "net"}}},
                                 {"allocation_default_netmask_length", 56},
                                 {"auto_import", true},
                                 {"client_token", "ct-1"}}));
  EXPECT_EQ(r.out, "id: p9\n");

  api.on("DELETE /v1/pools/p1/cidrs?cidr=10.0.0.0%2F8", 200,
         {{"pool_cidr", {{"cidr", "10.0.0.0/8"}, {"state", "deprovisioned"}}}});
  EXPECT_EQ(run(api, {"pool", "deprovision", "p1", "--cidr", "10.0.0.0/8"}).code, kExitOk);

  api.on("POST /v1/pools/p1/allocations", 200, {{"allocation", {{"id", "a"}}}});
  r = run(api, {"alloc", "create", "p1", "--netmask", "24", "--resource-id", "vpc-1",
                "--resource-region", "eu-west-1", "--resource-tag", "env=prod"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(api.bodies.back(),
            (Json{{"netmask_length", 24},
                  {"resource", {{"id", "vpc-1"}, {"region", "eu-west-1"}, {"tags", {{"env", "prod"}}}}}}));
}

TEST(Commands, ExitCodesAndErrorLines) {
  FakeApi api;
  api.on("GET /v1/pools/nope", 404,
         {{"error",
           {{"code", "pool-not-found"},
            {"category", "not_found"},
            {"message", "pool 'nope' does not exist"},
            {"request_id", "req-9"}}}});
  api.on("DELETE /v1/pools/busy", 409,
         {{"error", {{"code", "deletion-protected"}, {"message", "m"}, {"request_id", "r"}}}});
  api.on("GET /v1/whoami", 401,
         {{"error", {{"code", "unauthenticated"}, {"message", "missing"}, {"request_id", "r"}}}});
  api.on("GET /healthz", 503, {{"status", "degraded"}});

  Outcome r = run(api, {"pool", "show", "nope"});
  EXPECT_EQ(r.code, kExitNotFound);
  EXPECT_EQ(r.err, "byoipctl: pool-not-found: pool 'nope' does not exist (request req-9)\n");
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(run(api, {"pool", "delete", "busy"}).code, kExitRefused);

  r = run(api, {"whoami"}, {});
  EXPECT_EQ(r.code, kExitDenied);
  EXPECT_NE(r.err.find("hint: no token was given"), std::string::npos) << r.err;

  r = run(api, {"health"});
  EXPECT_EQ(r.code, kExitServer);
  EXPECT_EQ(r.out, "status: degraded\n");

  api.transport_error = true;
  r = run(api, {"ipam", "list"});
  EXPECT_EQ(r.code, kExitTransport);
  EXPECT_EQ(r.err, "byoipctl: cannot reach http://x: refused\n");
}

TEST(Commands, UsageErrorsExitTwoWithoutCallingTheApi) {
  const std::vector<std::vector<std::string>> cases = {
      {},
      {"ipam"},
      {"pool", "show"},
      {"ipam", "create", "--home-region", "eu-west-1", "--tag", "novalue"},
      {"pool", "provision", "p1"},
      {"pool", "provision", "p1", "--cidr", "10.0.0.0/8", "--netmask", "16"},
      {"pool", "modify", "p1"},
      {"pool", "modify", "p1", "--default-netmask", "16", "--clear-default-netmask"},
      {"alloc", "create", "p1", "--resource-region", "eu-west-1"},
      {"-o", "yaml", "ipam", "list"},
      {"ipam", "list", "--client-token", "x"},
      {"no-such-command"},
      {"--config", "/nonexistent/c.yaml", "ipam", "list"},
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

TEST(Commands, GlobalOptionsAfterTheSubcommand) {
  FakeApi api;
  api.on("GET /v1/whoami", 200, {{"account", "222233334444"}, {"request_id", "r"}});
  Outcome r = run(api, {"whoami", "--endpoint", "http://other:9", "-o", "json", "--token", "tk"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.settings.endpoint, "http://other:9");
  EXPECT_EQ(r.settings.token, "tk");
  EXPECT_EQ(Json::parse(r.out)["request_id"], "r");
}

TEST(Commands, IpamTreeGathersScopesPoolsCidrsAndUtilization) {
  FakeApi api;
  api.on("GET /v1/ipams/ipam-01", 200,
         {{"ipam",
           {{"id", "ipam-01"}, {"home_region", "eu-west-1"}, {"tier", "free"},
            {"operating_regions", {"eu-west-1"}}}}});
  api.on("GET /v1/scopes?ipam_id=ipam-01&limit=1000", 200,
         {{"scopes", {{{"id", "s1"}, {"type", "private"}, {"is_default", true}}}},
          {"next_token", nullptr}});
  api.on("GET /v1/pools?scope_id=s1&limit=1000", 200,
         {{"pools", {pool("p1", "s1", "ipv4", nullptr, nullptr)}}, {"next_token", nullptr}});
  api.on("GET /v1/pools/p1/cidrs?limit=1000", 200,
         {{"pool_cidrs", {cidr("10.0.0.0/8", "provisioned")}}, {"next_token", nullptr}});
  api.on("GET /v1/pools/p1/utilization", 200, {{"utilization", util(50.0, "8388608")}});
  Outcome r = run(api, {"ipam", "tree", "ipam-01"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out,
            "ipam-01 (home eu-west-1, free, regions eu-west-1)\n"
            "└─ scope s1 private (default)\n"
            "   └─ p1  ipv4  locale -  10.0.0.0/8  [██████████░░░░░░░░░░]  50.0%  available 8388608\n");
  Outcome j = run(api, {"ipam", "tree", "ipam-01", "-o", "json"});
  ASSERT_EQ(j.code, kExitOk) << j.err;
  EXPECT_EQ(Json::parse(j.out)["ipams"][0]["scopes"][0]["pools"][0]["cidrs"][0]["cidr"],
            "10.0.0.0/8");
}

TEST(Commands, AlarmsAcceptTheNestedList) {
  FakeApi api;
  api.on("GET /v1/alarms", 200,
         {{"alarms",
           {{"alarms",
             {{{"key", "pool-utilization/p1"}, {"kind", "pool-utilization"},
               {"value", 87.98828125}, {"threshold", 80.0}, {"since", "t"},
               {"message", "p1 is 87.99% allocated"}}}}}}});
  Outcome r = run(api, {"alarms", "list"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out,
            "KIND              KEY                  VALUE  THRESHOLD  SINCE  MESSAGE\n"
            "pool-utilization  pool-utilization/p1  87.99         80  t      p1 is 87.99% allocated\n");
}

}  // namespace
}  // namespace byoipctl
