// Internals shared by the codec's translation units: wire.cc (framing,
// dispatch, UPDATE layout), messages.cc (OPEN, NOTIFICATION, ROUTE-REFRESH)
// and attributes.cc (path attributes and NLRI).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "byoipd/bgp/wire.h"
#include "reader.h"

namespace byoipd::bgp::internal {

using Bytes = std::span<const uint8_t>;

DecodeError make_error(ErrorCode code, uint8_t subcode, std::vector<uint8_t> data,
                       std::string reason);
DecodeResult failed(DecodeError error);
DecodeResult decoded(Message message);
Status encode_error(const char* reason, std::string message);

std::string hex8(uint8_t v);  // "0x1f"

// ---- NLRI (RFC 4271 section 4.3, RFC 4760 section 5) ------------------------

// Appends the prefixes encoded in `bytes`; host bits past a prefix's length
// are cleared. Returns why the field is malformed, if it is.
std::optional<std::string> read_prefixes(Bytes bytes, Family family, std::vector<Prefix>& out);
// Length octet plus the minimal number of address octets.
void write_prefix(Writer& w, const Prefix& prefix);
inline size_t prefix_wire_size(const Prefix& p) { return 1 + (static_cast<size_t>(p.length()) + 7) / 8; }

std::optional<Family> family_of(AfiSafi family);  // IPv4/IPv6 unicast only

// ---- Path attributes --------------------------------------------------------

// Parses the Path Attributes field into `out`, appending one finding per
// error with its RFC 7606 action. Runs the RFC 6793 section 4.2.3
// reconciliation on 2-octet sessions.
void decode_path_attributes(Bytes area, const CodecOptions& options, PathAttributes& out,
                            std::vector<UpdateFinding>& findings);
Status encode_path_attributes(const PathAttributes& attrs, const CodecOptions& options,
                              Writer& w);

// ---- Message bodies (after the 19-octet header) -----------------------------

DecodeResult decode_open(Bytes body);
DecodeResult decode_update(Bytes body, const CodecOptions& options);
DecodeResult decode_notification(Bytes body);
DecodeResult decode_route_refresh(Bytes whole_message);

Status encode_open(const Open& open, Writer& w);
Status encode_update(const Update& update, const CodecOptions& options, Writer& w);
Status encode_notification(const Notification& notification, Writer& w);
Status encode_route_refresh(const RouteRefresh& refresh, Writer& w);

}  // namespace byoipd::bgp::internal
