#include "byoipd/bgp/fsm.h"

#include <algorithm>
#include <utility>

#include "byoipd/common/asn.h"

namespace byoipd::bgp {
namespace {

// NOTIFICATION codes and subcodes the FSM itself sends.
constexpr uint8_t kOpenBadVersion = 1;       // RFC 4271 6.2
constexpr uint8_t kOpenBadPeerAs = 2;
constexpr uint8_t kOpenBadBgpIdentifier = 3;
constexpr uint8_t kOpenUnacceptableHoldTime = 6;
constexpr uint8_t kFsmUnexpectedInOpenSent = 1;     // RFC 6608 section 3
constexpr uint8_t kFsmUnexpectedInOpenConfirm = 2;
constexpr uint8_t kFsmUnexpectedInEstablished = 3;
constexpr uint8_t kCeaseMaxPrefixes = 1;            // RFC 4486 section 4
constexpr uint8_t kCeaseAdministrativeShutdown = 2;
constexpr uint8_t kCeaseCollisionResolution = 7;

constexpr uint8_t kBgpVersion = 4;
constexpr uint32_t kMaxDampingExponent = 16;

Notification notification(ErrorCode code, uint8_t subcode, std::vector<uint8_t> data = {}) {
  return Notification{static_cast<uint8_t>(code), subcode, std::move(data)};
}

template <typename T>
bool is(const Event& event) {
  return std::holds_alternative<T>(event);
}

bool is_timer(const Event& event, Timer timer) {
  const auto* expired = std::get_if<TimerExpired>(&event);
  return expired != nullptr && expired->timer == timer;
}

// RFC 4760 section 1: a speaker that sends no Multiprotocol capability
// carries IPv4 unicast only.
std::vector<AfiSafi> families_of(const Capabilities& capabilities) {
  if (capabilities.multiprotocol.empty()) return {AfiSafi{}};
  return capabilities.multiprotocol;
}

class SteadyClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::steady_clock::now(); }
};

}  // namespace

const Clock& steady_clock() {
  static const SteadyClock clock;
  return clock;
}

Status validate_config(const PeerConfig& config) {
  auto invalid = [](const char* reason, std::string message) {
    return Status(Code::kInvalidArgument, reason, std::move(message));
  };
  if (config.local_as == 0 || config.remote_as == 0) {
    return invalid("bgp-asn-zero", "local_as " + std::to_string(config.local_as) + ", remote_as " +
                                       std::to_string(config.remote_as) +
                                       ": AS 0 may not peer (RFC 7607); use 1-4294967295");
  }
  if (config.router_id == 0) {
    return invalid("bgp-router-id-zero",
                   "router_id 0 is not a valid BGP Identifier (RFC 6286 2.1); use any other value");
  }
  if (config.hold_time == 1 || config.hold_time == 2) {
    return invalid("bgp-hold-time", "hold_time " + std::to_string(config.hold_time) +
                                        ": RFC 4271 4.2 allows 0 or at least 3 seconds");
  }
  if (!config.passive && config.connect_retry_seconds == 0) {
    return invalid("bgp-connect-retry",
                   "connect_retry_seconds 0 on an active peer: use at least 1 second");
  }
  if (config.automatic_start && config.idle_hold_seconds == 0) {
    return invalid("bgp-idle-hold",
                   "idle_hold_seconds 0 with automatic_start: use at least 1 second");
  }
  return Status::ok_status();
}

std::string_view state_name(State state) {
  switch (state) {
    case State::kIdle: return "Idle";
    case State::kConnect: return "Connect";
    case State::kActive: return "Active";
    case State::kOpenSent: return "OpenSent";
    case State::kOpenConfirm: return "OpenConfirm";
    case State::kEstablished: return "Established";
  }
  return "?";
}

