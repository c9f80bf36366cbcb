#include "byoipd/rpki/validator.h"

#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <future>
#include <set>
#include <thread>

#include "byoipd/rpki/fetch.h"
#include "byoipd/rpki/slurm.h"
#include "byoipd/rpki/vrp_json.h"
#include "rtr_session.h"

namespace byoipd::rpki {

namespace {

using SystemClock = std::chrono::system_clock;
using Steady = std::chrono::steady_clock;

}  // namespace

class Validator::Impl {
 public:
  explicit Impl(RpkiConfig config)
      : config_(std::move(config)), work_(asio::make_work_guard(ioc_)), slurm_timer_(ioc_),
        staleness_timer_(ioc_) {
    SourceId next = 1;
    for (const auto& c : config_.rtr) {
      SourceId id = next++;
      rtr_.push_back(std::make_unique<RtrSession>(
          ioc_, c, id, [this, id](const rtr::ApplyVrps* apply) { on_rtr(id, apply); }));
    }
    for (const auto& c : config_.json) {
      json_.push_back(std::make_unique<JsonSource>(c, next++, ioc_));
    }
    slurm_source_ = next;
  }

  ~Impl() {
    if (!thread_.joinable()) return;
    asio::post(ioc_, [this]() {
      stopping_ = true;
      rtr_.clear();
      for (auto& j : json_) j->timer.cancel();
      slurm_timer_.cancel();
      staleness_timer_.cancel();
      work_.reset();
      ioc_.stop();
    });
    thread_.join();
    fetchers_.join();
  }

  void run() {
    thread_ = std::thread([this]() {
      for (auto& s : rtr_) s->start();
      for (auto& j : json_) fetch_json(*j);
      if (!config_.slurm.empty()) fetch_slurm();
      watch_staleness();
      ioc_.run();
    });
  }

  template <typename Fn>
  auto call(Fn fn) const -> decltype(fn()) {
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto result = task.get_future();
    asio::post(const_cast<asio::io_context&>(ioc_), [&task]() { task(); });
    return result.get();
  }

  struct JsonSource {
    JsonSource(JsonSourceConfig c, SourceId id, asio::io_context& ioc)
        : config(std::move(c)), source(id), timer(ioc) {}
    JsonSourceConfig config;
    SourceId source;
    asio::steady_timer timer;
    std::vector<Vrp> vrps;
    std::string etag, last_modified;
    std::optional<Steady::time_point> last_good;
    std::optional<SystemClock::time_point> last_update;
    std::string last_error;
    bool fetched_once = false;
    bool stale(Steady::time_point now) const {
      return last_good && now - *last_good > std::chrono::seconds(config.expire_seconds);
    }
  };

  // ---- JSON files and SLURM: fetched and parsed on the worker ------------------

  void fetch_json(JsonSource& j) {
    FetchRequest request;
    request.location = j.config.location;
    request.etag = j.etag;
    request.last_modified = j.last_modified;
    request.timeout_ms = static_cast<long>(j.config.timeout_seconds) * 1000;
    request.max_bytes = j.config.max_bytes;
    asio::post(fetchers_, [this, &j, request]() {
      auto fetched = fetch(request);
      std::optional<Result<VrpFile>> parsed;
      if (fetched.ok() && !fetched->not_modified) {
        parsed.emplace(parse_vrp_json(fetched->body, j.source));
      }
      asio::post(ioc_, [this, &j, fetched = std::move(fetched), parsed = std::move(parsed)]() {
        if (stopping_) return;
        on_json(j, fetched, parsed);
      });
    });
  }

