#include "byoipd/bgp/fsm.h"

// With the codec's header too: the session layer includes both, so their
// names must not collide.
#include "byoipd/bgp/wire.h"

#include <gtest/gtest.h>

#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace byoipd::bgp {
namespace {

using std::chrono::seconds;

class ManualClock final : public Clock {
 public:
  TimePoint now() const override { return now_; }
  void set(TimePoint t) { now_ = t; }
  void advance(seconds by) { now_ += by; }

 private:
  TimePoint now_{};  // the epoch; only differences matter
};

constexpr uint32_t kLocalAs = 64500;
constexpr uint32_t kRemoteAs = 64501;
constexpr uint32_t kLocalId = 0x0a000001;   // 10.0.0.1
constexpr uint32_t kRemoteId = 0x0a000002;  // 10.0.0.2

PeerConfig active_config() {
  PeerConfig config;
  config.local_as = kLocalAs;
  config.remote_as = kRemoteAs;
  config.router_id = kLocalId;
  return config;
}

PeerConfig passive_config() {
  PeerConfig config = active_config();
  config.passive = true;
  return config;
}

Open peer_open(uint16_t hold_time = 90) {
  Open open;
  open.my_as = static_cast<uint16_t>(kRemoteAs);
  open.hold_time = hold_time;
  open.bgp_identifier = kRemoteId;
  open.capabilities.four_octet_as = kRemoteAs;
  return open;
}

Notification notif(uint8_t code, uint8_t subcode) { return Notification{code, subcode, {}}; }

std::string summary(const std::vector<FsmAction>& actions) {
  std::string out;
  for (const FsmAction& action : actions) {
    if (!out.empty()) out += ' ';
    out += describe(action);
  }
  return out;
}

// The Fsm plus a stand-in for the event loop: it keeps the timers the Fsm
// asks for as deadlines on the manual clock, and advance() fires the ones
// that fall due as TimerExpired events, in deadline order.
class Loop {
 public:
  explicit Loop(PeerConfig config) : fsm_(std::move(config), clock_) {}

  std::vector<FsmAction> feed(const Event& event) {
    std::vector<FsmAction> actions = fsm_.handle(event);
    for (const FsmAction& action : actions) {
      if (const auto* start = std::get_if<StartTimer>(&action)) {
        deadlines_[start->timer] = clock_.now() + seconds(start->seconds);
      } else if (const auto* stop = std::get_if<StopTimer>(&action)) {
        deadlines_.erase(stop->timer);
      }
      log_.push_back(action);
    }
    return actions;
  }
  std::string step(const Event& event) { return summary(feed(event)); }

  // Moves the clock forward, firing due timers; returns what they caused.
  std::string advance(seconds by) {
    Clock::TimePoint until = clock_.now() + by;
    std::vector<FsmAction> fired;
    for (;;) {
      auto next = deadlines_.end();
      for (auto it = deadlines_.begin(); it != deadlines_.end(); ++it) {
        if (it->second <= until && (next == deadlines_.end() || it->second < next->second)) {
          next = it;
        }
      }
      if (next == deadlines_.end()) break;
      clock_.set(next->second);
      Timer timer = next->first;
      deadlines_.erase(next);
      for (FsmAction& action : feed(TimerExpired{timer})) fired.push_back(std::move(action));
    }
    clock_.set(until);
    return summary(fired);
  }

  // Drives a fresh Fsm to `state` along the ordinary path.
  void drive_to(State state) {
    if (state == State::kIdle) return;
    feed(ManualStart{});
    if (state == State::kConnect) return;
    if (state == State::kActive) {
      if (!fsm_.config().passive) feed(TcpConnectionFails{});
      return;
    }
    feed(TcpConnected{.inbound = fsm_.config().passive});
    if (state == State::kOpenSent) return;
    feed(OpenReceived{peer_open()});
    if (state == State::kOpenConfirm) return;
    feed(KeepaliveReceived{});
  }

  bool armed(Timer timer) const { return deadlines_.count(timer) > 0; }
  int count(const std::string& described) const {
    int n = 0;
    for (const FsmAction& action : log_) n += describe(action) == described;
    return n;
  }
  Fsm& fsm() { return fsm_; }
  ManualClock& clock() { return clock_; }

