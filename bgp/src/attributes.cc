// Path attributes (RFC 4271 section 4.3 and 5; RFC 1997, 4760, 6793, 8092)
// and their revised error handling (RFC 7606), plus NLRI prefixes.
#include <algorithm>
#include <array>

#include "codec.h"

namespace byoipd::bgp::internal {

// ---- NLRI ----------------------------------------------------------------------

std::optional<Family> family_of(AfiSafi f) {
  if (f.safi != Safi::kUnicast) return std::nullopt;
  if (f.afi == Afi::kIpv4) return Family::kV4;
  if (f.afi == Afi::kIpv6) return Family::kV6;
  return std::nullopt;
}

namespace {

IpAddress address_of(Family family, u128 value) {
  return family == Family::kV4 ? IpAddress::v4(static_cast<uint32_t>(value)) : IpAddress::v6(value);
}

// An address from exactly width/8 octets.
IpAddress read_address(Bytes bytes, Family family) {
  u128 v = 0;
  for (uint8_t b : bytes) v = (v << 8) | b;
  return address_of(family, v);
}

}  // namespace

std::optional<std::string> read_prefixes(Bytes bytes, Family family, std::vector<Prefix>& out) {
  const int width = family_width(family);
  Reader r(bytes);
  while (!r.empty()) {
    uint8_t length = 0;
    Bytes octets;
    (void)r.u8(length);
    if (length > width) {  // RFC 7606 section 5.3
      return "prefix length " + std::to_string(length) + " exceeds " + std::to_string(width);
    }
    size_t n = (length + 7u) / 8u;
    if (!r.bytes(n, octets)) {
      return "prefix of length " + std::to_string(length) + " needs " + std::to_string(n) +
             " octets, " + std::to_string(r.remaining()) + " remain";
    }
    u128 v = 0;
    for (uint8_t b : octets) v = (v << 8) | b;
    if (n != 0) v <<= (static_cast<size_t>(width) / 8 - n) * 8;
    // Bits past the length are irrelevant (RFC 4271 4.3): canonicalize.
    out.push_back(Prefix::containing(address_of(family, v), length));
  }
  return std::nullopt;
}

void write_prefix(Writer& w, const Prefix& p) {
  w.u8(static_cast<uint8_t>(p.length()));
  const int n = (p.length() + 7) / 8;
  for (int i = 0; i < n; ++i) {
    w.u8(static_cast<uint8_t>(p.network() >> (p.width() - 8 * (i + 1))));
  }
}

namespace {

// ---- Decoding -----------------------------------------------------------------

constexpr uint8_t kOptTrans = attr::kFlagOptional | attr::kFlagTransitive;

// How each interpreted attribute is checked and what RFC 7606 does when it
// is malformed.
struct AttributeRule {
  uint8_t type;
  const char* name;
  uint8_t flags;            // the Optional and Transitive bits it must carry
  Action malformed;         // RFC 7606 section 7.x
  Action flags_wrong;       // RFC 7606 section 3.c unless the attribute says otherwise
};

constexpr std::array<AttributeRule, 13> kRules = {{
    {attr::kOrigin, "ORIGIN", attr::kFlagTransitive, Action::kTreatAsWithdraw, Action::kTreatAsWithdraw},
    {attr::kAsPath, "AS_PATH", attr::kFlagTransitive, Action::kTreatAsWithdraw, Action::kTreatAsWithdraw},
    {attr::kNextHop, "NEXT_HOP", attr::kFlagTransitive, Action::kTreatAsWithdraw, Action::kTreatAsWithdraw},
    {attr::kMultiExitDisc, "MULTI_EXIT_DISC", attr::kFlagOptional, Action::kTreatAsWithdraw, Action::kTreatAsWithdraw},
    {attr::kLocalPref, "LOCAL_PREF", attr::kFlagTransitive, Action::kTreatAsWithdraw, Action::kTreatAsWithdraw},
    {attr::kAtomicAggregate, "ATOMIC_AGGREGATE", attr::kFlagTransitive, Action::kAttributeDiscard, Action::kTreatAsWithdraw},
    {attr::kAggregator, "AGGREGATOR", kOptTrans, Action::kAttributeDiscard, Action::kTreatAsWithdraw},
    {attr::kCommunities, "COMMUNITIES", kOptTrans, Action::kTreatAsWithdraw, Action::kTreatAsWithdraw},
    // RFC 7606 section 7.11: without a parsable MP attribute the NLRI cannot
    // be located, so only session reset (or AFI/SAFI disable) is left.
    {attr::kMpReachNlri, "MP_REACH_NLRI", attr::kFlagOptional, Action::kSessionReset, Action::kTreatAsWithdraw},
    {attr::kMpUnreachNlri, "MP_UNREACH_NLRI", attr::kFlagOptional, Action::kSessionReset, Action::kTreatAsWithdraw},
    // RFC 6793 section 6: errors in the AS4 attributes discard them.
    {attr::kAs4Path, "AS4_PATH", kOptTrans, Action::kAttributeDiscard, Action::kAttributeDiscard},
    {attr::kAs4Aggregator, "AS4_AGGREGATOR", kOptTrans, Action::kAttributeDiscard, Action::kAttributeDiscard},
    {attr::kLargeCommunity, "LARGE_COMMUNITY", kOptTrans, Action::kTreatAsWithdraw, Action::kTreatAsWithdraw},
}};

const AttributeRule* rule_for(uint8_t type) {
  for (const auto& r : kRules) {
    if (r.type == type) return &r;
  }
  return nullptr;
}

// Why an attribute's value is malformed, and the RFC 4271 6.3 subcode for it.
struct Malformed {
  uint8_t subcode;
  std::string reason;
};
using Check = std::optional<Malformed>;

Check wrong_length(const char* name, size_t got, const char* want, const char* section) {
  return Malformed{subcode::update::kAttributeLengthError,
                   std::string(name) + " length " + std::to_string(got) + ", must be " + want +
                       " (" + section + ")"};
}

uint32_t read_u32(Bytes b) {
  uint32_t v = 0;
  Reader(b).u32(v);
  return v;
}

// AS_PATH or AS4_PATH (RFC 4271 4.3, RFC 6793 section 3, RFC 7606 7.2).
Check read_as_path(Bytes value, size_t as_size, const char* name,
                   std::vector<AsPathSegment>& out) {
  Reader r(value);
  while (!r.empty()) {
    uint8_t type = 0, count = 0;
    Bytes asns;
    if (!r.u8(type) || !r.u8(count)) {
      return Malformed{subcode::update::kMalformedAsPath,
                       std::string(name) + " ends with 1 octet, too few for a segment header (RFC 7606 7.2)"};
    }
    if (type == 3 || type == 4) {
      return Malformed{subcode::update::kMalformedAsPath,
                       std::string(name) + " carries confederation segment type " +
                           std::to_string(type) + "; byoipd is in no confederation (RFC 5065 5, RFC 6793 6)"};
    }
    if (type != 1 && type != 2) {
      return Malformed{subcode::update::kMalformedAsPath,
                       std::string(name) + " segment type " + std::to_string(type) +
                           " is not AS_SET (1) or AS_SEQUENCE (2) (RFC 7606 7.2)"};
    }
    if (count == 0) {
      return Malformed{subcode::update::kMalformedAsPath,
                       std::string(name) + " has a segment with no ASNs (RFC 7606 7.2)"};
    }
    if (!r.bytes(count * as_size, asns)) {
      return Malformed{subcode::update::kMalformedAsPath,
                       std::string(name) + " segment of " + std::to_string(count) + " ASNs needs " +
                           std::to_string(count * as_size) + " octets, " +
                           std::to_string(r.remaining()) + " remain (RFC 7606 7.2)"};
    }
    AsPathSegment seg;
    seg.type = static_cast<AsPathSegment::Type>(type);
    Reader ar(asns);
    for (int i = 0; i < count; ++i) {
      uint32_t asn = 0;
      uint16_t asn16 = 0;
      if (as_size == 4) {
        (void)ar.u32(asn);
      } else {
        (void)ar.u16(asn16);
        asn = asn16;
      }
      seg.asns.push_back(asn);
    }
    out.push_back(std::move(seg));
  }
  return std::nullopt;
}

Check read_aggregator(Bytes value, size_t as_size, const char* name, const char* section,
                      Aggregator& out) {
  if (value.size() != as_size + 4) {
    return wrong_length(name, value.size(), as_size == 4 ? "8" : "6", section);
  }
  Reader r(value);
  uint16_t asn16 = 0;
  uint32_t asn = 0, address = 0;
  if (as_size == 4) {
    (void)r.u32(asn);
  } else {
    (void)r.u16(asn16);
    asn = asn16;
  }
  (void)r.u32(address);
  out = Aggregator{asn, IpAddress::v4(address)};
  return std::nullopt;
}

// Counts ASNs the way RFC 4271 9.1.2.2 counts path length: a set is one.
size_t path_length(const std::vector<AsPathSegment>& path) {
  size_t n = 0;
  for (const auto& s : path) n += s.type == AsPathSegment::Type::kSet ? 1 : s.asns.size();
  return n;
}

void append_segment(std::vector<AsPathSegment>& path, AsPathSegment seg) {
  // Rejoin a sequence the merge split, while it stays encodable in one segment.
  if (!path.empty() && path.back().type == AsPathSegment::Type::kSequence &&
      seg.type == AsPathSegment::Type::kSequence && path.back().asns.size() + seg.asns.size() <= 255) {
    path.back().asns.insert(path.back().asns.end(), seg.asns.begin(), seg.asns.end());
    return;
  }
  path.push_back(std::move(seg));
}

class AttributeDecoder {
 public:
  AttributeDecoder(const CodecOptions& options, PathAttributes& out,
                   std::vector<UpdateFinding>& findings)
      : options_(options), out_(out), findings_(findings) {}

