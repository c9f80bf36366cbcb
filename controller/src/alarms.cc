#include "alarms.h"

#include <cstdio>
#include <set>
#include <utility>

namespace byoipd::controller {

namespace {

// At most this many CIDRs are named in a scope alarm's message.
constexpr size_t kMaxNamedCidrs = 5;

// "80", "81.25", "33.33": at most two decimals, no trailing zeros.
std::string format_percent(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

std::string plural(size_t n, const char* singular, const char* plural_form) {
  return std::to_string(n) + " " + (n == 1 ? singular : plural_form);
}

AlarmCondition pool_condition(const ipam::PoolInfo& pool, const ipam::PoolUtilization& u,
                              double threshold) {
  AlarmCondition c;
  c.kind = kAlarmPoolUtilization;
  c.key = c.kind + "/" + pool.id;
  c.labels = {{"ipam", pool.ipam_id}, {"scope", pool.scope_id}, {"pool", pool.id}};
  c.value = u.percent;
  c.threshold = threshold;
  c.message = pool.id + " is " + format_percent(u.percent) + "% utilized (threshold " +
              format_percent(threshold) + "%); " + u128_to_string(u.available_addresses) +
              (u.available_addresses == 1 ? " address" : " addresses") + " available";
  return c;
}

// "vpc-a 10.0.0.0/16, vpc-b 10.0.1.0/24 (why), and 3 more"
std::string name_cidrs(const std::vector<ipam::ResourceCidr>& cidrs, bool with_reason) {
  std::string out;
  for (size_t i = 0; i < cidrs.size() && i < kMaxNamedCidrs; ++i) {
    if (i > 0) out += ", ";
    out += cidrs[i].resource_id + " " + cidrs[i].cidr.to_string();
    if (with_reason && !cidrs[i].noncompliance_reason.empty()) {
      out += " (" + cidrs[i].noncompliance_reason + ")";
    }
  }
  if (cidrs.size() > kMaxNamedCidrs) {
    out += ", and " + std::to_string(cidrs.size() - kMaxNamedCidrs) + " more";
  }
  return out;
}

AlarmCondition scope_condition(std::string_view kind, const ipam::ScopeInfo& scope,
                               const std::vector<ipam::ResourceCidr>& cidrs,
                               const char* adjective, bool with_reason) {
  AlarmCondition c;
  c.kind = kind;
  c.key = c.kind + "/" + scope.id;
  c.labels = {{"ipam", scope.ipam_id}, {"scope", scope.id}};
  c.value = static_cast<double>(cidrs.size());
  c.threshold = 0;
  c.message = "scope " + scope.id + " has " +
              plural(cidrs.size(), (std::string(adjective) + " resource CIDR").c_str(),
                     (std::string(adjective) + " resource CIDRs").c_str()) +
              ": " + name_cidrs(cidrs, with_reason);
  return c;
}

std::vector<ipam::ResourceCidr> scope_cidrs(const ipam::IpamEngine& engine,
                                            const std::string& scope_id,
                                            const ipam::ResourceFilter& filter) {
  auto r = engine.resource_cidrs(scope_id, filter);
  return r.ok() ? std::move(r).value() : std::vector<ipam::ResourceCidr>{};
}

// The resolved event's message: the condition no longer holds.
std::string resolved_message(const AlarmBook::ActiveAlarm& a) {
  auto label = [&](const char* name) {
    auto it = a.labels.find(name);
    return it == a.labels.end() ? a.key : it->second;
  };
  if (a.kind == kAlarmPoolUtilization) {
    return label("pool") + " is no longer at or above " + format_percent(a.threshold) +
           "% utilization (last seen " + format_percent(a.value) + "%)";
  }
  if (a.kind == kAlarmOverlap) {
    return "scope " + label("scope") + " has no overlapping resource CIDRs any more";
  }
  if (a.kind == kAlarmNoncompliance) {
    return "scope " + label("scope") + " has no noncompliant resource CIDRs any more";
  }
  return a.key + " cleared";
}

nlohmann::json labels_json(const AlarmLabels& labels) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [k, v] : labels) out[k] = v;
  return out;
}

}  // namespace