std::string_view timer_name(Timer timer) {
  switch (timer) {
    case Timer::kConnectRetry: return "ConnectRetry";
    case Timer::kHold: return "Hold";
    case Timer::kKeepalive: return "Keepalive";
    case Timer::kIdleHold: return "IdleHold";
  }
  return "?";
}

std::string_view event_name(const Event& event) {
  static constexpr std::string_view kNames[] = {
      "ManualStart",       "ManualStop",           "AutomaticStart",
      "TimerExpired",      "TcpConnected",         "TcpConnectionFails",
      "OpenReceived",      "KeepaliveReceived",    "UpdateReceived",
      "RouteRefreshReceived", "NotificationReceived", "MalformedMessage",
      "OpenCollisionDump", "PrefixLimitExceeded",  "UpdateSent"};  // Event's order
  static_assert(std::size(kNames) == std::variant_size_v<Event>);
  return kNames[event.index()];
}

std::string_view down_reason_name(DownReason reason) {
  switch (reason) {
    case DownReason::kManualStop: return "manual-stop";
    case DownReason::kHoldTimerExpired: return "hold-timer-expired";
    case DownReason::kNotificationReceived: return "notification-received";
    case DownReason::kErrorDetected: return "error-detected";
    case DownReason::kConnectionLost: return "connection-lost";
    case DownReason::kCollision: return "collision";
    case DownReason::kPrefixLimit: return "prefix-limit";
  }
  return "?";
}

std::string describe(const FsmAction& action) {
  struct Describe {
    std::string operator()(const Connect&) const { return "Connect"; }
    std::string operator()(const DropConnection&) const { return "DropConnection"; }
    std::string operator()(const SendOpen&) const { return "SendOpen"; }
    std::string operator()(const SendKeepalive&) const { return "SendKeepalive"; }
    std::string operator()(const SendNotification& a) const {
      return "SendNotification(" + std::to_string(a.notification.code) + "/" +
             std::to_string(a.notification.subcode) + ")";
    }
    std::string operator()(const StartTimer& a) const {
      return "StartTimer(" + std::string(timer_name(a.timer)) + "," + std::to_string(a.seconds) +
             ")";
    }
    std::string operator()(const StopTimer& a) const {
      return "StopTimer(" + std::string(timer_name(a.timer)) + ")";
    }
    std::string operator()(const SessionEstablished& a) const {
      return "SessionEstablished(hold=" + std::to_string(a.negotiated.hold_time) +
             ",keepalive=" + std::to_string(a.negotiated.keepalive_time) + ")";
    }
    std::string operator()(const SessionDown& a) const {
      return "SessionDown(" + std::string(down_reason_name(a.reason)) + ")";
    }
    std::string operator()(const PrefixLimitWarning& a) const {
      return "PrefixLimitWarning(" + std::to_string(a.prefix_count) + ">" +
             std::to_string(a.limit) + ")";
    }
  };
  return std::visit(Describe{}, action);
}

// ---- Pure decisions ------------------------------------------------------------

Open local_open(const PeerConfig& config) {
  Open open;
  open.version = kBgpVersion;
  // RFC 6793 4.1: AS_TRANS in the 2-octet field when the AS does not fit.
  open.my_as = config.local_as > 0xffff ? static_cast<uint16_t>(Asn::kTrans)
                                        : static_cast<uint16_t>(config.local_as);
  open.hold_time = config.hold_time;
  open.bgp_identifier = config.router_id;
  open.capabilities = config.capabilities;
  open.capabilities.four_octet_as = config.local_as;
  return open;
}

