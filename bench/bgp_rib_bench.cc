// bgp_rib_bench: AdjRibIn with a synthetic full table.
//
// 1M IPv4 + 200k IPv6 unique prefixes with an Internet-like length mix
// (IPv4: 60% /24, 20% /22-/23, 20% /16-/21; IPv6: 50% /48, 50% /32-/44),
// over 80,000 distinct paths (68k with an IPv4 next hop, 12k an IPv6 one),
// 3 prefixes per UPDATE, in two orders:
//   random  every UPDATE picks a path at random, UPDATEs shuffled (families
//           interleaved): consecutive UPDATEs almost never share a path;
//   feed    as bench/bgp_feed.cc sends it, so as a real peer does: a skewed
//           number of prefixes per path (every path at least one, a few
//           thousands), the UPDATEs of one path back to back, paths in a
//           shuffled order, IPv4 first, then IPv6.
// The UPDATEs are built before the clock starts, so the rate is apply()
// alone (no TCP, no decoding).
//
// Reported: apply rates for both orders (CPU time, best and median of
// --repeat runs into a fresh RIB), both with the UPDATEs cold in memory and
// hot in the cache as right after decoding; bytes per route from
// memory_bytes() and from the growth of the heap (mallinfo2) and of the
// resident set (/proc/self/status VmRSS) during the first run; a second peer
// sending the same table; more-specific and exact query rates; mark_stale /
// sweep_stale / remove_peer times; and apply with 50 watched prefixes.
//
// Usage: bgp_rib_bench [--quick] [--repeat=N] [--paths=N] [--apply-only]
//   --quick       a tenth of the table, for smoke runs
//   --repeat=N    apply runs into a fresh RIB per figure (default 3)
//   --paths=N     distinct paths (default 80000; 85% IPv4, 15% IPv6)
//   --apply-only  only the apply figures (for profiling)
#include <malloc.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "byoipd/bgp/rib.h"

using namespace byoipd;
using namespace byoipd::bgp;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// CPU time of this thread: on a shared machine the wall clock also counts
// the time other processes held the core.
double cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + ts.tv_nsec * 1e-9;
}

long rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

size_t heap_in_use() { return mallinfo2().uordblks + mallinfo2().hblkhd; }

// The prefixes and paths both orders are built from.
struct Source {
  std::vector<Prefix> v4, v6;
  std::vector<PathAttributes> v4_paths, v6_paths;
};

struct Table {
  std::vector<Update> updates;
  std::vector<Prefix> prefixes;
  size_t routes = 0;
  size_t same_path_runs = 0;  // UPDATEs with the same path as the one before
};

PathAttributes random_path(std::mt19937_64& rng) {
  PathAttributes a;
  a.origin = Origin::kIgp;
  std::vector<uint32_t> asns;
  size_t hops = 2 + rng() % 6;
  for (size_t i = 0; i < hops; ++i) asns.push_back(1 + static_cast<uint32_t>(rng() % 70000));
  a.as_path = std::vector<AsPathSegment>{{AsPathSegment::Type::kSequence, asns}};
  for (size_t i = rng() % 5; i > 0; --i) a.communities.push_back(static_cast<uint32_t>(rng()));
  if (rng() % 4 == 0) a.med = static_cast<uint32_t>(rng() % 1000);
  if (rng() % 10 == 0) a.large_communities.push_back({65000, static_cast<uint32_t>(rng() % 100), 1});
  return a;
}

