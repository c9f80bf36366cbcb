// Two in-process Speakers peering over real TCP on loopback.
//
// Speaker A (AS 64500) listens on 127.0.0.1 at a port the kernel picks; its
// peer "b" is passive. Speaker B (AS 64501) has no listener and connects to
// A from 127.0.0.2, which is how A recognises it (a speaker identifies an
// inbound peer by its source address). Tests that need both ends active give
// B a listener on 127.0.0.2 too. Everything waits by polling with a deadline.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <ostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "byoipd/bgp/speaker.h"

namespace byoipd::bgp {
namespace {

using namespace std::chrono_literals;

constexpr uint32_t kAsA = 64500;
constexpr uint32_t kAsB = 64501;
constexpr AfiSafi kV4{Afi::kIpv4, Safi::kUnicast};
constexpr AfiSafi kV6{Afi::kIpv6, Safi::kUnicast};

Prefix P(const char* text) { return Prefix::parse(text).value(); }
IpAddress A(const char* text) { return IpAddress::parse(text).value(); }

// Polls `done` every 20 ms until it holds or `timeout` runs out.
bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = 10s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

// Holds `done` for the whole of `period` (checked every 20 ms).
bool holds_for(const std::function<bool()>& done, std::chrono::milliseconds period) {
  auto deadline = std::chrono::steady_clock::now() + period;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!done()) return false;
    std::this_thread::sleep_for(20ms);
  }
  return done();
}

// A port nobody listens on at `ip` right now (bound and released).
uint16_t free_port(const char* ip) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  ::inet_pton(AF_INET, ip, &sin.sin_addr);
  socklen_t len = sizeof sin;
  uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len) == 0) {
    port = ntohs(sin.sin_port);
  }
  ::close(fd);
  return port;
}

SpeakerPeerConfig peer_config(const char* name, const char* address, uint32_t remote_as) {
  SpeakerPeerConfig p;
  p.name = name;
  p.address = A(address);
  p.remote_as = remote_as;
  p.hold_time = 9;
  p.connect_retry_seconds = 1;
  return p;
}

// A: listens on 127.0.0.1, waits for B (passive), exports with fixed next hops.
SpeakerConfig config_a() {
  SpeakerConfig c;
  c.local_as = kAsA;
  c.router_id = 0x0a000001;
  c.listen_address = A("127.0.0.1");
  c.listen_port = 0;
  SpeakerPeerConfig b = peer_config("b", "127.0.0.2", kAsB);
  b.passive = true;
  b.export_policy.next_hop_v4 = A("192.0.2.1");
  b.export_policy.next_hop_v6 = A("2001:db8::1");
  c.peers.push_back(b);
  return c;
}

// B: connects to A from 127.0.0.2.
SpeakerConfig config_b(uint16_t port_a) {
  SpeakerConfig c;
  c.local_as = kAsB;
  c.router_id = 0x0a000002;
  SpeakerPeerConfig a = peer_config("a", "127.0.0.1", kAsA);
  a.port = port_a;
  a.local_address = A("127.0.0.2");
  a.export_policy.next_hop_v4 = A("192.0.2.2");
  a.export_policy.next_hop_v6 = A("2001:db8::2");
  c.peers.push_back(a);
  return c;
}

std::unique_ptr<Speaker> start(SpeakerConfig config, SpeakerCallbacks callbacks = {}) {
  auto speaker = Speaker::start(std::move(config), std::move(callbacks));
  EXPECT_TRUE(speaker.ok()) << speaker.status().message();
  return speaker.ok() ? std::move(*speaker) : nullptr;
}

// The status of a speaker's only peer.
PeerStatus status(const Speaker& speaker) {
  auto peers = speaker.peers();
  EXPECT_EQ(peers.size(), 1u);
  return peers.empty() ? PeerStatus{} : peers.front();
}

bool established(const Speaker& speaker) { return status(speaker).state == "established"; }

std::vector<RouteEntry> routes(const Speaker& speaker) {
  Speaker::RouteQuery query;
  query.limit = 100000;
  auto answer = speaker.routes(query);
  EXPECT_TRUE(answer.ok()) << answer.status().message();
  return answer.ok() ? answer->routes : std::vector<RouteEntry>{};
}