  void run(Bytes area) {
    Reader r(area);
    while (!r.empty()) {
      const size_t start = r.offset();
      uint8_t flags = 0, type = 0;
      uint8_t len8 = 0;
      uint16_t length = 0;
      Bytes value;
      bool ok = r.u8(flags) && r.u8(type);
      if (ok && (flags & attr::kFlagExtendedLength)) {
        ok = r.u16(length);
      } else if (ok) {
        ok = r.u8(len8);
        length = len8;
      }
      if (!ok || !r.bytes(length, value)) {
        // RFC 7606 section 4: the Total Path Attribute Length still locates
        // the NLRI, so the update is treated as a withdraw.
        add(Action::kTreatAsWithdraw, type, subcode::update::kMalformedAttributeList, {},
            "attribute " + std::to_string(type) + " at offset " + std::to_string(start) +
                " overruns the Total Path Attribute Length " + std::to_string(area.size()) +
                " (RFC 7606 section 4)");
        return;
      }
      Bytes whole = area.subspan(start, r.offset() - start);
      one(flags, type, value, whole);
    }
  }

  void finish() {
    if (!options_.four_octet_as) reconcile_as4();
    // In the order encode sends them, so decode(encode(x)) == x.
    std::stable_sort(out_.unknown.begin(), out_.unknown.end(),
                     [](const RawAttribute& a, const RawAttribute& b) { return a.type < b.type; });
  }

