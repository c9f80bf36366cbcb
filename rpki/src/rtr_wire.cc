#include <algorithm>
#include <utility>

#include "byoipd/rpki/rtr.h"

namespace byoipd::rpki::rtr {
namespace {

// Fixed sizes (RFC 8210 section 5; End of Data version 0: RFC 6810 5.8).
constexpr uint32_t kSerialNotifySize = 12;
constexpr uint32_t kSerialQuerySize = 12;
constexpr uint32_t kResetQuerySize = 8;
constexpr uint32_t kCacheResponseSize = 8;
constexpr uint32_t kIpv4PrefixSize = 20;
constexpr uint32_t kIpv6PrefixSize = 32;
constexpr uint32_t kEndOfDataV0Size = 12;
constexpr uint32_t kEndOfDataV1Size = 24;
constexpr uint32_t kCacheResetSize = 8;
constexpr uint32_t kRouterKeyMinSize = 32;    // header, SKI (20), ASN (4)
constexpr uint32_t kErrorReportMinSize = 16;  // header, two length fields
constexpr uint8_t kFlagAnnounce = 0x01;

// Network-order reads that never pass the end of the span; the caller
// checks remaining() first (framing has fixed the length by then).
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> data) : data_(data) {}
  size_t remaining() const { return data_.size() - pos_; }
  uint8_t u8() { return data_[pos_++]; }
  uint16_t u16() {
    uint16_t v = static_cast<uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
    pos_ += 2;
    return v;
  }
  uint32_t u32() {
    uint32_t hi = u16();
    return (hi << 16) | u16();
  }
  std::span<const uint8_t> bytes(size_t n) {
    auto out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
  }

 private:
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
};

class Writer {
 public:
  explicit Writer(std::vector<uint8_t>& out) : out_(out) {}
  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v) {
    u8(static_cast<uint8_t>(v >> 8));
    u8(static_cast<uint8_t>(v));
  }
  void u32(uint32_t v) {
    u16(static_cast<uint16_t>(v >> 16));
    u16(static_cast<uint16_t>(v));
  }
  void bytes(std::span<const uint8_t> v) { out_.insert(out_.end(), v.begin(), v.end()); }

 private:
  std::vector<uint8_t>& out_;
};

DecodeError error(ErrorCode code, std::string reason, std::optional<uint8_t> type) {
  return DecodeError{code, std::move(reason), type};
}

bool known_type(uint8_t type, uint8_t version) {
  switch (type) {
    case 0: case 1: case 2: case 3: case 4: case 6: case 7: case 8: case 10: return true;
    case 9: return version >= kVersion1;  // Router Key: RFC 8210 5.10, absent from RFC 6810
    default: return false;
  }
}

// The exact size of a fixed PDU, or 0 for a variable one.
uint32_t fixed_size(PduType type, uint8_t version) {
  switch (type) {
    case PduType::kSerialNotify: return kSerialNotifySize;
    case PduType::kSerialQuery: return kSerialQuerySize;
    case PduType::kResetQuery: return kResetQuerySize;
    case PduType::kCacheResponse: return kCacheResponseSize;
    case PduType::kIpv4Prefix: return kIpv4PrefixSize;
    case PduType::kIpv6Prefix: return kIpv6PrefixSize;
    case PduType::kEndOfData: return version == kVersion0 ? kEndOfDataV0Size : kEndOfDataV1Size;
    case PduType::kCacheReset: return kCacheResetSize;
    case PduType::kRouterKey:
    case PduType::kErrorReport: return 0;
  }
  return 0;
}

uint32_t min_size(PduType type) {
  return type == PduType::kRouterKey ? kRouterKeyMinSize : kErrorReportMinSize;
}

