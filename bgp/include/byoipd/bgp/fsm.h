// The BGP peer finite state machine (RFC 4271 section 8).
//
// One Fsm drives one peer over at most one TCP connection. It takes events
// (operator commands, timer expiries, transport news, decoded messages) and
// returns the actions the session layer must carry out, in order. It does no
// I/O and owns no real timers: StartTimer / StopTimer are data, and the event
// loop feeds TimerExpired back when one runs out. Time is read only from the
// injected Clock (session uptime and idle-hold damping), so tests drive time
// directly.
//
// Collision (RFC 4271 6.8): as in RFC 4271 section 8, a connection accepted
// while this peer's Fsm already drives one gets its own Fsm. When an OPEN
// arrives on either, the session layer calls resolve_collision() and feeds
// OpenCollisionDump to the Fsm whose connection loses.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "byoipd/bgp/message.h"
#include "byoipd/common/status.h"

namespace byoipd::bgp {

// ---- Time ------------------------------------------------------------------

class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

// The process's monotonic clock.
const Clock& steady_clock();

// ---- Configuration -----------------------------------------------------------

struct PeerConfig {
  uint32_t local_as = 0;
  uint32_t remote_as = 0;   // iBGP when equal to local_as
  uint32_t router_id = 0;   // our BGP Identifier, host order
  // A passive peer never connects out; it waits in Active for the peer to
  // connect (OpenBGPD's "passive"; stricter than RFC 4271 8.1.1
  // PassiveTcpEstablishment, which still connects when ConnectRetry expires).
  bool passive = false;
  uint16_t hold_time = 90;  // 0 (no keepalives) or >= 3, RFC 4271 4.2
  // RFC 4271 section 10 suggests 120 s; byoipd has few, deliberately
  // configured peers, so a faster retry recovers a session sooner at no cost.
  uint16_t connect_retry_seconds = 30;
  // AllowAutomaticStart (RFC 4271 8.1.1): after an error the Fsm restarts
  // itself once the IdleHold timer expires. Off: AutomaticStart is ignored
  // and a stopped peer waits for ManualStart.
  bool automatic_start = true;
  uint16_t idle_hold_seconds = 5;       // IdleHoldTime, RFC 4271 8.1.1
  // DampPeerOscillations (RFC 4271 8.1.1): each restart doubles the idle
  // hold up to idle_hold_max_seconds; a session that stayed Established that
  // long counts as stable and resets the doubling.
  bool damp_peer_oscillations = true;
  uint16_t idle_hold_max_seconds = 120;
  // Maximum prefixes accepted from the peer (RFC 4486 Cease subcode 1).
  // Teardown: close with Cease/1 and restart after max_prefix_restart_seconds
  // (0: stay down until ManualStart). Otherwise warn once per excursion.
  std::optional<uint32_t> max_prefixes;
  bool max_prefix_teardown = true;
  uint16_t max_prefix_restart_seconds = 300;
  // Capabilities to advertise (families, route refresh, graceful restart).
  // four_octet_as is filled in from local_as: byoipd always sends it.
  Capabilities capabilities;
};

// Refuses configurations the FSM cannot honour (hold time 1 or 2, zero ASN or
// router id, an active peer without a connect retry interval).
Status validate_config(const PeerConfig& config);

// ---- States, timers, events ------------------------------------------------

enum class State : uint8_t { kIdle, kConnect, kActive, kOpenSent, kOpenConfirm, kEstablished };
std::string_view state_name(State state);

enum class Timer : uint8_t { kConnectRetry, kHold, kKeepalive, kIdleHold };
std::string_view timer_name(Timer timer);

// Hold timer while waiting for the peer's OPEN (RFC 4271 8.2.2: "a large
// value", 4 minutes suggested).
constexpr uint16_t kOpenSentHoldSeconds = 240;

struct ManualStart {};                       // event 1 (or 4 for passive peers)
struct ManualStop {                          // event 2
  std::optional<std::string> shutdown_message;  // RFC 9003 text for Cease/2
};
struct AutomaticStart {};                    // event 3 (or 5)
struct TimerExpired { Timer timer; };        // events 9, 10, 11, 13
// TCP connection up (events 16/17 outbound, 14 inbound).
struct TcpConnected { bool inbound = false; };
struct TcpConnectionFails {};                // event 18
struct OpenReceived { Open open; };          // event 19, before validation
struct KeepaliveReceived {};                 // event 26
// event 27. prefix_count: prefixes accepted from the peer after applying this
// UPDATE, checked against PeerConfig::max_prefixes.
struct UpdateReceived { uint32_t prefix_count = 0; };
struct RouteRefreshReceived {};              // RFC 2918
struct NotificationReceived { Notification notification; };  // events 24, 25
// The codec refused a message (events 21, 22, 28): `notification` carries the
// code, subcode and data it chose (wire.h DecodeError::notification(), or an
// RFC 7606 session reset), and the Fsm sends it.
struct MalformedMessage { Notification notification; };
struct OpenCollisionDump {};                 // event 23, see resolve_collision
// A limit enforced elsewhere (per family, after import policy) was crossed;
// handled like an UpdateReceived count above PeerConfig::max_prefixes.
struct PrefixLimitExceeded { uint32_t prefix_count = 0; uint32_t limit = 0; };
struct UpdateSent {};                        // restarts the KeepaliveTimer

using Event = std::variant<ManualStart, ManualStop, AutomaticStart, TimerExpired, TcpConnected,
                           TcpConnectionFails, OpenReceived, KeepaliveReceived, UpdateReceived,
                           RouteRefreshReceived, NotificationReceived, MalformedMessage,
                           OpenCollisionDump, PrefixLimitExceeded, UpdateSent>;
std::string_view event_name(const Event& event);

// ---- Actions -----------------------------------------------------------------

// What both OPENs agreed (RFC 4271 4.2, RFC 5492).
struct Negotiated {
  uint16_t hold_time = 0;       // min of both; 0 disables hold and keepalive
  uint16_t keepalive_time = 0;  // hold_time / 3 (RFC 4271 section 10)
  bool four_octet_as = false;   // RFC 6793
  bool route_refresh = false;   // RFC 2918
  std::vector<AfiSafi> families;  // advertised by both (RFC 4760)
  bool graceful_restart = false;  // both sent the capability (RFC 4724)
  Open peer_open;
};

enum class DownReason : uint8_t {
  kManualStop,
  kHoldTimerExpired,
  kNotificationReceived,
  kErrorDetected,   // we sent a NOTIFICATION for a malformed or unexpected message
  kConnectionLost,
  kCollision,
  kPrefixLimit,
};
std::string_view down_reason_name(DownReason reason);

struct Connect {};         // initiate a TCP connection to the peer
struct DropConnection {};  // close the connection, or abandon the attempt
struct SendOpen { Open open; };
struct SendKeepalive {};
struct SendNotification { Notification notification; };
struct StartTimer { Timer timer; uint16_t seconds; };  // (re)arm
struct StopTimer { Timer timer; };
struct SessionEstablished { Negotiated negotiated; };
// Leaving Established: withdraw the peer's routes, unless
// retain_stale_seconds is set (RFC 4724 4.2: keep them as stale that long).
struct SessionDown {
  DownReason reason;
  std::optional<Notification> notification;  // sent or received
  std::optional<uint16_t> retain_stale_seconds;
};
struct PrefixLimitWarning { uint32_t prefix_count; uint32_t limit; };

using FsmAction = std::variant<Connect, DropConnection, SendOpen, SendKeepalive, SendNotification,
                            StartTimer, StopTimer, SessionEstablished, SessionDown,
                            PrefixLimitWarning>;
// "StartTimer(Hold,240)", "SendNotification(6/2)", ...: for logs and tests.
std::string describe(const FsmAction& action);

// ---- Pure decisions ----------------------------------------------------------

// The OPEN this peer sends (AS_TRANS in my_as above 65535, RFC 6793 4.1).
Open local_open(const PeerConfig& config);

// OPEN checks that need the configuration (RFC 4271 6.2, RFC 6286 2.2):
// version (2/1), peer AS (2/2), hold time 1 or 2 (2/6), BGP Identifier zero,
// or ours on an iBGP session (2/3). The NOTIFICATION to send, or nullopt.
std::optional<Notification> check_open(const PeerConfig& config, const Open& peer);

// REQUIRES: check_open(config, peer) accepted the OPEN.
Negotiated negotiate_session(const Open& local, const Open& peer);

enum class CollisionResolution : uint8_t { kNoCollision, kCloseExisting, kCloseNew };

// RFC 4271 6.8: of two connections between the same speakers, keep the one
// initiated by the speaker with the higher BGP Identifier (compared as host
// order integers); on equal identifiers the higher AS wins (RFC 6286 2.3).
// The new connection runs the opposite way to the existing one.
CollisionResolution resolve_collision(uint32_t local_id, uint32_t remote_id,
                                      bool existing_is_outbound, uint32_t local_as = 0,
                                      uint32_t remote_as = 0);
// As above, given the state of the existing connection's Fsm when an OPEN
// arrives on the new one: OpenConfirm is compared, Established always wins
// (6.8), and earlier states hold no competing session (kNoCollision).
CollisionResolution resolve_collision(State existing_state, uint32_t local_id,
                                      uint32_t remote_id, bool existing_is_outbound,
                                      uint32_t local_as = 0, uint32_t remote_as = 0);

// ---- The machine ---------------------------------------------------------------

class Fsm {
 public:
  // REQUIRES: validate_config(config).ok(); clock outlives the Fsm.
  Fsm(PeerConfig config, const Clock& clock);

