// VRP JSON exports of RPKI relying-party software, parsed from a byte buffer.
//
// Four shapes are read, all an object with a "roas" array of
// {"prefix", "maxLength", "asn", ...} entries:
//
//   rpki-client `json`   {"metadata": {"buildmachine", "buildtime", "generated",
//                         "elapsedtime", "vrps", "uniquevrps", ...},
//                         "roas": [{"asn": 13335, "prefix", "maxLength",
//                         "ta": "apnic", "expires": 1791385200}],
//                         "aspas": [...], "bgpsec_keys": [...], ...}
//   Routinator `json`    {"metadata": {"generated", "generatedTime"},
//                         "roas": [{"asn": "AS196615", "prefix", "maxLength",
//                         "ta": "ripe"}], "routerKeys": [...], "aspas": [...]}
//   Routinator `jsonext` as `json`, but each roa carries a "source" array
//                        ([{"type": "roa", "uri", "validity", "chainValidity",
//                        "stale", "tal"}]) instead of "ta".
//   StayRTR/GoRTR input  {"metadata": {"counts", "generated", "valid",
//                         "signature", "signatureDate"}, "roas": [{"prefix",
//                         "maxLength", "asn": 13335 or "AS13335", "ta"}]}
//
// What tells them apart (detect order): rpki-client's metadata holds its run
// statistics (buildmachine, buildtime, elapsedtime, uniquevrps...); StayRTR's
// holds counts / valid / signature; a "source" array in the first roa means
// jsonext; otherwise the first roa's ASN decides: an "AS..." string is
// Routinator json, a number with "expires" rpki-client, a number without it
// StayRTR. The detected format is informational only: every entry is
// accepted in any of these shapes (numeric or "AS..." ASN, "ta" or
// "source"), so a file never fails because it was misclassified.
//
// Other top-level members ("aspas", "bgpsec_keys", "routerKeys",
// "provider_authorizations", ...) and unknown entry members are ignored.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "byoipd/common/status.h"
#include "byoipd/rpki/vrp_table.h"

namespace byoipd::rpki {

enum class VrpFormat : uint8_t {
  kUnknown,           // no metadata and no entry to judge by
  kRpkiClient,        // rpki-client -j
  kRoutinatorJson,    // routinator vrps --format json
  kRoutinatorJsonExt, // routinator vrps --format jsonext
  kStayRtr,           // StayRTR / GoRTR cache input
};
std::string_view vrp_format_name(VrpFormat f);  // "rpki-client", "routinator-json"...

// What a file says about itself; every member is optional in every format.
struct VrpFileMetadata {
  std::optional<int64_t> generated;       // "generated": Unix time of the export
  std::string generated_time;             // "generatedTime", else rpki-client "buildtime"
  std::optional<int64_t> valid_until;     // StayRTR "valid": Unix time
  std::optional<uint64_t> declared_count; // StayRTR "counts", rpki-client "uniquevrps"
  std::string build_machine;              // rpki-client "buildmachine"
};

// One "roas" entry that was skipped, and why.
struct VrpFinding {
  size_t index = 0;   // position in the "roas" array, 0-based
  size_t offset = 0;  // byte offset of the entry's first character
  size_t line = 0;    // 1-based line of that byte
  Status error;       // reason such as "non-canonical-prefix", "missing-asn"

  // "roas[3] (line 9, byte 212): invalid-asn: ...".
  std::string to_string() const;
};

struct VrpFile {
  std::vector<Vrp> vrps;             // accepted entries, in file order
  std::vector<VrpFinding> skipped;   // the first max_findings skipped entries
  size_t skipped_count = 0;          // every skipped entry, listed or not
  size_t entries = 0;                // length of the "roas" array
  VrpFormat format = VrpFormat::kUnknown;
  VrpFileMetadata metadata;
};

struct VrpJsonOptions {
  // Skipped entries listed in VrpFile::skipped; the rest are only counted,
  // so a wholly broken 1M-entry file cannot cost a message per entry.
  size_t max_findings = 1000;
};

// Parses one export. A malformed entry (prefix not canonical or unparsable,
// maxLength below the prefix length or above the family width (RFC 6482
// section 3.3), ASN not a number or "AS<number>" in 0..4294967295, a field
// missing, repeated or of the wrong JSON type, an entry that is not an
// object) is skipped and reported with its position. A malformed file is an
// error (code invalid-argument) and yields nothing, so the caller keeps its
// last good set: reasons "invalid-json" (with line and byte), "not-an-object",
// "missing-roas", "roas-not-array", "duplicate-roas".
// Every accepted VRP is tagged with `source`.
Result<VrpFile> parse_vrp_json(std::string_view text, SourceId source,
                               const VrpJsonOptions& options = {});

}  // namespace byoipd::rpki
