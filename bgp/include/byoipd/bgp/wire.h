// The BGP-4 wire codec: bytes in, messages out, and back (RFC 4271 section 4
// with RFC 4760, 6793, 5492, 2918, 7313, 4724, 1997, 8092, 9003).
//
// Pure functions over byte spans: no I/O and no session state. What a session
// negotiated arrives as a CodecOptions value. Decoding validates as it parses
// and reports, instead of a bare failure, the NOTIFICATION to send (RFC 4271
// section 6) or, for UPDATE attribute errors, the RFC 7606 action to take.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "byoipd/bgp/message.h"
#include "byoipd/common/status.h"

namespace byoipd::bgp {

// NOTIFICATION subcodes the codec produces (RFC 4271 section 4.5; RFC 7313
// section 5 for ROUTE-REFRESH).
namespace subcode {
namespace header {
constexpr uint8_t kConnectionNotSynchronized = 1;
constexpr uint8_t kBadMessageLength = 2;
constexpr uint8_t kBadMessageType = 3;
}  // namespace header
namespace open {
constexpr uint8_t kUnspecific = 0;
constexpr uint8_t kUnsupportedVersion = 1;
constexpr uint8_t kBadPeerAs = 2;
constexpr uint8_t kBadBgpIdentifier = 3;
constexpr uint8_t kUnsupportedOptionalParameter = 4;
constexpr uint8_t kUnacceptableHoldTime = 6;
constexpr uint8_t kUnsupportedCapability = 7;  // RFC 5492 section 5
}  // namespace open
namespace update {
constexpr uint8_t kMalformedAttributeList = 1;
constexpr uint8_t kUnrecognizedWellKnownAttribute = 2;
constexpr uint8_t kMissingWellKnownAttribute = 3;
constexpr uint8_t kAttributeFlagsError = 4;
constexpr uint8_t kAttributeLengthError = 5;
constexpr uint8_t kInvalidOrigin = 6;
constexpr uint8_t kInvalidNextHop = 8;
constexpr uint8_t kOptionalAttributeError = 9;
constexpr uint8_t kInvalidNetworkField = 10;
constexpr uint8_t kMalformedAsPath = 11;
}  // namespace update
namespace route_refresh {
constexpr uint8_t kInvalidMessageLength = 1;
}  // namespace route_refresh
}  // namespace subcode

// Path attribute type codes the codec interprets.
namespace attr {
constexpr uint8_t kOrigin = 1;
constexpr uint8_t kAsPath = 2;
constexpr uint8_t kNextHop = 3;
constexpr uint8_t kMultiExitDisc = 4;
constexpr uint8_t kLocalPref = 5;
constexpr uint8_t kAtomicAggregate = 6;
constexpr uint8_t kAggregator = 7;
constexpr uint8_t kCommunities = 8;
constexpr uint8_t kMpReachNlri = 14;
constexpr uint8_t kMpUnreachNlri = 15;
constexpr uint8_t kAs4Path = 17;
constexpr uint8_t kAs4Aggregator = 18;
constexpr uint8_t kLargeCommunity = 32;
// Attribute Flags bits (RFC 4271 section 4.3).
constexpr uint8_t kFlagOptional = 0x80;
constexpr uint8_t kFlagTransitive = 0x40;
constexpr uint8_t kFlagPartial = 0x20;
constexpr uint8_t kFlagExtendedLength = 0x10;
}  // namespace attr

// IPv4 and IPv6 unicast: the families the codec can carry.
std::vector<AfiSafi> unicast_families();

// What the session negotiated, as a value.
struct CodecOptions {
  // Both ends sent the 4-octet AS capability (RFC 6793 section 4.1). When
  // false, AS_PATH and AGGREGATOR carry 2-octet ASNs with AS_TRANS standing
  // in for larger ones, and the real path travels in AS4_PATH/AS4_AGGREGATOR.
  bool four_octet_as = true;
  // AFI/SAFIs whose MP_REACH_NLRI/MP_UNREACH_NLRI are accepted; attributes of
  // any other family are discarded (RFC 4760 section 7). IPv4 unicast NLRI in
  // the UPDATE's own fields is always accepted.
  std::vector<AfiSafi> families = unicast_families();
};

// A NOTIFICATION the receiver must send before closing (RFC 4271 section 6),
// with a human reason that names the field and the offending value.
struct DecodeError {
  uint8_t code = 0;
  uint8_t subcode = 0;
  std::vector<uint8_t> data;
  std::string reason;
  Notification notification() const { return Notification{code, subcode, data}; }
};

// RFC 7606 section 2 approaches, weakest first.
enum class Action : uint8_t { kNone, kAttributeDiscard, kTreatAsWithdraw, kSessionReset };
std::string_view action_name(Action action);  // "none", "attribute-discard", ...

// One error found in an UPDATE and the action RFC 7606 prescribes for it.
// `error` is the NOTIFICATION RFC 4271 section 6.3 names for the case: sent
// only when the action is kSessionReset, otherwise kept for the log.
struct UpdateFinding {
  Action action = Action::kNone;
  uint8_t attribute_type = 0;  // 0 when the finding is not about one attribute
  DecodeError error;
};

struct DecodeResult {
  // Absent exactly when `error` is set.
  std::optional<Message> message;
  // Send error->notification() and close the session.
  std::optional<DecodeError> error;
  // The strongest action of `findings` (kSessionReset when `error` is set).
  // Under kTreatAsWithdraw the Update holds only withdrawals: its IPv4 NLRI
  // and MP_REACH_NLRI prefixes are moved to `withdrawn` (IPv4) and
  // `mp_unreach` (IPv6), path attributes are cleared, and an empty result is
  // NOT an End-of-RIB.
  Action action = Action::kNone;
  std::vector<uint8_t> discarded;  // attribute types removed by attribute-discard
  std::vector<UpdateFinding> findings;

