// The BGP speaker: sessions with configured peers over TCP (Boost.Asio), the
// Adj-RIB-In of every peer (rib.h) and the Adj-RIB-Out of the prefixes byoipd
// announces.
//
// A Speaker runs on its own thread with its own event loop, so a full table
// arriving from a peer never stalls the controller. Every public method is
// thread-safe: commands are posted to the speaker's loop, queries wait for
// its answer. Callbacks run on the speaker's thread and must not block.
//
// Roles (what byoipd does with a peer):
//  * onprem   - an on-prem router: byoipd announces to it and learns from it;
//  * upstream - a transit or cloud edge: announces and learns, as onprem;
//  * observer - receive only: byoipd never announces anything to it (a route
//               collector or a looking glass feeding the origin view).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "byoipd/bgp/message.h"
#include "byoipd/bgp/rib.h"
#include "byoipd/common/ip.h"
#include "byoipd/common/status.h"

namespace byoipd::bgp {

enum class PeerRole : uint8_t { kOnprem, kUpstream, kObserver };
std::string_view role_name(PeerRole role);  // "onprem", "upstream", "observer"
std::optional<PeerRole> parse_role(std::string_view text);

// What byoipd attaches to the routes it announces to one peer.
struct ExportPolicy {
  // NEXT_HOP for IPv4 routes; default: the session's local IPv4 address.
  std::optional<IpAddress> next_hop_v4;
  // MP_REACH next hop for IPv6 routes; default: the session's local IPv6
  // address. Required when IPv6 is carried over an IPv4 session.
  std::optional<IpAddress> next_hop_v6;
  std::vector<uint32_t> communities;              // RFC 1997, added to every route
  std::vector<LargeCommunity> large_communities;  // RFC 8092
  uint8_t prepend = 0;  // extra copies of the local AS (0..10)
  std::optional<uint32_t> med;
};

// Limits on what a peer may send (checked before the Adj-RIB-In).
struct ImportPolicy {
  // Longer prefixes are dropped and counted, not stored.
  uint8_t max_length_v4 = 32;
  uint8_t max_length_v6 = 128;
  // RFC 4486 Cease/1 when exceeded (teardown), or a warning.
  std::optional<uint32_t> max_prefixes;
  bool max_prefix_teardown = true;
  uint16_t max_prefix_restart_seconds = 300;  // 0: stay down until restarted
};

struct SpeakerPeerConfig {
  std::string name;  // unique; [A-Za-z0-9_.-], shown in the API and metrics
  IpAddress address;
  uint16_t port = 179;
  std::optional<IpAddress> local_address;  // bind the outgoing connection here
  uint32_t remote_as = 0;                   // iBGP when equal to the local AS
  PeerRole role = PeerRole::kOnprem;
  std::string password;                     // TCP-MD5 (RFC 2385); empty: none
  uint16_t hold_time = 90;                  // 0 or >= 3
  uint16_t connect_retry_seconds = 30;
  bool passive = false;                     // never connect out; wait for the peer
  std::vector<AfiSafi> families = {AfiSafi{Afi::kIpv4, Safi::kUnicast},
                                   AfiSafi{Afi::kIpv6, Safi::kUnicast}};
  bool gtsm = false;                        // RFC 5082: TTL 255 out, min TTL 254 in
  std::optional<uint16_t> graceful_restart_time;  // set: RFC 4724 capability on
  ImportPolicy import;
  ExportPolicy export_policy;
};

struct SpeakerConfig {
  uint32_t local_as = 0;   // 4-octet
  uint32_t router_id = 0;  // BGP Identifier, host order
  // Passive listener for peers that connect to us. No listener when unset.
  std::optional<IpAddress> listen_address;
  uint16_t listen_port = 179;  // 0: any free port (tests)
  std::vector<SpeakerPeerConfig> peers;
};

// Names the first rule a configuration breaks (duplicate peer name or
// address, zero ASN, hold time 1-2, IPv6 export over an IPv4 session without
// next_hop_v6, ...).
Status validate(const SpeakerConfig& config);

// One prefix byoipd originates. Announcing the same prefix again replaces its
// attributes (idempotent); withdrawing an absent prefix does nothing.
struct Announcement {
  Prefix prefix;
  std::vector<uint32_t> communities;              // on top of the peer's export policy
  std::vector<LargeCommunity> large_communities;
  uint8_t prepend = 0;                            // on top of the peer's export policy
  std::vector<std::string> peers;  // peer names; empty: every onprem and upstream peer
  friend bool operator==(const Announcement&, const Announcement&) = default;
};

struct PeerStatus {
  std::string name;
  IpAddress address;
  uint16_t port = 0;
  uint32_t remote_as = 0;
  PeerRole role = PeerRole::kOnprem;
  std::string state;  // "idle", "connect", "active", "opensent", "openconfirm", "established"
  std::optional<std::chrono::seconds> uptime;  // while established
  uint64_t prefixes_received = 0;   // in the Adj-RIB-In now
  uint64_t prefixes_advertised = 0; // in the Adj-RIB-Out now
  uint64_t prefixes_rejected = 0;   // dropped by the import policy (since start)
  uint64_t updates_received = 0;
  uint64_t updates_sent = 0;
  uint64_t established_transitions = 0;
  std::string last_error;  // "" when none: why the last session ended
  std::optional<std::string> local_address;  // of the current connection
  std::vector<AfiSafi> families;             // negotiated, while established
  bool four_octet_as = false;                // negotiated
  uint16_t hold_time = 0;                    // negotiated
};

// A session came up or went down (for the log, metrics and the controller).
struct SessionEvent {
  std::string peer;
  bool up = false;
  std::string reason;  // when down
};

struct SpeakerCallbacks {
  std::function<void(const SessionEvent&)> on_session;
  // Changes to routes for watched prefixes or their more-specifics (rib.h).
  std::function<void(const OriginEvent&)> on_origin;
};

class Speaker {
 public:
  // Starts the thread, binds the listener and starts every peer. Fails (with
  // nothing left running) on an invalid config or a listener that cannot bind.
  static Result<std::unique_ptr<Speaker>> start(SpeakerConfig config, SpeakerCallbacks callbacks);
  // Sends Cease/Administrative Shutdown to every established peer, then stops.
  ~Speaker();
  Speaker(const Speaker&) = delete;
  Speaker& operator=(const Speaker&) = delete;

