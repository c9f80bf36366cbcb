// WebhookNotifier: ordering, retries with backoff, shutdown; against a fake
// transport and against a real HTTP receiver on loopback.
#include "webhook.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace byoipd::controller {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Polls `done` every 5 ms for up to `limit`; true once it holds.
bool eventually(const std::function<bool()>& done, milliseconds limit = milliseconds(10000)) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return done();
}

AlarmEvent event(uint64_t sequence, const std::string& state = "firing",
                 const std::string& key = "pool-utilization/ipam-pool-1") {
  AlarmEvent e;
  e.sequence = sequence;
  e.key = key;
  e.kind = "pool-utilization";
  e.state = state;
  e.labels = {{"pool", "ipam-pool-1"}};
  e.value = 81.25;
  e.threshold = 80;
  e.message = "test event " + std::to_string(sequence);
  e.time = "2024-05-01T00:00:00Z";
  return e;
}

// ---- A small HTTP/1.1 receiver on 127.0.0.1 -------------------------------

// Accepts one request per connection, records it, and answers with the next
// status of `statuses` (the last one repeats), or never answers (`hang`).
class Receiver {
 public:
  struct Request {
    Clock::time_point at;
    std::string head;  // request line and headers, lower-cased
    std::string body;
    int answered;  // status sent back; 0 when hanging
  };

  explicit Receiver(std::vector<int> statuses, bool hang = false)
      : statuses_(std::move(statuses)), hang_(hang) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_GE(fd_, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }

  ~Receiver() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }

  std::vector<Request> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  size_t count() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_.size();
  }

 private:
  // Waits up to 20 ms for `fd` to become readable.
  static bool readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 20) > 0;
  }

  void serve() {
    while (!stop_) {
      if (!readable(fd_)) continue;
      int conn = ::accept(fd_, nullptr, nullptr);
      if (conn < 0) continue;
      handle(conn);
      ::close(conn);
    }
  }

  // Appends what arrives next to `buf`; false on EOF, error or stop.
  bool read_more(int conn, std::string& buf) {
    while (!stop_) {
      if (!readable(conn)) continue;
      char chunk[4096];
      ssize_t n = ::read(conn, chunk, sizeof chunk);
      if (n <= 0) return false;
      buf.append(chunk, static_cast<size_t>(n));
      return true;
    }
    return false;
  }

  void handle(int conn) {
    std::string buf;
    size_t head_end;
    while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
      if (!read_more(conn, buf)) return;
    }
    std::string head = buf.substr(0, head_end);
    std::transform(head.begin(), head.end(), head.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    size_t length = 0;
    if (auto at = head.find("content-length:"); at != std::string::npos) {
      length = std::stoul(head.substr(at + 15));
    }
    while (buf.size() < head_end + 4 + length) {
      if (!read_more(conn, buf)) return;
    }
    Request req{Clock::now(), head, buf.substr(head_end + 4, length), 0};
    if (!hang_) {
      std::lock_guard<std::mutex> lock(mu_);
      req.answered = statuses_[std::min(requests_.size(), statuses_.size() - 1)];
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(req);
    }
    if (hang_) {
      while (read_more(conn, buf)) {
      }
      return;
    }
    std::string response = "HTTP/1.1 " + std::to_string(req.answered) +
                           " Test\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
    (void)!::write(conn, response.data(), response.size());
  }

  std::vector<int> statuses_;
  bool hang_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<Request> requests_;
  std::thread thread_;
};

// A loopback port with nothing listening on it.
std::string dead_url() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/hook";
}

// Log lines, collected thread-safely.
struct LogLines {
  std::mutex mu;
  std::vector<std::string> lines;
  WebhookNotifier::LogFn fn() {
    return [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(mu);
      lines.push_back(line);
    };
  }
  bool any_contains(const std::string& part) {
    std::lock_guard<std::mutex> lock(mu);
    return std::any_of(lines.begin(), lines.end(),
                       [&](const std::string& l) { return l.find(part) != std::string::npos; });
  }
};

uint64_t sequence_of(const std::string& body) {
  return nlohmann::json::parse(body)["sequence"].get<uint64_t>();
}

// ---- Backoff ---------------------------------------------------------------

TEST(WebhookBackoff, DoublesFromInitialUpToTheCap) {
  struct Case {
    const char* name;
    int failures, initial, max, want;
  } cases[] = {
      {"first retry waits initial", 1, 500, 60000, 500},
      {"second doubles", 2, 500, 60000, 1000},
      {"fifth", 5, 500, 60000, 8000},
      {"capped", 8, 500, 60000, 60000},
      {"far past the cap does not overflow", 1000, 500, 60000, 60000},
      {"cap below initial", 1, 500, 100, 100},
      {"cap not a power-of-two multiple", 3, 300, 1000, 1000},
      {"non-positive initial treated as 1 ms", 3, 0, 1000, 4},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(backoff_delay_ms(c.failures, c.initial, c.max), c.want);
  }
}

