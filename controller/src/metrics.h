// Metrics: the daemon's counters and histograms, and /metrics in the
// Prometheus text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/).
//
// Series:
//   byoipd_api_requests_total{op,code}                 counter
//   byoipd_api_request_duration_seconds{op}            histogram
//   byoipd_store_commit_duration_seconds               histogram
//   byoipd_store_commit_batch_records                  summary (sum, count)
//   byoipd_pool_utilization_percent{ipam,scope,pool}   gauge
//   byoipd_pool_available_addresses{ipam,scope,pool}   gauge
//   byoipd_pool_allocations{ipam,scope,pool}           gauge
//   byoipd_alarms_active{kind}                         gauge
//   byoipd_alarms_fired_total, byoipd_alarms_resolved_total  counters
// plus the caller's extra gauges (e.g. byoipd_up).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alarms.h"
#include "byoipd/ipam/engine.h"

namespace byoipd::controller {

// Upper bounds (seconds) of the latency histogram buckets; +Inf is implied.
inline constexpr std::array<double, 13> kLatencyBucketsSeconds = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

struct LatencyHistogram {
  // counts[i]: observations in (bound[i-1], bound[i]]; the last slot is +Inf.
  // Not cumulative; rendering accumulates.
  std::array<uint64_t, kLatencyBucketsSeconds.size() + 1> counts{};
  uint64_t count = 0;
  double sum = 0;

  void observe(double seconds);
};

// A label value escaped for the text format: \ " and newline as \\ \" \n.
std::string prometheus_escape(std::string_view value);
// A sample value: the shortest decimal that reads back as `value`, in fixed
// notation for magnitudes in [1e-4, 1e21) ("0.0005", "18446744073709551616")
// and scientific otherwise ("1.329227995784916e+36"); or NaN, +Inf, -Inf.
std::string prometheus_number(double value);

// Thread-safe: observe_* may be called from any thread, concurrently with
// render().
class Metrics {
 public:
  // One API request: its operation name, the HTTP status answered and how
  // long it took.
  void observe_request(const std::string& op, int http_status, double seconds);
  // One store commit (a group of `batch_size` journal records).
  void observe_commit(double seconds, size_t batch_size);

  // The whole exposition, ending in a newline. `extra_gauges` are emitted as
  // given (name -> value); a name that is not a valid metric name is left
  // out. REQUIRES: `engine` and `alarms` are not mutated during the call
  // (call it from the thread that owns them).
  std::string render(const ipam::IpamEngine& engine, const AlarmBook& alarms,
                     const std::vector<std::pair<std::string, double>>& extra_gauges) const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;  // (op, status) -> count
  std::map<std::string, LatencyHistogram> request_seconds_;     // op -> latencies
  LatencyHistogram commit_seconds_;
  double commit_records_sum_ = 0;
  uint64_t commit_count_ = 0;
};

}  // namespace byoipd::controller