std::optional<Notification> check_open(const PeerConfig& config, const Open& peer) {
  // RFC 4271 6.2: the data is the version we would accept instead.
  if (peer.version != kBgpVersion) {
    return notification(ErrorCode::kOpenMessage, kOpenBadVersion, {0, kBgpVersion});
  }
  // RFC 6793 4.1: a 4-octet speaker's AS is in its capability.
  if (peer.asn() != config.remote_as) {
    return notification(ErrorCode::kOpenMessage, kOpenBadPeerAs);
  }
  // RFC 4271 4.2: "MUST reject Hold Time values of one or two seconds".
  if (peer.hold_time == 1 || peer.hold_time == 2) {
    return notification(ErrorCode::kOpenMessage, kOpenUnacceptableHoldTime);
  }
  // RFC 6286 2.2: zero, or our own identifier from an internal peer.
  bool internal = config.local_as == config.remote_as;
  if (peer.bgp_identifier == 0 || (internal && peer.bgp_identifier == config.router_id)) {
    return notification(ErrorCode::kOpenMessage, kOpenBadBgpIdentifier);
  }
  return std::nullopt;
}

Negotiated negotiate_session(const Open& local, const Open& peer) {
  Negotiated n;
  // RFC 4271 4.2: the smaller Hold Time; RFC 4271 10: keepalive a third.
  n.hold_time = std::min(local.hold_time, peer.hold_time);
  n.keepalive_time = static_cast<uint16_t>(n.hold_time / 3);
  const Capabilities& ours = local.capabilities;
  const Capabilities& theirs = peer.capabilities;
  n.four_octet_as = ours.four_octet_as.has_value() && theirs.four_octet_as.has_value();
  n.route_refresh = ours.route_refresh && theirs.route_refresh;
  n.graceful_restart = ours.graceful_restart.has_value() && theirs.graceful_restart.has_value();
  std::vector<AfiSafi> peer_families = families_of(theirs);
  for (const AfiSafi& family : families_of(ours)) {
    if (std::find(peer_families.begin(), peer_families.end(), family) != peer_families.end()) {
      n.families.push_back(family);
    }
  }
  n.peer_open = peer;
  return n;
}

CollisionResolution resolve_collision(uint32_t local_id, uint32_t remote_id,
                                      bool existing_is_outbound, uint32_t local_as,
                                      uint32_t remote_as) {
  bool keep_outbound = local_id != remote_id ? local_id > remote_id : local_as > remote_as;
  return existing_is_outbound == keep_outbound ? CollisionResolution::kCloseNew
                                               : CollisionResolution::kCloseExisting;
}

CollisionResolution resolve_collision(State existing_state, uint32_t local_id,
                                      uint32_t remote_id, bool existing_is_outbound,
                                      uint32_t local_as, uint32_t remote_as) {
  switch (existing_state) {
    case State::kEstablished:
      // RFC 4271 6.8: an Established session always survives.
      return CollisionResolution::kCloseNew;
    case State::kOpenConfirm:
      return resolve_collision(local_id, remote_id, existing_is_outbound, local_as, remote_as);
    default:
      // OpenSent: 6.8 only "MAY" compare; the check happens when the second
      // OPEN arrives and one side is in OpenConfirm. Earlier: no session yet.
      return CollisionResolution::kNoCollision;
  }
}

// ---- The machine -----------------------------------------------------------------

Fsm::Fsm(PeerConfig config, const Clock& clock) : config_(std::move(config)), clock_(clock) {}

std::optional<std::chrono::seconds> Fsm::uptime() const {
  if (!established_at_) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::seconds>(clock_.now() - *established_at_);
}

std::vector<FsmAction> Fsm::handle(const Event& event) {
  std::vector<FsmAction> out;
  if (const auto* expired = std::get_if<TimerExpired>(&event)) {
    bool& armed = armed_[static_cast<size_t>(expired->timer)];
    if (!armed) return out;  // stopped or restarted since: stale
    armed = false;
  }
  switch (state_) {
    case State::kIdle: on_idle(event, out); break;
    case State::kConnect: on_connect(event, out); break;
    case State::kActive: on_active(event, out); break;
    case State::kOpenSent: on_open_sent(event, out); break;
    case State::kOpenConfirm: on_open_confirm(event, out); break;
    case State::kEstablished: on_established(event, out); break;
  }
  return out;
}

