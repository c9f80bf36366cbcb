#include "byoipd/common/asn.h"

#include <optional>

namespace byoipd {
namespace {

std::optional<uint64_t> parse_decimal(std::string_view s, uint64_t max) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  if (s.size() > 1 && s[0] == '0') return std::nullopt;  // no leading zeros
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > max) return std::nullopt;
  return v;
}

}  // namespace

Result<Asn> Asn::parse(std::string_view text) {
  std::string_view s = text;
  if (s.size() >= 2 && (s[0] == 'A' || s[0] == 'a') && (s[1] == 'S' || s[1] == 's')) {
    s.remove_prefix(2);
  }
  auto refuse = [&] {
    return Status(Code::kInvalidArgument, "invalid-asn",
                  std::string("'").append(text) +
                      "' is not an AS number (expected asplain 0..4294967295 such as 64512, or "
                      "asdot such as 1.10)");
  };
  size_t dot = s.find('.');
  if (dot == std::string_view::npos) {
    auto v = parse_decimal(s, 0xffffffffu);
    if (!v) return refuse();
    return Asn(static_cast<uint32_t>(*v));
  }
  auto high = parse_decimal(s.substr(0, dot), 0xffff);
  auto low = parse_decimal(s.substr(dot + 1), 0xffff);
  if (!high || !low) return refuse();
  return Asn(static_cast<uint32_t>((*high << 16) | *low));
}

std::string Asn::to_asdot() const {
  if (value_ <= 0xffff) return std::to_string(value_);
  return std::to_string(value_ >> 16) + "." + std::to_string(value_ & 0xffff);
}

}  // namespace byoipd
