// ipam_bench: throughput and memory of the IPAM engine's allocator.
//
// For each family a pool is filled with 2^20 equal blocks one by one (IPv4:
// /28s out of 10.0.0.0/8; IPv6: /64s out of 2001:db8::/44), every block is
// released in a random order (fixed seed), and the pool is filled again.
//
// Each phase reports its overall rate and the rate in a window at each
// checkpoint C (10k, 100k and 1M existing allocations): the operations
// during which the number of existing allocations moves between 0.9*C and C.
// Fill and release are thus timed over the same states, and ns/op at 1M over
// ns/op at 10k shows how the cost grows with the number of allocations.
// Time is read only at window edges, never per operation. The whole sequence
// is repeated (3 times by default) and each figure is the best repetition's,
// the usual guard against other processes on a shared machine; the worst
// repetition's overall rate is shown beside it as the spread.
//
// Memory per allocation is reported two ways: the engine's own count
// (IpamEngine::allocation_memory_bytes, the capacity of its trie and slot
// table), and the growth of the resident set during a fill run in a forked
// child that keeps no ids, so the benchmark's own storage is not counted.
//
// Usage: ipam_bench [--quick] [--repeat=N] [--family=ipv4|ipv6] [--phase-times]
//   --quick        2^16 blocks per family, for smoke runs
//   --repeat=N     repetitions of each family's sequence (default 3)
//   --family=F     run one family only (e.g. under valgrind)
//   --phase-times  print the start and end of each timed phase and window on
//                  CLOCK_MONOTONIC (steady_clock) to stderr, to slice a profile
//                  taken with `perf record -k CLOCK_MONOTONIC` by `perf report --time`
// Exits 1 on any engine error; otherwise 0 whether or not targets are met.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <numeric>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "byoipd/ipam/engine.h"

using namespace byoipd;
using namespace byoipd::ipam;