  // Applies one event; returns the actions to carry out, in order. Expiry of
  // a timer the Fsm has since stopped or restarted is ignored.
  std::vector<FsmAction> handle(const Event& event);

  State state() const { return state_; }
  const PeerConfig& config() const { return config_; }
  // Set from OpenConfirm on; cleared back in Idle.
  const std::optional<Negotiated>& negotiated() const { return negotiated_; }
  bool connection_inbound() const { return inbound_; }
  // RFC 4271 8 ConnectRetryCounter: closes since the last ManualStart or
  // ManualStop. Automatic restarts keep it, so it counts a flapping peer.
  uint32_t connect_retry_counter() const { return connect_retry_counter_; }
  // Time spent in Established; nullopt outside it.
  std::optional<std::chrono::seconds> uptime() const;
  // Why the last connection closed, for display.
  const std::optional<SessionDown>& last_down() const { return last_down_; }
  bool timer_armed(Timer timer) const { return armed_[static_cast<size_t>(timer)]; }

 private:
  enum class Restart : uint8_t { kNone, kDamped, kPrefixLimit };
  struct Close {
    DownReason reason = DownReason::kErrorDetected;
    std::optional<Notification> send = {};      // NOTIFICATION to send first
    std::optional<Notification> received = {};  // NOTIFICATION the peer sent
    bool count_retry = true;               // ConnectRetryCounter++ (8.2.2)
    Restart restart = Restart::kDamped;
  };

