// startup_bench: byoipd start-up time with 1,000,000 allocations in the store.
//
// Builds state directories the way the daemon would have written them, but
// without HTTP: the same commands (initialize_state, delegate_admin,
// create_ipam, create_pool, provision_cidr 10.0.0.0/8, then one allocate of a
// /28 per allocation) go through IpamService::execute, their
// journal records ({"op","by","args"}, as daemon.cc journals them) are
// appended to a SQLite store in batches, and snapshots of
// IpamService::snapshot() are written every 100,000 records (the default
// store.snapshot_every). Two directories hold the same 1M allocations:
//
//   snapshot          the newest snapshot covers every record (the state after
//                     a SIGTERM, or right after a periodic snapshot);
//   snapshot+journal  the newest snapshot is 100,000 records old, so start-up
//                     replays 100,000 journal records (the worst case with the
//                     default snapshot_every).
//
// An empty store is measured too, as the floor (exec, config, SQLite open).
//
// Start-up is timed from fork() to byoipd's "listening" line, median of the
// runs; the load part (restore + replay) is what byoipd logs. Each case runs
// with the store's pages in the page cache (warm) and after evicting the
// state files from it with posix_fadvise(DONTNEED) (cold; the binary and its
// libraries stay cached). VmRSS and VmHWM are read once the daemon listens;
// then it gets SIGKILL, not SIGTERM, since a clean shutdown would snapshot
// and so change the second case into the first. Every start is checked:
// the pool's allocation_count must be the number built.
//
// Usage: startup_bench [--quick] [--byoipd=PATH] [--dir=PARENT] [--runs=N]
//                      [--allocations=N] [--journal=N] [--keep]
//   --quick          20,000 allocations, 2,000 journal records, for smoke runs
//   --allocations=N  allocations in the store (default 1,000,000)
//   --journal=N      journal records after the snapshot (default 100,000)
//   --runs=N         starts per case and cache state (default 3)
//   --keep           keep the state directories (e.g. to profile byoipd)
// Exits 1 on any error or failed check; otherwise 0 whether or not the target
// is met.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "byoipd/controller/config.h"
#include "byoipd/controller/store.h"
#include "daemon_harness.h"
#include "service.h"

using namespace byoipd;
using namespace byoipd::bench;
using namespace byoipd::controller;
using Clock = std::chrono::steady_clock;

namespace {

// The target.
constexpr double kTargetStartupSeconds = 3.0;
// The daemon's default store.snapshot_every.
constexpr uint64_t kSnapshotEvery = 100000;
// Journal records per store transaction while building.
constexpr size_t kAppendBatch = 10000;

struct Options {
  std::string byoipd;
  std::string dir;
  uint64_t allocations = 1000000;
  uint64_t journal = 100000;
  int runs = 3;
  bool keep = false;
};

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* flag) { return a.substr(std::strlen(flag)); };
    if (a == "--quick") {
      o.allocations = 20000;
      o.journal = 2000;
    } else if (a == "--keep") {
      o.keep = true;
    } else if (a.rfind("--byoipd=", 0) == 0) {
      o.byoipd = value("--byoipd=");
    } else if (a.rfind("--dir=", 0) == 0) {
      o.dir = value("--dir=");
    } else if (a.rfind("--runs=", 0) == 0) {
      o.runs = std::max(1, std::atoi(value("--runs=").c_str()));
    } else if (a.rfind("--allocations=", 0) == 0) {
      o.allocations = std::strtoull(value("--allocations=").c_str(), nullptr, 10);
    } else if (a.rfind("--journal=", 0) == 0) {
      o.journal = std::strtoull(value("--journal=").c_str(), nullptr, 10);
    } else {
      std::fprintf(stderr,
                   "usage: startup_bench [--quick] [--byoipd=PATH] [--dir=PARENT] [--runs=N] "
                   "[--allocations=N] [--journal=N] [--keep]\n");
      std::exit(2);
    }
  }
  // 10.0.0.0/8 holds 2^20 /28s.
  if (o.allocations > (1u << 20) || o.journal > o.allocations) {
    std::fprintf(stderr, "startup_bench: need journal <= allocations <= 1048576\n");
    std::exit(2);
  }
  o.byoipd = default_byoipd_path(o.byoipd);
  return o;
}

