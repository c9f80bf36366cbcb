// OPEN (with capabilities), NOTIFICATION and ROUTE-REFRESH bodies, and the
// small helpers message.h declares.
#include <algorithm>

#include "codec.h"

namespace byoipd::bgp {

using internal::Bytes;
using internal::make_error;
using internal::Reader;
using internal::Writer;

namespace {

constexpr uint8_t kParamCapabilities = 2;  // RFC 5492 section 4
constexpr uint8_t kCapMultiprotocol = 1;
constexpr uint8_t kCapRouteRefresh = 2;
constexpr uint8_t kCapGracefulRestart = 64;
constexpr uint8_t kCapFourOctetAs = 65;
constexpr uint8_t kCapEnhancedRouteRefresh = 70;

DecodeResult open_error(uint8_t subcode, std::string reason, std::vector<uint8_t> data = {}) {
  return internal::failed(
      make_error(ErrorCode::kOpenMessage, subcode, std::move(data), std::move(reason)));
}

// A capability whose value does not have the layout its code requires. RFC
// 5492 names no subcode; RFC 4271 section 6.2 uses Unspecific (0) for a
// recognized but malformed optional parameter.
DecodeResult bad_capability(const char* name, uint8_t code, size_t length, const char* want) {
  return open_error(subcode::open::kUnspecific,
                    std::string("capability ") + name + " (" + std::to_string(code) +
                        ") has length " + std::to_string(length) + ", must be " + want +
                        " (RFC 4271 6.2: malformed optional parameter)");
}

// Parses one Capabilities optional parameter's value (RFC 5492 section 4).
std::optional<DecodeResult> read_capabilities(Bytes value, Capabilities& caps) {
  Reader r(value);
  while (!r.empty()) {
    uint8_t code = 0, length = 0;
    Bytes v;
    if (!r.u8(code) || !r.u8(length) || !r.bytes(length, v)) {
      return open_error(subcode::open::kUnspecific,
                        "capability " + std::to_string(code) + " overruns its optional parameter" +
                            " (RFC 5492 section 4)");
    }
    Reader cv(v);
    switch (code) {
      case kCapMultiprotocol: {  // RFC 4760 section 8
        uint16_t afi = 0;
        uint8_t reserved = 0, safi = 0;
        if (length != 4 || !cv.u16(afi) || !cv.u8(reserved) || !cv.u8(safi)) {
          return bad_capability("multiprotocol", code, length, "4");
        }
        AfiSafi f{static_cast<Afi>(afi), static_cast<Safi>(safi)};
        if (std::find(caps.multiprotocol.begin(), caps.multiprotocol.end(), f) ==
            caps.multiprotocol.end()) {
          caps.multiprotocol.push_back(f);
        }
        break;
      }
      case kCapRouteRefresh:  // RFC 2918 section 2
        if (length != 0) return bad_capability("route refresh", code, length, "0");
        caps.route_refresh = true;
        break;
      case kCapEnhancedRouteRefresh:  // RFC 7313 section 3
        if (length != 0) return bad_capability("enhanced route refresh", code, length, "0");
        caps.enhanced_route_refresh = true;
        break;
      case kCapFourOctetAs: {  // RFC 6793 section 3
        uint32_t asn = 0;
        if (length != 4 || !cv.u32(asn)) return bad_capability("4-octet AS", code, length, "4");
        if (asn == 0) {  // RFC 7607 section 3
          return open_error(subcode::open::kBadPeerAs,
                            "4-octet AS capability carries AS 0 (RFC 7607 section 3)");
        }
        if (!caps.four_octet_as) caps.four_octet_as = asn;  // the first one counts
        break;
      }
      case kCapGracefulRestart: {  // RFC 4724 section 3
        uint8_t hi = 0, lo = 0;
        if (length < 2 || (length - 2) % 4 != 0 || !cv.u8(hi) || !cv.u8(lo)) {
          return bad_capability("graceful restart", code, length, "2 + 4n");
        }
        GracefulRestart gr;
        gr.restart_state = (hi & 0x80) != 0;
        gr.restart_time = static_cast<uint16_t>(((hi & 0x0f) << 8) | lo);
        while (!cv.empty()) {
          uint16_t afi = 0;
          uint8_t safi = 0, flags = 0;
          if (!cv.u16(afi) || !cv.u8(safi) || !cv.u8(flags)) break;  // length checked above
          gr.families.push_back({{static_cast<Afi>(afi), static_cast<Safi>(safi)},
                                 (flags & 0x80) != 0});
        }
        caps.graceful_restart = std::move(gr);
        break;
      }
      default:  // RFC 5492 section 3: unknown capabilities are ignored (and kept)
        caps.unknown.push_back({code, std::vector<uint8_t>(v.begin(), v.end())});
    }
  }
  return std::nullopt;
}

}  // namespace

namespace internal {

// RFC 4271 section 6.2, in its order: version, peer AS, hold time,
// identifier, optional parameters.
DecodeResult decode_open(Bytes body) {
  Reader r(body);
  Open open;
  uint8_t opt_len = 0;
  if (!r.u8(open.version) || !r.u16(open.my_as) || !r.u16(open.hold_time) ||
      !r.u32(open.bgp_identifier) || !r.u8(opt_len)) {
    return open_error(subcode::open::kUnspecific, "OPEN body is shorter than 10 octets");
  }
  if (open.version != 4) {
    // Data: the largest supported version below the one bid, as 2 octets.
    return open_error(subcode::open::kUnsupportedVersion,
                      "OPEN version " + std::to_string(open.version) +
                          " is not supported; only version 4 is (RFC 4271 6.2)",
                      {0, 4});
  }
  if (open.my_as == 0) {
    return open_error(subcode::open::kBadPeerAs,
                      "OPEN My Autonomous System is 0 (RFC 7607 section 3)");
  }
  if (open.hold_time == 1 || open.hold_time == 2) {
    return open_error(subcode::open::kUnacceptableHoldTime,
                      "OPEN hold time " + std::to_string(open.hold_time) +
                          " s is not 0 and below 3 s (RFC 4271 4.2)");
  }
  if (open.bgp_identifier == 0) {
    return open_error(subcode::open::kBadBgpIdentifier,
                      "OPEN BGP Identifier is 0; it must be a non-zero 4-octet value (RFC 6286 2.2)");
  }
  Bytes params;
  if (!r.bytes(opt_len, params) || !r.empty()) {
    return open_error(subcode::open::kUnspecific,
                      "Optional Parameters Length " + std::to_string(opt_len) + " disagrees with the " +
                          std::to_string(body.size() - 10) + " octets that follow it");
  }
  Reader pr(params);
  while (!pr.empty()) {
    uint8_t type = 0, length = 0;
    Bytes value;
    if (!pr.u8(type) || !pr.u8(length) || !pr.bytes(length, value)) {
      return open_error(subcode::open::kUnspecific,
                        "optional parameter " + std::to_string(type) +
                            " overruns Optional Parameters Length " + std::to_string(opt_len));
    }
    if (type != kParamCapabilities) {  // incl. RFC 9072 extended parameters (255)
      return open_error(subcode::open::kUnsupportedOptionalParameter,
                        "optional parameter type " + std::to_string(type) +
                            " is not supported; only Capabilities (2) is");
    }
    if (auto err = read_capabilities(value, open.capabilities)) return std::move(*err);
  }
  return decoded(std::move(open));
}

Status encode_open(const Open& open, Writer& w) {
  const Capabilities& c = open.capabilities;
  std::vector<uint8_t> caps;
  Writer cw(caps);
  for (const AfiSafi& f : c.multiprotocol) {
    cw.u8(kCapMultiprotocol);
    cw.u8(4);
    cw.u16(static_cast<uint16_t>(f.afi));
    cw.u8(0);
    cw.u8(static_cast<uint8_t>(f.safi));
  }
  if (c.route_refresh) {
    cw.u8(kCapRouteRefresh);
    cw.u8(0);
  }
  if (c.graceful_restart) {
    const GracefulRestart& gr = *c.graceful_restart;
    if (gr.restart_time > 0x0fff || gr.families.size() > 63) {
      return encode_error("graceful-restart-out-of-range",
                          "graceful restart time " + std::to_string(gr.restart_time) +
                              " exceeds 4095 s or more than 63 families (RFC 4724 section 3)");
    }
    cw.u8(kCapGracefulRestart);
    cw.u8(static_cast<uint8_t>(2 + 4 * gr.families.size()));
    cw.u8(static_cast<uint8_t>((gr.restart_state ? 0x80 : 0) | (gr.restart_time >> 8)));
    cw.u8(static_cast<uint8_t>(gr.restart_time & 0xff));
    for (const auto& f : gr.families) {
      cw.u16(static_cast<uint16_t>(f.family.afi));
      cw.u8(static_cast<uint8_t>(f.family.safi));
      cw.u8(f.forwarding_preserved ? 0x80 : 0);
    }
  }
  if (c.four_octet_as) {
    cw.u8(kCapFourOctetAs);
    cw.u8(4);
    cw.u32(*c.four_octet_as);
  }
  if (c.enhanced_route_refresh) {
    cw.u8(kCapEnhancedRouteRefresh);
    cw.u8(0);
  }
  for (const UnknownCapability& u : c.unknown) {
    if (u.value.size() > 255) {
      return encode_error("capability-too-long", "capability " + std::to_string(u.code) +
                                                     " value of " + std::to_string(u.value.size()) +
                                                     " octets exceeds 255");
    }
    cw.u8(u.code);
    cw.u8(static_cast<uint8_t>(u.value.size()));
    cw.bytes(u.value);
  }
  // One Capabilities parameter; RFC 9072 extended parameters are not sent.
  if (!caps.empty() && caps.size() + 2 > 255) {
    return encode_error("capabilities-too-long",
                        std::to_string(caps.size()) +
                            " octets of capabilities exceed the 253 one optional parameter holds");
  }
  w.u8(open.version);
  w.u16(open.my_as);
  w.u16(open.hold_time);
  w.u32(open.bgp_identifier);
  if (caps.empty()) {
    w.u8(0);
  } else {
    w.u8(static_cast<uint8_t>(caps.size() + 2));
    w.u8(kParamCapabilities);
    w.u8(static_cast<uint8_t>(caps.size()));
    w.bytes(caps);
  }
  return Status();
}

// RFC 4271 section 4.5. Nothing in a NOTIFICATION is answered with another
// one (section 6.4), so any body of 2+ octets decodes.
DecodeResult decode_notification(Bytes body) {
  Reader r(body);
  Notification n;
  if (!r.u8(n.code) || !r.u8(n.subcode)) {
    return failed(make_error(ErrorCode::kMessageHeader, subcode::header::kBadMessageLength, {},
                             "NOTIFICATION body is shorter than 2 octets"));
  }
  Bytes data = r.rest();
  n.data.assign(data.begin(), data.end());
  return decoded(std::move(n));
}

Status encode_notification(const Notification& n, Writer& w) {
  if (n.data.size() > kMaxMessageSize - kHeaderSize - 2) {
    return encode_error("message-too-large",
                        "NOTIFICATION data of " + std::to_string(n.data.size()) +
                            " octets exceeds the 4075 a message holds");
  }
  w.u8(n.code);
  w.u8(n.subcode);
  w.bytes(n.data);
  return Status();
}

// RFC 2918 section 3 with the RFC 7313 section 3 Message Subtype. A subtype
// other than 0-2 decodes; RFC 7313 section 5 says the receiver ignores it.
DecodeResult decode_route_refresh(Bytes whole) {
  if (whole.size() != kHeaderSize + 4) {  // RFC 7313 section 5
    return failed(make_error(ErrorCode::kRouteRefresh, subcode::route_refresh::kInvalidMessageLength,
                             std::vector<uint8_t>(whole.begin(), whole.end()),
                             "ROUTE-REFRESH length " + std::to_string(whole.size()) +
                                 " is not 23 (RFC 7313 section 5)"));
  }
  Reader r(whole.subspan(kHeaderSize));
  uint16_t afi = 0;
  uint8_t subtype = 0, safi = 0;
  (void)(r.u16(afi) && r.u8(subtype) && r.u8(safi));  // 4 octets, checked above
  return decoded(RouteRefresh{{static_cast<Afi>(afi), static_cast<Safi>(safi)}, subtype});
}

Status encode_route_refresh(const RouteRefresh& rr, Writer& w) {
  w.u16(static_cast<uint16_t>(rr.family.afi));
  w.u8(rr.subtype);
  w.u8(static_cast<uint8_t>(rr.family.safi));
  return Status();
}

}  // namespace internal

// ---- message.h helpers -------------------------------------------------------

std::optional<AfiSafi> Update::end_of_rib() const {
  if (!withdrawn.empty() || !nlri.empty()) return std::nullopt;
  if (attributes == PathAttributes{}) return AfiSafi{Afi::kIpv4, Safi::kUnicast};
  const auto& unreach = attributes.mp_unreach;
  if (!unreach || !unreach->withdrawn.empty()) return std::nullopt;
  PathAttributes only_unreach;
  only_unreach.mp_unreach = unreach;
  if (attributes == only_unreach) return unreach->family;
  return std::nullopt;
}

namespace {

// Length of the UTF-8 sequence starting at s[i], or 0 when it is not a valid
// one (RFC 3629 section 4: no overlongs, no surrogates, at most U+10FFFF).
size_t utf8_sequence(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b = byte(i);
  size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xe ? 3 : (b >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  if (n == 1) return 1;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
  }
  unsigned char b1 = byte(i + 1);
  if (n == 2 && b < 0xc2) return 0;                                 // overlong
  if (n == 3 && b == 0xe0 && b1 < 0xa0) return 0;                   // overlong
  if (n == 3 && b == 0xed && b1 >= 0xa0) return 0;                  // surrogate
  if (n == 4 && (b > 0xf4 || (b == 0xf0 && b1 < 0x90) || (b == 0xf4 && b1 >= 0x90))) return 0;
  return n;
}

bool is_shutdown_cease(uint8_t code, uint8_t subcode) {
  // Administrative Shutdown (2) and Administrative Reset (4), RFC 9003 section 2.
  return code == static_cast<uint8_t>(ErrorCode::kCease) && (subcode == 2 || subcode == 4);
}

}  // namespace

std::optional<std::string> Notification::shutdown_message() const {
  if (!is_shutdown_cease(code, subcode) || data.empty()) return std::nullopt;
  size_t length = data[0];
  if (length + 1 > data.size()) return std::nullopt;  // RFC 9003 section 3: log, never answer
  std::string text(data.begin() + 1, data.begin() + 1 + static_cast<std::ptrdiff_t>(length));
  for (size_t i = 0; i < text.size();) {
    size_t n = utf8_sequence(text, i);
    if (n == 0) return std::nullopt;
    i += n;
  }
  return text;
}

Notification Notification::cease_with_message(uint8_t subcode, const std::string& message) {
  // At most 255 octets (RFC 9003 section 2), cut at a character boundary.
  size_t end = 0;
  while (end < message.size()) {
    size_t n = utf8_sequence(message, end);
    if (n == 0 || end + n > 255) break;
    end += n;
  }
  Notification n{static_cast<uint8_t>(ErrorCode::kCease), subcode, std::vector<uint8_t>(end + 1)};
  n.data[0] = static_cast<uint8_t>(end);
  for (size_t i = 0; i < end; ++i) n.data[i + 1] = static_cast<uint8_t>(message[i]);
  return n;
}

}  // namespace byoipd::bgp
