// /metrics: the Prometheus text exposition of counters, histograms, pool
// gauges and alarms.
#include "metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace byoipd::controller {
namespace {

// Series text ("name{labels}") -> value text, from a rendered exposition.
std::map<std::string, std::string> samples(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto space = line.rfind(' ');
    out[line.substr(0, space)] = line.substr(space + 1);
  }
  return out;
}

double value_of(const std::map<std::string, std::string>& s, const std::string& series) {
  auto it = s.find(series);
  EXPECT_NE(it, s.end()) << "missing series " << series;
  return it == s.end() ? std::nan("") : std::stod(it->second);
}

// An IPv4 pool at 75% (2 allocations, 64 free) and an IPv6 pool holding
// fd00::/8 (2^120 addresses, more than a u64 can count).
struct Estate {
  ipam::IpamEngine engine;
  ipam::IpamInfo ipam;
  ipam::PoolInfo v4, v6;
  Estate() {
    ipam = *engine.create_ipam(
        ipam::IpamSpec{"222233334444", "eu-west-1", {}, ipam::Tier::kAdvanced, "", {}});
    ipam::PoolSpec spec;
    spec.scope_id = ipam.private_default_scope_id;
    v4 = *engine.create_pool(spec);
    spec.family = Family::kV6;
    v6 = *engine.create_pool(spec);
    EXPECT_TRUE(engine.provision_cidr(v4.id, {*Prefix::parse("10.0.0.0/24"), {}, false}).ok());
    EXPECT_TRUE(engine.provision_cidr(v6.id, {*Prefix::parse("fd00::/8"), {}, false}).ok());
    for (const char* cidr : {"10.0.0.0/25", "10.0.0.128/26"}) {
      ipam::AllocationRequest req;
      req.cidr = *Prefix::parse(cidr);
      EXPECT_TRUE(engine.allocate(v4.id, req).ok());
    }
  }
  std::string labels(const ipam::PoolInfo& pool) const {
    return "{ipam=\"" + ipam.id + "\",scope=\"" + pool.scope_id + "\",pool=\"" + pool.id + "\"}";
  }
};

TEST(Metrics, PoolSeriesCarryIpamScopeAndPoolLabels) {
  Estate est;
  Metrics m;
  auto s = samples(m.render(est.engine, AlarmBook(), {}));
  EXPECT_EQ(value_of(s, "byoipd_pool_utilization_percent" + est.labels(est.v4)), 75.0);
  EXPECT_EQ(value_of(s, "byoipd_pool_available_addresses" + est.labels(est.v4)), 64.0);
  EXPECT_EQ(value_of(s, "byoipd_pool_allocations" + est.labels(est.v4)), 2.0);
  EXPECT_EQ(value_of(s, "byoipd_pool_utilization_percent" + est.labels(est.v6)), 0.0);
  EXPECT_EQ(value_of(s, "byoipd_pool_available_addresses" + est.labels(est.v6)),
            std::ldexp(1.0, 120));
  EXPECT_EQ(value_of(s, "byoipd_pool_allocations" + est.labels(est.v6)), 0.0);
}

