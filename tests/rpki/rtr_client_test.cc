#include "byoipd/rpki/rtr_client.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace byoipd::rpki::rtr {
namespace {

using std::chrono::seconds;

class ManualClock final : public Clock {
 public:
  TimePoint now() const override { return now_; }
  void set(TimePoint t) { now_ = t; }

 private:
  TimePoint now_{};
};

constexpr SourceId kSource = 3;

Prefix prefix(const char* text) { return *Prefix::parse(text); }

// Cache-side PDUs.
PduReceived cache_response(uint16_t session, uint8_t version = 1) {
  return {Pdu{version, CacheResponse{session}}};
}
PduReceived announce(const char* p, uint8_t max_length, uint32_t asn, uint8_t version = 1) {
  return {Pdu{version, PrefixPdu{true, prefix(p), max_length, asn}}};
}
PduReceived withdraw(const char* p, uint8_t max_length, uint32_t asn, uint8_t version = 1) {
  return {Pdu{version, PrefixPdu{false, prefix(p), max_length, asn}}};
}
PduReceived end_of_data(uint16_t session, uint32_t serial, uint8_t version = 1,
                        Intervals intervals = {}) {
  if (version == kVersion0) return {Pdu{version, EndOfData{session, serial, std::nullopt}}};
  return {Pdu{version, EndOfData{session, serial, intervals}}};
}
PduReceived notify(uint16_t session, uint32_t serial, uint8_t version = 1) {
  return {Pdu{version, SerialNotify{session, serial}}};
}
PduReceived error_report(ErrorCode code, uint8_t version = 1, std::string text = "") {
  return {Pdu{version, ErrorReport{code, {}, std::move(text)}}};
}
PduReceived cache_reset(uint8_t version = 1) { return {Pdu{version, CacheReset{}}}; }

// The client plus a stand-in event loop: timers become deadlines on the
// manual clock, advance() fires the due ones in order. Log actions are
// left out of the summaries (they are for humans).
class Loop {
 public:
  explicit Loop(ClientConfig config = default_config()) : client_(std::move(config), clock_) {}

  static ClientConfig default_config() {
    ClientConfig config;
    config.source = kSource;
    return config;
  }

  std::string step(const Event& event) {
    std::string out;
    for (const Action& action : client_.handle(event)) {
      if (const auto* start = std::get_if<StartTimer>(&action)) {
        deadlines_[start->timer] = clock_.now() + seconds(start->seconds);
      } else if (const auto* stop = std::get_if<StopTimer>(&action)) {
        deadlines_.erase(stop->timer);
      } else if (const auto* apply = std::get_if<ApplyVrps>(&action)) {
        applied_.push_back(*apply);
      } else if (const auto* send = std::get_if<SendPdu>(&action)) {
        sent_.push_back(send->pdu);
      } else if (std::holds_alternative<Log>(action)) {
        continue;
      }
      if (!out.empty()) out += ' ';
      out += describe(action);
    }
    return out;
  }

  std::string advance(seconds by) {
    auto until = clock_.now() + by;
    std::string out;
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
      std::string fired = step(TimerExpired{timer});
      if (!fired.empty()) out += (out.empty() ? "" : " ") + fired;
    }
    clock_.set(until);
    return out;
  }

  // Start, connect, full sync of two VRPs: session 7, serial `serial`.
  void sync(uint32_t serial = 1, uint8_t version = 1) {
    step(Start{});
    step(Connected{});
    step(cache_response(7, version));
    step(announce("192.0.2.0/24", 24, 64496, version));
    step(announce("2001:db8::/32", 48, 64497, version));
    step(end_of_data(7, serial, version));
  }

  Client& client() { return client_; }
  bool armed(Timer timer) const { return deadlines_.count(timer) == 1; }
  const std::vector<ApplyVrps>& applied() const { return applied_; }
  const std::vector<Pdu>& sent() const { return sent_; }

 private:
  ManualClock clock_;
  Client client_;
  std::map<Timer, Clock::TimePoint> deadlines_;
  std::vector<ApplyVrps> applied_;
  std::vector<Pdu> sent_;
};

VrpKey key(const char* p, uint8_t max_length, uint32_t asn) {
  return VrpKey{prefix(p), max_length, asn};
}

// ---- Configuration ------------------------------------------------------------------

TEST(RtrClientTest, ValidatesConfiguration) {
  ClientConfig ok;
  EXPECT_TRUE(validate_config(ok).ok());
  ClientConfig c = ok;
  c.intervals.refresh = 0;
  EXPECT_EQ(validate_config(c).reason(), "rtr-interval");
  c = ok;
  c.intervals.expire = 600;
  c.intervals.refresh = 600;
  EXPECT_EQ(validate_config(c).reason(), "rtr-expire");
  c = ok;
  c.max_version = 2;
  EXPECT_EQ(validate_config(c).reason(), "rtr-version");
  c = ok;
  c.response_timeout_seconds = 0;
  EXPECT_EQ(validate_config(c).reason(), "rtr-timeout");
}

