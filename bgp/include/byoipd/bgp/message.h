// BGP-4 messages as values (RFC 4271 section 4), with the attributes and
// capabilities byoipd speaks. Pure data: encoding and decoding live in
// wire.h; no I/O and no session state here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "byoipd/common/asn.h"
#include "byoipd/common/ip.h"

namespace byoipd::bgp {

constexpr size_t kHeaderSize = 19;       // RFC 4271 4.1
constexpr size_t kMaxMessageSize = 4096;  // RFC 4271 4.1 (no RFC 8654 extended messages)

enum class MessageType : uint8_t { kOpen = 1, kUpdate = 2, kNotification = 3, kKeepalive = 4, kRouteRefresh = 5 };

// AFI/SAFI (RFC 4760).
enum class Afi : uint16_t { kIpv4 = 1, kIpv6 = 2 };
enum class Safi : uint8_t { kUnicast = 1 };
struct AfiSafi {
  Afi afi = Afi::kIpv4;
  Safi safi = Safi::kUnicast;
  friend bool operator==(const AfiSafi&, const AfiSafi&) = default;
};

// ---- OPEN and capabilities (RFC 5492) -------------------------------------

struct GracefulRestart {  // RFC 4724 section 3
  bool restart_state = false;     // R bit
  uint16_t restart_time = 0;      // seconds, 12 bits
  struct Family {
    AfiSafi family;
    bool forwarding_preserved = false;
    friend bool operator==(const Family&, const Family&) = default;
  };
  std::vector<Family> families;
  friend bool operator==(const GracefulRestart&, const GracefulRestart&) = default;
};

struct UnknownCapability {
  uint8_t code = 0;
  std::vector<uint8_t> value;
  friend bool operator==(const UnknownCapability&, const UnknownCapability&) = default;
};

struct Capabilities {
  std::vector<AfiSafi> multiprotocol;          // code 1, RFC 4760
  bool route_refresh = false;                  // code 2, RFC 2918
  bool enhanced_route_refresh = false;         // code 70, RFC 7313
  std::optional<uint32_t> four_octet_as;       // code 65, RFC 6793
  std::optional<GracefulRestart> graceful_restart;  // code 64, RFC 4724
  std::vector<UnknownCapability> unknown;      // passed over, kept for display
  friend bool operator==(const Capabilities&, const Capabilities&) = default;
};

struct Open {
  uint8_t version = 4;
  uint16_t my_as = 0;          // AS_TRANS (23456) when the real AS needs 4 octets
  uint16_t hold_time = 90;     // 0 or >= 3 (RFC 4271 4.2)
  uint32_t bgp_identifier = 0;
  Capabilities capabilities;
  // The speaker's AS: the 4-octet capability if present, else my_as.
  uint32_t asn() const { return capabilities.four_octet_as.value_or(my_as); }
  friend bool operator==(const Open&, const Open&) = default;
};

// ---- UPDATE and path attributes --------------------------------------------

enum class Origin : uint8_t { kIgp = 0, kEgp = 1, kIncomplete = 2 };

struct AsPathSegment {
  enum class Type : uint8_t { kSet = 1, kSequence = 2 } type = Type::kSequence;
  std::vector<uint32_t> asns;
  friend bool operator==(const AsPathSegment&, const AsPathSegment&) = default;
};

struct LargeCommunity {  // RFC 8092
  uint32_t global_admin = 0;
  uint32_t local1 = 0;
  uint32_t local2 = 0;
  friend bool operator==(const LargeCommunity&, const LargeCommunity&) = default;
};

struct Aggregator {
  uint32_t asn = 0;
  IpAddress address;  // IPv4
  friend bool operator==(const Aggregator&, const Aggregator&) = default;
};

// An attribute byoipd does not interpret: optional transitive ones are passed
// on with the Partial bit set (RFC 4271 9.1.4 / 5).
struct RawAttribute {
  uint8_t flags = 0;
  uint8_t type = 0;
  std::vector<uint8_t> value;
  friend bool operator==(const RawAttribute&, const RawAttribute&) = default;
};

struct MpReach {  // RFC 4760 section 3
  AfiSafi family;
  std::vector<IpAddress> next_hops;  // one, or global + link-local for IPv6
  std::vector<Prefix> nlri;
  friend bool operator==(const MpReach&, const MpReach&) = default;
};

struct MpUnreach {  // RFC 4760 section 4
  AfiSafi family;
  std::vector<Prefix> withdrawn;
  friend bool operator==(const MpUnreach&, const MpUnreach&) = default;
};

// Path attributes of one UPDATE, after 4-octet AS reconciliation: `as_path`
// always holds 4-octet ASNs (RFC 6793 section 4.2.3 merge of AS4_PATH).
struct PathAttributes {
  std::optional<Origin> origin;
  std::optional<std::vector<AsPathSegment>> as_path;
  std::optional<IpAddress> next_hop;  // IPv4 NEXT_HOP
  std::optional<uint32_t> med;
  std::optional<uint32_t> local_pref;
  bool atomic_aggregate = false;
  std::optional<Aggregator> aggregator;
  std::vector<uint32_t> communities;          // RFC 1997
  std::vector<LargeCommunity> large_communities;
  std::optional<MpReach> mp_reach;
  std::optional<MpUnreach> mp_unreach;
  std::vector<RawAttribute> unknown;          // optional transitive, passed through
  friend bool operator==(const PathAttributes&, const PathAttributes&) = default;
};

struct Update {
  std::vector<Prefix> withdrawn;  // IPv4
  PathAttributes attributes;
  std::vector<Prefix> nlri;       // IPv4
  friend bool operator==(const Update&, const Update&) = default;
  // End-of-RIB (RFC 4724 section 2): an empty UPDATE for IPv4 unicast, or an
  // UPDATE with only an empty MP_UNREACH for another family.
  std::optional<AfiSafi> end_of_rib() const;
};

// ---- NOTIFICATION, KEEPALIVE, ROUTE-REFRESH ---------------------------------

// Error codes (RFC 4271 4.5, 6) and the subcodes used.
enum class ErrorCode : uint8_t {
  kMessageHeader = 1,
  kOpenMessage = 2,
  kUpdateMessage = 3,
  kHoldTimerExpired = 4,
  kFsm = 5,
  kCease = 6,
  kRouteRefresh = 7,  // RFC 7313
};

struct Notification {
  uint8_t code = 0;
  uint8_t subcode = 0;
  std::vector<uint8_t> data;
  // RFC 8203/9003 shutdown communication for Cease subcodes 2 and 4.
  std::optional<std::string> shutdown_message() const;
  static Notification cease_with_message(uint8_t subcode, const std::string& message);
  friend bool operator==(const Notification&, const Notification&) = default;
};

struct Keepalive {
  friend bool operator==(const Keepalive&, const Keepalive&) = default;
};

struct RouteRefresh {  // RFC 2918, RFC 7313 (subtype 1 = BoRR, 2 = EoRR)
  AfiSafi family;
  uint8_t subtype = 0;
  friend bool operator==(const RouteRefresh&, const RouteRefresh&) = default;
};

using Message = std::variant<Open, Update, Notification, Keepalive, RouteRefresh>;

}  // namespace byoipd::bgp