// Leaves `rng` where the random order continues from.
Source make_source(std::mt19937_64& rng, size_t v4_routes, size_t v6_routes, size_t v4_paths,
                   size_t v6_paths) {
  Source s;
  std::unordered_set<uint64_t> seen;
  while (s.v4.size() < v4_routes) {
    int r = static_cast<int>(rng() % 100);
    int len = r < 60 ? 24 : r < 80 ? 22 + static_cast<int>(rng() % 2) : 16 + static_cast<int>(rng() % 6);
    uint32_t addr = 0x01000000u + static_cast<uint32_t>(rng() % 0xde000000u);  // 1.0.0.0-223.x
    Prefix p = Prefix::containing(IpAddress::v4(addr), len);
    if (seen.insert(static_cast<uint64_t>(p.network()) << 8 | len).second) s.v4.push_back(p);
  }
  seen.clear();
  while (s.v6.size() < v6_routes) {
    int len = rng() % 2 == 0 ? 48 : 32 + static_cast<int>(rng() % 13);
    u128 addr = (u128{0x2000} << 112) | (u128{rng() & 0x0fffffffffffull} << 80);
    Prefix p = Prefix::containing(IpAddress::v6(addr), len);
    if (seen.insert(static_cast<uint64_t>(p.network() >> 64) ^ static_cast<uint64_t>(len) << 58).second) {
      s.v6.push_back(p);
    }
  }
  for (size_t i = 0; i < v4_paths; ++i) s.v4_paths.push_back(random_path(rng));
  for (size_t i = 0; i < v6_paths; ++i) s.v6_paths.push_back(random_path(rng));
  std::shuffle(s.v4.begin(), s.v4.end(), rng);
  std::shuffle(s.v6.begin(), s.v6.end(), rng);
  return s;
}

Update make_update(const PathAttributes& path, bool v6, std::vector<Prefix> nlri) {
  Update u;
  u.attributes = path;
  if (v6) {
    u.attributes.mp_reach = MpReach{{Afi::kIpv6, Safi::kUnicast},
                                    {IpAddress::v6(u128{0x20010db8} << 96 | 1)},
                                    std::move(nlri)};
  } else {
    u.attributes.next_hop = IpAddress::v4(0xc0000201);
    u.nlri = std::move(nlri);
  }
  return u;
}

void finish(Table& t, const Source& s) {
  t.routes = s.v4.size() + s.v6.size();
  t.prefixes = s.v4;
  t.prefixes.insert(t.prefixes.end(), s.v6.begin(), s.v6.end());
  for (size_t i = 1; i < t.updates.size(); ++i) {
    t.same_path_runs += t.updates[i].attributes == t.updates[i - 1].attributes;
  }
}

// Each UPDATE with a path drawn at random; families interleaved.
Table random_order(const Source& s, std::mt19937_64& rng) {
  Table t;
  for (size_t i = 0; i < s.v4.size(); i += 3) {
    const PathAttributes& path = s.v4_paths[rng() % s.v4_paths.size()];
    t.updates.push_back(make_update(path, false, {s.v4.begin() + i, s.v4.begin() + std::min(i + 3, s.v4.size())}));
  }
  for (size_t i = 0; i < s.v6.size(); i += 3) {
    const PathAttributes& path = s.v6_paths[rng() % s.v6_paths.size()];
    t.updates.push_back(make_update(path, true, {s.v6.begin() + i, s.v6.begin() + std::min(i + 3, s.v6.size())}));
  }
  std::shuffle(t.updates.begin(), t.updates.end(), rng);
  finish(t, s);
  return t;
}

// bgp_feed.cc's order: prefixes spread over paths with a skewed weight
// (every path gets one first when there are enough), then each path's
// prefixes sent back to back, 3 per UPDATE, paths in a shuffled order.
void feed_family(const std::vector<Prefix>& prefixes, const std::vector<PathAttributes>& paths,
                 bool v6, std::mt19937_64& rng, Table& t) {
  std::vector<uint32_t> heavy(paths.size());
  for (size_t i = 0; i < heavy.size(); ++i) heavy[i] = static_cast<uint32_t>(i);
  std::shuffle(heavy.begin(), heavy.end(), rng);
  std::vector<std::vector<Prefix>> by_path(paths.size());
  std::uniform_real_distribution<double> unit(0, 1);
  for (size_t i = 0; i < prefixes.size(); ++i) {
    double u = unit(rng);
    size_t path = i < paths.size() ? i : heavy[std::min(paths.size() - 1, static_cast<size_t>(paths.size() * u * u))];
    by_path[path].push_back(prefixes[i]);
  }
  std::vector<uint32_t> order = heavy;
  std::shuffle(order.begin(), order.end(), rng);
  for (uint32_t pi : order) {
    const std::vector<Prefix>& members = by_path[pi];
    for (size_t i = 0; i < members.size(); i += 3) {
      t.updates.push_back(make_update(paths[pi], v6, {members.begin() + i, members.begin() + std::min(i + 3, members.size())}));
    }
  }
}

