// IpamService: the prefixes byoipd originates in BGP. Announcements are
// journaled like every other change, so the Adj-RIB-Out survives restarts;
// the daemon hands them to the speaker once they are durable.
#include <tuple>

#include "byoipd/bgp/community.h"
#include "json_codec.h"
#include "service.h"
#include "service_args.h"

namespace byoipd::controller {

namespace {

constexpr uint8_t kMaxPrepend = 10;
constexpr size_t kMaxPrefixesPerCall = 200000;

Json announcement_json(const bgp::Announcement& a) {
  Json communities = Json::array(), large = Json::array();
  for (uint32_t c : a.communities) communities.push_back(bgp::community_to_string(c));
  for (const auto& c : a.large_communities) large.push_back(bgp::large_community_to_string(c));
  return Json{{"prefix", a.prefix.to_string()},
              {"communities", communities},
              {"large_communities", large},
              {"prepend", a.prepend},
              {"peers", a.peers}};
}

Status bad(const std::string& message) {
  return Status(Code::kInvalidArgument, "invalid-request", message);
}

bool has(const Json& body, const char* key) { return body.contains(key) && !body[key].is_null(); }

// body.prefix, or body.prefixes (a list) for bulk changes. A null field is
// the same as an absent one.
Result<std::vector<Prefix>> prefixes_arg(const Json& body) {
  std::vector<Prefix> out;
  if (has(body, "prefix") == has(body, "prefixes")) {
    return bad("give exactly one of body.prefix (a CIDR) or body.prefixes (a list of CIDRs)");
  }
  if (has(body, "prefix")) {
    if (!body["prefix"].is_string()) return bad("body.prefix must be a CIDR string");
    auto p = Prefix::parse(body["prefix"].get<std::string>());
    if (!p.ok()) return p.status();
    out.push_back(*p);
    return out;
  }
  const Json& list = body["prefixes"];
  if (!list.is_array() || list.empty() || list.size() > kMaxPrefixesPerCall) {
    return bad("body.prefixes must be a list of 1 to " + std::to_string(kMaxPrefixesPerCall) +
               " CIDR strings");
  }
  out.reserve(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_string()) return bad("body.prefixes[" + std::to_string(i) + "] is not a string");
    auto p = Prefix::parse(list[i].get<std::string>());
    if (!p.ok()) {
      return Status(p.status().code(), p.status().reason().data(),
                    "body.prefixes[" + std::to_string(i) + "]: " + p.status().message());
    }
    out.push_back(*p);
  }
  return out;
}

Result<std::vector<std::string>> string_list(const Json& body, const char* key) {
  std::vector<std::string> out;
  if (!body.contains(key) || body[key].is_null()) return out;
  if (!body[key].is_array()) return bad(std::string("body.") + key + " must be a list of strings");
  for (const auto& v : body[key]) {
    if (!v.is_string()) return bad(std::string("body.") + key + " must be a list of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

Status IpamService::require_bgp_reader(const Principal& who, const std::string& op) const {
  if (is_admin(who) || who.account == org_.management_account) return {};
  return Status(Code::kPermissionDenied, "not-delegated-admin",
                "account " + who.account + " may not " + op +
                    ": BGP state is read by the management account and the delegated IPAM admin");
}

Result<bgp::Announcement> IpamService::parse_announcement(const Json& body,
                                                          const Prefix& prefix) const {
  bgp::Announcement a;
  a.prefix = prefix;
  auto communities = string_list(body, "communities");
  if (!communities.ok()) return communities.status();
  for (const auto& text : *communities) {
    auto c = bgp::parse_community(text);
    if (!c.ok()) return c.status();
    a.communities.push_back(*c);
  }
  auto large = string_list(body, "large_communities");
  if (!large.ok()) return large.status();
  for (const auto& text : *large) {
    auto c = bgp::parse_large_community(text);
    if (!c.ok()) return c.status();
    a.large_communities.push_back(*c);
  }
  // Both community lists are sets: kept sorted and unique, so announcing the
  // same set in another order is no change.
  std::sort(a.communities.begin(), a.communities.end());
  a.communities.erase(std::unique(a.communities.begin(), a.communities.end()), a.communities.end());
  auto key = [](const bgp::LargeCommunity& c) {
    return std::tie(c.global_admin, c.local1, c.local2);
  };
  std::sort(a.large_communities.begin(), a.large_communities.end(),
            [&](const auto& x, const auto& y) { return key(x) < key(y); });
  a.large_communities.erase(
      std::unique(a.large_communities.begin(), a.large_communities.end()),
      a.large_communities.end());
  if (body.contains("prepend") && !body["prepend"].is_null()) {
    const Json& v = body["prepend"];
    if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > kMaxPrepend) {
      return Status(Code::kInvalidArgument, "invalid-prepend",
                    "body.prepend is " + body["prepend"].dump() + "; it must be 0.." +
                        std::to_string(kMaxPrepend) + " extra copies of the local AS");
    }
    a.prepend = static_cast<uint8_t>(v.get<int64_t>());
  }
  auto peers = string_list(body, "peers");
  if (!peers.ok()) return peers.status();
  a.peers = std::move(*peers);
  std::sort(a.peers.begin(), a.peers.end());
  a.peers.erase(std::unique(a.peers.begin(), a.peers.end()), a.peers.end());
  if (!replaying_) {
    for (const auto& name : a.peers) {
      if (!bgp_peer_names_.count(name)) {
        return Status(Code::kNotFound, "no-such-peer",
                      "body.peers names '" + name + "', which is not a BGP peer in the config");
      }
    }
  }
  return a;
}

Result<Json> IpamService::run_bgp(const Principal& who, const std::string& op, const Json& args,
                                  bool& mutated) {
  const Json& body = body_arg(args);
  if (op == "bgp_list_announcements") {
    if (Status st = require_bgp_reader(who, op); !st.ok()) return st;
    Json list = Json::array();
    for (const auto& [prefix, a] : announcements_) list.push_back(announcement_json(a));
    return Json{{"announcements", std::move(list)}};
  }
  if (Status st = require_admin(who, op); !st.ok()) return st;
  if (!replaying_) {  // a misspelt "peers" must not announce to every peer
    Fields fields(body);
    if (op == "bgp_announce") {
      fields.only({"prefix", "prefixes", "communities", "large_communities", "prepend", "peers"});
    } else {
      fields.only({"prefix", "prefixes"});
    }
    if (!fields.ok()) return fields.status();
  }
  auto prefixes = prefixes_arg(body);
  if (!prefixes.ok()) return prefixes.status();
  if (op == "bgp_announce") {
    std::vector<bgp::Announcement> parsed;
    parsed.reserve(prefixes->size());
    for (const Prefix& p : *prefixes) {  // all or nothing: check every one first
      auto a = parse_announcement(body, p);
      if (!a.ok()) return a.status();
      parsed.push_back(std::move(*a));
    }
    bool changed = false;
    for (auto& a : parsed) {
      auto [it, inserted] = announcements_.try_emplace(a.prefix, a);
      if (inserted || !(it->second == a)) {
        it->second = a;
        changed = true;
      }
    }
    mutated = changed;
    Json result{{"changed", changed}, {"count", parsed.size()}};
    // The answer's shape follows the request's: body.prefix names the one
    // announcement, body.prefixes (even a list of one) does not.
    if (has(body, "prefix")) result["announcement"] = announcement_json(parsed[0]);
    return result;
  }
  // bgp_withdraw: withdrawing what is not announced is not an error.
  size_t removed = 0;
  for (const Prefix& p : *prefixes) removed += announcements_.erase(p);
  mutated = removed > 0;
  Json result{{"changed", removed > 0}, {"count", removed}};
  if (has(body, "prefix")) result["withdrawn"] = (*prefixes)[0].to_string();
  return result;
}

// Announcements in the snapshot's access state.
Json IpamService::announcements_snapshot() const {
  Json list = Json::array();
  for (const auto& [prefix, a] : announcements_) list.push_back(announcement_json(a));
  return list;
}

Status IpamService::restore_announcements(const Json& list) {
  announcements_.clear();
  bool was = replaying_;
  replaying_ = true;  // peer names are not checked against today's config
  for (const auto& j : list) {
    auto p = Prefix::parse(j.at("prefix").get<std::string>());
    if (!p.ok()) {
      replaying_ = was;
      return p.status();
    }
    auto a = parse_announcement(j, *p);
    if (!a.ok()) {
      replaying_ = was;
      return a.status();
    }
    announcements_[*p] = std::move(*a);
  }
  replaying_ = was;
  return {};
}

}  // namespace byoipd::controller
