// The Validator against a real StayRTR (Debian's /usr/bin/stayrtr), started
// by the test on 127.0.0.1 with ports picked at run time, serving a VRP file
// (StayRTR's input format) that the test writes and rewrites. Every case runs
// in RTR version 1 and version 0: the client limited to 0, and the cache
// limited to 0 (the client offers 1 and downgrades, RFC 8210 section 7).
//
// StayRTR flags used: -cache FILE -checktime=false (no "valid"/expiry
// metadata needed) -refresh 1 (re-read the file every second; a change gives
// serial + 1 and a Serial Notify) -protocol N (highest version it speaks)
// -rtr.refresh/-rtr.retry (the intervals its version 1 End of Data sends)
// -loglevel debug (its log names every PDU it receives: the server-side
// evidence of Reset versus Serial Queries).
//
// Every wait polls with a deadline of at most 15 s; StayRTR is killed by PID
// in TearDown, also when an assertion failed, and dies with the test process
// (PR_SET_PDEATHSIG) if the test crashes.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "byoipd/rpki/validator.h"

namespace byoipd::rpki {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

constexpr const char* kStayRtr = "/usr/bin/stayrtr";
constexpr auto kDeadline = 15s;
constexpr auto kPoll = 20ms;

double seconds_since(Steady::time_point start) {
  return std::chrono::duration<double>(Steady::now() - start).count();
}

// Polls `done` until it holds or `deadline` passes.
bool eventually(const std::function<bool()>& done, Steady::duration deadline = kDeadline) {
  auto until = Steady::now() + deadline;
  while (!done()) {
    if (Steady::now() > until) return false;
    std::this_thread::sleep_for(kPoll);
  }
  return true;
}

sockaddr_in loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// A TCP port on 127.0.0.1 that was free a moment ago (bound to 0, released).
uint16_t free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = loopback(0);
  socklen_t len = sizeof a;
  uint16_t port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  close(fd);
  return port;
}

bool accepts(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = loopback(port);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

struct Roa {
  std::string prefix;
  int max_length;
  std::string asn;  // as JSON: "\"AS64500\"" or "64501" (StayRTR takes both)
};

// Written to a temporary name and renamed, so StayRTR never reads half a file.
void write_vrps(const fs::path& path, const std::vector<Roa>& roas) {
  std::ostringstream j;
  j << R"({"metadata":{"buildmachine":"byoipd-test","generated":1700000000},"roas":[)";
  for (size_t i = 0; i < roas.size(); ++i) {
    j << (i ? "," : "") << R"({"prefix":")" << roas[i].prefix << R"(","maxLength":)"
      << roas[i].max_length << R"(,"asn":)" << roas[i].asn << R"(,"ta":"test"})";
  }
  j << "]}\n";
  fs::path tmp = path;
  tmp += ".tmp";
  std::ofstream(tmp) << j.str();
  fs::rename(tmp, path);
}

// One StayRTR process. start() returns once it has loaded the file and
// accepts connections; stop() kills it by PID and reaps it.
class StayRtr {
 public:
  struct Options {
    fs::path cache;
    uint16_t port = 0;
    uint16_t metrics_port = 0;
    int protocol = 1;
    uint32_t rtr_refresh = 3600;  // what its End of Data tells version 1 routers
    uint32_t rtr_retry = 1;
  };

  explicit StayRtr(Options options) : o_(std::move(options)) {}
  ~StayRtr() { stop(); }
  StayRtr(const StayRtr&) = delete;
  StayRtr& operator=(const StayRtr&) = delete;

  // Logs to `log`. Fails (with the log's tail) when it does not come up.
  ::testing::AssertionResult start(const fs::path& log) {
    stop();
    log_ = log;
    std::vector<std::string> args = {
        "stayrtr",
        "-cache", o_.cache.string(),
        "-checktime=false",
        "-bind", "127.0.0.1:" + std::to_string(o_.port),
        "-metrics.addr", "127.0.0.1:" + std::to_string(o_.metrics_port),
        "-refresh", "1",
        "-protocol", std::to_string(o_.protocol),
        "-rtr.refresh", std::to_string(o_.rtr_refresh),
        "-rtr.retry", std::to_string(o_.rtr_retry),
        "-rtr.expire", "7200",
        "-loglevel", "debug",
    };
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return ::testing::AssertionFailure() << "cannot create " << log;
    pid_t parent = getpid();
    pid_ = fork();
    if (pid_ == 0) {
      // Only async-signal-safe calls between fork and exec.
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(126);
      dup2(fd, 1);
      dup2(fd, 2);
      execv(kStayRtr, argv.data());
      _exit(127);
    }
    close(fd);
    if (pid_ < 0) return ::testing::AssertionFailure() << "fork failed";
    bool up = eventually([&]() {
      return read_text(log_).find("StayRTR Server started") != std::string::npos &&
             accepts(o_.port);
    });
    if (!up || !running()) {
      return ::testing::AssertionFailure()
             << "stayrtr did not come up on 127.0.0.1:" << o_.port << "; log:\n" << log_text();
    }
    return ::testing::AssertionSuccess();
  }

  // SIGTERM, then SIGKILL if it has not exited within 5 s.
  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    auto until = Steady::now() + 5s;
    while (waitpid(pid_, nullptr, WNOHANG) == 0) {
      if (Steady::now() > until) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        break;
      }
      std::this_thread::sleep_for(kPoll);
    }
    pid_ = -1;
  }

  // Reaps it if it has exited.
  bool running() {
    if (pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) != 0) pid_ = -1;
    return pid_ > 0;
  }
  std::string log_text() const { return read_text(log_); }

  // The session id StayRTR announced at start ("sessionID:NNN").
  std::optional<uint16_t> session_id() const {
    std::smatch m;
    std::string text = log_text();
    if (!std::regex_search(text, m, std::regex(R"(sessionID:(\d+))"))) return std::nullopt;
    return static_cast<uint16_t>(std::stoul(m[1]));
  }

 private:
  Options o_;
  fs::path log_;
  pid_t pid_ = -1;
};