// RFC 4271 8.2.2 Idle: refuse connections; start on events 1, 3 (4, 5).
void Fsm::on_idle(const Event& event, std::vector<FsmAction>& out) {
  if (is<ManualStart>(event)) {
    stop_timer(Timer::kIdleHold, out);  // an operator start overrides the hold
    connect_retry_counter_ = 0;
    damping_exponent_ = 0;
    start(out);
  } else if (is<AutomaticStart>(event)) {
    // A pending IdleHold is the automatic restart already under way.
    if (config_.automatic_start && !timer_armed(Timer::kIdleHold)) start(out);
  } else if (is_timer(event, Timer::kIdleHold)) {
    start(out);  // RFC 4271 8.1.1 IdleHoldTimer_Expires: the automatic restart
  } else if (is<ManualStop>(event)) {
    // Ignored by 8.2.2; also cancels a pending automatic restart.
    stop_timer(Timer::kIdleHold, out);
    connect_retry_counter_ = 0;
    damping_exponent_ = 0;
  } else if (is<TcpConnected>(event)) {
    out.push_back(DropConnection{});  // "refuses all incoming BGP connections"
  }
}

void Fsm::start(std::vector<FsmAction>& out) {
  if (config_.passive) {
    state_ = State::kActive;  // wait for the peer; see PeerConfig::passive
    return;
  }
  start_timer(Timer::kConnectRetry, config_.connect_retry_seconds, out);
  out.push_back(Connect{});
  connected_ = true;
  state_ = State::kConnect;
}

// RFC 4271 8.2.2 Connect: an outbound attempt is in flight.
void Fsm::on_connect(const Event& event, std::vector<FsmAction>& out) {
  if (is<ManualStart>(event) || is<AutomaticStart>(event) || is<UpdateSent>(event) ||
      is<PrefixLimitExceeded>(event)) {
    return;
  }
  if (is<ManualStop>(event)) {
    close({.reason = DownReason::kManualStop, .restart = Restart::kNone}, out);
  } else if (is_timer(event, Timer::kConnectRetry)) {
    // Abandon the attempt and try again.
    out.push_back(DropConnection{});
    start_timer(Timer::kConnectRetry, config_.connect_retry_seconds, out);
    out.push_back(Connect{});
  } else if (const auto* tcp = std::get_if<TcpConnected>(&event)) {
    accept_connection(tcp->inbound, out);
  } else if (is<TcpConnectionFails>(event)) {
    // 8.2.2 sends the FSM to Idle here unless DelayOpen runs; like OpenBGPD we
    // keep listening in Active and retry when ConnectRetry expires.
    out.push_back(DropConnection{});
    connected_ = false;
    start_timer(Timer::kConnectRetry, config_.connect_retry_seconds, out);
    state_ = State::kActive;
  } else if (const auto* notif = std::get_if<NotificationReceived>(&event)) {
    close({.reason = DownReason::kNotificationReceived, .received = notif->notification}, out);
  } else {
    unexpected(out);
  }
}

// RFC 4271 8.2.2 Active: listening, nothing in flight.
void Fsm::on_active(const Event& event, std::vector<FsmAction>& out) {
  if (is<ManualStart>(event) || is<AutomaticStart>(event) || is<UpdateSent>(event) ||
      is<PrefixLimitExceeded>(event)) {
    return;
  }
  if (is<ManualStop>(event)) {
    close({.reason = DownReason::kManualStop, .restart = Restart::kNone}, out);
  } else if (is_timer(event, Timer::kConnectRetry)) {
    start_timer(Timer::kConnectRetry, config_.connect_retry_seconds, out);
    out.push_back(Connect{});
    connected_ = true;
    state_ = State::kConnect;
  } else if (const auto* tcp = std::get_if<TcpConnected>(&event)) {
    accept_connection(tcp->inbound, out);
  } else if (const auto* notif = std::get_if<NotificationReceived>(&event)) {
    close({.reason = DownReason::kNotificationReceived, .received = notif->notification}, out);
  } else if (is<TcpConnectionFails>(event)) {
    close({.reason = DownReason::kConnectionLost}, out);
  } else {
    unexpected(out);
  }
}

