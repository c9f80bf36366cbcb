// Autonomous System numbers (RFC 6793 4-octet), in asplain and asdot text.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "byoipd/common/status.h"

namespace byoipd {

class Asn {
 public:
  static constexpr uint32_t kTrans = 23456;  // AS_TRANS, RFC 6793 section 9

  constexpr Asn() = default;
  constexpr explicit Asn(uint32_t value) : value_(value) {}

  // Accepts asplain ("64512", "4200000000"), asdot ("1.10" = 65546, RFC 5396)
  // and an optional "AS" prefix in either case ("AS64512", "as1.10").
  static Result<Asn> parse(std::string_view text);

  constexpr uint32_t value() const { return value_; }
  constexpr bool is_four_octet() const { return value_ > 0xffff; }
  // RFC 6996 / RFC 7300 private-use ranges.
  constexpr bool is_private() const {
    return (value_ >= 64512 && value_ <= 65534) ||
           (value_ >= 4200000000u && value_ <= 4294967294u);
  }
  // RFC 7607 AS0, RFC 7300 last ASNs, AS_TRANS, RFC 5398 documentation ranges.
  constexpr bool is_reserved() const {
    return value_ == 0 || value_ == kTrans || value_ == 65535 || value_ == 4294967295u ||
           (value_ >= 64496 && value_ <= 64511) || (value_ >= 65536 && value_ <= 65551);
  }

  std::string to_string() const { return std::to_string(value_); }  // asplain
  // RFC 5396 asdot: plain below 65536, "high.low" above.
  std::string to_asdot() const;

  friend constexpr auto operator<=>(const Asn&, const Asn&) = default;

 private:
  uint32_t value_ = 0;
};

}  // namespace byoipd
