// api_bench: durable allocations per second through byoipd's HTTP API.
//
// Starts the real byoipd on loopback with a fresh state directory, delegates
// IPAM to the network account, creates an IPAM and a top pool with
// 10.0.0.0/8 provisioned, then for 1 and 16 concurrent clients sends
// POST /v1/pools/{id}/allocations {"netmask_length":28} back to back, all
// clients on the same pool (the contended case). Each client is one thread
// with one keep-alive connection and one request in flight; byoipd answers an
// allocation only once its journal record is committed (fsync), so every 200
// is a durable allocation.
//
// A run warms up, then measures a fixed window: allocations/s counts the 200s
// completed in the window; latencies are those of the requests completed in
// it. The daemon's /metrics, read at both window edges, give the commits in
// the window and so the journal records per commit (group commit at work);
// /proc gives the daemon's CPU time, split into its main thread (the event
// loop: HTTP, JSON, the engine, the audit log) and the others (the store
// writer). The load client shares the machine and is reported too.
//
// At the end the pool's allocation_count must equal the number of 200s.
//
// Usage: api_bench [--quick] [--byoipd=PATH] [--dir=PARENT] [--seconds=S]
//   --quick        1 s warm-up and 2 s per run, for smoke runs
//   --byoipd=PATH  the daemon (default: ../controller/byoipd next to bench/)
//   --dir=PARENT   where to make the temporary state directory ($TMPDIR or
//                  /tmp); put it on the disk you want to measure
//   --seconds=S    measured window per run (default 5; warm-up is 1 s)
// Exits 1 if the daemon cannot be driven or the count check fails; otherwise
// 0 whether or not the target is met.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "daemon_harness.h"

using namespace byoipd::bench;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

// The issue's target: durable allocations per second with 16 clients.
constexpr double kTargetAllocationsPerSecond = 5000;
constexpr const char* kAllocationBody = R"({"netmask_length":28})";

struct Options {
  bool quick = false;
  std::string byoipd;
  std::string dir;
  double warmup_seconds = 1;
  double seconds = 5;
};

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick") {
      o.quick = true;
      o.seconds = 2;
    } else if (a.rfind("--byoipd=", 0) == 0) {
      o.byoipd = a.substr(9);
    } else if (a.rfind("--dir=", 0) == 0) {
      o.dir = a.substr(6);
    } else if (a.rfind("--seconds=", 0) == 0) {
      o.seconds = std::atof(a.c_str() + 10);
    } else {
      std::fprintf(stderr,
                   "usage: api_bench [--quick] [--byoipd=PATH] [--dir=PARENT] [--seconds=S]\n");
      std::exit(2);
    }
  }
  o.byoipd = default_byoipd_path(o.byoipd);
  return o;
}

[[noreturn]] void fail(const std::string& what) {
  std::fflush(stdout);
  std::fprintf(stderr, "api_bench: %s\n", what.c_str());
  std::exit(1);
}

// A request that must succeed; returns the parsed body.
Json must(HttpConnection& c, const char* method, const std::string& target, const char* token,
          const Json& body) {
  HttpResult r = c.round_trip(http_request(method, target, token, body.is_null() ? "" : body.dump()));
  if (r.status != 200) {
    fail(std::string(method) + " " + target + " -> " + std::to_string(r.status) + ": " + r.body);
  }
  return Json::parse(r.body);
}

double percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

// Median and 99th percentile of `samples` appended+fdatasync'd 4 KiB writes
// in `dir`: what one SQLite WAL commit costs the disk at least.
std::pair<double, double> probe_fsync(const std::string& dir, int samples) {
  std::string path = dir + "/fsync-probe";
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("open " + path + ": " + std::strerror(errno));
  std::vector<char> block(4096, 'x');
  std::vector<double> ms;
  for (int i = 0; i < samples; ++i) {
    auto t0 = Clock::now();
    if (write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size()) ||
        fdatasync(fd) != 0) {
      fail("fsync probe: " + std::string(std::strerror(errno)));
    }
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  close(fd);
  unlink(path.c_str());
  std::sort(ms.begin(), ms.end());
  return {percentile(ms, 0.5), percentile(ms, 0.99)};
}

