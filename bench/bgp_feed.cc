// bgp_feed: streams a synthetic full table into a BGP receiver as fast as it
// accepts, for bench/bgp_full_table.py (issue 4).
//
// The table is generated from a seed (same seed, same bytes) and every
// UPDATE is encoded with byoipd's codec into one buffer before the session
// starts, so generation is never timed. Then the tool is a minimal eBGP
// speaker over plain POSIX sockets: OPEN (4-octet AS, IPv4+IPv6 unicast,
// route refresh), KEEPALIVE handshake, the buffer written back to back, an
// End-of-RIB per family, and keepalives until SIGTERM or --hold seconds.
//
// Output lines start with "feed: " and carry numbers a driver can parse;
// times are CLOCK_MONOTONIC seconds (Python's time.monotonic()).
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "byoipd/bgp/message.h"
#include "byoipd/bgp/wire.h"

namespace {

using namespace byoipd;
using namespace byoipd::bgp;

double monotonic_now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stdout, "feed: error %s\n", message.c_str());
  std::exit(1);
}

// ---- Options ---------------------------------------------------------------

struct Options {
  std::string host = "127.0.0.1";
  int port = -1;  // -1: generate (and --stats) only
  bool passive = false;
  std::string bind_address;  // local address of an active connection
  uint32_t local_as = 64999;
  std::optional<uint32_t> peer_as;
  uint32_t router_id = 0xC0000201;  // 192.0.2.1
  size_t ipv4 = 1'000'000;
  size_t ipv6 = 200'000;
  size_t per_update = 3;
  size_t paths = 80'000;
  size_t origins = 75'000;
  uint64_t seed = 1;
  bool stats = false;
  double hold = -1;  // seconds to stay connected after End-of-RIB; <0: until SIGTERM
  uint16_t hold_time = 90;
};

void usage() {
  std::puts(
      "usage: bgp_feed [--host H] [--port P] [--passive] [--bind ADDR] [--local-as N]\n"
      "                [--peer-as N] [--router-id A.B.C.D] [--ipv4 N] [--ipv6 N]\n"
      "                [--per-update N] [--paths N] [--origins N] [--seed N] [--stats]\n"
      "                [--hold SECONDS] [--hold-time SECONDS]\n"
      "Without --port: generate and encode the table only (with --stats: describe it).\n"
      "--passive: listen on HOST:PORT (port 0: any free port) for one connection.");
}

uint64_t parse_number(const char* flag, const char* text, uint64_t max) {
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v > max) {
    die(std::string(flag) + ": expected an integer 0.." + std::to_string(max) + ", got '" + text +
        "'");
  }
  return v;
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) die(flag + " needs a value");
      return argv[++i];
    };
    if (flag == "--host") o.host = value();
    else if (flag == "--port") o.port = static_cast<int>(parse_number("--port", value(), 65535));
    else if (flag == "--passive") o.passive = true;
    else if (flag == "--bind") o.bind_address = value();
    else if (flag == "--local-as") o.local_as = static_cast<uint32_t>(parse_number("--local-as", value(), UINT32_MAX));
    else if (flag == "--peer-as") o.peer_as = static_cast<uint32_t>(parse_number("--peer-as", value(), UINT32_MAX));
    else if (flag == "--router-id") {
      auto a = IpAddress::parse(value());
      if (!a.ok() || a->family() != Family::kV4 || a->value() == 0) die("--router-id: expected a non-zero IPv4 address");
      o.router_id = static_cast<uint32_t>(a->value());
    } else if (flag == "--ipv4") o.ipv4 = parse_number("--ipv4", value(), 5'000'000);
    else if (flag == "--ipv6") o.ipv6 = parse_number("--ipv6", value(), 5'000'000);
    else if (flag == "--per-update") o.per_update = parse_number("--per-update", value(), 500);
    else if (flag == "--paths") o.paths = parse_number("--paths", value(), 1'000'000);
    else if (flag == "--origins") o.origins = parse_number("--origins", value(), 1'000'000);
    else if (flag == "--seed") o.seed = parse_number("--seed", value(), UINT64_MAX);
    else if (flag == "--stats") o.stats = true;
    else if (flag == "--hold") o.hold = static_cast<double>(parse_number("--hold", value(), 1'000'000));
    else if (flag == "--hold-time") {
      o.hold_time = static_cast<uint16_t>(parse_number("--hold-time", value(), 65535));
      if (o.hold_time == 1 || o.hold_time == 2) die("--hold-time: 0 or 3..65535 (RFC 4271 4.2)");
    } else if (flag == "--help" || flag == "-h") {
      usage();
      std::exit(0);
    } else {
      usage();
      die("unknown option " + flag);
    }
  }
  if (o.per_update == 0) die("--per-update: at least 1");
  if (o.local_as == 0) die("--local-as: not 0");
  if (o.paths < 2 || o.origins == 0 || o.origins > o.paths) die("--paths >= 2 and 1 <= --origins <= --paths");
  return o;
}

