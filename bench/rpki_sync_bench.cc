// rpki_sync_bench: one leg of the full RTR sync benchmark (bench/rpki_sync.py).
// One process per leg, so that its resident-set growth is the leg's alone.
//
//   rpki_sync_bench --raw HOST PORT      the floor: a Reset Query (RFC 8210
//       version 1) and nothing but PDU framing until End of Data. Times how
//       long the cache needs to send a full set; counts the prefix PDUs.
//       --pace-ms MS: after the first read, read only every MS ms. StayRTR
//       writes one PDU per write(); an eager reader wakes for nearly each
//       and slows it down, so the paced reader (rpki_sync.py uses 20 ms)
//       measures the send time. --lowat BYTES: while waiting, raise the
//       socket's receive low-water mark to BYTES, as byoipd does (Linux then
//       also grows the receive buffer), so the floor reads exactly as
//       byoipd reads, minus the work.
//   rpki_sync_bench --byoipd HOST PORT   byoipd's runtime: a Validator with one
//       RTR cache, status() polled every 10 ms until the source is Established
//       with the expected VRPs and the published table holds them all.
//   rpki_sync_bench --rtrlib HOST PORT   RTRlib 0.8 (Debian librtr-dev):
//       rtr_mgr with one TCP socket, polled every 10 ms until
//       rtr_mgr_conf_in_sync() and its pfx_table holds the expected records.
//
//   rpki_sync_bench --offline FILE       where byoipd's CPU goes, with no socket:
//       the VRPs of a JSON file encoded as one Reset Query answer, then CPU
//       time of the phases byoipd runs on it: frame+decode; rtr::Client
//       staging (every PDU through handle()); End of Data (the client sorts
//       and checks the staged records: ApplyVrps); the Validator's republish
//       (VrpTable::build from the client's set).
//
// Options: --expect N (VRPs to wait for; required but for --raw),
// --timeout SECONDS (default 120).
//
// Prints one line "result: leg=... seconds=... vrps=... rss_bytes_per_vrp=...
// heap_bytes_per_vrp=... cpu_seconds=..." for the driver, then a readable
// summary. Seconds run from just before the connection is started (Validator::
// start, rtr_mgr_start, connect()) to the poll that sees the full set applied:
// an upper bound, at most one poll interval (10 ms) late. Exit status 0 when
// the full set arrived in time.
#include <arpa/inet.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "byoipd/rpki/rtr.h"
#include "byoipd/rpki/rtr_client.h"
#include "byoipd/rpki/validator.h"
#include "byoipd/rpki/vrp_json.h"

#ifdef BYOIPD_HAVE_RTRLIB
extern "C" {
#include <rtrlib/rtrlib.h>
}
#endif

using namespace byoipd;
using namespace byoipd::rpki;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kPoll = std::chrono::milliseconds(10);

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
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

// User + system CPU of the whole process (every thread).
double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

// Memory and CPU at the start of a leg; report() prints the growth.
struct Baseline {
  long rss = rss_kib();
  size_t heap = heap_in_use();
  double cpu = cpu_seconds();
};

struct Outcome {
  bool done = false;
  double seconds = 0;
  size_t vrps = 0;
  std::string note;
};

int report(const char* leg, const Baseline& base, const Outcome& o) {
  double n = o.vrps ? double(o.vrps) : 1.0;
  double rss = double(rss_kib() - base.rss) * 1024.0 / n;
  double heap = double(heap_in_use()) - double(base.heap);
  double cpu = cpu_seconds() - base.cpu;
  std::printf("result: leg=%s done=%d seconds=%.3f vrps=%zu rss_bytes_per_vrp=%.1f "
              "heap_bytes_per_vrp=%.1f cpu_seconds=%.3f\n",
              leg, o.done ? 1 : 0, o.seconds, o.vrps, rss, heap / n, cpu);
  std::printf("%s: %s %zu VRPs in %.3f s (CPU %.3f s); RSS +%.1f B/VRP, heap +%.1f B/VRP%s%s\n",
              leg, o.done ? "synced" : "NOT synced:", o.vrps, o.seconds, cpu, rss, heap / n,
              o.note.empty() ? "" : "; ", o.note.c_str());
  std::fflush(stdout);
  return o.done ? 0 : 1;
}

// ---- raw: the cache's send time ----------------------------------------------