  bool ok() const { return message.has_value(); }
  // The findings' reasons joined with "; " ("" when there are none).
  std::string reason() const;
};

// ---- Framing (RFC 4271 sections 4.1 and 6.1) --------------------------------

struct FrameResult {
  // Length of the message at the front of the buffer; absent while fewer than
  // 19 octets are buffered or when `error` is set.
  std::optional<size_t> length;
  // A header error: Connection Not Synchronized (1/1), Bad Message Length
  // (1/2, data = the length field) or Bad Message Type (1/3, data = the type).
  std::optional<DecodeError> error;
};
// Checks the marker, the length (19..4096 and the per-type minimums of RFC
// 4271 section 6.1) and the type of the message at the front of `buffered`.
FrameResult frame(std::span<const uint8_t> buffered);

// ---- Decoding and encoding -----------------------------------------------

// Decodes one whole message, header included. Never reads outside `message`.
// Checks, besides the header: OPEN per RFC 4271 6.2 (version, My AS 0 per
// RFC 7607, hold time 1-2, identifier 0, optional parameters, capability
// layouts); UPDATE per RFC 4271 6.3 as revised by RFC 7606 (see findings);
// ROUTE-REFRESH length per RFC 7313 section 5. Unknown optional transitive
// attributes come back with the Partial bit set, sorted by type.
DecodeResult decode(std::span<const uint8_t> message, const CodecOptions& options);

// Encodes a message, header included. UPDATE path attributes go out with
// MP_REACH_NLRI/MP_UNREACH_NLRI first (RFC 7606 section 5.1), then by
// ascending type; a value over 255 octets uses the Extended Length bit. On a
// 2-octet session ASNs above 65535 become AS_TRANS and AS4_PATH /
// AS4_AGGREGATOR carry the real ones (RFC 6793 section 4.2.2).
// Fails ("message-too-large") when the result would exceed 4096 octets (see
// split_update), and when the message cannot be put on the wire as given
// (a prefix of the wrong family, an interpreted type among `unknown`, ...).
Result<std::vector<uint8_t>> encode(const Message& message, const CodecOptions& options);

// Splits an UPDATE whose encoding would exceed 4096 octets into several
// carrying the same path attributes, withdrawals first. Fails only when the
// attributes alone do not fit or the update cannot be encoded at all.
Result<std::vector<Update>> split_update(const Update& update, const CodecOptions& options);

// ---- OPEN checks that need configuration (RFC 4271 section 6.2) ----------

// Bad Peer AS (2/2) unless the peer's AS (4-octet capability first, RFC 6793
// section 4.1) is the configured one.
std::optional<DecodeError> check_peer_as(const Open& open, uint32_t expected_asn);
// Bad BGP Identifier (2/3) when an internal peer uses our own identifier
// (RFC 6286 section 2.2).
std::optional<DecodeError> check_bgp_identifier(const Open& open, uint32_t local_identifier,
                                                bool internal_peer);

// The codec options two OPENs negotiate: 4-octet AS when both sent the
// capability (RFC 6793 section 4.1); the IPv4/IPv6 unicast families both
// listed, a side without multiprotocol capabilities counting as IPv4
// unicast only (RFC 4760 section 8).
CodecOptions codec_options_for(const Open& local, const Open& remote);

}  // namespace byoipd::bgp
