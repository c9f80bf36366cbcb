#include "byoipd/rpki/rtr_client.h"

#include <algorithm>
#include <utility>

namespace byoipd::rpki::rtr {
namespace {

// RFC 8210 section 6 ranges, in seconds.
constexpr uint32_t kRefreshMin = 1, kRefreshMax = 86400;
constexpr uint32_t kRetryMin = 1, kRetryMax = 7200;
constexpr uint32_t kExpireMin = 600, kExpireMax = 172800;

class SteadyClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::steady_clock::now(); }
};

uint64_t mix(uint64_t x) {  // splitmix64 finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::vector<uint8_t> bytes_of(const Pdu& pdu) {
  auto bytes = encode(pdu);
  return bytes.ok() ? std::move(*bytes) : std::vector<uint8_t>{};
}

std::string key_text(const VrpKey& key) {
  return key.prefix.to_string() + "-" + std::to_string(key.max_length) + " AS" +
         std::to_string(key.asn);
}

bool connected(State state) {
  return state == State::kResetting || state == State::kQuerying ||
         state == State::kReceiving || state == State::kEstablished;
}

}  // namespace

const Clock& steady_clock() {
  static const SteadyClock clock;
  return clock;
}

size_t VrpKeyHash::operator()(const VrpKey& key) const {
  u128 net = key.prefix.network();
  uint64_t h = mix(static_cast<uint64_t>(net) ^ 0x9e3779b97f4a7c15ULL);
  h = mix(h ^ static_cast<uint64_t>(net >> 64));
  h = mix(h ^ (uint64_t{key.asn} << 24 | uint64_t{key.max_length} << 16 |
               uint64_t(key.prefix.length()) << 8 | static_cast<uint64_t>(key.prefix.family())));
  return static_cast<size_t>(h);
}

Status validate_config(const ClientConfig& config) {
  auto invalid = [](const char* reason, std::string message) {
    return Status(Code::kInvalidArgument, reason, std::move(message));
  };
  const Intervals& iv = config.intervals;
  if (config.max_version > kMaxVersion) {
    return invalid("rtr-version", "max_version " + std::to_string(config.max_version) +
                                      ": RTR versions 0 (RFC 6810) and 1 (RFC 8210) exist");
  }
  if (iv.refresh < kRefreshMin || iv.refresh > kRefreshMax || iv.retry < kRetryMin ||
      iv.retry > kRetryMax || iv.expire < kExpireMin || iv.expire > kExpireMax) {
    return invalid("rtr-interval",
                   "refresh " + std::to_string(iv.refresh) + ", retry " + std::to_string(iv.retry) +
                       ", expire " + std::to_string(iv.expire) +
                       ": RFC 8210 section 6 allows refresh 1-86400, retry 1-7200, "
                       "expire 600-172800");
  }
  if (iv.expire <= iv.refresh || iv.expire <= iv.retry) {
    return invalid("rtr-expire", "expire " + std::to_string(iv.expire) +
                                     " must exceed refresh and retry (RFC 8210 section 6)");
  }
  if (config.expire_override && (*config.expire_override < 1 || *config.expire_override > kExpireMax)) {
    return invalid("rtr-expire", "expire_override " + std::to_string(*config.expire_override) +
                                     ": allowed 1-172800 seconds");
  }
  if (config.connect_timeout_seconds == 0 || config.response_timeout_seconds == 0) {
    return invalid("rtr-timeout", "connect and response timeouts must be at least 1 second");
  }
  return Status::ok_status();
}

Intervals clamp_intervals(Intervals cache, std::string* note) {
  Intervals out;
  out.refresh = std::clamp(cache.refresh, kRefreshMin, kRefreshMax);
  out.retry = std::clamp(cache.retry, kRetryMin, kRetryMax);
  out.expire = std::clamp(cache.expire, kExpireMin, kExpireMax);
  // Section 6: expire must be larger than both. Raising it (rather than
  // lowering refresh) keeps the cache's polling pace and errs towards
  // keeping data, which the section 6 guidance prefers to dropping it.
  uint32_t floor = std::max(out.refresh, out.retry) + 1;
  if (out.expire < floor) out.expire = std::min(floor, kExpireMax);
  if (note != nullptr) {
    note->clear();
    if (!(out == cache)) {
      *note = "cache intervals refresh " + std::to_string(cache.refresh) + "/retry " +
              std::to_string(cache.retry) + "/expire " + std::to_string(cache.expire) +
              " outside RFC 8210 section 6 bounds; using " + std::to_string(out.refresh) + "/" +
              std::to_string(out.retry) + "/" + std::to_string(out.expire);
    }
  }
  return out;
}