// The versions under test: what byoipd offers, what StayRTR speaks, and
// what must be agreed on.
struct Versions {
  const char* name;
  uint8_t client_max;
  int stayrtr_protocol;
  uint8_t agreed;
};

void PrintTo(const Versions& v, std::ostream* os) { *os << v.name; }

// The served set: IPv4 and IPv6, "AS…" and numeric ASNs.
const std::vector<Roa> kInitial = {
    {"192.0.2.0/24", 24, R"("AS64500")"},
    {"198.51.100.0/22", 24, "64501"},
    {"203.0.113.0/24", 24, R"("AS64503")"},
    {"2001:db8::/32", 48, R"("AS64502")"},
};
// Case 2's file: 203.0.113.0/24 removed, 2001:db8:ffff::/48 AS64504 added.
const std::vector<Roa> kUpdated = {
    {"192.0.2.0/24", 24, R"("AS64500")"},
    {"198.51.100.0/22", 24, "64501"},
    {"2001:db8::/32", 48, R"("AS64502")"},
    {"2001:db8:ffff::/48", 48, "64504"},
};

Prefix prefix(const char* text) { return *Prefix::parse(text); }

Validation::State check(const Validator& v, const char* route, uint32_t asn) {
  return v.table()->validate_state(prefix(route), asn);
}

