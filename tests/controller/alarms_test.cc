// Alarm conditions from the IPAM engine, and AlarmBook de-duplication.
#include "alarms.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace byoipd::controller {
namespace {

using ipam::AllocationRequest;
using ipam::IpamEngine;

Prefix P(std::string_view text) {
  auto p = Prefix::parse(text);
  EXPECT_TRUE(p.ok()) << text << ": " << p.status().to_string();
  return p.ok() ? *p : Prefix();
}

// One IPAM (eu-west-1) with a pool in the private default scope.
struct Estate {
  IpamEngine engine;
  ipam::IpamInfo ipam;
  ipam::PoolInfo pool;
  std::string scope;
  std::map<std::string, std::string> allocation_ids;  // cidr -> id

  explicit Estate(std::vector<std::string> provisioned = {"10.0.0.0/24"},
                  ipam::Guardrails guardrails = {}) {
    ipam = *engine.create_ipam(
        ipam::IpamSpec{"222233334444", "eu-west-1", {}, ipam::Tier::kAdvanced, "", {}});
    scope = ipam.private_default_scope_id;
    ipam::PoolSpec spec;
    spec.scope_id = scope;
    spec.locale = "eu-west-1";
    spec.guardrails = std::move(guardrails);
    pool = *engine.create_pool(spec);
    for (const std::string& cidr : provisioned) {
      auto r = engine.provision_cidr(pool.id, ipam::ProvisionRequest{P(cidr), {}, false});
      EXPECT_TRUE(r.ok()) << r.status().to_string();
    }
  }

  void reserve(const std::string& cidr) {
    AllocationRequest req;
    req.cidr = P(cidr);
    auto a = engine.allocate(pool.id, req);
    ASSERT_TRUE(a.ok()) << a.status().to_string();
    allocation_ids[cidr] = a->id;
  }
  void release(const std::string& cidr) {
    Status st = engine.release_allocation(pool.id, allocation_ids.at(cidr));
    ASSERT_TRUE(st.ok()) << st.to_string();
    allocation_ids.erase(cidr);
  }
  double percent() const { return engine.utilization(pool.id)->percent; }
};

ipam::ResourceRef vpc(std::string id, ipam::Tags tags = {}) {
  return ipam::ResourceRef{ipam::AllocationType::kVpc, std::move(id), "555566667777",
                           "eu-west-1", std::move(tags)};
}

std::vector<std::string> states(const std::vector<AlarmEvent>& events) {
  std::vector<std::string> out;
  for (const AlarmEvent& e : events) out.push_back(e.state + " " + e.key);
  return out;
}

const AlarmCondition* find_kind(const std::vector<AlarmCondition>& conds, std::string_view kind) {
  for (const AlarmCondition& c : conds) {
    if (c.kind == kind) return &c;
  }
  return nullptr;
}

TEST(AlarmConditions, PoolUtilizationFiresOnceAtTheCrossingAndOnceWhenItClears) {
  Estate est;
  AlarmBook book;
  const std::string key = "pool-utilization/" + est.pool.id;
  struct Step {
    const char* name;
    std::vector<std::string> reserve;
    std::vector<std::string> release;
    double want_percent;
    std::vector<std::string> want_events;
  } steps[] = {
      {"75% stays quiet", {"10.0.0.0/25", "10.0.0.128/26"}, {}, 75.0, {}},
      {"81.25% crosses", {"10.0.0.192/28"}, {}, 81.25, {"firing " + key}},
      {"still above, value changes", {"10.0.0.208/28"}, {}, 87.5, {}},
      {"still above, no change", {}, {}, 87.5, {}},
      {"back to 81.25%", {}, {"10.0.0.208/28"}, 81.25, {}},
      {"75% clears", {}, {"10.0.0.192/28"}, 75.0, {"resolved " + key}},
      {"stays below", {}, {}, 75.0, {}},
      {"second crossing fires again", {"10.0.0.192/28"}, {}, 81.25, {"firing " + key}},
  };
  int t = 0;
  for (const Step& step : steps) {
    SCOPED_TRACE(step.name);
    for (const auto& c : step.reserve) est.reserve(c);
    for (const auto& c : step.release) est.release(c);
    ASSERT_DOUBLE_EQ(est.percent(), step.want_percent);
    auto events = book.update(evaluate_conditions(est.engine, 80.0),
                              "2024-05-01T00:00:0" + std::to_string(t++) + "Z");
    EXPECT_EQ(states(events), step.want_events);
  }
  EXPECT_EQ(book.fired_total(), 2u);
  EXPECT_EQ(book.resolved_total(), 1u);
  ASSERT_EQ(book.active().size(), 1u);
  EXPECT_EQ(book.active()[0].since, "2024-05-01T00:00:07Z");
}

TEST(AlarmConditions, PoolConditionCarriesLabelsValueAndAMessageNamingThePool) {
  Estate est;
  for (const char* c : {"10.0.0.0/25", "10.0.0.128/26", "10.0.0.192/28"}) est.reserve(c);
  auto conds = evaluate_conditions(est.engine, 80.0);
  ASSERT_EQ(conds.size(), 1u);
  const AlarmCondition& c = conds[0];
  EXPECT_EQ(c.kind, "pool-utilization");
  EXPECT_EQ(c.key, "pool-utilization/" + est.pool.id);
  EXPECT_EQ(c.labels, (AlarmLabels{{"ipam", est.ipam.id}, {"scope", est.scope},
                                   {"pool", est.pool.id}}));
  EXPECT_DOUBLE_EQ(c.value, 81.25);
  EXPECT_DOUBLE_EQ(c.threshold, 80.0);
  EXPECT_EQ(c.message,
            est.pool.id + " is 81.25% utilized (threshold 80%); 48 addresses available");
}

TEST(AlarmConditions, ThresholdIsInclusive) {
  // 10.0.0.0/26 + 10.0.1.0/28 = 80 addresses; the /26 allocated = exactly 80%.
  struct Case {
    const char* name;
    double threshold;
    bool fires;
  } cases[] = {
      {"exactly at the threshold", 80.0, true},
      {"just below the threshold", 79.99, true},
      {"just above the threshold", 80.01, false},
      {"100% threshold", 100.0, false},
  };
  Estate est({"10.0.0.0/26", "10.0.1.0/28"});
  est.reserve("10.0.0.0/26");
  ASSERT_DOUBLE_EQ(est.percent(), 80.0);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(evaluate_conditions(est.engine, c.threshold).size(), c.fires ? 1u : 0u);
  }
}