TEST(RtrClientTest, ClampsCacheIntervalsToSection6) {
  struct Case {
    const char* name;
    Intervals in, out;
  };
  const Case cases[] = {
      {"in range", {3600, 600, 7200}, {3600, 600, 7200}},
      {"zeros", {0, 0, 0}, {1, 1, 600}},
      {"too large", {100000, 9000, 200000}, {86400, 7200, 172800}},
      {"expire not above refresh", {3600, 600, 3600}, {3600, 600, 3601}},
  };
  for (const Case& c : cases) {
    std::string note;
    EXPECT_EQ(clamp_intervals(c.in, &note), c.out) << c.name;
    EXPECT_EQ(note.empty(), c.in == c.out) << c.name;
  }
}

// ---- The ordinary path -----------------------------------------------------------

TEST(RtrClientTest, FirstSyncIsAResetQueryAppliedAtEndOfData) {
  Loop loop;
  EXPECT_EQ(loop.step(Start{}), "Connect StartTimer(Connect,10)");
  EXPECT_EQ(loop.client().state(), State::kConnecting);
  EXPECT_EQ(loop.step(Connected{}),
            "StopTimer(Connect) SendPdu(v1 Reset Query) StartTimer(Response,60)");
  EXPECT_EQ(loop.client().state(), State::kResetting);
  EXPECT_EQ(loop.step(cache_response(7)), "");
  EXPECT_EQ(loop.client().state(), State::kReceiving);
  EXPECT_EQ(loop.step(announce("192.0.2.0/24", 24, 64496)), "");
  EXPECT_EQ(loop.step(announce("2001:db8::/32", 48, 64497)), "");
  EXPECT_TRUE(loop.applied().empty());  // nothing before End of Data
  EXPECT_EQ(loop.step(end_of_data(7, 1, 1, Intervals{900, 300, 3600})),
            "ApplyVrps(full +2 -0) StopTimer(Response) StartTimer(Refresh,900) "
            "StartTimer(Expire,3600)");
  EXPECT_EQ(loop.client().state(), State::kEstablished);
  EXPECT_EQ(loop.client().session_id(), 7);
  EXPECT_EQ(loop.client().serial(), 1u);
  EXPECT_TRUE(loop.client().fresh());
  ASSERT_EQ(loop.applied().size(), 1u);
  const ApplyVrps& apply = loop.applied()[0];
  EXPECT_EQ(apply.kind, ApplyVrps::kFull);
  EXPECT_TRUE(apply.announced.empty());  // the set travels whole, shared
  EXPECT_EQ(apply.set.get(), &loop.client().vrps());
  EXPECT_EQ(loop.client().vrps().size(), 2u);
  EXPECT_TRUE(loop.client().vrps().contains(key("192.0.2.0/24", 24, 64496)));
  EXPECT_TRUE(loop.client().vrps().contains(key("2001:db8::/32", 48, 64497)));
  EXPECT_FALSE(loop.client().vrps().contains(key("2001:db8::/32", 32, 64497)));
}

TEST(RtrClientTest, RefreshTimerSendsSerialQueryAndAppliesTheDelta) {
  Loop loop;
  loop.sync(1);
  EXPECT_EQ(loop.advance(seconds(3599)), "");
  EXPECT_EQ(loop.advance(seconds(1)), "SendPdu(v1 Serial Query session=7 serial=1) "
                                      "StartTimer(Response,60)");
  EXPECT_EQ(loop.client().state(), State::kQuerying);
  loop.step(cache_response(7));
  loop.step(withdraw("192.0.2.0/24", 24, 64496));
  loop.step(announce("198.51.100.0/22", 24, 64498));
  EXPECT_EQ(loop.step(end_of_data(7, 2)),
            "ApplyVrps(delta +1 -1) StopTimer(Response) StartTimer(Refresh,3600) "
            "StartTimer(Expire,7200)");
  const ApplyVrps& delta = loop.applied().back();
  ASSERT_EQ(delta.withdrawn.size(), 1u);
  EXPECT_EQ(delta.withdrawn[0].prefix, prefix("192.0.2.0/24"));
  EXPECT_EQ(delta.announced[0].prefix, prefix("198.51.100.0/22"));
  EXPECT_EQ(loop.client().serial(), 2u);
  EXPECT_EQ(loop.client().vrps().size(), 2u);
  EXPECT_TRUE(loop.client().vrps().contains(key("198.51.100.0/22", 24, 64498)));
  EXPECT_FALSE(loop.client().vrps().contains(key("192.0.2.0/24", 24, 64496)));
  EXPECT_EQ(delta.set.get(), &loop.client().vrps());
  for (const Vrp& vrp : delta.announced) EXPECT_EQ(vrp.source, kSource);
}