std::string_view state_name(State state) {
  switch (state) {
    case State::kIdle: return "Idle";
    case State::kConnecting: return "Connecting";
    case State::kResetting: return "Resetting";
    case State::kQuerying: return "Querying";
    case State::kReceiving: return "Receiving";
    case State::kEstablished: return "Established";
    case State::kError: return "Error";
  }
  return "?";
}

std::string_view timer_name(Timer timer) {
  switch (timer) {
    case Timer::kConnect: return "Connect";
    case Timer::kResponse: return "Response";
    case Timer::kRefresh: return "Refresh";
    case Timer::kRetry: return "Retry";
    case Timer::kExpire: return "Expire";
  }
  return "?";
}

std::string describe(const Action& action) {
  struct Describe {
    std::string operator()(const Connect&) const { return "Connect"; }
    std::string operator()(const Disconnect&) const { return "Disconnect"; }
    std::string operator()(const SendPdu& a) const { return "SendPdu(" + describe(a.pdu) + ")"; }
    std::string operator()(const StartTimer& a) const {
      return "StartTimer(" + std::string(timer_name(a.timer)) + "," + std::to_string(a.seconds) +
             ")";
    }
    std::string operator()(const StopTimer& a) const {
      return "StopTimer(" + std::string(timer_name(a.timer)) + ")";
    }
    std::string operator()(const ApplyVrps& a) const {
      if (a.kind == ApplyVrps::kFull) {
        return "ApplyVrps(full +" + std::to_string(a.set ? a.set->size() : 0) + " -0)";
      }
      return "ApplyVrps(delta +" + std::to_string(a.announced.size()) + " -" +
             std::to_string(a.withdrawn.size()) + ")";
    }
    std::string operator()(const Stale&) const { return "Stale"; }
    std::string operator()(const Log& a) const {
      static constexpr const char* kLevels[] = {"info", "warning", "error"};
      return std::string("Log(") + kLevels[a.level] + ")";
    }
  };
  return std::visit(Describe{}, action);
}

// ---- The machine ---------------------------------------------------------------

Client::Client(ClientConfig config, const Clock& clock)
    : config_(std::move(config)),
      clock_(clock),
      version_(config_.max_version),
      intervals_(config_.intervals) {
  if (config_.expire_override) intervals_.expire = *config_.expire_override;
}

std::vector<Action> Client::handle(const Event& event) {
  Out out;
  if (const auto* expired = std::get_if<TimerExpired>(&event)) {
    bool& armed = armed_[static_cast<size_t>(expired->timer)];
    if (!armed) return out;  // stopped or restarted since: stale
    armed = false;
    on_timer(expired->timer, out);
  } else if (std::holds_alternative<Start>(event)) {
    if (state_ == State::kIdle) {
      version_ = config_.max_version;  // every Start probes the highest version again
      connect(out);
    }
  } else if (std::holds_alternative<Stop>(event)) {
    if (state_ == State::kIdle) return out;
    if (state_ != State::kError) out.push_back(Disconnect{});
    for (Timer t : {Timer::kConnect, Timer::kResponse, Timer::kRefresh, Timer::kRetry,
                    Timer::kExpire}) {
      stop_timer(t, out);
    }
    clear_staging();
    flush(out);
    state_ = State::kIdle;
  } else if (std::holds_alternative<Connected>(event)) {
    if (state_ != State::kConnecting) return out;  // a late answer to an abandoned attempt
    stop_timer(Timer::kConnect, out);
    version_agreed_ = false;
    send_query(out);
  } else if (std::holds_alternative<ConnectionFailed>(event)) {
    if (state_ == State::kConnecting) fail("connection to the cache failed", Then::kRetry, out);
  } else if (std::holds_alternative<ConnectionClosed>(event)) {
    if (connected(state_)) fail("the cache closed the connection", Then::kRetry, out);
  } else if (const auto* received = std::get_if<PduReceived>(&event)) {
    if (connected(state_)) on_pdu(received->pdu, out);
  } else if (const auto* failed = std::get_if<DecodeFailed>(&event)) {
    if (!connected(state_)) return out;
    std::string text = failed->error.reason;
    if (failed->error.is_error_report()) {
      // RFC 8210 5.11: never answer an Error Report with one.
      fail("undecodable Error Report from the cache: " + text, Then::kRetry, out);
    } else {
      protocol_error(failed->error.code, failed->bytes, std::move(text), Then::kRetry, out);
    }
  }
  return out;
}