// ---- The synthetic table ------------------------------------------------------

// Deterministic across standard libraries: mt19937_64 is fully specified and
// the reductions below are ours (std::uniform_*_distribution are not).
class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  uint64_t next() { return engine_(); }
  // Uniform in [0, n).
  uint64_t below(uint64_t n) { return static_cast<uint64_t>((static_cast<u128>(next()) * n) >> 64); }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return unit() < p; }
  // An index drawn by weight.
  size_t pick(const std::vector<double>& weights) {
    double total = 0;
    for (double w : weights) total += w;
    double x = unit() * total;
    for (size_t i = 0; i < weights.size(); ++i) {
      if (x < weights[i]) return i;
      x -= weights[i];
    }
    return weights.size() - 1;
  }
  template <typename T>
  void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
  }

 private:
  std::mt19937_64 engine_;
};

// One path: the attributes shared by the prefixes of its UPDATEs.
struct Path {
  std::vector<AsPathSegment> as_path;
  Origin origin = Origin::kIgp;
  std::optional<uint32_t> med;
  std::vector<uint32_t> communities;
  std::vector<LargeCommunity> large_communities;
  int length() const {  // RFC 4271 9.1.2.2: a set counts as one
    int n = 0;
    for (const auto& s : as_path) n += s.type == AsPathSegment::Type::kSet ? 1 : static_cast<int>(s.asns.size());
    return n;
  }
};

struct Table {
  std::vector<Path> paths;
  std::vector<Prefix> v4, v6;
  std::vector<uint32_t> v4_path, v6_path;  // path index of each prefix
  size_t origins = 0, four_octet_origins = 0;
};

bool is_public_asn(uint32_t a) {
  return a != 0 && a != 23456 && !(a >= 64496 && a <= 131071) && a < 4200000000u;
}

std::vector<uint32_t> make_origins(Rng& rng, size_t n, std::unordered_set<uint32_t>& used) {
  // About a quarter 4-octet, from the ranges the RIRs have handed out.
  static const uint32_t k4ByteRanges[][2] = {{131072, 141625}, {196608, 216475}, {262144, 271773},
                                             {327680, 329727}, {393216, 401308}};
  std::vector<uint32_t> out;
  out.reserve(n);
  while (out.size() < n) {
    uint32_t a;
    if (rng.chance(0.25)) {
      const auto& r = k4ByteRanges[rng.below(std::size(k4ByteRanges))];
      a = r[0] + static_cast<uint32_t>(rng.below(r[1] - r[0] + 1));
    } else {
      a = 1 + static_cast<uint32_t>(rng.below(64495));
    }
    if (is_public_asn(a) && used.insert(a).second) out.push_back(a);
  }
  return out;
}

// AS_PATH lengths 2..8 (the neighbour itself is length 1, one path), peaking
// at 3-4 as in a tier-2 view of the Internet.
const std::vector<double> kPathLengthWeights = {0, 0, 10, 35, 30, 14, 6, 3, 2};

