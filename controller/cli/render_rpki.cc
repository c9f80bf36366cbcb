// byoipctl's output for the rpki commands (render.h).
#include <cstdio>
#include <string>
#include <vector>

#include "render.h"

namespace byoipctl {
namespace {

std::string text_of(const Json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() ? "-" : cell_text(*it);
}

std::string number_of(const Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_number() ? it->dump() : "-";
}

// What each validator state means for the routes checked against it.
std::string state_note(const std::string& state) {
  if (state == "syncing") return " (no source has delivered yet)";
  if (state == "stale") {
    return " (every source is past its expire interval: nothing can be proven valid)";
  }
  return "";
}

}  // namespace

std::string format_bytes(const Json& bytes) {
  if (!bytes.is_number()) return "-";
  double n = bytes.get<double>();
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  size_t unit = 0;
  while (n >= 1024 && unit + 1 < std::size(units)) {
    n /= 1024;
    ++unit;
  }
  char buf[32];
  if (unit == 0) {
    std::snprintf(buf, sizeof buf, "%.0f B", n);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f %s", n, units[unit]);
  }
  return buf;
}

std::string render_rpki_status(const Json& status) {
  std::string state = status.value("state", std::string("-"));
  std::string out = "rpki " + state + state_note(state) + ": " + number_of(status, "vrps") +
                    " VRPs";
  const Json& published = status.value("published", Json());
  if (published.is_string()) {
    out += ", table version " + number_of(status, "table_version") + " published " +
           published.get<std::string>() + " (" + format_bytes(status.value("table_bytes", Json())) +
           ")";
  } else {
    out += ", no table published yet";
  }
  const Json& slurm = status.value("slurm", Json::object());
  if (slurm.is_object()) {
    out += "; SLURM " + number_of(slurm, "filtered") + " filtered, " + number_of(slurm, "added") +
           " added";
  }
  out += "\n";

  std::vector<std::vector<std::string>> rows;
  for (const Json& s : status.value("sources", Json::array())) {
    rows.push_back({text_of(s, "name"), text_of(s, "kind"), text_of(s, "location"),
                    text_of(s, "state"), text_of(s, "selected"), number_of(s, "session_id"),
                    number_of(s, "serial"),
                    number_of(s, "vrps_v4") + "/" + number_of(s, "vrps_v6"),
                    format_uptime(s.value("last_update_age_seconds", Json())), text_of(s, "stale"),
                    text_of(s, "last_error")});
  }
  // SELECTED: the RTR cache whose VRPs are in use (RFC 8210 section 10).
  return out + render_table({"NAME", "KIND", "LOCATION", "STATE", "SELECTED", "SESSION",
                             "SERIAL", "VRPS(v4/v6)", "AGE", "STALE", "LAST-ERROR"},
                            rows, {"SESSION", "SERIAL", "VRPS(v4/v6)", "AGE"});
}

std::string render_rpki_validation(const Json& validation) {
  const Json& origin = validation.value("origin_as", Json());
  std::string out = text_of(validation, "prefix") +
                    (origin.is_number() ? " from AS" + origin.dump()
                                        : std::string(" from an AS_SET (no origin AS)")) +
                    ": " + text_of(validation, "state");
  std::string data = validation.value("rpki_state", std::string("ok"));
  if (data != "ok") out += " (RPKI data " + data + state_note(data) + ")";
  out += "\n";
  const Json& covering = validation.value("covering", Json::array());
  if (!covering.is_array() || covering.empty()) return out + "no VRP covers the prefix\n";
  std::vector<std::vector<std::string>> rows;
  for (const Json& c : covering) {
    rows.push_back({text_of(c, "prefix"), number_of(c, "max_length"), number_of(c, "asn"),
                    text_of(c, "source"), text_of(c, "verdict")});
  }
  return out + render_table({"VRP", "MAX-LENGTH", "ASN", "SOURCE", "VERDICT"}, rows,
                            {"MAX-LENGTH", "ASN"});
}

}  // namespace byoipctl