class ValidatorStayRtr : public ::testing::TestWithParam<Versions> {
 protected:
  void SetUp() override {
    if (!fs::exists(kStayRtr)) GTEST_SKIP() << kStayRtr << " is not installed";
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info->name());
    for (char& c : name) {
      if (c == '/') c = '-';
    }
    dir_ = fs::temp_directory_path() /
           ("byoipd-stayrtr-" + std::to_string(getpid()) + "-" + name);
    fs::create_directories(dir_);
    cache_ = dir_ / "vrps.json";
    write_vrps(cache_, kInitial);
  }

  void TearDown() override {
    validator_.reset();
    stayrtr_.reset();  // kills it by PID
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  ::testing::AssertionResult start_stayrtr(uint32_t rtr_refresh = 3600) {
    StayRtr::Options o;
    o.cache = cache_;
    o.port = free_port();
    o.metrics_port = free_port();
    o.protocol = GetParam().stayrtr_protocol;
    o.rtr_refresh = rtr_refresh;
    port_ = o.port;
    stayrtr_.emplace(o);
    return stayrtr_->start(dir_ / ("stayrtr-" + std::to_string(++starts_) + ".log"));
  }

  // Retry 1 s (our default for version 0, and what StayRTR's End of Data
  // says for version 1) so a restarted cache is found quickly.
  RtrCacheConfig cache_config(uint16_t port) const {
    RtrCacheConfig c;
    c.name = "stayrtr";
    c.address = *IpAddress::parse("127.0.0.1");
    c.port = port;
    c.max_version = GetParam().client_max;
    c.retry_seconds = 1;
    return c;
  }

  void start_validator(RtrCacheConfig c) {
    RpkiConfig config;
    config.rtr.push_back(std::move(c));
    auto v = Validator::start(std::move(config));
    ASSERT_TRUE(v.ok()) << v.status().message();
    validator_ = std::move(*v);
  }

  // Waits for the source to be Established with `vrps` VRPs (and, when
  // given, at `serial`).
  ::testing::AssertionResult synced(size_t vrps, std::optional<uint32_t> serial = std::nullopt) {
    RpkiStatus last;
    bool ok = eventually([&]() {
      last = validator_->status();
      const SourceStatus& s = last.sources.at(0);
      return last.state == "ok" && s.state == "Established" && s.serial &&
             (!serial || *s.serial == *serial) && s.vrps_v4 + s.vrps_v6 == vrps;
    });
    if (ok) return ::testing::AssertionSuccess();
    const SourceStatus& s = last.sources.at(0);
    return ::testing::AssertionFailure()
           << "not synced within 15 s: state " << last.state << ", source " << s.state
           << ", serial " << (s.serial ? std::to_string(*s.serial) : "-") << ", "
           << s.vrps_v4 + s.vrps_v6 << " VRPs, last error '" << s.last_error
           << "'; stayrtr log:\n"
           << (stayrtr_ ? stayrtr_->log_text() : "");
  }

  fs::path dir_, cache_;
  uint16_t port_ = 0;
  int starts_ = 0;
  std::optional<StayRtr> stayrtr_;
  std::unique_ptr<Validator> validator_;
};

// Case 1: a full sync; status and validation match the file.
TEST_P(ValidatorStayRtr, FullSync) {
  ASSERT_TRUE(start_stayrtr());
  auto started = Steady::now();
  start_validator(cache_config(port_));
  ASSERT_TRUE(synced(kInitial.size()));
  std::printf("[ timing   ] full sync of %zu VRPs: %.2f s\n", kInitial.size(),
              seconds_since(started));

  RpkiStatus st = validator_->status();
  EXPECT_EQ(st.state, "ok");
  EXPECT_TRUE(validator_->synced());
  EXPECT_FALSE(validator_->stale());
  ASSERT_EQ(st.sources.size(), 1u);
  const SourceStatus& s = st.sources[0];
  EXPECT_EQ(s.kind, "rtr");
  EXPECT_EQ(s.location, "127.0.0.1:" + std::to_string(port_));
  EXPECT_EQ(s.state, "Established");
  ASSERT_TRUE(s.version.has_value());
  EXPECT_EQ(*s.version, GetParam().agreed);
  EXPECT_EQ(s.session_id, stayrtr_->session_id());
  EXPECT_EQ(s.serial, 0u);  // StayRTR's first serial
  EXPECT_EQ(s.selected, true);  // the only cache, fresh: its VRPs are published
  EXPECT_EQ(s.vrps_v4, 3u);
  EXPECT_EQ(s.vrps_v6, 1u);
  EXPECT_FALSE(s.stale);
  EXPECT_TRUE(s.last_update.has_value());
  EXPECT_EQ(st.vrps, kInitial.size());

  struct Case {
    const char* name;
    const char* route;
    uint32_t asn;
    Validation::State want;
  };
  const Case cases[] = {
      {"exact match, AS string in the file", "192.0.2.0/24", 64500, Validation::kValid},
      {"more specific than maxLength", "192.0.2.0/25", 64500, Validation::kInvalid},
      {"other origin", "192.0.2.0/24", 64999, Validation::kInvalid},
      {"within maxLength, numeric ASN", "198.51.100.0/24", 64501, Validation::kValid},
      {"the /22 itself", "198.51.100.0/22", 64501, Validation::kValid},
      {"IPv6 within maxLength", "2001:db8:1::/48", 64502, Validation::kValid},
      {"IPv6 past maxLength", "2001:db8::/49", 64502, Validation::kInvalid},
      {"IPv4 not covered", "10.0.0.0/8", 64500, Validation::kNotFound},
      {"IPv6 not covered", "2001:db9::/32", 64502, Validation::kNotFound},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(check(*validator_, c.route, c.asn), c.want)
        << c.name << ": " << c.route << " AS" << c.asn;
  }
  // One Reset Query reached StayRTR, in the agreed version.
  std::string log = stayrtr_->log_text();
  EXPECT_EQ(count(log, "Received PDU Reset Query v" + std::to_string(GetParam().agreed)), 1u)
      << log;
}