std::optional<RouteEntry> route(const Speaker& speaker, const Prefix& prefix) {
  for (auto& r : routes(speaker)) {
    if (r.prefix == prefix) return r;
  }
  return std::nullopt;
}

Announcement announcement(const char* prefix, std::vector<uint32_t> communities = {}) {
  Announcement a;
  a.prefix = P(prefix);
  a.communities = std::move(communities);
  return a;
}

AsPathSegment sequence(std::vector<uint32_t> asns) {
  return AsPathSegment{AsPathSegment::Type::kSequence, std::move(asns)};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A started with B connecting to it; both wait for the session.
class SpeakerPairTest : public ::testing::Test {
 protected:
  void start_pair(SpeakerConfig a = config_a(), std::function<void(SpeakerConfig&)> tweak_b = {},
                  SpeakerCallbacks callbacks_b = {}) {
    a_ = start(std::move(a));
    ASSERT_NE(a_, nullptr);
    ASSERT_NE(a_->listen_port(), 0);
    SpeakerConfig b = config_b(a_->listen_port());
    if (tweak_b) tweak_b(b);
    config_b_ = b;
    b_ = start(std::move(b), std::move(callbacks_b));
    ASSERT_NE(b_, nullptr);
  }

  void wait_established() {
    ASSERT_TRUE(wait_until([&] { return established(*a_) && established(*b_); }))
        << "A: " << status(*a_).state << " (" << status(*a_).last_error << "), B: "
        << status(*b_).state << " (" << status(*b_).last_error << ")";
  }

  std::unique_ptr<Speaker> a_;
  std::unique_ptr<Speaker> b_;
  SpeakerConfig config_b_;
};

TEST_F(SpeakerPairTest, SessionComesUpWithBothFamilies) {
  start_pair();
  wait_established();
  for (const Speaker* s : {a_.get(), b_.get()}) {
    PeerStatus st = status(*s);
    EXPECT_EQ(st.families, (std::vector<AfiSafi>{kV4, kV6}));
    EXPECT_TRUE(st.four_octet_as);
    EXPECT_EQ(st.hold_time, 9);
    EXPECT_EQ(st.established_transitions, 1u);
    EXPECT_TRUE(st.uptime.has_value());
    EXPECT_EQ(st.last_error, "");
  }
  EXPECT_EQ(status(*a_).local_address, "127.0.0.1");
  EXPECT_EQ(status(*b_).local_address, "127.0.0.2");
}

TEST_F(SpeakerPairTest, AnnouncementsArriveReplaceAndWithdraw) {
  start_pair();
  wait_established();
  Announcement v4 = announcement("198.51.100.0/24", {0xFDE80002, 0xFDE80001});  // 65000:2, :1
  v4.large_communities = {{kAsA, 1, 1}};
  Announcement v6 = announcement("2001:db8:100::/48", {0xFDE80003});
  v6.prepend = 1;
  a_->announce(v4);
  a_->announce(v6);

  ASSERT_TRUE(wait_until([&] { return routes(*b_).size() == 2; }));
  auto r4 = route(*b_, v4.prefix);
  ASSERT_TRUE(r4.has_value());
  EXPECT_EQ(r4->origin_as, kAsA);
  EXPECT_EQ(r4->as_path, std::vector<AsPathSegment>{sequence({kAsA})});
  EXPECT_EQ(r4->next_hop, A("192.0.2.1"));
  EXPECT_EQ(r4->communities, (std::vector<uint32_t>{0xFDE80001, 0xFDE80002}));
  EXPECT_EQ(r4->large_communities, (std::vector<LargeCommunity>{{kAsA, 1, 1}}));
  EXPECT_EQ(r4->origin, Origin::kIgp);
  EXPECT_FALSE(r4->local_pref.has_value());
  auto r6 = route(*b_, v6.prefix);
  ASSERT_TRUE(r6.has_value());
  EXPECT_EQ(r6->origin_as, kAsA);
  EXPECT_EQ(r6->as_path, std::vector<AsPathSegment>{sequence({kAsA, kAsA})});
  EXPECT_EQ(r6->next_hop, A("2001:db8::1"));
  EXPECT_EQ(r6->communities, std::vector<uint32_t>{0xFDE80003});
  EXPECT_EQ(status(*a_).prefixes_advertised, 2u);
  EXPECT_EQ(status(*b_).prefixes_received, 2u);

  // The same prefix again with other communities replaces the route.
  v4.communities = {0xFDE80009};
  a_->announce(v4);
  ASSERT_TRUE(wait_until([&] {
    auto r = route(*b_, v4.prefix);
    return r && r->communities == std::vector<uint32_t>{0xFDE80009};
  }));
  EXPECT_EQ(routes(*b_).size(), 2u);

  a_->withdraw(v4.prefix);
  ASSERT_TRUE(wait_until([&] { return !route(*b_, v4.prefix).has_value(); }));
  EXPECT_TRUE(route(*b_, v6.prefix).has_value());
  a_->withdraw(v6.prefix);
  ASSERT_TRUE(wait_until([&] { return routes(*b_).empty(); }));
  EXPECT_EQ(status(*a_).prefixes_advertised, 0u);
}

TEST_F(SpeakerPairTest, SetAnnouncementsAppliesTheDifference) {
  start_pair();
  wait_established();
  a_->set_announcements({announcement("198.51.100.0/24"), announcement("203.0.113.0/24"),
                         announcement("2001:db8:100::/48")});
  ASSERT_TRUE(wait_until([&] { return routes(*b_).size() == 3; }));

  a_->set_announcements({announcement("203.0.113.0/24", {0xFDE80001}),
                         announcement("2001:db8:100::/48"), announcement("2001:db8:200::/48")});
  ASSERT_TRUE(wait_until([&] {
    auto r = route(*b_, P("203.0.113.0/24"));
    return !route(*b_, P("198.51.100.0/24")) && route(*b_, P("2001:db8:200::/48")) && r &&
           r->communities == std::vector<uint32_t>{0xFDE80001};
  }));
  EXPECT_EQ(routes(*b_).size(), 3u);
  EXPECT_TRUE(route(*b_, P("2001:db8:100::/48")).has_value());
  EXPECT_EQ(a_->announcements().size(), 3u);
  EXPECT_EQ(status(*a_).prefixes_advertised, 3u);
}

TEST_F(SpeakerPairTest, ChangeAnnouncementsDeliversABulkOf5000) {
  start_pair();
  wait_established();
  std::vector<Announcement> bulk;
  for (u128 i = 0; i < 4000; ++i) {
    bulk.emplace_back();
    bulk.back().prefix = P("10.0.0.0/8").subnet(24, i);
  }
  for (u128 i = 0; i < 1000; ++i) {
    bulk.emplace_back();
    bulk.back().prefix = P("2001:db8::/32").subnet(48, i);
  }
  a_->change_announcements(bulk, {});
  ASSERT_TRUE(wait_until([&] { return status(*b_).prefixes_received == 5000; }))
      << status(*b_).prefixes_received;
  EXPECT_EQ(routes(*b_).size(), 5000u);
  EXPECT_EQ(status(*a_).prefixes_advertised, 5000u);

  // Withdraw half and add one in the same call.
  std::vector<Prefix> gone;
  for (size_t i = 0; i < 2500; ++i) gone.push_back(bulk[i].prefix);
  a_->change_announcements({announcement("198.51.100.0/24")}, gone);
  ASSERT_TRUE(wait_until([&] { return status(*b_).prefixes_received == 2501; }))
      << status(*b_).prefixes_received;
  EXPECT_TRUE(route(*b_, P("198.51.100.0/24")).has_value());
  EXPECT_FALSE(route(*b_, bulk[0].prefix).has_value());
}

TEST_F(SpeakerPairTest, ObserverIsNeverAnnouncedTo) {
  SpeakerConfig a = config_a();
  a.peers[0].role = PeerRole::kObserver;
  start_pair(a);
  wait_established();
  // Both End-of-RIBs arrived: A's initial update is complete.
  ASSERT_TRUE(wait_until([&] { return status(*b_).updates_received >= 2; }));
  a_->announce(announcement("198.51.100.0/24"));
  a_->announce(announcement("2001:db8:100::/48"));
  EXPECT_EQ(status(*a_).prefixes_advertised, 0u);  // queued behind the announces
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(routes(*b_).empty());
  EXPECT_EQ(status(*b_).updates_received, 2u);  // the End-of-RIBs only

  // An observer still feeds the origin view.
  b_->announce(announcement("203.0.113.0/24"));
  ASSERT_TRUE(wait_until([&] { return route(*a_, P("203.0.113.0/24")).has_value(); }));
}

TEST_F(SpeakerPairTest, PeerShutdownDropsRoutesAndRestartRecovers) {
  start_pair();
  wait_established();
  a_->announce(announcement("198.51.100.0/24"));
  b_->announce(announcement("203.0.113.0/24"));
  ASSERT_TRUE(wait_until([&] { return routes(*a_).size() == 1 && routes(*b_).size() == 1; }));

  b_.reset();  // Cease/2 with an RFC 9003 message, then gone
  ASSERT_TRUE(wait_until([&] { return !established(*a_) && routes(*a_).empty(); }));
  PeerStatus st = status(*a_);
  EXPECT_TRUE(contains(st.last_error, "6/2")) << st.last_error;
  EXPECT_TRUE(contains(st.last_error, "byoipd is shutting down")) << st.last_error;
  EXPECT_EQ(st.prefixes_received, 0u);

  // Back without any call on A (A sits out its idle hold, 5 s, first).
  b_ = start(config_b_);
  ASSERT_NE(b_, nullptr);
  b_->announce(announcement("203.0.113.0/24"));
  ASSERT_TRUE(wait_until([&] { return established(*a_) && established(*b_); }, 12s))
      << status(*a_).state << " " << status(*a_).last_error;
  // A's announcements are sent again to the new session.
  ASSERT_TRUE(wait_until([&] { return route(*b_, P("198.51.100.0/24")).has_value(); }));
  ASSERT_TRUE(wait_until([&] { return route(*a_, P("203.0.113.0/24")).has_value(); }));
  EXPECT_EQ(status(*a_).established_transitions, 2u);
}

TEST_F(SpeakerPairTest, MaxPrefixTeardown) {
  start_pair(config_a(), [](SpeakerConfig& b) {
    b.peers[0].import.max_prefixes = 10;
    b.peers[0].import.max_prefix_teardown = true;
    b.peers[0].import.max_prefix_restart_seconds = 0;  // stay down
  });
  wait_established();
  std::vector<Announcement> twenty;
  for (u128 i = 0; i < 20; ++i) {
    twenty.emplace_back();
    twenty.back().prefix = P("10.0.0.0/8").subnet(24, i);
  }
  a_->change_announcements(twenty, {});
  ASSERT_TRUE(wait_until([&] { return !established(*b_); }));
  PeerStatus st = status(*b_);
  EXPECT_TRUE(contains(st.last_error, "6/1")) << st.last_error;
  EXPECT_TRUE(routes(*b_).empty());
  ASSERT_TRUE(wait_until([&] { return contains(status(*a_).last_error, "6/1"); }))
      << status(*a_).last_error;
}

TEST_F(SpeakerPairTest, ImportMaxLengthRejectsLongerPrefixes) {
  start_pair(config_a(), [](SpeakerConfig& b) { b.peers[0].import.max_length_v4 = 24; });
  wait_established();
  a_->change_announcements({announcement("198.51.100.0/24"), announcement("203.0.113.128/25")},
                           {});
  ASSERT_TRUE(wait_until([&] { return route(*b_, P("198.51.100.0/24")).has_value(); }));
  // Both prefixes share their attributes, so they came in one UPDATE.
  EXPECT_FALSE(route(*b_, P("203.0.113.128/25")).has_value());
  PeerStatus st = status(*b_);
  EXPECT_EQ(st.prefixes_rejected, 1u);
  EXPECT_EQ(st.prefixes_received, 1u);
  EXPECT_TRUE(established(*b_));
}

TEST_F(SpeakerPairTest, WrongRemoteAsNeverEstablishes) {
  start_pair(config_a(), [](SpeakerConfig& b) { b.peers[0].remote_as = 65999; });
  // B refuses A's OPEN with Bad Peer AS (RFC 4271 6.2: 2/2).
  ASSERT_TRUE(wait_until([&] { return contains(status(*b_).last_error, "2/2"); }))
      << status(*b_).last_error;
  ASSERT_TRUE(wait_until([&] { return contains(status(*a_).last_error, "2/2"); }))
      << status(*a_).last_error;
  EXPECT_TRUE(holds_for(
      [&] {
        return status(*a_).established_transitions == 0 &&
               status(*b_).established_transitions == 0;
      },
      1500ms));
  EXPECT_TRUE(routes(*a_).empty());
}

TEST_F(SpeakerPairTest, WatchReportsAddedThenWithdrawn) {
  std::mutex mu;
  std::vector<OriginEvent> events;
  SpeakerCallbacks callbacks;
  callbacks.on_origin = [&](const OriginEvent& e) {
    std::lock_guard<std::mutex> lock(mu);
    events.push_back(e);
  };
  auto count = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return events.size();
  };
  start_pair(config_a(), {}, callbacks);
  b_->watch(P("198.51.100.0/22"));
  wait_established();

  a_->announce(announcement("203.0.113.0/24"));     // not watched
  a_->announce(announcement("198.51.101.0/24"));    // covered by the watch
  ASSERT_TRUE(wait_until([&] { return count() >= 1; }));
  ASSERT_TRUE(wait_until([&] { return route(*b_, P("203.0.113.0/24")).has_value(); }));
  a_->withdraw(P("198.51.101.0/24"));
  ASSERT_TRUE(wait_until([&] { return count() >= 2; }));

  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, OriginEvent::Kind::kAdded);
  EXPECT_EQ(events[0].watched, P("198.51.100.0/22"));
  EXPECT_EQ(events[0].prefix, P("198.51.101.0/24"));
  EXPECT_EQ(events[0].new_origin_as, kAsA);
  EXPECT_EQ(events[1].kind, OriginEvent::Kind::kWithdrawn);
  EXPECT_EQ(events[1].prefix, P("198.51.101.0/24"));
  EXPECT_EQ(events[1].old_origin_as, kAsA);
}