struct Commits {
  double count = 0;           // byoipd_store_commit_duration_seconds_count
  double seconds = 0;         // byoipd_store_commit_duration_seconds_sum
  double records = 0;         // byoipd_store_commit_batch_records_sum
};

Commits read_commits(HttpConnection& c) {
  HttpResult r = c.round_trip(http_request("GET", "/metrics", "", ""));
  if (r.status != 200) fail("GET /metrics -> " + std::to_string(r.status));
  return Commits{metric_value(r.body, "byoipd_store_commit_duration_seconds_count"),
                 metric_value(r.body, "byoipd_store_commit_duration_seconds_sum"),
                 metric_value(r.body, "byoipd_store_commit_batch_records_sum")};
}

double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct ClientTally {
  uint64_t ok = 0;              // every 200, warm-up included
  uint64_t window_ok = 0;       // 200s completed inside the window
  uint64_t errors = 0;          // anything else
  std::string first_error;
  std::vector<double> latency_ms;  // of the requests completed inside the window
};

void run_client(uint16_t port, const std::string& request, Clock::time_point window_start,
                Clock::time_point window_end, ClientTally* tally) {
  HttpConnection c;
  if (!c.connect(port)) {
    tally->errors++;
    tally->first_error = "connect failed";
    return;
  }
  tally->latency_ms.reserve(65536);
  for (;;) {
    auto sent = Clock::now();
    if (sent >= window_end) break;
    HttpResult r = c.round_trip(request);
    auto done = Clock::now();
    if (r.status == 200) {
      tally->ok++;
    } else {
      if (tally->errors++ == 0) tally->first_error = std::to_string(r.status) + " " + r.body;
      if (r.status < 0) return;  // the connection is gone
    }
    if (r.status == 200 && done >= window_start && done < window_end) {
      tally->window_ok++;
      tally->latency_ms.push_back(std::chrono::duration<double, std::milli>(done - sent).count());
    }
  }
}

struct RunResult {
  int clients = 0;
  double per_second = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  double commits = 0, records_per_commit = 0, commit_ms = 0;
  double daemon_cpu = 0, loop_cpu = 0, client_cpu = 0;  // cores busy in the window
  uint64_t ok = 0, errors = 0;
};