TEST(RtrClientTest, Version0EndOfDataKeepsConfiguredIntervals) {
  ClientConfig config = Loop::default_config();
  config.max_version = 0;
  config.intervals = Intervals{60, 30, 600};
  Loop loop(config);
  loop.step(Start{});
  EXPECT_EQ(loop.step(Connected{}),
            "StopTimer(Connect) SendPdu(v0 Reset Query) StartTimer(Response,60)");
  loop.step(cache_response(7, 0));
  EXPECT_EQ(loop.step(end_of_data(7, 1, 0)),
            "ApplyVrps(full +0 -0) StopTimer(Response) StartTimer(Refresh,60) "
            "StartTimer(Expire,600)");
}

// ---- Serial Notify -----------------------------------------------------------------

TEST(RtrClientTest, SerialNotifyTriggersSerialQueryWhenEstablished) {
  Loop loop;
  loop.sync(5);
  EXPECT_EQ(loop.step(notify(7, 5)), "");  // nothing new
  EXPECT_EQ(loop.step(notify(7, 6)), "StopTimer(Refresh) SendPdu(v1 Serial Query session=7 "
                                     "serial=5) StartTimer(Response,60)");
}

TEST(RtrClientTest, SerialNotifyWhileReceivingIsActedOnAfterEndOfData) {
  Loop loop;
  loop.sync(5);
  loop.step(notify(7, 6));
  loop.step(cache_response(7));
  EXPECT_EQ(loop.step(notify(7, 7)), "");  // ignored while receiving...
  std::string eod = loop.step(end_of_data(7, 6));
  // ...but remembered: serial 7 is newer than the 6 just applied.
  EXPECT_NE(eod.find("SendPdu(v1 Serial Query session=7 serial=6)"), std::string::npos) << eod;
  EXPECT_EQ(loop.client().state(), State::kQuerying);
}

TEST(RtrClientTest, SerialNotifyDuringVersionNegotiationIsIgnored) {
  Loop loop;
  loop.step(Start{});
  loop.step(Connected{});
  EXPECT_EQ(loop.step(notify(99, 1, 0)), "");  // section 7, whatever its version
  EXPECT_EQ(loop.client().state(), State::kResetting);
  EXPECT_TRUE(loop.sent().size() == 1);
}

// ---- Serial numbers (RFC 1982) --------------------------------------------------------

TEST(RtrClientTest, SerialWrapsAround2To32) {
  Loop loop;
  loop.sync(0xffffffff);
  EXPECT_NE(loop.step(notify(7, 0)), "");  // 0 follows 2^32-1
  loop.step(cache_response(7));
  loop.step(announce("203.0.113.0/24", 24, 64499));
  loop.step(end_of_data(7, 0));
  EXPECT_EQ(loop.client().serial(), 0u);
  EXPECT_EQ(loop.applied().back().kind, ApplyVrps::kDelta);
  EXPECT_EQ(loop.client().vrps().size(), 3u);
  // The next query carries the wrapped serial.
  EXPECT_NE(loop.advance(seconds(3600)).find("serial=0)"), std::string::npos);
}

// ---- Cache Reset and session ids ---------------------------------------------------

TEST(RtrClientTest, CacheResetLeadsToResetQueryAndFullReplacement) {
  Loop loop;
  loop.sync(1);
  loop.advance(seconds(3600));
  EXPECT_EQ(loop.step(cache_reset()),
            "SendPdu(v1 Reset Query) StartTimer(Response,60)");
  EXPECT_EQ(loop.client().state(), State::kResetting);
  EXPECT_EQ(loop.client().vrps().size(), 2u);  // kept until replaced
  loop.step(cache_response(8));
  loop.step(announce("203.0.113.0/24", 24, 64499));
  loop.step(end_of_data(8, 100));
  EXPECT_EQ(loop.applied().back().kind, ApplyVrps::kFull);
  EXPECT_EQ(loop.applied().back().set->size(), 1u);
  EXPECT_EQ(loop.client().session_id(), 8);
  EXPECT_EQ(loop.client().vrps().size(), 1u);
}

TEST(RtrClientTest, CacheResponseWithAnotherSessionIsCorruptDataAndFlushes) {
  Loop loop;
  loop.sync(1);
  loop.advance(seconds(3600));
  EXPECT_EQ(loop.step(cache_response(8)),
            "SendPdu(v1 Error Report 0 (Corrupt Data): v1 Cache Response session=8: session id "
            "mismatch, ours is 7 (RFC 8210 5.1)) Disconnect StopTimer(Response) Connect "
            "StartTimer(Connect,10) ApplyVrps(full +0 -0) StopTimer(Expire)");
  EXPECT_TRUE(loop.client().vrps().empty());
  EXPECT_FALSE(loop.client().session_id());
  // The reconnection starts over with a Reset Query.
  EXPECT_NE(loop.step(Connected{}).find("Reset Query"), std::string::npos);
}