// ---- TCP-MD5 (RFC 2385) and GTSM (RFC 5082) ----------------------------------------

// Whether this kernel takes a TCP-MD5 key at all (CONFIG_TCP_MD5SIG).
std::optional<std::string> md5_unsupported() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  struct tcp_md5sig sig;
  std::memset(&sig, 0, sizeof sig);
  auto* sin = reinterpret_cast<sockaddr_in*>(&sig.tcpm_addr);
  sin->sin_family = AF_INET;
  ::inet_pton(AF_INET, "127.0.0.2", &sin->sin_addr);
  sig.tcpm_keylen = 4;
  std::memcpy(sig.tcpm_key, "test", 4);
  int rc = ::setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof sig);
  int err = errno;
  ::close(fd);
  if (rc == 0) return std::nullopt;
  return std::string("TCP_MD5SIG unavailable: ") + std::strerror(err);
}

TEST_F(SpeakerPairTest, TcpMd5WithMatchingPasswordsEstablishes) {
  if (auto why = md5_unsupported()) GTEST_SKIP() << *why;
  SpeakerConfig a = config_a();
  a.peers[0].password = "s3cret-key";
  start_pair(a, [](SpeakerConfig& b) { b.peers[0].password = "s3cret-key"; });
  wait_established();
}

TEST_F(SpeakerPairTest, TcpMd5WithDifferentPasswordsNeverEstablishes) {
  if (auto why = md5_unsupported()) GTEST_SKIP() << *why;
  SpeakerConfig a = config_a();
  a.peers[0].password = "s3cret-key";
  start_pair(a, [](SpeakerConfig& b) { b.peers[0].password = "other-key"; });
  // The kernel drops B's SYNs: B only ever sees its connect time out.
  ASSERT_TRUE(wait_until([&] { return contains(status(*b_).last_error, "TCP-MD5"); }, 5s))
      << status(*b_).last_error;
  EXPECT_TRUE(holds_for([&] { return status(*a_).established_transitions == 0; }, 1s));
  EXPECT_EQ(status(*b_).established_transitions, 0u);
}