std::vector<Path> make_paths(Rng& rng, const Options& o, Table& t) {
  std::unordered_set<uint32_t> used{o.local_as};
  const std::vector<uint32_t> tier1 = {3356, 1299, 174, 2914, 6939, 6461, 3257, 6762,
                                       6453, 3491, 701,  7018, 5511, 6830, 9002, 4637};
  for (uint32_t a : tier1) used.insert(a);
  const std::vector<uint32_t> transit = make_origins(rng, 3000, used);
  const std::vector<uint32_t> origins = make_origins(rng, o.origins, used);
  t.origins = origins.size();
  t.four_octet_origins = std::count_if(origins.begin(), origins.end(), [](uint32_t a) { return a > 65535; });
  const std::vector<uint32_t> community_values = {100, 200, 300, 666, 1000, 2000, 3000, 9999};

  std::vector<Path> paths;
  paths.reserve(o.paths);
  std::set<std::vector<uint32_t>> seen;  // AS_PATHs in use, a set as 0 then its members
  Path own;  // the neighbour's own prefixes
  own.as_path = {{AsPathSegment::Type::kSequence, {o.local_as}}};
  paths.push_back(own);
  seen.insert({o.local_as});
  while (paths.size() < o.paths) {
    const size_t i = paths.size() - 1;
    const uint32_t origin = i < origins.size() ? origins[i] : origins[rng.below(origins.size())];
    const int length = static_cast<int>(rng.pick(kPathLengthWeights));
    const bool with_set = rng.chance(0.001) && length >= 3;
    int prepends = rng.chance(0.08) ? 1 + static_cast<int>(rng.below(3)) : 0;
    prepends = std::min(prepends, length - 2 - (with_set ? 1 : 0));
    std::vector<uint32_t> seq = {o.local_as};
    const int middle = length - 2 - prepends - (with_set ? 1 : 0);
    for (int k = 0; k < middle; ++k) {
      uint32_t a = (k == 0 && rng.chance(0.7)) ? tier1[rng.below(tier1.size())] : transit[rng.below(transit.size())];
      if (a == seq.back() || a == origin) a = transit[rng.below(transit.size())];
      seq.push_back(a);
    }
    for (int k = 0; k <= prepends; ++k) seq.push_back(origin);
    Path p;
    p.as_path = {{AsPathSegment::Type::kSequence, seq}};
    std::vector<uint32_t> key = seq;
    if (with_set) {  // an aggregate of 2-4 origins (RFC 4271 9.2.2.2)
      std::set<uint32_t> members;
      const size_t n = 2 + rng.below(3);
      while (members.size() < n) members.insert(origins[rng.below(origins.size())]);
      p.as_path.push_back({AsPathSegment::Type::kSet, {members.begin(), members.end()}});
      key.push_back(0);
      key.insert(key.end(), members.begin(), members.end());
    }
    if (!seen.insert(key).second) continue;
    const double r = rng.unit();
    p.origin = r < 0.92 ? Origin::kIgp : r < 0.93 ? Origin::kEgp : Origin::kIncomplete;
    if (rng.chance(0.10)) p.med = static_cast<uint32_t>(rng.below(1001));
    if (rng.chance(0.35)) {
      const uint32_t admin = seq.size() > 1 && seq[1] <= 65535 ? seq[1] : (o.local_as <= 65535 ? o.local_as : 65000);
      const size_t n = 1 + rng.below(5);
      std::set<uint32_t> cs;
      while (cs.size() < n) cs.insert(admin << 16 | community_values[rng.below(community_values.size())]);
      p.communities.assign(cs.begin(), cs.end());
    }
    if (rng.chance(0.03)) {
      p.large_communities.push_back({origin, 1, static_cast<uint32_t>(rng.below(100))});
    }
    paths.push_back(std::move(p));
  }
  return paths;
}

// Prefix-length shares of the IPv4 table: /24 about 60%, /22-/23 about 20%,
// /8-/21 the rest in proportion to a 2020s full table.
std::map<int, double> ipv4_length_shares() {
  const std::map<int, double> rest = {{8, 16},     {9, 13},     {10, 37},    {11, 100},  {12, 300},
                                      {13, 600},   {14, 1100},  {15, 2000},  {16, 13000}, {17, 8000},
                                      {18, 14000}, {19, 25000}, {20, 40000}, {21, 50000}};
  double total = 0;
  for (const auto& [len, w] : rest) total += w;
  std::map<int, double> shares;
  for (const auto& [len, w] : rest) shares[len] = 0.20 * w / total;
  shares[22] = 0.105;
  shares[23] = 0.095;
  shares[24] = 0.60;
  return shares;
}

// IPv6: /48 about 50%, /29 and /32-/44 the rest.
std::map<int, double> ipv6_length_shares() {
  return {{29, 0.03}, {32, 0.14}, {33, 0.01},  {34, 0.01}, {35, 0.01}, {36, 0.04},
          {37, 0.01}, {38, 0.015}, {39, 0.01}, {40, 0.07}, {41, 0.01}, {42, 0.02},
          {43, 0.005}, {44, 0.12}, {48, 0.50}};
}

