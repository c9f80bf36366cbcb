// IPv4 and IPv6 addresses and prefixes.
//
// Both families share one representation: the address as an unsigned 128-bit
// integer, right-aligned (an IPv4 address uses the low 32 bits). Bit i of a
// prefix counts from the most significant bit of the family's width, so tries
// and allocators can treat the two families alike.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "byoipd/common/status.h"

namespace byoipd {

__extension__ typedef unsigned __int128 u128;

enum class Family : unsigned char { kV4 = 4, kV6 = 6 };

constexpr int family_width(Family f) { return f == Family::kV4 ? 32 : 128; }
std::string_view family_name(Family f);  // "ipv4" / "ipv6"
Result<Family> parse_family(std::string_view text);

// Decimal text of a 128-bit count.
std::string u128_to_string(u128 v);

class IpAddress {
 public:
  IpAddress() = default;  // 0.0.0.0
  static IpAddress v4(uint32_t value) { return IpAddress(Family::kV4, value); }
  static IpAddress v6(u128 value) { return IpAddress(Family::kV6, value); }
  // Dotted quad or any RFC 4291 text form; leading zeros in IPv4 octets
  // are refused (they are octal to some parsers).
  static Result<IpAddress> parse(std::string_view text);

  Family family() const { return family_; }
  int width() const { return family_width(family_); }
  u128 value() const { return value_; }
  // RFC 5952 text for IPv6, dotted quad for IPv4.
  std::string to_string() const;

  friend bool operator==(const IpAddress&, const IpAddress&) = default;
  friend std::strong_ordering operator<=>(const IpAddress& a, const IpAddress& b) {
    if (a.family_ != b.family_) return a.family_ <=> b.family_;
    return a.value_ == b.value_   ? std::strong_ordering::equal
           : a.value_ < b.value_ ? std::strong_ordering::less
                                 : std::strong_ordering::greater;
  }

 private:
  IpAddress(Family f, u128 v) : value_(v), family_(f) {}
  u128 value_ = 0;
  Family family_ = Family::kV4;
};

// A canonical prefix: no bits set below the prefix length.
class Prefix {
 public:
  Prefix() = default;  // 0.0.0.0/0

  // Strict: "10.0.0.1/8" is refused (reason "non-canonical-prefix") with a
  // message naming the canonical network; a missing length is refused too.
  static Result<Prefix> parse(std::string_view text);
  // REQUIRES-checked: length within the family width, no host bits set.
  static Result<Prefix> make(Family family, u128 network, int length);
  // Clears host bits; for callers that mean "the block containing addr".
  static Prefix containing(IpAddress addr, int length);
  // The whole address space of a family (0.0.0.0/0 or ::/0).
  static Prefix root(Family family) { return Prefix(family, 0, 0); }

  Family family() const { return family_; }
  int width() const { return family_width(family_); }
  int length() const { return length_; }
  u128 network() const { return network_; }
  IpAddress address() const;
  u128 last() const { return network_ | host_mask(); }
  // Number of addresses; saturates at 2^128-1 for ::/0.
  u128 size() const;
  u128 host_mask() const;

  // Bit `i` of the network counted from the top of the family width (0-based).
  bool bit(int i) const { return ((network_ >> (width() - 1 - i)) & 1) != 0; }

  bool contains(const Prefix& other) const;
  bool contains(IpAddress addr) const;
  bool overlaps(const Prefix& other) const;

  // The enclosing prefix of the given shorter length. REQUIRES: len <= length().
  Prefix supernet(int len) const;
  // Child 0 (lower) or 1 (upper) one bit longer. REQUIRES: length() < width().
  Prefix child(int which) const;
  // Subnet number `index` of length `len` inside this prefix.
  // REQUIRES: length() <= len <= width(), index < 2^(len-length()).
  Prefix subnet(int len, u128 index) const;

  std::string to_string() const;

  friend bool operator==(const Prefix&, const Prefix&) = default;
  // Family, then network, then length (a covering prefix sorts first).
  friend std::strong_ordering operator<=>(const Prefix& a, const Prefix& b) {
    if (a.family_ != b.family_) return a.family_ <=> b.family_;
    if (a.network_ != b.network_)
      return a.network_ < b.network_ ? std::strong_ordering::less
                                     : std::strong_ordering::greater;
    return a.length_ <=> b.length_;
  }

 private:
  Prefix(Family f, u128 net, int len)
      : network_(net), length_(static_cast<unsigned char>(len)), family_(f) {}
  u128 network_ = 0;
  unsigned char length_ = 0;
  Family family_ = Family::kV4;
};

// Mask with the low (width - len) bits set.
inline u128 host_mask_for(int width, int len) {
  int host = width - len;
  if (host <= 0) return 0;
  if (host >= 128) return ~u128(0);
  return (u128(1) << host) - 1;
}

}  // namespace byoipd