namespace {

using Clock = std::chrono::steady_clock;

// The issue's targets.
constexpr double kTargetOpsPerSecond = 1e6;
constexpr double kTargetGrowthRatio = 2.0;
constexpr double kTargetBytesPerAllocation = 64.0;

[[noreturn]] void fail(const std::string& what, const Status& status) {
  std::fflush(stdout);
  std::fprintf(stderr, "ipam_bench: %s: %s\n", what.c_str(), status.to_string().c_str());
  std::exit(1);
}

template <typename T>
T must(const std::string& what, Result<T> result) {
  if (!result.ok()) fail(what, result.status());
  return std::move(result).value();
}

struct Scenario {
  const char* name;
  Prefix pool_cidr;
  int block_length;
  size_t blocks;                    // 2^(block_length - pool length): exactly fills the pool
  std::vector<size_t> checkpoints;  // ascending, the last is `blocks`
};

Scenario make_scenario(const char* name, const char* base, int block_length, int log2_blocks) {
  Prefix whole = must("parse " + std::string(base), Prefix::parse(base));
  Scenario sc{
      name, whole.supernet(block_length - log2_blocks), block_length, size_t{1} << log2_blocks, {}};
  for (size_t c : {size_t{10'000}, size_t{100'000}}) {
    if (c < sc.blocks) sc.checkpoints.push_back(c);
  }
  sc.checkpoints.push_back(sc.blocks);
  return sc;
}

std::string count_label(size_t n) {
  if (n % (size_t{1} << 20) == 0) return std::to_string(n >> 20) + "M";
  if (n % 1000 == 0) return std::to_string(n / 1000) + "k";
  if (n % 1024 == 0) return std::to_string(n >> 10) + "k";
  return std::to_string(n);
}

std::string with_commas(size_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

// A fresh IPAM with one top-level pool holding exactly sc.pool_cidr.
std::string make_pool(IpamEngine& engine, const Scenario& sc) {
  IpamInfo ipam =
      must("create_ipam", engine.create_ipam(IpamSpec{
                              "111122223333", "eu-west-1", {}, Tier::kAdvanced, "ipam_bench", {}}));
  PoolSpec spec;
  spec.scope_id = ipam.private_default_scope_id;
  spec.family = sc.pool_cidr.family();
  PoolInfo pool = must("create_pool", engine.create_pool(spec));
  must("provision_cidr " + sc.pool_cidr.to_string(),
       engine.provision_cidr(pool.id, ProvisionRequest{sc.pool_cidr, {}, false}));
  return pool.id;
}

// Room reserved per allocation id ("ipam-pool-alloc-" and 32 hex digits
// today); a longer id still works, it only makes the buffer grow mid-run.
constexpr size_t kIdBytesEstimate = 64;

// Allocation ids packed in one buffer, so keeping and reading them back
// costs little next to the engine (no heap block per id).
class IdList {
 public:
  // Reserves and touches the storage, so page faults fall outside timing.
  void prepare(size_t count, size_t id_length) {
    chars_.resize(count * id_length);
    chars_.clear();
    ends_.resize(count);
    ends_.clear();
  }
  void push(std::string_view id) {
    chars_.append(id);
    ends_.push_back(chars_.size());
  }
  size_t size() const { return ends_.size(); }
  std::string_view operator[](size_t i) const {
    size_t begin = i == 0 ? 0 : ends_[i - 1];
    return std::string_view(chars_).substr(begin, ends_[i] - begin);
  }

 private:
  std::string chars_;
  std::vector<size_t> ends_;
};

// Wall-clock times at chosen operation indices of one loop.
struct Timeline {
  std::vector<size_t> marks;  // ascending, unique; 0 and the op count included
  std::vector<Clock::time_point> at;

  double seconds(size_t from, size_t to) const {
    auto index = [&](size_t mark) {
      return std::lower_bound(marks.begin(), marks.end(), mark) - marks.begin();
    };
    return std::chrono::duration<double>(at[index(to)] - at[index(from)]).count();
  }
};

// Runs op(0) .. op(n-1), reading the clock just before the ops at `marks`
// and after the last op.
template <typename Op>
Timeline timed_loop(size_t n, std::vector<size_t> marks, Op&& op) {
  marks.push_back(0);
  marks.push_back(n);
  std::sort(marks.begin(), marks.end());
  marks.erase(std::unique(marks.begin(), marks.end()), marks.end());
  Timeline t{marks, std::vector<Clock::time_point>(marks.size())};
  size_t next = 0;
  for (size_t i = 0; i < n; ++i) {
    if (i == t.marks[next]) t.at[next++] = Clock::now();
    op(i);
  }
  t.at[next] = Clock::now();
  return t;
}

struct Window {
  size_t first_op, end_op;
};

// The ops during which the count of existing allocations moves between
// 0.9*c and c. Filling: the count after op i is i+1. Releasing n: the count
// before op i is n-i.
Window window_at(size_t c, bool filling, size_t n) {
  size_t tenth = c / 10;
  return filling ? Window{c - tenth, c} : Window{n - c, n - c + tenth};
}

struct PhaseResult {
  std::string name;
  std::vector<double> window_rate;  // ops/s, one per checkpoint
  double overall_rate;
  double worst_overall_rate;  // over repetitions
};

bool print_phase_times = false;

PhaseResult summarise(std::string name, const Scenario& sc, bool filling, const Timeline& t) {
  if (print_phase_times) {
    auto seconds = [](Clock::time_point p) {
      return std::chrono::duration<double>(p.time_since_epoch()).count();
    };
    std::fprintf(stderr, "phase %s %s %.6f,%.6f\n", sc.name, name.c_str(), seconds(t.at.front()),
                 seconds(t.at.back()));
    for (size_t c : sc.checkpoints) {
      Window w = window_at(c, filling, sc.blocks);
      auto at = [&](size_t op) {
        return t.at[std::lower_bound(t.marks.begin(), t.marks.end(), op) - t.marks.begin()];
      };
      std::fprintf(stderr, "window %s %s @%s %.6f,%.6f\n", sc.name, name.c_str(),
                   count_label(c).c_str(), seconds(at(w.first_op)), seconds(at(w.end_op)));
    }
  }
  double overall = sc.blocks / t.seconds(0, sc.blocks);
  PhaseResult r{std::move(name), {}, overall, overall};
  for (size_t c : sc.checkpoints) {
    Window w = window_at(c, filling, sc.blocks);
    r.window_rate.push_back((w.end_op - w.first_op) / t.seconds(w.first_op, w.end_op));
  }
  return r;
}

std::vector<size_t> window_marks(const Scenario& sc, bool filling) {
  std::vector<size_t> marks;
  for (size_t c : sc.checkpoints) {
    Window w = window_at(c, filling, sc.blocks);
    marks.push_back(w.first_op);
    marks.push_back(w.end_op);
  }
  return marks;
}

size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  size_t total_pages = 0, resident_pages = 0;
  statm >> total_pages >> resident_pages;
  return resident_pages * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

// Resident-set growth per allocation of one fill, measured in a forked child
// (a heap untouched by the other runs) that keeps no ids.
double resident_bytes_per_allocation(const Scenario& sc) {
  int fds[2];
  if (pipe(fds) != 0) {
    std::perror("ipam_bench: pipe");
    std::exit(1);
  }
  std::fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) {
    std::perror("ipam_bench: fork");
    std::exit(1);
  }
  if (pid == 0) {
    close(fds[0]);
    IpamEngine engine;
    std::string pool = make_pool(engine, sc);
    AllocationRequest request;
    request.netmask_length = sc.block_length;
    size_t before = resident_bytes();
    for (size_t i = 0; i < sc.blocks; ++i) must("allocate", engine.allocate(pool, request));
    double per_allocation = static_cast<double>(resident_bytes() - before) / sc.blocks;
    bool sent = write(fds[1], &per_allocation, sizeof per_allocation) == sizeof per_allocation;
    _exit(sent ? 0 : 1);
  }
  close(fds[1]);
  double per_allocation = 0;
  bool received = read(fds[0], &per_allocation, sizeof per_allocation) == sizeof per_allocation;
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!received || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "ipam_bench: the memory run for %s failed\n", sc.name);
    std::exit(1);
  }
  return per_allocation;
}