// Connect/Active, events 14, 16, 17 without DelayOpen: send OPEN and wait
// for the peer's under the large hold timer.
void Fsm::accept_connection(bool inbound, std::vector<FsmAction>& out) {
  stop_timer(Timer::kConnectRetry, out);
  connected_ = true;
  inbound_ = inbound;
  out.push_back(SendOpen{local_open(config_)});
  start_timer(Timer::kHold, kOpenSentHoldSeconds, out);
  state_ = State::kOpenSent;
}

// RFC 4271 8.2.2 OpenSent: our OPEN is out, waiting for the peer's.
void Fsm::on_open_sent(const Event& event, std::vector<FsmAction>& out) {
  if (is<ManualStart>(event) || is<AutomaticStart>(event) || is<UpdateSent>(event) ||
      is<PrefixLimitExceeded>(event) || is<TcpConnected>(event)) {
    return;  // a second connection is the session layer's (6.8)
  }
  if (const auto* open = std::get_if<OpenReceived>(&event)) {
    receive_open(open->open, out);
  } else if (is<TcpConnectionFails>(event)) {
    // 8.2.2: close, restart ConnectRetry, keep listening in Active.
    stop_timer(Timer::kHold, out);
    out.push_back(DropConnection{});
    connected_ = false;
    if (!config_.passive) start_timer(Timer::kConnectRetry, config_.connect_retry_seconds, out);
    state_ = State::kActive;
  } else {
    on_established(event, out);  // the handling shared by all open states
  }
}

void Fsm::receive_open(const Open& open, std::vector<FsmAction>& out) {
  if (auto error = check_open(config_, open)) {
    close({.reason = DownReason::kErrorDetected, .send = std::move(error)}, out);
    return;
  }
  negotiated_ = negotiate_session(local_open(config_), open);
  out.push_back(SendKeepalive{});
  if (negotiated_->hold_time > 0) {
    start_timer(Timer::kKeepalive, negotiated_->keepalive_time, out);
    start_timer(Timer::kHold, negotiated_->hold_time, out);
  } else {
    stop_timer(Timer::kHold, out);  // 8.2.2: hold time 0 starts neither timer
  }
  state_ = State::kOpenConfirm;
}

// RFC 4271 8.2.2 OpenConfirm: OPENs exchanged, waiting for a KEEPALIVE.
void Fsm::on_open_confirm(const Event& event, std::vector<FsmAction>& out) {
  if (is<KeepaliveReceived>(event)) {
    restart_hold_timer(out);
    established_at_ = clock_.now();
    state_ = State::kEstablished;
    out.push_back(SessionEstablished{*negotiated_});
  } else if (is<UpdateSent>(event) || is<PrefixLimitExceeded>(event)) {
    return;
  } else {
    // A second OPEN on this connection is unexpected (RFC 6608 5/2); an OPEN
    // on another connection goes through resolve_collision instead.
    on_established(event, out);
  }
}