  void on_json(JsonSource& j, const Result<Fetched>& fetched,
               const std::optional<Result<VrpFile>>& parsed) {
    j.fetched_once = true;
    if (!fetched.ok()) {
      j.last_error = fetched.status().message();
      spdlog::warn("rpki: {}: {}; keeping the last good set", j.config.name, j.last_error);
    } else if (fetched->not_modified) {
      j.last_good = Steady::now();
      j.last_error.clear();
    } else if (!parsed->ok()) {
      // A malformed file keeps the last good set and raises an error.
      j.last_error = parsed->status().message();
      spdlog::error("rpki: {}: {}; keeping the last good set ({} VRPs)", j.config.name,
                    j.last_error, j.vrps.size());
    } else {
      const VrpFile& file = **parsed;
      for (const auto& finding : file.skipped) {
        spdlog::warn("rpki: {}: skipped {}", j.config.name, finding.to_string());
      }
      if (file.skipped_count > file.skipped.size()) {
        spdlog::warn("rpki: {}: {} more entries skipped", j.config.name,
                     file.skipped_count - file.skipped.size());
      }
      j.vrps = file.vrps;
      j.etag = fetched->etag;
      j.last_modified = fetched->last_modified;
      j.last_good = Steady::now();
      j.last_update = SystemClock::now();
      j.last_error = file.skipped_count ? std::to_string(file.skipped_count) +
                                              " malformed entries skipped (see the log)"
                                        : "";
      spdlog::info("rpki: {}: {} VRPs from {} ({})", j.config.name, j.vrps.size(),
                   j.config.location, vrp_format_name(file.format));
      republish();
    }
    j.timer.expires_after(std::chrono::seconds(j.config.refresh_seconds));
    j.timer.async_wait([this, &j](const boost::system::error_code& ec) {
      if (!ec && !stopping_) fetch_json(j);
    });
  }

  void fetch_slurm() {
    FetchRequest request;
    request.location = config_.slurm;
    request.last_modified = slurm_stamp_;
    request.etag = slurm_etag_;
    asio::post(fetchers_, [this, request]() {
      auto fetched = fetch(request);
      std::optional<Result<Slurm>> parsed;
      if (fetched.ok() && !fetched->not_modified) parsed.emplace(parse_slurm(fetched->body));
      asio::post(ioc_, [this, fetched = std::move(fetched), parsed = std::move(parsed)]() {
        if (stopping_) return;
        if (!fetched.ok()) {
          slurm_error_ = fetched.status().message();
          spdlog::warn("rpki: SLURM: {}; keeping the last good one", slurm_error_);
        } else if (parsed && !parsed->ok()) {
          slurm_error_ = parsed->status().message();
          spdlog::error("rpki: SLURM {}: {}; keeping the last good one", config_.slurm,
                        slurm_error_);
        } else if (parsed) {
          slurm_ = **parsed;
          slurm_stamp_ = fetched->last_modified;
          slurm_etag_ = fetched->etag;
          slurm_update_ = SystemClock::now();
          slurm_error_.clear();
          spdlog::info("rpki: SLURM {}: {} prefix filters, {} prefix assertions", config_.slurm,
                       slurm_->prefix_filters.size(), slurm_->prefix_assertions.size());
          republish();
        }
        slurm_timer_.expires_after(std::chrono::seconds(config_.slurm_refresh_seconds));
        slurm_timer_.async_wait([this](const boost::system::error_code& ec) {
          if (!ec && !stopping_) fetch_slurm();
        });
      });
    });
  }

  // ---- merging -------------------------------------------------------------------

  // An RTR update changes the published table in place when it can: the
  // table is copied (its base is shared) and the update applied, so a
  // Serial Notify for a few VRPs costs a few VRPs, not a rebuild. Full
  // sets, staleness changes and inconsistencies take the full rebuild.
  void on_rtr(SourceId id, const rtr::ApplyVrps* apply) {
    if (apply && id != selected_rtr_ && selected_rtr_ != 0) {
      // A backup cache's update changes nothing published, unless it is
      // now preferred over the selected one (RFC 8210 section 10).
      if (!preferred_over_selected(id)) return;
      republish();
      return;
    }
    if (apply && apply->kind == rtr::ApplyVrps::kDelta && !stale_.load() && published_) {
      if (apply->announced.empty() && apply->withdrawn.empty()) return;
      if (apply_delta(id, *apply)) return;
    }
    republish();
  }

  bool preferred_over_selected(SourceId id) const {
    const RtrSession* candidate = nullptr;
    const RtrSession* current = nullptr;
    for (const auto& s : rtr_) {
      if (s->source() == id) candidate = s.get();
      if (s->source() == selected_rtr_) current = s.get();
    }
    if (!candidate || !current) return true;
    return candidate->config().preference < current->config().preference;
  }

  bool filtered(const Vrp& v) const {
    if (!slurm_) return false;
    for (const auto& f : slurm_->prefix_filters) {
      if (f.matches(v)) return true;
    }
    return false;
  }