// RFC 5082 on both ends: the listener answers SYNs with TTL 255 (a peer with
// IP_MINTTL 254 drops anything less), accepted sockets drop below 254.
TEST_F(SpeakerPairTest, GtsmOnBothEndsEstablishesOnLoopback) {
  SpeakerConfig a = config_a();
  a.peers[0].gtsm = true;
  start_pair(a, [](SpeakerConfig& b) { b.peers[0].gtsm = true; });
  wait_established();
}

// ---- connection collision (RFC 4271 6.8) --------------------------------------------

// A TCP relay that holds every connection it accepts until release(), then
// connects on to `to` (from `from`) and copies bytes both ways; either side
// closing closes both. Lets a test delay one of two crossing connections.
class GateRelay {
 public:
  GateRelay(const char* listen_ip, const char* from, const char* to_ip, uint16_t to_port)
      : from_(from), to_ip_(to_ip), to_port_(to_port) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in sin = address(listen_ip, 0);
    socklen_t len = sizeof sin;
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&sin), sizeof sin), 0);
    EXPECT_EQ(::listen(listener_, 8), 0);
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&sin), &len);
    port_ = ntohs(sin.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~GateRelay() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
    for (int fd : held_) ::close(fd);
    for (auto [x, y] : pairs_) {
      ::close(x);
      ::close(y);
    }
  }
  uint16_t port() const { return port_; }
  void release() { released_ = true; }
  int relayed() const { return relayed_; }

 private:
  static sockaddr_in address(const char* ip, uint16_t port) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    ::inet_pton(AF_INET, ip, &sin.sin_addr);
    return sin;
  }

  void run() {
    while (!stop_) {
      std::vector<pollfd> fds{{listener_, POLLIN, 0}};
      for (auto [x, y] : pairs_) {
        fds.push_back({x, POLLIN, 0});
        fds.push_back({y, POLLIN, 0});
      }
      ::poll(fds.data(), fds.size(), 20);
      if (fds[0].revents & POLLIN) {
        int fd = ::accept(listener_, nullptr, nullptr);
        if (fd >= 0) held_.push_back(fd);
      }
      std::vector<std::pair<int, int>> alive;
      for (size_t i = 0; i < pairs_.size(); ++i) {
        auto [x, y] = pairs_[i];
        bool ok = copy(fds[1 + 2 * i], x, y) && copy(fds[2 + 2 * i], y, x);
        if (ok) {
          alive.push_back(pairs_[i]);
        } else {
          ::close(x);
          ::close(y);
        }
      }
      pairs_ = std::move(alive);
      if (released_) {
        for (int fd : held_) connect_on(fd);
        held_.clear();
      }
    }
  }

  void connect_on(int fd) {
    int out = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in src = address(from_, 0);
    sockaddr_in dst = address(to_ip_, to_port_);
    if (::bind(out, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0 ||
        ::connect(out, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0) {
      ::close(out);
      ::close(fd);
      return;
    }
    ++relayed_;
    pairs_.emplace_back(fd, out);
  }

  // Copies what is readable on `in` to `out`; false when the relay must end.
  static bool copy(const pollfd& p, int in, int out) {
    if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) return true;
    char buf[8192];
    ssize_t n = ::read(in, buf, sizeof buf);
    if (n <= 0) return false;
    for (ssize_t done = 0; done < n;) {
      // MSG_NOSIGNAL: a side that closed first must end the relay, not kill
      // the test binary with SIGPIPE.
      ssize_t w = ::send(out, buf + done, static_cast<size_t>(n - done), MSG_NOSIGNAL);
      if (w <= 0) return false;
      done += w;
    }
    return true;
  }

  const char* from_;
  const char* to_ip_;
  uint16_t to_port_;
  int listener_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> released_{false};
  std::atomic<int> relayed_{0};
  std::vector<int> held_;
  std::vector<std::pair<int, int>> pairs_;
};