Table feed_order(const Source& s) {
  std::mt19937_64 rng(43);
  Table t;
  feed_family(s.v4, s.v4_paths, false, rng, t);
  feed_family(s.v6, s.v6_paths, true, rng, t);
  finish(t, s);
  return t;
}

struct Took {
  double wall = 0;
  double cpu = 0;
};

Took apply_all(AdjRibIn& rib, PeerIndex peer, const Table& t) {
  auto t0 = Clock::now();
  double c0 = cpu_seconds();
  for (const Update& u : t.updates) rib.apply(peer, u);
  return {seconds_since(t0), cpu_seconds() - c0};
}

// As a session applies them: each batch of UPDATEs freshly decoded, so in
// the cache, when apply() reads it. The batch is copied (untimed) into a
// reused buffer, then applied (timed).
Took apply_hot(AdjRibIn& rib, PeerIndex peer, const Table& t) {
  constexpr size_t kBatch = 128;
  std::vector<Update> batch(kBatch);
  Took took;
  for (size_t i = 0; i < t.updates.size(); i += kBatch) {
    size_t n = std::min(kBatch, t.updates.size() - i);
    for (size_t j = 0; j < n; ++j) batch[j] = t.updates[i + j];
    auto t0 = Clock::now();
    double c0 = cpu_seconds();
    for (size_t j = 0; j < n; ++j) rib.apply(peer, batch[j]);
    took.wall += seconds_since(t0);
    took.cpu += cpu_seconds() - c0;
  }
  return took;
}

void bench_queries(const AdjRibIn& rib, const Table& t) {
  std::mt19937_64 rng(7);
  const size_t n = 200000;
  std::vector<Prefix> queries;
  for (size_t i = 0; i < n; ++i) {
    const Prefix& p = t.prefixes[rng() % t.prefixes.size()];
    int shorter = p.family() == Family::kV4 ? 4 : 8;
    queries.push_back(p.supernet(std::max(0, p.length() - shorter)));
  }
  size_t found = 0;
  auto t0 = Clock::now();
  for (const Prefix& q : queries) found += rib.routes(q, true, std::nullopt, 1000).size();
  double s = seconds_since(t0);
  std::printf("query more-specifics (P = a route's /len-4 (v4) or /len-8 (v6)): %.0f queries/s, "
              "%.2f us/query, %.1f routes/query\n",
              n / s, s * 1e6 / n, double(found) / n);
  found = 0;
  t0 = Clock::now();
  for (size_t i = 0; i < n; ++i) {
    found += rib.routes(t.prefixes[(i * 7919) % t.prefixes.size()], false, std::nullopt, 10).size();
  }
  s = seconds_since(t0);
  std::printf("query exact: %.0f queries/s, %.2f us/query (%zu found)\n", n / s, s * 1e6 / n, found);
}