// Case 2: the file changes; StayRTR re-reads it and sends a Serial Notify;
// the Validator asks with a Serial Query and applies the delta. Evidence it
// was incremental: the serial advances by exactly one in the same session,
// and StayRTR's log shows one Reset Query in all (the first sync) and a
// Serial Query for the old serial. The refresh interval is 3600 s on both
// sides, so only the Serial Notify can have triggered the query in time.
TEST_P(ValidatorStayRtr, IncrementalUpdateAfterSerialNotify) {
  ASSERT_TRUE(start_stayrtr());
  start_validator(cache_config(port_));
  ASSERT_TRUE(synced(kInitial.size(), 0));
  RpkiStatus before = validator_->status();
  uint64_t table_before = before.table_version;
  EXPECT_EQ(check(*validator_, "203.0.113.0/24", 64503), Validation::kValid);
  EXPECT_EQ(check(*validator_, "2001:db8:ffff::/48", 64504), Validation::kInvalid);

  auto changed = Steady::now();
  write_vrps(cache_, kUpdated);
  ASSERT_TRUE(synced(kUpdated.size(), 1));
  std::printf("[ timing   ] file rewritten -> delta applied: %.2f s\n", seconds_since(changed));

  RpkiStatus after = validator_->status();
  const SourceStatus& s = after.sources[0];
  EXPECT_EQ(s.session_id, before.sources[0].session_id);
  EXPECT_EQ(s.serial, 1u);
  EXPECT_EQ(s.vrps_v4, 2u);
  EXPECT_EQ(s.vrps_v6, 2u);
  EXPECT_EQ(*s.version, GetParam().agreed);
  EXPECT_GT(after.table_version, table_before);
  EXPECT_EQ(after.vrps, kUpdated.size());
  EXPECT_EQ(check(*validator_, "2001:db8:ffff::/48", 64504), Validation::kValid);  // added
  EXPECT_EQ(check(*validator_, "203.0.113.0/24", 64503), Validation::kNotFound);  // removed
  EXPECT_EQ(check(*validator_, "192.0.2.0/24", 64500), Validation::kValid);        // kept

  std::string log = stayrtr_->log_text();
  std::string v = "v" + std::to_string(GetParam().agreed);
  EXPECT_EQ(count(log, "Received PDU Reset Query " + v), 1u) << log;
  EXPECT_GE(count(log, "Received PDU Serial Query " + v + " (session: " +
                           std::to_string(*s.session_id) + "): serial: 0"),
            1u)
      << log;
  EXPECT_GE(count(log, "Sending notifications to clients"), 2u) << log;
}