PrefixPdu decode_prefix(Reader& r, Family family, std::optional<DecodeError>& err,
                        uint8_t type) {
  PrefixPdu p;
  p.announce = (r.u8() & kFlagAnnounce) != 0;
  uint8_t length = r.u8();
  p.max_length = r.u8();
  r.u8();  // zero, ignored on receipt (5.1)
  int width = family_width(family);
  u128 network = 0;
  for (int i = 0; i < width / 8; ++i) network = (network << 8) | r.u8();
  p.asn = r.u32();
  std::string what = std::string(family_name(family)) + " prefix PDU: ";
  if (length > width) {
    err = error(ErrorCode::kCorruptData,
                what + "prefix length " + std::to_string(length) + " exceeds " +
                    std::to_string(width) + " (RFC 8210 5.6/5.7)", type);
    return p;
  }
  if (p.max_length < length || p.max_length > width) {
    err = error(ErrorCode::kCorruptData,
                what + "max length " + std::to_string(p.max_length) + " outside [" +
                    std::to_string(length) + ", " + std::to_string(width) + "] (RFC 8210 5.6/5.7)",
                type);
    return p;
  }
  auto prefix = Prefix::make(family, network, length);
  if (!prefix.ok()) {
    // The field is a prefix: bits past its length make it no prefix at all.
    err = error(ErrorCode::kCorruptData,
                what + "host bits set past length " + std::to_string(length) + " (" +
                    Prefix::containing(family == Family::kV4 ? IpAddress::v4(uint32_t(network))
                                                             : IpAddress::v6(network),
                                       length).to_string() + " expected)", type);
    return p;
  }
  p.prefix = *prefix;
  return p;
}

}  // namespace

std::string_view pdu_type_name(PduType type) {
  switch (type) {
    case PduType::kSerialNotify: return "Serial Notify";
    case PduType::kSerialQuery: return "Serial Query";
    case PduType::kResetQuery: return "Reset Query";
    case PduType::kCacheResponse: return "Cache Response";
    case PduType::kIpv4Prefix: return "IPv4 Prefix";
    case PduType::kIpv6Prefix: return "IPv6 Prefix";
    case PduType::kEndOfData: return "End of Data";
    case PduType::kCacheReset: return "Cache Reset";
    case PduType::kRouterKey: return "Router Key";
    case PduType::kErrorReport: return "Error Report";
  }
  return "?";
}

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kCorruptData: return "Corrupt Data";
    case ErrorCode::kInternalError: return "Internal Error";
    case ErrorCode::kNoDataAvailable: return "No Data Available";
    case ErrorCode::kInvalidRequest: return "Invalid Request";
    case ErrorCode::kUnsupportedProtocolVersion: return "Unsupported Protocol Version";
    case ErrorCode::kUnsupportedPduType: return "Unsupported PDU Type";
    case ErrorCode::kWithdrawalOfUnknownRecord: return "Withdrawal of Unknown Record";
    case ErrorCode::kDuplicateAnnouncement: return "Duplicate Announcement Received";
    case ErrorCode::kUnexpectedProtocolVersion: return "Unexpected Protocol Version";
  }
  return "Unknown Error Code";
}

PduType Pdu::type() const {
  struct TypeOf {
    PduType operator()(const SerialNotify&) const { return PduType::kSerialNotify; }
    PduType operator()(const SerialQuery&) const { return PduType::kSerialQuery; }
    PduType operator()(const ResetQuery&) const { return PduType::kResetQuery; }
    PduType operator()(const CacheResponse&) const { return PduType::kCacheResponse; }
    PduType operator()(const PrefixPdu& p) const {
      return p.prefix.family() == Family::kV4 ? PduType::kIpv4Prefix : PduType::kIpv6Prefix;
    }
    PduType operator()(const EndOfData&) const { return PduType::kEndOfData; }
    PduType operator()(const CacheReset&) const { return PduType::kCacheReset; }
    PduType operator()(const RouterKey&) const { return PduType::kRouterKey; }
    PduType operator()(const ErrorReport&) const { return PduType::kErrorReport; }
  };
  return std::visit(TypeOf{}, body);
}