TEST(WebhookUrl, RedactedForLogsAndStats) {
  struct Case {
    const char* name;
    const char* url;
    const char* want;
  } cases[] = {
      {"host only", "http://127.0.0.1:8080", "http://127.0.0.1:8080"},
      {"secret path", "https://hooks.example.com/services/T0/B0/secret",
       "https://hooks.example.com/..."},
      {"query", "https://example.com?token=secret", "https://example.com/..."},
      {"userinfo", "https://user:pass@example.com:8443/x", "https://example.com:8443/..."},
      {"ipv6 literal", "http://[::1]:9000/hook", "http://[::1]:9000/..."},
      {"at sign in the path only", "http://example.com/a@b", "http://example.com/..."},
      {"not a url", "hook-a", "hook-a"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(redact_url(c.url), c.want);
  }
}

// ---- Ordering and retries with a fake transport ---------------------------

// Fails the first `failures` attempts to each url, then succeeds; records
// every attempt as "url#sequence".
struct FakeTransport {
  std::mutex mu;
  std::map<std::string, int> failures_left;
  std::vector<std::string> attempts;
  std::vector<std::string> delivered;

  WebhookTransport fn() {
    return [this](const Webhook& hook, const std::string& body, const std::atomic<bool>&) {
      std::lock_guard<std::mutex> lock(mu);
      std::string what = hook.url + "#" + std::to_string(sequence_of(body));
      attempts.push_back(what);
      auto it = failures_left.find(hook.url);
      if (it != failures_left.end() && it->second != 0) {
        if (it->second > 0) --it->second;  // negative: fail forever
        return DeliveryResult{false, 503, "HTTP 503"};
      }
      delivered.push_back(what);
      return DeliveryResult{true, 200, ""};
    };
  }
  std::vector<std::string> get_delivered() {
    std::lock_guard<std::mutex> lock(mu);
    return delivered;
  }
  std::vector<std::string> get_attempts() {
    std::lock_guard<std::mutex> lock(mu);
    return attempts;
  }
};

TEST(WebhookNotifier, LaterEventsWaitBehindAnUndeliveredEarlierOne) {
  FakeTransport fake;
  fake.failures_left["a"] = 3;
  LogLines log;
  WebhookNotifier n({{"a", 1000}}, 1, 4, log.fn(), fake.fn());
  for (uint64_t s = 1; s <= 3; ++s) n.enqueue(event(s));
  ASSERT_TRUE(eventually([&] { return fake.get_delivered().size() == 3; }));
  EXPECT_EQ(fake.get_delivered(), (std::vector<std::string>{"a#1", "a#2", "a#3"}));
  EXPECT_EQ(fake.get_attempts(),
            (std::vector<std::string>{"a#1", "a#1", "a#1", "a#1", "a#2", "a#3"}));
  ASSERT_TRUE(eventually([&] { return n.stats()[0].pending == 0; }));
  auto st = n.stats();
  EXPECT_EQ(st[0].url, "a");
  EXPECT_EQ(st[0].delivered, 3u);
  EXPECT_EQ(st[0].attempts_failed, 3u);
  EXPECT_EQ(st[0].last_error, "HTTP 503");
  EXPECT_TRUE(log.any_contains("attempt 1 to deliver firing pool-utilization/ipam-pool-1 "
                               "(sequence 1) failed: HTTP 503; retrying in 1 ms"));
  EXPECT_TRUE(log.any_contains("delivered firing pool-utilization/ipam-pool-1 (sequence 1) "
                               "after 4 attempts"));
}

TEST(WebhookNotifier, AFailingHookDoesNotHoldUpAnother) {
  FakeTransport fake;
  fake.failures_left["down"] = -1;
  WebhookNotifier n({{"down", 1000}, {"up", 1000}}, 1, 2, {}, fake.fn());
  n.enqueue(event(1));
  n.enqueue(event(2));
  ASSERT_TRUE(eventually([&] { return n.stats()[0].attempts_failed >= 5; }));
  EXPECT_EQ(fake.get_delivered(), (std::vector<std::string>{"up#1", "up#2"}));
  auto st = n.stats();
  EXPECT_EQ(st[0].delivered, 0u);
  EXPECT_EQ(st[0].pending, 2u);
  EXPECT_EQ(st[1].delivered, 2u);
  EXPECT_EQ(st[1].pending, 0u);
}

TEST(WebhookNotifier, ReloadAppliesToNewEventsAndKeepsRetainedHooks) {
  FakeTransport fake;
  fake.failures_left["gone"] = -1;
  LogLines log;
  WebhookNotifier n({{"kept", 1000}, {"gone", 1000}}, 1, 2, log.fn(), fake.fn());
  n.enqueue(event(1));
  ASSERT_TRUE(eventually([&] { return n.stats()[0].delivered == 1; }));
  n.set_hooks({{"new", 1000}, {"kept", 2000}});
  n.enqueue(event(2));
  ASSERT_TRUE(eventually([&] {
    auto st = n.stats();
    return st.size() == 2 && st[0].delivered == 1 && st[1].delivered == 2;
  }));
  auto delivered = fake.get_delivered();
  std::sort(delivered.begin(), delivered.end());
  EXPECT_EQ(delivered, (std::vector<std::string>{"kept#1", "kept#2", "new#2"}));
  auto st = n.stats();
  ASSERT_EQ(st.size(), 2u);
  EXPECT_EQ(st[0].url, "new");
  EXPECT_EQ(st[1].url, "kept");
  EXPECT_EQ(st[1].delivered, 2u);
  EXPECT_TRUE(log.any_contains("webhook gone: removed by reload; abandoned 1"));
}

// ---- Over HTTP on loopback --------------------------------------------------

TEST(WebhookHttp, EventsArriveInOrderExactlyOnceAfterRetries) {
  Receiver rx({500, 500, 200});
  WebhookNotifier n({{rx.url(), 2000}}, 10, 100);
  for (uint64_t s = 1; s <= 3; ++s) n.enqueue(event(s));
  ASSERT_TRUE(eventually([&] { return n.stats()[0].delivered == 3; }));
  auto reqs = rx.requests();
  ASSERT_EQ(reqs.size(), 5u);
  std::vector<uint64_t> attempted, accepted;
  for (const auto& r : reqs) {
    attempted.push_back(sequence_of(r.body));
    if (r.answered / 100 == 2) accepted.push_back(sequence_of(r.body));
    EXPECT_EQ(r.head.rfind("post /hook http/1.1", 0), 0u) << r.head;
    EXPECT_NE(r.head.find("content-type: application/json"), std::string::npos) << r.head;
    EXPECT_NE(r.head.find("user-agent: byoipd"), std::string::npos) << r.head;
  }
  EXPECT_EQ(attempted, (std::vector<uint64_t>{1, 1, 1, 2, 3}));
  EXPECT_EQ(accepted, (std::vector<uint64_t>{1, 2, 3}));
  auto body = nlohmann::json::parse(reqs.back().body);
  EXPECT_EQ(body["source"], "byoipd");
  EXPECT_EQ(body["message"], "test event 3");
  auto st = n.stats();
  EXPECT_EQ(st[0].attempts_failed, 2u);
  EXPECT_EQ(st[0].pending, 0u);
  EXPECT_EQ(st[0].last_error, "HTTP 500");
}

TEST(WebhookHttp, AnyTwoHundredIsADelivery) {
  Receiver rx({204});
  WebhookNotifier n({{rx.url(), 2000}}, 10, 100);
  n.enqueue(event(1));
  ASSERT_TRUE(eventually([&] { return n.stats()[0].delivered == 1; }));
  EXPECT_EQ(rx.count(), 1u);
  EXPECT_EQ(n.stats()[0].attempts_failed, 0u);
}

TEST(WebhookHttp, BackoffGrowsBetweenAttempts) {
  // Retries wait at least 20, 40, 80, 80 ms (initial 20, cap 80). Only lower
  // bounds are checked: a loaded machine may be slower, never faster.
  Receiver rx({503, 503, 503, 503, 200});
  WebhookNotifier n({{rx.url(), 2000}}, 20, 80);
  n.enqueue(event(1));
  ASSERT_TRUE(eventually([&] { return n.stats()[0].delivered == 1; }));
  auto reqs = rx.requests();
  ASSERT_EQ(reqs.size(), 5u);
  const int min_gap_ms[] = {20, 40, 80, 80};
  for (size_t i = 1; i < reqs.size(); ++i) {
    auto gap = std::chrono::duration_cast<milliseconds>(reqs[i].at - reqs[i - 1].at);
    EXPECT_GE(gap.count(), min_gap_ms[i - 1]) << "gap before attempt " << i + 1;
  }
}

TEST(WebhookHttp, DeadPortIsRetriedAndShutdownIsPrompt) {
  LogLines log;
  Clock::time_point stop_started;
  {
    WebhookNotifier n({{dead_url(), 2000}}, 10, 1000, log.fn());
    n.enqueue(event(1));
    n.enqueue(event(2));
    ASSERT_TRUE(eventually([&] { return n.stats()[0].attempts_failed >= 3; }));
    auto st = n.stats();
    EXPECT_EQ(st[0].delivered, 0u);
    EXPECT_EQ(st[0].pending, 2u);
    EXPECT_FALSE(st[0].last_error.empty());
    stop_started = Clock::now();
  }
  EXPECT_LT(Clock::now() - stop_started, std::chrono::seconds(2));
  EXPECT_TRUE(log.any_contains("shutting down; abandoned 2 undelivered alarm event(s)"));
  EXPECT_TRUE(log.any_contains("failed: "));
  EXPECT_FALSE(log.any_contains("/hook")) << "the url's path is not logged";
}

TEST(WebhookHttp, ShutdownAbortsARequestInFlight) {
  Receiver rx({200}, /*hang=*/true);
  Clock::time_point stop_started;
  {
    WebhookNotifier n({{rx.url(), 30000}}, 10, 1000);
    n.enqueue(event(1));
    ASSERT_TRUE(eventually([&] { return rx.count() == 1; }));
    stop_started = Clock::now();
  }
  // libcurl polls its progress callback at least once a second.
  EXPECT_LT(Clock::now() - stop_started, std::chrono::seconds(3));
}

// The issue's acceptance test: a pool crossing 80% gives the receiver
// exactly one alarm, and dropping below gives exactly one clear.
TEST(WebhookHttp, PoolCrossingEightyPercentSendsOneAlarmAndOneClear) {
  ipam::IpamEngine engine;
  auto ipam_info = *engine.create_ipam(
      ipam::IpamSpec{"222233334444", "eu-west-1", {}, ipam::Tier::kAdvanced, "", {}});
  ipam::PoolSpec spec;
  spec.scope_id = ipam_info.private_default_scope_id;
  auto pool = *engine.create_pool(spec);
  ASSERT_TRUE(engine
                  .provision_cidr(pool.id, ipam::ProvisionRequest{
                                               *Prefix::parse("10.0.0.0/24"), {}, false})
                  .ok());
  auto reserve = [&](const char* cidr) {
    ipam::AllocationRequest req;
    req.cidr = *Prefix::parse(cidr);
    auto a = engine.allocate(pool.id, req);
    EXPECT_TRUE(a.ok()) << a.status().to_string();
    return a.ok() ? a->id : std::string();
  };

  Receiver rx({200});
  WebhookNotifier n({{rx.url(), 2000}}, 10, 100);
  AlarmBook book;
  int tick = 0;
  auto evaluate = [&] {
    for (const AlarmEvent& e :
         book.update(evaluate_conditions(engine, 80.0),
                     "2024-05-01T00:00:" + std::to_string(10 + tick++) + "Z")) {
      n.enqueue(e);
    }
  };

  reserve("10.0.0.0/25");
  reserve("10.0.0.128/26");  // 75%
  evaluate();
  std::string crossing = reserve("10.0.0.192/28");  // 81.25%
  evaluate();
  evaluate();
  std::string more = reserve("10.0.0.208/28");  // 87.5%
  evaluate();
  ASSERT_TRUE(engine.release_allocation(pool.id, more).ok());
  ASSERT_TRUE(engine.release_allocation(pool.id, crossing).ok());  // 75%
  evaluate();
  evaluate();

  ASSERT_TRUE(eventually([&] { return n.stats()[0].delivered == 2; }));
  EXPECT_EQ(n.stats()[0].pending, 0u);
  auto reqs = rx.requests();
  ASSERT_EQ(reqs.size(), 2u);
  auto fired = nlohmann::json::parse(reqs[0].body);
  auto cleared = nlohmann::json::parse(reqs[1].body);
  EXPECT_EQ(fired["state"], "firing");
  EXPECT_EQ(fired["key"], "pool-utilization/" + pool.id);
  EXPECT_EQ(fired["labels"]["pool"], pool.id);
  EXPECT_EQ(fired["value"], 81.25);
  EXPECT_EQ(cleared["state"], "resolved");
  EXPECT_EQ(cleared["key"], "pool-utilization/" + pool.id);
  EXPECT_GT(cleared["sequence"].get<uint64_t>(), fired["sequence"].get<uint64_t>());
}

}  // namespace
}  // namespace byoipd::controller
