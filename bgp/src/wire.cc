// Framing, message dispatch and the UPDATE layout (RFC 4271 sections 4.1,
// 4.3, 6.1, 6.3 and RFC 7606).
#include "byoipd/bgp/wire.h"

#include <algorithm>

#include "codec.h"

namespace byoipd::bgp {

namespace internal {

DecodeError make_error(ErrorCode code, uint8_t subcode, std::vector<uint8_t> data,
                       std::string reason) {
  return DecodeError{static_cast<uint8_t>(code), subcode, std::move(data), std::move(reason)};
}

DecodeResult failed(DecodeError error) {
  DecodeResult r;
  r.action = Action::kSessionReset;
  r.error = std::move(error);
  return r;
}

DecodeResult decoded(Message message) {
  DecodeResult r;
  r.message = std::move(message);
  return r;
}

Status encode_error(const char* reason, std::string message) {
  return Status(Code::kInvalidArgument, reason, std::move(message));
}

std::string hex8(uint8_t v) {
  const char* digits = "0123456789abcdef";
  return std::string("0x") + digits[v >> 4] + digits[v & 0xf];
}

}  // namespace internal

using internal::Bytes;
using internal::make_error;
using internal::Reader;
using internal::Writer;

std::vector<AfiSafi> unicast_families() {
  return {{Afi::kIpv4, Safi::kUnicast}, {Afi::kIpv6, Safi::kUnicast}};
}

std::string_view action_name(Action action) {
  switch (action) {
    case Action::kNone: return "none";
    case Action::kAttributeDiscard: return "attribute-discard";
    case Action::kTreatAsWithdraw: return "treat-as-withdraw";
    case Action::kSessionReset: return "session-reset";
  }
  return "unknown";
}

std::string DecodeResult::reason() const {
  std::string out;
  auto add = [&](const std::string& r) {
    if (!out.empty()) out += "; ";
    out += r;
  };
  for (const auto& f : findings) add(f.error.reason);
  if (error && findings.empty()) add(error->reason);
  return out;
}

// ---- Framing -------------------------------------------------------------------

namespace {

DecodeError header_error(uint8_t sub, std::vector<uint8_t> data, std::string reason) {
  return make_error(ErrorCode::kMessageHeader, sub, std::move(data), std::move(reason));
}

const char* type_name(uint8_t type) {
  switch (type) {
    case 1: return "OPEN";
    case 2: return "UPDATE";
    case 3: return "NOTIFICATION";
    case 4: return "KEEPALIVE";
    case 5: return "ROUTE-REFRESH";
  }
  return "unknown";
}

}  // namespace

FrameResult frame(std::span<const uint8_t> buffered) {
  FrameResult out;
  if (buffered.size() < kHeaderSize) return out;
  for (size_t i = 0; i < 16; ++i) {
    if (buffered[i] != 0xff) {
      out.error = header_error(subcode::header::kConnectionNotSynchronized, {},
                               "marker octet " + std::to_string(i) + " is " +
                                   internal::hex8(buffered[i]) + ", not 0xff (RFC 4271 6.1)");
      return out;
    }
  }
  const uint16_t length = static_cast<uint16_t>((buffered[16] << 8) | buffered[17]);
  const uint8_t type = buffered[18];
  std::vector<uint8_t> length_field{buffered[16], buffered[17]};
  if (length < kHeaderSize || length > kMaxMessageSize) {
    out.error = header_error(subcode::header::kBadMessageLength, length_field,
                             "message length " + std::to_string(length) +
                                 " is outside 19..4096 (RFC 4271 6.1)");
    return out;
  }
  // Per-type minimums, RFC 4271 6.1. ROUTE-REFRESH's exact length is checked
  // by decode (RFC 7313 section 5 wants the whole message as data).
  size_t minimum = 0;
  switch (static_cast<MessageType>(type)) {
    case MessageType::kOpen: minimum = 29; break;
    case MessageType::kUpdate: minimum = 23; break;
    case MessageType::kNotification: minimum = 21; break;
    case MessageType::kKeepalive: minimum = 19; break;
    case MessageType::kRouteRefresh: minimum = 19; break;
    default:
      out.error = header_error(subcode::header::kBadMessageType, {type},
                               "message type " + std::to_string(type) +
                                   " is not 1..5 (RFC 4271 6.1)");
      return out;
  }
  const bool keepalive = type == static_cast<uint8_t>(MessageType::kKeepalive);
  if (length < minimum || (keepalive && length != kHeaderSize)) {
    out.error = header_error(subcode::header::kBadMessageLength, length_field,
                             std::string(type_name(type)) + " length " + std::to_string(length) +
                                 (keepalive ? " is not 19" : " is below its minimum " +
                                                                 std::to_string(minimum)) +
                                 " (RFC 4271 6.1)");
    return out;
  }
  out.length = length;
  return out;
}

// ---- Decoding -------------------------------------------------------------------

DecodeResult decode(std::span<const uint8_t> message, const CodecOptions& options) {
  FrameResult f = frame(message);
  if (f.error) return internal::failed(std::move(*f.error));
  if (!f.length || *f.length != message.size()) {
    std::vector<uint8_t> data;
    if (message.size() >= 18) data = {message[16], message[17]};
    return internal::failed(header_error(
        subcode::header::kBadMessageLength, std::move(data),
        "message of " + std::to_string(message.size()) + " octets " +
            (f.length ? "disagrees with its length field " + std::to_string(*f.length)
                      : std::string("is shorter than the 19-octet header"))));
  }
  Bytes body = message.subspan(kHeaderSize);
  switch (static_cast<MessageType>(message[18])) {
    case MessageType::kOpen: return internal::decode_open(body);
    case MessageType::kUpdate: return internal::decode_update(body, options);
    case MessageType::kNotification: return internal::decode_notification(body);
    case MessageType::kKeepalive: return internal::decoded(Keepalive{});
    case MessageType::kRouteRefresh: return internal::decode_route_refresh(message);
  }
  return internal::failed(header_error(subcode::header::kBadMessageType, {message[18]},
                                       "message type out of range"));  // frame() refused it
}

namespace internal {

namespace {

DecodeResult update_reset(uint8_t sub, std::string reason) {
  return failed(make_error(ErrorCode::kUpdateMessage, sub, {}, std::move(reason)));
}

void add_missing(std::vector<UpdateFinding>& findings, uint8_t type, const char* name) {
  // RFC 7606 3.d; RFC 4271 6.3 would send Missing Well-known Attribute with
  // the type code as data.
  findings.push_back({Action::kTreatAsWithdraw, type,
                      make_error(ErrorCode::kUpdateMessage, subcode::update::kMissingWellKnownAttribute,
                                 {type},
                                 std::string("well-known mandatory attribute ") + name +
                                     " is missing (RFC 7606 3.d)")});
}

// RFC 7606 section 2: everything the update announced becomes a withdrawal.
Update as_withdraw(const Update& u) {
  Update w;
  w.withdrawn = u.withdrawn;
  std::vector<Prefix> v6;
  auto take = [&](const std::vector<Prefix>& prefixes) {
    for (const Prefix& p : prefixes) (p.family() == Family::kV4 ? w.withdrawn : v6).push_back(p);
  };
  take(u.nlri);
  const auto& a = u.attributes;
  bool v6_unreach = a.mp_unreach && a.mp_unreach->family.afi == Afi::kIpv6;
  if (a.mp_unreach) take(a.mp_unreach->withdrawn);
  if (a.mp_reach) take(a.mp_reach->nlri);
  if (v6_unreach || !v6.empty()) {
    w.attributes.mp_unreach = MpUnreach{{Afi::kIpv6, Safi::kUnicast}, std::move(v6)};
  }
  return w;
}

}  // namespace

// RFC 4271 6.3 with the RFC 7606 revisions.
DecodeResult decode_update(Bytes body, const CodecOptions& options) {
  Reader r(body);
  uint16_t withdrawn_length = 0, attributes_length = 0;
  Bytes withdrawn, attributes;
  if (!r.u16(withdrawn_length) || !r.bytes(withdrawn_length, withdrawn)) {
    return update_reset(subcode::update::kMalformedAttributeList,
                        "Withdrawn Routes Length " + std::to_string(withdrawn_length) +
                            " overruns the UPDATE (RFC 4271 6.3, RFC 7606 section 4)");
  }
  if (!r.u16(attributes_length) || !r.bytes(attributes_length, attributes)) {
    return update_reset(subcode::update::kMalformedAttributeList,
                        "Total Path Attribute Length " + std::to_string(attributes_length) +
                            " overruns the UPDATE (RFC 4271 6.3, RFC 7606 section 4)");
  }
  Bytes nlri = r.rest();
  Update u;
  if (auto why = read_prefixes(withdrawn, Family::kV4, u.withdrawn)) {
    return update_reset(subcode::update::kInvalidNetworkField,
                        "Withdrawn Routes: " + *why + " (RFC 7606 5.3)");
  }
  if (auto why = read_prefixes(nlri, Family::kV4, u.nlri)) {
    return update_reset(subcode::update::kInvalidNetworkField, "NLRI: " + *why + " (RFC 7606 5.3)");
  }
  DecodeResult out;
  decode_path_attributes(attributes, options, u.attributes, out.findings);
  for (const auto& f : out.findings) out.action = std::max(out.action, f.action);
  if (out.action == Action::kSessionReset) {
    for (const auto& f : out.findings) {
      if (f.action == Action::kSessionReset) {
        out.error = f.error;
        break;
      }
    }
    return out;
  }
  const PathAttributes& a = u.attributes;
  if (out.action < Action::kTreatAsWithdraw && (!u.nlri.empty() || a.mp_reach)) {
    // RFC 4271 5 and RFC 4760 section 3: ORIGIN and AS_PATH go with any
    // reachability; NEXT_HOP only with IPv4 NLRI in the NLRI field.
    if (!a.origin) add_missing(out.findings, attr::kOrigin, "ORIGIN");
    if (!a.as_path) add_missing(out.findings, attr::kAsPath, "AS_PATH");
    if (!u.nlri.empty() && !a.next_hop) add_missing(out.findings, attr::kNextHop, "NEXT_HOP");
    for (const auto& f : out.findings) out.action = std::max(out.action, f.action);
  }
  for (const auto& f : out.findings) {
    if (f.action == Action::kAttributeDiscard) out.discarded.push_back(f.attribute_type);
  }
  if (out.action == Action::kTreatAsWithdraw) {
    out.message = as_withdraw(u);
  } else {
    out.message = std::move(u);
  }
  return out;
}

// ---- Encoding -------------------------------------------------------------------

Status encode_update(const Update& u, const CodecOptions& options, Writer& w) {
  if (Status s = [&] {
        for (const auto* list : {&u.withdrawn, &u.nlri}) {
          for (const Prefix& p : *list) {
            if (p.family() != Family::kV4) {
              return encode_error("prefix-family-mismatch",
                                  "UPDATE " + std::string(list == &u.nlri ? "NLRI" : "Withdrawn Routes") +
                                      " holds " + p.to_string() + "; IPv6 goes in MP_REACH/MP_UNREACH");
            }
          }
        }
        return Status();
      }();
      !s.ok()) {
    return s;
  }
  size_t at = w.reserve_u16();
  for (const Prefix& p : u.withdrawn) write_prefix(w, p);
  w.patch_u16(at, static_cast<uint16_t>(w.size() - at - 2));
  at = w.reserve_u16();
  if (Status s = encode_path_attributes(u.attributes, options, w); !s.ok()) return s;
  const size_t attributes_length = w.size() - at - 2;
  if (attributes_length > 0xffff) {
    return encode_error("message-too-large", "path attributes of " +
                                                 std::to_string(attributes_length) + " octets");
  }
  w.patch_u16(at, static_cast<uint16_t>(attributes_length));
  for (const Prefix& p : u.nlri) write_prefix(w, p);
  return Status();
}

}  // namespace internal

Result<std::vector<uint8_t>> encode(const Message& message, const CodecOptions& options) {
  std::vector<uint8_t> out;
  Writer w(out);
  for (int i = 0; i < 16; ++i) w.u8(0xff);
  const size_t length_at = w.reserve_u16();
  static_assert(std::is_same_v<std::variant_alternative_t<4, Message>, RouteRefresh>);
  w.u8(static_cast<uint8_t>(message.index() + 1));  // variant order = type codes 1..5
  Status s = std::visit(
      [&](const auto& m) -> Status {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, Open>) return internal::encode_open(m, w);
        if constexpr (std::is_same_v<T, Update>) return internal::encode_update(m, options, w);
        if constexpr (std::is_same_v<T, Notification>) return internal::encode_notification(m, w);
        if constexpr (std::is_same_v<T, RouteRefresh>) return internal::encode_route_refresh(m, w);
        return Status();  // KEEPALIVE: header only
      },
      message);
  if (!s.ok()) return s;
  if (out.size() > kMaxMessageSize) {
    return internal::encode_error("message-too-large",
                                  "encoded message of " + std::to_string(out.size()) +
                                      " octets exceeds 4096 (RFC 4271 4.1); split it (split_update)");
  }
  w.patch_u16(length_at, static_cast<uint16_t>(out.size()));
  return out;
}