std::string describe(const Pdu& pdu) {
  std::string out = "v" + std::to_string(pdu.version) + " " + std::string(pdu_type_name(pdu.type()));
  auto session = [](uint16_t id, uint32_t serial) {
    return " session=" + std::to_string(id) + " serial=" + std::to_string(serial);
  };
  if (const auto* n = std::get_if<SerialNotify>(&pdu.body)) out += session(n->session_id, n->serial);
  if (const auto* q = std::get_if<SerialQuery>(&pdu.body)) out += session(q->session_id, q->serial);
  if (const auto* c = std::get_if<CacheResponse>(&pdu.body)) {
    out += " session=" + std::to_string(c->session_id);
  }
  if (const auto* p = std::get_if<PrefixPdu>(&pdu.body)) {
    out += std::string(p->announce ? " +" : " -") + p->prefix.to_string() + "-" +
           std::to_string(p->max_length) + " AS" + std::to_string(p->asn);
  }
  if (const auto* e = std::get_if<EndOfData>(&pdu.body)) out += session(e->session_id, e->serial);
  if (const auto* k = std::get_if<RouterKey>(&pdu.body)) {
    out += std::string(k->announce ? " +" : " -") + "AS" + std::to_string(k->asn);
  }
  if (const auto* e = std::get_if<ErrorReport>(&pdu.body)) {
    out += " " + std::to_string(static_cast<int>(e->code)) + " (" +
           std::string(error_code_name(e->code)) + ")";
    if (!e->text.empty()) out += ": " + e->text;
  }
  return out;
}

FrameResult frame(std::span<const uint8_t> buffered) {
  if (buffered.size() < kHeaderSize) return {};
  Reader r(buffered);
  uint8_t version = r.u8();
  uint8_t type = r.u8();
  r.u16();
  uint32_t length = r.u32();
  // RFC 8210 section 7: a version we do not know is answered with code 4.
  if (version > kMaxVersion) {
    return {std::nullopt, error(ErrorCode::kUnsupportedProtocolVersion,
                                "protocol version " + std::to_string(version) +
                                    " (this router speaks 0 and 1)", type)};
  }
  if (!known_type(type, version)) {
    return {std::nullopt, error(ErrorCode::kUnsupportedPduType,
                                "PDU type " + std::to_string(type) + " is not defined in version " +
                                    std::to_string(version), type)};
  }
  auto t = static_cast<PduType>(type);
  std::string name(pdu_type_name(t));
  if (uint32_t fixed = fixed_size(t, version); fixed != 0) {
    if (length != fixed) {
      return {std::nullopt, error(ErrorCode::kCorruptData,
                                  "v" + std::to_string(version) + " " + name + " length " +
                                      std::to_string(length) + ", must be " + std::to_string(fixed),
                                  type)};
    }
  } else if (length < min_size(t) || length > kMaxVariablePduSize) {
    return {std::nullopt, error(ErrorCode::kCorruptData,
                                name + " length " + std::to_string(length) + " outside [" +
                                    std::to_string(min_size(t)) + ", " +
                                    std::to_string(kMaxVariablePduSize) + "]", type)};
  }
  return {length, std::nullopt};
}