TEST(AlarmConditions, PoolWithNothingProvisionedNeverFires) {
  Estate est(std::vector<std::string>{});
  EXPECT_TRUE(evaluate_conditions(est.engine, 0.0).empty());
}

TEST(AlarmConditions, OverlapAppearsAndResolvesWhenOneCidrIsRemoved) {
  Estate est;
  AlarmBook book;
  ASSERT_TRUE(est.engine.register_resource(est.scope, vpc("vpc-a"), P("172.16.0.0/16")).ok());
  EXPECT_TRUE(book.update(evaluate_conditions(est.engine, 80.0), "t1").empty());

  ASSERT_TRUE(est.engine.register_resource(est.scope, vpc("vpc-b"), P("172.16.4.0/24")).ok());
  auto conds = evaluate_conditions(est.engine, 80.0);
  const AlarmCondition* overlap = find_kind(conds, "overlap");
  ASSERT_NE(overlap, nullptr);
  EXPECT_EQ(overlap->key, "overlap/" + est.scope);
  EXPECT_EQ(overlap->labels, (AlarmLabels{{"ipam", est.ipam.id}, {"scope", est.scope}}));
  EXPECT_DOUBLE_EQ(overlap->value, 2.0);
  EXPECT_NE(overlap->message.find("vpc-a 172.16.0.0/16"), std::string::npos) << overlap->message;
  EXPECT_NE(overlap->message.find("vpc-b 172.16.4.0/24"), std::string::npos) << overlap->message;
  EXPECT_EQ(states(book.update(conds, "t2")),
            std::vector<std::string>{"firing overlap/" + est.scope});
  EXPECT_TRUE(book.update(evaluate_conditions(est.engine, 80.0), "t3").empty());

  ASSERT_TRUE(est.engine.remove_resource_cidr(est.scope, "vpc-b", P("172.16.4.0/24")).ok());
  EXPECT_EQ(states(book.update(evaluate_conditions(est.engine, 80.0), "t4")),
            std::vector<std::string>{"resolved overlap/" + est.scope});
  EXPECT_TRUE(book.active().empty());
}

TEST(AlarmConditions, NoncomplianceAppearsAndResolvesWhenTheResourceGoes) {
  ipam::Guardrails g;
  g.required_tags = {{"Environment", "prod"}};
  Estate est({"10.0.0.0/16"}, g);
  AlarmBook book;
  auto r = est.engine.import_resource(est.pool.id, vpc("vpc-x"), P("10.0.1.0/24"));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ(r->compliance, ipam::ComplianceStatus::kNoncompliant);

  auto conds = evaluate_conditions(est.engine, 80.0);
  ASSERT_EQ(conds.size(), 1u);
  EXPECT_EQ(conds[0].key, "noncompliance/" + est.scope);
  EXPECT_DOUBLE_EQ(conds[0].value, 1.0);
  EXPECT_NE(conds[0].message.find("1 noncompliant resource CIDR: vpc-x 10.0.1.0/24 ("),
            std::string::npos)
      << conds[0].message;
  EXPECT_NE(conds[0].message.find("Environment"), std::string::npos) << conds[0].message;
  EXPECT_EQ(states(book.update(conds, "t1")),
            std::vector<std::string>{"firing noncompliance/" + est.scope});

  ASSERT_TRUE(est.engine.remove_resource("vpc-x").ok());
  auto events = book.update(evaluate_conditions(est.engine, 80.0), "t2");
  EXPECT_EQ(states(events), std::vector<std::string>{"resolved noncompliance/" + est.scope});
}