RunResult run_load(const Options& o, const DaemonProcess& daemon, HttpConnection& control,
                   const std::string& pool_id, int clients) {
  std::string request = http_request("POST", "/v1/pools/" + pool_id + "/allocations",
                                     kNetworkToken, kAllocationBody);
  auto window_start = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(o.warmup_seconds));
  auto window_end = window_start + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(o.seconds));
  std::vector<ClientTally> tallies(static_cast<size_t>(clients));
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back(run_client, daemon.port(), request, window_start, window_end,
                         &tallies[static_cast<size_t>(i)]);
  }
  std::this_thread::sleep_until(window_start);
  Commits c0 = read_commits(control);
  double d0 = daemon.cpu_seconds(), l0 = daemon.main_thread_cpu_seconds();
  double u0 = process_cpu_seconds();
  auto t0 = Clock::now();
  std::this_thread::sleep_until(window_end);
  Commits c1 = read_commits(control);
  double d1 = daemon.cpu_seconds(), l1 = daemon.main_thread_cpu_seconds();
  double u1 = process_cpu_seconds();
  double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  for (auto& t : threads) t.join();

  RunResult r;
  r.clients = clients;
  std::vector<double> latencies;
  uint64_t window_ok = 0;
  for (const auto& t : tallies) {
    r.ok += t.ok;
    r.errors += t.errors;
    window_ok += t.window_ok;
    latencies.insert(latencies.end(), t.latency_ms.begin(), t.latency_ms.end());
    if (t.errors > 0) std::fprintf(stderr, "api_bench: client error: %s\n", t.first_error.c_str());
  }
  std::sort(latencies.begin(), latencies.end());
  r.per_second = static_cast<double>(window_ok) / o.seconds;
  r.p50_ms = percentile(latencies, 0.50);
  r.p99_ms = percentile(latencies, 0.99);
  r.max_ms = latencies.empty() ? 0 : latencies.back();
  r.commits = c1.count - c0.count;
  r.records_per_commit = r.commits > 0 ? (c1.records - c0.records) / r.commits : 0;
  r.commit_ms = r.commits > 0 ? 1000 * (c1.seconds - c0.seconds) / r.commits : 0;
  r.daemon_cpu = (d1 - d0) / elapsed;
  r.loop_cpu = (l1 - l0) / elapsed;
  r.client_cpu = (u1 - u0) / elapsed;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse_options(argc, argv);
  std::string work = make_work_dir(o.dir, "byoipd-api-bench-");
  std::string state_dir = work + "/state";
  std::string config_path = work + "/byoipd.yaml";
  std::ofstream(config_path) << daemon_config_yaml(state_dir, work + "/byoipd.log");

  std::printf("api_bench: byoipd %s, state in %s\n", o.byoipd.c_str(), state_dir.c_str());
  auto [fsync_p50, fsync_p99] = probe_fsync(work, o.quick ? 50 : 200);
  std::printf("disk: 4 KiB append + fdatasync: median %.2f ms, p99 %.2f ms\n", fsync_p50,
              fsync_p99);

  DaemonProcess daemon;
  std::string error;
  if (!daemon.start(o.byoipd, config_path, work + "/byoipd.stderr", 30, &error)) fail(error);

  HttpConnection control;
  if (!control.connect(daemon.port())) fail("cannot connect to byoipd");
  must(control, "POST", "/v1/organization/delegated-admin", kManagementToken,
       Json{{"account_id", kNetworkAccount}});
  Json ipam = must(control, "POST", "/v1/ipams", kNetworkToken,
                   Json{{"home_region", "eu-west-1"}})["ipam"];
  std::string scope = ipam["private_default_scope_id"];
  std::string pool = must(control, "POST", "/v1/pools", kNetworkToken,
                          Json{{"scope_id", scope}})["pool"]["id"];
  must(control, "POST", "/v1/pools/" + pool + "/cidrs", kNetworkToken,
       Json{{"cidr", "10.0.0.0/8"}});

  std::printf("POST /v1/pools/%s/allocations %s, %.0f s warm-up, %.0f s measured per run\n\n",
              pool.c_str(), kAllocationBody, o.warmup_seconds, o.seconds);
  std::printf("%7s %10s %8s %8s %8s %8s %10s %10s %10s %10s %10s\n", "clients", "allocs/s",
              "p50 ms", "p99 ms", "max ms", "commits", "rec/commit", "commit ms", "daemon cpu",
              "loop cpu", "client cpu");
  uint64_t total_ok = 0;
  double rate16 = 0;
  for (int clients : {1, 16}) {
    RunResult r = run_load(o, daemon, control, pool, clients);
    total_ok += r.ok;
    if (clients == 16) rate16 = r.per_second;
    std::printf("%7d %10.0f %8.2f %8.2f %8.2f %8.0f %10.2f %10.2f %10.2f %10.2f %10.2f\n",
                r.clients, r.per_second, r.p50_ms, r.p99_ms, r.max_ms, r.commits,
                r.records_per_commit, r.commit_ms, r.daemon_cpu, r.loop_cpu, r.client_cpu);
    if (r.errors > 0) fail(std::to_string(r.errors) + " requests failed");
  }

  Json u = must(control, "GET", "/v1/pools/" + pool + "/utilization", kNetworkToken, Json());
  uint64_t count = u["utilization"]["allocation_count"].get<uint64_t>();
  std::printf("\ncheck: pool allocation_count %llu, 200 responses %llu: %s\n",
              static_cast<unsigned long long>(count), static_cast<unsigned long long>(total_ok),
              count == total_ok ? "equal" : "DIFFERENT");
  std::printf("target: >= %.0f durable allocations/s with 16 clients: %s (%.0f/s)\n",
              kTargetAllocationsPerSecond, rate16 >= kTargetAllocationsPerSecond ? "met" : "NOT met",
              rate16);
  std::printf("(cpu columns: cores busy in the window; loop = byoipd's main thread)\n");

  daemon.stop(SIGTERM, 30);
  std::filesystem::remove_all(work);
  return count == total_ok ? 0 : 1;
}