// RFC 4271 8.2.2 Established, and the events every open state (OpenSent,
// OpenConfirm, Established) handles alike.
void Fsm::on_established(const Event& event, std::vector<FsmAction>& out) {
  if (is<ManualStart>(event) || is<AutomaticStart>(event) || is<TcpConnected>(event)) {
    return;
  }
  if (const auto* stop = std::get_if<ManualStop>(&event)) {
    // RFC 4486 Cease/2, with the RFC 9003 shutdown communication if given.
    Notification cease =
        stop->shutdown_message
            ? Notification::cease_with_message(kCeaseAdministrativeShutdown,
                                               *stop->shutdown_message)
            : notification(ErrorCode::kCease, kCeaseAdministrativeShutdown);
    close({.reason = DownReason::kManualStop, .send = std::move(cease), .restart = Restart::kNone},
          out);
  } else if (is_timer(event, Timer::kHold)) {
    close({.reason = DownReason::kHoldTimerExpired,
           .send = notification(ErrorCode::kHoldTimerExpired, 0)},
          out);
  } else if (is_timer(event, Timer::kKeepalive)) {
    out.push_back(SendKeepalive{});
    start_timer(Timer::kKeepalive, negotiated_->keepalive_time, out);
  } else if (const auto* notif = std::get_if<NotificationReceived>(&event)) {
    // Never answered (RFC 4271 4.5: the sender closes). 8.2.2 does not count
    // a version error (event 24) towards ConnectRetryCounter.
    const Notification& received = notif->notification;
    bool version_error = received.code == static_cast<uint8_t>(ErrorCode::kOpenMessage) &&
                         received.subcode == kOpenBadVersion;
    close({.reason = DownReason::kNotificationReceived,
           .received = received,
           .count_retry = !version_error},
          out);
  } else if (is<TcpConnectionFails>(event)) {
    close({.reason = DownReason::kConnectionLost}, out);
  } else if (const auto* error = std::get_if<MalformedMessage>(&event)) {
    close({.reason = DownReason::kErrorDetected, .send = error->notification}, out);
  } else if (is<OpenCollisionDump>(event)) {
    // RFC 4271 6.8 / RFC 4486: Cease/7. The surviving connection carries on,
    // so this one does not restart itself.
    close({.reason = DownReason::kCollision,
           .send = notification(ErrorCode::kCease, kCeaseCollisionResolution),
           .restart = Restart::kNone},
          out);
  } else if (state_ != State::kEstablished) {
    unexpected(out);
  } else if (is<KeepaliveReceived>(event)) {
    restart_hold_timer(out);
  } else if (const auto* update = std::get_if<UpdateReceived>(&event)) {
    restart_hold_timer(out);
    check_prefix_limit(update->prefix_count, out);
  } else if (is<UpdateSent>(event)) {
    // 8.2.2: each KEEPALIVE or UPDATE sent restarts the KeepaliveTimer.
    if (negotiated_->hold_time > 0) {
      start_timer(Timer::kKeepalive, negotiated_->keepalive_time, out);
    }
  } else if (const auto* exceeded = std::get_if<PrefixLimitExceeded>(&event)) {
    exceed_prefix_limit(exceeded->prefix_count, exceeded->limit, out);
  } else if (is<RouteRefreshReceived>(event)) {
    return;  // the RIB answers; not a hold-timer message (RFC 4271 4.2)
  } else {
    unexpected(out);
  }
}

// RFC 4486: tear down with Cease/1 and restart after the configured delay,
// or warn once until the count falls back under the limit.
void Fsm::check_prefix_limit(uint32_t prefix_count, std::vector<FsmAction>& out) {
  if (!config_.max_prefixes) return;
  if (prefix_count <= *config_.max_prefixes) {
    prefix_warned_ = false;
    return;
  }
  exceed_prefix_limit(prefix_count, *config_.max_prefixes, out);
}

void Fsm::exceed_prefix_limit(uint32_t prefix_count, uint32_t limit, std::vector<FsmAction>& out) {
  if (config_.max_prefix_teardown) {
    close({.reason = DownReason::kPrefixLimit,
           .send = notification(ErrorCode::kCease, kCeaseMaxPrefixes),
           .restart = Restart::kPrefixLimit},
          out);
  } else if (!prefix_warned_) {
    prefix_warned_ = true;
    out.push_back(PrefixLimitWarning{prefix_count, limit});
  }
}