// ---- Splitting -----------------------------------------------------------------

namespace {

size_t encoded_size(const Update& u, const CodecOptions& options, Status& status) {
  std::vector<uint8_t> out;
  Writer w(out);
  status = internal::encode_update(u, options, w);
  return kHeaderSize + out.size();
}

// Fills `chunks` greedily: each prefix goes to the current update while it
// fits in `room` octets. `place` adds the prefix to an update.
template <typename Place>
void pack(const std::vector<Prefix>& prefixes, size_t room, const Update& empty,
          std::vector<Update>& chunks, size_t& used, Place place) {
  for (const Prefix& p : prefixes) {
    size_t need = internal::prefix_wire_size(p);
    if (chunks.empty() || used + need > room) {
      chunks.push_back(empty);
      used = 0;
    }
    place(chunks.back(), p);
    used += need;
  }
}

}  // namespace

Result<std::vector<Update>> split_update(const Update& update, const CodecOptions& options) {
  Status status;
  if (encoded_size(update, options, status) <= kMaxMessageSize && status.ok()) {
    return std::vector<Update>{update};
  }
  if (!status.ok()) return status;
  std::vector<Update> out;
  // Withdrawals travel without path attributes. The MP attribute's length
  // may take the extended form: 1 octet of slack.
  {
    Update empty;
    if (update.attributes.mp_unreach) {
      empty.attributes.mp_unreach = MpUnreach{update.attributes.mp_unreach->family, {}};
    }
    const size_t base = encoded_size(empty, options, status) + 1;
    const size_t room = kMaxMessageSize - base;
    std::vector<Update> chunks;
    size_t used = 0;
    pack(update.withdrawn, room, empty, chunks, used,
         [](Update& c, const Prefix& p) { c.withdrawn.push_back(p); });
    if (update.attributes.mp_unreach) {
      pack(update.attributes.mp_unreach->withdrawn, room, empty, chunks, used,
           [](Update& c, const Prefix& p) { c.attributes.mp_unreach->withdrawn.push_back(p); });
    }
    for (auto& c : chunks) {
      // A chunk of classic withdrawals only must not look like an End-of-RIB.
      if (c.attributes.mp_unreach && c.attributes.mp_unreach->withdrawn.empty()) {
        c.attributes.mp_unreach.reset();
      }
      out.push_back(std::move(c));
    }
  }
  const bool announces = !update.nlri.empty() || update.attributes.mp_reach;
  if (announces) {
    Update empty;
    empty.attributes = update.attributes;
    empty.attributes.mp_unreach.reset();
    if (empty.attributes.mp_reach) empty.attributes.mp_reach->nlri.clear();
    const size_t base = encoded_size(empty, options, status) + 1;
    if (!status.ok()) return status;
    if (base >= kMaxMessageSize - 5) {
      return internal::encode_error("message-too-large",
                                    "path attributes alone need " + std::to_string(base) +
                                        " of the 4096 octets an UPDATE may use");
    }
    const size_t room = kMaxMessageSize - base;
    std::vector<Update> chunks;
    size_t used = 0;
    pack(update.nlri, room, empty, chunks, used,
         [](Update& c, const Prefix& p) { c.nlri.push_back(p); });
    if (update.attributes.mp_reach) {
      pack(update.attributes.mp_reach->nlri, room, empty, chunks, used,
           [](Update& c, const Prefix& p) { c.attributes.mp_reach->nlri.push_back(p); });
    }
    for (auto& c : chunks) {
      if (c.attributes.mp_reach && c.attributes.mp_reach->nlri.empty() && !c.nlri.empty()) {
        c.attributes.mp_reach.reset();
      }
      out.push_back(std::move(c));
    }
  }
  return out;
}