  uint16_t listen_port() const;  // the bound port (0 when not listening)
  const SpeakerConfig& config() const;

  // Adj-RIB-Out. set_announcements replaces the whole set (only the
  // difference goes on the wire).
  void announce(Announcement announcement);
  void withdraw(const Prefix& prefix);
  void set_announcements(std::vector<Announcement> announcements);
  // Many changes at once: peers get them grouped into few UPDATEs.
  void change_announcements(std::vector<Announcement> announce, std::vector<Prefix> withdraw);
  std::vector<Announcement> announcements() const;

  std::vector<PeerStatus> peers() const;
  // Routes learnt from peers (Adj-RIB-In): for `prefix` and, unless `exact`,
  // its more-specifics; all routes when `prefix` is unset. Of one peer when
  // `peer` names one (an unknown name is an error). At most `limit` routes;
  // `truncated` tells when more matched.
  struct RouteQuery {
    std::optional<Prefix> prefix;
    bool exact = false;
    std::optional<std::string> peer;
    size_t limit = 1000;
  };
  struct RouteAnswer {
    std::vector<RouteEntry> routes;
    std::vector<std::string> peer_names;  // RouteEntry::peer indexes this
    bool truncated = false;
  };
  Result<RouteAnswer> routes(const RouteQuery& query) const;

  struct RibStats {
    size_t routes = 0;
    size_t paths = 0;
    size_t bytes = 0;
  };
  RibStats rib_stats() const;

  // The origin view's watch list (rib.h).
  void watch(const Prefix& prefix);
  void unwatch(const Prefix& prefix);

 private:
  class Impl;
  explicit Speaker(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace byoipd::bgp
