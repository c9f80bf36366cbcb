// byoipctl rpki: the validator's sources and published table, and route
// origin validation of one prefix and origin (GET /v1/rpki/*).
#include <charconv>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "session.h"

namespace byoipctl {
namespace {

struct RpkiFlags {
  std::string prefix, origin;
};

constexpr const char* kOriginAllowed =
    "allowed: an AS number (64500, AS64500 or asdot 1.10), or none for a route whose AS_PATH "
    "ends in an AS_SET";

std::optional<uint64_t> digits_value(std::string_view text, uint64_t max) {
  if (text.empty() || text.size() > 10) return std::nullopt;
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n > max) return std::nullopt;
  return n;
}

// The API's origin_as: "none", or the AS number in asplain. Accepts
// "64500", "AS64500" (any case) and asdot "1.10" (RFC 5396).
std::optional<std::string> origin_query(std::string_view text) {
  if (text == "none") return std::string(text);
  if (text.size() > 2 && (text[0] == 'A' || text[0] == 'a') &&
      (text[1] == 'S' || text[1] == 's')) {
    text.remove_prefix(2);
  }
  if (text.find_first_not_of("0123456789.") != std::string_view::npos) return std::nullopt;
  size_t dot = text.find('.');
  if (dot == std::string_view::npos) {
    auto n = digits_value(text, 4294967295u);
    return n ? std::optional(std::to_string(*n)) : std::nullopt;
  }
  auto high = digits_value(text.substr(0, dot), 65535);
  auto low = digits_value(text.substr(dot + 1), 65535);
  if (!high || !low) return std::nullopt;
  return std::to_string(*high << 16 | *low);
}

int status(Session& s) {
  Reply r = s.call("GET", "/v1/rpki/status");
  if (r.code != kExitOk) return r.code;
  if (s.json()) return s.print_json(r.body);
  s.out() << render_rpki_status(r.body);
  return kExitOk;
}

// Valid, invalid and not-found are all answers: the state is output, and the
// exit code is 0.
int validate(Session& s, const RpkiFlags& o) {
  std::optional<std::string> origin = origin_query(o.origin);
  if (!origin) return s.usage("'" + o.origin + "' is not an origin AS; " + kOriginAllowed);
  Query q;
  q.add("prefix", o.prefix).add("origin_as", *origin);
  Reply r = s.call("GET", "/v1/rpki/validate" + q.str());
  if (r.code != kExitOk) return r.code;
  if (s.json()) return s.print_json(r.body);
  s.out() << render_rpki_validation(r.body);
  return kExitOk;
}

}  // namespace

void add_rpki(CLI::App& app, Commands& c) {
  CLI::App* g = group(app, "rpki", "RPKI sources, VRPs and route origin validation");
  auto o = std::make_shared<RpkiFlags>();

  c.leaf(g, "status", "Show the RPKI sources (RTR caches, VRP files, SLURM) and the VRP table",
         [](Session& s) { return status(s); });

  CLI::App* check = c.leaf(g, "validate", "Validate the origin ASN of PREFIX (RFC 6811)",
                           [o](Session& s) { return validate(s, *o); });
  check->add_option("PREFIX", o->prefix, "The route's prefix, e.g. 203.0.113.0/24")->required();
  check->add_option("ASN", o->origin,
                    "The origin AS: 64500, AS64500, 1.10, or none (AS_PATH ends in an AS_SET)")
      ->required();
}

}  // namespace byoipctl