struct FamilyResult {
  std::string family;
  std::vector<PhaseResult> phases;
  double engine_bytes_after_fill, engine_bytes_after_refill, resident_bytes;
};

void check_full(IpamEngine& engine, const std::string& pool, const Scenario& sc, const char* when) {
  PoolUtilization u = must("utilization", engine.utilization(pool));
  if (u.percent != 100.0 || u.allocation_count != sc.blocks) {
    std::fprintf(stderr,
                 "ipam_bench: %s %s: expected 100%% and %zu allocations, got %.3f%% and %zu\n",
                 sc.name, when, sc.blocks, u.percent, u.allocation_count);
    std::exit(1);
  }
  AllocationRequest request;
  request.netmask_length = sc.block_length;
  auto extra = engine.allocate(pool, request);
  if (extra.ok() || extra.status().reason() != "insufficient-space") {
    std::fprintf(stderr, "ipam_bench: %s %s: a full pool must refuse with insufficient-space\n",
                 sc.name, when);
    std::exit(1);
  }
}

void check_first_block(const Scenario& sc, const Prefix& got, const char* when) {
  Prefix lowest = sc.pool_cidr.subnet(sc.block_length, 0);
  if (got != lowest) {
    std::fprintf(stderr, "ipam_bench: %s %s: first block %s, expected the lowest, %s\n", sc.name,
                 when, got.to_string().c_str(), lowest.to_string().c_str());
    std::exit(1);
  }
}

FamilyResult run_family(const Scenario& sc, double resident_per_allocation) {
  FamilyResult out{sc.name, {}, 0, 0, resident_per_allocation};
  IpamEngine engine;
  std::string pool = make_pool(engine, sc);
  AllocationRequest request;
  request.netmask_length = sc.block_length;

  // Fill, keeping every id for the release phase.
  IdList ids;
  Prefix first_block;
  ids.prepare(sc.blocks, kIdBytesEstimate);
  Timeline fill = timed_loop(sc.blocks, window_marks(sc, true), [&](size_t i) {
    Allocation a = must("allocate", engine.allocate(pool, request));
    if (i == 0) first_block = a.cidr;
    ids.push(a.id);
  });
  out.phases.push_back(summarise("fill", sc, true, fill));
  check_first_block(sc, first_block, "fill");
  check_full(engine, pool, sc, "after fill");
  out.engine_bytes_after_fill = static_cast<double>(engine.allocation_memory_bytes()) / sc.blocks;

  // Release in a random order. The ids are copied into that order first, so
  // the loop reads them sequentially and the cache misses timed are the engine's.
  std::vector<size_t> order(sc.blocks);
  std::iota(order.begin(), order.end(), size_t{0});
  std::mt19937_64 rng(0x62796f6970640002ULL);
  std::shuffle(order.begin(), order.end(), rng);
  IdList shuffled;
  shuffled.prepare(sc.blocks, ids[0].size());
  for (size_t i : order) shuffled.push(ids[i]);
  ids = IdList();
  order = {};
  Timeline release = timed_loop(sc.blocks, window_marks(sc, false), [&](size_t i) {
    Status st = engine.release_allocation(pool, shuffled[i]);
    if (!st.ok()) fail("release_allocation " + std::string(shuffled[i]), st);
  });
  out.phases.push_back(summarise("release", sc, false, release));
  PoolUtilization empty = must("utilization", engine.utilization(pool));
  if (empty.allocation_count != 0 || empty.allocated_addresses != 0) {
    std::fprintf(stderr, "ipam_bench: %s: %zu allocations left after releasing all\n", sc.name,
                 empty.allocation_count);
    std::exit(1);
  }

  // Refill the space the random release left behind.
  Timeline refill = timed_loop(sc.blocks, window_marks(sc, true), [&](size_t i) {
    Allocation a = must("allocate", engine.allocate(pool, request));
    if (i == 0) first_block = a.cidr;
  });
  out.phases.push_back(summarise("refill", sc, true, refill));
  check_first_block(sc, first_block, "refill");
  check_full(engine, pool, sc, "after refill");
  out.engine_bytes_after_refill = static_cast<double>(engine.allocation_memory_bytes()) / sc.blocks;
  return out;
}