// Best and median CPU time of `repeat` runs of `run` into a fresh RIB; the
// RIB of the last run is left in *rib.
template <typename Run>
void report_apply(const char* what, int repeat, size_t routes, std::unique_ptr<AdjRibIn>* rib,
                  Run run) {
  std::vector<Took> runs;
  for (int r = 0; r < repeat; ++r) {
    *rib = std::make_unique<AdjRibIn>(64512);
    runs.push_back(run(**rib));
  }
  std::sort(runs.begin(), runs.end(), [](const Took& a, const Took& b) { return a.cpu < b.cpu; });
  const Took& best = runs.front();
  const Took& median = runs[runs.size() / 2];
  std::printf("%s: %.2f M prefixes/s CPU (median %.2f); %.3f s CPU, %.3f s wall for the table "
              "(best of %d)\n",
              what, routes / best.cpu / 1e6, routes / median.cpu / 1e6, best.cpu, best.wall, repeat);
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  bool apply_only = false;
  int repeat = 3;
  size_t paths = 80000;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      quick = true;
    } else if (std::strcmp(argv[i], "--apply-only") == 0) {
      apply_only = true;
    } else if (std::strncmp(argv[i], "--paths=", 8) == 0) {
      paths = std::max(2ul, std::strtoul(argv[i] + 8, nullptr, 10));
    } else if (std::strncmp(argv[i], "--repeat=", 9) == 0) {
      repeat = std::max(1, std::atoi(argv[i] + 9));
    } else {
      std::fprintf(stderr, "usage: bgp_rib_bench [--quick] [--repeat=N] [--paths=N] [--apply-only]\n");
      return 2;
    }
  }
  size_t scale = quick ? 10 : 1;
  auto t0 = Clock::now();
  size_t v6_paths = std::max<size_t>(1, paths * 3 / 20 / scale);
  std::mt19937_64 rng(42);
  Source source = make_source(rng, 1000000 / scale, 200000 / scale,
                              std::max<size_t>(1, paths / scale - v6_paths), v6_paths);
  Table t = random_order(source, rng);
  Table feed = feed_order(source);
  source = Source{};
  std::printf("table: %zu routes (built in %.1f s); random order: %zu UPDATEs, %zu with the path "
              "of the one before; feed order: %zu UPDATEs, %zu with the path of the one before\n",
              t.routes, seconds_since(t0), t.updates.size(), t.same_path_runs, feed.updates.size(),
              feed.same_path_runs);

  // First run: memory, measured around the RIB alone.
  malloc_trim(0);
  long rss0 = rss_kib();
  size_t heap0 = heap_in_use();
  auto rib = std::make_unique<AdjRibIn>(64512);
  apply_all(*rib, 1, t);
  long rss1 = rss_kib();
  size_t heap1 = heap_in_use();
  size_t routes = rib->size();
  std::printf("routes %zu, paths %zu\n", routes, rib->path_count());
  std::printf("memory_bytes: %.1f bytes/route (%.1f MiB)\n", double(rib->memory_bytes()) / routes,
              rib->memory_bytes() / 1048576.0);
  std::printf("heap growth (mallinfo2): %.1f bytes/route; RSS growth: %.1f bytes/route\n",
              double(heap1 - heap0) / routes, (rss1 - rss0) * 1024.0 / routes);

  for (const Table* table : {&feed, &t}) {
    const char* order = table == &t ? "random" : "feed";
    std::string what = std::string("apply, ") + order + " order, UPDATEs cold in memory";
    report_apply(what.c_str(), repeat, routes, &rib,
                 [&](AdjRibIn& r) { return apply_all(r, 1, *table); });
    what = std::string("apply, ") + order + " order, UPDATEs hot as after decoding";
    report_apply(what.c_str(), repeat, routes, &rib,
                 [&](AdjRibIn& r) { return apply_hot(r, 1, *table); });
  }
  if (apply_only) return 0;
  feed = Table{};

  bench_queries(*rib, t);

  Took s = apply_all(*rib, 2, t);
  std::printf("apply (second peer, same table): %.2f M prefixes/s wall, %.2f M/s CPU; %zu routes, "
              "%.1f bytes/route\n",
              routes / s.wall / 1e6, routes / s.cpu / 1e6, rib->size(),
              double(rib->memory_bytes()) / rib->size());
  s = apply_all(*rib, 2, t);
  std::printf("apply (second peer again, all replaced): %.2f M prefixes/s wall, %.2f M/s CPU\n",
              routes / s.wall / 1e6, routes / s.cpu / 1e6);

  t0 = Clock::now();
  size_t marked = rib->mark_stale(2);
  std::printf("mark_stale: %zu routes in %.1f ms\n", marked, seconds_since(t0) * 1e3);
  t0 = Clock::now();
  size_t swept = rib->sweep_stale(2);
  std::printf("sweep_stale: %zu routes in %.1f ms\n", swept, seconds_since(t0) * 1e3);
  apply_all(*rib, 2, t);
  t0 = Clock::now();
  size_t removed = rib->remove_peer(2);
  std::printf("remove_peer: %zu routes in %.1f ms; after: %.1f bytes/route\n", removed,
              seconds_since(t0) * 1e3, double(rib->memory_bytes()) / rib->size());

  // Watches: a few dozen watched prefixes must not slow a full table down.
  rib = std::make_unique<AdjRibIn>(64512);
  size_t events = 0;
  rib->set_listener([&](const OriginEvent&) { events++; });
  for (int i = 0; i < 50; ++i) rib->watch(t.prefixes[i * 1000].supernet(std::max(0, t.prefixes[i * 1000].length() - 2)));
  s = apply_all(*rib, 1, t);
  std::printf("apply with 50 watched prefixes: %.2f M prefixes/s wall, %.2f M/s CPU (%zu events)\n",
              routes / s.wall / 1e6, routes / s.cpu / 1e6, events);
  return 0;
}
