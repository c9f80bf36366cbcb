// Alarms: which conditions hold now (evaluate_conditions) and which of them
// are news (AlarmBook).
//
// Both are pure: no I/O, no clock, no threads. The daemon evaluates the
// engine on its event loop every alarms.evaluate_interval_ms, feeds the
// result to its AlarmBook with the current time as RFC 3339 text, and hands
// the returned events to a WebhookNotifier.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "byoipd/ipam/engine.h"

namespace byoipd::controller {

using AlarmLabels = std::map<std::string, std::string>;

// Alarm kinds (AlarmCondition::kind).
inline constexpr std::string_view kAlarmPoolUtilization = "pool-utilization";
inline constexpr std::string_view kAlarmOverlap = "overlap";
inline constexpr std::string_view kAlarmNoncompliance = "noncompliance";

// A condition that holds now. `key` identifies it across evaluations:
//   pool-utilization/<pool id>  labels ipam, scope, pool; value = percent
//   overlap/<scope id>          labels ipam, scope; value = overlapping CIDRs
//   noncompliance/<scope id>    labels ipam, scope; value = noncompliant CIDRs
struct AlarmCondition {
  std::string key;
  std::string kind;
  AlarmLabels labels;
  double value = 0;
  double threshold = 0;  // fires at value >= threshold (utilization), > 0 (counts)
  std::string message;
};

// Every condition that is true now, pools first (in engine order), then
// per scope overlap and noncompliance. A pool fires when its utilization
// percent is >= `utilization_threshold`; a pool with nothing provisioned
// never fires. A scope fires while any of its (non-ignored) resource CIDRs
// overlaps another, or is noncompliant.
std::vector<AlarmCondition> evaluate_conditions(const ipam::IpamEngine& engine,
                                                double utilization_threshold);

// A change of alarm state, as sent to webhooks.
struct AlarmEvent {
  uint64_t sequence = 0;  // per AlarmBook, from 1, increasing
  std::string key;
  std::string kind;
  std::string state;  // "firing" | "resolved"
  AlarmLabels labels;
  // For "resolved": the last value seen while firing.
  double value = 0;
  double threshold = 0;
  std::string message;
  std::string time;  // RFC 3339, as given to AlarmBook::update
};

// The webhook body: the event's fields plus "source": "byoipd".
nlohmann::json to_json(const AlarmEvent& event);

// The set of firing alarms, de-duplicated: a condition produces one
// "firing" event when it appears and one "resolved" event when it clears,
// however many evaluations it stays true in between.
class AlarmBook {
 public:
  struct ActiveAlarm {
    std::string key;
    std::string kind;
    AlarmLabels labels;
    double value = 0;  // as of the latest evaluation
    double threshold = 0;
    std::string message;
    std::string since;  // RFC 3339 time it started firing
  };

  // `active` is the complete set of conditions true at `now` (RFC 3339).
  // Returns resolved events for keys no longer present (key order), then
  // firing events for new keys (input order). Keys still present update
  // value and message silently.
  std::vector<AlarmEvent> update(const std::vector<AlarmCondition>& active,
                                 const std::string& now);

  // Firing alarms in key order.
  std::vector<ActiveAlarm> active() const;
  // Number of firing alarms of `kind`.
  size_t active_count(std::string_view kind) const;
  uint64_t fired_total() const { return fired_total_; }
  uint64_t resolved_total() const { return resolved_total_; }

  // GET /v1/alarms: {"alarms": [{key, kind, state, labels, value, threshold,
  // message, since}, ...]}.
  nlohmann::json to_json() const;

 private:
  AlarmEvent make_event(const ActiveAlarm& alarm, const char* state, std::string message,
                        const std::string& now);

  std::map<std::string, ActiveAlarm> active_;
  uint64_t next_sequence_ = 1;
  uint64_t fired_total_ = 0;
  uint64_t resolved_total_ = 0;
};

}  // namespace byoipd::controller