DecodeResult decode(std::span<const uint8_t> bytes) {
  if (bytes.size() < kHeaderSize) {
    return {std::nullopt, error(ErrorCode::kCorruptData,
                                "PDU of " + std::to_string(bytes.size()) +
                                    " octets is shorter than the 8-octet header", std::nullopt)};
  }
  FrameResult f = frame(bytes);
  if (f.error) return {std::nullopt, std::move(f.error)};
  uint8_t type_octet = bytes[1];
  if (*f.length != bytes.size()) {
    return {std::nullopt, error(ErrorCode::kCorruptData,
                                "length field " + std::to_string(*f.length) + " but the PDU has " +
                                    std::to_string(bytes.size()) + " octets", type_octet)};
  }
  Reader r(bytes);
  Pdu pdu;
  pdu.version = r.u8();
  auto type = static_cast<PduType>(r.u8());
  uint16_t field = r.u16();
  r.u32();
  std::optional<DecodeError> err;
  switch (type) {
    case PduType::kSerialNotify: pdu.body = SerialNotify{field, r.u32()}; break;
    case PduType::kSerialQuery: pdu.body = SerialQuery{field, r.u32()}; break;
    case PduType::kResetQuery: pdu.body = ResetQuery{}; break;
    case PduType::kCacheResponse: pdu.body = CacheResponse{field}; break;
    case PduType::kIpv4Prefix: pdu.body = decode_prefix(r, Family::kV4, err, type_octet); break;
    case PduType::kIpv6Prefix: pdu.body = decode_prefix(r, Family::kV6, err, type_octet); break;
    case PduType::kEndOfData: {
      EndOfData eod{field, r.u32(), std::nullopt};
      if (pdu.version >= kVersion1) {
        Intervals iv;
        iv.refresh = r.u32();
        iv.retry = r.u32();
        iv.expire = r.u32();
        eod.intervals = iv;
      }
      pdu.body = eod;
      break;
    }
    case PduType::kCacheReset: pdu.body = CacheReset{}; break;
    case PduType::kRouterKey: {
      RouterKey key;
      key.announce = ((field >> 8) & kFlagAnnounce) != 0;  // flags octet, then zero
      auto ski = r.bytes(key.ski.size());
      std::copy(ski.begin(), ski.end(), key.ski.begin());
      key.asn = r.u32();
      auto spki = r.bytes(r.remaining());
      key.spki.assign(spki.begin(), spki.end());
      pdu.body = std::move(key);
      break;
    }
    case PduType::kErrorReport: {
      // 5.11: header, encapsulated PDU length and PDU, text length and text.
      ErrorReport report;
      report.code = static_cast<ErrorCode>(field);
      uint32_t pdu_length = r.u32();
      if (pdu_length > r.remaining() - 4) {
        err = error(ErrorCode::kCorruptData,
                    "Error Report encapsulated PDU length " + std::to_string(pdu_length) +
                        " overruns the PDU (" + std::to_string(r.remaining() - 4) + " left)",
                    type_octet);
        break;
      }
      auto inner = r.bytes(pdu_length);
      report.pdu.assign(inner.begin(), inner.end());
      uint32_t text_length = r.u32();
      if (text_length != r.remaining()) {
        err = error(ErrorCode::kCorruptData,
                    "Error Report text length " + std::to_string(text_length) + " but " +
                        std::to_string(r.remaining()) + " octets remain", type_octet);
        break;
      }
      auto text = r.bytes(text_length);
      report.text.assign(text.begin(), text.end());
      pdu.body = std::move(report);
      break;
    }
  }
  if (err) return {std::nullopt, std::move(err)};
  return {std::move(pdu), std::nullopt};
}