// ---- OPEN checks ----------------------------------------------------------------

std::optional<DecodeError> check_peer_as(const Open& open, uint32_t expected_asn) {
  if (open.asn() == expected_asn) return std::nullopt;
  return make_error(ErrorCode::kOpenMessage, subcode::open::kBadPeerAs, {},
                    "peer AS " + std::to_string(open.asn()) + " is not the configured AS " +
                        std::to_string(expected_asn) + " (RFC 4271 6.2)");
}

std::optional<DecodeError> check_bgp_identifier(const Open& open, uint32_t local_identifier,
                                                bool internal_peer) {
  if (!internal_peer || open.bgp_identifier != local_identifier) return std::nullopt;
  return make_error(ErrorCode::kOpenMessage, subcode::open::kBadBgpIdentifier, {},
                    "internal peer uses our own BGP Identifier " +
                        IpAddress::v4(local_identifier).to_string() + " (RFC 6286 2.2)");
}

CodecOptions codec_options_for(const Open& local, const Open& remote) {
  CodecOptions o;
  o.four_octet_as = local.capabilities.four_octet_as.has_value() &&
                    remote.capabilities.four_octet_as.has_value();
  const AfiSafi ipv4{Afi::kIpv4, Safi::kUnicast};
  auto listed = [&](const Open& open) {
    const auto& mp = open.capabilities.multiprotocol;
    return mp.empty() ? std::vector<AfiSafi>{ipv4} : mp;  // RFC 4760 section 8
  };
  const auto ours = listed(local), theirs = listed(remote);
  o.families.clear();
  for (const AfiSafi& f : ours) {
    if (internal::family_of(f) && std::find(theirs.begin(), theirs.end(), f) != theirs.end()) {
      o.families.push_back(f);
    }
  }
  return o;
}

}  // namespace byoipd::bgp