 private:
  ManualClock clock_;
  Fsm fsm_;
  std::map<Timer, Clock::TimePoint> deadlines_;
  std::vector<FsmAction> log_;
};

// ---- (state, event) -> (next state, actions) ---------------------------------

struct TransitionCase {
  const char* name;
  State from;
  Event event;
  State to;
  const char* actions;
};
void PrintTo(const TransitionCase& c, std::ostream* os) { *os << c.name; }

// The common tail of a close that schedules the automatic restart.
#define DROP_THEN_RESTART "DropConnection StartTimer(IdleHold,5)"

const TransitionCase kTransitions[] = {
    // Idle (RFC 4271 8.2.2): starts, refuses connections, ignores the rest.
    {"IdleManualStart", State::kIdle, ManualStart{}, State::kConnect,
     "StartTimer(ConnectRetry,30) Connect"},
    {"IdleAutomaticStart", State::kIdle, AutomaticStart{}, State::kConnect,
     "StartTimer(ConnectRetry,30) Connect"},
    {"IdleManualStop", State::kIdle, ManualStop{}, State::kIdle, ""},
    {"IdleInboundRefused", State::kIdle, TcpConnected{.inbound = true}, State::kIdle,
     "DropConnection"},
    {"IdleTcpFails", State::kIdle, TcpConnectionFails{}, State::kIdle, ""},
    {"IdleOpen", State::kIdle, OpenReceived{peer_open()}, State::kIdle, ""},
    {"IdleKeepalive", State::kIdle, KeepaliveReceived{}, State::kIdle, ""},
    {"IdleNotification", State::kIdle, NotificationReceived{notif(6, 2)}, State::kIdle, ""},
    {"IdleStaleHoldTimer", State::kIdle, TimerExpired{Timer::kHold}, State::kIdle, ""},
    {"IdleStaleIdleHoldTimer", State::kIdle, TimerExpired{Timer::kIdleHold}, State::kIdle, ""},

    // Connect: an outbound attempt in flight.
    {"ConnectManualStart", State::kConnect, ManualStart{}, State::kConnect, ""},
    {"ConnectManualStop", State::kConnect, ManualStop{}, State::kIdle,
     "StopTimer(ConnectRetry) DropConnection"},
    {"ConnectRetryExpires", State::kConnect, TimerExpired{Timer::kConnectRetry}, State::kConnect,
     "DropConnection StartTimer(ConnectRetry,30) Connect"},
    {"ConnectOutboundUp", State::kConnect, TcpConnected{.inbound = false}, State::kOpenSent,
     "StopTimer(ConnectRetry) SendOpen StartTimer(Hold,240)"},
    {"ConnectInboundUp", State::kConnect, TcpConnected{.inbound = true}, State::kOpenSent,
     "StopTimer(ConnectRetry) SendOpen StartTimer(Hold,240)"},
    {"ConnectTcpFails", State::kConnect, TcpConnectionFails{}, State::kActive,
     "DropConnection StartTimer(ConnectRetry,30)"},
    {"ConnectOpen", State::kConnect, OpenReceived{peer_open()}, State::kIdle,
     "StopTimer(ConnectRetry) " DROP_THEN_RESTART},
    {"ConnectKeepalive", State::kConnect, KeepaliveReceived{}, State::kIdle,
     "StopTimer(ConnectRetry) " DROP_THEN_RESTART},
    {"ConnectUpdate", State::kConnect, UpdateReceived{1}, State::kIdle,
     "StopTimer(ConnectRetry) " DROP_THEN_RESTART},
    {"ConnectNotification", State::kConnect, NotificationReceived{notif(6, 2)}, State::kIdle,
     "StopTimer(ConnectRetry) " DROP_THEN_RESTART},
    {"ConnectMalformed", State::kConnect, MalformedMessage{notif(1, 2)}, State::kIdle,
     "StopTimer(ConnectRetry) " DROP_THEN_RESTART},
    {"ConnectStaleHoldTimer", State::kConnect, TimerExpired{Timer::kHold}, State::kConnect, ""},

    // Active: listening, ConnectRetry pending.
    {"ActiveManualStart", State::kActive, ManualStart{}, State::kActive, ""},
    {"ActiveManualStop", State::kActive, ManualStop{}, State::kIdle, "StopTimer(ConnectRetry)"},
    {"ActiveRetryExpires", State::kActive, TimerExpired{Timer::kConnectRetry}, State::kConnect,
     "StartTimer(ConnectRetry,30) Connect"},
    {"ActiveInboundUp", State::kActive, TcpConnected{.inbound = true}, State::kOpenSent,
     "StopTimer(ConnectRetry) SendOpen StartTimer(Hold,240)"},
    {"ActiveTcpFails", State::kActive, TcpConnectionFails{}, State::kIdle,
     "StopTimer(ConnectRetry) StartTimer(IdleHold,5)"},
    {"ActiveOpen", State::kActive, OpenReceived{peer_open()}, State::kIdle,
     "StopTimer(ConnectRetry) StartTimer(IdleHold,5)"},
    {"ActiveKeepalive", State::kActive, KeepaliveReceived{}, State::kIdle,
     "StopTimer(ConnectRetry) StartTimer(IdleHold,5)"},
    {"ActiveNotification", State::kActive, NotificationReceived{notif(6, 2)}, State::kIdle,
     "StopTimer(ConnectRetry) StartTimer(IdleHold,5)"},

    // OpenSent: our OPEN out, Hold at 240 s; unexpected messages are 5/1.
    {"OpenSentManualStart", State::kOpenSent, ManualStart{}, State::kOpenSent, ""},
    {"OpenSentManualStop", State::kOpenSent, ManualStop{}, State::kIdle,
     "StopTimer(Hold) SendNotification(6/2) DropConnection"},
    {"OpenSentHoldExpires", State::kOpenSent, TimerExpired{Timer::kHold}, State::kIdle,
     "SendNotification(4/0) " DROP_THEN_RESTART},
    {"OpenSentSecondConnection", State::kOpenSent, TcpConnected{.inbound = true},
     State::kOpenSent, ""},
    {"OpenSentTcpFails", State::kOpenSent, TcpConnectionFails{}, State::kActive,
     "StopTimer(Hold) DropConnection StartTimer(ConnectRetry,30)"},
    {"OpenSentOpen", State::kOpenSent, OpenReceived{peer_open()}, State::kOpenConfirm,
     "SendKeepalive StartTimer(Keepalive,30) StartTimer(Hold,90)"},
    {"OpenSentKeepalive", State::kOpenSent, KeepaliveReceived{}, State::kIdle,
     "StopTimer(Hold) SendNotification(5/1) " DROP_THEN_RESTART},
    {"OpenSentUpdate", State::kOpenSent, UpdateReceived{1}, State::kIdle,
     "StopTimer(Hold) SendNotification(5/1) " DROP_THEN_RESTART},
    {"OpenSentRouteRefresh", State::kOpenSent, RouteRefreshReceived{}, State::kIdle,
     "StopTimer(Hold) SendNotification(5/1) " DROP_THEN_RESTART},
    {"OpenSentNotification", State::kOpenSent, NotificationReceived{notif(2, 2)}, State::kIdle,
     "StopTimer(Hold) " DROP_THEN_RESTART},
    {"OpenSentMalformed", State::kOpenSent, MalformedMessage{notif(1, 2)}, State::kIdle,
     "StopTimer(Hold) SendNotification(1/2) " DROP_THEN_RESTART},
    {"OpenSentCollisionDump", State::kOpenSent, OpenCollisionDump{}, State::kIdle,
     "StopTimer(Hold) SendNotification(6/7) DropConnection"},
    {"OpenSentStaleKeepaliveTimer", State::kOpenSent, TimerExpired{Timer::kKeepalive},
     State::kOpenSent, ""},
    {"OpenSentStaleRetryTimer", State::kOpenSent, TimerExpired{Timer::kConnectRetry},
     State::kOpenSent, ""},

    // OpenConfirm: OPENs exchanged; unexpected messages are 5/2.
    {"OpenConfirmManualStart", State::kOpenConfirm, ManualStart{}, State::kOpenConfirm, ""},
    {"OpenConfirmManualStop", State::kOpenConfirm, ManualStop{}, State::kIdle,
     "StopTimer(Hold) StopTimer(Keepalive) SendNotification(6/2) DropConnection"},
    {"OpenConfirmHoldExpires", State::kOpenConfirm, TimerExpired{Timer::kHold}, State::kIdle,
     "StopTimer(Keepalive) SendNotification(4/0) " DROP_THEN_RESTART},
    {"OpenConfirmKeepaliveTimer", State::kOpenConfirm, TimerExpired{Timer::kKeepalive},
     State::kOpenConfirm, "SendKeepalive StartTimer(Keepalive,30)"},
    {"OpenConfirmSecondConnection", State::kOpenConfirm, TcpConnected{.inbound = true},
     State::kOpenConfirm, ""},
    {"OpenConfirmTcpFails", State::kOpenConfirm, TcpConnectionFails{}, State::kIdle,
     "StopTimer(Hold) StopTimer(Keepalive) " DROP_THEN_RESTART},
    {"OpenConfirmKeepalive", State::kOpenConfirm, KeepaliveReceived{}, State::kEstablished,
     "StartTimer(Hold,90) SessionEstablished(hold=90,keepalive=30)"},
    {"OpenConfirmSecondOpen", State::kOpenConfirm, OpenReceived{peer_open()}, State::kIdle,
     "StopTimer(Hold) StopTimer(Keepalive) SendNotification(5/2) " DROP_THEN_RESTART},
    {"OpenConfirmUpdate", State::kOpenConfirm, UpdateReceived{1}, State::kIdle,
     "StopTimer(Hold) StopTimer(Keepalive) SendNotification(5/2) " DROP_THEN_RESTART},
    {"OpenConfirmRouteRefresh", State::kOpenConfirm, RouteRefreshReceived{}, State::kIdle,
     "StopTimer(Hold) StopTimer(Keepalive) SendNotification(5/2) " DROP_THEN_RESTART},
    {"OpenConfirmNotification", State::kOpenConfirm, NotificationReceived{notif(6, 3)},
     State::kIdle, "StopTimer(Hold) StopTimer(Keepalive) " DROP_THEN_RESTART},
    {"OpenConfirmMalformed", State::kOpenConfirm, MalformedMessage{notif(1, 3)}, State::kIdle,
     "StopTimer(Hold) StopTimer(Keepalive) SendNotification(1/3) " DROP_THEN_RESTART},
    {"OpenConfirmCollisionDump", State::kOpenConfirm, OpenCollisionDump{}, State::kIdle,
     "StopTimer(Hold) StopTimer(Keepalive) SendNotification(6/7) DropConnection"},

    // Established: unexpected messages are 5/3; every close reports SessionDown.
    {"EstablishedManualStart", State::kEstablished, ManualStart{}, State::kEstablished, ""},
    {"EstablishedManualStop", State::kEstablished, ManualStop{}, State::kIdle,
     "StopTimer(Hold) StopTimer(Keepalive) SendNotification(6/2) DropConnection "
     "SessionDown(manual-stop)"},
    {"EstablishedHoldExpires", State::kEstablished, TimerExpired{Timer::kHold}, State::kIdle,
     "StopTimer(Keepalive) SendNotification(4/0) DropConnection "
     "SessionDown(hold-timer-expired) StartTimer(IdleHold,5)"},
    {"EstablishedKeepaliveTimer", State::kEstablished, TimerExpired{Timer::kKeepalive},
     State::kEstablished, "SendKeepalive StartTimer(Keepalive,30)"},
    {"EstablishedSecondConnection", State::kEstablished, TcpConnected{.inbound = true},
     State::kEstablished, ""},
    {"EstablishedTcpFails", State::kEstablished, TcpConnectionFails{}, State::kIdle,
     "StopTimer(Hold) StopTimer(Keepalive) DropConnection SessionDown(connection-lost) "
     "StartTimer(IdleHold,5)"},
    {"EstablishedOpen", State::kEstablished, OpenReceived{peer_open()}, State::kIdle,
     "StopTimer(Hold) StopTimer(Keepalive) SendNotification(5/3) DropConnection "
     "SessionDown(error-detected) StartTimer(IdleHold,5)"},
    {"EstablishedKeepalive", State::kEstablished, KeepaliveReceived{}, State::kEstablished,
     "StartTimer(Hold,90)"},
    {"EstablishedUpdate", State::kEstablished, UpdateReceived{10}, State::kEstablished,
     "StartTimer(Hold,90)"},
    {"EstablishedRouteRefresh", State::kEstablished, RouteRefreshReceived{}, State::kEstablished,
     ""},
    {"EstablishedUpdateSent", State::kEstablished, UpdateSent{}, State::kEstablished,
     "StartTimer(Keepalive,30)"},
    {"EstablishedNotification", State::kEstablished, NotificationReceived{notif(6, 4)},
     State::kIdle,
     "StopTimer(Hold) StopTimer(Keepalive) DropConnection SessionDown(notification-received) "
     "StartTimer(IdleHold,5)"},
    {"EstablishedMalformed", State::kEstablished, MalformedMessage{notif(3, 1)}, State::kIdle,
     "StopTimer(Hold) StopTimer(Keepalive) SendNotification(3/1) DropConnection "
     "SessionDown(error-detected) StartTimer(IdleHold,5)"},
    {"EstablishedCollisionDump", State::kEstablished, OpenCollisionDump{}, State::kIdle,
     "StopTimer(Hold) StopTimer(Keepalive) SendNotification(6/7) DropConnection "
     "SessionDown(collision)"},
    {"EstablishedStaleRetryTimer", State::kEstablished, TimerExpired{Timer::kConnectRetry},
     State::kEstablished, ""},
};

class FsmTransition : public testing::TestWithParam<TransitionCase> {};

TEST_P(FsmTransition, NextStateAndActions) {
  const TransitionCase& c = GetParam();
  Loop loop(active_config());
  loop.drive_to(c.from);
  ASSERT_EQ(loop.fsm().state(), c.from);
  EXPECT_EQ(loop.step(c.event), c.actions) << event_name(c.event);
  EXPECT_EQ(state_name(loop.fsm().state()), state_name(c.to));
}

INSTANTIATE_TEST_SUITE_P(Rfc4271Section8, FsmTransition, testing::ValuesIn(kTransitions),
                         [](const testing::TestParamInfo<TransitionCase>& info) {
                           return std::string(info.param.name);
                         });

// ---- Handshakes ----------------------------------------------------------------

TEST(FsmHandshake, ActivePeerReachesEstablished) {
  Loop loop(active_config());
  EXPECT_EQ(loop.step(ManualStart{}), "StartTimer(ConnectRetry,30) Connect");
  std::vector<FsmAction> sent = loop.feed(TcpConnected{.inbound = false});
  ASSERT_EQ(sent.size(), 3u);
  const Open& open = std::get<SendOpen>(sent[1]).open;
  EXPECT_EQ(open.my_as, kLocalAs);
  EXPECT_EQ(open.hold_time, 90);
  EXPECT_EQ(open.bgp_identifier, kLocalId);
  EXPECT_EQ(open.capabilities.four_octet_as, kLocalAs);
  EXPECT_FALSE(loop.fsm().connection_inbound());

  loop.feed(OpenReceived{peer_open()});
  EXPECT_EQ(loop.fsm().state(), State::kOpenConfirm);
  loop.clock().advance(seconds(2));
  std::vector<FsmAction> up = loop.feed(KeepaliveReceived{});
  ASSERT_EQ(loop.fsm().state(), State::kEstablished);
  const Negotiated& negotiated = std::get<SessionEstablished>(up.back()).negotiated;
  EXPECT_EQ(negotiated.hold_time, 90);
  EXPECT_EQ(negotiated.keepalive_time, 30);
  EXPECT_TRUE(negotiated.four_octet_as);
  EXPECT_EQ(negotiated.peer_open.bgp_identifier, kRemoteId);
  EXPECT_EQ(loop.fsm().negotiated()->hold_time, 90);

  EXPECT_EQ(loop.fsm().uptime(), seconds(0));
  loop.clock().advance(seconds(25));
  EXPECT_EQ(loop.fsm().uptime(), seconds(25));
  EXPECT_EQ(loop.fsm().connect_retry_counter(), 0u);
}

TEST(FsmHandshake, PassivePeerWaitsAndNeverConnects) {
  Loop loop(passive_config());
  EXPECT_EQ(loop.step(ManualStart{}), "");
  EXPECT_EQ(loop.fsm().state(), State::kActive);
  EXPECT_EQ(loop.advance(seconds(3600)), "");  // no ConnectRetry, no Connect
  EXPECT_EQ(loop.fsm().state(), State::kActive);

  EXPECT_EQ(loop.step(TcpConnected{.inbound = true}), "SendOpen StartTimer(Hold,240)");
  EXPECT_TRUE(loop.fsm().connection_inbound());
  loop.feed(OpenReceived{peer_open()});
  loop.feed(KeepaliveReceived{});
  EXPECT_EQ(loop.fsm().state(), State::kEstablished);
}

TEST(FsmHandshake, PassivePeerGoesBackToListeningWhenTheConnectionFails) {
  Loop loop(passive_config());
  loop.drive_to(State::kOpenSent);
  EXPECT_EQ(loop.step(TcpConnectionFails{}), "StopTimer(Hold) DropConnection");
  EXPECT_EQ(loop.fsm().state(), State::kActive);
  EXPECT_EQ(loop.count("Connect"), 0);
}

TEST(FsmHandshake, ConnectRetriesUntilThePeerAnswers) {
  Loop loop(active_config());
  loop.feed(ManualStart{});
  EXPECT_EQ(loop.advance(seconds(30)), "DropConnection StartTimer(ConnectRetry,30) Connect");
  EXPECT_EQ(loop.step(TcpConnectionFails{}), "DropConnection StartTimer(ConnectRetry,30)");
  EXPECT_EQ(loop.fsm().state(), State::kActive);
  EXPECT_EQ(loop.advance(seconds(29)), "");
  EXPECT_EQ(loop.advance(seconds(1)), "StartTimer(ConnectRetry,30) Connect");
  EXPECT_EQ(loop.fsm().state(), State::kConnect);
  loop.feed(TcpConnected{});
  EXPECT_EQ(loop.fsm().state(), State::kOpenSent);
  EXPECT_FALSE(loop.armed(Timer::kConnectRetry));
}

// ---- Hold and keepalive timers, driven by the clock ------------------------------

TEST(FsmTimers, HoldExpiresInOpenSentAfterFourMinutes) {
  Loop loop(active_config());
  loop.drive_to(State::kOpenSent);
  EXPECT_EQ(loop.advance(seconds(239)), "");
  EXPECT_EQ(loop.advance(seconds(1)),
            "SendNotification(4/0) DropConnection StartTimer(IdleHold,5)");
  EXPECT_EQ(loop.fsm().state(), State::kIdle);
  EXPECT_EQ(loop.fsm().last_down()->reason, DownReason::kHoldTimerExpired);
}

TEST(FsmTimers, HoldExpiresInOpenConfirmWithTheNegotiatedTime) {
  Loop loop(active_config());
  loop.drive_to(State::kOpenSent);
  loop.feed(OpenReceived{peer_open(30)});
  // Keepalives go out every 10 s; the peer's never arrives.
  EXPECT_EQ(loop.advance(seconds(29)),
            "SendKeepalive StartTimer(Keepalive,10) SendKeepalive StartTimer(Keepalive,10)");
  EXPECT_EQ(loop.fsm().state(), State::kOpenConfirm);
  std::string fired = loop.advance(seconds(1));
  EXPECT_NE(fired.find("SendNotification(4/0)"), std::string::npos) << fired;
  EXPECT_EQ(loop.fsm().state(), State::kIdle);
}

TEST(FsmTimers, PeerKeepalivesHoldTheSessionUpUntilTheyStop) {
  Loop loop(active_config());
  loop.drive_to(State::kEstablished);
  for (int i = 0; i < 10; ++i) {
    loop.advance(seconds(60));
    loop.feed(KeepaliveReceived{});
    ASSERT_EQ(loop.fsm().state(), State::kEstablished) << "after " << (i + 1) * 60 << " s";
  }
  // Our keepalives went out every 30 s meanwhile.
  EXPECT_EQ(loop.count("SendKeepalive"), 1 + 20);  // the OpenConfirm one, then 600 s / 30
  loop.advance(seconds(89));
  EXPECT_EQ(loop.fsm().state(), State::kEstablished);
  std::string fired = loop.advance(seconds(1));
  EXPECT_NE(fired.find("SendNotification(4/0) DropConnection SessionDown(hold-timer-expired)"),
            std::string::npos)
      << fired;
}

TEST(FsmTimers, SendingAnUpdateDefersTheNextKeepalive) {
  Loop loop(active_config());
  loop.drive_to(State::kEstablished);
  loop.advance(seconds(20));
  loop.feed(UpdateSent{});
  EXPECT_EQ(loop.advance(seconds(29)), "");  // would have fired at 30 s
  EXPECT_EQ(loop.advance(seconds(1)), "SendKeepalive StartTimer(Keepalive,30)");
}

TEST(FsmTimers, StoppedTimerExpiryIsIgnored) {
  Loop loop(active_config());
  loop.drive_to(State::kEstablished);
  // The loop had Hold and Keepalive armed; ConnectRetry was stopped at
  // TcpConnected and must not act now even if a stale expiry arrives.
  EXPECT_FALSE(loop.fsm().timer_armed(Timer::kConnectRetry));
  EXPECT_EQ(loop.step(TimerExpired{Timer::kConnectRetry}), "");
  EXPECT_TRUE(loop.fsm().timer_armed(Timer::kHold));
  EXPECT_TRUE(loop.fsm().timer_armed(Timer::kKeepalive));
}

// ---- Hold time negotiation (RFC 4271 4.2) -----------------------------------------

struct HoldCase {
  const char* name;
  uint16_t ours;
  uint16_t theirs;
  const char* actions;  // on the peer's OPEN in OpenSent
  uint16_t hold;
  uint16_t keepalive;
};
void PrintTo(const HoldCase& c, std::ostream* os) { *os << c.name; }

const HoldCase kHoldCases[] = {
    {"TheirsSmaller", 90, 30, "SendKeepalive StartTimer(Keepalive,10) StartTimer(Hold,30)", 30,
     10},
    {"OursSmaller", 10, 90, "SendKeepalive StartTimer(Keepalive,3) StartTimer(Hold,10)", 10, 3},
    {"Equal", 90, 90, "SendKeepalive StartTimer(Keepalive,30) StartTimer(Hold,90)", 90, 30},
    {"Minimum", 90, 3, "SendKeepalive StartTimer(Keepalive,1) StartTimer(Hold,3)", 3, 1},
    {"TheirsZero", 90, 0, "SendKeepalive StopTimer(Hold)", 0, 0},
    {"OursZero", 0, 90, "SendKeepalive StopTimer(Hold)", 0, 0},
    {"TheirsTwo", 90, 2, "StopTimer(Hold) SendNotification(2/6) " DROP_THEN_RESTART, 0, 0},
    {"TheirsOne", 90, 1, "StopTimer(Hold) SendNotification(2/6) " DROP_THEN_RESTART, 0, 0},
};

class HoldNegotiation : public testing::TestWithParam<HoldCase> {};

TEST_P(HoldNegotiation, TimersFollowTheSmallerHoldTime) {
  const HoldCase& c = GetParam();
  PeerConfig config = active_config();
  config.hold_time = c.ours;
  Loop loop(config);
  loop.drive_to(State::kOpenSent);
  EXPECT_EQ(loop.step(OpenReceived{peer_open(c.theirs)}), c.actions);
  if (loop.fsm().state() != State::kOpenConfirm) return;
  EXPECT_EQ(loop.fsm().negotiated()->hold_time, c.hold);
  EXPECT_EQ(loop.fsm().negotiated()->keepalive_time, c.keepalive);
  std::string up = loop.step(KeepaliveReceived{});
  EXPECT_EQ(loop.fsm().state(), State::kEstablished);
  if (c.hold == 0) {
    EXPECT_EQ(up, "SessionEstablished(hold=0,keepalive=0)");
    EXPECT_EQ(loop.advance(seconds(86400)), "");  // nothing ever expires
    EXPECT_EQ(loop.step(UpdateReceived{1}), "");
    EXPECT_EQ(loop.step(UpdateSent{}), "");
    EXPECT_EQ(loop.fsm().state(), State::kEstablished);
  }
}

INSTANTIATE_TEST_SUITE_P(Rfc4271, HoldNegotiation, testing::ValuesIn(kHoldCases),
                         [](const testing::TestParamInfo<HoldCase>& info) {
                           return std::string(info.param.name);
                         });

// ---- OPEN checks (RFC 4271 6.2, RFC 6286, RFC 6793) ------------------------------

struct OpenCheckCase {
  const char* name;
  PeerConfig config;
  Open open;
  std::optional<Notification> expected;
};
void PrintTo(const OpenCheckCase& c, std::ostream* os) { *os << c.name; }

std::vector<OpenCheckCase> open_check_cases() {
  PeerConfig ebgp = active_config();
  PeerConfig ibgp = active_config();
  ibgp.remote_as = kLocalAs;
  PeerConfig four_octet = active_config();
  four_octet.remote_as = 4200000001u;

  Open version3 = peer_open();
  version3.version = 3;
  Open wrong_as = peer_open();
  wrong_as.my_as = 64999;
  wrong_as.capabilities.four_octet_as = 64999;
  Open hold2 = peer_open(2);
  Open zero_id = peer_open();
  zero_id.bgp_identifier = 0;
  Open same_id = peer_open();
  same_id.bgp_identifier = kLocalId;
  Open ibgp_same_id = same_id;
  ibgp_same_id.my_as = static_cast<uint16_t>(kLocalAs);
  ibgp_same_id.capabilities.four_octet_as = kLocalAs;
  Open ibgp_ok = ibgp_same_id;
  ibgp_ok.bgp_identifier = kRemoteId;
  Open as4 = peer_open();
  as4.my_as = 23456;
  as4.capabilities.four_octet_as = 4200000001u;
  Open as_trans_only = as4;
  as_trans_only.capabilities.four_octet_as.reset();
  Open two_octet_only = peer_open();
  two_octet_only.capabilities.four_octet_as.reset();

  return {
      {"Valid", ebgp, peer_open(), std::nullopt},
      {"UnsupportedVersion", ebgp, version3, Notification{2, 1, {0, 4}}},
      {"BadPeerAs", ebgp, wrong_as, notif(2, 2)},
      {"UnacceptableHoldTime", ebgp, hold2, notif(2, 6)},
      {"ZeroIdentifier", ebgp, zero_id, notif(2, 3)},
      {"OurIdentifierFromExternalPeer", ebgp, same_id, std::nullopt},  // RFC 6286 2.2
      {"OurIdentifierFromInternalPeer", ibgp, ibgp_same_id, notif(2, 3)},
      {"InternalPeer", ibgp, ibgp_ok, std::nullopt},
      {"FourOctetAs", four_octet, as4, std::nullopt},
      {"AsTransWithoutCapability", four_octet, as_trans_only, notif(2, 2)},
      {"TwoOctetSpeaker", ebgp, two_octet_only, std::nullopt},
  };
}

class OpenCheckTable : public testing::TestWithParam<OpenCheckCase> {};

TEST_P(OpenCheckTable, NotificationNamesTheRule) {
  const OpenCheckCase& c = GetParam();
  EXPECT_EQ(check_open(c.config, c.open), c.expected);
}

INSTANTIATE_TEST_SUITE_P(Rfc4271Section6_2, OpenCheckTable, testing::ValuesIn(open_check_cases()),
                         [](const testing::TestParamInfo<OpenCheckCase>& info) {
                           return std::string(info.param.name);
                         });

TEST(FsmOpen, BadPeerAsClosesTheSessionFromOpenSent) {
  Loop loop(active_config());
  loop.drive_to(State::kOpenSent);
  Open wrong = peer_open();
  wrong.capabilities.four_octet_as = 65001;
  EXPECT_EQ(loop.step(OpenReceived{wrong}),
            "StopTimer(Hold) SendNotification(2/2) DropConnection StartTimer(IdleHold,5)");
  EXPECT_EQ(loop.fsm().state(), State::kIdle);
  EXPECT_EQ(loop.fsm().last_down()->notification, notif(2, 2));
  EXPECT_EQ(loop.fsm().connect_retry_counter(), 1u);
}

// The codec's refusal travels as the NOTIFICATION it chose.
TEST(FsmOpen, CodecRefusalIsSentAsTheCodecChoseIt) {
  Loop loop(active_config());
  loop.drive_to(State::kOpenSent);
  DecodeError refused{2, 4, {0x7f}, "unsupported optional parameter 127"};
  std::vector<FsmAction> actions = loop.feed(MalformedMessage{refused.notification()});
  EXPECT_EQ(summary(actions),
            "StopTimer(Hold) SendNotification(2/4) DropConnection StartTimer(IdleHold,5)");
  EXPECT_EQ(std::get<SendNotification>(actions[1]).notification, (Notification{2, 4, {0x7f}}));
  EXPECT_EQ(loop.fsm().last_down()->reason, DownReason::kErrorDetected);
}

TEST(LocalOpen, FourOctetAsUsesAsTrans) {
  PeerConfig config = active_config();
  config.local_as = 4200000000u;
  config.capabilities.route_refresh = true;
  Open open = local_open(config);
  EXPECT_EQ(open.my_as, 23456);
  EXPECT_EQ(open.asn(), 4200000000u);
  EXPECT_TRUE(open.capabilities.route_refresh);
}

TEST(Negotiate, FamiliesAreThoseBothAdvertise) {
  PeerConfig config = active_config();
  config.capabilities.multiprotocol = {AfiSafi{Afi::kIpv4, Safi::kUnicast},
                                       AfiSafi{Afi::kIpv6, Safi::kUnicast}};
  config.capabilities.route_refresh = true;
  Open theirs = peer_open();
  theirs.capabilities.multiprotocol = {AfiSafi{Afi::kIpv6, Safi::kUnicast}};
  Negotiated n = negotiate_session(local_open(config), theirs);
  EXPECT_EQ(n.families, (std::vector<AfiSafi>{{Afi::kIpv6, Safi::kUnicast}}));
  EXPECT_FALSE(n.route_refresh);

  // RFC 4760: no Multiprotocol capability means IPv4 unicast.
  theirs.capabilities.multiprotocol.clear();
  theirs.capabilities.route_refresh = true;
  n = negotiate_session(local_open(config), theirs);
  EXPECT_EQ(n.families, (std::vector<AfiSafi>{{Afi::kIpv4, Safi::kUnicast}}));
  EXPECT_TRUE(n.route_refresh);
}

// ---- Collision detection (RFC 4271 6.8) --------------------------------------------

struct CollisionCase {
  const char* name;
  State existing_state;
  uint32_t local_id;
  uint32_t remote_id;
  bool existing_is_outbound;
  uint32_t local_as;
  uint32_t remote_as;
  CollisionResolution expected;
};
void PrintTo(const CollisionCase& c, std::ostream* os) { *os << c.name; }

constexpr uint32_t kLow = 0x0a000001;   // 10.0.0.1
constexpr uint32_t kHigh = 0xc0000201;  // 192.0.2.1: compared as an unsigned integer

const CollisionCase kCollisionCases[] = {
    {"HigherLocalKeepsOurOutbound", State::kOpenConfirm, kHigh, kLow, true, 1, 2,
     CollisionResolution::kCloseNew},
    {"HigherLocalDropsTheirInbound", State::kOpenConfirm, kHigh, kLow, false, 1, 2,
     CollisionResolution::kCloseExisting},
    {"HigherRemoteDropsOurOutbound", State::kOpenConfirm, kLow, kHigh, true, 1, 2,
     CollisionResolution::kCloseExisting},
    {"HigherRemoteKeepsTheirInbound", State::kOpenConfirm, kLow, kHigh, false, 1, 2,
     CollisionResolution::kCloseNew},
    {"EqualIdsHigherLocalAs", State::kOpenConfirm, kLow, kLow, true, 65002, 65001,
     CollisionResolution::kCloseNew},
    {"EqualIdsHigherRemoteAs", State::kOpenConfirm, kLow, kLow, true, 65001, 65002,
     CollisionResolution::kCloseExisting},
    {"EstablishedAlwaysSurvives", State::kEstablished, kLow, kHigh, true, 1, 2,
     CollisionResolution::kCloseNew},
    {"OpenSentIsNotCompared", State::kOpenSent, kLow, kHigh, true, 1, 2,
     CollisionResolution::kNoCollision},
    {"ConnectHasNoSession", State::kConnect, kLow, kHigh, true, 1, 2,
     CollisionResolution::kNoCollision},
    {"IdleHasNoSession", State::kIdle, kLow, kHigh, true, 1, 2, CollisionResolution::kNoCollision},
};

class CollisionTable : public testing::TestWithParam<CollisionCase> {};

TEST_P(CollisionTable, KeepsTheConnectionOfTheHigherIdentifier) {
  const CollisionCase& c = GetParam();
  EXPECT_EQ(resolve_collision(c.existing_state, c.local_id, c.remote_id, c.existing_is_outbound,
                              c.local_as, c.remote_as),
            c.expected);
}

INSTANTIATE_TEST_SUITE_P(Rfc4271Section6_8, CollisionTable, testing::ValuesIn(kCollisionCases),
                         [](const testing::TestParamInfo<CollisionCase>& info) {
                           return std::string(info.param.name);
                         });

TEST(Collision, ThreeArgumentFormIsThePlainComparison) {
  EXPECT_EQ(resolve_collision(kHigh, kLow, true), CollisionResolution::kCloseNew);
  EXPECT_EQ(resolve_collision(kLow, kHigh, true), CollisionResolution::kCloseExisting);
}

// Both speakers connect at once; the remote has the higher identifier, so its
// connection (our inbound) survives and ours is dumped with Cease/7.
TEST(Collision, LosingConnectionIsDumpedAndTheWinnerEstablishes) {
  ManualClock clock;
  Fsm outbound(active_config(), clock);
  outbound.handle(ManualStart{});
  outbound.handle(TcpConnected{.inbound = false});
  outbound.handle(OpenReceived{peer_open()});
  ASSERT_EQ(outbound.state(), State::kOpenConfirm);

  Fsm inbound(passive_config(), clock);  // the Fsm for the accepted connection
  inbound.handle(ManualStart{});
  inbound.handle(TcpConnected{.inbound = true});
  Open open = peer_open();
  ASSERT_EQ(resolve_collision(outbound.state(), kLocalId, open.bgp_identifier,
                              !outbound.connection_inbound()),
            CollisionResolution::kCloseExisting);

  EXPECT_EQ(summary(outbound.handle(OpenCollisionDump{})),
            "StopTimer(Hold) StopTimer(Keepalive) SendNotification(6/7) DropConnection");
  EXPECT_EQ(outbound.state(), State::kIdle);
  EXPECT_EQ(outbound.last_down()->reason, DownReason::kCollision);
  EXPECT_FALSE(outbound.timer_armed(Timer::kIdleHold));  // no restart: the winner carries on

  inbound.handle(OpenReceived{open});
  inbound.handle(KeepaliveReceived{});
  EXPECT_EQ(inbound.state(), State::kEstablished);
}

// ---- Restart without an operator ----------------------------------------------------

TEST(Restart, LostSessionComesBackAfterTheIdleHold) {
  Loop loop(active_config());
  loop.drive_to(State::kEstablished);
  loop.advance(seconds(10));
  loop.feed(KeepaliveReceived{});
  loop.feed(TcpConnectionFails{});
  EXPECT_EQ(loop.fsm().state(), State::kIdle);
  EXPECT_EQ(loop.fsm().uptime(), std::nullopt);
  EXPECT_EQ(loop.advance(seconds(4)), "");
  EXPECT_EQ(loop.advance(seconds(1)), "StartTimer(ConnectRetry,30) Connect");
  EXPECT_EQ(loop.fsm().state(), State::kConnect);
  loop.feed(TcpConnected{});
  loop.feed(OpenReceived{peer_open()});
  loop.feed(KeepaliveReceived{});
  EXPECT_EQ(loop.fsm().state(), State::kEstablished);
  EXPECT_EQ(loop.count("Connect"), 2);
}

TEST(Restart, PeerNotificationInEstablishedRestartsToo) {
  Loop loop(active_config());
  loop.drive_to(State::kEstablished);
  loop.feed(NotificationReceived{notif(6, 4)});  // the peer's Administrative Reset
  EXPECT_EQ(loop.fsm().last_down()->notification, notif(6, 4));
  EXPECT_EQ(loop.advance(seconds(5)), "StartTimer(ConnectRetry,30) Connect");
}

TEST(Restart, PassivePeerRestartsIntoActive) {
  Loop loop(passive_config());
  loop.drive_to(State::kEstablished);
  loop.feed(TcpConnectionFails{});
  EXPECT_EQ(loop.advance(seconds(5)), "");
  EXPECT_EQ(loop.fsm().state(), State::kActive);
}

TEST(Restart, DampingDoublesTheIdleHoldUntilASessionIsStable) {
  Loop flapping(active_config());
  std::vector<std::string> holds;
  flapping.drive_to(State::kEstablished);
  for (int i = 0; i < 7; ++i) {
    std::vector<FsmAction> down = flapping.feed(TcpConnectionFails{});
    holds.push_back(describe(down.back()));
    flapping.advance(seconds(120));  // the restart fires: Connect
    flapping.feed(TcpConnected{});
    flapping.feed(OpenReceived{peer_open()});
    flapping.feed(KeepaliveReceived{});
    ASSERT_EQ(flapping.fsm().state(), State::kEstablished);
    flapping.clock().advance(seconds(10));  // up briefly: not stable
  }
  EXPECT_EQ(holds, (std::vector<std::string>{
                       "StartTimer(IdleHold,5)", "StartTimer(IdleHold,10)",
                       "StartTimer(IdleHold,20)", "StartTimer(IdleHold,40)",
                       "StartTimer(IdleHold,80)", "StartTimer(IdleHold,120)",
                       "StartTimer(IdleHold,120)"}));

  // Up for idle_hold_max_seconds: stable, so the next restart is quick again.
  for (int i = 0; i < 4; ++i) {
    flapping.advance(seconds(30));
    flapping.feed(KeepaliveReceived{});
  }
  std::vector<FsmAction> down = flapping.feed(TcpConnectionFails{});
  EXPECT_EQ(describe(down.back()), "StartTimer(IdleHold,5)");
}

TEST(Restart, WithoutAutomaticStartThePeerWaitsForTheOperator) {
  PeerConfig config = active_config();
  config.automatic_start = false;
  Loop loop(config);
  EXPECT_EQ(loop.step(AutomaticStart{}), "");
  EXPECT_EQ(loop.fsm().state(), State::kIdle);
  loop.drive_to(State::kEstablished);
  EXPECT_EQ(loop.step(TcpConnectionFails{}),
            "StopTimer(Hold) StopTimer(Keepalive) DropConnection SessionDown(connection-lost)");
  EXPECT_EQ(loop.advance(seconds(3600)), "");
  EXPECT_EQ(loop.fsm().state(), State::kIdle);
  EXPECT_EQ(loop.step(ManualStart{}), "StartTimer(ConnectRetry,30) Connect");
}

TEST(Restart, ManualStopCancelsAPendingRestart) {
  Loop loop(active_config());
  loop.drive_to(State::kEstablished);
  loop.feed(TcpConnectionFails{});
  EXPECT_EQ(loop.step(ManualStop{}), "StopTimer(IdleHold)");
  EXPECT_EQ(loop.advance(seconds(3600)), "");
  EXPECT_EQ(loop.fsm().state(), State::kIdle);
  EXPECT_EQ(loop.fsm().connect_retry_counter(), 0u);
}

TEST(Restart, ManualStartOverridesThePendingRestart) {
  Loop loop(active_config());
  loop.drive_to(State::kEstablished);
  loop.feed(TcpConnectionFails{});
  EXPECT_EQ(loop.step(AutomaticStart{}), "");  // the IdleHold restart is already pending
  EXPECT_EQ(loop.step(ManualStart{}), "StopTimer(IdleHold) StartTimer(ConnectRetry,30) Connect");
  EXPECT_EQ(loop.advance(seconds(10)), "");  // the old IdleHold does not fire
}

TEST(Restart, VersionNotificationDoesNotCountAsARetry) {
  Loop loop(active_config());
  loop.drive_to(State::kOpenSent);
  loop.feed(NotificationReceived{Notification{2, 1, {0, 4}}});
  EXPECT_EQ(loop.fsm().connect_retry_counter(), 0u);  // RFC 4271 8.2.2 event 24
  loop.advance(seconds(5));
  loop.feed(TcpConnected{});
  loop.feed(NotificationReceived{notif(6, 5)});
  EXPECT_EQ(loop.fsm().connect_retry_counter(), 1u);  // event 25
}

// ---- ManualStop -----------------------------------------------------------------------

TEST(ManualStop, ShutdownCommunicationRidesOnCease2) {
  Loop loop(active_config());
  loop.drive_to(State::kEstablished);
  std::vector<FsmAction> actions = loop.feed(ManualStop{"maintenance until 14:00"});
  const Notification& sent = std::get<SendNotification>(actions[2]).notification;
  EXPECT_EQ(sent.code, 6);
  EXPECT_EQ(sent.subcode, 2);
  EXPECT_EQ(sent.shutdown_message(), "maintenance until 14:00");
  EXPECT_EQ(std::get<SessionDown>(actions.back()).notification, sent);
  EXPECT_FALSE(loop.fsm().timer_armed(Timer::kIdleHold));
  EXPECT_EQ(loop.advance(seconds(3600)), "");  // stays down: no automatic restart
}

TEST(ManualStop, EveryStateEndsIdleWithNoTimerLeft) {
  for (State state : {State::kIdle, State::kConnect, State::kActive, State::kOpenSent,
                      State::kOpenConfirm, State::kEstablished}) {
    SCOPED_TRACE(state_name(state));
    Loop loop(active_config());
    loop.drive_to(state);
    loop.feed(ManualStop{});
    EXPECT_EQ(loop.fsm().state(), State::kIdle);
    for (Timer timer : {Timer::kConnectRetry, Timer::kHold, Timer::kKeepalive, Timer::kIdleHold}) {
      EXPECT_FALSE(loop.armed(timer)) << timer_name(timer);
      EXPECT_FALSE(loop.fsm().timer_armed(timer)) << timer_name(timer);
    }
    EXPECT_EQ(loop.fsm().negotiated(), std::nullopt);
  }
}

// ---- Maximum prefixes (RFC 4486) -----------------------------------------------------

TEST(PrefixLimit, TeardownThenRestartAfterTheConfiguredDelay) {
  PeerConfig config = active_config();
  config.max_prefixes = 10;
  config.max_prefix_restart_seconds = 60;
  Loop loop(config);
  loop.drive_to(State::kEstablished);
  EXPECT_EQ(loop.step(UpdateReceived{10}), "StartTimer(Hold,90)");
  EXPECT_EQ(loop.step(UpdateReceived{11}),
            "StartTimer(Hold,90) StopTimer(Hold) StopTimer(Keepalive) SendNotification(6/1) "
            "DropConnection SessionDown(prefix-limit) StartTimer(IdleHold,60)");
  EXPECT_EQ(loop.fsm().state(), State::kIdle);
  EXPECT_EQ(loop.advance(seconds(59)), "");
  EXPECT_EQ(loop.advance(seconds(1)), "StartTimer(ConnectRetry,30) Connect");
  EXPECT_EQ(loop.fsm().state(), State::kConnect);
}

TEST(PrefixLimit, ZeroRestartDelayWaitsForTheOperator) {
  PeerConfig config = active_config();
  config.max_prefixes = 10;
  config.max_prefix_restart_seconds = 0;
  Loop loop(config);
  loop.drive_to(State::kEstablished);
  loop.feed(UpdateReceived{11});
  EXPECT_FALSE(loop.armed(Timer::kIdleHold));
  EXPECT_EQ(loop.advance(seconds(86400)), "");
  EXPECT_EQ(loop.fsm().state(), State::kIdle);
}

TEST(PrefixLimit, WarnOncePerExcursion) {
  PeerConfig config = active_config();
  config.max_prefixes = 10;
  config.max_prefix_teardown = false;
  Loop loop(config);
  loop.drive_to(State::kEstablished);
  EXPECT_EQ(loop.step(UpdateReceived{11}), "StartTimer(Hold,90) PrefixLimitWarning(11>10)");
  EXPECT_EQ(loop.step(UpdateReceived{12}), "StartTimer(Hold,90)");
  EXPECT_EQ(loop.step(UpdateReceived{9}), "StartTimer(Hold,90)");
  EXPECT_EQ(loop.step(UpdateReceived{15}), "StartTimer(Hold,90) PrefixLimitWarning(15>10)");
  EXPECT_EQ(loop.fsm().state(), State::kEstablished);
}

TEST(PrefixLimit, ExternalLimitEventUsesTheSamePolicy) {
  Loop loop(active_config());  // no max_prefixes here: the RIB enforces a per-family limit
  loop.drive_to(State::kEstablished);
  EXPECT_EQ(loop.step(UpdateReceived{1000000}), "StartTimer(Hold,90)");
  std::string down = loop.step(PrefixLimitExceeded{.prefix_count = 501, .limit = 500});
  EXPECT_NE(down.find("SendNotification(6/1)"), std::string::npos) << down;
  EXPECT_NE(down.find("StartTimer(IdleHold,300)"), std::string::npos) << down;
}

// ---- Graceful restart (RFC 4724) --------------------------------------------------------

TEST(GracefulRestart, LostTransportKeepsRoutesAsStale) {
  PeerConfig config = active_config();
  config.capabilities.graceful_restart.emplace().restart_time = 120;
  Open theirs = peer_open();
  theirs.capabilities.graceful_restart.emplace().restart_time = 90;

  for (bool lose_transport : {true, false}) {
    SCOPED_TRACE(lose_transport ? "transport lost" : "hold timer expired");
    Loop loop(config);
    loop.drive_to(State::kOpenSent);
    loop.feed(OpenReceived{theirs});
    loop.feed(KeepaliveReceived{});
    ASSERT_TRUE(loop.fsm().negotiated()->graceful_restart);
    std::vector<FsmAction> down = lose_transport ? loop.feed(TcpConnectionFails{})
                                              : loop.feed(TimerExpired{Timer::kHold});
    const auto& session_down = std::get<SessionDown>(down[down.size() - 2]);
    EXPECT_EQ(session_down.retain_stale_seconds,
              lose_transport ? std::optional<uint16_t>(90) : std::nullopt);
  }
}

// ---- Configuration ------------------------------------------------------------------------

TEST(ValidateConfig, RefusesWhatTheFsmCannotHonour) {
  struct Case {
    const char* name;
    void (*mutate)(PeerConfig&);
    std::string_view reason;
  };
  const Case cases[] = {
      {"Valid", [](PeerConfig&) {}, ""},
      {"ZeroLocalAs", [](PeerConfig& c) { c.local_as = 0; }, "bgp-asn-zero"},
      {"ZeroRemoteAs", [](PeerConfig& c) { c.remote_as = 0; }, "bgp-asn-zero"},
      {"ZeroRouterId", [](PeerConfig& c) { c.router_id = 0; }, "bgp-router-id-zero"},
      {"HoldTwo", [](PeerConfig& c) { c.hold_time = 2; }, "bgp-hold-time"},
      {"HoldZero", [](PeerConfig& c) { c.hold_time = 0; }, ""},
      {"NoRetryActive", [](PeerConfig& c) { c.connect_retry_seconds = 0; }, "bgp-connect-retry"},
      {"NoRetryPassive",
       [](PeerConfig& c) {
         c.connect_retry_seconds = 0;
         c.passive = true;
       },
       ""},
      {"NoIdleHold", [](PeerConfig& c) { c.idle_hold_seconds = 0; }, "bgp-idle-hold"},
  };
  for (const Case& c : cases) {
    PeerConfig config = active_config();
    c.mutate(config);
    Status status = validate_config(config);
    EXPECT_EQ(status.reason(), c.reason) << c.name << ": " << status.to_string();
  }
}

}  // namespace
}  // namespace byoipd::bgp