// Case 3: StayRTR restarts with a new random session id; the Validator
// notices (its Serial Query for the old session is refused), resets and
// carries on, and the published table never empties in between.
TEST_P(ValidatorStayRtr, RecoversFromACacheRestartWithANewSession) {
  ASSERT_TRUE(start_stayrtr());
  start_validator(cache_config(port_));
  ASSERT_TRUE(synced(kInitial.size()));
  uint16_t old_session = *validator_->status().sources[0].session_id;

  // From before the stop until the new session is synced, a sampler checks
  // every snapshot still holds the set.
  std::atomic<bool> sampling{true};
  std::atomic<size_t> samples{0}, empty{0}, not_valid{0}, not_ok{0};
  std::thread sampler([&]() {
    while (sampling.load()) {
      auto table = validator_->table();
      if (table->size() == 0) ++empty;
      if (table->validate_state(prefix("192.0.2.0/24"), 64500) != Validation::kValid) ++not_valid;
      if (validator_->stale() || !validator_->synced()) ++not_ok;
      ++samples;
      std::this_thread::sleep_for(5ms);
    }
  });
  struct Join {
    std::atomic<bool>& flag;
    std::thread& thread;
    ~Join() {
      flag = false;
      thread.join();
    }
  } join{sampling, sampler};

  // A new StayRTR on the same port and file. Its session id is random but
  // seeded with the Unix time in seconds (two starts within one second draw
  // the same id), so restart in a later second, and again in the unlikely
  // case that it drew the same id anyway.
  auto restarted = Steady::now();
  std::optional<uint16_t> new_session;
  for (int attempt = 0; attempt < 3 && (!new_session || *new_session == old_session);
       ++attempt) {
    auto second = [] {
      return std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::now().time_since_epoch());
    };
    auto last_start = second();
    stayrtr_->stop();
    ASSERT_TRUE(eventually([&]() { return second() > last_start; }));
    ASSERT_TRUE(stayrtr_->start(dir_ / ("stayrtr-restart-" + std::to_string(attempt) + ".log")));
    new_session = stayrtr_->session_id();
  }
  ASSERT_TRUE(new_session && *new_session != old_session)
      << "StayRTR kept session " << old_session;

  RpkiStatus last;
  bool recovered = eventually([&]() {
    last = validator_->status();
    if (last.state != "ok") ++not_ok;
    const SourceStatus& s = last.sources[0];
    return s.state == "Established" && s.session_id == new_session;
  });
  sampling = false;
  ASSERT_TRUE(recovered) << "source " << last.sources[0].state << ", last error '"
                         << last.sources[0].last_error << "'; stayrtr log:\n"
                         << stayrtr_->log_text();
  std::printf("[ timing   ] restart -> new session %u synced: %.2f s (%zu samples)\n",
              *new_session, seconds_since(restarted), samples.load());
  EXPECT_EQ(empty.load(), 0u) << "the table was empty in " << empty << " of " << samples
                              << " samples";
  EXPECT_EQ(not_valid.load(), 0u) << "192.0.2.0/24 AS64500 was not Valid in " << not_valid
                                  << " of " << samples << " samples";
  EXPECT_EQ(not_ok.load(), 0u) << "stale, unsynced or not ok in " << not_ok << " samples";

  const SourceStatus& s = last.sources[0];
  EXPECT_EQ(last.state, "ok");
  EXPECT_EQ(*s.version, GetParam().agreed);
  EXPECT_EQ(s.serial, 0u);
  EXPECT_EQ(s.vrps_v4, 3u);
  EXPECT_EQ(s.vrps_v6, 1u);
  EXPECT_EQ(last.vrps, kInitial.size());
  EXPECT_EQ(check(*validator_, "203.0.113.0/24", 64503), Validation::kValid);
  EXPECT_EQ(check(*validator_, "2001:db8::/49", 64502), Validation::kInvalid);
  // The path taken: a Serial Query for the old session, refused by the new
  // StayRTR (Error Report, Corrupt Data), then a Reset Query.
  std::string log = stayrtr_->log_text();
  std::string v = "v" + std::to_string(GetParam().agreed);
  EXPECT_GE(count(log, "Received PDU Serial Query " + v + " (session: " +
                           std::to_string(old_session) + ")"),
            1u)
      << log;
  EXPECT_EQ(count(log, "Received PDU Reset Query " + v), 1u) << log;
}