// Exact counts per length; rounding leftovers go to the most common length.
std::map<int, size_t> length_counts(const std::map<int, double>& shares, size_t n, int common) {
  std::map<int, size_t> counts;
  size_t assigned = 0;
  for (const auto& [len, s] : shares) {
    if (len == common) continue;
    counts[len] = static_cast<size_t>(s * static_cast<double>(n) + 0.5);
    assigned += counts[len];
  }
  if (assigned > n) die("table too small for its length mix");
  counts[common] = n - assigned;
  return counts;
}

bool overlaps_special_v4(uint32_t net, int len) {
  // RFC 6890 special-purpose space and the 224/3 multicast + reserved block.
  static const std::pair<uint32_t, int> kSpecial[] = {
      {0x00000000, 8},  {0x0A000000, 8},  {0x64400000, 10}, {0x7F000000, 8},  {0xA9FE0000, 16},
      {0xAC100000, 12}, {0xC0000000, 24}, {0xC0000200, 24}, {0xC0586300, 24}, {0xC0A80000, 16},
      {0xC6120000, 15}, {0xC6336400, 24}, {0xCB007100, 24}, {0xE0000000, 3}};
  for (const auto& [snet, slen] : kSpecial) {
    const int l = std::min(len, slen);
    const uint32_t mask = l == 0 ? 0 : ~uint32_t{0} << (32 - l);
    if ((net & mask) == (snet & mask)) return true;
  }
  return false;
}

std::vector<Prefix> make_ipv4(Rng& rng, size_t n) {
  std::vector<Prefix> out;
  out.reserve(n);
  std::unordered_set<uint64_t> seen;
  seen.reserve(n * 2);
  for (const auto& [len, count] : length_counts(ipv4_length_shares(), n, 24)) {
    const uint32_t mask = ~uint32_t{0} << (32 - len);
    size_t made = 0;
    for (size_t tries = 0; made < count; ++tries) {
      if (tries > count * 1000 + 100000) die("cannot place " + std::to_string(count) + " IPv4 /" + std::to_string(len));
      const uint32_t net = static_cast<uint32_t>(rng.next()) & mask;
      if (overlaps_special_v4(net, len)) continue;
      if (!seen.insert(uint64_t{net} << 8 | static_cast<uint64_t>(len)).second) continue;
      out.push_back(*Prefix::make(Family::kV4, net, len));
      ++made;
    }
  }
  return out;
}

std::vector<Prefix> make_ipv6(Rng& rng, size_t n) {
  // Allocated global unicast regions (first 16 bits), by weight; 2001::/23
  // (IETF special purpose) and 2001:db8::/32 (documentation) are left out.
  const std::vector<std::pair<uint32_t, uint32_t>> regions = {  // first, count of /16s
      {0x2001, 1}, {0x2400, 16}, {0x2600, 16}, {0x2800, 16}, {0x2a00, 16}, {0x2c0f, 1}};
  const std::vector<double> region_weights = {20, 25, 25, 6, 23, 1};
  std::vector<Prefix> out;
  out.reserve(n);
  std::unordered_set<uint64_t> seen;
  seen.reserve(n * 2);
  for (const auto& [len, count] : length_counts(ipv6_length_shares(), n, 48)) {
    size_t made = 0;
    for (size_t tries = 0; made < count; ++tries) {
      if (tries > count * 1000 + 100000) die("cannot place IPv6 /" + std::to_string(len));
      const auto& [first, span] = regions[rng.pick(region_weights)];
      const uint64_t top16 = first + rng.below(span);
      uint64_t hi = top16 << 48 | (rng.next() & 0xFFFFFFFFFFFFull);
      hi &= ~uint64_t{0} << (64 - len);
      const uint32_t second = static_cast<uint32_t>(hi >> 32) & 0xFFFF;
      if (top16 == 0x2001 && (second < 0x0200 || second == 0x0db8)) continue;
      if (!seen.insert(hi >> 16 << 8 | static_cast<uint64_t>(len)).second) continue;
      out.push_back(*Prefix::make(Family::kV6, static_cast<u128>(hi) << 64, len));
      ++made;
    }
  }
  return out;
}

