#include "rpki_api.h"

#include <ctime>

#include "byoipd/common/asn.h"
#include "service_args.h"

namespace byoipd::controller {

namespace {

using SystemClock = std::chrono::system_clock;

Json time_json(const std::optional<SystemClock::time_point>& t) {
  if (!t) return nullptr;
  std::time_t secs = SystemClock::to_time_t(*t);
  std::tm tm;
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf);
}

Json age_json(const std::optional<SystemClock::time_point>& t) {
  if (!t) return nullptr;
  // A wall clock stepped back must not show a negative age.
  auto age = std::chrono::duration_cast<std::chrono::seconds>(SystemClock::now() - *t).count();
  return age < 0 ? 0 : age;
}

template <typename T>
Json optional_json(const std::optional<T>& v) {
  return v ? Json(*v) : Json(nullptr);
}

// Source ids are numbered in config order: RTR caches, then JSON files,
// then SLURM (rpki/src/validator.cc).
std::string source_name(const rpki::RpkiStatus& status, rpki::SourceId id) {
  if (id >= 1 && id <= status.sources.size()) return status.sources[id - 1].name;
  return "source-" + std::to_string(id);
}

}  // namespace

Json rpki_status_json(const rpki::RpkiStatus& s) {
  Json sources = Json::array();
  for (const auto& src : s.sources) {
    sources.push_back(Json{{"name", src.name},
                           {"kind", src.kind},
                           {"location", src.location},
                           {"state", src.state},
                           {"session_id", optional_json(src.session_id)},
                           {"serial", optional_json(src.serial)},
                           {"version", src.version ? Json(int(*src.version)) : Json(nullptr)},
                           {"selected", optional_json(src.selected)},
                           {"last_update", time_json(src.last_update)},
                           {"last_update_age_seconds", age_json(src.last_update)},
                           {"vrps_v4", src.vrps_v4},
                           {"vrps_v6", src.vrps_v6},
                           {"stale", src.stale},
                           {"last_error", src.last_error}});
  }
  return Json{{"state", s.state},
              {"vrps", s.vrps},
              {"table_bytes", s.table_bytes},
              {"table_version", s.table_version},
              {"published", time_json(s.published)},
              {"slurm", {{"filtered", s.slurm_filtered}, {"added", s.slurm_added}}},
              {"sources", std::move(sources)}};
}

Result<Json> rpki_validate(const rpki::Validator& validator, const rpki::RpkiStatus& status,
                           const Json& args) {
  auto prefix_text = query_arg(args, "prefix");
  auto origin_text = query_arg(args, "origin_as");
  if (!prefix_text || !origin_text) {
    return Status(Code::kInvalidArgument, "invalid-request",
                  "give ?prefix=CIDR&origin_as=ASN (origin_as=none for a path ending in an "
                  "AS_SET)");
  }
  auto prefix = Prefix::parse(*prefix_text);
  if (!prefix.ok()) return prefix.status();
  std::optional<uint32_t> origin;
  if (*origin_text != "none") {
    auto asn = Asn::parse(*origin_text);
    if (!asn.ok()) return asn.status();
    origin = asn->value();
  }
  auto table = validator.table();
  rpki::Validation v = table ? table->validate(*prefix, origin) : rpki::Validation{};
  Json covering = Json::array();
  for (const auto& c : v.covering) {
    covering.push_back(Json{{"prefix", c.vrp.prefix.to_string()},
                            {"max_length", c.vrp.max_length},
                            {"asn", c.vrp.asn},
                            {"source", source_name(status, c.vrp.source)},
                            {"verdict", std::string(rpki::verdict_name(c.verdict))}});
  }
  return Json{{"prefix", prefix->to_string()},
              {"origin_as", optional_json(origin)},
              {"state", std::string(rpki::state_name(v.state))},
              {"rpki_state", status.state},
              {"covering", std::move(covering)}};
}

std::string rpki_route_state(const rpki::VrpTable& table, const Prefix& prefix,
                             std::optional<uint32_t> origin_as) {
  return std::string(rpki::state_name(table.validate_state(prefix, origin_as)));
}

std::string rpki_metrics(const rpki::RpkiStatus& s) {
  std::string out;
  auto family = [&](const char* name, const char* type, const char* help) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  };
  family("byoipd_rpki_stale", "gauge",
         "1 when every RPKI source is past its expire interval (nothing can be proven Valid).");
  out += std::string("byoipd_rpki_stale ") + (s.state == "stale" ? "1" : "0") + "\n";
  family("byoipd_rpki_vrps", "gauge", "VRPs in the published table.");
  out += "byoipd_rpki_vrps " + std::to_string(s.vrps) + "\n";
  family("byoipd_rpki_table_bytes", "gauge", "Heap bytes of the published VRP table.");
  out += "byoipd_rpki_table_bytes " + std::to_string(s.table_bytes) + "\n";
  // Source names are [A-Za-z0-9_.-] (rpki::validate), except SLURM's location.
  family("byoipd_rpki_source_vrps", "gauge", "VRPs each source holds.");
  for (const auto& src : s.sources) {
    out += "byoipd_rpki_source_vrps{source=\"" + src.name + "\",family=\"ipv4\"} " +
           std::to_string(src.vrps_v4) + "\n";
    out += "byoipd_rpki_source_vrps{source=\"" + src.name + "\",family=\"ipv6\"} " +
           std::to_string(src.vrps_v6) + "\n";
  }
  family("byoipd_rpki_source_up", "gauge", "1 when the source has data that is not stale.");
  for (const auto& src : s.sources) {
    bool up = src.last_update.has_value() && !src.stale;
    out += "byoipd_rpki_source_up{source=\"" + src.name + "\"} " + (up ? "1" : "0") + "\n";
  }
  family("byoipd_rpki_source_last_update_age_seconds", "gauge",
         "Seconds since the source last delivered data.");
  for (const auto& src : s.sources) {
    if (!src.last_update) continue;
    auto age = std::chrono::duration_cast<std::chrono::seconds>(SystemClock::now() -
                                                                *src.last_update);
    out += "byoipd_rpki_source_last_update_age_seconds{source=\"" + src.name + "\"} " +
           std::to_string(age.count()) + "\n";
  }
  return out;
}

}  // namespace byoipd::controller
