#include "render.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <set>

namespace byoipctl {

size_t display_width(std::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;  // count lead bytes only
  return n;
}

namespace {

std::string pad(std::string_view text, size_t width, bool right) {
  size_t w = display_width(text);
  std::string fill(width > w ? width - w : 0, ' ');
  return right ? fill + std::string(text) : std::string(text) + fill;
}

// Aligns rows of cells; trailing padding is dropped from each line.
std::string align(const std::vector<std::vector<std::string>>& rows,
                  const std::vector<bool>& right) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], display_width(row[i]));
    }
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      if (i) line += "  ";
      bool r = i < right.size() && right[i];
      line += (i + 1 == row.size() && !r) ? row[i] : pad(row[i], widths[i], r);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string str(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end()) return "-";
  return cell_text(*it);
}

double number(const Json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_number() ? it->get<double>() : 0.0;
}

// A number with at most two decimals ("87.99", "80"); other values as cells.
std::string decimal(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_number_float()) return str(obj, key);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", it->get<double>());
  std::string out = buf;
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out;
}

std::string joined(const Json& array, const char* sep) {
  std::string out;
  if (!array.is_array()) return cell_text(array);
  for (const auto& v : array) {
    out += (out.empty() ? "" : sep) + (v.is_string() ? v.get<std::string>() : v.dump());
  }
  return out.empty() ? "-" : out;
}

}  // namespace

std::string render_table(const std::vector<std::string>& headers,
                         const std::vector<std::vector<std::string>>& rows,
                         const std::vector<std::string>& right_aligned) {
  std::vector<std::vector<std::string>> all;
  all.reserve(rows.size() + 1);
  all.push_back(headers);
  all.insert(all.end(), rows.begin(), rows.end());
  std::vector<bool> right;
  for (const auto& h : headers) {
    right.push_back(std::find(right_aligned.begin(), right_aligned.end(), h) !=
                    right_aligned.end());
  }
  return align(all, right);
}