Result<std::vector<uint8_t>> encode(const Pdu& pdu) {
  auto refuse = [](std::string message) {
    return Status(Code::kInvalidArgument, "rtr-encode", std::move(message));
  };
  if (pdu.version > kMaxVersion) {
    return refuse("protocol version " + std::to_string(pdu.version) + ": use 0 or 1");
  }
  PduType type = pdu.type();
  std::vector<uint8_t> out;
  Writer w(out);
  w.u8(pdu.version);
  w.u8(static_cast<uint8_t>(type));
  auto header_tail = [&](uint16_t field, uint32_t length) {
    w.u16(field);
    w.u32(length);
  };
  if (const auto* n = std::get_if<SerialNotify>(&pdu.body)) {
    header_tail(n->session_id, kSerialNotifySize);
    w.u32(n->serial);
  } else if (const auto* q = std::get_if<SerialQuery>(&pdu.body)) {
    header_tail(q->session_id, kSerialQuerySize);
    w.u32(q->serial);
  } else if (std::holds_alternative<ResetQuery>(pdu.body)) {
    header_tail(0, kResetQuerySize);
  } else if (const auto* c = std::get_if<CacheResponse>(&pdu.body)) {
    header_tail(c->session_id, kCacheResponseSize);
  } else if (const auto* p = std::get_if<PrefixPdu>(&pdu.body)) {
    int width = p->prefix.width();
    if (p->max_length < p->prefix.length() || p->max_length > width) {
      return refuse("max length " + std::to_string(p->max_length) + " outside [" +
                    std::to_string(p->prefix.length()) + ", " + std::to_string(width) + "] for " +
                    p->prefix.to_string());
    }
    header_tail(0, width == 32 ? kIpv4PrefixSize : kIpv6PrefixSize);
    w.u8(p->announce ? kFlagAnnounce : 0);
    w.u8(static_cast<uint8_t>(p->prefix.length()));
    w.u8(p->max_length);
    w.u8(0);
    for (int shift = width - 8; shift >= 0; shift -= 8) {
      w.u8(static_cast<uint8_t>(p->prefix.network() >> shift));
    }
    w.u32(p->asn);
  } else if (const auto* e = std::get_if<EndOfData>(&pdu.body)) {
    if (e->intervals.has_value() != (pdu.version >= kVersion1)) {
      return refuse(pdu.version == kVersion0
                        ? "version 0 End of Data carries no intervals (RFC 6810 5.8)"
                        : "version 1 End of Data needs refresh/retry/expire (RFC 8210 5.8)");
    }
    header_tail(e->session_id, e->intervals ? kEndOfDataV1Size : kEndOfDataV0Size);
    w.u32(e->serial);
    if (e->intervals) {
      w.u32(e->intervals->refresh);
      w.u32(e->intervals->retry);
      w.u32(e->intervals->expire);
    }
  } else if (std::holds_alternative<CacheReset>(pdu.body)) {
    header_tail(0, kCacheResetSize);
  } else if (const auto* k = std::get_if<RouterKey>(&pdu.body)) {
    if (pdu.version == kVersion0) return refuse("Router Key does not exist in version 0");
    size_t length = kRouterKeyMinSize + k->spki.size();
    if (length > kMaxVariablePduSize) {
      return refuse("Router Key of " + std::to_string(length) + " octets exceeds " +
                    std::to_string(kMaxVariablePduSize));
    }
    w.u8(k->announce ? kFlagAnnounce : 0);
    w.u8(0);
    w.u32(static_cast<uint32_t>(length));
    w.bytes(k->ski);
    w.u32(k->asn);
    w.bytes(k->spki);
  } else if (const auto* r = std::get_if<ErrorReport>(&pdu.body)) {
    size_t length = kErrorReportMinSize + r->pdu.size() + r->text.size();
    if (length > kMaxVariablePduSize) {
      return refuse("Error Report of " + std::to_string(length) + " octets exceeds " +
                    std::to_string(kMaxVariablePduSize));
    }
    header_tail(static_cast<uint16_t>(r->code), static_cast<uint32_t>(length));
    w.u32(static_cast<uint32_t>(r->pdu.size()));
    w.bytes(r->pdu);
    w.u32(static_cast<uint32_t>(r->text.size()));
    w.bytes(std::span(reinterpret_cast<const uint8_t*>(r->text.data()), r->text.size()));
  }
  return out;
}

Pdu error_report(uint8_t version, ErrorCode code, std::span<const uint8_t> offending,
                 std::string text) {
  constexpr size_t kRoom = kMaxVariablePduSize - kErrorReportMinSize;
  if (text.size() > kRoom / 2) text.resize(kRoom / 2);
  ErrorReport report;
  report.code = code;
  offending = offending.first(std::min(offending.size(), kRoom - text.size()));
  report.pdu.assign(offending.begin(), offending.end());
  report.text = std::move(text);
  return Pdu{std::min(version, kMaxVersion), std::move(report)};
}

}  // namespace byoipd::rpki::rtr