// ESTABLISHED TCP sockets whose local port is one of `ports` (the accepting
// ends of connections to those listeners), from /proc/net/tcp.
int established_to(std::vector<uint16_t> ports) {
  std::ifstream in("/proc/net/tcp");
  std::string line;
  std::getline(in, line);  // header
  int count = 0;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    fields >> slot >> local >> remote >> state;
    uint16_t port = static_cast<uint16_t>(std::stoul(local.substr(local.find(':') + 1), nullptr, 16));
    if (state == "01" && std::find(ports.begin(), ports.end(), port) != ports.end()) ++count;
  }
  return count;
}

// Both speakers active and listening, each outbound connection held in a
// relay so the test decides when it reaches the other side:
//  * CrossingConnections: both held until both speakers sit in OpenSent,
//    then let go together. Each side has its own connection in OpenSent when
//    the other's arrives; which handshake completes first is a race.
//  * AgainstEstablished: only A's connection is held, until B's direct one is
//    Established on both ends; A's late connection must be the one closed.
// Either way exactly one session must survive, shown by both peers() and
// carrying routes both ways.
//
// A connection accepted while ours is in OpenSent becomes a candidate; when it
// reaches Established first it is promoted and ours gives way with Cease/7.
enum class Collision { kCrossingConnections, kAgainstEstablished };
std::ostream& operator<<(std::ostream& os, Collision c) {
  return os << (c == Collision::kCrossingConnections ? "crossing" : "against-established");
}

