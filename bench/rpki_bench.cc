// rpki_bench: the VRP table with 800,000 synthetic VRPs, side by side with
// RTRlib's pfx_table (Debian librtr-dev) on the same VRPs and queries.
//
// VRPs: 600k IPv4 (about 90% /24, 10% /16-/23 aggregates, 40% of the /24s
// inside an aggregate, about 15% with a max length above the prefix length,
// 0.5% AS0) and 200k IPv6 (about 60% /48, the rest /29-/44, in the real RIR
// blocks 2001::/16, 2400::/12, 2600::/12, 2800::/12, 2a00::/12, 2c00::/12),
// origins from a pool of 75,000 ASNs, all distinct.
// Queries: 75% IPv4, about a third each built to be Valid (a VRP's prefix or
// a more-specific within its max length, its AS), Invalid (another AS, or
// longer than the max length) and NotFound (random space), shuffled.
//
// Times are CPU time of the running thread. Reported for both: load time (ours: VrpTable::build of the whole set;
// RTRlib: pfx_table_add per VRP), heap growth per VRP (mallinfo2) and
// resident-set growth, single-thread lookups/s (best of --repeat passes;
// ours both validate_state and validate with the covering list), and
// announce/withdraw rates; every query's state is compared between the two.
//
// Usage: rpki_bench [--quick] [--queries=N] [--repeat=N] [--updates=N] [--ours-only]
//   --quick      a tenth of the VRPs and queries, for smoke runs
//   --ours-only  leave RTRlib out (for profiling)
#include <malloc.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "byoipd/rpki/vrp_table.h"

#ifdef BYOIPD_HAVE_RTRLIB
extern "C" {
#include <rtrlib/lib/ip.h>
#include <rtrlib/pfx/pfx.h>
}
#endif

using namespace byoipd;
using namespace byoipd::rpki;