std::string render_fields(const std::vector<std::pair<std::string, std::string>>& fields) {
  size_t width = 0;
  for (const auto& [k, v] : fields) width = std::max(width, display_width(k) + 1);
  std::string out;
  for (const auto& [k, v] : fields) {
    std::string line = pad(k + ":", width, false) + " " + v;
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string cell_text(const Json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    return s.empty() ? "-" : s;
  }
  if (value.is_boolean()) return value.get<bool>() ? "yes" : "no";
  if (value.is_array()) return joined(value, ",");
  if (value.is_object()) {
    std::string out;
    for (auto it = value.begin(); it != value.end(); ++it) {
      out += (out.empty() ? "" : ",") + it.key() + "=" +
             (it->is_string() ? it->get<std::string>() : it->dump());
    }
    return out.empty() ? "-" : out;
  }
  return value.dump();
}

// ---- lists ------------------------------------------------------------------

namespace {

struct Column {
  const char* header;
  std::function<std::string(const Json&)> cell;
  bool right = false;
};

Column field(const char* header, const char* key, bool right = false) {
  return Column{header, [key](const Json& o) { return str(o, key); }, right};
}

std::string netmask(const Json& o, const char* key) {
  std::string s = str(o, key);
  return s == "-" ? s : "/" + s;
}

std::vector<Column> columns(ListKind kind) {
  switch (kind) {
    case ListKind::kIpams:
      return {field("ID", "id"), field("HOME", "home_region"),
              {"REGIONS", [](const Json& o) { return joined(o.value("operating_regions", Json()), ","); }},
              field("TIER", "tier"), field("SCOPES", "scope_count", true),
              field("DESCRIPTION", "description")};
    case ListKind::kScopes:
      return {field("ID", "id"), field("IPAM", "ipam_id"), field("TYPE", "type"),
              field("DEFAULT", "is_default"), field("POOLS", "pool_count", true),
              field("DESCRIPTION", "description")};
    case ListKind::kPools:
      return {field("ID", "id"), field("SCOPE", "scope_id"), field("FAMILY", "address_family"),
              field("LOCALE", "locale"), field("DEPTH", "depth", true),
              field("SOURCE", "source_pool_id"),
              {"DEFAULT/MIN/MAX",
               [](const Json& o) {
                 return str(o, "allocation_default_netmask_length") + "/" +
                        str(o, "allocation_min_netmask_length") + "/" +
                        str(o, "allocation_max_netmask_length");
               }},
              field("REQUIRED TAGS", "allocation_resource_tags"),
              field("DESCRIPTION", "description")};
    case ListKind::kPoolCidrs:
      return {field("CIDR", "cidr"), field("STATE", "state"), field("ID", "id"),
              field("REASON", "failure_reason")};
    case ListKind::kAllocations:
      return {field("ID", "id"), field("CIDR", "cidr"), field("TYPE", "resource_type"),
              field("RESOURCE", "resource_id"), field("OWNER", "resource_owner"),
              field("REGION", "resource_region"), field("DESCRIPTION", "description")};
    case ListKind::kResourceCidrs:
      return {field("RESOURCE", "resource_id"), field("TYPE", "resource_type"),
              field("CIDR", "cidr"), field("REGION", "region"), field("OWNER", "owner"),
              field("POOL", "pool_id"), field("MANAGEMENT", "management_state"),
              field("OVERLAP", "overlap_status"), field("COMPLIANCE", "compliance_status"),
              field("REASON", "noncompliance_reason")};
    case ListKind::kShares:
      return {field("ID", "id"), field("NAME", "name"),
              field("EXTERNAL", "allow_external_principals"), field("POOLS", "pools"),
              field("PRINCIPALS", "principals")};
    case ListKind::kUtilization:
      return {field("POOL", "pool_id"),
              {"USED", [](const Json& o) { return format_percent(number(o, "percent")); }, true},
              {"BAR", [](const Json& o) { return utilization_bar(number(o, "percent")); }},
              field("ALLOCATED", "allocated_addresses", true),
              field("AVAILABLE", "available_addresses", true),
              field("PROVISIONED", "provisioned_addresses", true),
              field("ALLOCATIONS", "allocation_count", true),
              {"LARGEST FREE", [](const Json& o) { return netmask(o, "largest_free_netmask_length"); }}};
    case ListKind::kAlarms:
      return {field("KIND", "kind"), field("KEY", "key"),
              {"VALUE", [](const Json& o) { return decimal(o, "value"); }, true},
              {"THRESHOLD", [](const Json& o) { return decimal(o, "threshold"); }, true},
              field("SINCE", "since"),
              field("MESSAGE", "message")};
    case ListKind::kAccounts:
      return {field("ID", "id"), field("NAME", "name"), field("OU", "ou")};
  }
  return {};
}

}  // namespace

std::string render_list(ListKind kind, const Json& items) {
  std::vector<Column> cols = columns(kind);
  std::vector<std::string> headers;
  std::vector<std::string> right;
  for (const auto& c : cols) {
    headers.push_back(c.header);
    if (c.right) right.push_back(c.header);
  }
  std::vector<std::vector<std::string>> rows;
  if (items.is_array()) {
    for (const auto& item : items) {
      std::vector<std::string> row;
      for (const auto& c : cols) row.push_back(c.cell(item));
      rows.push_back(std::move(row));
    }
  }
  return render_table(headers, rows, right);
}

std::string render_object(const Json& object) {
  if (!object.is_object()) return cell_text(object) + "\n";
  std::vector<std::pair<std::string, std::string>> fields;
  std::vector<std::pair<std::string, const Json*>> tables;
  auto add = [&](const std::string& key, const Json& v) {
    bool object_rows = v.is_array() && !v.empty() && v.front().is_object();
    if (object_rows) {
      tables.emplace_back(key, &v);
    } else {
      fields.emplace_back(key, cell_text(v));
    }
  };
  if (object.contains("id")) add("id", object["id"]);
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (it.key() != "id") add(it.key(), *it);
  }
  std::string out = render_fields(fields);
  for (const auto& [key, rows] : tables) {
    std::set<std::string> keys;
    for (const auto& row : *rows) {
      for (auto it = row.begin(); it != row.end(); ++it) keys.insert(it.key());
    }
    std::vector<std::string> headers(keys.begin(), keys.end());
    std::vector<std::vector<std::string>> cells;
    for (const auto& row : *rows) {
      std::vector<std::string> line;
      for (const auto& k : headers) line.push_back(row.contains(k) ? cell_text(row[k]) : "-");
      cells.push_back(std::move(line));
    }
    for (auto& h : headers) std::transform(h.begin(), h.end(), h.begin(), ::toupper);
    out += key + ":\n";
    std::string table = render_table(headers, cells);
    size_t start = 0;
    while (start < table.size()) {
      size_t nl = table.find('\n', start);
      out += "  " + table.substr(start, nl - start + 1);
      start = nl + 1;
    }
  }
  return out;
}

// ---- utilization -----------------------------------------------------------

std::string format_percent(double percent) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", percent);
  return buf;
}

std::string utilization_bar(double percent, int width) {
  double clamped = std::clamp(percent, 0.0, 100.0);
  int filled = static_cast<int>(std::lround(clamped / 100.0 * width));
  std::string out = "[";
  for (int i = 0; i < width; ++i) out += i < filled ? "█" : "░";
  return out + "]";
}