// Case 4: StayRTR stops and stays down. With a local expire of 3 s the
// source, then the Validator, turn stale about 3 s after the last sync. The
// last table stays published: the Validator does not fail closed by itself;
// a stale state tells the caller (the advertisement logic) to treat every
// route as "cannot prove Valid".
TEST_P(ValidatorStayRtr, TurnsStaleWhenTheCacheStaysDown) {
  // Refresh every second on both sides, so the data stays fresh while
  // StayRTR is up although expire is only 3 s.
  ASSERT_TRUE(start_stayrtr(/*rtr_refresh=*/1));
  RtrCacheConfig c = cache_config(port_);
  c.refresh_seconds = 1;
  c.expire_override = 3;
  start_validator(c);
  ASSERT_TRUE(synced(kInitial.size()));

  // Fresh past the expire interval while the cache answers.
  auto up_since = Steady::now();
  bool stayed_fresh = true;
  while (Steady::now() - up_since < 4s) {
    RpkiStatus st = validator_->status();
    if (st.state != "ok" || st.sources[0].stale || validator_->stale()) stayed_fresh = false;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(stayed_fresh) << "went stale while StayRTR was answering every second";

  stayrtr_->stop();
  auto stopped = Steady::now();
  ASSERT_TRUE(eventually([&]() { return validator_->stale(); }))
      << "not stale 15 s after StayRTR stopped; expire_override was 3 s";
  std::printf("[ timing   ] StayRTR stopped -> stale: %.2f s (expire 3 s after the last sync)\n",
              seconds_since(stopped));

  RpkiStatus st = validator_->status();
  EXPECT_EQ(st.state, "stale");
  EXPECT_TRUE(st.sources[0].stale);
  EXPECT_EQ(st.sources[0].selected, false);  // no fresh cache to select
  EXPECT_NE(st.sources[0].state, "Established");
  // The last set is still published (and still held by the source).
  EXPECT_EQ(st.vrps, kInitial.size());
  EXPECT_EQ(st.sources[0].vrps_v4 + st.sources[0].vrps_v6, kInitial.size());
  EXPECT_EQ(check(*validator_, "192.0.2.0/24", 64500), Validation::kValid);
  EXPECT_EQ(check(*validator_, "192.0.2.0/25", 64500), Validation::kInvalid);
}

// Case 5: nobody listens at the cache address: the error names the
// connection, and nothing counts as synced.
TEST_P(ValidatorStayRtr, ReportsARefusedConnection) {
  uint16_t port = free_port();
  start_validator(cache_config(port));
  RpkiStatus st;
  ASSERT_TRUE(eventually([&]() {
    st = validator_->status();
    return st.sources[0].last_error.find("connect") != std::string::npos;
  })) << "last error '" << st.sources[0].last_error << "'";
  EXPECT_NE(st.sources[0].last_error.find("127.0.0.1 port " + std::to_string(port)),
            std::string::npos)
      << st.sources[0].last_error;
  EXPECT_NE(st.state, "ok");
  EXPECT_EQ(st.state, "syncing");
  EXPECT_NE(st.sources[0].state, "Established");
  EXPECT_FALSE(st.sources[0].session_id.has_value());
  EXPECT_FALSE(validator_->synced());
  EXPECT_EQ(validator_->table()->size(), 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Versions, ValidatorStayRtr,
    ::testing::Values(Versions{"V1", 1, 1, 1},
                      Versions{"V0Client", 0, 1, 0},   // byoipd offers only version 0
                      Versions{"V0Cache", 1, 0, 0}),   // StayRTR -protocol 0: downgrade
    [](const ::testing::TestParamInfo<Versions>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace byoipd::rpki