[[noreturn]] void fail(const std::string& what) {
  std::fflush(stdout);
  std::fprintf(stderr, "startup_bench: %s\n", what.c_str());
  std::exit(1);
}

void must(const std::string& what, const Status& st) {
  if (!st.ok()) fail(what + ": " + st.to_string());
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// One state directory being written: when its snapshots fall.
struct Target {
  std::string dir;
  std::unique_ptr<Store> store;
  uint64_t last_snapshot_at = 0;  // the newest snapshot's seq
  uint64_t appended = 0;          // last seq appended
};

// Runs commands through an IpamService and journals them to several stores,
// each with its own snapshot schedule.
class StateBuilder {
 public:
  StateBuilder(const OrganizationConfig& org, uint64_t total_records)
      : service_(org), total_(total_records) {}

  // `snapshot_due(seq)` says whether `target` snapshots after record seq.
  void add_target(const std::string& dir, std::function<bool(uint64_t)> snapshot_due) {
    auto opened = open_sqlite_store(dir);
    if (!opened.ok()) fail("open store " + dir + ": " + opened.status().to_string());
    targets_.push_back(Target{dir, std::move(*opened), 0, 0});
    due_.push_back(std::move(snapshot_due));
  }

  // Executes and journals one command, as the daemon's request path does.
  Json run(const Principal& who, const std::string& op, const Json& args) {
    auto t0 = Clock::now();
    Outcome out = service_.execute(who, op, args);
    if (!out.result.ok()) fail(op + ": " + out.result.status().to_string());
    if (!out.mutated) fail(op + " did not change the state");
    uint64_t seq = ++seq_;
    Json cmd{{"op", op}, {"by", who.account}, {"args", args}};
    pending_.push_back(JournalRecord{seq, cmd.dump()});
    execute_seconds_ += seconds_since(t0);

    bool any_due = false;
    for (size_t i = 0; i < targets_.size(); ++i) any_due = any_due || due_[i](seq);
    if (pending_.size() >= kAppendBatch || any_due || seq == total_) flush();
    if (any_due) {
      auto t1 = Clock::now();
      std::string bytes = service_.snapshot();
      snapshot_bytes_ = bytes.size();
      last_serialize_seconds_ = seconds_since(t1);
      serialize_seconds_ += last_serialize_seconds_;
      for (size_t i = 0; i < targets_.size(); ++i) {
        if (!due_[i](seq)) continue;
        ++snapshots_;
        must("snapshot " + targets_[i].dir, targets_[i].store->write_snapshot(seq, bytes));
        targets_[i].last_snapshot_at = seq;
      }
      snapshot_seconds_ += seconds_since(t1);
    }
    return std::move(*out.result);
  }

  // Closes the stores (releasing their locks for the daemon).
  void close() {
    flush();
    for (auto& t : targets_) t.store.reset();
  }

  uint64_t seq() const { return seq_; }
  const std::vector<Target>& targets() const { return targets_; }
  double execute_seconds() const { return execute_seconds_; }
  double store_seconds() const { return store_seconds_; }
  double snapshot_seconds() const { return snapshot_seconds_; }
  double serialize_seconds() const { return serialize_seconds_; }
  // IpamService::snapshot() of the final state (byoipd runs it on its event
  // loop every snapshot_every records).
  double last_serialize_seconds() const { return last_serialize_seconds_; }
  size_t snapshot_bytes() const { return snapshot_bytes_; }
  size_t snapshots() const { return snapshots_; }
  double mean_record_bytes() const {
    return seq_ ? static_cast<double>(record_bytes_) / static_cast<double>(seq_) : 0;
  }

 private:
  void flush() {
    if (pending_.empty()) return;
    auto t0 = Clock::now();
    for (const auto& r : pending_) record_bytes_ += r.payload.size();
    for (auto& t : targets_) {
      must("append to " + t.dir, t.store->append(pending_));
      t.appended = pending_.back().seq;
    }
    pending_.clear();
    store_seconds_ += seconds_since(t0);
  }

  IpamService service_;
  uint64_t total_;
  uint64_t seq_ = 0;
  std::vector<Target> targets_;
  std::vector<std::function<bool(uint64_t)>> due_;
  std::vector<JournalRecord> pending_;
  double execute_seconds_ = 0, store_seconds_ = 0, snapshot_seconds_ = 0, serialize_seconds_ = 0;
  double last_serialize_seconds_ = 0;
  size_t snapshot_bytes_ = 0;
  size_t snapshots_ = 0;
  uint64_t record_bytes_ = 0;
};

uint64_t dir_bytes(const std::string& dir) {
  uint64_t total = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.is_regular_file()) total += e.file_size();
  }
  return total;
}