class CollisionTest : public ::testing::TestWithParam<Collision> {};

TEST_P(CollisionTest, ExactlyOneSessionSurvives) {
  const bool crossing = GetParam() == Collision::kCrossingConnections;
  const uint16_t port_a = free_port("127.0.0.1");
  const uint16_t port_b = free_port("127.0.0.2");
  ASSERT_NE(port_a, 0);
  ASSERT_NE(port_b, 0);
  GateRelay a_to_b("127.0.0.2", "127.0.0.1", "127.0.0.2", port_b);
  GateRelay b_to_a("127.0.0.1", "127.0.0.2", "127.0.0.1", port_a);

  SpeakerConfig a = config_a();
  a.listen_port = port_a;
  a.peers[0].passive = false;
  a.peers[0].port = a_to_b.port();
  a.peers[0].local_address = A("127.0.0.1");
  a.peers[0].hold_time = 3;
  auto speaker_a = start(a);
  ASSERT_NE(speaker_a, nullptr);
  // A's first OPEN now waits in the relay.
  ASSERT_TRUE(wait_until([&] { return status(*speaker_a).state == "opensent"; }))
      << status(*speaker_a).state;

  SpeakerConfig b = config_b(crossing ? b_to_a.port() : port_a);
  b.listen_address = A("127.0.0.2");
  b.listen_port = port_b;
  b.peers[0].hold_time = 3;
  auto speaker_b = start(b);
  ASSERT_NE(speaker_b, nullptr);
  if (crossing) {
    ASSERT_TRUE(wait_until([&] { return status(*speaker_b).state == "opensent"; }))
        << status(*speaker_b).state;
    b_to_a.release();
  } else {
    ASSERT_TRUE(wait_until([&] { return established(*speaker_b); }));
  }
  a_to_b.release();
  ASSERT_TRUE(wait_until([&] { return a_to_b.relayed() >= 1; }, 3s));

  auto describe = [&] {
    return "A: " + status(*speaker_a).state + " (" + status(*speaker_a).last_error + "), B: " +
           status(*speaker_b).state + " (" + status(*speaker_b).last_error + ")";
  };
  ASSERT_TRUE(wait_until([&] { return established(*speaker_a) && established(*speaker_b); }))
      << describe();
  const uint64_t transitions_a = status(*speaker_a).established_transitions;
  const uint64_t transitions_b = status(*speaker_b).established_transitions;
  // Stable over more than the hold time: a side keeping the losing
  // connection would see its hold timer expire.
  EXPECT_TRUE(holds_for(
      [&] {
        return established(*speaker_a) && established(*speaker_b) &&
               status(*speaker_a).established_transitions == transitions_a &&
               status(*speaker_b).established_transitions == transitions_b;
      },
      4s))
      << describe();
  EXPECT_TRUE(wait_until([&] { return established_to({port_a, port_b}) == 1; }, 3s))
      << established_to({port_a, port_b});

  // The surviving session carries routes both ways.
  speaker_a->announce(announcement("198.51.100.0/24"));
  speaker_b->announce(announcement("203.0.113.0/24"));
  EXPECT_TRUE(wait_until([&] { return route(*speaker_b, P("198.51.100.0/24")).has_value(); }));
  EXPECT_TRUE(wait_until([&] { return route(*speaker_a, P("203.0.113.0/24")).has_value(); }));
}

INSTANTIATE_TEST_SUITE_P(Rfc4271Section6_8, CollisionTest,
                         ::testing::Values(Collision::kCrossingConnections,
                                           Collision::kAgainstEstablished),
                         [](const auto& info) {
                           return info.param == Collision::kCrossingConnections
                                      ? std::string("CrossingConnections")
                                      : std::string("AgainstEstablished");
                         });

}  // namespace
}  // namespace byoipd::bgp