void Client::connect(Out& out) {
  out.push_back(Connect{});
  start_timer(Timer::kConnect, config_.connect_timeout_seconds, out);
  state_ = State::kConnecting;
}

// RFC 8210 section 8.1: a Reset Query without a session, else a Serial
// Query with the session id and serial of the data held (8.2).
void Client::send_query(Out& out) {
  stop_timer(Timer::kRefresh, out);
  if (session_id_ && serial_) {
    out.push_back(SendPdu{Pdu{version_, SerialQuery{*session_id_, *serial_}}});
    state_ = State::kQuerying;
  } else {
    out.push_back(SendPdu{Pdu{version_, ResetQuery{}}});
    state_ = State::kResetting;
  }
  last_progress_ = clock_.now();
  start_timer(Timer::kResponse, config_.response_timeout_seconds, out);
}

void Client::on_pdu(const Pdu& pdu, Out& out) {
  last_progress_ = clock_.now();
  bool notify = std::holds_alternative<SerialNotify>(pdu.body);
  // Section 7: ignore Serial Notify during version negotiation, whatever
  // its version.
  if (notify && !version_agreed_) return;
  if (std::holds_alternative<ErrorReport>(pdu.body)) {
    on_error_report(pdu, out);
    return;
  }
  if (!version_agreed_) {
    if (pdu.version < version_) {
      // Section 7: a version 0 answer to a version 1 query; "the router MUST
      // either downgrade to version 0 or terminate". Session ids and serials
      // belong to one version, so start over with a version 0 Reset Query.
      out.push_back(Log{Log::kInfo, "cache answered version " + std::to_string(pdu.version) +
                                        "; downgrading from " + std::to_string(version_)});
      version_ = pdu.version;
      forget_session();
      fail("downgrading to version " + std::to_string(version_), Then::kReconnect, out);
      return;
    }
    if (pdu.version > version_) {
      protocol_error(ErrorCode::kUnexpectedProtocolVersion, pdu,
                     "version " + std::to_string(pdu.version) + " answer to a version " +
                         std::to_string(version_) + " query",
                     Then::kRetry, out);
      return;
    }
    version_agreed_ = true;
  } else if (pdu.version != version_) {
    // Section 7: the version is fixed once agreed.
    protocol_error(ErrorCode::kUnexpectedProtocolVersion, pdu,
                   "version " + std::to_string(pdu.version) + " PDU in a version " +
                       std::to_string(version_) + " session",
                   Then::kRetry, out);
    return;
  }
  switch (pdu.type()) {
    case PduType::kSerialNotify: on_serial_notify(pdu, out); return;
    case PduType::kCacheResponse: on_cache_response(pdu, out); return;
    case PduType::kIpv4Prefix:
    case PduType::kIpv6Prefix: on_prefix(pdu, out); return;
    case PduType::kEndOfData: on_end_of_data(pdu, out); return;
    case PduType::kCacheReset:
      // Section 8.3: the cache cannot serve our serial; fall back to a reset.
      if (state_ == State::kQuerying) {
        out.push_back(Log{Log::kInfo, "Cache Reset: no incremental update, sending Reset Query"});
        forget_session();
        send_query(out);
      } else {
        protocol_error(ErrorCode::kCorruptData, pdu,
                       "Cache Reset in state " + std::string(state_name(state_)) +
                           " (expected only in answer to a Serial Query)",
                       Then::kRetry, out);
      }
      return;
    case PduType::kRouterKey:
      // Section 5.10: BGPsec keys, part of the sync; byoipd does not use them.
      if (state_ == State::kReceiving) {
        ++router_keys_seen_;
      } else {
        protocol_error(ErrorCode::kCorruptData, pdu, "Router Key outside a sync", Then::kRetry,
                       out);
      }
      return;
    case PduType::kSerialQuery:
    case PduType::kResetQuery:
    case PduType::kErrorReport:
      // Queries travel router to cache only.
      protocol_error(ErrorCode::kUnsupportedPduType, pdu,
                     std::string(pdu_type_name(pdu.type())) + " sent to a router", Then::kRetry,
                     out);
      return;
  }
}