namespace {

// CPU time of this thread: on a shared machine the wall clock also counts
// the time other processes held the core.
double cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

long rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

size_t heap_in_use() {
  struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

struct Query {
  Prefix route;
  uint32_t origin;
};

struct Workload {
  std::vector<Vrp> vrps;
  std::vector<Query> queries;
  std::vector<Vrp> updates;  // VRPs not in the set, announced then withdrawn
};

class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {
    for (int i = 0; i < 75000; ++i) asns_.push_back(uniform(1000, 400000));
  }

  Workload make(size_t v4_count, size_t v6_count, size_t query_count, size_t update_count) {
    Workload w;
    add_v4(w.vrps, v4_count);
    add_v6(w.vrps, v6_count);
    std::vector<Vrp> extra;
    add_v4(extra, update_count * 3 / 4);
    add_v6(extra, update_count - update_count * 3 / 4);
    w.updates = std::move(extra);
    for (size_t i = 0; i < query_count; ++i) w.queries.push_back(query(w.vrps, v4_count));
    return w;
  }

 private:
  uint32_t uniform(uint32_t lo, uint32_t hi) {
    return std::uniform_int_distribution<uint32_t>(lo, hi)(rng_);
  }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  uint32_t asn() { return chance(0.005) ? 0 : asns_[uniform(0, uint32_t(asns_.size() - 1))]; }

  bool insert(std::vector<Vrp>& out, const Vrp& v) {
    std::string key = v.to_string();
    if (!seen_.insert(key).second) return false;
    out.push_back(v);
    return true;
  }

  uint32_t random_v4() {
    for (;;) {
      uint32_t a = uniform(1u << 24, (224u << 24) - 1);
      uint32_t top = a >> 24;
      if (top != 10 && top != 127 && top != 100) return a;
    }
  }

  void add_v4(std::vector<Vrp>& out, size_t count) {
    size_t target = out.size() + count;
    while (out.size() < target) {
      Vrp v;
      if (chance(0.10)) {
        int len = chance(0.5) ? int(uniform(22, 23)) : int(uniform(16, 21));
        v.prefix = Prefix::containing(IpAddress::v4(random_v4()), len);
        v.max_length = uint8_t(chance(0.6) ? 24 : len);
        if (insert(out, Vrp{v.prefix, v.max_length, asn(), 0})) v4_aggregates_.push_back(v.prefix);
        continue;
      }
      uint32_t addr = random_v4();
      if (!v4_aggregates_.empty() && chance(0.4)) {
        const Prefix& agg = v4_aggregates_[uniform(0, uint32_t(v4_aggregates_.size() - 1))];
        addr = uint32_t(agg.network()) | (uniform(0, 0xffffffffu) & uint32_t(agg.host_mask()));
      }
      v.prefix = Prefix::containing(IpAddress::v4(addr), 24);
      v.max_length = uint8_t(chance(0.10) ? uniform(25, 32) : 24);
      insert(out, Vrp{v.prefix, v.max_length, asn(), 0});
    }
  }

  u128 random_v6() {
    static const uint32_t kBlocks[][2] = {{0x2001, 0x2001}, {0x2400, 0x240f}, {0x2600, 0x260f},
                                          {0x2800, 0x280f}, {0x2a00, 0x2a14}, {0x2c00, 0x2c0f}};
    const auto& b = kBlocks[uniform(0, 5)];
    u128 top = uniform(b[0], b[1]);
    return (top << 112) | (u128(uniform(0, 0xffffffffu)) << 80) | (u128(uniform(0, 0xffffffffu)) << 48);
  }

  void add_v6(std::vector<Vrp>& out, size_t count) {
    size_t target = out.size() + count;
    while (out.size() < target) {
      Vrp v;
      if (chance(0.4)) {
        int len = chance(0.5) ? 32 : chance(0.3) ? 29 : int(uniform(33, 44));
        v.prefix = Prefix::containing(IpAddress::v6(random_v6()), len);
        v.max_length = uint8_t(chance(0.3) ? 48 : len);
        if (insert(out, Vrp{v.prefix, v.max_length, asn(), 0})) v6_aggregates_.push_back(v.prefix);
        continue;
      }
      u128 addr = random_v6();
      if (!v6_aggregates_.empty() && chance(0.4)) {
        const Prefix& agg = v6_aggregates_[uniform(0, uint32_t(v6_aggregates_.size() - 1))];
        addr = agg.network() | (addr & agg.host_mask());
      }
      v.prefix = Prefix::containing(IpAddress::v6(addr), 48);
      v.max_length = 48;
      insert(out, Vrp{v.prefix, v.max_length, asn(), 0});
    }
  }

  Query query(const std::vector<Vrp>& vrps, size_t v4_count) {
    bool v4 = chance(0.75);
    int kind = int(uniform(0, 2));  // 0 Valid, 1 Invalid, 2 NotFound (as intended)
    if (kind == 2) {
      if (v4) return {Prefix::containing(IpAddress::v4(random_v4()), 24), asn() | 1};
      return {Prefix::containing(IpAddress::v6(random_v6()), 48), asn() | 1};
    }
    uint32_t lo = v4 ? 0 : uint32_t(v4_count);
    uint32_t hi = v4 ? uint32_t(v4_count - 1) : uint32_t(vrps.size() - 1);
    const Vrp& v = vrps[uniform(lo, hi)];
    int width = v.prefix.width();
    if (kind == 0) {
      int len = int(uniform(uint32_t(v.prefix.length()), v.max_length));
      Prefix route = Prefix::containing(IpAddress::v6(v.prefix.network()), len);
      if (v4) route = Prefix::containing(IpAddress::v4(uint32_t(v.prefix.network())), len);
      return {route, v.asn};
    }
    if (v.max_length < width && chance(0.5)) {
      int len = int(uniform(uint32_t(v.max_length) + 1, uint32_t(std::min(width, v.max_length + 4))));
      Prefix route = v4 ? Prefix::containing(IpAddress::v4(uint32_t(v.prefix.network())), len)
                        : Prefix::containing(IpAddress::v6(v.prefix.network()), len);
      return {route, v.asn};
    }
    return {v.prefix, v.asn + 1};
  }

  std::mt19937 rng_;
  std::vector<uint32_t> asns_;
  std::vector<Prefix> v4_aggregates_, v6_aggregates_;
  std::unordered_set<std::string> seen_;
};

struct Figures {
  double load_s = 0;
  double heap_bytes = 0;
  double rss_bytes = 0;
  double lookups_per_s = 0;
  double updates_per_s = 0;
};

template <class Fn>
double best_rate(int repeat, size_t n, Fn&& pass) {
  double best = 0;
  for (int r = 0; r < repeat; ++r) {
    double t0 = cpu_seconds();
    pass();
    best = std::max(best, double(n) / (cpu_seconds() - t0));
  }
  return best;
}

#ifdef BYOIPD_HAVE_RTRLIB
lrtr_ip_addr to_rtr(const Prefix& p) {
  lrtr_ip_addr a{};
  u128 v = p.network();
  if (p.family() == Family::kV4) {
    a.ver = LRTR_IPV4;
    a.u.addr4.addr = uint32_t(v);  // host byte order (checked in main)
  } else {
    a.ver = LRTR_IPV6;
    for (int i = 0; i < 4; ++i) a.u.addr6.addr[i] = uint32_t(v >> (96 - 32 * i));
  }
  return a;
}

Validation::State from_rtr(pfxv_state s) {
  switch (s) {
    case BGP_PFXV_STATE_VALID: return Validation::kValid;
    case BGP_PFXV_STATE_INVALID: return Validation::kInvalid;
    case BGP_PFXV_STATE_NOT_FOUND: return Validation::kNotFound;
  }
  return Validation::kNotFound;
}

// RTRlib's addresses are host-order integers; make sure ours convert alike.
bool rtr_byte_order_ok() {
  lrtr_ip_addr a4{}, a6{};
  if (lrtr_ip_str_to_addr("192.0.2.1", &a4) != 0 || lrtr_ip_str_to_addr("2001:db8::1:2", &a6) != 0)
    return false;
  lrtr_ip_addr m4 = to_rtr(*Prefix::parse("192.0.2.1/32"));
  lrtr_ip_addr m6 = to_rtr(*Prefix::parse("2001:db8::1:2/128"));
  return lrtr_ip_addr_equal(a4, m4) && lrtr_ip_addr_equal(a6, m6);
}
#endif

void print_row(const char* name, const Figures& f) {
  std::printf("%-26s %8.3f %10.1f %10.1f %14.0f %14.0f\n", name, f.load_s, f.heap_bytes,
              f.rss_bytes, f.lookups_per_s, f.updates_per_s);
}

}  // namespace

