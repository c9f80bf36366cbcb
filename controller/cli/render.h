// byoipctl's human output: pure functions from API JSON to text, so every
// layout is testable without a server. The JSON shapes are those of
// controller/src/json_codec.cc.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace byoipctl {

using Json = nlohmann::json;

// Display columns of UTF-8 text, one per code point: right for ASCII and the
// box-drawing and block characters byoipctl draws (not for wide CJK glyphs).
size_t display_width(std::string_view text);

// A header row and rows, columns two spaces apart, each as wide as its widest
// cell; the last column is not padded, so no line ends in spaces. Columns
// whose header is in `right_aligned` are aligned right (numbers).
std::string render_table(const std::vector<std::string>& headers,
                         const std::vector<std::vector<std::string>>& rows,
                         const std::vector<std::string>& right_aligned = {});

// "key: value" lines, the values starting in one column.
std::string render_fields(const std::vector<std::pair<std::string, std::string>>& fields);

// A JSON value as one cell: null and "" -> "-", strings bare, booleans
// yes/no, arrays joined with ",", objects (tags) as k=v joined with ",".
std::string cell_text(const Json& value);

// The lists of the API, each with its own columns.
enum class ListKind {
  kIpams,
  kScopes,
  kPools,
  kPoolCidrs,
  kAllocations,
  kResourceCidrs,
  kShares,
  kUtilization,  // utilization report rows
  kAlarms,
  kAccounts,
};
std::string render_list(ListKind kind, const Json& items);

// One object as a key: value block, "id" first and the rest by name. Arrays
// of objects (an organization's accounts) follow as an indented table.
std::string render_object(const Json& object);

// A pool's utilization: the counts and a bar.
std::string render_utilization(const Json& utilization);

// "[████░░░░░░░░░░░░░░░░]": `width` cells, filled in proportion (rounded).
std::string utilization_bar(double percent, int width = 20);
// "10.2%": one decimal.
std::string format_percent(double percent);
// Pools at or above this percent are flagged " !" in the tree (the daemon's
// default alarm threshold).
inline constexpr double kTreeFlagPercent = 80.0;

// The pool hierarchy of one IPAM:
//   ipam-0123 (home eu-west-1, advanced, regions eu-west-1 us-east-1)
//   └─ scope ipam-scope-0abc private (default)
//      └─ ipam-pool-0aaa  ipv4  locale -  10.0.0.0/8  [██░░...]  10.2%  available 15073280
//         └─ ipam-pool-0bbb ...
// `scopes` and `pools` are arrays as listed by the API (pools of every scope;
// children are nested under source_pool_id, in list order; a pool whose
// source is not in `pools` is drawn at the top of its scope). Per pool, its
// provisioned CIDRs are joined with ","; pending ones are marked
// "(pending)"; other states (deprovisioned, failed) are left out. Pools at or
// over kTreeFlagPercent are flagged " !". The pool columns are aligned across
// the whole IPAM.
std::string render_tree(const Json& ipam, const Json& scopes, const Json& pools,
                        const std::map<std::string, Json>& cidrs_by_pool,
                        const std::map<std::string, Json>& utilization_by_pool);

// The same hierarchy as JSON, for -o json: the ipam object with "scopes",
// each scope with "pools", each pool with "cidrs", "utilization" and
// "children".
Json tree_json(const Json& ipam, const Json& scopes, const Json& pools,
               const std::map<std::string, Json>& cidrs_by_pool,
               const std::map<std::string, Json>& utilization_by_pool);

// ---- bgp (render_bgp.cc); the shapes of GET /v1/bgp/* ----------------------------

// NAME ADDRESS AS ROLE STATE UPTIME IN OUT LAST-ERROR, from the "peers" array.
std::string render_bgp_peers(const Json& peers);
// PREFIX PEER ORIGIN-AS AS-PATH NEXT-HOP COMMUNITIES, from the "routes" array.
// A route whose origin is an AS_SET shows the set as "{64500,64501}"; stale
// routes (graceful restart) are marked " (stale)" after the prefix. When some
// route carries a non-null "rpki" (byoipd has an rpki section), an RPKI column
// (valid, invalid, not-found) follows ORIGIN-AS.
std::string render_bgp_routes(const Json& routes);
// PREFIX COMMUNITIES LARGE-COMMUNITIES PREPEND PEERS, from the
// "announcements" array; no peers means every onprem and upstream peer
// ("all").
std::string render_bgp_announcements(const Json& announcements);
// Whole seconds as "45s", "12m05s", "3h04m", "2d03h"; "-" for null.
std::string format_uptime(const Json& seconds);

// ---- rpki (render_rpki.cc); the shapes of GET /v1/rpki/* -------------------------

// The validator's state line, then NAME KIND LOCATION STATE SESSION SERIAL
// VRPS(v4/v6) AGE STALE LAST-ERROR from the "sources" array.
std::string render_rpki_status(const Json& status);
// "<prefix> from AS<n>: <state>" (with the validator's state when it is not
// ok), then the covering VRPs: VRP MAX-LENGTH ASN SOURCE VERDICT.
std::string render_rpki_validation(const Json& validation);
// A byte count as "512 B", "48.2 MiB"; "-" for null.
std::string format_bytes(const Json& bytes);

// The one-line error for stderr: "byoipctl: <code>: <message> (request <id>)"
// from the API's error body, else "byoipctl: HTTP <status>: <text>".
std::string error_line(int http_status, const Json& body, std::string_view text);

}  // namespace byoipctl