void Client::on_error_report(const Pdu& pdu, Out& out) {
  const auto& report = std::get<ErrorReport>(pdu.body);
  std::string what = "cache sent Error Report " + std::to_string(static_cast<int>(report.code)) +
                     " (" + std::string(error_code_name(report.code)) + ")" +
                     (report.text.empty() ? "" : ": " + report.text);
  last_error_ = what;
  bool awaiting = state_ == State::kResetting || state_ == State::kQuerying;
  if (report.code == ErrorCode::kUnsupportedProtocolVersion && awaiting && !version_agreed_ &&
      version_ > kVersion0) {
    // Section 7: "the router MAY retry the connection using protocol version 0".
    version_ = kVersion0;
    forget_session();
    fail(what + "; retrying with version 0", Then::kReconnect, out);
    return;
  }
  if (report.code == ErrorCode::kNoDataAvailable) {
    // The only non-fatal code (5.11). To a Serial Query it means the cache
    // cannot serve our session: recover with a Reset Query on this
    // connection. To a Reset Query (8.4) the cache has nothing yet: try
    // again after the retry interval.
    if (state_ == State::kQuerying) {
      out.push_back(Log{Log::kWarning, what + "; sending Reset Query"});
      forget_session();
      send_query(out);
      return;
    }
    if (state_ == State::kEstablished) {
      out.push_back(Log{Log::kWarning, what});
      return;
    }
    fail(what, Then::kRetry, out);
    return;
  }
  if (report.code == ErrorCode::kCorruptData && state_ == State::kQuerying) {
    // StayRTR answers a Serial Query for a session it no longer has (it
    // restarted) with Corrupt Data, not Cache Reset. Recover with a Reset
    // Query at once; the data held stays until the new set replaces it, so
    // a cache restart does not turn routes NotFound in between.
    forget_session();
    fail(what + "; resetting the session", Then::kReconnect, out);
    return;
  }
  fail(what, Then::kRetry, out);  // fatal (5.11): the cache closes the connection
}

void Client::on_cache_response(const Pdu& pdu, Out& out) {
  uint16_t session = std::get<CacheResponse>(pdu.body).session_id;
  if (state_ == State::kResetting) {
    staging_full_ = true;
  } else if (state_ == State::kQuerying) {
    if (session != *session_id_) {
      session_mismatch(pdu, *session_id_, out);
      return;
    }
    staging_full_ = false;
  } else {
    protocol_error(ErrorCode::kCorruptData, pdu,
                   "Cache Response in state " + std::string(state_name(state_)), Then::kRetry, out);
    return;
  }
  staging_session_ = session;
  state_ = State::kReceiving;
}

// Section 5.6: at most one record per {prefix, len, max-len, ASN}; an
// announce of a held record is error 7, a withdraw of an absent one error 6.
// "Held" is the set as this sync has changed it so far. A Reset Query's
// announcements are only collected here; End of Data checks them.
void Client::on_prefix(const Pdu& pdu, Out& out) {
  const auto& p = std::get<PrefixPdu>(pdu.body);
  if (state_ != State::kReceiving) {
    protocol_error(ErrorCode::kCorruptData, pdu,
                   "prefix PDU in state " + std::string(state_name(state_)) +
                       " (expected between Cache Response and End of Data)",
                   Then::kRetry, out);
    return;
  }
  VrpKey key{p.prefix, p.max_length, p.asn};
  if (staging_full_ && !reset_spilled_) {
    if (p.announce) {
      staged_full_.add(key);
      return;
    }
    if (auto duplicate = spill_reset()) {
      duplicate_announcement(*duplicate, out);
      return;
    }
  }
  auto it = staged_delta_.find(key);
  bool held = it != staged_delta_.end() ? it->second : !staging_full_ && vrps_->contains(key);
  if (p.announce != held) {
    if (it != staged_delta_.end()) {
      staged_delta_.erase(it);  // announced then withdrawn, or the reverse: no change
    } else {
      staged_delta_.emplace(key, p.announce);
    }
    return;
  }
  // A delta the cache and we disagree on: resynchronise with a Reset Query,
  // at once when this was a serial sync.
  Then then = staging_full_ ? Then::kRetry : Then::kReconnect;
  if (!staging_full_) forget_session();
  protocol_error(p.announce ? ErrorCode::kDuplicateAnnouncement
                            : ErrorCode::kWithdrawalOfUnknownRecord,
                 pdu,
                 (p.announce ? "announce of a record already held: " : "withdraw of a record not held: ") +
                     key_text(key),
                 then, out);
}

