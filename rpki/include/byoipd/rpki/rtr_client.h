// The RTR client state machine for one cache (RFC 8210, RFC 6810), and the
// preference policy over several caches (RFC 8210 section 10).
//
// A Client takes events (operator start/stop, transport news, decoded
// PDUs, timer expiries) and returns the actions the transport must carry
// out, in order. It does no I/O and owns no real timers: StartTimer /
// StopTimer are data, and the event loop feeds TimerExpired back. Time is
// read only from the injected Clock (last-sync stamps and the response
// watchdog), so tests drive time directly.
//
// Data: the client keeps this cache's current VRP set (a compact sorted
// VrpSet, shared with whoever applies it) so it can check each delta (RFC
// 8210 5.6: one record per {prefix, len, max-len, ASN}). PDUs of one sync
// are staged and applied atomically at End of Data (ApplyVrps); an error
// mid-sync drops the staged part and keeps the last good set. A Reset
// Query's answer is staged unsorted and sorted once at End of Data, where a
// duplicate announcement is found and refused (error 7); a serial update,
// small by nature, is checked record by record against the held set.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "byoipd/rpki/rtr.h"
#include "byoipd/rpki/vrp_set.h"
#include "byoipd/rpki/vrp_table.h"

namespace byoipd::rpki::rtr {

class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};
const Clock& steady_clock();  // the process's monotonic clock

// ---- Configuration -----------------------------------------------------------

struct ClientConfig {
  SourceId source = 0;              // tag of this cache's VRPs
  uint8_t max_version = kVersion1;  // first version offered (section 7)
  uint32_t connect_timeout_seconds = 10;
  // Longest wait for the cache's next PDU while a query is outstanding
  // (RFC 8210 sets none; without one a silent cache would hang the sync).
  uint32_t response_timeout_seconds = 60;
  // RFC 8210 section 6 defaults, used until a version 1 End of Data sets
  // them and for version 0 sessions throughout.
  Intervals intervals;
  // Local policy over the cache's expire (1..172800 s): data this old
  // without a sync is stale whatever End of Data said. Meant for labs and
  // tests that cannot wait the RFC's 600 s minimum.
  std::optional<uint32_t> expire_override;
};

// Refuses intervals outside the RFC 8210 section 6 ranges (refresh 1-86400,
// retry 1-7200, expire 600-172800 and above both others), a max_version
// above 1, and zero timeouts.
Status validate_config(const ClientConfig& config);

// RFC 8210 section 6: `cache` clamped into the ranges above; an expire not
// above refresh and retry is raised to just above them. `note` says what
// was changed ("" if nothing).
Intervals clamp_intervals(Intervals cache, std::string* note);

// ---- States, timers, events ----------------------------------------------------

enum class State : uint8_t {
  kIdle,         // not started, or stopped
  kConnecting,   // Connect issued, awaiting Connected / ConnectionFailed
  kResetting,    // Reset Query sent, awaiting Cache Response
  kQuerying,     // Serial Query sent, awaiting Cache Response
  kReceiving,    // between Cache Response and End of Data
  kEstablished,  // synced; waiting for the refresh timer or a Serial Notify
  kError,        // disconnected after a failure; the retry timer reconnects
};
std::string_view state_name(State state);

enum class Timer : uint8_t { kConnect, kResponse, kRefresh, kRetry, kExpire };
std::string_view timer_name(Timer timer);

struct Start {};
struct Stop {};
struct Connected {};
struct ConnectionFailed {};  // the attempt failed
struct ConnectionClosed {};  // the cache closed, or the transport failed
struct PduReceived { Pdu pdu; };
// frame() or decode() refused a PDU. `bytes`: the offending PDU (or what
// is buffered of it), echoed in the Error Report.
struct DecodeFailed {
  DecodeError error;
  std::vector<uint8_t> bytes;
};
struct TimerExpired { Timer timer; };

using Event = std::variant<Start, Stop, Connected, ConnectionFailed, ConnectionClosed,
                           PduReceived, DecodeFailed, TimerExpired>;

// ---- Actions --------------------------------------------------------------------

