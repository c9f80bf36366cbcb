#include "byoipd/common/ip.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace byoipd {

std::string_view family_name(Family f) { return f == Family::kV4 ? "ipv4" : "ipv6"; }

Result<Family> parse_family(std::string_view text) {
  if (text == "ipv4") return Family::kV4;
  if (text == "ipv6") return Family::kV6;
  return Status(Code::kInvalidArgument, "invalid-address-family",
                "address family '" + std::string(text) + "' is not one of: ipv4, ipv6");
}

std::string u128_to_string(u128 v) {
  if (v == 0) return "0";
  std::string out;
  while (v != 0) {
    out.push_back(static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

static Status bad_address(std::string_view text) {
  return Status(Code::kInvalidArgument, "invalid-ip-address",
                std::string("'").append(text) +
                    "' is not an IPv4 (dotted quad) or IPv6 (RFC 4291) address");
}

Result<IpAddress> IpAddress::parse(std::string_view text) {
  // inet_pton reads a C string: an embedded NUL would hide the rest of the text.
  if (text.empty() || text.size() > INET6_ADDRSTRLEN ||
      text.find('\0') != std::string_view::npos) {
    return bad_address(text);
  }
  char buf[INET6_ADDRSTRLEN + 1];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  if (text.find(':') == std::string_view::npos) {
    // glibc's inet_pton(AF_INET) accepts exactly four decimal octets and
    // refuses leading zeros, which is the strictness we want.
    in_addr a4;
    if (inet_pton(AF_INET, buf, &a4) != 1) return bad_address(text);
    return IpAddress::v4(ntohl(a4.s_addr));
  }
  in6_addr a6;
  if (inet_pton(AF_INET6, buf, &a6) != 1) return bad_address(text);
  u128 v = 0;
  for (unsigned char byte : a6.s6_addr) v = (v << 8) | byte;
  return IpAddress::v6(v);
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN];
  if (family_ == Family::kV4) {
    in_addr a4;
    a4.s_addr = htonl(static_cast<uint32_t>(value_));
    inet_ntop(AF_INET, &a4, buf, sizeof buf);
  } else if ((value_ >> 32) == 0 && (value_ >> 16) != 0) {
    // ::/96 with word 6 set: glibc would print the deprecated IPv4-compatible
    // form ("::10.0.0.0"); RFC 5952 section 5 keeps dotted quads for known
    // IPv4-embedded addresses (such as ::ffff:0:0/96) only.
    std::snprintf(buf, sizeof buf, "::%x:%x", static_cast<unsigned>(value_ >> 16),
                  static_cast<unsigned>(value_ & 0xffff));
  } else {
    in6_addr a6;
    u128 v = value_;
    for (int i = 15; i >= 0; --i) {
      a6.s6_addr[i] = static_cast<unsigned char>(v & 0xff);
      v >>= 8;
    }
    inet_ntop(AF_INET6, &a6, buf, sizeof buf);
  }
  return buf;
}

Result<Prefix> Prefix::make(Family family, u128 network, int length) {
  int width = family_width(family);
  if (length < 0 || length > width) {
    return Status(Code::kInvalidArgument, "invalid-prefix-length",
                  "prefix length /" + std::to_string(length) + " is outside 0.." +
                      std::to_string(width) + " for " + std::string(family_name(family)));
  }
  if (family == Family::kV4 && (network >> 32) != 0) {
    return Status(Code::kInvalidArgument, "invalid-ip-address",
                  "IPv4 network value does not fit in 32 bits");
  }
  u128 host = host_mask_for(width, length);
  if ((network & host) != 0) {
    Prefix canonical(family, network & ~host, length);
    Prefix given(family, network, length);
    return Status(Code::kInvalidArgument, "non-canonical-prefix",
                  given.address().to_string() + "/" + std::to_string(length) +
                      " has host bits set (rule: a prefix must be canonical); did you mean " +
                      canonical.to_string() + "?");
  }
  return Prefix(family, network, length);
}

Result<Prefix> Prefix::parse(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return Status(Code::kInvalidArgument, "invalid-prefix",
                  std::string("'").append(text) +
                      "' has no prefix length (expected ADDRESS/LENGTH, e.g. 10.0.0.0/16 or "
                      "2001:db8::/32)");
  }
  std::string_view len_text = text.substr(slash + 1);
  if (len_text.empty() || len_text.size() > 3 || (len_text.size() > 1 && len_text[0] == '0') ||
      !std::all_of(len_text.begin(), len_text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Status(Code::kInvalidArgument, "invalid-prefix-length",
                  std::string("'").append(text).append("' has prefix length '").append(len_text) +
                      "' (expected a decimal number without leading zeros)");
  }
  int length = 0;
  for (char c : len_text) length = length * 10 + (c - '0');
  Result<IpAddress> addr = IpAddress::parse(text.substr(0, slash));
  if (!addr.ok()) return addr.status();
  return make(addr->family(), addr->value(), length);
}

Prefix Prefix::containing(IpAddress addr, int length) {
  int width = addr.width();
  length = std::clamp(length, 0, width);
  return Prefix(addr.family(), addr.value() & ~host_mask_for(width, length), length);
}

IpAddress Prefix::address() const {
  return family_ == Family::kV4 ? IpAddress::v4(static_cast<uint32_t>(network_))
                                : IpAddress::v6(network_);
}

u128 Prefix::host_mask() const { return host_mask_for(width(), length_); }

u128 Prefix::size() const {
  int host = width() - length_;
  if (host >= 128) return ~u128(0);
  return u128(1) << host;
}

bool Prefix::contains(const Prefix& other) const {
  return family_ == other.family_ && length_ <= other.length_ &&
         (other.network_ & ~host_mask()) == network_;
}

bool Prefix::contains(IpAddress addr) const {
  return family_ == addr.family() && (addr.value() & ~host_mask()) == network_;
}

bool Prefix::overlaps(const Prefix& other) const {
  return contains(other) || other.contains(*this);
}

Prefix Prefix::supernet(int len) const {
  return Prefix(family_, network_ & ~host_mask_for(width(), len), len);
}

Prefix Prefix::child(int which) const {
  int len = length_ + 1;
  u128 net = network_;
  if (which != 0) net |= u128(1) << (width() - len);
  return Prefix(family_, net, len);
}

Prefix Prefix::subnet(int len, u128 index) const {
  int shift = width() - len;
  u128 offset = shift >= 128 ? 0 : index << shift;
  return Prefix(family_, network_ | offset, len);
}

std::string Prefix::to_string() const {
  return address().to_string() + "/" + std::to_string(length_);
}

}  // namespace byoipd