// Every path carries at least one IPv4 prefix when there are enough; the
// others go to paths with a skewed weight (a few origins announce thousands,
// most a handful), the heavy paths scattered over the pool by a permutation.
std::vector<uint32_t> assign_paths(Rng& rng, size_t prefixes, size_t paths, bool cover_all) {
  std::vector<uint32_t> heavy(paths);
  for (size_t i = 0; i < paths; ++i) heavy[i] = static_cast<uint32_t>(i);
  rng.shuffle(heavy);
  std::vector<uint32_t> out(prefixes);
  for (size_t i = 0; i < prefixes; ++i) {
    if (cover_all && i < paths) {
      out[i] = static_cast<uint32_t>(i);
    } else {
      const double u = rng.unit();
      out[i] = heavy[std::min(paths - 1, static_cast<size_t>(static_cast<double>(paths) * u * u))];
    }
  }
  return out;
}

Table make_table(const Options& o) {
  Rng rng(o.seed);
  Table t;
  t.paths = make_paths(rng, o, t);
  t.v4 = make_ipv4(rng, o.ipv4);
  t.v6 = make_ipv6(rng, o.ipv6);
  rng.shuffle(t.v4);  // generated length by length; spread the lengths over paths
  rng.shuffle(t.v6);
  t.v4_path = assign_paths(rng, t.v4.size(), t.paths.size(), true);
  t.v6_path = assign_paths(rng, t.v6.size(), t.paths.size(), false);
  return t;
}

// ---- Encoding ------------------------------------------------------------------

struct Feed {
  std::vector<uint8_t> bytes;   // every UPDATE, back to back
  std::vector<size_t> cuts;     // message boundaries about every 64 KiB, ending at bytes.size()
  size_t updates = 0;
  std::vector<uint8_t> end_of_rib;  // IPv4 then IPv6
};

void append(std::vector<uint8_t>& out, const Message& m, const CodecOptions& opts) {
  auto encoded = encode(m, opts);
  if (!encoded.ok()) die("encode: " + encoded.status().to_string());
  out.insert(out.end(), encoded->begin(), encoded->end());
}

PathAttributes attributes_of(const Path& p) {
  PathAttributes a;
  a.origin = p.origin;
  a.as_path = p.as_path;
  a.med = p.med;
  a.communities = p.communities;
  a.large_communities = p.large_communities;
  return a;
}