std::optional<VrpKey> Client::spill_reset() {
  reset_spilled_ = true;
  for (const VrpKey& key : staged_full_.take_keys()) {
    if (!staged_delta_.emplace(key, true).second) return key;
  }
  return std::nullopt;
}

// Error 7 for a record a Reset Query's answer announced twice, found when
// the staged records are sorted: the report echoes that announcement.
void Client::duplicate_announcement(const VrpKey& key, Out& out) {
  protocol_error(ErrorCode::kDuplicateAnnouncement,
                 Pdu{version_, PrefixPdu{true, key.prefix, key.max_length, key.asn}},
                 "record announced twice in one reset: " + key_text(key), Then::kRetry, out);
}

void Client::on_end_of_data(const Pdu& pdu, Out& out) {
  const auto& eod = std::get<EndOfData>(pdu.body);
  if (state_ != State::kReceiving) {
    protocol_error(ErrorCode::kCorruptData, pdu,
                   "End of Data in state " + std::string(state_name(state_)), Then::kRetry, out);
    return;
  }
  if (eod.session_id != staging_session_) {
    session_mismatch(pdu, staging_session_, out);
    return;
  }
  ApplyVrps apply;
  if (staging_full_ && !reset_spilled_) {
    auto next = std::make_shared<VrpSet>();
    if (auto duplicate = staged_full_.finish(*next)) {
      duplicate_announcement(*duplicate, out);
      return;
    }
    apply.set = std::move(next);
  } else if (staging_full_) {
    VrpSet::Builder builder;  // staged_delta_ over an empty set: distinct announcements
    for (const auto& entry : staged_delta_) builder.add(entry.first);
    auto next = std::make_shared<VrpSet>();
    builder.finish(*next);
    apply.set = std::move(next);
  } else if (staged_delta_.empty()) {
    apply.set = vrps_;
  } else {
    std::vector<VrpKey> announced, withdrawn;
    for (const auto& [key, is_announced] : staged_delta_) {
      (is_announced ? announced : withdrawn).push_back(key);
      (is_announced ? apply.announced : apply.withdrawn).push_back(to_vrp(key));
    }
    apply.set = std::make_shared<const VrpSet>(vrps_->with_delta(announced, withdrawn));
  }
  if (!staging_full_ && serial_ && serial_lt(eod.serial, *serial_)) {
    // RFC 1982 within one session: a cache should never go backwards.
    out.push_back(Log{Log::kWarning, "cache serial went back from " + std::to_string(*serial_) +
                                         " to " + std::to_string(eod.serial)});
  }
  if (eod.intervals) {
    std::string note;
    intervals_ = clamp_intervals(*eod.intervals, &note);
    if (config_.expire_override) intervals_.expire = *config_.expire_override;
    if (!note.empty()) out.push_back(Log{Log::kWarning, std::move(note)});
  }
  apply.session_id = staging_session_;
  apply.serial = eod.serial;
  // A full set after a reset, and after Stale (the consumer may have dropped
  // the stale data); otherwise the delta.
  if (staging_full_ || stale_) {
    apply.kind = ApplyVrps::kFull;
    apply.announced.clear();
    apply.withdrawn.clear();
  }
  vrps_ = apply.set;
  session_id_ = staging_session_;
  serial_ = eod.serial;
  last_sync_ = clock_.now();
  stale_ = false;
  std::optional<SerialNotify> notify = notify_pending_;
  clear_staging();
  out.push_back(std::move(apply));
  stop_timer(Timer::kResponse, out);
  stop_timer(Timer::kRetry, out);
  // Section 6: refresh polls, expire bounds the use of this data.
  start_timer(Timer::kRefresh, intervals_.refresh, out);
  start_timer(Timer::kExpire, intervals_.expire, out);
  state_ = State::kEstablished;
  // A Serial Notify that arrived mid-sync announced something newer.
  if (notify && notify->session_id == *session_id_ && serial_lt(*serial_, notify->serial)) {
    send_query(out);
  }
}

// Section 5.2: the router MAY query at once. A notify for the serial we
// hold announces nothing new.
void Client::on_serial_notify(const Pdu& pdu, Out& out) {
  const auto& notify = std::get<SerialNotify>(pdu.body);
  if (state_ != State::kEstablished) {
    notify_pending_ = notify;  // acted on after End of Data
    return;
  }
  if (notify.session_id != *session_id_) {
    session_mismatch(pdu, *session_id_, out);
    return;
  }
  if (notify.serial != *serial_) send_query(out);
}

