// Byte builders shared by the codec tests: messages are assembled octet by
// octet here so the tests read like packet captures.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "byoipd/bgp/wire.h"

namespace byoipd::bgp::testing {

using Bytes = std::vector<uint8_t>;

inline CodecOptions four_octet() { return CodecOptions{}; }
inline CodecOptions two_octet() {
  CodecOptions o;
  o.four_octet_as = false;
  return o;
}

inline Prefix P(const char* text) { return Prefix::parse(text).value(); }
inline IpAddress A(const char* text) { return IpAddress::parse(text).value(); }

inline Bytes from_hex(const std::string& hex) {
  Bytes out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// A whole message: marker, length, type, body.
inline Bytes message(uint8_t type, const Bytes& body) {
  Bytes out(16, 0xff);
  size_t length = 19 + body.size();
  out.push_back(static_cast<uint8_t>(length >> 8));
  out.push_back(static_cast<uint8_t>(length));
  out.push_back(type);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

inline Bytes be16(uint16_t v) { return {static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)}; }
inline Bytes be32(uint32_t v) {
  return {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 8),
          static_cast<uint8_t>(v)};
}

// One path attribute; the Extended Length bit in `flags` selects a 2-octet length.
inline Bytes attribute(uint8_t flags, uint8_t type, const Bytes& value) {
  Bytes out{flags, type};
  if (flags & attr::kFlagExtendedLength) {
    out.push_back(static_cast<uint8_t>(value.size() >> 8));
  }
  out.push_back(static_cast<uint8_t>(value.size()));
  out.insert(out.end(), value.begin(), value.end());
  return out;
}

// An UPDATE message from its three fields.
inline Bytes update(const Bytes& withdrawn, const Bytes& attributes, const Bytes& nlri) {
  return message(2, cat({be16(static_cast<uint16_t>(withdrawn.size())), withdrawn,
                         be16(static_cast<uint16_t>(attributes.size())), attributes, nlri}));
}

// Common attributes, 4-octet AS encoding unless named otherwise.
inline Bytes origin_igp() { return attribute(0x40, attr::kOrigin, {0}); }
inline Bytes as_path4(std::initializer_list<uint32_t> asns, uint8_t seg = 2) {
  Bytes v{seg, static_cast<uint8_t>(asns.size())};
  for (uint32_t a : asns) v = cat({v, be32(a)});
  return attribute(0x40, attr::kAsPath, v);
}
inline Bytes as_path2(std::initializer_list<uint16_t> asns, uint8_t seg = 2) {
  Bytes v{seg, static_cast<uint8_t>(asns.size())};
  for (uint16_t a : asns) v = cat({v, be16(a)});
  return attribute(0x40, attr::kAsPath, v);
}
inline Bytes next_hop_192_0_2_1() { return attribute(0x40, attr::kNextHop, {192, 0, 2, 1}); }
inline Bytes mandatory4() { return cat({origin_igp(), as_path4({65001}), next_hop_192_0_2_1()}); }
inline Bytes nlri_198_51_100() { return {24, 198, 51, 100}; }
// MP_REACH_NLRI for IPv6 unicast, next hop 2001:db8::1, NLRI 2001:db8:1::/48.
inline Bytes mp_reach_v6_value() {
  return {0, 2, 1, 16, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
          0, 48, 0x20, 0x01, 0x0d, 0xb8, 0, 1};
}
inline Bytes mp_reach_v6() { return attribute(0x80, attr::kMpReachNlri, mp_reach_v6_value()); }

inline DecodeResult decode_bytes(const Bytes& b, const CodecOptions& o = four_octet()) {
  return decode(std::span<const uint8_t>(b), o);
}

inline Bytes encode_ok(const Message& m, const CodecOptions& o = four_octet()) {
  auto r = encode(m, o);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? r.value() : Bytes{};
}

// Encodes, decodes and returns the decoded message (which must be clean).
inline Message round_trip(const Message& m, const CodecOptions& o = four_octet()) {
  Bytes b = encode_ok(m, o);
  DecodeResult r = decode_bytes(b, o);
  EXPECT_TRUE(r.ok()) << r.reason();
  EXPECT_EQ(r.action, Action::kNone) << r.reason();
  return r.ok() ? *r.message : Message{};
}

inline const Update& as_update(const DecodeResult& r) { return std::get<Update>(*r.message); }

}  // namespace byoipd::bgp::testing
