// validate(SpeakerConfig) and the peer role names (speaker.h).
//
// Every refusal is Code::kInvalidArgument and its message starts with the key
// path of the offending setting, relative to the configuration's `bgp:`
// section ("local_as: ...", "peers[1].export.next_hop_v6: ..."), then names
// the value, the rule and what would be accepted. The controller's config
// reader relies on that leading path to point at the line in the file.
#include <algorithm>
#include <string>

#include "byoipd/bgp/speaker.h"

namespace byoipd::bgp {
namespace {

constexpr size_t kMaxPeerName = 64;
// TCP_MD5SIG_MAXKEYLEN in <linux/tcp.h>: the kernel refuses longer keys.
constexpr size_t kMaxPasswordLength = 80;
constexpr uint16_t kMaxConnectRetry = 3600;
constexpr uint16_t kMaxRestartTime = 4095;  // 12 bits, RFC 4724 section 3
constexpr uint8_t kMaxPrepend = 10;

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

Status refuse(const char* reason, const std::string& path, const std::string& what) {
  return Status(Code::kInvalidArgument, reason, path + ": " + what);
}

std::string family_text(Family f) { return f == Family::kV4 ? "IPv4" : "IPv6"; }

bool carries(const SpeakerPeerConfig& peer, Afi afi) {
  return std::any_of(peer.families.begin(), peer.families.end(),
                     [afi](const AfiSafi& f) { return f.afi == afi; });
}

// RFC 7607: AS 0 may not be used; RFC 6793 section 9: AS_TRANS is a
// placeholder in 2-octet fields, never a speaker's own AS.
Status check_asn(const char* reason, const std::string& path, uint32_t asn) {
  if (asn == 0) {
    return refuse(reason, path, "0 is not a usable AS number (RFC 7607); allowed: 1 to 4294967295");
  }
  if (asn == Asn::kTrans) {
    return refuse(reason, path,
                  "23456 is AS_TRANS (RFC 6793), a placeholder, not an AS; allowed: any other AS "
                  "from 1 to 4294967295");
  }
  return Status();
}

Status check_name(const std::string& path, const std::string& name) {
  if (name.empty()) {
    return refuse("bgp-bad-peer-name", path,
                  "the name is empty; allowed: 1 to 64 of A-Z a-z 0-9 _ . -");
  }
  if (name.size() > kMaxPeerName || !std::all_of(name.begin(), name.end(), is_name_char)) {
    std::string shown = name.size() > kMaxPeerName ? name.substr(0, kMaxPeerName) + "..." : name;
    return refuse("bgp-bad-peer-name", path,
                  "'" + shown + "' is not a peer name; allowed: 1 to 64 of A-Z a-z 0-9 _ . -");
  }
  return Status();
}

Status check_families(const std::string& at, const SpeakerPeerConfig& peer) {
  if (peer.families.empty()) {
    return refuse("bgp-no-families", at + ".families",
                  "the list is empty; allowed: ipv4-unicast, ipv6-unicast or both");
  }
  for (size_t i = 0; i < peer.families.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (peer.families[i] == peer.families[j]) {
        return refuse("bgp-duplicate-family", at + ".families[" + std::to_string(i) + "]",
                      std::string(peer.families[i].afi == Afi::kIpv4 ? "ipv4-unicast"
                                                                     : "ipv6-unicast") +
                          " is listed twice; allowed: each family once");
      }
    }
  }
  return Status();
}

Status check_export(const std::string& at, const SpeakerPeerConfig& peer) {
  const ExportPolicy& e = peer.export_policy;
  std::string path = at + ".export";
  if (e.next_hop_v4 && e.next_hop_v4->family() != Family::kV4) {
    return refuse("bgp-next-hop-family", path + ".next_hop_v4",
                  e.next_hop_v4->to_string() + " is not an IPv4 address; allowed: an IPv4 address");
  }
  if (e.next_hop_v6 && e.next_hop_v6->family() != Family::kV6) {
    return refuse("bgp-next-hop-family", path + ".next_hop_v6",
                  e.next_hop_v6->to_string() + " is not an IPv6 address; allowed: an IPv6 address");
  }
  if (e.prepend > kMaxPrepend) {
    return refuse("bgp-prepend-too-long", path + ".prepend",
                  std::to_string(e.prepend) + " is more than 10 prepends; allowed: 0 to 10");
  }
  // An observer is never sent routes, so it needs no next hop (its export
  // settings are accepted and ignored).
  if (peer.role == PeerRole::kObserver) return Status();
  // Without an explicit next hop byoipd uses the session's local address,
  // which exists only in the session's own family (RFC 4760 section 3: the
  // MP_REACH next hop is of the carried family).
  Family session = peer.address.family();
  if (session == Family::kV4 && carries(peer, Afi::kIpv6) && !e.next_hop_v6) {
    return refuse("bgp-next-hop-missing", path + ".next_hop_v6",
                  "missing: the IPv4 session to " + peer.address.to_string() +
                      " carries ipv6-unicast, so IPv6 routes need an explicit IPv6 next hop; "
                      "allowed: set export.next_hop_v6, or drop ipv6-unicast from families");
  }
  if (session == Family::kV6 && carries(peer, Afi::kIpv4) && !e.next_hop_v4) {
    return refuse("bgp-next-hop-missing", path + ".next_hop_v4",
                  "missing: the IPv6 session to " + peer.address.to_string() +
                      " carries ipv4-unicast, so IPv4 routes need an explicit IPv4 next hop; "
                      "allowed: set export.next_hop_v4, or drop ipv4-unicast from families");
  }
  return Status();
}

Status check_import(const std::string& at, const ImportPolicy& import) {
  std::string path = at + ".import";
  if (import.max_length_v4 > 32) {
    return refuse("bgp-max-length", path + ".max_length_v4",
                  std::to_string(import.max_length_v4) +
                      " is longer than an IPv4 address; allowed: 0 to 32");
  }
  if (import.max_length_v6 > 128) {
    return refuse("bgp-max-length", path + ".max_length_v6",
                  std::to_string(import.max_length_v6) +
                      " is longer than an IPv6 address; allowed: 0 to 128");
  }
  if (import.max_prefixes && *import.max_prefixes == 0) {
    return refuse("bgp-max-prefixes", path + ".max_prefixes",
                  "0 would end the session at the first prefix; allowed: 1 to 4294967295, or "
                  "omit it for no limit");
  }
  return Status();
}

Status check_peer(const std::string& at, const SpeakerPeerConfig& peer) {
  if (Status s = check_name(at + ".name", peer.name); !s.ok()) return s;
  if (peer.address.value() == 0) {
    return refuse("bgp-bad-peer-address", at + ".address",
                  peer.address.to_string() +
                      " is the unspecified address; allowed: the peer's own IPv4 or IPv6 address");
  }
  if (peer.port == 0) {
    return refuse("bgp-bad-port", at + ".port", "0 is not a TCP port; allowed: 1 to 65535");
  }
  if (peer.local_address && peer.local_address->family() != peer.address.family()) {
    return refuse("bgp-local-address-family", at + ".local_address",
                  peer.local_address->to_string() + " is an " +
                      family_text(peer.local_address->family()) + " address but the peer " +
                      peer.address.to_string() + " is " + family_text(peer.address.family()) +
                      "; allowed: an " + family_text(peer.address.family()) + " address");
  }
  if (Status s = check_asn("bgp-zero-asn", at + ".remote_as", peer.remote_as); !s.ok()) return s;
  // RFC 4271 section 4.2: the hold time is zero or at least three seconds.
  if (peer.hold_time == 1 || peer.hold_time == 2) {
    return refuse("bgp-bad-hold-time", at + ".hold_time",
                  std::to_string(peer.hold_time) +
                      " is below the RFC 4271 minimum of 3 seconds; allowed: 0 (no keepalives) "
                      "or 3 to 65535");
  }
  if (peer.connect_retry_seconds == 0 || peer.connect_retry_seconds > kMaxConnectRetry) {
    return refuse("bgp-bad-connect-retry", at + ".connect_retry",
                  std::to_string(peer.connect_retry_seconds) +
                      " seconds is out of range; allowed: 1 to 3600");
  }
  if (peer.password.size() > kMaxPasswordLength) {
    // The password itself is never echoed.
    return refuse("bgp-password-too-long", at + ".password",
                  "the password has " + std::to_string(peer.password.size()) +
                      " characters, more than the kernel's TCP-MD5 key limit; allowed: at most 80");
  }
  if (peer.graceful_restart_time &&
      (*peer.graceful_restart_time == 0 || *peer.graceful_restart_time > kMaxRestartTime)) {
    return refuse("bgp-bad-restart-time", at + ".graceful_restart",
                  std::to_string(*peer.graceful_restart_time) +
                      " seconds does not fit the 12-bit restart time (RFC 4724); allowed: 1 to "
                      "4095, or omit it to turn graceful restart off");
  }
  if (Status s = check_families(at, peer); !s.ok()) return s;
  if (Status s = check_import(at, peer.import); !s.ok()) return s;
  return check_export(at, peer);
}

}  // namespace