void Fsm::unexpected(std::vector<FsmAction>& out) {
  std::optional<Notification> send;
  switch (state_) {
    case State::kOpenSent:
      send = notification(ErrorCode::kFsm, kFsmUnexpectedInOpenSent);
      break;
    case State::kOpenConfirm:
      send = notification(ErrorCode::kFsm, kFsmUnexpectedInOpenConfirm);
      break;
    case State::kEstablished:
      send = notification(ErrorCode::kFsm, kFsmUnexpectedInEstablished);
      break;
    default:
      break;  // Connect / Active: no OPEN sent, nothing to tell the peer
  }
  close({.reason = DownReason::kErrorDetected, .send = std::move(send)}, out);
}

// Every way back to Idle (RFC 4271 8.2.2: stop timers, send the NOTIFICATION,
// drop the connection, release resources, count the retry), then the
// automatic restart that recovers the peer without an operator.
void Fsm::close(Close close, std::vector<FsmAction>& out) {
  stop_timer(Timer::kConnectRetry, out);
  stop_timer(Timer::kHold, out);
  stop_timer(Timer::kKeepalive, out);
  if (close.send) out.push_back(SendNotification{*close.send});
  if (connected_) out.push_back(DropConnection{});
  connected_ = false;

  SessionDown down{close.reason, close.send ? close.send : close.received, std::nullopt};
  if (state_ == State::kEstablished) {
    // RFC 4724 4.2: a lost transport (no NOTIFICATION) keeps routes as stale.
    if (close.reason == DownReason::kConnectionLost && negotiated_->graceful_restart) {
      const auto& restart = negotiated_->peer_open.capabilities.graceful_restart;
      down.retain_stale_seconds = restart->restart_time;
    }
    if (uptime() >= std::chrono::seconds(config_.idle_hold_max_seconds)) {
      damping_exponent_ = 0;  // a stable session: the next restart is undamped
    }
    out.push_back(down);
  }
  last_down_ = down;
  if (close.reason == DownReason::kManualStop) {
    connect_retry_counter_ = 0;  // 8.2.2 ManualStop; the operator also clears damping
    damping_exponent_ = 0;
  } else if (close.count_retry) {
    ++connect_retry_counter_;
  }
  negotiated_.reset();
  established_at_.reset();
  prefix_warned_ = false;
  state_ = State::kIdle;

  if (close.restart == Restart::kDamped && config_.automatic_start) {
    start_timer(Timer::kIdleHold, next_idle_hold(), out);
  } else if (close.restart == Restart::kPrefixLimit && config_.max_prefix_restart_seconds > 0) {
    start_timer(Timer::kIdleHold, config_.max_prefix_restart_seconds, out);
  }
}

uint16_t Fsm::next_idle_hold() {
  if (!config_.damp_peer_oscillations) return config_.idle_hold_seconds;
  uint32_t delay = std::min<uint32_t>(uint32_t{config_.idle_hold_seconds} << damping_exponent_,
                                      config_.idle_hold_max_seconds);
  delay = std::max<uint32_t>(delay, config_.idle_hold_seconds);
  if (damping_exponent_ < kMaxDampingExponent) ++damping_exponent_;
  return static_cast<uint16_t>(delay);
}

void Fsm::start_timer(Timer timer, uint16_t seconds, std::vector<FsmAction>& out) {
  armed_[static_cast<size_t>(timer)] = true;
  out.push_back(StartTimer{timer, seconds});
}

void Fsm::stop_timer(Timer timer, std::vector<FsmAction>& out) {
  bool& armed = armed_[static_cast<size_t>(timer)];
  if (!armed) return;
  armed = false;
  out.push_back(StopTimer{timer});
}

// RFC 4271 8.2.2: a KEEPALIVE or UPDATE restarts the HoldTimer, unless the
// negotiated hold time is zero.
void Fsm::restart_hold_timer(std::vector<FsmAction>& out) {
  if (negotiated_->hold_time > 0) start_timer(Timer::kHold, negotiated_->hold_time, out);
}

}  // namespace byoipd::bgp