  bool apply_delta(SourceId id, const rtr::ApplyVrps& apply) {
    auto current = store_.current();
    if (!current) return false;
    VrpTable next(*current);
    for (Vrp v : apply.withdrawn) {
      v.source = id;
      if (filtered(v)) continue;
      if (!next.remove(v).ok()) return false;
    }
    for (Vrp v : apply.announced) {
      v.source = id;
      if (filtered(v)) continue;
      if (!next.add(v).ok()) return false;
    }
    store_.swap(std::make_shared<const VrpTable>(std::move(next)));
    ++version_;
    published_ = SystemClock::now();
    return true;
  }

  // Rebuilds the merged table from every source that is not past expire
  // (all of them when every one is: the last data stays, marked stale).
  // Which sources are past expire now; a change (a JSON source that stopped
  // refreshing, say) rebuilds the table without waiting for new data.
  std::vector<bool> stale_pattern() const {
    auto now = Steady::now();
    std::vector<bool> out;
    for (const auto& s : rtr_) out.push_back(s->client().stale());
    for (const auto& j : json_) out.push_back(j->stale(now));
    return out;
  }

  void watch_staleness() {
    staleness_timer_.expires_after(std::chrono::seconds(1));
    staleness_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || stopping_) return;
      if (stale_pattern() != published_pattern_) republish();
      watch_staleness();
    });
  }

  // Builds the table from the selected RTR cache's set and the fresh JSON
  // sources, with SLURM on top. The common case, one RTR cache and nothing
  // else, builds straight from the client's sorted set: no copy, no sort.
  void republish() {
    auto now = Steady::now();
    published_pattern_ = stale_pattern();
    bool any_fresh = false, any_data = false;
    // RFC 8210 section 10: of the RTR caches, the most preferred one with
    // fresh data (lowest preference, then config order) supplies the VRPs;
    // the others stay synced for failover.
    selected_rtr_ = 0;
    const RtrSession* selected = nullptr;
    for (auto& s : rtr_) {
      const rtr::Client& c = s->client();
      if (!c.last_sync() || c.stale()) continue;
      if (!selected || s->config().preference < selected->config().preference) selected = s.get();
    }
    if (selected) {
      selected_rtr_ = selected->source();
      any_data = any_fresh = true;
    }
    for (auto& s : rtr_) {
      // Caches with data but none fresh still count towards "stale".
      if (s->client().last_sync()) any_data = true;
    }
    std::vector<const JsonSource*> fresh_json;
    for (auto& j : json_) {
      if (!j->last_good) continue;
      any_data = true;
      if (j->stale(now)) continue;
      any_fresh = true;
      fresh_json.push_back(j.get());
    }
    if (any_data && !any_fresh) {
      if (stale_.exchange(true)) return;
      spdlog::error("rpki: every source is past its expire interval: RPKI state is stale, "
                    "nothing can be proven Valid");
      return;  // keep the last published table
    }
    stale_.store(false);
    SlurmApplied applied;
    Result<VrpTable> built = VrpTable();
    if (selected && fresh_json.empty() && !slurm_) {
      built = VrpTable::build(selected->client().vrps(), selected->source());
    } else {
      std::vector<Vrp> all;
      if (selected) all = selected->client().vrps().to_vrps(selected->source());
      for (const JsonSource* j : fresh_json) all.insert(all.end(), j->vrps.begin(), j->vrps.end());
      if (slurm_) applied = apply_slurm(*slurm_, all, slurm_source_);
      built = VrpTable::build(std::move(all));
    }
    if (!built.ok()) {
      spdlog::error("rpki: cannot build the VRP table: {}", built.status().message());
      return;
    }
    size_t count = built->size();
    store_.swap(std::make_shared<const VrpTable>(std::move(*built)));
    // A SLURM file alone counts only when it is the only source configured.
    synced_.store(any_data || (slurm_.has_value() && rtr_.empty() && json_.empty()));
    ++version_;
    published_ = SystemClock::now();
    slurm_applied_ = applied;
    spdlog::debug("rpki: published table {} with {} VRPs", version_, count);
  }

  RpkiStatus status() const {
    RpkiStatus out;
    auto now = Steady::now();
    out.state = stale_.load() ? "stale" : synced_.load() ? "ok" : "syncing";
    for (const auto& s : rtr_) {
      SourceStatus st;
      const rtr::Client& c = s->client();
      st.name = s->config().name;
      st.kind = "rtr";
      st.location = s->config().address.to_string() + ":" + std::to_string(s->config().port);
      st.state = std::string(rtr::state_name(c.state()));
      st.session_id = c.session_id();
      st.serial = c.serial();
      if (c.version_agreed()) st.version = c.version();
      st.selected = s->source() == selected_rtr_;
      st.last_update = s->last_update();
      st.vrps_v4 = c.vrps().v4_size();
      st.vrps_v6 = c.vrps().v6_size();
      st.stale = c.stale();
      st.last_error = s->last_error();
      if (st.last_error.empty() && c.last_error() && c.state() != rtr::State::kEstablished) {
        st.last_error = *c.last_error();
      }
      out.sources.push_back(std::move(st));
    }
    for (const auto& j : json_) {
      SourceStatus st;
      st.name = j->config.name;
      st.kind = "json";
      st.location = j->config.location;
      st.state = !j->fetched_once ? "pending" : j->last_error.empty() ? "ok" : "error";
      if (j->last_good && !j->last_error.empty() && j->last_error.find("skipped") != std::string::npos) {
        st.state = "ok";
      }
      st.last_update = j->last_update;
      for (const auto& v : j->vrps) (v.prefix.family() == Family::kV4 ? st.vrps_v4 : st.vrps_v6)++;
      st.stale = j->stale(now);
      st.last_error = j->last_error;
      out.sources.push_back(std::move(st));
    }
    if (!config_.slurm.empty()) {
      SourceStatus st;
      st.name = "slurm";
      st.kind = "slurm";
      st.location = config_.slurm;
      st.state = slurm_ ? (slurm_error_.empty() ? "ok" : "error") : "pending";
      st.last_update = slurm_update_;
      if (slurm_) {
        for (const auto& a : slurm_->prefix_assertions) {
          (a.prefix.family() == Family::kV4 ? st.vrps_v4 : st.vrps_v6)++;
        }
      }
      st.last_error = slurm_error_;
      out.sources.push_back(std::move(st));
    }
    auto table = store_.current();
    out.vrps = table ? table->size() : 0;
    out.table_bytes = table ? table->memory_bytes() : 0;
    out.table_version = version_;
    out.published = published_;
    out.slurm_filtered = slurm_applied_.filtered;
    out.slurm_added = slurm_applied_.added;
    return out;
  }

  RpkiConfig config_;
  asio::io_context ioc_{1};
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  asio::thread_pool fetchers_{1};
  std::vector<std::unique_ptr<RtrSession>> rtr_;
  std::vector<std::unique_ptr<JsonSource>> json_;
  SourceId slurm_source_ = 0;
  std::optional<Slurm> slurm_;
  std::string slurm_stamp_, slurm_etag_, slurm_error_;
  std::optional<SystemClock::time_point> slurm_update_;
  SlurmApplied slurm_applied_;
  asio::steady_timer slurm_timer_;
  asio::steady_timer staleness_timer_;
  std::vector<bool> published_pattern_;
  SourceId selected_rtr_ = 0;  // the RTR cache whose VRPs are published (0: none)
  VrpStore store_;
  std::atomic<bool> stale_{false};
  std::atomic<bool> synced_{false};
  uint64_t version_ = 0;
  std::optional<SystemClock::time_point> published_;
  bool stopping_ = false;
  std::thread thread_;
};

Result<std::unique_ptr<Validator>> Validator::start(RpkiConfig config) {
  if (Status st = validate(config); !st.ok()) return st;
  auto impl = std::make_unique<Impl>(std::move(config));
  impl->run();
  return std::unique_ptr<Validator>(new Validator(std::move(impl)));
}

Validator::Validator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Validator::~Validator() = default;

std::shared_ptr<const VrpTable> Validator::table() const { return impl_->store_.current(); }
bool Validator::stale() const { return impl_->stale_.load(); }
bool Validator::synced() const { return impl_->synced_.load(); }
RpkiStatus Validator::status() const {
  return impl_->call([impl = impl_.get()]() { return impl->status(); });
}

}  // namespace byoipd::rpki