TEST(RtrClientTest, EndOfDataWithAnotherSessionIsCorruptData) {
  Loop loop;
  loop.sync(1);
  loop.advance(seconds(3600));
  loop.step(cache_response(7));
  std::string out = loop.step(end_of_data(9, 2));
  EXPECT_EQ(out.find("SendPdu(v1 Error Report 0"), 0u) << out;
  EXPECT_TRUE(loop.client().vrps().empty());
}

// StayRTR answers a Serial Query for a session it lost with Corrupt Data.
TEST(RtrClientTest, CorruptDataToSerialQueryRecoversWithResetQuery) {
  Loop loop;
  loop.sync(1);
  loop.advance(seconds(3600));
  EXPECT_EQ(loop.step(error_report(ErrorCode::kCorruptData, 1, "Session ID mismatch")),
            "Disconnect StopTimer(Response) Connect StartTimer(Connect,10)");
  EXPECT_EQ(loop.client().vrps().size(), 2u);  // make before break
  EXPECT_TRUE(loop.client().fresh());
  EXPECT_EQ(loop.step(Connected{}),
            "StopTimer(Connect) SendPdu(v1 Reset Query) StartTimer(Response,60)");
  loop.step(cache_response(1234));
  loop.step(announce("192.0.2.0/24", 24, 64496));
  loop.step(end_of_data(1234, 1));
  EXPECT_EQ(loop.applied().back().kind, ApplyVrps::kFull);
  EXPECT_EQ(loop.client().session_id(), 1234);
}

TEST(RtrClientTest, NoDataAvailableToSerialQueryResetsOnTheSameConnection) {
  Loop loop;
  loop.sync(1);
  loop.advance(seconds(3600));
  EXPECT_EQ(loop.step(error_report(ErrorCode::kNoDataAvailable)),
            "SendPdu(v1 Reset Query) StartTimer(Response,60)");
}

TEST(RtrClientTest, NoDataAvailableToResetQueryWaitsForRetry) {
  Loop loop;
  loop.step(Start{});
  loop.step(Connected{});
  EXPECT_EQ(loop.step(error_report(ErrorCode::kNoDataAvailable)),
            "Disconnect StopTimer(Response) StartTimer(Retry,600)");
  EXPECT_EQ(loop.client().state(), State::kError);
  EXPECT_EQ(loop.advance(seconds(600)), "Connect StartTimer(Connect,10)");
}

TEST(RtrClientTest, FatalErrorReportDisconnectsWithoutAnswering) {
  Loop loop;
  loop.sync(1);
  loop.advance(seconds(3600));
  size_t sent = loop.sent().size();
  EXPECT_EQ(loop.step(error_report(ErrorCode::kInternalError)),
            "Disconnect StopTimer(Response) StartTimer(Retry,600)");
  EXPECT_EQ(loop.sent().size(), sent);
  EXPECT_EQ(loop.client().session_id(), 7);  // a serial query next time
  EXPECT_NE(loop.client().last_error()->find("Internal Error"), std::string::npos);
}

// ---- Version negotiation (RFC 8210 section 7) --------------------------------------

TEST(RtrClientTest, DowngradesOnUnsupportedProtocolVersion) {
  Loop loop;
  loop.step(Start{});
  loop.step(Connected{});
  EXPECT_EQ(loop.step(error_report(ErrorCode::kUnsupportedProtocolVersion, 0)),
            "Disconnect StopTimer(Response) Connect StartTimer(Connect,10)");
  EXPECT_EQ(loop.client().version(), 0);
  EXPECT_EQ(loop.step(Connected{}),
            "StopTimer(Connect) SendPdu(v0 Reset Query) StartTimer(Response,60)");
  loop.step(cache_response(3, 0));
  loop.step(announce("192.0.2.0/24", 24, 64496, 0));
  EXPECT_NE(loop.step(end_of_data(3, 1, 0)).find("ApplyVrps(full +1 -0)"), std::string::npos);
  EXPECT_TRUE(loop.client().version_agreed());
}

TEST(RtrClientTest, DowngradesOnVersion0Answer) {
  Loop loop;
  loop.step(Start{});
  loop.step(Connected{});
  EXPECT_EQ(loop.step(cache_response(3, 0)),
            "Disconnect StopTimer(Response) Connect StartTimer(Connect,10)");
  EXPECT_EQ(loop.client().version(), 0);
  EXPECT_NE(loop.step(Connected{}).find("v0 Reset Query"), std::string::npos);
}