int main(int argc, char** argv) {
  size_t v4_count = 600000, v6_count = 200000, query_count = 2000000, update_count = 20000;
  int repeat = 3;
  bool ours_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--quick") {
      v4_count /= 10, v6_count /= 10, query_count /= 10, update_count /= 10;
    } else if (arg.rfind("--queries=", 0) == 0) {
      query_count = std::stoul(arg.substr(10));
    } else if (arg.rfind("--repeat=", 0) == 0) {
      repeat = std::stoi(arg.substr(9));
    } else if (arg == "--ours-only") {
      ours_only = true;
    } else if (arg.rfind("--updates=", 0) == 0) {
      update_count = std::stoul(arg.substr(10));
    } else {
      std::fprintf(stderr, "usage: rpki_bench [--quick] [--queries=N] [--repeat=N] [--updates=N] [--ours-only]\n");
      return 2;
    }
  }

  Workload w = Generator(6811).make(v4_count, v6_count, query_count, update_count);
  const size_t n = w.vrps.size();
  std::printf("rpki_bench: %zu VRPs (%zu IPv4, %zu IPv6), %zu queries, %zu updates\n", n, v4_count,
              v6_count, w.queries.size(), w.updates.size());

  // --- ours ---
  Figures ours;
  malloc_trim(0);  // so that the table does not reuse resident free memory
  size_t heap0 = heap_in_use();
  long rss0 = rss_kib();
  std::vector<Vrp> input = w.vrps;  // build() consumes it; not counted
  double t0 = cpu_seconds();
  auto built = VrpTable::build(std::move(input));
  ours.load_s = cpu_seconds() - t0;
  if (!built.ok()) {
    std::fprintf(stderr, "build: %s\n", built.status().to_string().c_str());
    return 1;
  }
  VrpTable table = std::move(*built);
  malloc_trim(0);  // hand back what the build used only while it ran
  ours.heap_bytes = double(heap_in_use() - heap0) / double(n);
  ours.rss_bytes = double(rss_kib() - rss0) * 1024.0 / double(n);

  std::vector<Validation::State> our_states(w.queries.size());
  ours.lookups_per_s = best_rate(repeat, w.queries.size(), [&] {
    for (size_t i = 0; i < w.queries.size(); ++i)
      our_states[i] = table.validate_state(w.queries[i].route, w.queries[i].origin);
  });
  size_t covering_total = 0;
  double full_rate = best_rate(1, w.queries.size(), [&] {
    for (const Query& q : w.queries) covering_total += table.validate(q.route, q.origin).covering.size();
  });
  {
    VrpTable updated = table;
    double u0 = cpu_seconds();
    for (const Vrp& v : w.updates) (void)updated.add(v);
    for (const Vrp& v : w.updates) (void)updated.remove(v);
    ours.updates_per_s = double(2 * w.updates.size()) / (cpu_seconds() - u0);
  }
  size_t counts[3] = {0, 0, 0};
  for (auto s : our_states) ++counts[s];

  // --- RTRlib ---