std::string render_utilization(const Json& u) {
  double pct = number(u, "percent");
  return render_fields({
      {"pool", str(u, "pool_id")},
      {"used", utilization_bar(pct) + " " + format_percent(pct) +
                   (pct >= kTreeFlagPercent ? " !" : "")},
      {"provisioned", str(u, "provisioned_addresses")},
      {"allocated", str(u, "allocated_addresses")},
      {"available", str(u, "available_addresses")},
      {"allocations", str(u, "allocation_count")},
      {"largest free", netmask(u, "largest_free_netmask_length")},
  });
}

// ---- tree ---------------------------------------------------------------------

namespace {

// Pools of one scope as a forest: ids of the roots and children per pool, in
// list order.
struct Forest {
  std::vector<const Json*> roots;
  std::map<std::string, std::vector<const Json*>> children;
};

Forest pool_forest(const Json& pools, const std::string& scope_id) {
  Forest f;
  std::set<std::string> ids;
  if (!pools.is_array()) return f;
  for (const auto& p : pools) {
    if (p.value("scope_id", "") == scope_id) ids.insert(p.value("id", ""));
  }
  for (const auto& p : pools) {
    if (p.value("scope_id", "") != scope_id) continue;
    const Json& source = p.contains("source_pool_id") ? p["source_pool_id"] : Json();
    if (source.is_string() && ids.count(source.get<std::string>()) &&
        source.get<std::string>() != p.value("id", "")) {
      f.children[source.get<std::string>()].push_back(&p);
    } else {
      f.roots.push_back(&p);
    }
  }
  return f;
}

const Json& lookup(const std::map<std::string, Json>& by_pool, const std::string& id) {
  static const Json none;
  auto it = by_pool.find(id);
  return it == by_pool.end() ? none : it->second;
}

// Provisioned CIDRs joined with ","; pending ones marked; "-" when none.
std::string tree_cidrs(const Json& cidrs) {
  std::string out;
  if (cidrs.is_array()) {
    for (const auto& c : cidrs) {
      std::string state = c.value("state", "");
      std::string text;
      if (state == "provisioned") {
        text = c.value("cidr", "");
      } else if (state == "pending-provision") {
        text = c.value("cidr", "") + " (pending)";
      } else {
        continue;
      }
      out += (out.empty() ? "" : ",") + text;
    }
  }
  return out.empty() ? "-" : out;
}

std::string ipam_line(const Json& ipam) {
  std::string line = ipam.value("id", "?") + " (home " + str(ipam, "home_region") + ", " +
                     str(ipam, "tier") + ", regions " +
                     joined(ipam.value("operating_regions", Json::array()), " ") + ")";
  std::string description = ipam.value("description", "");
  if (!description.empty()) line += "  " + description;
  return line;
}

std::string scope_line(const Json& scope) {
  std::string line = "scope " + scope.value("id", "?") + " " + str(scope, "type");
  if (scope.value("is_default", false)) line += " (default)";
  std::string description = scope.value("description", "");
  if (!description.empty()) line += "  " + description;
  return line;
}

class TreeDrawer {
 public:
  TreeDrawer(const Json& pools, const std::map<std::string, Json>& cidrs,
             const std::map<std::string, Json>& utilization)
      : pools_(pools), cidrs_(cidrs), utilization_(utilization) {}

  std::string draw(const Json& ipam, const Json& scopes) {
    text_line(ipam_line(ipam));
    std::vector<const Json*> list;
    if (scopes.is_array()) {
      for (const auto& s : scopes) list.push_back(&s);
    }
    for (size_t i = 0; i < list.size(); ++i) {
      bool last = i + 1 == list.size();
      text_line(std::string(last ? "└─ " : "├─ ") + scope_line(*list[i]));
      std::string indent = last ? "   " : "│  ";
      Forest forest = pool_forest(pools_, list[i]->value("id", ""));
      if (forest.roots.empty()) text_line(indent + "└─ (no pools)");
      std::set<std::string> seen;
      draw_pools(forest, forest.roots, indent, seen);
    }
    return finish();
  }

 private:
  // A line is either free text or a pool row (cells to align).
  struct Line {
    std::string text;
    std::vector<std::string> cells;
  };

  void text_line(std::string text) { lines_.push_back(Line{std::move(text), {}}); }

  void draw_pools(const Forest& forest, const std::vector<const Json*>& pools,
                  const std::string& indent, std::set<std::string>& seen) {
    for (size_t i = 0; i < pools.size(); ++i) {
      const Json& p = *pools[i];
      std::string id = p.value("id", "?");
      if (!seen.insert(id).second) continue;
      bool last = i + 1 == pools.size();
      pool_row(indent + (last ? "└─ " : "├─ ") + id, p);
      auto kids = forest.children.find(id);
      if (kids != forest.children.end()) {
        draw_pools(forest, kids->second, indent + (last ? "   " : "│  "), seen);
      }
    }
  }