 private:
  void add(Action action, uint8_t type, uint8_t sub, Bytes data, std::string reason) {
    findings_.push_back({action, type,
                         make_error(ErrorCode::kUpdateMessage, sub,
                                    std::vector<uint8_t>(data.begin(), data.end()),
                                    std::move(reason))});
  }

  void one(uint8_t flags, uint8_t type, Bytes value, Bytes whole) {
    if (seen_[type]) {
      if (type == attr::kMpReachNlri || type == attr::kMpUnreachNlri) {
        add(Action::kSessionReset, type, subcode::update::kMalformedAttributeList, {},
            std::string(rule_for(type)->name) + " appears more than once (RFC 7606 3.g)");
      } else {
        add(Action::kAttributeDiscard, type, subcode::update::kMalformedAttributeList, whole,
            "attribute " + std::to_string(type) +
                " appears more than once; all but the first discarded (RFC 7606 3.g)");
      }
      return;
    }
    seen_[type] = true;
    const AttributeRule* rule = rule_for(type);
    if (rule == nullptr) {
      unknown(flags, type, value, whole);
      return;
    }
    if ((flags & kOptTrans) != rule->flags) {
      add(rule->flags_wrong, type, subcode::update::kAttributeFlagsError, whole,
          std::string(rule->name) + " flags " + hex8(flags) + " do not carry Optional/Transitive " +
              hex8(rule->flags) + " (RFC 7606 3.c)");
      // The MP attributes are still read: their NLRI is what gets withdrawn.
      if (type != attr::kMpReachNlri && type != attr::kMpUnreachNlri) return;
    }
    if (Check bad = parse(type, value)) add(rule->malformed, type, bad->subcode, whole, bad->reason);
  }