#ifdef BYOIPD_HAVE_RTRLIB
  if (ours_only) {
    print_row("byoipd VrpTable", ours);
    return 0;
  }
  if (!rtr_byte_order_ok()) {
    std::fprintf(stderr, "RTRlib address conversion disagrees with lrtr_ip_str_to_addr\n");
    return 1;
  }
  Figures rtr;
  std::vector<pfx_record> records(n);
  for (size_t i = 0; i < n; ++i) {
    const Vrp& v = w.vrps[i];
    records[i] = pfx_record{v.asn, to_rtr(v.prefix), uint8_t(v.prefix.length()), v.max_length, nullptr};
  }
  std::vector<lrtr_ip_addr> rtr_addrs(w.queries.size());
  for (size_t i = 0; i < w.queries.size(); ++i) rtr_addrs[i] = to_rtr(w.queries[i].route);

  malloc_trim(0);
  heap0 = heap_in_use();
  rss0 = rss_kib();
  pfx_table pt;
  pfx_table_init(&pt, nullptr);
  t0 = cpu_seconds();
  size_t add_errors = 0;
  for (const pfx_record& r : records) add_errors += pfx_table_add(&pt, &r) != PFX_SUCCESS;
  rtr.load_s = cpu_seconds() - t0;
  malloc_trim(0);
  rtr.heap_bytes = double(heap_in_use() - heap0) / double(n);
  rtr.rss_bytes = double(rss_kib() - rss0) * 1024.0 / double(n);

  std::vector<pfxv_state> rtr_states(w.queries.size());
  rtr.lookups_per_s = best_rate(repeat, w.queries.size(), [&] {
    for (size_t i = 0; i < w.queries.size(); ++i) {
      pfx_table_validate(&pt, w.queries[i].origin, &rtr_addrs[i], uint8_t(w.queries[i].route.length()),
                         &rtr_states[i]);
    }
  });
  {
    std::vector<pfx_record> upd(w.updates.size());
    for (size_t i = 0; i < w.updates.size(); ++i) {
      const Vrp& v = w.updates[i];
      upd[i] = pfx_record{v.asn, to_rtr(v.prefix), uint8_t(v.prefix.length()), v.max_length, nullptr};
    }
    double u0 = cpu_seconds();
    for (const pfx_record& r : upd) add_errors += pfx_table_add(&pt, &r) != PFX_SUCCESS;
    for (const pfx_record& r : upd) add_errors += pfx_table_remove(&pt, &r) != PFX_SUCCESS;
    rtr.updates_per_s = double(2 * upd.size()) / (cpu_seconds() - u0);
  }
  size_t mismatches = 0;
  for (size_t i = 0; i < w.queries.size(); ++i) {
    if (from_rtr(rtr_states[i]) == our_states[i]) continue;
    if (++mismatches <= 5) {
      std::printf("MISMATCH %s AS%u: ours %s, RTRlib %s\n", w.queries[i].route.to_string().c_str(),
                  w.queries[i].origin, std::string(state_name(our_states[i])).c_str(),
                  std::string(state_name(from_rtr(rtr_states[i]))).c_str());
    }
  }
  pfx_table_free(&pt);
#endif

  std::printf("query mix: %zu valid, %zu invalid, %zu not-found; %.2f covering VRPs per query\n",
              counts[0], counts[1], counts[2], double(covering_total) / double(w.queries.size()));
  std::printf("\n%-26s %8s %10s %10s %14s %14s\n", "", "load s", "heap B/VRP", "RSS B/VRP",
              "lookups/s", "updates/s");
  print_row("byoipd VrpTable", ours);
  std::printf("%-26s %8s %10s %10s %14.0f\n", "  validate() with reasons", "", "", "", full_rate);
  std::printf("%-26s %8s %10.1f\n", "  memory_bytes()", "", double(table.memory_bytes()) / double(n));
#ifdef BYOIPD_HAVE_RTRLIB
  print_row("RTRlib pfx_table", rtr);
  std::printf("\nratios (byoipd / RTRlib): lookups %.1fx, load %.1fx faster, heap %.1fx smaller, "
              "updates %.1fx\n",
              ours.lookups_per_s / rtr.lookups_per_s, rtr.load_s / ours.load_s,
              rtr.heap_bytes / ours.heap_bytes, ours.updates_per_s / rtr.updates_per_s);
  std::printf("state agreement: %zu of %zu queries differ; RTRlib add/remove errors: %zu\n", mismatches,
              w.queries.size(), add_errors);
  return mismatches == 0 ? 0 : 1;
#else
  (void)ours_only;
  std::printf("\nRTRlib leg not built (librtr-dev not found by pkg-config)\n");
  return 0;
#endif
}