int run_raw(const std::string& host, uint16_t port, double timeout, int pace_ms, int lowat = 0) {
  Baseline base;
  Outcome o;
  auto t0 = Clock::now();
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  if (inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1 ||
      connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    std::fprintf(stderr, "raw: cannot connect to %s:%u: %s\n", host.c_str(), port, std::strerror(errno));
    return 1;
  }
  timeval tv{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const unsigned char reset_query[8] = {1, 2, 0, 0, 0, 0, 0, 8};  // RFC 8210 section 5.4
  if (write(fd, reset_query, sizeof reset_query) != 8) return 1;

  std::vector<unsigned char> buf(1 << 20);
  size_t have = 0, bytes = 0, reads = 0, v4 = 0, v6 = 0;
  double first_byte = -1;
  auto set_lowat = [fd](int bytes) { setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &bytes, sizeof bytes); };
  while (!o.done && since(t0) < timeout) {
    if (pace_ms > 0 && reads > 0) {
      // As byoipd's RtrSession paces a sync: the low-water mark up while
      // waiting (Linux also grows the receive buffer to match), down to
      // read whatever has arrived.
      if (lowat > 0) set_lowat(lowat);
      std::this_thread::sleep_for(std::chrono::milliseconds(pace_ms));
      if (lowat > 0) set_lowat(1);
    }
    ssize_t got = read(fd, buf.data() + have, buf.size() - have);
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (got <= 0) {
      o.note = "connection closed before End of Data";
      break;
    }
    if (first_byte < 0) first_byte = since(t0);
    have += size_t(got), bytes += size_t(got), ++reads;
    size_t off = 0;
    while (have - off >= 8) {  // header: version, type, 16 bits, 32-bit length
      uint32_t len;
      std::memcpy(&len, buf.data() + off + 4, 4);
      len = ntohl(len);
      if (len < 8 || len > buf.size()) {
        o.note = "bad PDU length " + std::to_string(len);
        break;
      }
      if (have - off < len) break;
      uint8_t type = buf[off + 1];
      if (type == 4) ++v4;
      if (type == 6) ++v6;
      if (type == 10) o.note = "Error Report from the cache";
      off += len;
      if (type == 7) {
        o.done = true;
        o.seconds = since(t0);
        break;
      }
    }
    if (!o.note.empty() && !o.done) break;
    std::memmove(buf.data(), buf.data() + off, have - off);
    have -= off;
  }
  close(fd);
  o.vrps = v4 + v6;
  o.note += (o.note.empty() ? "" : "; ") + std::to_string(v4) + " IPv4 + " + std::to_string(v6) +
            " IPv6 prefix PDUs, " + std::to_string(bytes) + " bytes in " + std::to_string(reads) +
            " reads, first byte after " + std::to_string(first_byte) + " s";
  std::printf("raw: ipv4=%zu ipv6=%zu bytes=%zu reads=%zu first_byte=%.3f\n", v4, v6, bytes, reads,
              first_byte);
  return report(pace_ms > 0 ? "raw-paced" : "raw", base, o);
}

// ---- byoipd: the Validator ---------------------------------------------------

int run_byoipd(const std::string& host, uint16_t port, size_t expect, double timeout) {
  auto address = IpAddress::parse(host);
  if (!address.ok()) {
    std::fprintf(stderr, "byoipd: %s\n", address.status().to_string().c_str());
    return 2;
  }
  RpkiConfig config;
  RtrCacheConfig cache;
  cache.name = "stayrtr";
  cache.address = *address;
  cache.port = port;
  config.rtr.push_back(cache);

  malloc_trim(0);
  Baseline base;
  Outcome o;
  auto t0 = Clock::now();
  auto validator = Validator::start(config);
  if (!validator.ok()) {
    std::fprintf(stderr, "byoipd: %s\n", validator.status().to_string().c_str());
    return 2;
  }
  RpkiStatus st;
  while (since(t0) < timeout) {
    st = (*validator)->status();
    const SourceStatus& s = st.sources.at(0);
    o.vrps = s.vrps_v4 + s.vrps_v6;
    if (s.state == "Established" && o.vrps == expect && st.vrps == expect) {
      o.seconds = since(t0);
      o.done = true;
      break;
    }
    std::this_thread::sleep_for(kPoll);
  }
  const SourceStatus& s = st.sources.at(0);
  o.note = "state " + s.state + ", serial " + (s.serial ? std::to_string(*s.serial) : "-") + ", " +
           std::to_string(s.vrps_v4) + " IPv4 + " + std::to_string(s.vrps_v6) + " IPv6, table " +
           std::to_string(st.vrps) + " VRPs in " + std::to_string(st.table_bytes) +
           " bytes (memory_bytes " + std::to_string(double(st.table_bytes) / double(expect ? expect : 1)) +
           " B/VRP)" + (s.last_error.empty() ? "" : ", last error: " + s.last_error);
  return report("byoipd", base, o);  // measured with the Validator still running
}