  void pool_row(std::string label, const Json& pool) {
    std::string id = pool.value("id", "");
    const Json& u = lookup(utilization_, id);
    std::vector<std::string> cells = {std::move(label), str(pool, "address_family"),
                                      "locale " + str(pool, "locale"),
                                      tree_cidrs(lookup(cidrs_, id))};
    if (u.is_object()) {
      double pct = number(u, "percent");
      cells.push_back(utilization_bar(pct));
      cells.push_back(format_percent(pct));
      cells.push_back(pct >= kTreeFlagPercent ? "!" : "");
      cells.push_back("available " + str(u, "available_addresses"));
    }
    lines_.push_back(Line{{}, std::move(cells)});
  }

  // Aligns the pool rows' columns across the whole tree; percent right-aligned.
  std::string finish() {
    std::vector<size_t> widths;
    for (const auto& l : lines_) {
      if (widths.size() < l.cells.size()) widths.resize(l.cells.size(), 0);
      for (size_t i = 0; i < l.cells.size(); ++i) {
        widths[i] = std::max(widths[i], display_width(l.cells[i]));
      }
    }
    std::string out;
    for (const auto& l : lines_) {
      if (l.cells.empty()) {
        out += l.text + "\n";
        continue;
      }
      std::string line;
      for (size_t i = 0; i < l.cells.size(); ++i) {
        if (i == 6) {  // the flag hugs the percent
          line += l.cells[i].empty() ? std::string(widths[i] ? widths[i] + 1 : 0, ' ')
                                     : " " + pad(l.cells[i], widths[i], false);
          continue;
        }
        if (i) line += "  ";
        line += pad(l.cells[i], widths[i], i == 5);
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line + "\n";
    }
    return out;
  }

  const Json& pools_;
  const std::map<std::string, Json>& cidrs_;
  const std::map<std::string, Json>& utilization_;
  std::vector<Line> lines_;
};

Json pool_node(const Forest& forest, const Json& pool, const std::map<std::string, Json>& cidrs,
               const std::map<std::string, Json>& utilization, std::set<std::string>& seen) {
  Json node = pool;
  std::string id = pool.value("id", "");
  seen.insert(id);
  node["cidrs"] = lookup(cidrs, id).is_null() ? Json::array() : lookup(cidrs, id);
  node["utilization"] = lookup(utilization, id);
  node["children"] = Json::array();
  auto kids = forest.children.find(id);
  if (kids != forest.children.end()) {
    for (const Json* child : kids->second) {
      if (!seen.count(child->value("id", ""))) {
        node["children"].push_back(pool_node(forest, *child, cidrs, utilization, seen));
      }
    }
  }
  return node;
}

}  // namespace

std::string render_tree(const Json& ipam, const Json& scopes, const Json& pools,
                        const std::map<std::string, Json>& cidrs_by_pool,
                        const std::map<std::string, Json>& utilization_by_pool) {
  return TreeDrawer(pools, cidrs_by_pool, utilization_by_pool).draw(ipam, scopes);
}

Json tree_json(const Json& ipam, const Json& scopes, const Json& pools,
               const std::map<std::string, Json>& cidrs_by_pool,
               const std::map<std::string, Json>& utilization_by_pool) {
  Json out = ipam;
  out["scopes"] = Json::array();
  if (!scopes.is_array()) return out;
  for (const auto& s : scopes) {
    Json scope = s;
    scope["pools"] = Json::array();
    Forest forest = pool_forest(pools, s.value("id", ""));
    std::set<std::string> seen;
    for (const Json* root : forest.roots) {
      scope["pools"].push_back(pool_node(forest, *root, cidrs_by_pool, utilization_by_pool, seen));
    }
    out["scopes"].push_back(std::move(scope));
  }
  return out;
}

// ---- errors ---------------------------------------------------------------------

std::string error_line(int http_status, const Json& body, std::string_view text) {
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    const Json& e = body["error"];
    std::string line = "byoipctl: " + e.value("code", "error") + ": " + e.value("message", "");
    std::string request = e.value("request_id", "");
    if (!request.empty()) line += " (request " + request + ")";
    return line;
  }
  std::string snippet(text.substr(0, 200));
  while (!snippet.empty() && (snippet.back() == '\n' || snippet.back() == '\r')) snippet.pop_back();
  return "byoipctl: HTTP " + std::to_string(http_status) +
         (snippet.empty() ? std::string() : ": " + snippet);
}

}  // namespace byoipctl