struct Connect {};     // open a transport connection to the cache
struct Disconnect {};  // close it (or abandon the attempt); idempotent
struct SendPdu { Pdu pdu; };  // encode() it and write
struct StartTimer { Timer timer; uint32_t seconds; };  // (re)arm
struct StopTimer { Timer timer; };
// This cache's data changed, atomically (RFC 8210 5.8: at End of Data).
// kFull: `set` replaces everything this source held (`announced` and
// `withdrawn` empty): after a Reset Query, for the first sync after Stale,
// and an empty set when the data is flushed (session id mismatch, Stop). It
// is the client's own set, shared, not a copy.
// kDelta: apply `withdrawn`, then `announced` (`set` is the result). Every
// Vrp carries the configured source.
struct ApplyVrps {
  enum Kind : uint8_t { kFull, kDelta };
  Kind kind = kDelta;
  std::vector<Vrp> announced;
  std::vector<Vrp> withdrawn;
  std::shared_ptr<const VrpSet> set;  // never null
  uint16_t session_id = 0;
  uint32_t serial = 0;
};
// The expire interval passed since the last successful sync (RFC 8210
// section 6): this cache's data may no longer be used to prove Valid. The
// client keeps its set (vrps()) and session; the next successful sync clears
// the state and its ApplyVrps is kFull, so a consumer may drop the source's
// VRPs on Stale and still stay consistent.
struct Stale {};
struct Log {
  enum Level : uint8_t { kInfo, kWarning, kError };
  Level level = kInfo;
  std::string message;
};

using Action = std::variant<Connect, Disconnect, SendPdu, StartTimer, StopTimer, ApplyVrps,
                            Stale, Log>;
// "StartTimer(Refresh,3600)", "SendPdu(v1 Reset Query)", "ApplyVrps(full +3 -0)".
std::string describe(const Action& action);

// ---- The machine ----------------------------------------------------------------

struct VrpKeyHash {
  size_t operator()(const VrpKey& key) const;
};

class Client {
 public:
  // REQUIRES: validate_config(config).ok(); clock outlives the client.
  Client(ClientConfig config, const Clock& clock);

  // Applies one event; returns the actions to carry out, in order. Expiry
  // of a timer the client has since stopped or restarted is ignored.
  std::vector<Action> handle(const Event& event);

  State state() const { return state_; }
  const ClientConfig& config() const { return config_; }
  // The version in use: config().max_version until a downgrade (section 7).
  uint8_t version() const { return version_; }
  // Whether the cache has answered in that version on this connection.
  bool version_agreed() const { return version_agreed_; }
  // Session and serial of the data held; empty before the first sync and
  // after the session was abandoned (next sync is a Reset Query).
  std::optional<uint16_t> session_id() const { return session_id_; }
  std::optional<uint32_t> serial() const { return serial_; }
  // The cache's last good set (kept through errors, until replaced).
  const VrpSet& vrps() const { return *vrps_; }
  std::shared_ptr<const VrpSet> shared_vrps() const { return vrps_; }
  // Synced at least once and not stale.
  bool fresh() const { return last_sync_.has_value() && !stale_; }
  bool stale() const { return stale_; }
  std::optional<Clock::TimePoint> last_sync() const { return last_sync_; }
  const Intervals& intervals() const { return intervals_; }
  // The last error sent or received, for display.
  const std::optional<std::string>& last_error() const { return last_error_; }
  uint64_t router_keys_seen() const { return router_keys_seen_; }
  bool timer_armed(Timer timer) const { return armed_[static_cast<size_t>(timer)]; }

 private:

  using Out = std::vector<Action>;
  // How a failure ends the connection. kRetry: wait for the retry timer.
  // kReconnect: reconnect at once, for a sync that can only succeed afresh
  // (a downgrade, or a Reset Query after a failed Serial Query); never used
  // for a failed reset, so a broken cache cannot make the client spin.
  enum class Then : uint8_t { kRetry, kReconnect };

  void on_pdu(const Pdu& pdu, Out& out);
  void on_error_report(const Pdu& pdu, Out& out);
  void on_cache_response(const Pdu& pdu, Out& out);
  void on_prefix(const Pdu& pdu, Out& out);
  void on_end_of_data(const Pdu& pdu, Out& out);
  void on_serial_notify(const Pdu& pdu, Out& out);
  void on_timer(Timer timer, Out& out);