TEST(Metrics, RequestCountsAndLatencyHistogramsAreCumulative) {
  Estate est;
  Metrics m;
  m.observe_request("CreatePool", 200, 0.003);
  m.observe_request("CreatePool", 200, 0.003);
  m.observe_request("CreatePool", 409, 0.2);
  m.observe_request("ListPools", 200, 7.0);  // beyond the last bound: +Inf only
  m.observe_commit(0.001, 10);              // on a bound: counted in it (le)
  m.observe_commit(0.02, 5);
  auto s = samples(m.render(est.engine, AlarmBook(), {}));

  EXPECT_EQ(value_of(s, "byoipd_api_requests_total{op=\"CreatePool\",code=\"200\"}"), 2);
  EXPECT_EQ(value_of(s, "byoipd_api_requests_total{op=\"CreatePool\",code=\"409\"}"), 1);
  EXPECT_EQ(value_of(s, "byoipd_api_requests_total{op=\"ListPools\",code=\"200\"}"), 1);

  struct Bucket {
    const char* series;
    double want;
  } buckets[] = {
      {"byoipd_api_request_duration_seconds_bucket{op=\"CreatePool\",le=\"0.0025\"}", 0},
      {"byoipd_api_request_duration_seconds_bucket{op=\"CreatePool\",le=\"0.005\"}", 2},
      {"byoipd_api_request_duration_seconds_bucket{op=\"CreatePool\",le=\"0.1\"}", 2},
      {"byoipd_api_request_duration_seconds_bucket{op=\"CreatePool\",le=\"0.25\"}", 3},
      {"byoipd_api_request_duration_seconds_bucket{op=\"CreatePool\",le=\"+Inf\"}", 3},
      {"byoipd_api_request_duration_seconds_count{op=\"CreatePool\"}", 3},
      {"byoipd_api_request_duration_seconds_bucket{op=\"ListPools\",le=\"5\"}", 0},
      {"byoipd_api_request_duration_seconds_bucket{op=\"ListPools\",le=\"+Inf\"}", 1},
      {"byoipd_api_request_duration_seconds_sum{op=\"ListPools\"}", 7},
      {"byoipd_store_commit_duration_seconds_bucket{le=\"0.0005\"}", 0},
      {"byoipd_store_commit_duration_seconds_bucket{le=\"0.001\"}", 1},
      {"byoipd_store_commit_duration_seconds_bucket{le=\"0.025\"}", 2},
      {"byoipd_store_commit_duration_seconds_bucket{le=\"+Inf\"}", 2},
      {"byoipd_store_commit_duration_seconds_count", 2},
      {"byoipd_store_commit_batch_records_sum", 15},
      {"byoipd_store_commit_batch_records_count", 2},
  };
  for (const Bucket& b : buckets) {
    SCOPED_TRACE(b.series);
    EXPECT_EQ(value_of(s, b.series), b.want);
  }
  EXPECT_NEAR(value_of(s, "byoipd_api_request_duration_seconds_sum{op=\"CreatePool\"}"), 0.206,
              1e-12);

  // Every histogram: 14 buckets, non-decreasing, +Inf equal to _count.
  for (const char* histogram :
       {"byoipd_api_request_duration_seconds_bucket{op=\"CreatePool\",",
        "byoipd_api_request_duration_seconds_bucket{op=\"ListPools\",",
        "byoipd_store_commit_duration_seconds_bucket{"}) {
    SCOPED_TRACE(histogram);
    const std::string prefix = histogram;
    double previous = 0;
    int n = 0;
    for (double bound : kLatencyBucketsSeconds) {
      double v = value_of(s, prefix + "le=\"" + prometheus_number(bound) + "\"}");
      EXPECT_GE(v, previous);
      previous = v;
      ++n;
    }
    EXPECT_GE(value_of(s, prefix + "le=\"+Inf\"}"), previous);
    EXPECT_EQ(n + 1, 14);
  }
}

TEST(Metrics, AlarmsAndExtraGauges) {
  Estate est;
  AlarmBook book;
  (void)book.update(evaluate_conditions(est.engine, 70.0), "2024-05-01T00:00:00Z");
  Metrics m;
  std::string text = m.render(est.engine, book, {{"byoipd_up", 1}, {"not a name", 2},
                                                 {"byoipd_journal_records", 12345}});
  auto s = samples(text);
  EXPECT_EQ(value_of(s, "byoipd_alarms_active{kind=\"pool-utilization\"}"), 1);
  EXPECT_EQ(value_of(s, "byoipd_alarms_active{kind=\"overlap\"}"), 0);
  EXPECT_EQ(value_of(s, "byoipd_alarms_active{kind=\"noncompliance\"}"), 0);
  EXPECT_EQ(value_of(s, "byoipd_alarms_fired_total"), 1);
  EXPECT_EQ(value_of(s, "byoipd_alarms_resolved_total"), 0);
  EXPECT_EQ(value_of(s, "byoipd_up"), 1);
  EXPECT_EQ(s.at("byoipd_journal_records"), "12345");
  EXPECT_NE(text.find("# TYPE byoipd_up gauge\n"), std::string::npos);
  EXPECT_EQ(text.find("not a name"), std::string::npos);
}

