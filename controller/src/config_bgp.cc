// The bgp section of byoipd's config: YAML into bgp::SpeakerConfig, then
// bgp::validate() for the rules that span settings (unique names and
// addresses, next hops per family, ...), and its describe_changes() lines.
//
// The reader checks what each value is (an AS number, an address, a
// community, a number in range); bgp::validate() owns the rules. Its messages
// start with the key path inside the section ("peers[1].hold_time: ..."), so
// report_rule() reports a refusal at that key's line like any other config
// error.
#include <algorithm>
#include <string>
#include <utility>

#include "byoipd/bgp/community.h"
#include "byoipd/common/asn.h"
#include "config_reader.h"

namespace byoipd::controller::config_detail {
namespace {

constexpr std::string_view kBgpKeys[] = {"local_as", "router_id", "listen", "peers"};
constexpr std::string_view kPeerKeys[] = {
    "name",     "address",   "port",          "local_address", "remote_as",
    "role",     "password",  "hold_time",     "connect_retry", "passive",
    "families", "gtsm",      "graceful_restart", "import",     "export"};
constexpr std::string_view kImportKeys[] = {"max_prefixes", "max_prefix_action",
                                            "max_prefix_restart", "max_length_v4",
                                            "max_length_v6"};
constexpr std::string_view kExportKeys[] = {"next_hop_v4", "next_hop_v6", "communities",
                                            "large_communities", "prepend", "med"};
constexpr std::string_view kRoles[] = {"onprem", "upstream", "observer"};
constexpr std::string_view kFamilies[] = {"ipv4-unicast", "ipv6-unicast"};
constexpr std::string_view kPrefixActions[] = {"teardown", "warn"};

constexpr std::string_view kAsnAllowed =
    "allowed: an AS number from 1 to 4294967295, asplain (64512) or asdot (\"1.10\")";
constexpr std::string_view kAddressAllowed = "allowed: a literal IPv4 or IPv6 address";
constexpr std::string_view kListenAllowed =
    "allowed: host:port, where host is an IPv4 address or an IPv6 address in brackets (quote "
    "the value in YAML: \"[::1]:1179\") and port is 0 (any free port) to 65535";
constexpr std::string_view kCommunityAllowed =
    "allowed: \"asn16:value16\" (RFC 1997, each 0 to 65535) or no-export, no-advertise, "
    "no-export-subconfed, blackhole, graceful-shutdown";
constexpr std::string_view kLargeCommunityAllowed =
    "allowed: \"global:local1:local2\" (RFC 8092, each 0 to 4294967295)";

template <typename T, typename F>
std::string list_text(const std::vector<T>& items, F text) {
  std::string out;
  for (const T& item : items) out += (out.empty() ? "" : ",") + text(item);
  return out.empty() ? "(none)" : out;
}

std::string address_text(const std::optional<IpAddress>& a) {
  return a ? a->to_string() : "(none)";
}

template <typename T>
std::string number_text(const std::optional<T>& n) {
  return n ? std::to_string(*n) : "(none)";
}

std::string listen_text(const bgp::SpeakerConfig& c) {
  if (!c.listen_address) return "(none)";
  Endpoint e{c.listen_address->to_string(), c.listen_port};
  return e.to_string();
}

// Each setting of a peer as text, for describe_changes(). The password is
// left out: it is compared, never shown.
std::vector<std::pair<const char*, std::string>> settings_of(const bgp::SpeakerPeerConfig& p) {
  auto yes_no = [](bool b) { return std::string(b ? "true" : "false"); };
  const bgp::ImportPolicy& i = p.import;
  const bgp::ExportPolicy& e = p.export_policy;
  return {
      {"address", p.address.to_string()},
      {"port", std::to_string(p.port)},
      {"local_address", address_text(p.local_address)},
      {"remote_as", std::to_string(p.remote_as)},
      {"role", std::string(bgp::role_name(p.role))},
      {"hold_time", std::to_string(p.hold_time)},
      {"connect_retry", std::to_string(p.connect_retry_seconds)},
      {"passive", yes_no(p.passive)},
      {"families", list_text(p.families, bgp::family_name)},
      {"gtsm", yes_no(p.gtsm)},
      {"graceful_restart", p.graceful_restart_time ? std::to_string(*p.graceful_restart_time)
                                                   : std::string("off")},
      {"import.max_prefixes", number_text(i.max_prefixes)},
      {"import.max_prefix_action", i.max_prefix_teardown ? "teardown" : "warn"},
      {"import.max_prefix_restart", std::to_string(i.max_prefix_restart_seconds)},
      {"import.max_length_v4", std::to_string(i.max_length_v4)},
      {"import.max_length_v6", std::to_string(i.max_length_v6)},
      {"export.next_hop_v4", address_text(e.next_hop_v4)},
      {"export.next_hop_v6", address_text(e.next_hop_v6)},
      {"export.communities", list_text(e.communities, bgp::community_to_string)},
      {"export.large_communities", list_text(e.large_communities, bgp::large_community_to_string)},
      {"export.prepend", std::to_string(e.prepend)},
      {"export.med", number_text(e.med)},
  };
}

const bgp::SpeakerPeerConfig* find_peer(const std::vector<bgp::SpeakerPeerConfig>& peers,
                                        const std::string& name) {
  for (const bgp::SpeakerPeerConfig& p : peers) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

}  // namespace

void Reader::read_bgp(const Value* v, std::optional<bgp::SpeakerConfig>& out) {
  if (v == nullptr || failed()) return;
  Fields f = open(*v, kBgpKeys);
  bgp::SpeakerConfig config;
  constexpr std::string_view kRequired = "required: with a bgp section, local_as and router_id";
  asn(need(f, "local_as", kRequired), config.local_as);
  const Value* id = need(f, "router_id", kRequired);
  std::optional<IpAddress> router_id;
  ip_address(id, router_id);
  if (router_id && router_id->family() != Family::kV4) {
    invalid(*id, router_id->to_string() + " is not an IPv4 address",
            "allowed: an IPv4 address other than 0.0.0.0, usually one of the host's");
  }
  if (router_id) config.router_id = static_cast<uint32_t>(router_id->value());
  read_bgp_listen(f.get("listen"), config);
  std::vector<Value> peers;
  if (const Value* list = f.get("peers")) {
    peers = items(*list, "allowed: a list of mappings with keys " + join(kPeerKeys));
  }
  for (const Value& item : peers) read_bgp_peer(item, config.peers.emplace_back());
  if (failed()) return;
  if (Status rule = bgp::validate(config); !rule.ok()) {
    report_rule(*v, rule);
    return;
  }
  out = std::move(config);
}

void Reader::read_bgp_listen(const Value* v, bgp::SpeakerConfig& config) {
  std::string text_form;
  if (!text(v, text_form, false, kListenAllowed)) return;
  Endpoint endpoint;
  std::string wrong = parse_endpoint(text_form, endpoint, 0, false);
  if (!wrong.empty()) {
    invalid(*v, in_quotes(text_form) + " " + wrong, kListenAllowed);
    return;
  }
  config.listen_address = *IpAddress::parse(endpoint.host);
  config.listen_port = endpoint.port;
}

void Reader::read_bgp_peer(const Value& v, bgp::SpeakerPeerConfig& peer) {
  Fields f = open(v, kPeerKeys);
  constexpr std::string_view kRequired =
      "required: every peer has name, address, remote_as and role";
  text(need(f, "name", kRequired), peer.name, false,
       "allowed: 1 to 64 of A-Z a-z 0-9 _ . -, unique among peers");
  std::optional<IpAddress> address;
  ip_address(need(f, "address", kRequired), address);
  if (address) peer.address = *address;
  asn(need(f, "remote_as", kRequired), peer.remote_as);
  // No default role: whether byoipd announces to a peer is said out loud.
  std::string role;
  choice(need(f, "role", kRequired), kRoles, "peer role", role);
  if (auto parsed = bgp::parse_role(role)) peer.role = *parsed;
  integer(f.get("port"), 1, 65535, peer.port);
  ip_address(f.get("local_address"), peer.local_address);
  text(f.get("password"), peer.password, false,
       "allowed: 1 to 80 characters (the TCP-MD5 key, RFC 2385), or omit it for none");
  integer(f.get("hold_time"), 0, 65535, peer.hold_time);
  integer(f.get("connect_retry"), 1, 3600, peer.connect_retry_seconds);
  boolean(f.get("passive"), peer.passive);
  families(f.get("families"), peer.families);
  boolean(f.get("gtsm"), peer.gtsm);
  if (const Value* restart = f.get("graceful_restart")) {
    uint16_t seconds = 0;
    integer(restart, 1, 4095, seconds);
    if (!failed()) peer.graceful_restart_time = seconds;
  }
  read_bgp_import(f.get("import"), peer.import);
  read_bgp_export(f.get("export"), peer.export_policy);
}

void Reader::read_bgp_import(const Value* v, bgp::ImportPolicy& import) {
  if (v == nullptr || failed()) return;
  Fields f = open(*v, kImportKeys);
  if (const Value* max = f.get("max_prefixes")) {
    uint32_t n = 0;
    integer(max, 1, 4294967295, n);
    if (!failed()) import.max_prefixes = n;
  }
  std::string action = import.max_prefix_teardown ? "teardown" : "warn";
  choice(f.get("max_prefix_action"), kPrefixActions, "max-prefix action", action);
  import.max_prefix_teardown = action == "teardown";
  integer(f.get("max_prefix_restart"), 0, 65535, import.max_prefix_restart_seconds);
  integer(f.get("max_length_v4"), 0, 32, import.max_length_v4);
  integer(f.get("max_length_v6"), 0, 128, import.max_length_v6);
}

void Reader::read_bgp_export(const Value* v, bgp::ExportPolicy& out) {
  if (v == nullptr || failed()) return;
  Fields f = open(*v, kExportKeys);
  ip_address(f.get("next_hop_v4"), out.next_hop_v4);
  ip_address(f.get("next_hop_v6"), out.next_hop_v6);
  communities(f.get("communities"), out.communities);
  large_communities(f.get("large_communities"), out.large_communities);
  integer(f.get("prepend"), 0, 10, out.prepend);
  if (const Value* med = f.get("med")) {
    uint32_t n = 0;
    integer(med, 0, 4294967295, n);
    if (!failed()) out.med = n;
  }
}

void Reader::boolean(const Value* v, bool& out) {
  if (v == nullptr || failed()) return;
  const std::string& tag = v->node.Tag();
  bool plain = tag == "?" || tag == "tag:yaml.org,2002:bool";
  if (!v->node.IsScalar() || !plain ||
      (v->node.Scalar() != "true" && v->node.Scalar() != "false")) {
    wrong_type(*v, "true or false", "allowed: true or false, without quotes");
    return;
  }
  out = v->node.Scalar() == "true";
}

void Reader::asn(const Value* v, uint32_t& out) {
  std::string text_form;
  if (!text(v, text_form, false, kAsnAllowed)) return;
  Result<Asn> parsed = Asn::parse(text_form);
  if (!parsed.ok()) {
    invalid(*v, in_quotes(text_form) + " is not an AS number", kAsnAllowed);
    return;
  }
  out = parsed->value();
}

void Reader::ip_address(const Value* v, std::optional<IpAddress>& out) {
  std::string text_form;
  if (!text(v, text_form, false, kAddressAllowed)) return;
  Result<IpAddress> parsed = IpAddress::parse(text_form);
  if (!parsed.ok()) {
    invalid(*v, in_quotes(text_form) + " is not an IP address (host names are not resolved)",
            kAddressAllowed);
    return;
  }
  out = *parsed;
}

void Reader::families(const Value* v, std::vector<bgp::AfiSafi>& out) {
  if (v == nullptr || failed()) return;
  std::vector<Value> list = items(*v, "allowed: a list of ipv4-unicast, ipv6-unicast");
  std::vector<bgp::AfiSafi> families;
  for (const Value& item : list) {
    std::string name;
    choice(&item, kFamilies, "family name", name);
    families.push_back({name == "ipv6-unicast" ? bgp::Afi::kIpv6 : bgp::Afi::kIpv4,
                        bgp::Safi::kUnicast});
  }
  if (!failed()) out = std::move(families);
}

void Reader::communities(const Value* v, std::vector<uint32_t>& out) {
  if (v == nullptr || failed()) return;
  for (const Value& item : items(*v, std::string(kCommunityAllowed) + ", in a list")) {
    std::string text_form;
    if (!text(&item, text_form, false, kCommunityAllowed)) return;
    Result<uint32_t> community = bgp::parse_community(text_form);
    if (!community.ok()) {
      invalid(item, in_quotes(text_form) + " is not a community", kCommunityAllowed);
      return;
    }
    out.push_back(*community);
  }
}

void Reader::large_communities(const Value* v, std::vector<bgp::LargeCommunity>& out) {
  if (v == nullptr || failed()) return;
  for (const Value& item : items(*v, std::string(kLargeCommunityAllowed) + ", in a list")) {
    std::string text_form;
    if (!text(&item, text_form, false, kLargeCommunityAllowed)) return;
    Result<bgp::LargeCommunity> community = bgp::parse_large_community(text_form);
    if (!community.ok()) {
      invalid(item, in_quotes(text_form) + " is not a large community", kLargeCommunityAllowed);
      return;
    }
    out.push_back(*community);
  }
}

// The speaker takes its config at start only, so every change waits for a
// restart.
void diff_bgp(const std::optional<bgp::SpeakerConfig>& a,
              const std::optional<bgp::SpeakerConfig>& b, ChangeList& out) {
  out.note("bgp", a ? "on" : "off", b ? "on" : "off", true);
  if (!a || !b) return;
  out.note("bgp.local_as", std::to_string(a->local_as), std::to_string(b->local_as), true);
  out.note("bgp.router_id", IpAddress::v4(a->router_id).to_string(),
           IpAddress::v4(b->router_id).to_string(), true);
  out.note("bgp.listen", listen_text(*a), listen_text(*b), true);
  auto label = [](const bgp::SpeakerPeerConfig& p) {
    return p.name + " (" + p.address.to_string() + ")";
  };
  for (const bgp::SpeakerPeerConfig& old : a->peers) {
    const bgp::SpeakerPeerConfig* now = find_peer(b->peers, old.name);
    if (now == nullptr) {
      out.add("bgp.peers: removed " + label(old) + " (needs a restart)");
      continue;
    }
    std::string key = "bgp.peers: " + old.name + " ";
    auto before = settings_of(old);
    auto after = settings_of(*now);
    for (size_t i = 0; i < before.size(); ++i) {
      out.note(key + before[i].first, before[i].second, after[i].second, true);
    }
    if (old.password != now->password) {
      out.add("bgp.peers: " + old.name + ": new password (needs a restart)");
    }
  }
  for (const bgp::SpeakerPeerConfig& now : b->peers) {
    if (find_peer(a->peers, now.name) == nullptr) {
      out.add("bgp.peers: added " + label(now) + " (needs a restart)");
    }
  }
}

}  // namespace byoipd::controller::config_detail
