#include "metrics.h"

#include <charconv>
#include <cmath>

namespace byoipd::controller {

namespace {

using Label = std::pair<std::string_view, std::string>;

bool valid_metric_name(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// Accumulates the exposition text: one family at a time, HELP and TYPE
// first, then its samples.
class Exposition {
 public:
  // An empty `help` leaves out the HELP line.
  void family(std::string_view name, std::string_view type, std::string_view help) {
    if (!help.empty()) {
      out_ += "# HELP ";
      out_ += name;
      out_ += ' ';
      out_ += help;
      out_ += '\n';
    }
    out_ += "# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }

  void sample(std::string_view name, const std::vector<Label>& labels, double value) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      for (size_t i = 0; i < labels.size(); ++i) {
        if (i > 0) out_ += ',';
        out_ += labels[i].first;
        out_ += "=\"";
        out_ += prometheus_escape(labels[i].second);
        out_ += '"';
      }
      out_ += '}';
    }
    out_ += ' ';
    out_ += prometheus_number(value);
    out_ += '\n';
  }

  // _bucket (cumulative, with le), _sum and _count of one histogram.
  void histogram(std::string_view name, std::vector<Label> labels, const LatencyHistogram& h) {
    const std::string bucket = std::string(name) + "_bucket";
    uint64_t cumulative = 0;
    labels.emplace_back("le", "");
    for (size_t i = 0; i < h.counts.size(); ++i) {
      cumulative += h.counts[i];
      labels.back().second = i < kLatencyBucketsSeconds.size()
                                 ? prometheus_number(kLatencyBucketsSeconds[i])
                                 : "+Inf";
      sample(bucket, labels, static_cast<double>(cumulative));
    }
    labels.pop_back();
    sample(std::string(name) + "_sum", labels, h.sum);
    sample(std::string(name) + "_count", labels, static_cast<double>(h.count));
  }

  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

struct PoolRow {
  std::vector<Label> labels;
  ipam::PoolUtilization u;
};

std::vector<PoolRow> pool_rows(const ipam::IpamEngine& engine) {
  std::vector<PoolRow> rows;
  for (const ipam::PoolInfo& pool : engine.list_pools()) {
    auto u = engine.utilization(pool.id);
    if (!u.ok()) continue;
    rows.push_back({{{"ipam", pool.ipam_id}, {"scope", pool.scope_id}, {"pool", pool.id}}, *u});
  }
  return rows;
}

}  // namespace

void LatencyHistogram::observe(double seconds) {
  size_t i = 0;
  while (i < kLatencyBucketsSeconds.size() && !(seconds <= kLatencyBucketsSeconds[i])) ++i;
  ++counts[i];
  ++count;
  sum += seconds;
}

std::string prometheus_escape(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

std::string prometheus_number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Like Go's strconv 'g' with shortest precision (what Prometheus's own
  // clients write), but integers below 1e21 in full: fixed notation unless
  // the decimal exponent is below -4 or at least 21.
  const double magnitude = std::fabs(value);
  const auto format = magnitude != 0 && (magnitude < 1e-4 || magnitude >= 1e21)
                          ? std::chars_format::scientific
                          : std::chars_format::fixed;
  char buf[64];  // at most ~25 characters in either notation for these ranges
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, format);
  if (ec != std::errc()) return "NaN";
  return std::string(buf, end);
}

void Metrics::observe_request(const std::string& op, int http_status, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{op, http_status}];
  request_seconds_[op].observe(seconds);
}

void Metrics::observe_commit(double seconds, size_t batch_size) {
  std::lock_guard<std::mutex> lock(mu_);
  commit_seconds_.observe(seconds);
  commit_records_sum_ += static_cast<double>(batch_size);
  ++commit_count_;
}

std::string Metrics::render(const ipam::IpamEngine& engine, const AlarmBook& alarms,
                            const std::vector<std::pair<std::string, double>>& extra_gauges) const {
  Exposition x;
  {
    std::lock_guard<std::mutex> lock(mu_);
    x.family("byoipd_api_requests_total", "counter", "API requests by operation and HTTP status.");
    for (const auto& [key, n] : requests_) {
      x.sample("byoipd_api_requests_total",
               {{"op", key.first}, {"code", std::to_string(key.second)}},
               static_cast<double>(n));
    }
    x.family("byoipd_api_request_duration_seconds", "histogram",
             "API request latency by operation.");
    for (const auto& [op, h] : request_seconds_) {
      x.histogram("byoipd_api_request_duration_seconds", {{"op", op}}, h);
    }
    x.family("byoipd_store_commit_duration_seconds", "histogram",
             "Latency of one store commit (a group of journal records).");
    x.histogram("byoipd_store_commit_duration_seconds", {}, commit_seconds_);
    x.family("byoipd_store_commit_batch_records", "summary",
             "Journal records per store commit.");
    x.sample("byoipd_store_commit_batch_records_sum", {}, commit_records_sum_);
    x.sample("byoipd_store_commit_batch_records_count", {},
             static_cast<double>(commit_count_));
  }

  const std::vector<PoolRow> pools = pool_rows(engine);
  x.family("byoipd_pool_utilization_percent", "gauge",
           "Allocated share of the pool's provisioned addresses, in percent.");
  for (const PoolRow& r : pools) x.sample("byoipd_pool_utilization_percent", r.labels, r.u.percent);
  x.family("byoipd_pool_available_addresses", "gauge",
           "Provisioned addresses of the pool not allocated.");
  for (const PoolRow& r : pools) {
    x.sample("byoipd_pool_available_addresses", r.labels,
             static_cast<double>(r.u.available_addresses));
  }
  x.family("byoipd_pool_allocations", "gauge", "Allocations held in the pool.");
  for (const PoolRow& r : pools) {
    x.sample("byoipd_pool_allocations", r.labels, static_cast<double>(r.u.allocation_count));
  }

  x.family("byoipd_alarms_active", "gauge", "Alarms firing now, by kind.");
  for (std::string_view kind : {kAlarmPoolUtilization, kAlarmOverlap, kAlarmNoncompliance}) {
    x.sample("byoipd_alarms_active", {{"kind", std::string(kind)}},
             static_cast<double>(alarms.active_count(kind)));
  }
  x.family("byoipd_alarms_fired_total", "counter", "Alarms that started firing.");
  x.sample("byoipd_alarms_fired_total", {}, static_cast<double>(alarms.fired_total()));
  x.family("byoipd_alarms_resolved_total", "counter", "Alarms that cleared.");
  x.sample("byoipd_alarms_resolved_total", {}, static_cast<double>(alarms.resolved_total()));

  for (const auto& [name, value] : extra_gauges) {
    if (!valid_metric_name(name)) continue;
    x.family(name, "gauge", "");
    x.sample(name, {}, value);
  }
  return x.take();
}

}  // namespace byoipd::controller