// ---- offline: byoipd's phases on one buffer -------------------------------------

double thread_cpu() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

int run_offline(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto file = parse_vrp_json(text, 1);
  if (!file.ok()) {
    std::fprintf(stderr, "offline: %s\n", file.status().to_string().c_str());
    return 2;
  }
  const std::vector<Vrp>& vrps = file->vrps;
  const size_t n = vrps.size();
  std::vector<uint8_t> wire;  // what a cache sends after a Reset Query
  auto put = [&wire](rtr::PduBody body) {
    auto bytes = rtr::encode(rtr::Pdu{rtr::kVersion1, std::move(body)});
    wire.insert(wire.end(), bytes->begin(), bytes->end());
  };
  put(rtr::CacheResponse{7});
  for (const Vrp& v : vrps) put(rtr::PrefixPdu{true, v.prefix, v.max_length, v.asn});
  put(rtr::EndOfData{7, 1, rtr::Intervals{}});

  // Decoding only: frame() and decode() over the whole buffer.
  double t0 = thread_cpu();
  size_t decoded = 0;
  for (size_t at = 0; at < wire.size();) {
    std::span<const uint8_t> rest(wire.data() + at, wire.size() - at);
    rtr::FrameResult f = rtr::frame(rest);
    rtr::DecodeResult d = rtr::decode(rest.first(*f.length));
    decoded += d.ok();
    at += *f.length;
  }
  double decode_s = thread_cpu() - t0;

  // The client, fed as RtrSession feeds it: frame, decode, handle.
  rtr::ClientConfig config;
  config.source = 1;
  rtr::Client client(config, rtr::steady_clock());
  (void)client.handle(rtr::Start{});
  (void)client.handle(rtr::Connected{});
  double eod_s = 0;
  size_t actions = 0, applied = 0;
  t0 = thread_cpu();
  for (size_t at = 0; at < wire.size();) {
    std::span<const uint8_t> rest(wire.data() + at, wire.size() - at);
    rtr::FrameResult f = rtr::frame(rest);
    bool last = at + *f.length == wire.size();
    double e0 = last ? thread_cpu() : 0;
    std::vector<rtr::Action> out = client.handle(rtr::PduReceived{*rtr::decode(rest.first(*f.length)).pdu});
    actions += out.size();
    for (const auto& a : out) {
      if (const auto* apply = std::get_if<rtr::ApplyVrps>(&a)) applied = apply->set->size();
    }
    if (last) eod_s = thread_cpu() - e0;
    at += *f.length;
  }
  double client_s = thread_cpu() - t0 - eod_s;

  // The Validator's republish with one RTR cache: the table straight from
  // the client's sorted set.
  t0 = thread_cpu();
  auto table = VrpTable::build(client.vrps(), 1);
  double build_s = thread_cpu() - t0;

  std::printf("offline: %zu VRPs, %zu bytes of PDUs; decoded %zu PDUs; client applied %zu, holds %zu\n", n,
              wire.size(), decoded, applied, client.vrps().size());
  std::printf("  frame+decode only            %7.3f s CPU  %6.0f ns/PDU\n", decode_s, decode_s * 1e9 / double(n));
  std::printf("  client: decode+handle+stage  %7.3f s CPU  %6.0f ns/PDU  (%zu actions)\n", client_s,
              client_s * 1e9 / double(n), actions);
  std::printf("  client: End of Data          %7.3f s CPU  (sort the staged records, check, ApplyVrps)\n",
              eod_s);
  std::printf("  republish: VrpTable::build   %7.3f s CPU  (from the client's set; %s)\n", build_s,
              table.ok() ? "ok" : table.status().to_string().c_str());
  std::printf("  client holds %zu bytes (%.1f B/VRP); table %zu bytes (%.1f B/VRP)\n",
              client.vrps().memory_bytes(), double(client.vrps().memory_bytes()) / double(n),
              table.ok() ? table->memory_bytes() : 0,
              table.ok() ? double(table->memory_bytes()) / double(n) : 0.0);
  std::printf("  total                        %7.3f s CPU; after the last byte: %.3f s\n",
              client_s + eod_s + build_s, eod_s + build_s);
  return table.ok() && applied == n ? 0 : 1;
}