// The best of each figure over repetitions of one family.
FamilyResult best_of(const std::vector<FamilyResult>& reps) {
  FamilyResult best = reps.front();
  for (const FamilyResult& rep : reps) {
    for (size_t p = 0; p < best.phases.size(); ++p) {
      PhaseResult& b = best.phases[p];
      const PhaseResult& r = rep.phases[p];
      for (size_t w = 0; w < b.window_rate.size(); ++w) {
        b.window_rate[w] = std::max(b.window_rate[w], r.window_rate[w]);
      }
      b.overall_rate = std::max(b.overall_rate, r.overall_rate);
      b.worst_overall_rate = std::min(b.worst_overall_rate, r.overall_rate);
    }
  }
  return best;
}

std::string machine_text() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line, model = "unknown cpu";
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  return std::to_string(sysconf(_SC_NPROCESSORS_ONLN)) + " cpus, " + model;
}

double ns_per_op(double rate) { return 1e9 / rate; }

void print_family(const Scenario& sc, const FamilyResult& r) {
  std::printf("\n%s: pool %s, %s x /%d\n", sc.name, sc.pool_cidr.to_string().c_str(),
              with_commas(sc.blocks).c_str(), sc.block_length);
  std::printf("  %-8s", "phase");
  for (size_t c : sc.checkpoints) std::printf("  %9s", ("@" + count_label(c)).c_str());
  std::printf("  %9s  %9s  %10s  %10s  %6s\n", "overall", "worst rep",
              ("ns@" + count_label(sc.checkpoints.front())).c_str(),
              ("ns@" + count_label(sc.checkpoints.back())).c_str(), "ratio");
  for (const PhaseResult& p : r.phases) {
    std::printf("  %-8s", p.name.c_str());
    for (double rate : p.window_rate) std::printf("  %7.2f M", rate / 1e6);
    double first = ns_per_op(p.window_rate.front()), last = ns_per_op(p.window_rate.back());
    std::printf("  %7.2f M  %7.2f M  %10.1f  %10.1f  %5.2fx\n", p.overall_rate / 1e6,
                p.worst_overall_rate / 1e6, first, last, last / first);
  }
  std::printf(
      "  memory   engine %.1f B/alloc after fill, %.1f after refill (capacity of trie and\n"
      "           slot table); resident set +%.1f B/alloc (fill in a child keeping no ids)\n",
      r.engine_bytes_after_fill, r.engine_bytes_after_refill, r.resident_bytes);
  std::printf("  checks   fill and refill start at %s, end 100%% utilized with %s allocations\n",
              sc.pool_cidr.subnet(sc.block_length, 0).to_string().c_str(),
              with_commas(sc.blocks).c_str());
}