// Drops the state files' pages from the page cache.
void evict_from_cache(const std::string& dir) {
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    int fd = open(e.path().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    fdatasync(fd);
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    close(fd);
  }
}

// The load time byoipd logged for its latest start: "loaded state: snapshot
// at record S, replayed N journal records in X s".
double logged_load_seconds(const std::string& log_path) {
  std::ifstream in(log_path);
  std::string line, last;
  while (std::getline(in, line)) {
    if (line.find("loaded state:") != std::string::npos) last = line;
  }
  size_t in_at = last.rfind(" in ");
  return in_at == std::string::npos ? -1 : std::atof(last.c_str() + in_at + 4);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

struct Startup {
  double seconds = 0;       // median fork -> listening
  double min = 0, max = 0;
  double load_seconds = 0;  // median of what byoipd logged
  long rss_kb = 0, hwm_kb = 0;  // largest seen
};

// Starts byoipd on `state_dir` `runs` times; checks the allocation count.
Startup measure(const Options& o, const std::string& work, const std::string& state_dir,
                const std::string& pool_id, uint64_t expect_allocations, bool cold) {
  std::string config_path = work + "/byoipd.yaml";
  std::string log_path = work + "/byoipd.log";
  std::ofstream(config_path) << daemon_config_yaml(state_dir, log_path);
  std::vector<double> total, load;
  Startup s;
  for (int run = 0; run < o.runs; ++run) {
    if (cold) evict_from_cache(state_dir);
    DaemonProcess d;
    std::string error;
    if (!d.start(o.byoipd, config_path, work + "/byoipd.stderr", 120, &error)) fail(error);
    total.push_back(d.startup_seconds());
    s.rss_kb = std::max(s.rss_kb, d.status_kb("VmRSS"));
    s.hwm_kb = std::max(s.hwm_kb, d.status_kb("VmHWM"));
    load.push_back(logged_load_seconds(log_path));
    if (!pool_id.empty()) {
      HttpConnection c;
      if (!c.connect(d.port())) fail("cannot connect to byoipd");
      HttpResult r = c.round_trip(
          http_request("GET", "/v1/pools/" + pool_id + "/utilization", kNetworkToken, ""));
      if (r.status != 200) fail("utilization -> " + std::to_string(r.status) + ": " + r.body);
      uint64_t count = Json::parse(r.body)["utilization"]["allocation_count"].get<uint64_t>();
      if (count != expect_allocations) {
        fail("byoipd on " + state_dir + " has " + std::to_string(count) + " allocations, not " +
             std::to_string(expect_allocations));
      }
    }
    d.stop(SIGKILL, 10);
  }
  s.seconds = median(total);
  s.min = *std::min_element(total.begin(), total.end());
  s.max = *std::max_element(total.begin(), total.end());
  s.load_seconds = median(load);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse_options(argc, argv);
  std::string work = make_work_dir(o.dir, "byoipd-startup-bench-");
  std::printf("startup_bench: byoipd %s, work dir %s\n", o.byoipd.c_str(), work.c_str());

  // ---- build ------------------------------------------------------------------
  auto config = parse_config(daemon_config_yaml(work + "/unused", work + "/unused.log"), "bench");
  if (!config.ok()) fail("bench config: " + config.status().to_string());
  const uint64_t setup_records = 5;  // initialize_state .. provision_cidr
  const uint64_t total = setup_records + o.allocations;
  const uint64_t tail_snapshot_at = total - o.journal;
  std::string full_dir = work + "/snapshot";
  std::string tail_dir = work + "/snapshot-journal";

  auto t_build = Clock::now();
  StateBuilder b(config->organization, total);
  b.add_target(full_dir, [&](uint64_t seq) { return seq % kSnapshotEvery == 0 || seq == total; });
  b.add_target(tail_dir, [&](uint64_t seq) {
    return seq <= tail_snapshot_at && (tail_snapshot_at - seq) % kSnapshotEvery == 0;
  });
  Principal system{kSystemAccount, "", ""};
  Principal mgmt{kManagementAccount, "mgmt", ""};
  Principal net{kNetworkAccount, "network", "ou-infra-net01"};
  Json query = Json::object();
  // What byoipd journals first on an empty store (Daemon::initialize_state).
  b.run(system, "initialize_state", Json{{"id_salt", uint64_t{0x5eed0b10c5a17ULL}}});
  b.run(mgmt, "delegate_admin",
        Json{{"query", query}, {"body", {{"account_id", kNetworkAccount}}}});
  Json ipam = b.run(net, "create_ipam",
                    Json{{"query", query}, {"body", {{"home_region", "eu-west-1"}}}})["ipam"];
  std::string scope = ipam["private_default_scope_id"];
  std::string pool =
      b.run(net, "create_pool", Json{{"query", query}, {"body", {{"scope_id", scope}}}})["pool"]["id"];
  b.run(net, "provision_cidr",
        Json{{"pool_id", pool}, {"query", query}, {"body", {{"cidr", "10.0.0.0/8"}}}});
  Json allocate{{"pool_id", pool}, {"query", query}, {"body", {{"netmask_length", 28}}}};
  for (uint64_t i = 0; i < o.allocations; ++i) b.run(net, "allocate", allocate);
  b.close();
  double build_seconds = seconds_since(t_build);

  std::printf("built %llu allocations (%llu journal records, %.0f bytes each on average) in "
              "%.1f s: execute %.1f s, journal appends %.1f s, snapshots %.1f s (serializing %.1f s)\n",
              static_cast<unsigned long long>(o.allocations),
              static_cast<unsigned long long>(b.seq()), b.mean_record_bytes(), build_seconds,
              b.execute_seconds(), b.store_seconds(), b.snapshot_seconds(), b.serialize_seconds());
  std::printf("snapshot of the whole state: %.1f MB, serialized in %.2f s; %zu snapshots written\n",
              b.snapshot_bytes() / 1e6, b.last_serialize_seconds(), b.snapshots());
  for (const auto& t : b.targets()) {
    std::printf("  %s: snapshot at record %llu, %llu journal records after it, %.1f MB on disk\n",
                t.dir.substr(work.size() + 1).c_str(),
                static_cast<unsigned long long>(t.last_snapshot_at),
                static_cast<unsigned long long>(t.appended - t.last_snapshot_at),
                dir_bytes(t.dir) / 1e6);
  }

  // ---- start-up -----------------------------------------------------------------
  struct Case {
    const char* name;
    std::string dir;
    std::string pool;
    uint64_t allocations;
  };
  std::string empty_dir = work + "/empty";
  std::vector<Case> cases = {
      {"empty store", empty_dir, "", 0},
      {"snapshot", full_dir, pool, o.allocations},
      {"snapshot + journal", tail_dir, pool, o.allocations},
  };
  std::printf("\nstart-up (fork to listening), median of %d runs [min-max]; load = restore + "
              "replay as byoipd logs it\n",
              o.runs);
  std::printf("%-20s %-6s %10s %17s %8s %9s %9s\n", "case", "cache", "start s", "[min-max]",
              "load s", "VmRSS MB", "VmHWM MB");
  double worst = 0;
  for (const Case& c : cases) {
    for (bool cold : {false, true}) {
      if (c.pool.empty() && cold) continue;
      Startup s = measure(o, work, c.dir, c.pool, c.allocations, cold);
      if (!c.pool.empty()) worst = std::max(worst, s.seconds);
      std::printf("%-20s %-6s %10.3f    [%.3f-%.3f] %8.3f %9.1f %9.1f\n", c.name,
                  cold ? "cold" : "warm", s.seconds, s.min, s.max, s.load_seconds,
                  s.rss_kb / 1024.0, s.hwm_kb / 1024.0);
    }
  }
  std::printf("\ntarget: start-up with %llu allocations < %.1f s: %s (slowest median %.3f s)\n",
              static_cast<unsigned long long>(o.allocations), kTargetStartupSeconds,
              worst < kTargetStartupSeconds ? "met" : "NOT met", worst);

  if (o.keep) {
    std::printf("state kept in %s\n", work.c_str());
  } else {
    std::filesystem::remove_all(work);
  }
  return 0;
}
