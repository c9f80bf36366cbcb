#include "byoipd/rpki/vrp_table.h"

#include <algorithm>
#include <array>
#include <tuple>
#include <utility>

#include "byoipd/rpki/vrp_set.h"
#include "family_index.h"

namespace byoipd::rpki {

using internal::A6;
using internal::Entry;
using internal::FamilyIndex;
using internal::kNoNode;
using internal::Row;
using internal::V4;
using internal::V6;

namespace {

// Announced rows not in the base, and base rows withdrawn, of one family.
template <class F>
struct FamilyDelta {
  std::vector<Entry<F>> added;  // sorted by entry_less
  std::vector<uint32_t> dead;   // base row indices, sorted
  std::array<uint32_t, F::kWidth + 1> len_count{};  // of `added`, by prefix length

  size_t size() const { return added.size() + dead.size(); }
};

}  // namespace

struct VrpTable::Base {
  std::shared_ptr<const FamilyIndex<V4>> v4 = std::make_shared<const FamilyIndex<V4>>();
  std::shared_ptr<const FamilyIndex<V6>> v6 = std::make_shared<const FamilyIndex<V6>>();
};

struct VrpTable::Delta {
  FamilyDelta<V4> v4;
  FamilyDelta<V6> v6;
};

namespace {

template <class F>
Entry<F> to_entry(const Vrp& v) {
  return {F::from(v.prefix.network()), static_cast<uint8_t>(v.prefix.length()),
          Row{v.asn, v.max_length, 0, v.source}};
}

template <class F>
Vrp to_vrp(const typename F::Addr& addr, int len, const Row& row) {
  IpAddress ip = F::kWidth == 32 ? IpAddress::v4(static_cast<uint32_t>(F::to(addr)))
                                 : IpAddress::v6(F::to(addr));
  return Vrp{Prefix::containing(ip, len), row.max_length, row.asn, row.source};
}

// RFC 6482 section 3.3: maxLength is at least the prefix length and at
// most the family width.
Status check_max_length(const Vrp& v) {
  if (v.max_length >= v.prefix.length() && v.max_length <= v.prefix.width()) return Status();
  return Status(Code::kInvalidArgument, "max-length-out-of-range",
                "VRP " + v.to_string() + ": max length " + std::to_string(v.max_length) +
                    " is outside " + std::to_string(v.prefix.length()) + ".." +
                    std::to_string(v.prefix.width()) + " (RFC 6482 section 3.3)");
}

Status too_many_prefixes(Family f) {
  return Status(Code::kResourceExhausted, "too-many-prefixes",
                std::string("the ") + std::string(family_name(f)) + " VRP table holds at most " +
                    std::to_string(internal::kMaxNodes - 1) + " entries");
}

template <class F>
std::optional<uint32_t> find_base_row(const FamilyIndex<F>& ix, const Entry<F>& e) {
  uint32_t n = ix.find(e.addr, e.len);
  if (n == kNoNode) return std::nullopt;
  std::optional<uint32_t> found;
  ix.for_each_row(n, [&](uint32_t id, const Row& row) {
    if (internal::row_equal(row, e.row)) found = id;
    return !found;
  });
  return found;
}

template <class F>
bool is_dead(const FamilyDelta<F>& d, uint32_t row) {
  return !d.dead.empty() && std::binary_search(d.dead.begin(), d.dead.end(), row);
}

// Calls fn(addr, len, row) for every live entry whose prefix covers the
// route (addr, len), until fn returns false.
template <class F, class Fn>
void visit_covering(const FamilyIndex<F>& ix, const FamilyDelta<F>& d, const typename F::Addr& addr,
                    int len, Fn&& fn) {
  for (uint32_t n = ix.deepest_covering(addr, len); n != kNoNode; n = ix.nodes[n].parent()) {
    const auto& node = ix.nodes[n];
    bool go_on = ix.for_each_row(n, [&](uint32_t id, const Row& row) {
      return is_dead(d, id) || fn(node.addr, node.len(), row);
    });
    if (!go_on) return;
  }
  if (d.added.empty()) return;
  for (int l = 0; l <= len; ++l) {
    if (d.len_count[l] == 0) continue;
    Entry<F> key{F::mask(addr, l), static_cast<uint8_t>(l), Row{}};  // Row{} sorts first
    auto it = std::lower_bound(d.added.begin(), d.added.end(), key, internal::entry_less<F>);
    for (; it != d.added.end() && it->addr == key.addr && it->len == l; ++it) {
      if (!fn(it->addr, it->len, it->row)) return;
    }
  }
}

// RFC 6811 section 2, for one covering VRP.
Verdict verdict_of(const Row& row, int route_len, std::optional<uint32_t> origin) {
  if (row.asn == 0) return Verdict::kAs0;
  if (!origin) return Verdict::kNoOrigin;
  if (row.asn != *origin) return Verdict::kOtherOrigin;
  if (route_len > row.max_length) return Verdict::kMaxLengthExceeded;
  return Verdict::kMatched;
}

bool matches(const Row& row, int route_len, std::optional<uint32_t> origin) {
  return row.asn != 0 && origin && row.asn == *origin && route_len <= row.max_length;
}

template <class F>
Validation::State validate_family(const FamilyIndex<F>& ix, const FamilyDelta<F>& d,
                                  const Prefix& route, std::optional<uint32_t> origin,
                                  std::vector<CoveringVrp>* covering) {
  bool covered = false;
  bool matched = false;
  int route_len = route.length();
  visit_covering(ix, d, F::from(route.network()), route_len,
                 [&](const typename F::Addr& addr, int len, const Row& row) {
                   covered = true;
                   if (covering == nullptr) {
                     matched = matches(row, route_len, origin);
                     return !matched;
                   }
                   Verdict v = verdict_of(row, route_len, origin);
                   matched |= v == Verdict::kMatched;
                   covering->push_back({to_vrp<F>(addr, len, row), v});
                   return true;
                 });
  if (matched) return Validation::kValid;
  return covered ? Validation::kInvalid : Validation::kNotFound;
}

template <class F>
Status add_family(const FamilyIndex<F>& ix, FamilyDelta<F>& d, const Vrp& vrp) {
  Entry<F> e = to_entry<F>(vrp);
  if (auto r = find_base_row(ix, e)) {
    auto it = std::lower_bound(d.dead.begin(), d.dead.end(), *r);
    if (it != d.dead.end() && *it == *r) {
      d.dead.erase(it);  // announced again after a withdrawal
      return Status();
    }
  } else {
    auto it = std::lower_bound(d.added.begin(), d.added.end(), e, internal::entry_less<F>);
    if (it == d.added.end() || internal::entry_less<F>(e, *it)) {
      if (ix.row_count + d.added.size() + 1 >= internal::kMaxNodes) return too_many_prefixes(F::kFamily);
      d.added.insert(it, e);
      ++d.len_count[e.len];
      return Status();
    }
  }
  return Status(Code::kAlreadyExists, "duplicate-vrp",
                "VRP " + vrp.to_string() + " is already announced by this source");
}

template <class F>
Status remove_family(const FamilyIndex<F>& ix, FamilyDelta<F>& d, const Vrp& vrp) {
  Entry<F> e = to_entry<F>(vrp);
  if (auto r = find_base_row(ix, e)) {
    auto it = std::lower_bound(d.dead.begin(), d.dead.end(), *r);
    if (it == d.dead.end() || *it != *r) {
      d.dead.insert(it, *r);
      return Status();
    }
  } else {
    auto it = std::lower_bound(d.added.begin(), d.added.end(), e, internal::entry_less<F>);
    if (it != d.added.end() && !internal::entry_less<F>(e, *it)) {
      d.added.erase(it);
      --d.len_count[e.len];
      return Status();
    }
  }
  return Status(Code::kNotFound, "unknown-vrp",
                "VRP " + vrp.to_string() + " is not announced by this source");
}

template <class F>
bool contains_family(const FamilyIndex<F>& ix, const FamilyDelta<F>& d, const Vrp& vrp) {
  Entry<F> e = to_entry<F>(vrp);
  if (auto r = find_base_row(ix, e)) return !is_dead(d, *r);
  return std::binary_search(d.added.begin(), d.added.end(), e, internal::entry_less<F>);
}

// The live entries of base and delta, sorted by entry_less.
template <class F>
std::vector<Entry<F>> live_entries(const FamilyIndex<F>& ix, const FamilyDelta<F>& d) {
  std::vector<Entry<F>> live;
  live.reserve(ix.row_count - d.dead.size() + d.added.size());
  for (uint32_t n = 0; n < ix.nodes.size(); ++n) {
    const auto& node = ix.nodes[n];
    ix.for_each_row(n, [&](uint32_t id, const Row& row) {
      if (!is_dead(d, id)) live.push_back({node.addr, static_cast<uint8_t>(node.len()), row});
      return true;
    });
  }
  size_t mid = live.size();
  live.insert(live.end(), d.added.begin(), d.added.end());
  std::inplace_merge(live.begin(), live.begin() + static_cast<ptrdiff_t>(mid), live.end(),
                     internal::entry_less<F>);
  return live;
}

template <class F>
void compact_family(std::shared_ptr<const FamilyIndex<F>>& ix, FamilyDelta<F>& d) {
  if (d.size() == 0) return;
  ix = std::make_shared<const FamilyIndex<F>>(FamilyIndex<F>::build(live_entries(*ix, d)));
  d = FamilyDelta<F>{};
}

// Fold the delta in once it outgrows 1024 entries plus 1/32 of the base
// (about 20,000 for 600k IPv4 VRPs): a compaction costs a pass over the
// base, and the delta's lookups a binary search per prefix length present.
template <class F>
bool delta_too_big(const FamilyIndex<F>& ix, const FamilyDelta<F>& d) {
  return d.size() > 1024 + ix.row_count / 32;
}

template <class F>
void for_each_family(const FamilyIndex<F>& ix, const FamilyDelta<F>& d,
                     const std::function<void(const Vrp&)>& fn) {
  for (uint32_t n = 0; n < ix.nodes.size(); ++n) {
    const auto& node = ix.nodes[n];
    ix.for_each_row(n, [&](uint32_t id, const Row& row) {
      if (!is_dead(d, id)) fn(to_vrp<F>(node.addr, node.len(), row));
      return true;
    });
  }
  for (const Entry<F>& e : d.added) fn(to_vrp<F>(e.addr, e.len, e.row));
}

std::shared_ptr<const VrpTable::Base> empty_base() {
  static const auto base = std::make_shared<const VrpTable::Base>();
  return base;
}

template <class F>
Result<std::shared_ptr<const FamilyIndex<F>>> build_family(std::vector<Entry<F>> entries) {
  std::sort(entries.begin(), entries.end(), internal::entry_less<F>);
  auto same = [](const Entry<F>& a, const Entry<F>& b) {
    return a.addr == b.addr && a.len == b.len && internal::row_equal(a.row, b.row);
  };
  entries.erase(std::unique(entries.begin(), entries.end(), same), entries.end());
  if (entries.size() >= internal::kMaxNodes) return too_many_prefixes(F::kFamily);
  return std::make_shared<const FamilyIndex<F>>(FamilyIndex<F>::build(entries));
}

}  // namespace

std::string Vrp::to_string() const {
  return prefix.to_string() + "-" + std::to_string(max_length) + " AS" + std::to_string(asn) +
         " source " + std::to_string(source);
}

std::string_view verdict_name(Verdict v) {
  switch (v) {
    case Verdict::kMatched: return "matched";
    case Verdict::kMaxLengthExceeded: return "max-length-exceeded";
    case Verdict::kOtherOrigin: return "other-origin";
    case Verdict::kAs0: return "as0";
    case Verdict::kNoOrigin: return "no-origin";
  }
  return "unknown";
}

std::string_view state_name(Validation::State s) {
  switch (s) {
    case Validation::kValid: return "valid";
    case Validation::kInvalid: return "invalid";
    case Validation::kNotFound: return "not-found";
  }
  return "unknown";
}

VrpTable::VrpTable() : base_(empty_base()), delta_(std::make_unique<Delta>()) {}
VrpTable::~VrpTable() = default;
VrpTable::VrpTable(const VrpTable& other)
    : base_(other.base_), delta_(std::make_unique<Delta>(*other.delta_)) {}
VrpTable& VrpTable::operator=(const VrpTable& other) {
  if (this != &other) {
    base_ = other.base_;
    delta_ = std::make_unique<Delta>(*other.delta_);
  }
  return *this;
}
VrpTable::VrpTable(VrpTable&&) noexcept = default;
VrpTable& VrpTable::operator=(VrpTable&&) noexcept = default;

Result<VrpTable> VrpTable::build(std::vector<Vrp> vrps) {
  std::vector<Entry<V4>> v4;
  std::vector<Entry<V6>> v6;
  for (const Vrp& v : vrps) {
    if (Status s = check_max_length(v); !s.ok()) return s;
    if (v.prefix.family() == Family::kV4) {
      v4.push_back(to_entry<V4>(v));
    } else {
      v6.push_back(to_entry<V6>(v));
    }
  }
  vrps = {};  // release the input before the index is built
  auto ix4 = build_family<V4>(std::move(v4));
  if (!ix4.ok()) return ix4.status();
  auto ix6 = build_family<V6>(std::move(v6));
  if (!ix6.ok()) return ix6.status();
  auto base = std::make_shared<Base>();
  base->v4 = std::move(*ix4);
  base->v6 = std::move(*ix6);
  VrpTable table;
  table.base_ = std::move(base);
  return table;
}

Result<VrpTable> VrpTable::build(const VrpSet& set, SourceId source) {
  for (const auto& r : set.v4()) {
    if (r.max_length < r.length || r.max_length > 32) {
      return check_max_length(Vrp{VrpSet::key_of(r).prefix, r.max_length, r.asn, source});
    }
  }
  for (const auto& r : set.v6()) {
    if (r.max_length < r.length || r.max_length > 128) {
      return check_max_length(Vrp{VrpSet::key_of(r).prefix, r.max_length, r.asn, source});
    }
  }
  if (set.v4_size() >= internal::kMaxNodes) return too_many_prefixes(Family::kV4);
  if (set.v6_size() >= internal::kMaxNodes) return too_many_prefixes(Family::kV6);
  auto base = std::make_shared<Base>();
  base->v4 = std::make_shared<const FamilyIndex<V4>>(
      FamilyIndex<V4>::build(set.v4(), [source](const VrpSet::V4Record& r) {
        return Entry<V4>{r.addr, r.length, Row{r.asn, r.max_length, 0, source}};
      }));
  base->v6 = std::make_shared<const FamilyIndex<V6>>(
      FamilyIndex<V6>::build(set.v6(), [source](const VrpSet::V6Record& r) {
        return Entry<V6>{A6{r.hi, r.lo}, r.length, Row{r.asn, r.max_length, 0, source}};
      }));
  VrpTable table;
  table.base_ = std::move(base);
  return table;
}

Status VrpTable::add(const Vrp& vrp) {
  if (Status s = check_max_length(vrp); !s.ok()) return s;
  Status s = vrp.prefix.family() == Family::kV4 ? add_family(*base_->v4, delta_->v4, vrp)
                                                  : add_family(*base_->v6, delta_->v6, vrp);
  if (s.ok()) maybe_compact();
  return s;
}

Status VrpTable::remove(const Vrp& vrp) {
  Status s = vrp.prefix.family() == Family::kV4 ? remove_family(*base_->v4, delta_->v4, vrp)
                                                  : remove_family(*base_->v6, delta_->v6, vrp);
  if (s.ok()) maybe_compact();
  return s;
}

bool VrpTable::contains(const Vrp& vrp) const {
  return vrp.prefix.family() == Family::kV4 ? contains_family(*base_->v4, delta_->v4, vrp)
                                              : contains_family(*base_->v6, delta_->v6, vrp);
}

void VrpTable::maybe_compact() {
  if (delta_too_big(*base_->v4, delta_->v4) || delta_too_big(*base_->v6, delta_->v6)) compact();
}

void VrpTable::compact() {
  if (delta_->v4.size() == 0 && delta_->v6.size() == 0) return;
  auto base = std::make_shared<Base>(*base_);  // shares the untouched family
  compact_family(base->v4, delta_->v4);
  compact_family(base->v6, delta_->v6);
  base_ = std::move(base);
}

Validation VrpTable::validate(const Prefix& route, std::optional<uint32_t> origin_as) const {
  Validation out;
  out.state = route.family() == Family::kV4
                  ? validate_family(*base_->v4, delta_->v4, route, origin_as, &out.covering)
                  : validate_family(*base_->v6, delta_->v6, route, origin_as, &out.covering);
  std::sort(out.covering.begin(), out.covering.end(), [](const CoveringVrp& a, const CoveringVrp& b) {
    const Vrp& x = a.vrp;
    const Vrp& y = b.vrp;
    if (x.prefix.length() != y.prefix.length()) return x.prefix.length() < y.prefix.length();
    return std::tie(x.max_length, x.asn, x.source) < std::tie(y.max_length, y.asn, y.source);
  });
  return out;
}

Validation::State VrpTable::validate_state(const Prefix& route,
                                           std::optional<uint32_t> origin_as) const {
  return route.family() == Family::kV4
             ? validate_family(*base_->v4, delta_->v4, route, origin_as, nullptr)
             : validate_family(*base_->v6, delta_->v6, route, origin_as, nullptr);
}

size_t VrpTable::size() const {
  return base_->v4->row_count - delta_->v4.dead.size() + delta_->v4.added.size() +
         base_->v6->row_count - delta_->v6.dead.size() + delta_->v6.added.size();
}

void VrpTable::for_each(const std::function<void(const Vrp&)>& fn) const {
  for_each_family(*base_->v4, delta_->v4, fn);
  for_each_family(*base_->v6, delta_->v6, fn);
}

size_t VrpTable::memory_bytes() const {
  auto delta_bytes = [](const auto& d) {
    return d.added.capacity() * sizeof(d.added[0]) + d.dead.capacity() * sizeof(uint32_t);
  };
  return sizeof(*this) + sizeof(Base) + sizeof(Delta) + base_->v4->memory_bytes() +
         base_->v6->memory_bytes() + delta_bytes(delta_->v4) + delta_bytes(delta_->v6);
}

VrpStore::VrpStore() : current_(std::make_shared<const VrpTable>()) {}

void VrpStore::swap(std::shared_ptr<const VrpTable> next) {
  if (!next) next = std::make_shared<const VrpTable>();
  current_.store(std::move(next));
}

}  // namespace byoipd::rpki
