// Text forms of BGP communities, as operators write them in config and API
// calls: RFC 1997 "65000:100" (and the well-known names), RFC 8092
// "65000:1:2", and AS_PATH as "65001 3356 {64500,64501}".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "byoipd/bgp/message.h"
#include "byoipd/common/status.h"

namespace byoipd::bgp {

// "asn:value" with 16-bit halves, or a well-known name: no-export,
// no-advertise, no-export-subconfed (RFC 1997), blackhole (RFC 7999),
// graceful-shutdown (RFC 8326). Fails with "invalid-community".
Result<uint32_t> parse_community(std::string_view text);
// Well-known communities print by name, others as "asn:value".
std::string community_to_string(uint32_t community);

// "global:local1:local2", three unsigned 32-bit numbers. Fails with
// "invalid-large-community".
Result<LargeCommunity> parse_large_community(std::string_view text);
std::string large_community_to_string(const LargeCommunity& community);

// "65001 3356 {64500,64501}" (AS_SET members in braces).
std::string as_path_to_string(const std::vector<AsPathSegment>& path);

std::string_view origin_name(Origin origin);  // "igp", "egp", "incomplete"
std::string family_name(AfiSafi family);      // "ipv4-unicast", "ipv6-unicast"

}  // namespace byoipd::bgp