void print_targets(const std::vector<FamilyResult>& results) {
  double worst_overall = 1e300, worst_window = 1e300, worst_ratio = 0, worst_bytes = 0;
  std::string at_overall, at_window, at_ratio, at_bytes;
  for (const FamilyResult& f : results) {
    for (const PhaseResult& p : f.phases) {
      std::string where = f.family + " " + p.name;
      if (p.overall_rate < worst_overall) worst_overall = p.overall_rate, at_overall = where;
      for (double rate : p.window_rate) {
        if (rate < worst_window) worst_window = rate, at_window = where;
      }
      double ratio = p.window_rate.front() / p.window_rate.back();
      if (ratio > worst_ratio) worst_ratio = ratio, at_ratio = where;
    }
    for (auto [bytes, what] : {std::pair{f.engine_bytes_after_fill, "engine after fill"},
                               std::pair{f.engine_bytes_after_refill, "engine after refill"},
                               std::pair{f.resident_bytes, "resident set"}}) {
      if (bytes > worst_bytes) worst_bytes = bytes, at_bytes = f.family + " " + what;
    }
  }
  auto verdict = [](bool met) { return met ? "met" : "NOT MET"; };
  std::printf("\ntargets (worst case over families and phases)\n");
  std::printf("  >= 1M ops/s, phase overall         %6.2f M/s  %-26s %s\n", worst_overall / 1e6,
              at_overall.c_str(), verdict(worst_overall >= kTargetOpsPerSecond));
  std::printf("  >= 1M ops/s, any window            %6.2f M/s  %-26s %s\n", worst_window / 1e6,
              at_window.c_str(), verdict(worst_window >= kTargetOpsPerSecond));
  std::printf(
      "  ns/op at the last checkpoint\n"
      "    <= 2x that at the first          %6.2fx     %-26s %s\n",
      worst_ratio, at_ratio.c_str(), verdict(worst_ratio <= kTargetGrowthRatio));
  std::printf("  <= 64 bytes per allocation         %6.1f B    %-26s %s\n", worst_bytes,
              at_bytes.c_str(), verdict(worst_bytes <= kTargetBytesPerAllocation));
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  int repeat = 3;
  std::string_view only_family;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--quick") {
      quick = true;
    } else if (arg.rfind("--repeat=", 0) == 0 && std::atoi(argv[i] + 9) > 0) {
      repeat = std::atoi(argv[i] + 9);
    } else if (arg == "--phase-times") {
      print_phase_times = true;
    } else if (arg == "--family=ipv4" || arg == "--family=ipv6") {
      only_family = arg.substr(arg.find('=') + 1);
    } else {
      std::fprintf(stderr,
                   "usage: ipam_bench [--quick] [--repeat=N] [--family=ipv4|ipv6] "
                   "[--phase-times]\n");
      return 2;
    }
  }
  int log2_blocks = quick ? 16 : 20;
  std::vector<Scenario> scenarios = {make_scenario("ipv4", "10.0.0.0/28", 28, log2_blocks),
                                     make_scenario("ipv6", "2001:db8::/64", 64, log2_blocks)};
  if (!only_family.empty()) {
    std::erase_if(scenarios, [&](const Scenario& sc) { return sc.name != only_family; });
  }

  std::printf("ipam_bench: fill, release in random order, refill; single thread%s\n",
              quick ? " (--quick: 1/16 of the full sizes)" : "");
  std::printf("machine: %s\n", machine_text().c_str());
  std::printf("build: g++ %s, %s\n", __VERSION__,
#ifdef NDEBUG
              "NDEBUG (assertions off)"
#else
              "assertions on (not a Release build?)"
#endif
  );
  std::printf(
      "rates in M ops/s, best of %d repetitions; @C = the ops while existing allocations\n"
      "go between 0.9*C and C; worst rep = the slowest repetition's overall rate\n",
      repeat);

  // Memory runs first, while the parent's heap is still small.
  std::vector<double> resident;
  for (const Scenario& sc : scenarios) resident.push_back(resident_bytes_per_allocation(sc));

  // Families alternate, so a burst of outside load rarely hits every
  // repetition of one family.
  std::vector<std::vector<FamilyResult>> reps(scenarios.size());
  for (int r = 0; r < repeat; ++r) {
    for (size_t i = 0; i < scenarios.size(); ++i) {
      reps[i].push_back(run_family(scenarios[i], resident[i]));
    }
  }
  std::vector<FamilyResult> results;
  for (size_t i = 0; i < scenarios.size(); ++i) {
    results.push_back(best_of(reps[i]));
    print_family(scenarios[i], results.back());
  }
  print_targets(results);
  return 0;
}