// ---- RTRlib: rtr_mgr ---------------------------------------------------------

#ifdef BYOIPD_HAVE_RTRLIB
void count_record(const pfx_record*, void* data) { ++*static_cast<size_t*>(data); }

int run_rtrlib(const std::string& host, uint16_t port, size_t expect, double timeout) {
  std::string port_text = std::to_string(port);
  tr_tcp_config tcp{};
  tcp.host = const_cast<char*>(host.c_str());
  tcp.port = const_cast<char*>(port_text.c_str());
  tr_socket transport{};
  if (tr_tcp_init(&tcp, &transport) != TR_SUCCESS) {
    std::fprintf(stderr, "rtrlib: tr_tcp_init failed\n");
    return 2;
  }
  rtr_socket rtr{};
  rtr.tr_socket = &transport;
  rtr_socket* sockets[1] = {&rtr};
  rtr_mgr_group group{};
  group.sockets = sockets;
  group.sockets_len = 1;
  group.preference = 1;
  rtr_mgr_config* mgr = nullptr;
  // Intervals as RTRlib's rtrclient uses them: refresh 30 s, expire 600, retry 600.
  if (rtr_mgr_init(&mgr, &group, 1, 30, 600, 600, nullptr, nullptr, nullptr, nullptr) != RTR_SUCCESS) {
    std::fprintf(stderr, "rtrlib: rtr_mgr_init failed\n");
    return 2;
  }

  malloc_trim(0);
  Baseline base;
  Outcome o;
  auto t0 = Clock::now();
  rtr_mgr_start(mgr);
  while (since(t0) < timeout) {
    if (rtr_mgr_conf_in_sync(mgr)) {
      double at = since(t0);
      size_t n = 0;  // walks the table: only once in sync, not timed
      rtr_mgr_for_each_ipv4_record(mgr, count_record, &n);
      rtr_mgr_for_each_ipv6_record(mgr, count_record, &n);
      o.vrps = n;
      if (n == expect) {
        o.seconds = at;
        o.done = true;
        break;
      }
    }
    std::this_thread::sleep_for(kPoll);
  }
  o.note = std::string("socket state ") + rtr_state_to_str(rtr.state) + ", version " +
           std::to_string(rtr.version) + ", serial " + std::to_string(rtr.serial_number);
  int rc = report("rtrlib", base, o);
  rtr_mgr_stop(mgr);
  rtr_mgr_free(mgr);
  return rc;
}
#endif

int usage() {
  std::fprintf(stderr,
               "usage: rpki_sync_bench (--raw|--byoipd|--rtrlib) HOST PORT [--expect N] [--timeout S]\n"
               "           [--pace-ms MS] [--lowat BYTES]\n"
               "       rpki_sync_bench --offline VRP_JSON_FILE\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--offline") return run_offline(argv[2]);
  if (argc < 4) return usage();
  std::string mode = argv[1], host = argv[2];
  uint16_t port = uint16_t(std::stoul(argv[3]));
  size_t expect = 0;
  double timeout = 120;
  int pace_ms = 0;
  int lowat = 0;
  for (int i = 4; i + 1 < argc; i += 2) {
    std::string arg = argv[i];
    if (arg == "--expect") {
      expect = std::stoul(argv[i + 1]);
    } else if (arg == "--lowat") {
      lowat = std::stoi(argv[i + 1]);
    } else if (arg == "--pace-ms") {
      pace_ms = std::stoi(argv[i + 1]);
    } else if (arg == "--timeout") {
      timeout = std::stod(argv[i + 1]);
    } else {
      return usage();
    }
  }
  if (mode == "--raw") return run_raw(host, port, timeout, pace_ms, lowat);
  if (expect == 0) return usage();
  if (mode == "--byoipd") return run_byoipd(host, port, expect, timeout);
#ifdef BYOIPD_HAVE_RTRLIB
  if (mode == "--rtrlib") return run_rtrlib(host, port, expect, timeout);
#else
  if (mode == "--rtrlib") {
    std::fprintf(stderr, "rtrlib: not built (librtr-dev not found by pkg-config)\n");
    return 3;
  }
#endif
  return usage();
}