std::string_view role_name(PeerRole role) {
  switch (role) {
    case PeerRole::kOnprem: return "onprem";
    case PeerRole::kUpstream: return "upstream";
    case PeerRole::kObserver: return "observer";
  }
  return "onprem";
}

std::optional<PeerRole> parse_role(std::string_view text) {
  for (PeerRole role : {PeerRole::kOnprem, PeerRole::kUpstream, PeerRole::kObserver}) {
    if (role_name(role) == text) return role;
  }
  return std::nullopt;
}

Status validate(const SpeakerConfig& config) {
  if (Status s = check_asn("bgp-zero-asn", "local_as", config.local_as); !s.ok()) return s;
  // RFC 6286 section 2.1: a non-zero BGP Identifier.
  if (config.router_id == 0) {
    return refuse("bgp-zero-router-id", "router_id",
                  "0.0.0.0 is not a BGP Identifier (RFC 6286); allowed: a non-zero IPv4 address, "
                  "usually one of the host's");
  }
  for (size_t i = 0; i < config.peers.size(); ++i) {
    const SpeakerPeerConfig& peer = config.peers[i];
    std::string at = "peers[" + std::to_string(i) + "]";
    if (Status s = check_peer(at, peer); !s.ok()) return s;
    // A passive peer only ever arrives through the listener.
    if (peer.passive && !config.listen_address) {
      return refuse("bgp-passive-without-listener", at + ".passive",
                    "true, but bgp.listen is not set, so the peer could never connect; allowed: "
                    "set bgp.listen, or passive: false");
    }
    if (peer.passive && config.listen_address &&
        config.listen_address->family() == Family::kV4 && peer.address.family() == Family::kV6) {
      return refuse("bgp-passive-without-listener", at + ".passive",
                    "true, but " + peer.address.to_string() + " is IPv6 and bgp.listen (" +
                        config.listen_address->to_string() +
                        ") is IPv4; allowed: an IPv6 listen address such as [::], or passive: false");
    }
    for (size_t j = 0; j < i; ++j) {
      const SpeakerPeerConfig& other = config.peers[j];
      std::string earlier = "peers[" + std::to_string(j) + "]";
      if (peer.name == other.name) {
        return refuse("bgp-duplicate-peer-name", at + ".name",
                      "'" + peer.name + "' is already the name of " + earlier +
                          "; allowed: a different name for each peer");
      }
      // Incoming connections are matched to a peer by source address.
      if (peer.address == other.address) {
        return refuse("bgp-duplicate-peer-address", at + ".address",
                      peer.address.to_string() + " is already the address of " + earlier + " (" +
                          other.name + "); allowed: a different address for each peer");
      }
    }
  }
  return Status();
}

}  // namespace byoipd::bgp