TEST(AlarmConditions, ScopeMessageNamesAtMostFiveCidrs) {
  Estate est;
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(est.engine
                    .register_resource(est.scope, vpc("vpc-" + std::to_string(i)),
                                       P("172.16.0.0/16"))
                    .ok());
  }
  auto conds = evaluate_conditions(est.engine, 80.0);
  const AlarmCondition* overlap = find_kind(conds, "overlap");
  ASSERT_NE(overlap, nullptr);
  EXPECT_DOUBLE_EQ(overlap->value, 7.0);
  EXPECT_NE(overlap->message.find("7 overlapping resource CIDRs"), std::string::npos);
  EXPECT_NE(overlap->message.find(", and 2 more"), std::string::npos) << overlap->message;
}

// AlarmBook alone: sets of active keys in, events out.
AlarmCondition cond(const std::string& key, double value = 1) {
  return AlarmCondition{key, "overlap", {{"scope", key}}, value, 0, key + " is on", };
}

TEST(AlarmBook, EmitsOnlyTransitions) {
  struct Step {
    const char* name;
    std::vector<std::string> active;
    std::vector<std::string> want;
  } steps[] = {
      {"nothing", {}, {}},
      {"a appears", {"a"}, {"firing a"}},
      {"a stays", {"a"}, {}},
      {"b joins", {"a", "b"}, {"firing b"}},
      {"a clears", {"b"}, {"resolved a"}},
      {"b clears, c appears", {"c"}, {"resolved b", "firing c"}},
      {"all clear", {}, {"resolved c"}},
      {"a again", {"a"}, {"firing a"}},
  };
  AlarmBook book;
  uint64_t last_sequence = 0;
  for (const Step& step : steps) {
    SCOPED_TRACE(step.name);
    std::vector<AlarmCondition> active;
    for (const auto& k : step.active) active.push_back(cond(k));
    auto events = book.update(active, "now");
    EXPECT_EQ(states(events), step.want);
    for (const AlarmEvent& e : events) {
      EXPECT_GT(e.sequence, last_sequence);
      last_sequence = e.sequence;
    }
    EXPECT_EQ(book.active().size(), step.active.size());
  }
  EXPECT_EQ(book.fired_total(), 4u);
  EXPECT_EQ(book.resolved_total(), 3u);
}

TEST(AlarmBook, TracksValueSilentlyAndReportsTheLastOnResolve) {
  AlarmBook book;
  ASSERT_EQ(book.update({cond("k", 2)}, "2024-05-01T00:00:00Z").size(), 1u);
  EXPECT_TRUE(book.update({cond("k", 5)}, "2024-05-01T00:00:01Z").empty());
  ASSERT_EQ(book.active().size(), 1u);
  EXPECT_DOUBLE_EQ(book.active()[0].value, 5.0);
  EXPECT_EQ(book.active()[0].since, "2024-05-01T00:00:00Z");
  EXPECT_EQ(book.active_count("overlap"), 1u);
  EXPECT_EQ(book.active_count("noncompliance"), 0u);

  auto events = book.update({}, "2024-05-01T00:00:02Z");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].state, "resolved");
  EXPECT_DOUBLE_EQ(events[0].value, 5.0);
  EXPECT_EQ(events[0].time, "2024-05-01T00:00:02Z");
  EXPECT_EQ(events[0].message, "scope k has no overlapping resource CIDRs any more");
}

TEST(AlarmBook, JsonForTheApiAndTheWebhook) {
  AlarmBook book;
  AlarmCondition c{"pool-utilization/p1", "pool-utilization",
                   {{"ipam", "i1"}, {"scope", "s1"}, {"pool", "p1"}},
                   90, 80, "p1 is 90% utilized", };
  auto events = book.update({c}, "2024-05-01T00:00:00Z");
  ASSERT_EQ(events.size(), 1u);
  nlohmann::json body = to_json(events[0]);
  EXPECT_EQ(body["source"], "byoipd");
  EXPECT_EQ(body["sequence"], 1);
  EXPECT_EQ(body["key"], "pool-utilization/p1");
  EXPECT_EQ(body["kind"], "pool-utilization");
  EXPECT_EQ(body["state"], "firing");
  EXPECT_EQ(body["labels"]["pool"], "p1");
  EXPECT_EQ(body["value"], 90.0);
  EXPECT_EQ(body["threshold"], 80.0);
  EXPECT_EQ(body["message"], "p1 is 90% utilized");
  EXPECT_EQ(body["time"], "2024-05-01T00:00:00Z");

  nlohmann::json api = book.to_json();
  ASSERT_EQ(api["alarms"].size(), 1u);
  EXPECT_EQ(api["alarms"][0]["key"], "pool-utilization/p1");
  EXPECT_EQ(api["alarms"][0]["state"], "firing");
  EXPECT_EQ(api["alarms"][0]["since"], "2024-05-01T00:00:00Z");
  EXPECT_EQ(api["alarms"][0]["labels"]["scope"], "s1");

  auto resolved = book.update({}, "2024-05-01T00:01:00Z");
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_EQ(resolved[0].message, "p1 is no longer at or above 80% utilization (last seen 90%)");
  EXPECT_EQ(book.to_json(), (nlohmann::json{{"alarms", nlohmann::json::array()}}));
}

}  // namespace
}  // namespace byoipd::controller