// UPDATEs of `per_update` prefixes sharing a path; paths in a shuffled order,
// IPv4 first, then IPv6 in MP_REACH_NLRI (RFC 4760).
void encode_family(Rng& rng, const Table& t, bool v6, size_t per_update, Feed& feed) {
  const auto& prefixes = v6 ? t.v6 : t.v4;
  const auto& path_of = v6 ? t.v6_path : t.v4_path;
  std::vector<std::vector<uint32_t>> by_path(t.paths.size());
  for (size_t i = 0; i < prefixes.size(); ++i) by_path[path_of[i]].push_back(static_cast<uint32_t>(i));
  std::vector<uint32_t> order(t.paths.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<uint32_t>(i);
  rng.shuffle(order);
  const CodecOptions opts;
  const IpAddress nh4 = *IpAddress::parse("192.0.2.1");
  const IpAddress nh6 = *IpAddress::parse("2001:db8::1");
  for (uint32_t pi : order) {
    const auto& members = by_path[pi];
    for (size_t start = 0; start < members.size(); start += per_update) {
      Update u;
      u.attributes = attributes_of(t.paths[pi]);
      std::vector<Prefix> chunk;
      for (size_t k = start; k < std::min(members.size(), start + per_update); ++k) chunk.push_back(prefixes[members[k]]);
      if (v6) {
        u.attributes.mp_reach = MpReach{{Afi::kIpv6, Safi::kUnicast}, {nh6}, std::move(chunk)};
      } else {
        u.attributes.next_hop = nh4;
        u.nlri = std::move(chunk);
      }
      append(feed.bytes, u, opts);
      ++feed.updates;
      if (feed.bytes.size() - (feed.cuts.empty() ? 0 : feed.cuts.back()) >= 65536) feed.cuts.push_back(feed.bytes.size());
    }
  }
}

Feed encode_table(const Table& t, const Options& o) {
  Rng rng(o.seed ^ 0x9E3779B97F4A7C15ull);
  Feed feed;
  feed.bytes.reserve((t.v4.size() * 28 + t.v6.size() * 40));
  encode_family(rng, t, false, o.per_update, feed);
  encode_family(rng, t, true, o.per_update, feed);
  if (feed.cuts.empty() || feed.cuts.back() != feed.bytes.size()) feed.cuts.push_back(feed.bytes.size());
  const CodecOptions opts;
  append(feed.end_of_rib, Update{}, opts);  // RFC 4724 section 2
  Update eor6;
  eor6.attributes.mp_unreach = MpUnreach{{Afi::kIpv6, Safi::kUnicast}, {}};
  append(feed.end_of_rib, eor6, opts);
  return feed;
}

void print_stats(const Table& t, const Feed& feed, const Options& o) {
  auto lengths = [](const std::vector<Prefix>& ps) {
    std::map<int, size_t> m;
    for (const auto& p : ps) ++m[p.length()];
    std::string s;
    for (const auto& [len, n] : m) s += " /" + std::to_string(len) + " " + std::to_string(n);
    return s;
  };
  std::printf("stats: ipv4 %zu lengths%s\n", t.v4.size(), lengths(t.v4).c_str());
  std::printf("stats: ipv6 %zu lengths%s\n", t.v6.size(), lengths(t.v6).c_str());
  std::vector<char> used(t.paths.size(), 0);
  for (uint32_t p : t.v4_path) used[p] = 1;
  for (uint32_t p : t.v6_path) used[p] = 1;
  std::map<int, size_t> by_len;
  size_t with_set = 0, with_comm = 0, with_large = 0, distinct = 0;
  for (size_t i = 0; i < t.paths.size(); ++i) {
    if (!used[i]) continue;
    ++distinct;
    const auto& p = t.paths[i];
    ++by_len[p.length()];
    with_set += p.as_path.size() > 1;
    with_comm += !p.communities.empty();
    with_large += !p.large_communities.empty();
  }
  std::string ls;
  for (const auto& [len, n] : by_len) ls += " " + std::to_string(len) + ":" + std::to_string(n);
  std::printf("stats: paths %zu distinct in use (as-path length%s) with-as-set %zu with-communities %zu with-large-communities %zu\n",
              distinct, ls.c_str(), with_set, with_comm, with_large);
  std::printf("stats: origins %zu (4-octet %zu) seed %llu\n", t.origins, t.four_octet_origins,
              static_cast<unsigned long long>(o.seed));
  std::map<size_t, size_t> per_path;
  {
    std::vector<size_t> n(t.paths.size(), 0);
    for (uint32_t p : t.v4_path) ++n[p];
    for (uint32_t p : t.v6_path) ++n[p];
    std::sort(n.begin(), n.end());
    std::printf("stats: prefixes per path min %zu median %zu p99 %zu max %zu\n", n.front(), n[n.size() / 2],
                n[n.size() * 99 / 100], n.back());
  }
  std::printf("stats: updates %zu bytes %zu (%.1f per update, %zu prefixes per update)\n", feed.updates,
              feed.bytes.size(), static_cast<double>(feed.bytes.size()) / static_cast<double>(std::max<size_t>(feed.updates, 1)),
              o.per_update);
}

// ---- The session ------------------------------------------------------------------

void send_all(int fd, const uint8_t* data, size_t n) {
  while (n > 0) {
    const ssize_t w = ::send(fd, data, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      die(std::string("send: ") + std::strerror(errno));
    }
    data += w;
    n -= static_cast<size_t>(w);
  }
}

// Reads whole messages; exits on EOF or error.
class MessageReader {
 public:
  explicit MessageReader(int fd) : fd_(fd) {}
  std::vector<uint8_t> next() {
    for (;;) {
      FrameResult f = frame(std::span<const uint8_t>(buf_.data(), buf_.size()));
      if (f.error) die("bad message from peer: " + f.error->reason);
      if (f.length && buf_.size() >= *f.length) {
        std::vector<uint8_t> m(buf_.begin(), buf_.begin() + static_cast<long>(*f.length));
        buf_.erase(buf_.begin(), buf_.begin() + static_cast<long>(*f.length));
        return m;
      }
      uint8_t tmp[8192];
      const ssize_t r = ::recv(fd_, tmp, sizeof tmp, 0);
      if (r == 0) return {};
      if (r < 0) {
        if (errno == EINTR) continue;
        return {};
      }
      buf_.insert(buf_.end(), tmp, tmp + r);
    }
  }

 private:
  int fd_;
  std::vector<uint8_t> buf_;
};

void report_notification(const std::vector<uint8_t>& bytes) {
  auto d = decode(bytes, CodecOptions{});
  if (d.ok()) {
    const auto& n = std::get<Notification>(*d.message);
    std::printf("feed: notification from peer code %u subcode %u%s%s\n", n.code, n.subcode,
                n.shutdown_message() ? " message: " : "", n.shutdown_message().value_or("").c_str());
  } else {
    std::printf("feed: undecodable notification from peer\n");
  }
}

int open_connection(const Options& o) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = o.passive ? AI_PASSIVE : 0;
  addrinfo* res = nullptr;
  const std::string port = std::to_string(o.port);
  if (int rc = getaddrinfo(o.host.c_str(), port.c_str(), &hints, &res); rc != 0) die(std::string("getaddrinfo: ") + gai_strerror(rc));
  const int fd = ::socket(res->ai_family, SOCK_STREAM, 0);
  if (fd < 0) die(std::string("socket: ") + std::strerror(errno));
  if (o.passive) {
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, res->ai_addr, res->ai_addrlen) != 0 || ::listen(fd, 1) != 0) die(std::string("listen: ") + std::strerror(errno));
    sockaddr_storage sa{};
    socklen_t len = sizeof sa;
    getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
    char host[NI_MAXHOST], serv[NI_MAXSERV];
    getnameinfo(reinterpret_cast<sockaddr*>(&sa), len, host, sizeof host, serv, sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV);
    std::printf("feed: listening on %s:%s\n", host, serv);
    const int conn = ::accept(fd, nullptr, nullptr);
    if (conn < 0) die(std::string("accept: ") + std::strerror(errno));
    ::close(fd);
    freeaddrinfo(res);
    return conn;
  }
  if (!o.bind_address.empty()) {
    addrinfo* local = nullptr;
    if (getaddrinfo(o.bind_address.c_str(), "0", &hints, &local) != 0 || ::bind(fd, local->ai_addr, local->ai_addrlen) != 0) {
      die("--bind " + o.bind_address + ": cannot bind");
    }
    freeaddrinfo(local);
  }
  // The receiver may still be starting: retry for 10 s.
  const double give_up = monotonic_now() + 10;
  while (::connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
    if (monotonic_now() > give_up) die("connect " + o.host + ":" + port + ": " + std::strerror(errno));
    usleep(100'000);
  }
  freeaddrinfo(res);
  return fd;
}