void Client::on_timer(Timer timer, Out& out) {
  switch (timer) {
    case Timer::kConnect:
      if (state_ == State::kConnecting) {
        fail("no connection after " + std::to_string(config_.connect_timeout_seconds) + " s",
             Then::kRetry, out);
      }
      return;
    case Timer::kResponse: {
      if (state_ != State::kResetting && state_ != State::kQuerying &&
          state_ != State::kReceiving) {
        return;
      }
      // A lazy watchdog: PDUs only stamp last_progress_, so a sync of a
      // million prefixes does not rearm a timer a million times.
      auto idle = std::chrono::duration_cast<std::chrono::seconds>(clock_.now() - last_progress_);
      auto limit = std::chrono::seconds(config_.response_timeout_seconds);
      if (idle < limit) {
        start_timer(Timer::kResponse, static_cast<uint32_t>((limit - idle).count()), out);
        return;
      }
      fail("no PDU from the cache for " + std::to_string(idle.count()) + " s", Then::kRetry, out);
      return;
    }
    case Timer::kRefresh:
      if (state_ == State::kEstablished) send_query(out);
      return;
    case Timer::kRetry:
      if (state_ == State::kError) connect(out);
      return;
    case Timer::kExpire:
      stale_ = true;
      out.push_back(Log{Log::kError, "no successful sync for " +
                                         std::to_string(intervals_.expire) +
                                         " s (expire interval): data is stale"});
      out.push_back(Stale{});
      return;
  }
}

void Client::protocol_error(ErrorCode code, const Pdu& pdu, std::string text, Then then,
                            Out& out) {
  protocol_error(code, bytes_of(pdu), std::move(text), then, out);
}

void Client::protocol_error(ErrorCode code, std::vector<uint8_t> bytes, std::string text,
                            Then then, Out& out) {
  out.push_back(SendPdu{error_report(version_, code, bytes, text)});
  fail("sent Error Report " + std::to_string(static_cast<int>(code)) + " (" +
           std::string(error_code_name(code)) + "): " + text,
       then, out);
}

void Client::session_mismatch(const Pdu& pdu, uint16_t expected, Out& out) {
  std::string text = describe(pdu) + ": session id mismatch, ours is " +
                     std::to_string(expected) + " (RFC 8210 5.1)";
  // The next sync is a Reset Query: at once, unless this was one already
  // (a cache that cannot keep its session id within one reset waits).
  Then then = state_ == State::kReceiving && staging_full_ ? Then::kRetry : Then::kReconnect;
  protocol_error(ErrorCode::kCorruptData, pdu, std::move(text), then, out);
  flush(out);
}

void Client::fail(std::string reason, Then then, Out& out) {
  out.push_back(Log{Log::kWarning, reason});
  last_error_ = std::move(reason);
  out.push_back(Disconnect{});
  clear_staging();
  version_agreed_ = false;
  stop_timer(Timer::kConnect, out);
  stop_timer(Timer::kResponse, out);
  stop_timer(Timer::kRefresh, out);
  if (then == Then::kReconnect) {
    stop_timer(Timer::kRetry, out);
    connect(out);
  } else {
    state_ = State::kError;
    start_timer(Timer::kRetry, intervals_.retry, out);
  }
}

void Client::flush(Out& out) {
  bool had = last_sync_ || !vrps_->empty();
  vrps_ = std::make_shared<const VrpSet>();
  if (had) out.push_back(ApplyVrps{ApplyVrps::kFull, {}, {}, vrps_, 0, 0});
  forget_session();
  last_sync_.reset();
  stale_ = false;
  stop_timer(Timer::kExpire, out);
}

void Client::forget_session() {
  session_id_.reset();
  serial_.reset();
}

void Client::clear_staging() {
  staged_full_ = VrpSet::Builder();
  reset_spilled_ = false;
  staged_delta_ = {};
  notify_pending_.reset();
}

void Client::start_timer(Timer timer, uint32_t seconds, Out& out) {
  armed_[static_cast<size_t>(timer)] = true;
  out.push_back(StartTimer{timer, seconds});
}

void Client::stop_timer(Timer timer, Out& out) {
  bool& armed = armed_[static_cast<size_t>(timer)];
  if (!armed) return;
  armed = false;
  out.push_back(StopTimer{timer});
}

}  // namespace byoipd::rpki::rtr