  // RFC 4271 section 5 / 9: unrecognized attributes.
  void unknown(uint8_t flags, uint8_t type, Bytes value, Bytes whole) {
    if (!(flags & attr::kFlagOptional)) {
      add(Action::kSessionReset, type, subcode::update::kUnrecognizedWellKnownAttribute, whole,
          "attribute type " + std::to_string(type) + " is flagged well-known but unrecognized" +
              " (RFC 4271 6.3)");
      return;
    }
    if (!(flags & attr::kFlagTransitive)) return;  // optional non-transitive: quietly ignored
    // Optional transitive: passed on with the Partial bit set (RFC 4271 5).
    uint8_t kept = static_cast<uint8_t>((flags | attr::kFlagPartial) & ~attr::kFlagExtendedLength);
    out_.unknown.push_back({kept, type, std::vector<uint8_t>(value.begin(), value.end())});
  }

  Check parse(uint8_t type, Bytes v) {
    const size_t as_size = options_.four_octet_as ? 4 : 2;
    switch (type) {
      case attr::kOrigin:  // RFC 7606 7.1
        if (v.size() != 1) return wrong_length("ORIGIN", v.size(), "1", "RFC 7606 7.1");
        if (v[0] > 2) {
          return Malformed{subcode::update::kInvalidOrigin,
                           "ORIGIN value " + std::to_string(v[0]) +
                               " is not IGP (0), EGP (1) or INCOMPLETE (2) (RFC 7606 7.1)"};
        }
        out_.origin = static_cast<Origin>(v[0]);
        return std::nullopt;
      case attr::kAsPath: {
        std::vector<AsPathSegment> path;
        if (Check bad = read_as_path(v, as_size, "AS_PATH", path)) return bad;
        out_.as_path = std::move(path);
        return std::nullopt;
      }
      case attr::kNextHop:  // RFC 7606 7.3
        if (v.size() != 4) return wrong_length("NEXT_HOP", v.size(), "4", "RFC 7606 7.3");
        out_.next_hop = IpAddress::v4(read_u32(v));
        return std::nullopt;
      case attr::kMultiExitDisc:  // RFC 7606 7.4
        if (v.size() != 4) return wrong_length("MULTI_EXIT_DISC", v.size(), "4", "RFC 7606 7.4");
        out_.med = read_u32(v);
        return std::nullopt;
      case attr::kLocalPref:  // RFC 7606 7.5
        if (v.size() != 4) return wrong_length("LOCAL_PREF", v.size(), "4", "RFC 7606 7.5");
        out_.local_pref = read_u32(v);
        return std::nullopt;
      case attr::kAtomicAggregate:  // RFC 7606 7.6
        if (!v.empty()) return wrong_length("ATOMIC_AGGREGATE", v.size(), "0", "RFC 7606 7.6");
        out_.atomic_aggregate = true;
        return std::nullopt;
      case attr::kAggregator: {  // RFC 7606 7.7
        Aggregator a;
        if (Check bad = read_aggregator(v, as_size, "AGGREGATOR", "RFC 7606 7.7", a)) return bad;
        out_.aggregator = a;
        return std::nullopt;
      }
      case attr::kCommunities:  // RFC 7606 7.8
        if (v.empty() || v.size() % 4 != 0) {
          return wrong_length("COMMUNITIES", v.size(), "a non-zero multiple of 4", "RFC 7606 7.8");
        }
        for (size_t i = 0; i < v.size(); i += 4) out_.communities.push_back(read_u32(v.subspan(i, 4)));
        return std::nullopt;
      case attr::kLargeCommunity:  // RFC 8092 section 6
        if (v.empty() || v.size() % 12 != 0) {
          return wrong_length("LARGE_COMMUNITY", v.size(), "a non-zero multiple of 12",
                              "RFC 8092 section 6");
        }
        for (size_t i = 0; i < v.size(); i += 12) {
          out_.large_communities.push_back(
              {read_u32(v.subspan(i, 4)), read_u32(v.subspan(i + 4, 4)), read_u32(v.subspan(i + 8, 4))});
        }
        return std::nullopt;
      case attr::kMpReachNlri:
        return mp_reach(v);
      case attr::kMpUnreachNlri:
        return mp_unreach(v);
      case attr::kAs4Path:
      case attr::kAs4Aggregator:
        return as4(type, v);
    }
    return std::nullopt;
  }

