// The RPKI-to-Router protocol codec: RFC 8210 (version 1) and RFC 6810
// (version 0) PDUs, bytes in and out.
//
// Pure functions over byte spans: no I/O and no session state. Decoding
// validates as it parses and, instead of a bare failure, names the Error
// Report code (RFC 8210 section 12) the receiver should send back. What to
// do with a well-formed PDU (session ids, serials, sequencing) is the
// client's business (rtr_client.h).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "byoipd/common/ip.h"
#include "byoipd/common/status.h"

namespace byoipd::rpki::rtr {

// Protocol versions this codec speaks (RFC 6810, RFC 8210).
constexpr uint8_t kVersion0 = 0;
constexpr uint8_t kVersion1 = 1;
constexpr uint8_t kMaxVersion = kVersion1;

constexpr size_t kHeaderSize = 8;  // RFC 8210 section 5.1
// Upper bound for the variable-length PDUs (Error Report, Router Key). The
// RFC sets none; a real Error Report or Router Key is a few hundred octets,
// and a bound lets the framer refuse a length field of garbage at once.
constexpr uint32_t kMaxVariablePduSize = 64 * 1024;

// PDU types (RFC 8210 section 5; type 5 was never assigned).
enum class PduType : uint8_t {
  kSerialNotify = 0,
  kSerialQuery = 1,
  kResetQuery = 2,
  kCacheResponse = 3,
  kIpv4Prefix = 4,
  kIpv6Prefix = 6,
  kEndOfData = 7,
  kCacheReset = 8,
  kRouterKey = 9,  // version 1 only
  kErrorReport = 10,
};
std::string_view pdu_type_name(PduType type);  // "Serial Notify", ...

// Error Report codes (RFC 8210 section 12). Only kNoDataAvailable is
// non-fatal (section 5.11).
enum class ErrorCode : uint16_t {
  kCorruptData = 0,
  kInternalError = 1,
  kNoDataAvailable = 2,
  kInvalidRequest = 3,
  kUnsupportedProtocolVersion = 4,
  kUnsupportedPduType = 5,
  kWithdrawalOfUnknownRecord = 6,
  kDuplicateAnnouncement = 7,
  kUnexpectedProtocolVersion = 8,
};
std::string_view error_code_name(ErrorCode code);  // "Corrupt Data", ...

// ---- PDUs (RFC 8210 section 5) ----------------------------------------------

struct SerialNotify {  // 5.2
  uint16_t session_id = 0;
  uint32_t serial = 0;
  friend bool operator==(const SerialNotify&, const SerialNotify&) = default;
};
struct SerialQuery {  // 5.3
  uint16_t session_id = 0;
  uint32_t serial = 0;
  friend bool operator==(const SerialQuery&, const SerialQuery&) = default;
};
struct ResetQuery {  // 5.4
  friend bool operator==(const ResetQuery&, const ResetQuery&) = default;
};
struct CacheResponse {  // 5.5
  uint16_t session_id = 0;
  friend bool operator==(const CacheResponse&, const CacheResponse&) = default;
};
// IPv4 Prefix (5.6) or IPv6 Prefix (5.7), by the prefix's family. The
// prefix length is the shortest length the ROA allows, max_length the
// longest. Decoded prefixes are canonical and max_length is within
// [prefix length, family width].
struct PrefixPdu {
  bool announce = true;  // flags bit 0: 1 announce, 0 withdraw
  Prefix prefix;
  uint8_t max_length = 0;
  uint32_t asn = 0;
  friend bool operator==(const PrefixPdu&, const PrefixPdu&) = default;
};
// RFC 8210 section 6 intervals, in seconds, carried by version 1 only.
struct Intervals {
  uint32_t refresh = 3600;
  uint32_t retry = 600;
  uint32_t expire = 7200;
  friend bool operator==(const Intervals&, const Intervals&) = default;
};
struct EndOfData {  // 5.8
  uint16_t session_id = 0;
  uint32_t serial = 0;
  // Present exactly in version 1 PDUs.
  std::optional<Intervals> intervals;
  friend bool operator==(const EndOfData&, const EndOfData&) = default;
};
struct CacheReset {  // 5.9
  friend bool operator==(const CacheReset&, const CacheReset&) = default;
};
// Router Key (5.10): BGPsec router keys. byoipd does not do BGPsec; the
// PDU is decoded so a version 1 sync can carry it, and kept opaque.
struct RouterKey {
  bool announce = true;
  std::array<uint8_t, 20> ski{};
  uint32_t asn = 0;
  std::vector<uint8_t> spki;
  friend bool operator==(const RouterKey&, const RouterKey&) = default;
};
struct ErrorReport {  // 5.11
  ErrorCode code = ErrorCode::kCorruptData;
  std::vector<uint8_t> pdu;  // the erroneous PDU, whole or truncated; may be empty
  std::string text;          // diagnostic text (UTF-8 by the RFC, not checked)
  friend bool operator==(const ErrorReport&, const ErrorReport&) = default;
};

using PduBody = std::variant<SerialNotify, SerialQuery, ResetQuery, CacheResponse, PrefixPdu,
                             EndOfData, CacheReset, RouterKey, ErrorReport>;

struct Pdu {
  uint8_t version = kVersion1;
  PduBody body;
  PduType type() const;
  friend bool operator==(const Pdu&, const Pdu&) = default;
};
// "v1 End of Data session=7 serial=42", "v0 IPv4 Prefix +192.0.2.0/24-24 AS64496".
std::string describe(const Pdu& pdu);

// ---- Decoding ----------------------------------------------------------------

// Why a PDU was refused: the Error Report code to send back (RFC 8210
// section 12) and a reason naming the field and the offending value.
struct DecodeError {
  ErrorCode code = ErrorCode::kCorruptData;
  std::string reason;
  // The header's type octet, when the header was readable. A receiver MUST
  // NOT answer an Error Report with one (RFC 8210 section 5.11): check
  // is_error_report() first.
  std::optional<uint8_t> type;
  bool is_error_report() const { return type == static_cast<uint8_t>(PduType::kErrorReport); }
};

struct DecodeResult {
  std::optional<Pdu> pdu;             // absent exactly when `error` is set
  std::optional<DecodeError> error;
  bool ok() const { return pdu.has_value(); }
};

struct FrameResult {
  // Length of the PDU at the front of the buffer; absent while fewer than
  // 8 octets are buffered, or when `error` is set.
  std::optional<size_t> length;
  std::optional<DecodeError> error;
};

// Reads the header at the front of `buffered` and checks, in this order:
// version 0 or 1 (else Unsupported Protocol Version), a known type that
// exists in that version (else Unsupported PDU Type), and the length: the
// exact size of a fixed PDU, or 8.. kMaxVariablePduSize for a variable one
// (else Corrupt Data). A stream whose header fails cannot be resynchronised:
// send the Error Report and close.
FrameResult frame(std::span<const uint8_t> buffered);

// Decodes one whole PDU, header included (frame()'s checks, then the body).
// Never reads outside `pdu`. Body checks: prefix length <= family width,
// max length within [prefix length, width] (RFC 8210 sections 5.6/5.7),
// no host bits set (the field is a "prefix"; bits past its length are
// treated as Corrupt Data, as a cache that sends them is broken), and the
// Error Report's inner lengths adding up (5.11). Fields the RFC calls zero
// or reserved are ignored on receipt (section 5.1).
DecodeResult decode(std::span<const uint8_t> pdu);

// ---- Encoding ----------------------------------------------------------------

// Encodes a PDU, header included. Fails ("rtr-encode") for what the wire
// cannot carry: a Router Key in version 0, End of Data intervals in version
// 0 or none in version 1, a max length outside [prefix length, width], an
// unknown version, or a variable PDU over kMaxVariablePduSize.
Result<std::vector<uint8_t>> encode(const Pdu& pdu);

// An Error Report for the PDU in `offending` (truncated so the report stays
// within kMaxVariablePduSize). Never fails to encode.
Pdu error_report(uint8_t version, ErrorCode code, std::span<const uint8_t> offending,
                 std::string text);

// ---- Serial numbers (RFC 1982, SERIAL_BITS = 32) -------------------------------

// s1 < s2 in RFC 1982 section 3.2 arithmetic. Undefined pairs (exactly
// 2^31 apart) compare neither less nor greater. Serials are comparable only
// within one session id (RFC 8210 section 5.1).
constexpr bool serial_lt(uint32_t s1, uint32_t s2) {
  return s1 != s2 && ((s1 < s2 && s2 - s1 < 0x80000000u) || (s1 > s2 && s1 - s2 > 0x80000000u));
}
constexpr bool serial_gt(uint32_t s1, uint32_t s2) { return serial_lt(s2, s1); }
// s + n (RFC 1982 section 3.1). REQUIRES: n <= 2^31 - 1.
constexpr uint32_t serial_add(uint32_t s, uint32_t n) { return s + n; }

}  // namespace byoipd::rpki::rtr