Open make_open(const Options& o) {
  Open open;
  open.my_as = o.local_as > 65535 ? 23456 : static_cast<uint16_t>(o.local_as);  // AS_TRANS, RFC 6793
  open.hold_time = o.hold_time;
  open.bgp_identifier = o.router_id;
  open.capabilities.multiprotocol = unicast_families();
  open.capabilities.route_refresh = true;
  open.capabilities.four_octet_as = o.local_as;
  return open;
}

// OPEN, KEEPALIVE both ways (RFC 4271 8.2.2 OpenSent -> OpenConfirm ->
// Established). Returns the negotiated hold time.
uint16_t handshake(int fd, MessageReader& reader, const Options& o) {
  const Open local = make_open(o);
  std::vector<uint8_t> out;
  append(out, local, CodecOptions{});
  send_all(fd, out.data(), out.size());
  std::optional<Open> remote;
  for (;;) {
    auto m = reader.next();
    if (m.empty()) die("peer closed the connection during the handshake");
    const auto type = static_cast<MessageType>(m[18]);
    if (type == MessageType::kNotification) {
      report_notification(m);
      std::exit(1);
    }
    if (type == MessageType::kOpen && !remote) {
      auto d = decode(m, CodecOptions{});
      if (!d.ok()) die("bad OPEN from peer: " + d.error->reason);
      remote = std::get<Open>(*d.message);
      if (o.peer_as) {
        if (auto err = check_peer_as(*remote, *o.peer_as)) die("OPEN: " + err->reason);
      }
      if (!remote->capabilities.four_octet_as) die("peer lacks the 4-octet AS capability; the feed is encoded for it");
      if (codec_options_for(local, *remote).families.size() != 2) die("peer did not negotiate IPv4 and IPv6 unicast");
      std::vector<uint8_t> ka;
      append(ka, Keepalive{}, CodecOptions{});
      send_all(fd, ka.data(), ka.size());
    } else if (type == MessageType::kKeepalive && remote) {
      char id[INET_ADDRSTRLEN];
      const uint32_t be = htonl(remote->bgp_identifier);
      inet_ntop(AF_INET, &be, id, sizeof id);
      const uint16_t hold = std::min(local.hold_time, remote->hold_time);
      std::printf("feed: established peer-as %u router-id %s hold-time %u monotonic %.6f\n", remote->asn(), id, hold,
                  monotonic_now());
      return hold;
    }
  }
}