TEST(RtrClientTest, UnsupportedVersionAtVersion0IsFatal) {
  ClientConfig config = Loop::default_config();
  config.max_version = 0;
  Loop loop(config);
  loop.step(Start{});
  loop.step(Connected{});
  EXPECT_EQ(loop.step(error_report(ErrorCode::kUnsupportedProtocolVersion, 0)),
            "Disconnect StopTimer(Response) StartTimer(Retry,600)");
}

TEST(RtrClientTest, OtherVersionAfterAgreementIsUnexpectedProtocolVersion) {
  Loop loop;
  loop.step(Start{});
  loop.step(Connected{});
  loop.step(cache_response(7));
  std::string out = loop.step(announce("192.0.2.0/24", 24, 64496, 0));
  EXPECT_EQ(out.find("SendPdu(v1 Error Report 8 (Unexpected Protocol Version)"), 0u) << out;
  EXPECT_NE(out.find("StartTimer(Retry,600)"), std::string::npos);
  // The offending PDU travels inside the report.
  const auto& report = std::get<ErrorReport>(loop.sent().back().body);
  EXPECT_EQ(report.pdu.size(), 20u);
}

TEST(RtrClientTest, StartProbesTheHighestVersionAgain) {
  Loop loop;
  loop.step(Start{});
  loop.step(Connected{});
  loop.step(error_report(ErrorCode::kUnsupportedProtocolVersion, 0));
  loop.step(Stop{});
  loop.step(Start{});
  EXPECT_NE(loop.step(Connected{}).find("v1 Reset Query"), std::string::npos);
}

// ---- Duplicate announcements and unknown withdrawals (RFC 8210 5.6) ---------------

TEST(RtrClientTest, DuplicateAnnouncementInDeltaIsError7AndNothingApplies) {
  Loop loop;
  loop.sync(1);
  loop.advance(seconds(3600));
  loop.step(cache_response(7));
  loop.step(announce("203.0.113.0/24", 24, 64499));
  std::string out = loop.step(announce("192.0.2.0/24", 24, 64496));
  EXPECT_EQ(out.find("SendPdu(v1 Error Report 7 (Duplicate Announcement Received)"), 0u) << out;
  EXPECT_NE(out.find("Disconnect"), std::string::npos);
  EXPECT_EQ(loop.applied().size(), 1u);          // only the first sync
  EXPECT_EQ(loop.client().vrps().size(), 2u);    // the partial delta is dropped
  EXPECT_FALSE(loop.client().session_id());      // resynchronise with a reset
  EXPECT_NE(out.find("Connect StartTimer(Connect,10)"), std::string::npos);
}

// A reset's announcements are sorted once at End of Data, which finds the
// duplicate; the report echoes it and nothing is applied.
TEST(RtrClientTest, DuplicateAnnouncementInResetIsError7AtEndOfData) {
  for (const char* p : {"192.0.2.0/24", "2001:db8::/32"}) {
    Loop loop;
    loop.step(Start{});
    loop.step(Connected{});
    loop.step(cache_response(7));
    loop.step(announce(p, 32, 64496));
    loop.step(announce("198.51.100.0/24", 24, 64497));
    EXPECT_EQ(loop.step(announce(p, 32, 64496)), "");
    std::string out = loop.step(end_of_data(7, 1));
    EXPECT_EQ(out.find("SendPdu(v1 Error Report 7"), 0u) << out;
    EXPECT_NE(out.find("StartTimer(Retry,600)"), std::string::npos);
    EXPECT_TRUE(loop.applied().empty());
    EXPECT_TRUE(loop.client().vrps().empty());
    const auto& report = std::get<ErrorReport>(loop.sent().back().body);
    auto echoed = decode(report.pdu);
    ASSERT_TRUE(echoed.ok());
    EXPECT_EQ(std::get<PrefixPdu>(echoed.pdu->body), (PrefixPdu{true, prefix(p), 32, 64496}));
  }
}

