// The Adj-RIB-In of every peer (RFC 4271 section 3.2), kept compact, and the
// origin view built on it: for a prefix P, every route seen for P or for any
// more-specific of P, with its origin AS and the peer that reported it.
//
// Path attributes are interned: routes that share a path share one stored
// copy (a full table has about 1.2M routes over about 80,000 paths), and a
// route costs a key and a path reference. Routes are ordered by prefix, so
// the more-specifics of P are one contiguous range.
//
// Not thread-safe: the speaker's thread owns it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "byoipd/bgp/message.h"
#include "byoipd/common/ip.h"

namespace byoipd::bgp {

using PeerIndex = uint16_t;

// The origin AS of an AS_PATH (RFC 6811 section 2): the rightmost AS of the
// final segment when it is an AS_SEQUENCE; `local_as` when the path is empty
// (the route originated inside our own AS, iBGP); none when the final segment
// is an AS_SET.
std::optional<uint32_t> origin_as(const std::vector<AsPathSegment>& path, uint32_t local_as);

// One route as shown to operators and the controller.
struct RouteEntry {
  Prefix prefix;
  PeerIndex peer = 0;
  Origin origin = Origin::kIgp;
  std::vector<AsPathSegment> as_path;
  std::optional<uint32_t> origin_as;  // see origin_as()
  // When the path ends in an AS_SET: its members, each a possible origin.
  std::vector<uint32_t> origin_set;
  IpAddress next_hop;  // NEXT_HOP, or the MP_REACH global next hop
  std::optional<uint32_t> med;
  std::optional<uint32_t> local_pref;
  std::vector<uint32_t> communities;
  std::vector<LargeCommunity> large_communities;
  bool stale = false;  // kept over a graceful restart (RFC 4724 4.2)
  friend bool operator==(const RouteEntry&, const RouteEntry&) = default;
};

// A change to a route for a watched prefix or one of its more-specifics.
struct OriginEvent {
  enum class Kind : uint8_t { kAdded, kChanged, kWithdrawn };
  Kind kind = Kind::kAdded;
  Prefix watched;  // the watched prefix that covers `prefix`
  Prefix prefix;
  PeerIndex peer = 0;
  std::optional<uint32_t> old_origin_as;  // kChanged, kWithdrawn
  std::optional<uint32_t> new_origin_as;  // kAdded, kChanged
};

class AdjRibIn {
 public:
  // `local_as` is the origin of routes with an empty AS_PATH (RFC 6811).
  explicit AdjRibIn(uint32_t local_as);
  ~AdjRibIn();
  AdjRibIn(AdjRibIn&&) noexcept;
  AdjRibIn& operator=(AdjRibIn&&) noexcept;

  struct ApplyStats {
    uint32_t added = 0;      // prefixes new for this peer
    uint32_t replaced = 0;   // prefixes the peer already had (path changed or not)
    uint32_t withdrawn = 0;  // prefixes removed (absent ones are not counted)
  };
  // Applies one decoded UPDATE from `peer` (RFC 4271 9.1): withdrawals first
  // (IPv4 withdrawn routes and MP_UNREACH), then the IPv4 NLRI and the
  // MP_REACH NLRI with the UPDATE's path attributes. A prefix the peer sends
  // again replaces its earlier route and clears its stale mark.
  ApplyStats apply(PeerIndex peer, const Update& update);

  // Removes every route of `peer` (its session went down); returns how many.
  size_t remove_peer(PeerIndex peer);
  // Graceful restart (RFC 4724 4.2): mark every route of `peer` stale; routes
  // the peer sends again lose the mark; sweep_stale removes the rest.
  size_t mark_stale(PeerIndex peer);
  size_t sweep_stale(PeerIndex peer);

  size_t size() const;                                // routes, all peers
  size_t count(PeerIndex peer) const;                 // routes of one peer
  size_t count(PeerIndex peer, Family family) const;  // of one family
  size_t path_count() const;                          // distinct stored paths

  // Routes for `prefix` and, when `more_specifics`, every more-specific of
  // it, ordered by prefix (address, then length) then peer; only `peer`'s
  // when set. At most `limit`; `*truncated` (when given) tells if more matched.
  std::vector<RouteEntry> routes(const Prefix& prefix, bool more_specifics,
                                 std::optional<PeerIndex> peer, size_t limit,
                                 bool* truncated = nullptr) const;
  // Every route of both families (IPv4 first), same order and limits.
  std::vector<RouteEntry> all_routes(std::optional<PeerIndex> peer, size_t limit,
                                     bool* truncated = nullptr) const;

  // The origin view's events: after watch(P), every route added, changed or
  // withdrawn for P or a more-specific of P is reported to the listener, from
  // within apply/remove_peer/sweep_stale. A route covered by several watched
  // prefixes is reported once per watched prefix. A changed route is reported
  // only when its origin AS changed. watch() itself reports the routes
  // already held for P and its more-specifics as added.
  using Listener = std::function<void(const OriginEvent&)>;
  void set_listener(Listener listener);
  void watch(const Prefix& prefix);
  void unwatch(const Prefix& prefix);

  // Heap bytes held (routes, paths, indexes), for metrics and the benchmark.
  size_t memory_bytes() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace byoipd::bgp
