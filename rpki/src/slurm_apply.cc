// Applying SLURM to a VRP set, and combining several SLURM files.
#include <algorithm>
#include <array>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "byoipd/rpki/slurm.h"

namespace byoipd::rpki {

namespace {

struct PrefixHash {
  size_t operator()(const Prefix& p) const {
    u128 n = p.network();
    uint64_t h = static_cast<uint64_t>(n) * 0x9e3779b97f4a7c15ull;
    h ^= static_cast<uint64_t>(n >> 64) + 0x632be59bd9b4e019ull + (h << 6) + (h >> 2);
    h ^= static_cast<uint64_t>(p.length()) << 1 | (p.family() == Family::kV6 ? 1 : 0);
    return static_cast<size_t>(h * 0xff51afd7ed558ccdull);
  }
};

// The prefix filters, indexed so that matching a VRP costs one hash lookup
// per distinct filter prefix length no longer than the VRP's prefix.
class FilterIndex {
 public:
  explicit FilterIndex(const std::vector<PrefixFilter>& filters) {
    for (const PrefixFilter& f : filters) {
      if (!f.prefix) {
        if (f.asn) asn_only_.insert(*f.asn);
        continue;
      }
      Match& m = by_prefix_[*f.prefix];
      if (f.asn) m.asns.push_back(*f.asn);
      else m.any_asn = true;
      auto& lengths = lengths_[f.prefix->family() == Family::kV6 ? 1 : 0];
      int len = f.prefix->length();
      if (std::find(lengths.begin(), lengths.end(), len) == lengths.end()) lengths.push_back(len);
    }
  }

  bool matches(const Vrp& vrp) const {
    if (asn_only_.count(vrp.asn) != 0) return true;
    for (int len : lengths_[vrp.prefix.family() == Family::kV6 ? 1 : 0]) {
      if (len > vrp.prefix.length()) continue;
      auto it = by_prefix_.find(vrp.prefix.supernet(len));
      if (it == by_prefix_.end()) continue;
      const Match& m = it->second;
      if (m.any_asn || std::find(m.asns.begin(), m.asns.end(), vrp.asn) != m.asns.end()) {
        return true;
      }
    }
    return false;
  }

 private:
  struct Match {
    bool any_asn = false;        // a filter with this prefix and no ASN
    std::vector<uint32_t> asns;  // filters with this prefix and an ASN
  };
  std::unordered_set<uint32_t> asn_only_;
  std::unordered_map<Prefix, Match, PrefixHash> by_prefix_;
  std::array<std::vector<int>, 2> lengths_;  // distinct filter lengths: IPv4, IPv6
};

// Where a prefix or ASN of a SLURM file comes from, for overlap messages.
struct Use {
  size_t file;
  std::string path;
};

}  // namespace

SlurmApplied apply_slurm(const Slurm& slurm, std::vector<Vrp>& vrps, SourceId slurm_source) {
  SlurmApplied applied;
  if (!slurm.prefix_filters.empty()) {
    FilterIndex index(slurm.prefix_filters);
    size_t before = vrps.size();
    std::erase_if(vrps, [&](const Vrp& v) { return index.matches(v); });
    applied.filtered = before - vrps.size();
  }
  std::set<std::tuple<Prefix, uint8_t, uint32_t>> seen;
  for (const PrefixAssertion& a : slurm.prefix_assertions) {
    Vrp v = a.to_vrp(slurm_source);
    if (!seen.emplace(v.prefix, v.max_length, v.asn).second) continue;
    vrps.push_back(v);
    ++applied.added;
  }
  return applied;
}

// RFC 8416 section 4.2: files conflict when an IP address is covered by
// prefix filters or assertions of two files, or an ASN is used by BGPsec
// filters or assertions of two files.
Result<Slurm> merge_slurm(std::span<const NamedSlurm> files) {
  std::vector<std::pair<Prefix, Use>> prefixes;
  std::unordered_map<uint32_t, Use> bgpsec_asns;
  for (size_t f = 0; f < files.size(); ++f) {
    const Slurm& s = files[f].slurm;
    for (size_t i = 0; i < s.prefix_filters.size(); ++i) {
      if (!s.prefix_filters[i].prefix) continue;
      prefixes.emplace_back(*s.prefix_filters[i].prefix,
                            Use{f, "prefixFilters[" + std::to_string(i) + "]"});
    }
    for (size_t i = 0; i < s.prefix_assertions.size(); ++i) {
      prefixes.emplace_back(s.prefix_assertions[i].prefix,
                            Use{f, "prefixAssertions[" + std::to_string(i) + "]"});
    }
    auto use_asn = [&](uint32_t asn, std::string path) -> Status {
      auto [it, inserted] = bgpsec_asns.emplace(asn, Use{f, path});
      if (inserted || it->second.file == f) return Status();
      return Status(Code::kInvalidArgument, "slurm-files-overlap",
                    "AS" + std::to_string(asn) + " is used by " + files[it->second.file].name +
                        " " + it->second.path + " and by " + files[f].name + " " + path +
                        " (rule: RFC 8416 section 4.2, SLURM files used together must not "
                        "overlap)");
    };
    for (size_t i = 0; i < s.bgpsec_filters.size(); ++i) {
      if (!s.bgpsec_filters[i].asn) continue;
      Status st = use_asn(*s.bgpsec_filters[i].asn, "bgpsecFilters[" + std::to_string(i) + "]");
      if (!st.ok()) return st;
    }
    for (size_t i = 0; i < s.bgpsec_assertions.size(); ++i) {
      Status st =
          use_asn(s.bgpsec_assertions[i].asn, "bgpsecAssertions[" + std::to_string(i) + "]");
      if (!st.ok()) return st;
    }
  }

  // Sorted by (family, network, length), the prefixes covering the current
  // one form a nested chain: keep it on a stack and compare files along it.
  std::stable_sort(prefixes.begin(), prefixes.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<const std::pair<Prefix, Use>*> chain;
  for (const auto& p : prefixes) {
    while (!chain.empty() && !chain.back()->first.contains(p.first)) chain.pop_back();
    for (const auto* c : chain) {
      if (c->second.file == p.second.file) continue;
      return Status(Code::kInvalidArgument, "slurm-files-overlap",
                    c->first.to_string() + " (" + files[c->second.file].name + " " +
                        c->second.path + ") overlaps " + p.first.to_string() + " (" +
                        files[p.second.file].name + " " + p.second.path +
                        ") (rule: RFC 8416 section 4.2, SLURM files used together must not "
                        "overlap)");
    }
    // An equal prefix of the same file adds nothing to the chain.
    if (!chain.empty() && chain.back()->first == p.first) continue;
    chain.push_back(&p);
  }

  Slurm merged;
  for (const NamedSlurm& f : files) {
    const Slurm& s = f.slurm;
    merged.prefix_filters.insert(merged.prefix_filters.end(), s.prefix_filters.begin(),
                                 s.prefix_filters.end());
    merged.bgpsec_filters.insert(merged.bgpsec_filters.end(), s.bgpsec_filters.begin(),
                                 s.bgpsec_filters.end());
    merged.prefix_assertions.insert(merged.prefix_assertions.end(), s.prefix_assertions.begin(),
                                    s.prefix_assertions.end());
    merged.bgpsec_assertions.insert(merged.bgpsec_assertions.end(), s.bgpsec_assertions.begin(),
                                    s.bgpsec_assertions.end());
  }
  return merged;
}

}  // namespace byoipd::rpki