// A withdrawal inside a reset's answer (unusual, but RFC 8210 does not
// forbid it): checked against what the answer announced so far.
TEST(RtrClientTest, WithdrawalInsideAResetCancelsOrIsError6) {
  Loop loop;
  loop.step(Start{});
  loop.step(Connected{});
  loop.step(cache_response(7));
  loop.step(announce("192.0.2.0/24", 24, 64496));
  loop.step(announce("198.51.100.0/24", 24, 64497));
  EXPECT_EQ(loop.step(withdraw("192.0.2.0/24", 24, 64496)), "");
  EXPECT_EQ(loop.step(announce("203.0.113.0/24", 24, 64498)), "");
  EXPECT_NE(loop.step(end_of_data(7, 1)).find("ApplyVrps(full +2 -0)"), std::string::npos);
  EXPECT_TRUE(loop.client().vrps().contains(key("198.51.100.0/24", 24, 64497)));
  EXPECT_TRUE(loop.client().vrps().contains(key("203.0.113.0/24", 24, 64498)));
  EXPECT_FALSE(loop.client().vrps().contains(key("192.0.2.0/24", 24, 64496)));

  Loop unknown;
  unknown.step(Start{});
  unknown.step(Connected{});
  unknown.step(cache_response(7));
  unknown.step(announce("192.0.2.0/24", 24, 64496));
  std::string out = unknown.step(withdraw("192.0.2.0/24", 25, 64496));
  EXPECT_EQ(out.find("SendPdu(v1 Error Report 6"), 0u) << out;

  Loop twice;  // a duplicate staged before the withdrawal is still found
  twice.step(Start{});
  twice.step(Connected{});
  twice.step(cache_response(7));
  twice.step(announce("192.0.2.0/24", 24, 64496));
  twice.step(announce("192.0.2.0/24", 24, 64496));
  out = twice.step(withdraw("192.0.2.0/24", 24, 64496));
  EXPECT_EQ(out.find("SendPdu(v1 Error Report 7"), 0u) << out;
}

TEST(RtrClientTest, WithdrawalOfUnknownRecordIsError6) {
  Loop loop;
  loop.sync(1);
  loop.advance(seconds(3600));
  loop.step(cache_response(7));
  std::string out = loop.step(withdraw("192.0.2.0/24", 25, 64496));  // other max length
  EXPECT_EQ(out.find("SendPdu(v1 Error Report 6 (Withdrawal of Unknown Record)"), 0u) << out;
  EXPECT_EQ(loop.client().vrps().size(), 2u);
}

TEST(RtrClientTest, AnnounceThenWithdrawWithinOneDeltaCancels) {
  Loop loop;
  loop.sync(1);
  loop.advance(seconds(3600));
  loop.step(cache_response(7));
  EXPECT_EQ(loop.step(announce("203.0.113.0/24", 24, 64499)), "");
  EXPECT_EQ(loop.step(withdraw("203.0.113.0/24", 24, 64499)), "");
  EXPECT_EQ(loop.step(withdraw("192.0.2.0/24", 24, 64496)), "");
  EXPECT_EQ(loop.step(announce("192.0.2.0/24", 24, 64496)), "");
  EXPECT_EQ(loop.step(withdraw("192.0.2.0/24", 24, 64496)), "");  // withdrawn once
  std::string duplicate = loop.step(withdraw("192.0.2.0/24", 24, 64496));
  EXPECT_EQ(duplicate.find("SendPdu(v1 Error Report 6"), 0u) << duplicate;
}

// ---- Timers ------------------------------------------------------------------------

TEST(RtrClientTest, ConnectTimeoutWaitsForRetryThenReconnects) {
  Loop loop;
  loop.step(Start{});
  EXPECT_EQ(loop.advance(seconds(10)), "Disconnect StartTimer(Retry,600)");
  EXPECT_EQ(loop.client().state(), State::kError);
  EXPECT_EQ(loop.advance(seconds(599)), "");
  EXPECT_EQ(loop.advance(seconds(1)), "Connect StartTimer(Connect,10)");
  EXPECT_EQ(loop.step(ConnectionFailed{}),
            "Disconnect StopTimer(Connect) StartTimer(Retry,600)");
}

TEST(RtrClientTest, ResponseTimeoutOnlyFiresWithoutProgress) {
  Loop loop;
  loop.step(Start{});
  loop.step(Connected{});
  loop.advance(seconds(30));
  loop.step(cache_response(7));
  loop.advance(seconds(29));
  loop.step(announce("192.0.2.0/24", 24, 64496));  // progress at t=59
  // At t=60 the watchdog sees 1 s of silence and rearms for the rest.
  EXPECT_EQ(loop.advance(seconds(1)), "StartTimer(Response,59)");
  EXPECT_EQ(loop.advance(seconds(59)),
            "Disconnect StartTimer(Retry,600)");
  EXPECT_EQ(loop.client().state(), State::kError);
  EXPECT_TRUE(loop.applied().empty());
}