std::mutex g_write_mutex;  // one writer at a time, whole messages only

// A KEEPALIVE every hold/3 seconds (RFC 4271 section 10), between whole
// messages of the bulk write.
void keepalive_loop(int fd, uint16_t hold, const std::atomic<bool>& stop) {
  std::vector<uint8_t> ka;
  append(ka, Keepalive{}, CodecOptions{});
  const auto interval = std::chrono::milliseconds(hold * 1000 / 3);
  auto last = std::chrono::steady_clock::now();
  while (!stop) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (std::chrono::steady_clock::now() - last < interval) continue;
    last = std::chrono::steady_clock::now();
    std::lock_guard lock(g_write_mutex);
    send_all(fd, ka.data(), ka.size());
  }
}

// Drains what the receiver sends (keepalives, its End-of-RIB); a
// NOTIFICATION or a close ends the process through SIGUSR1.
void read_loop(MessageReader& reader) {
  for (;;) {
    auto m = reader.next();
    if (m.empty()) {
      std::printf("feed: peer closed the connection monotonic %.6f\n", monotonic_now());
      kill(getpid(), SIGUSR1);
      return;
    }
    if (static_cast<MessageType>(m[18]) == MessageType::kNotification) {
      report_notification(m);
      kill(getpid(), SIGUSR1);
      return;
    }
  }
}

int run_session(const Options& o, const Feed& feed) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // inherited by the threads below

  const int fd = open_connection(o);
  MessageReader reader(fd);
  const uint16_t hold = handshake(fd, reader, o);
  std::thread reading([&] { read_loop(reader); });
  reading.detach();
  std::atomic<bool> stop{false};
  std::thread keepalives;
  if (hold > 0) keepalives = std::thread([&] { keepalive_loop(fd, hold, stop); });

  const double start = monotonic_now();
  std::printf("feed: start monotonic %.6f\n", start);
  std::fflush(stdout);
  size_t from = 0;
  for (size_t cut : feed.cuts) {
    std::lock_guard lock(g_write_mutex);
    send_all(fd, feed.bytes.data() + from, cut - from);
    from = cut;
  }
  {
    std::lock_guard lock(g_write_mutex);
    send_all(fd, feed.end_of_rib.data(), feed.end_of_rib.size());
  }
  const double end = monotonic_now();
  std::printf("feed: sent %zu updates %.1f MB in %.3f s\n", feed.updates, static_cast<double>(feed.bytes.size()) / 1e6,
              end - start);
  std::printf("feed: end-of-rib sent monotonic %.6f\n", end);
  std::fflush(stdout);

  int rc = 0;
  for (;;) {
    timespec timeout{};
    timespec* tp = nullptr;
    if (o.hold >= 0) {
      const double left = std::max(0.0, end + o.hold - monotonic_now());
      timeout.tv_sec = static_cast<time_t>(left);
      timeout.tv_nsec = static_cast<long>((left - static_cast<double>(timeout.tv_sec)) * 1e9);
      tp = &timeout;
    }
    const int sig = sigtimedwait(&signals, nullptr, tp);
    if (sig < 0 && errno == EINTR) continue;
    if (sig == SIGUSR1) rc = 1;  // the peer went away
    break;
  }
  stop = true;
  if (rc == 0) {  // Cease / Administrative Shutdown (RFC 4486, RFC 9003)
    std::vector<uint8_t> bye;
    append(bye, Notification::cease_with_message(2, "bgp_feed done"), CodecOptions{});
    std::lock_guard lock(g_write_mutex);
    ::send(fd, bye.data(), bye.size(), MSG_NOSIGNAL);
  }
  if (keepalives.joinable()) keepalives.join();
  ::shutdown(fd, SHUT_RDWR);
  std::printf("feed: done\n");
  std::fflush(stdout);
  std::_Exit(rc);  // the reader thread may still block in recv
}

}  // namespace

int main(int argc, char** argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  const Options o = parse_options(argc, argv);
  const double t0 = monotonic_now();
  const Table table = make_table(o);
  const Feed feed = encode_table(table, o);
  std::printf("feed: generated ipv4 %zu ipv6 %zu updates %zu bytes %zu in %.2f s\n", table.v4.size(), table.v6.size(),
              feed.updates, feed.bytes.size(), monotonic_now() - t0);
  if (o.stats) print_stats(table, feed, o);
  if (o.port < 0) return 0;
  return run_session(o, feed);
}