  void on_idle(const Event& event, std::vector<FsmAction>& out);
  void on_connect(const Event& event, std::vector<FsmAction>& out);
  void on_active(const Event& event, std::vector<FsmAction>& out);
  void on_open_sent(const Event& event, std::vector<FsmAction>& out);
  void on_open_confirm(const Event& event, std::vector<FsmAction>& out);
  void on_established(const Event& event, std::vector<FsmAction>& out);

  void start(std::vector<FsmAction>& out);
  void accept_connection(bool inbound, std::vector<FsmAction>& out);
  void receive_open(const Open& open, std::vector<FsmAction>& out);
  void check_prefix_limit(uint32_t prefix_count, std::vector<FsmAction>& out);
  void exceed_prefix_limit(uint32_t prefix_count, uint32_t limit, std::vector<FsmAction>& out);
  void close(Close close, std::vector<FsmAction>& out);
  // Closes for an event the state has no use for: FSM Error with the RFC 6608
  // subcode where a connection is up, a silent reset before that.
  void unexpected(std::vector<FsmAction>& out);
  uint16_t next_idle_hold();

  void start_timer(Timer timer, uint16_t seconds, std::vector<FsmAction>& out);
  void stop_timer(Timer timer, std::vector<FsmAction>& out);
  void restart_hold_timer(std::vector<FsmAction>& out);

  PeerConfig config_;
  const Clock& clock_;
  State state_ = State::kIdle;
  bool connected_ = false;  // a connection or a connection attempt is attached
  bool inbound_ = false;
  bool armed_[4] = {false, false, false, false};
  uint32_t connect_retry_counter_ = 0;
  uint32_t damping_exponent_ = 0;
  bool prefix_warned_ = false;
  std::optional<Negotiated> negotiated_;
  std::optional<Clock::TimePoint> established_at_;
  std::optional<SessionDown> last_down_;
};

}  // namespace byoipd::bgp