  void connect(Out& out);
  void send_query(Out& out);
  // Sends an Error Report echoing `pdu`, then fails the connection.
  void protocol_error(ErrorCode code, const Pdu& pdu, std::string text, Then then, Out& out);
  void protocol_error(ErrorCode code, std::vector<uint8_t> bytes, std::string text, Then then,
                      Out& out);
  // RFC 8210 5.1: a session id mismatch ends the session with Corrupt Data
  // and the router flushes this cache's data.
  void session_mismatch(const Pdu& pdu, uint16_t expected, Out& out);
  // Drops the connection and the staged sync.
  void fail(std::string reason, Then then, Out& out);
  // Forgets the data, the session and the serial (ApplyVrps kFull, empty).
  void flush(Out& out);
  void forget_session();
  void clear_staging();
  // A withdrawal in a Reset Query's answer: the records staged so far move
  // to staged_delta_ (over an empty set) and the sync goes on there.
  // Returns a key staged twice, if any (error 7).
  std::optional<VrpKey> spill_reset();
  void duplicate_announcement(const VrpKey& key, Out& out);
  Vrp to_vrp(const VrpKey& key) const {
    return Vrp{key.prefix, key.max_length, key.asn, config_.source};
  }

  void start_timer(Timer timer, uint32_t seconds, Out& out);
  void stop_timer(Timer timer, Out& out);

  ClientConfig config_;
  const Clock& clock_;
  State state_ = State::kIdle;
  uint8_t version_;
  bool version_agreed_ = false;
  bool armed_[5] = {};
  Intervals intervals_;

  std::optional<uint16_t> session_id_;
  std::optional<uint32_t> serial_;
  std::shared_ptr<const VrpSet> vrps_ = std::make_shared<const VrpSet>();
  std::optional<Clock::TimePoint> last_sync_;
  bool stale_ = false;

  // The sync in progress.
  bool staging_full_ = false;   // answering a Reset Query
  bool reset_spilled_ = false;  // ... that withdrew something: staged_delta_ holds it
  uint16_t staging_session_ = 0;
  VrpSet::Builder staged_full_;  // reset: announcements, unsorted
  // Serial (or spilled reset): key -> announced, against vrps_ (or nothing).
  std::unordered_map<VrpKey, bool, VrpKeyHash> staged_delta_;
  std::optional<SerialNotify> notify_pending_;  // seen while syncing
  Clock::TimePoint last_progress_{};

  std::optional<std::string> last_error_;
  uint64_t router_keys_seen_ = 0;
};

// ---- Several caches (RFC 8210 section 10) --------------------------------------

// Which cache's data to use. Policy: every configured cache keeps its own
// Client connected and synced (hot standby: failover needs no new sync,
// and RTR traffic after the first sync is small). Validation uses exactly one
// source, the selected one: the most preferred (lowest preference; ties by
// lowest SourceId) among the fresh caches. When a more preferred cache
// becomes fresh, selection moves back to it ("when a more-preferred cache
// becomes available... start fetching from that cache"). Using one source at a
// time keeps validation from distinguishing sources (section 10 MUST NOT),
// and the fallback keeps "at least one set of data" (section 10 SHOULD).
class SourceSet {
 public:
  enum class Health : uint8_t { kNoData, kFresh, kStale };

  // Adds or re-prefers a cache. A new cache starts in kNoData.
  void add(SourceId source, uint32_t preference);
  void remove(SourceId source);
  // Records a cache's health (from Client::fresh()/stale() after each
  // handle()). Returns true when selected() changed.
  bool set_health(SourceId source, Health health);

  // The cache whose VRPs validation should use; empty when none is fresh.
  std::optional<SourceId> selected() const { return selected_; }
  // kFresh when some cache is fresh; kStale when none is but one is stale
  // (the fail-closed state of issue 5); kNoData otherwise.
  Health overall() const;

 private:
  struct Cache {
    SourceId source;
    uint32_t preference;
    Health health;
  };
  bool reselect();
  std::vector<Cache> caches_;
  std::optional<SourceId> selected_;
};

}  // namespace byoipd::rpki::rtr

namespace byoipd::rpki {
using RtrClient = rtr::Client;
using RtrSourceSet = rtr::SourceSet;
}  // namespace byoipd::rpki
