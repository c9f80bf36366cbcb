// Local exceptions to RPKI data: SLURM (RFC 8416).
//
// A SLURM file removes VRPs (validation output filters, section 3.3) and
// adds VRPs of its own (locally added assertions, section 3.4). Parsing is
// strict: a file either parses whole or is refused with an error naming the
// JSON path and the rule ("$.locallyAddedAssertions.prefixAssertions[1]
// .maxPrefixLength: 16 is below the prefix length 24..."), because section
// 4.1 asks that a SLURM file take effect atomically or not at all.
//
// BGPsec filters and assertions are parsed and validated (ASN range, SKI and
// routerPublicKey as unpadded base64url, RFC 4648 section 5) but have no
// effect: byoipd holds no router keys. The SKI's decoded length is not
// checked against the 20 octets of RFC 6487 because RFC 8416's own examples
// use shorter placeholders ("Zm9v").
//
// Members other than those of RFC 8416 are refused (a mistyped
// "maxPrefixLen" would otherwise silently change an assertion), except the
// ASPA extension members "aspaFilters" and "aspaAssertions" of
// draft-ietf-sidrops-aspa-slurm, which are accepted and ignored.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "byoipd/common/ip.h"
#include "byoipd/common/status.h"
#include "byoipd/rpki/vrp_table.h"

namespace byoipd::rpki {

// Section 3.3.1. At least one of prefix and asn is present.
struct PrefixFilter {
  std::optional<Prefix> prefix;
  std::optional<uint32_t> asn;
  std::string comment;

  // A VRP matches when its prefix is equal to or more specific than the
  // filter's prefix (if any) and its ASN equals the filter's ASN (if any).
  bool matches(const Vrp& vrp) const;
  friend bool operator==(const PrefixFilter&, const PrefixFilter&) = default;
};

// Section 3.3.2. At least one of asn and ski is present.
struct BgpsecFilter {
  std::optional<uint32_t> asn;
  std::optional<std::string> ski;  // base64url text, as written
  std::string comment;
  friend bool operator==(const BgpsecFilter&, const BgpsecFilter&) = default;
};

// Section 3.4.1.
struct PrefixAssertion {
  Prefix prefix;
  uint32_t asn = 0;
  std::optional<uint8_t> max_prefix_length;  // prefix length when absent
  std::string comment;

  Vrp to_vrp(SourceId source) const;
  friend bool operator==(const PrefixAssertion&, const PrefixAssertion&) = default;
};

// Section 3.4.2.
struct BgpsecAssertion {
  uint32_t asn = 0;
  std::string ski;                // base64url text, as written
  std::string router_public_key;  // base64url text, as written
  std::string comment;
  friend bool operator==(const BgpsecAssertion&, const BgpsecAssertion&) = default;
};

struct Slurm {
  std::vector<PrefixFilter> prefix_filters;
  std::vector<BgpsecFilter> bgpsec_filters;
  std::vector<PrefixAssertion> prefix_assertions;
  std::vector<BgpsecAssertion> bgpsec_assertions;
  friend bool operator==(const Slurm&, const Slurm&) = default;
};

// Parses one SLURM file (slurmVersion 1). Errors have code
// invalid-argument and one of the reasons "invalid-json", "invalid-slurm"
// (wrong shape or type, unknown member), "unsupported-slurm-version",
// "missing-member", "filter-without-prefix-or-asn",
// "bgpsec-filter-without-asn-or-ski", "invalid-prefix" /
// "non-canonical-prefix" (from Prefix::parse), "invalid-asn",
// "max-prefix-length-out-of-range", "invalid-base64url"; the message starts
// with the JSON path of the offending value.
Result<Slurm> parse_slurm(std::string_view text);

// Several SLURM files used together (section 4.2): the union of their
// filters and assertions, provided no two files touch the same resources.
// Refused (reason "slurm-files-overlap", naming both files and the
// resources) when a prefix of one file's prefix filters or assertions
// overlaps (covers or is covered by) one in another file, or an ASN of one
// file's BGPsec filters or assertions appears in another file's.
struct NamedSlurm {
  std::string name;  // for messages: a path or a config key
  Slurm slurm;
};
Result<Slurm> merge_slurm(std::span<const NamedSlurm> files);

struct SlurmApplied {
  size_t filtered = 0;  // VRPs removed by prefix filters
  size_t added = 0;     // VRPs added by prefix assertions
  friend bool operator==(const SlurmApplied&, const SlurmApplied&) = default;
};

// Filters first, then assertions, so a filter never removes a local
// assertion: removes from `vrps` every VRP (of any source) that a prefix
// filter matches, then appends one VRP per distinct prefix assertion,
// tagged with `slurm_source`. REQUIRES: `vrps` holds no VRP of
// `slurm_source` already (apply to the sources' set, not to a prior result).
// O(VRPs x distinct filter prefix lengths).
SlurmApplied apply_slurm(const Slurm& slurm, std::vector<Vrp>& vrps, SourceId slurm_source);

}  // namespace byoipd::rpki