  // The family of an MP attribute, when the session takes it; records an
  // attribute-discard otherwise (RFC 4760 section 7).
  std::optional<Family> mp_family(uint8_t type, uint16_t afi, uint8_t safi) {
    AfiSafi f{static_cast<Afi>(afi), static_cast<Safi>(safi)};
    auto family = family_of(f);
    bool negotiated = std::find(options_.families.begin(), options_.families.end(), f) !=
                      options_.families.end();
    if (family && negotiated) return family;
    add(Action::kAttributeDiscard, type, subcode::update::kOptionalAttributeError, {},
        std::string(rule_for(type)->name) + " for AFI " + std::to_string(afi) + " SAFI " +
            std::to_string(safi) + ", a family this session did not negotiate (RFC 4760 section 7)");
    return std::nullopt;
  }

  static Malformed mp_malformed(const char* name, std::string what) {
    return Malformed{subcode::update::kOptionalAttributeError,
                     std::string(name) + " " + what + " (RFC 7606 7.11)"};
  }

  Check mp_reach(Bytes v) {  // RFC 4760 section 3
    Reader r(v);
    uint16_t afi = 0;
    uint8_t safi = 0, nh_length = 0, reserved = 0;
    Bytes nh;
    if (!r.u16(afi) || !r.u8(safi)) {
      return mp_malformed("MP_REACH_NLRI", "of " + std::to_string(v.size()) + " octets has no AFI/SAFI");
    }
    auto family = mp_family(attr::kMpReachNlri, afi, safi);
    if (!family) return std::nullopt;
    if (!r.u8(nh_length) || !r.bytes(nh_length, nh)) {
      return mp_malformed("MP_REACH_NLRI", "next hop overruns the attribute");
    }
    MpReach reach;
    reach.family = {static_cast<Afi>(afi), Safi::kUnicast};
    if (*family == Family::kV4 && nh_length == 4) {
      reach.next_hops.push_back(read_address(nh, Family::kV4));
    } else if (*family == Family::kV6 && (nh_length == 16 || nh_length == 32)) {
      for (size_t i = 0; i < nh_length; i += 16) {
        reach.next_hops.push_back(read_address(nh.subspan(i, 16), Family::kV6));
      }
    } else {
      return mp_malformed("MP_REACH_NLRI", "next hop length " + std::to_string(nh_length) +
                                               (*family == Family::kV4 ? " is not 4" : " is not 16 or 32"));
    }
    if (!r.u8(reserved)) return mp_malformed("MP_REACH_NLRI", "ends before the Reserved octet");
    if (auto why = read_prefixes(r.rest(), *family, reach.nlri)) return mp_malformed("MP_REACH_NLRI", *why);
    out_.mp_reach = std::move(reach);
    return std::nullopt;
  }

  Check mp_unreach(Bytes v) {  // RFC 4760 section 4
    Reader r(v);
    uint16_t afi = 0;
    uint8_t safi = 0;
    if (!r.u16(afi) || !r.u8(safi)) {
      return mp_malformed("MP_UNREACH_NLRI", "of " + std::to_string(v.size()) + " octets has no AFI/SAFI");
    }
    auto family = mp_family(attr::kMpUnreachNlri, afi, safi);
    if (!family) return std::nullopt;
    MpUnreach unreach;
    unreach.family = {static_cast<Afi>(afi), Safi::kUnicast};
    if (auto why = read_prefixes(r.rest(), *family, unreach.withdrawn)) {
      return mp_malformed("MP_UNREACH_NLRI", *why);
    }
    out_.mp_unreach = std::move(unreach);
    return std::nullopt;
  }

