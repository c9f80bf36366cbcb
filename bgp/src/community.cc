#include "byoipd/bgp/community.h"

#include <charconv>

namespace byoipd::bgp {

namespace {

struct WellKnown {
  const char* name;
  uint32_t value;
};
constexpr WellKnown kWellKnown[] = {
    {"no-export", 0xFFFFFF01},            // RFC 1997
    {"no-advertise", 0xFFFFFF02},         // RFC 1997
    {"no-export-subconfed", 0xFFFFFF03},  // RFC 1997
    {"blackhole", 0xFFFF029A},            // RFC 7999
    {"graceful-shutdown", 0xFFFF0000},    // RFC 8326
};

bool parse_u32(std::string_view text, uint64_t max, uint32_t& out) {
  if (text.empty() || text.size() > 10) return false;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v > max) return false;
  out = static_cast<uint32_t>(v);
  return true;
}

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == sep) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

}  // namespace

Result<uint32_t> parse_community(std::string_view text) {
  for (const auto& w : kWellKnown) {
    if (text == w.name) return w.value;
  }
  auto parts = split(text, ':');
  uint32_t high = 0, low = 0;
  if (parts.size() != 2 || !parse_u32(parts[0], 0xffff, high) || !parse_u32(parts[1], 0xffff, low)) {
    return Status(Code::kInvalidArgument, "invalid-community",
                  "'" + std::string(text) +
                      "' is not a BGP community (RFC 1997): write ASN:VALUE with both parts "
                      "0-65535, e.g. 65000:100, or one of no-export, no-advertise, "
                      "no-export-subconfed, blackhole, graceful-shutdown");
  }
  return (high << 16) | low;
}

std::string community_to_string(uint32_t community) {
  for (const auto& w : kWellKnown) {
    if (community == w.value) return w.name;
  }
  return std::to_string(community >> 16) + ":" + std::to_string(community & 0xffff);
}

Result<LargeCommunity> parse_large_community(std::string_view text) {
  auto parts = split(text, ':');
  LargeCommunity c;
  if (parts.size() != 3 || !parse_u32(parts[0], 0xffffffff, c.global_admin) ||
      !parse_u32(parts[1], 0xffffffff, c.local1) || !parse_u32(parts[2], 0xffffffff, c.local2)) {
    return Status(Code::kInvalidArgument, "invalid-large-community",
                  "'" + std::string(text) +
                      "' is not a large community (RFC 8092): write GLOBAL:LOCAL1:LOCAL2 with "
                      "each part 0-4294967295, e.g. 65000:1:2");
  }
  return c;
}

std::string large_community_to_string(const LargeCommunity& c) {
  return std::to_string(c.global_admin) + ":" + std::to_string(c.local1) + ":" +
         std::to_string(c.local2);
}

std::string as_path_to_string(const std::vector<AsPathSegment>& path) {
  std::string out;
  for (const auto& segment : path) {
    if (segment.asns.empty()) continue;
    if (!out.empty()) out += ' ';
    if (segment.type == AsPathSegment::Type::kSet) {
      out += '{';
      for (size_t i = 0; i < segment.asns.size(); ++i) {
        if (i) out += ',';
        out += std::to_string(segment.asns[i]);
      }
      out += '}';
    } else {
      for (size_t i = 0; i < segment.asns.size(); ++i) {
        if (i) out += ' ';
        out += std::to_string(segment.asns[i]);
      }
    }
  }
  return out;
}

std::string_view origin_name(Origin origin) {
  switch (origin) {
    case Origin::kIgp: return "igp";
    case Origin::kEgp: return "egp";
    case Origin::kIncomplete: return "incomplete";
  }
  return "unknown";
}

std::string family_name(AfiSafi family) {
  return family.afi == Afi::kIpv4 ? "ipv4-unicast" : "ipv6-unicast";
}

}  // namespace byoipd::bgp
