// Adj-RIB-Out (RFC 4271 section 3.2): the UPDATEs byoipd sends one peer for
// the prefixes it originates. Pure: announcements and the session's facts in,
// UPDATE messages out, so the export rules are tested without a socket.
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "byoipd/bgp/speaker.h"
#include "byoipd/bgp/wire.h"

namespace byoipd::bgp {

// What one established session needs to know to export.
struct ExportContext {
  uint32_t local_as = 0;
  uint32_t remote_as = 0;  // iBGP when equal to local_as
  PeerRole role = PeerRole::kOnprem;
  std::string peer_name;
  ExportPolicy policy;
  // The session's own address: the default next hop of its family.
  std::optional<IpAddress> local_address;
  CodecOptions codec;  // negotiated: 4-octet AS and families
};

// Whether `announcement` goes to this peer at all: never to an observer; to
// the peers it names, or every onprem and upstream peer when it names none;
// only in a negotiated family.
bool exported_to(const Announcement& announcement, const ExportContext& context);

// The path attributes byoipd attaches to `announcement` for this peer
// (RFC 4271 5.1): ORIGIN IGP; AS_PATH of the local AS, repeated for the
// export and announcement prepends, empty towards an iBGP peer (5.1.2);
// NEXT_HOP or MP_REACH next hop from the policy, else the session's address;
// LOCAL_PREF 100 towards iBGP only (5.1.5); MED when configured; communities
// and large communities of the policy and the announcement, sorted, without
// duplicates. Fails ("no-next-hop") when no next hop of the family is known.
Result<PathAttributes> export_attributes(const Announcement& announcement,
                                         const ExportContext& context);

// UPDATEs that advertise `announcements` (those exported to this peer),
// prefixes with equal attributes grouped and split to fit 4096 octets.
// Announcements without a usable next hop are skipped and returned in
// `skipped` with the reason.
struct ExportBatch {
  std::vector<Update> updates;
  std::vector<Prefix> advertised;
  std::vector<std::pair<Prefix, Status>> skipped;
};
ExportBatch build_advertisements(const std::vector<const Announcement*>& announcements,
                                 const ExportContext& context);

// UPDATEs that withdraw `prefixes` (IPv4 in the withdrawn field, IPv6 in
// MP_UNREACH), split to fit.
std::vector<Update> build_withdrawals(const std::vector<Prefix>& prefixes,
                                      const ExportContext& context);

// End-of-RIB for one family (RFC 4724 section 2).
Update end_of_rib(AfiSafi family);

}  // namespace byoipd::bgp