  Check as4(uint8_t type, Bytes v) {
    if (options_.four_octet_as) {
      // RFC 6793 section 4.1: NEW speakers do not exchange the AS4 attributes.
      add(Action::kAttributeDiscard, type, subcode::update::kOptionalAttributeError, {},
          std::string(rule_for(type)->name) + " received on a 4-octet AS session; discarded" +
              " (RFC 6793 section 4.1)");
      return std::nullopt;
    }
    if (type == attr::kAs4Aggregator) {
      Aggregator a;
      if (Check bad = read_aggregator(v, 4, "AS4_AGGREGATOR", "RFC 6793 section 6", a)) return bad;
      as4_aggregator_ = a;
      return std::nullopt;
    }
    std::vector<AsPathSegment> path;
    if (Check bad = read_as_path(v, 4, "AS4_PATH", path)) return bad;
    as4_path_ = std::move(path);
    return std::nullopt;
  }

  void discard_as4(uint8_t type, std::string reason) {
    add(Action::kAttributeDiscard, type, subcode::update::kOptionalAttributeError, {}, std::move(reason));
  }

  // RFC 6793 section 4.2.3: rebuild the 4-octet path and aggregator.
  void reconcile_as4() {
    if (as4_aggregator_) {
      if (!out_.aggregator) {
        discard_as4(attr::kAs4Aggregator, "AS4_AGGREGATOR without AGGREGATOR ignored (RFC 6793 4.2.3)");
      } else if (out_.aggregator->asn != Asn::kTrans) {
        // The aggregator is an OLD speaker: AS4 information predates it.
        discard_as4(attr::kAs4Aggregator, "AGGREGATOR AS " + std::to_string(out_.aggregator->asn) +
                                              " is not AS_TRANS: AS4_AGGREGATOR and AS4_PATH ignored" +
                                              " (RFC 6793 4.2.3)");
        if (as4_path_) discard_as4(attr::kAs4Path, "AS4_PATH ignored with AS4_AGGREGATOR (RFC 6793 4.2.3)");
        return;
      } else {
        out_.aggregator = *as4_aggregator_;
      }
    }
    if (!as4_path_) return;
    if (!out_.as_path) {
      discard_as4(attr::kAs4Path, "AS4_PATH without AS_PATH ignored (RFC 6793 4.2.3)");
      return;
    }
    const size_t n = path_length(*out_.as_path), m = path_length(*as4_path_);
    if (n < m) {
      discard_as4(attr::kAs4Path, "AS4_PATH of " + std::to_string(m) + " ASNs is longer than AS_PATH of " +
                                      std::to_string(n) + "; ignored (RFC 6793 4.2.3)");
      return;
    }
    // The leading n - m ASNs of AS_PATH, then AS4_PATH.
    std::vector<AsPathSegment> merged;
    size_t take = n - m;
    for (const auto& seg : *out_.as_path) {
      if (take == 0) break;
      AsPathSegment part{seg.type, {}};
      if (seg.type == AsPathSegment::Type::kSet) {
        part.asns = seg.asns;
        take -= 1;
      } else {
        size_t k = std::min(take, seg.asns.size());
        part.asns.assign(seg.asns.begin(), seg.asns.begin() + static_cast<std::ptrdiff_t>(k));
        take -= k;
      }
      merged.push_back(std::move(part));
    }
    for (auto& seg : *as4_path_) append_segment(merged, std::move(seg));
    out_.as_path = std::move(merged);
  }

