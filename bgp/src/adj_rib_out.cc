#include "adj_rib_out.h"

#include <algorithm>

namespace byoipd::bgp {

namespace {

constexpr uint32_t kDefaultLocalPref = 100;  // RFC 4271 leaves it to policy; the common default

AfiSafi family_of(const Prefix& prefix) {
  return AfiSafi{prefix.family() == Family::kV4 ? Afi::kIpv4 : Afi::kIpv6, Safi::kUnicast};
}

bool negotiated(const ExportContext& context, AfiSafi family) {
  const auto& f = context.codec.families;
  return std::find(f.begin(), f.end(), family) != f.end();
}

template <typename T>
void sorted_union(std::vector<T>& out, const std::vector<T>& more) {
  out.insert(out.end(), more.begin(), more.end());
  std::sort(out.begin(), out.end(), [](const T& a, const T& b) {
    if constexpr (std::is_same_v<T, LargeCommunity>) {
      return std::tie(a.global_admin, a.local1, a.local2) <
             std::tie(b.global_admin, b.local1, b.local2);
    } else {
      return a < b;
    }
  });
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

std::optional<IpAddress> next_hop_for(Family family, const ExportContext& context) {
  const auto& configured =
      family == Family::kV4 ? context.policy.next_hop_v4 : context.policy.next_hop_v6;
  if (configured) return configured;
  if (context.local_address && context.local_address->family() == family) {
    return context.local_address;
  }
  return std::nullopt;
}

}  // namespace

bool exported_to(const Announcement& announcement, const ExportContext& context) {
  if (context.role == PeerRole::kObserver) return false;
  if (!negotiated(context, family_of(announcement.prefix))) return false;
  if (announcement.peers.empty()) return true;
  return std::find(announcement.peers.begin(), announcement.peers.end(), context.peer_name) !=
         announcement.peers.end();
}

Result<PathAttributes> export_attributes(const Announcement& announcement,
                                         const ExportContext& context) {
  const Family family = announcement.prefix.family();
  auto next_hop = next_hop_for(family, context);
  if (!next_hop) {
    return Status(Code::kFailedPrecondition, "no-next-hop",
                  "cannot announce " + announcement.prefix.to_string() + " to peer " +
                      context.peer_name + ": the session runs over " +
                      (context.local_address ? context.local_address->to_string()
                                             : std::string("an unknown address")) +
                      " and export.next_hop_" + (family == Family::kV4 ? "v4" : "v6") +
                      " is not set");
  }
  PathAttributes a;
  a.origin = Origin::kIgp;  // RFC 4271 5.1.1: originated by this AS
  const bool ibgp = context.local_as == context.remote_as;
  std::vector<AsPathSegment> path;
  if (!ibgp) {  // RFC 4271 5.1.2: prepend our AS towards external peers
    size_t copies = 1 + context.policy.prepend + announcement.prepend;
    path.push_back(AsPathSegment{AsPathSegment::Type::kSequence,
                                 std::vector<uint32_t>(copies, context.local_as)});
  }
  a.as_path = std::move(path);
  if (ibgp) a.local_pref = kDefaultLocalPref;  // RFC 4271 5.1.5: iBGP only
  a.med = context.policy.med;
  sorted_union(a.communities, context.policy.communities);
  sorted_union(a.communities, announcement.communities);
  sorted_union(a.large_communities, context.policy.large_communities);
  sorted_union(a.large_communities, announcement.large_communities);
  if (family == Family::kV4 && next_hop->family() == Family::kV4) {
    a.next_hop = *next_hop;
  } else {
    // RFC 4760 section 3 (and RFC 8950 for IPv4 over an IPv6 next hop is not
    // negotiated here, so IPv4 always takes the classic NEXT_HOP above).
    a.mp_reach = MpReach{family_of(announcement.prefix), {*next_hop}, {}};
  }
  return a;
}

ExportBatch build_advertisements(const std::vector<const Announcement*>& announcements,
                                 const ExportContext& context) {
  ExportBatch batch;
  // Group prefixes by identical attributes (one UPDATE carries many NLRI).
  std::vector<std::pair<PathAttributes, std::vector<Prefix>>> groups;
  for (const Announcement* a : announcements) {
    if (!exported_to(*a, context)) continue;
    auto attrs = export_attributes(*a, context);
    if (!attrs.ok()) {
      batch.skipped.emplace_back(a->prefix, attrs.status());
      continue;
    }
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const auto& g) { return g.first == *attrs; });
    if (it == groups.end()) {
      groups.emplace_back(std::move(*attrs), std::vector<Prefix>{});
      it = groups.end() - 1;
    }
    it->second.push_back(a->prefix);
    batch.advertised.push_back(a->prefix);
  }
  for (auto& [attrs, prefixes] : groups) {
    Update u;
    u.attributes = attrs;
    if (u.attributes.mp_reach) {
      u.attributes.mp_reach->nlri = std::move(prefixes);
    } else {
      u.nlri = std::move(prefixes);
    }
    auto parts = split_update(u, context.codec);
    if (!parts.ok()) {
      for (const Prefix& p : u.attributes.mp_reach ? u.attributes.mp_reach->nlri : u.nlri) {
        batch.skipped.emplace_back(p, parts.status());
        batch.advertised.erase(std::find(batch.advertised.begin(), batch.advertised.end(), p));
      }
      continue;
    }
    for (auto& part : *parts) batch.updates.push_back(std::move(part));
  }
  return batch;
}

std::vector<Update> build_withdrawals(const std::vector<Prefix>& prefixes,
                                      const ExportContext& context) {
  Update u;
  for (const Prefix& p : prefixes) {
    if (p.family() == Family::kV4) {
      u.withdrawn.push_back(p);
    } else {
      if (!u.attributes.mp_unreach) u.attributes.mp_unreach = MpUnreach{family_of(p), {}};
      u.attributes.mp_unreach->withdrawn.push_back(p);
    }
  }
  if (u.withdrawn.empty() && !u.attributes.mp_unreach) return {};
  auto parts = split_update(u, context.codec);
  return parts.ok() ? std::move(*parts) : std::vector<Update>{};
}

Update end_of_rib(AfiSafi family) {
  Update u;
  if (family.afi != Afi::kIpv4) u.attributes.mp_unreach = MpUnreach{family, {}};
  return u;
}

}  // namespace byoipd::bgp