std::vector<AlarmCondition> evaluate_conditions(const ipam::IpamEngine& engine,
                                                double utilization_threshold) {
  std::vector<AlarmCondition> out;
  for (const ipam::PoolInfo& pool : engine.list_pools()) {
    auto u = engine.utilization(pool.id);
    if (!u.ok() || u->provisioned_addresses == 0) continue;
    if (u->percent >= utilization_threshold) {
      out.push_back(pool_condition(pool, *u, utilization_threshold));
    }
  }
  for (const ipam::ScopeInfo& scope : engine.list_scopes()) {
    ipam::ResourceFilter overlapping;
    overlapping.overlap = ipam::OverlapStatus::kOverlapping;
    auto cidrs = scope_cidrs(engine, scope.id, overlapping);
    if (!cidrs.empty()) {
      out.push_back(scope_condition(kAlarmOverlap, scope, cidrs, "overlapping", false));
    }
    ipam::ResourceFilter noncompliant;
    noncompliant.compliance = ipam::ComplianceStatus::kNoncompliant;
    cidrs = scope_cidrs(engine, scope.id, noncompliant);
    if (!cidrs.empty()) {
      out.push_back(scope_condition(kAlarmNoncompliance, scope, cidrs, "noncompliant", true));
    }
  }
  return out;
}

nlohmann::json to_json(const AlarmEvent& e) {
  return nlohmann::json{
      {"source", "byoipd"},     {"sequence", e.sequence},   {"key", e.key},
      {"kind", e.kind},         {"state", e.state},         {"labels", labels_json(e.labels)},
      {"value", e.value},       {"threshold", e.threshold}, {"message", e.message},
      {"time", e.time},
  };
}

AlarmEvent AlarmBook::make_event(const ActiveAlarm& alarm, const char* state,
                                 std::string message, const std::string& now) {
  AlarmEvent e;
  e.sequence = next_sequence_++;
  e.key = alarm.key;
  e.kind = alarm.kind;
  e.state = state;
  e.labels = alarm.labels;
  e.value = alarm.value;
  e.threshold = alarm.threshold;
  e.message = std::move(message);
  e.time = now;
  return e;
}

std::vector<AlarmEvent> AlarmBook::update(const std::vector<AlarmCondition>& active,
                                          const std::string& now) {
  std::set<std::string> present;
  for (const AlarmCondition& c : active) present.insert(c.key);

  std::vector<AlarmEvent> events;
  for (auto it = active_.begin(); it != active_.end();) {
    if (present.count(it->first) != 0) {
      ++it;
      continue;
    }
    events.push_back(make_event(it->second, "resolved", resolved_message(it->second), now));
    ++resolved_total_;
    it = active_.erase(it);
  }

  for (const AlarmCondition& c : active) {
    auto it = active_.find(c.key);
    if (it != active_.end()) {
      it->second.value = c.value;
      it->second.threshold = c.threshold;
      it->second.message = c.message;
      continue;
    }
    ActiveAlarm a{c.key, c.kind, c.labels, c.value, c.threshold, c.message, now};
    events.push_back(make_event(a, "firing", a.message, now));
    ++fired_total_;
    active_.emplace(c.key, std::move(a));
  }
  return events;
}

std::vector<AlarmBook::ActiveAlarm> AlarmBook::active() const {
  std::vector<ActiveAlarm> out;
  out.reserve(active_.size());
  for (const auto& [key, alarm] : active_) out.push_back(alarm);
  return out;
}

size_t AlarmBook::active_count(std::string_view kind) const {
  size_t n = 0;
  for (const auto& [key, alarm] : active_) n += alarm.kind == kind ? 1 : 0;
  return n;
}

nlohmann::json AlarmBook::to_json() const {
  nlohmann::json alarms = nlohmann::json::array();
  for (const auto& [key, a] : active_) {
    alarms.push_back({
        {"key", a.key},         {"kind", a.kind},     {"state", "firing"},
        {"labels", labels_json(a.labels)},            {"value", a.value},
        {"threshold", a.threshold},                   {"message", a.message},
        {"since", a.since},
    });
  }
  return nlohmann::json{{"alarms", std::move(alarms)}};
}

}  // namespace byoipd::controller