  const CodecOptions& options_;
  PathAttributes& out_;
  std::vector<UpdateFinding>& findings_;
  std::array<bool, 256> seen_{};
  std::optional<std::vector<AsPathSegment>> as4_path_;
  std::optional<Aggregator> as4_aggregator_;
};

// ---- Encoding -------------------------------------------------------------------

void write_attribute(Writer& w, uint8_t flags, uint8_t type, Bytes value) {
  if (value.size() > 255) {
    w.u8(flags | attr::kFlagExtendedLength);
    w.u8(type);
    w.u16(static_cast<uint16_t>(value.size()));
  } else {
    w.u8(static_cast<uint8_t>(flags & ~attr::kFlagExtendedLength));
    w.u8(type);
    w.u8(static_cast<uint8_t>(value.size()));
  }
  w.bytes(value);
}

// A segment list with `as_size`-octet ASNs; on 2-octet ones ASNs above 65535
// become AS_TRANS. Segments longer than 255 ASNs are split.
std::vector<uint8_t> as_path_value(const std::vector<AsPathSegment>& path, size_t as_size) {
  std::vector<uint8_t> out;
  Writer w(out);
  for (const auto& seg : path) {
    for (size_t i = 0; i < seg.asns.size(); i += 255) {
      size_t n = std::min<size_t>(255, seg.asns.size() - i);
      w.u8(static_cast<uint8_t>(seg.type));
      w.u8(static_cast<uint8_t>(n));
      for (size_t k = i; k < i + n; ++k) {
        uint32_t asn = seg.asns[k];
        if (as_size == 4) {
          w.u32(asn);
        } else {
          w.u16(static_cast<uint16_t>(asn > 0xffff ? Asn::kTrans : asn));
        }
      }
    }
  }
  return out;
}

std::vector<uint8_t> aggregator_value(const Aggregator& a, size_t as_size) {
  std::vector<uint8_t> out;
  Writer w(out);
  if (as_size == 4) {
    w.u32(a.asn);
  } else {
    w.u16(static_cast<uint16_t>(a.asn > 0xffff ? Asn::kTrans : a.asn));
  }
  w.u32(static_cast<uint32_t>(a.address.value()));
  return out;
}

bool needs_as4(const std::vector<AsPathSegment>& path) {
  for (const auto& seg : path) {
    for (uint32_t asn : seg.asns) {
      if (asn > 0xffff) return true;
    }
  }
  return false;
}

Status check_prefixes(const std::vector<Prefix>& prefixes, Family family, const char* where) {
  for (const Prefix& p : prefixes) {
    if (p.family() != family) {
      return encode_error("prefix-family-mismatch", std::string(where) + " holds " + p.to_string() +
                                                        ", not an " +
                                                        std::string(family_name(family)) + " prefix");
    }
  }
  return Status();
}

Status mp_reach_value(const MpReach& reach, std::vector<uint8_t>& out) {
  auto family = family_of(reach.family);
  if (!family) return encode_error("unsupported-family", "MP_REACH_NLRI family is not IPv4/IPv6 unicast");
  if (Status s = check_prefixes(reach.nlri, *family, "MP_REACH_NLRI"); !s.ok()) return s;
  const size_t max_hops = *family == Family::kV6 ? 2 : 1;
  if (reach.next_hops.empty() || reach.next_hops.size() > max_hops) {
    return encode_error("invalid-next-hop", "MP_REACH_NLRI needs 1" +
                                                std::string(max_hops == 2 ? " or 2" : "") +
                                                " next hops, has " + std::to_string(reach.next_hops.size()));
  }
  Writer w(out);
  w.u16(static_cast<uint16_t>(reach.family.afi));
  w.u8(static_cast<uint8_t>(reach.family.safi));
  w.u8(static_cast<uint8_t>(reach.next_hops.size() * (*family == Family::kV6 ? 16 : 4)));
  for (const IpAddress& nh : reach.next_hops) {
    if (nh.family() != *family) {
      return encode_error("invalid-next-hop", "MP_REACH_NLRI next hop " + nh.to_string() +
                                                  " is not of the NLRI's family");
    }
    for (int shift = nh.width() - 8; shift >= 0; shift -= 8) w.u8(static_cast<uint8_t>(nh.value() >> shift));
  }
  w.u8(0);  // Reserved
  for (const Prefix& p : reach.nlri) write_prefix(w, p);
  return Status();
}

Status mp_unreach_value(const MpUnreach& unreach, std::vector<uint8_t>& out) {
  auto family = family_of(unreach.family);
  if (!family) return encode_error("unsupported-family", "MP_UNREACH_NLRI family is not IPv4/IPv6 unicast");
  if (Status s = check_prefixes(unreach.withdrawn, *family, "MP_UNREACH_NLRI"); !s.ok()) return s;
  Writer w(out);
  w.u16(static_cast<uint16_t>(unreach.family.afi));
  w.u8(static_cast<uint8_t>(unreach.family.safi));
  for (const Prefix& p : unreach.withdrawn) write_prefix(w, p);
  return Status();
}

std::vector<uint8_t> u32_list(const std::vector<uint32_t>& values) {
  std::vector<uint8_t> out;
  Writer w(out);
  for (uint32_t v : values) w.u32(v);
  return out;
}

}  // namespace

void decode_path_attributes(Bytes area, const CodecOptions& options, PathAttributes& out,
                            std::vector<UpdateFinding>& findings) {
  AttributeDecoder d(options, out, findings);
  d.run(area);
  d.finish();
}

Status encode_path_attributes(const PathAttributes& a, const CodecOptions& options, Writer& w) {
  struct Encoded {
    uint8_t flags;
    uint8_t type;
    std::vector<uint8_t> value;
  };
  std::vector<Encoded> attrs;
  const size_t as_size = options.four_octet_as ? 4 : 2;
  constexpr uint8_t kWellKnown = attr::kFlagTransitive;

  // RFC 7606 section 5.1: the MP attributes come first.
  if (a.mp_reach) {
    Encoded e{attr::kFlagOptional, attr::kMpReachNlri, {}};
    if (Status s = mp_reach_value(*a.mp_reach, e.value); !s.ok()) return s;
    attrs.push_back(std::move(e));
  }
  if (a.mp_unreach) {
    Encoded e{attr::kFlagOptional, attr::kMpUnreachNlri, {}};
    if (Status s = mp_unreach_value(*a.mp_unreach, e.value); !s.ok()) return s;
    attrs.push_back(std::move(e));
  }
  const size_t first_sorted = attrs.size();
  if (a.origin) attrs.push_back({kWellKnown, attr::kOrigin, {static_cast<uint8_t>(*a.origin)}});
  if (a.as_path) {
    attrs.push_back({kWellKnown, attr::kAsPath, as_path_value(*a.as_path, as_size)});
    if (as_size == 2 && needs_as4(*a.as_path)) {  // RFC 6793 section 4.2.2
      attrs.push_back({kOptTrans, attr::kAs4Path, as_path_value(*a.as_path, 4)});
    }
  }
  if (a.next_hop) {
    if (a.next_hop->family() != Family::kV4) {
      return encode_error("invalid-next-hop",
                          "NEXT_HOP " + a.next_hop->to_string() + " is not IPv4; use MP_REACH_NLRI");
    }
    attrs.push_back({kWellKnown, attr::kNextHop, u32_list({static_cast<uint32_t>(a.next_hop->value())})});
  }
  if (a.med) attrs.push_back({attr::kFlagOptional, attr::kMultiExitDisc, u32_list({*a.med})});
  if (a.local_pref) attrs.push_back({kWellKnown, attr::kLocalPref, u32_list({*a.local_pref})});
  if (a.atomic_aggregate) attrs.push_back({kWellKnown, attr::kAtomicAggregate, {}});
  if (a.aggregator) {
    if (a.aggregator->address.family() != Family::kV4) {
      return encode_error("invalid-aggregator", "AGGREGATOR address " +
                                                    a.aggregator->address.to_string() + " is not IPv4");
    }
    attrs.push_back({kOptTrans, attr::kAggregator, aggregator_value(*a.aggregator, as_size)});
    if (as_size == 2 && a.aggregator->asn > 0xffff) {
      attrs.push_back({kOptTrans, attr::kAs4Aggregator, aggregator_value(*a.aggregator, 4)});
    }
  }
  if (!a.communities.empty()) attrs.push_back({kOptTrans, attr::kCommunities, u32_list(a.communities)});
  if (!a.large_communities.empty()) {
    std::vector<uint32_t> words;
    for (const auto& c : a.large_communities) {
      words.insert(words.end(), {c.global_admin, c.local1, c.local2});
    }
    attrs.push_back({kOptTrans, attr::kLargeCommunity, u32_list(words)});
  }
  for (const RawAttribute& raw : a.unknown) {
    if (rule_for(raw.type) != nullptr) {
      return encode_error("attribute-type-interpreted",
                          "unknown attribute has type " + std::to_string(raw.type) +
                              ", which the codec encodes from its own field");
    }
    attrs.push_back({raw.flags, raw.type, raw.value});
  }
  // RFC 4271 section 5: ascending type order after the MP attributes.
  std::stable_sort(attrs.begin() + static_cast<std::ptrdiff_t>(first_sorted), attrs.end(),
                   [](const Encoded& x, const Encoded& y) { return x.type < y.type; });
  for (const Encoded& e : attrs) {
    if (e.value.size() > 0xffff) {
      return encode_error("message-too-large", "attribute " + std::to_string(e.type) + " of " +
                                                   std::to_string(e.value.size()) + " octets");
    }
    write_attribute(w, e.flags, e.type, e.value);
  }
  return Status();
}

}  // namespace byoipd::bgp::internal