TEST(Metrics, LabelValuesAreEscaped) {
  struct Case {
    const char* name;
    std::string raw, want;
  } cases[] = {
      {"plain", "CreatePool", "CreatePool"},
      {"backslash", "a\\b", "a\\\\b"},
      {"double quote", "say \"hi\"", "say \\\"hi\\\""},
      {"newline", "two\nlines", "two\\nlines"},
      {"all three", "\\\"\n", "\\\\\\\"\\n"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(prometheus_escape(c.raw), c.want);
  }
  ipam::IpamEngine empty;
  Metrics m;
  m.observe_request("we\"ird\\op\nx", 500, 0.1);
  std::string text = m.render(empty, AlarmBook(), {});
  EXPECT_NE(text.find("byoipd_api_requests_total{op=\"we\\\"ird\\\\op\\nx\",code=\"500\"} 1\n"),
            std::string::npos)
      << text;
}

TEST(Metrics, SampleValuesUseShortestDecimalForm) {
  struct Case {
    double v;
    const char* want;
  } cases[] = {
      {0, "0"},          {1, "1"},         {75, "75"},
      {81.25, "81.25"},  {0.0005, "0.0005"}, {0.1, "0.1"},
      {std::ldexp(1.0, 64), "18446744073709551616"},
      {0.00001, "1e-05"},
      {std::ldexp(1.0, 120), "1.329227995784916e+36"},
      {INFINITY, "+Inf"}, {-INFINITY, "-Inf"}, {NAN, "NaN"},
  };
  for (const Case& c : cases) EXPECT_EQ(prometheus_number(c.v), c.want) << c.want;
}

TEST(Metrics, EveryLineIsACommentOrASample) {
  Estate est;
  Metrics m;
  m.observe_request("CreatePool", 200, 0.003);
  m.observe_request("odd \"op\"\n", 400, 0.003);
  m.observe_commit(0.002, 3);
  AlarmBook book;
  (void)book.update(evaluate_conditions(est.engine, 70.0), "t");
  std::string text = m.render(est.engine, book, {{"byoipd_up", 1}});
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');

  const std::regex comment(R"(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+)");
  const std::regex sample(
      R"re([a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*")re"
      R"re((,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*")*\})? ([-+]?[0-9.e+-]+|[+-]Inf|NaN))re");
  const std::regex type_line(
      R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary))");
  std::set<std::string> typed;
  std::istringstream in(text);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    SCOPED_TRACE(line);
    std::smatch match;
    if (std::regex_match(line, match, type_line)) {
      EXPECT_TRUE(typed.insert(match[1]).second) << "TYPE given twice";
    } else if (line.rfind("#", 0) == 0) {
      EXPECT_TRUE(std::regex_match(line, comment));
    } else {
      EXPECT_TRUE(std::regex_match(line, sample));
      // Each sample belongs to a family whose TYPE came before it.
      std::string name = line.substr(0, line.find_first_of("{ "));
      bool known = false;
      for (const char* suffix : {"", "_bucket", "_sum", "_count"}) {
        const std::string s = suffix;
        if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0 &&
            typed.count(name.substr(0, name.size() - s.size())) != 0) {
          known = true;
        }
      }
      EXPECT_TRUE(known) << name;
    }
  }
  EXPECT_GT(lines, 50);
}

}  // namespace
}  // namespace byoipd::controller