TEST(RtrClientTest, ExpireWithoutSyncMakesDataStaleAndNextSyncIsFull) {
  Loop loop;
  loop.sync(1);
  loop.step(ConnectionClosed{});
  EXPECT_EQ(loop.client().state(), State::kError);
  // Retries fail until expire (7200 s after the sync) passes.
  for (int i = 0; i < 11; ++i) {
    loop.advance(seconds(600));
    loop.step(ConnectionFailed{});
  }
  EXPECT_TRUE(loop.client().fresh());
  // The retry and expire deadlines coincide at 7200 s; retry fires first.
  EXPECT_EQ(loop.advance(seconds(600)), "Connect StartTimer(Connect,10) Stale");
  EXPECT_TRUE(loop.client().stale());
  EXPECT_FALSE(loop.client().fresh());
  EXPECT_EQ(loop.client().vrps().size(), 2u);  // kept, not used
  // The cache comes back: the serial query succeeds, and the update is full.
  EXPECT_NE(loop.step(Connected{}).find("Serial Query session=7 serial=1"), std::string::npos);
  loop.step(cache_response(7));
  loop.step(end_of_data(7, 2));
  EXPECT_EQ(loop.applied().back().kind, ApplyVrps::kFull);
  EXPECT_EQ(loop.applied().back().set->size(), 2u);
  EXPECT_TRUE(loop.applied().back().announced.empty());
  EXPECT_TRUE(loop.client().fresh());
}

TEST(RtrClientTest, EachSyncRestartsTheExpireTimer) {
  Loop loop;
  loop.sync(1);
  for (uint32_t serial = 2; serial < 6; ++serial) {
    loop.advance(seconds(3600));
    loop.step(cache_response(7));
    loop.step(end_of_data(7, serial));
  }
  EXPECT_FALSE(loop.client().stale());
}

TEST(RtrClientTest, CacheIntervalsDriveTheTimers) {
  Loop loop;
  loop.step(Start{});
  loop.step(Connected{});
  loop.step(cache_response(7));
  EXPECT_EQ(loop.step(end_of_data(7, 1, 1, Intervals{0, 5, 10})),
            "ApplyVrps(full +0 -0) StopTimer(Response) StartTimer(Refresh,1) "
            "StartTimer(Expire,600)");
  EXPECT_EQ(loop.client().intervals(), (Intervals{1, 5, 600}));
  EXPECT_EQ(loop.advance(seconds(1)),
            "SendPdu(v1 Serial Query session=7 serial=1) StartTimer(Response,60)");
}

// ---- Decode failures -------------------------------------------------------------------

TEST(RtrClientTest, DecodeFailureIsAnsweredWithItsErrorCode) {
  Loop loop;
  loop.sync(1);
  DecodeFailed failed{DecodeError{ErrorCode::kUnsupportedPduType, "PDU type 11", 11},
                      {1, 11, 0, 0, 0, 0, 0, 8}};
  std::string out = loop.step(failed);
  EXPECT_EQ(out.find("SendPdu(v1 Error Report 5 (Unsupported PDU Type): PDU type 11)"), 0u)
      << out;
  EXPECT_EQ(std::get<ErrorReport>(loop.sent().back().body).pdu.size(), 8u);
  EXPECT_EQ(loop.client().state(), State::kError);
}

TEST(RtrClientTest, UndecodableErrorReportIsNotAnswered) {
  Loop loop;
  loop.sync(1);
  size_t sent = loop.sent().size();
  DecodeFailed failed{DecodeError{ErrorCode::kCorruptData, "text length", 10}, {}};
  EXPECT_EQ(loop.step(failed), "Disconnect StopTimer(Refresh) StartTimer(Retry,600)");
  EXPECT_EQ(loop.sent().size(), sent);
}

// ---- State x event table ---------------------------------------------------------------

enum class Setup { kIdle, kConnecting, kResetting, kQuerying, kReceiving, kEstablished, kError };

void drive(Loop& loop, Setup setup) {
  switch (setup) {
    case Setup::kIdle: return;
    case Setup::kConnecting: loop.step(Start{}); return;
    case Setup::kResetting: loop.step(Start{}); loop.step(Connected{}); return;
    case Setup::kReceiving:
      loop.step(Start{});
      loop.step(Connected{});
      loop.step(cache_response(7));
      return;
    case Setup::kEstablished: loop.sync(1); return;
    case Setup::kQuerying: loop.sync(1); loop.advance(seconds(3600)); return;
    case Setup::kError: loop.step(Start{}); loop.step(ConnectionFailed{}); return;
  }
}

struct Transition {
  const char* name;
  Setup from;
  Event event;
  State to;
  const char* actions;  // prefix of the summary
};

TEST(RtrClientTest, StateEventTable) {
  const Transition table[] = {
      {"idle ignores connected", Setup::kIdle, Connected{}, State::kIdle, ""},
      {"idle ignores pdus", Setup::kIdle, cache_response(1), State::kIdle, ""},
      {"idle ignores stop", Setup::kIdle, Stop{}, State::kIdle, ""},
      {"connecting ignores start", Setup::kConnecting, Start{}, State::kConnecting, ""},
      {"connecting stop", Setup::kConnecting, Stop{}, State::kIdle,
       "Disconnect StopTimer(Connect)"},
      {"error ignores closed", Setup::kError, ConnectionClosed{}, State::kError, ""},
      {"error ignores pdus", Setup::kError, cache_response(1), State::kError, ""},
      {"error stop", Setup::kError, Stop{}, State::kIdle, "StopTimer(Retry)"},
      {"resetting closed", Setup::kResetting, ConnectionClosed{}, State::kError,
       "Disconnect StopTimer(Response) StartTimer(Retry,600)"},
      {"resetting end of data", Setup::kResetting, end_of_data(7, 1), State::kError,
       "SendPdu(v1 Error Report 0 (Corrupt Data): End of Data in state Resetting)"},
      {"resetting cache reset", Setup::kResetting, cache_reset(), State::kError,
       "SendPdu(v1 Error Report 0"},
      {"resetting prefix", Setup::kResetting, announce("192.0.2.0/24", 24, 1), State::kError,
       "SendPdu(v1 Error Report 0"},
      {"receiving cache response", Setup::kReceiving, cache_response(7), State::kError,
       "SendPdu(v1 Error Report 0"},
      {"receiving router key", Setup::kReceiving, PduReceived{Pdu{1, RouterKey{}}},
       State::kReceiving, ""},
      {"receiving closed", Setup::kReceiving, ConnectionClosed{}, State::kError, "Disconnect"},
      {"established prefix", Setup::kEstablished, announce("192.0.2.0/24", 24, 1),
       State::kError, "SendPdu(v1 Error Report 0"},
      {"established end of data", Setup::kEstablished, end_of_data(7, 2), State::kError,
       "SendPdu(v1 Error Report 0"},
      {"established router key", Setup::kEstablished, PduReceived{Pdu{1, RouterKey{}}},
       State::kError, "SendPdu(v1 Error Report 0"},
      {"established reset query from cache", Setup::kEstablished,
       PduReceived{Pdu{1, ResetQuery{}}}, State::kError, "SendPdu(v1 Error Report 5"},
      {"established notify other session", Setup::kEstablished, notify(8, 2),
       State::kConnecting, "SendPdu(v1 Error Report 0"},
      {"established closed", Setup::kEstablished, ConnectionClosed{}, State::kError,
       "Disconnect StopTimer(Refresh) StartTimer(Retry,600)"},
      {"established no data is harmless", Setup::kEstablished,
       error_report(ErrorCode::kNoDataAvailable), State::kEstablished, ""},
      {"querying cache response", Setup::kQuerying, cache_response(7), State::kReceiving, ""},
      {"established stop flushes", Setup::kEstablished, Stop{}, State::kIdle,
       "Disconnect StopTimer(Refresh) StopTimer(Expire) ApplyVrps(full +0 -0)"},
  };
  for (const Transition& t : table) {
    SCOPED_TRACE(t.name);
    Loop loop;
    drive(loop, t.from);
    std::string out = loop.step(t.event);
    EXPECT_EQ(out.rfind(t.actions, 0), 0u) << out;
    EXPECT_EQ(loop.client().state(), t.to) << state_name(loop.client().state());
  }
}

TEST(RtrClientTest, StaleTimerExpiryIsIgnored) {
  Loop loop;
  loop.step(Start{});
  loop.step(Connected{});
  // The connect timer was stopped; a late expiry changes nothing.
  EXPECT_EQ(loop.step(TimerExpired{Timer::kConnect}), "");
  EXPECT_EQ(loop.client().state(), State::kResetting);
}

// ---- Several caches (RFC 8210 section 10) ----------------------------------------------

TEST(RtrSourceSetTest, UsesTheMostPreferredFreshCacheAndFailsOver) {
  using Health = SourceSet::Health;
  SourceSet set;
  set.add(1, 10);
  set.add(2, 20);
  set.add(3, 20);
  EXPECT_FALSE(set.selected());
  EXPECT_EQ(set.overall(), Health::kNoData);
  EXPECT_TRUE(set.set_health(3, Health::kFresh));
  EXPECT_EQ(set.selected(), 3);
  EXPECT_TRUE(set.set_health(2, Health::kFresh));  // same preference, lower id
  EXPECT_EQ(set.selected(), 2);
  EXPECT_TRUE(set.set_health(1, Health::kFresh));  // the preferred cache is back
  EXPECT_EQ(set.selected(), 1);
  EXPECT_FALSE(set.set_health(3, Health::kStale));
  EXPECT_TRUE(set.set_health(1, Health::kStale));  // failover
  EXPECT_EQ(set.selected(), 2);
  set.set_health(2, Health::kStale);
  EXPECT_FALSE(set.selected());
  EXPECT_EQ(set.overall(), Health::kStale);  // fail closed
  set.remove(2);
  set.add(1, 30);
  set.set_health(1, Health::kFresh);
  EXPECT_EQ(set.selected(), 1);
  EXPECT_EQ(set.overall(), Health::kFresh);
}

}  // namespace
}  // namespace byoipd::rpki::rtr
