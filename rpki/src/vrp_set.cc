#include "byoipd/rpki/vrp_set.h"

#include <algorithm>
#include <tuple>

namespace byoipd::rpki {

namespace {

// The first record equal to its successor, in a sorted array.
template <class R>
const R* first_repeat(const std::vector<R>& sorted) {
  auto it = std::adjacent_find(sorted.begin(), sorted.end());
  return it == sorted.end() ? nullptr : &*it;
}

// `held` without `withdrawn` plus `announced`; both lists sorted.
template <class R>
std::vector<R> merge_delta(const std::vector<R>& held, std::vector<R> announced,
                           std::vector<R> withdrawn) {
  std::sort(announced.begin(), announced.end());
  std::sort(withdrawn.begin(), withdrawn.end());
  std::vector<R> out;
  out.reserve(held.size() + announced.size() - std::min(held.size(), withdrawn.size()));
  auto w = withdrawn.begin();
  auto a = announced.begin();
  for (const R& r : held) {
    while (w != withdrawn.end() && *w < r) ++w;
    if (w != withdrawn.end() && *w == r) continue;
    while (a != announced.end() && *a < r) out.push_back(*a++);
    out.push_back(r);
  }
  out.insert(out.end(), a, announced.end());
  return out;
}

}  // namespace

bool operator<(const VrpSet::V4Record& a, const VrpSet::V4Record& b) {
  return std::tie(a.addr, a.length, a.max_length, a.asn) <
         std::tie(b.addr, b.length, b.max_length, b.asn);
}
bool operator<(const VrpSet::V6Record& a, const VrpSet::V6Record& b) {
  return std::tie(a.hi, a.lo, a.length, a.max_length, a.asn) <
         std::tie(b.hi, b.lo, b.length, b.max_length, b.asn);
}
bool operator==(const VrpSet::V4Record& a, const VrpSet::V4Record& b) {
  return a.addr == b.addr && a.length == b.length && a.max_length == b.max_length &&
         a.asn == b.asn;
}
bool operator==(const VrpSet::V6Record& a, const VrpSet::V6Record& b) {
  return a.hi == b.hi && a.lo == b.lo && a.length == b.length && a.max_length == b.max_length &&
         a.asn == b.asn;
}

VrpSet::V4Record VrpSet::v4_record(const VrpKey& key) {
  return {static_cast<uint32_t>(key.prefix.network()), static_cast<uint8_t>(key.prefix.length()),
          key.max_length, key.asn};
}

VrpSet::V6Record VrpSet::v6_record(const VrpKey& key) {
  u128 net = key.prefix.network();
  return {static_cast<uint64_t>(net >> 64), static_cast<uint64_t>(net), key.asn,
          static_cast<uint8_t>(key.prefix.length()), key.max_length};
}

VrpKey VrpSet::key_of(const V4Record& r) {
  return {Prefix::containing(IpAddress::v4(r.addr), r.length), r.max_length, r.asn};
}

VrpKey VrpSet::key_of(const V6Record& r) {
  return {Prefix::containing(IpAddress::v6((u128{r.hi} << 64) | r.lo), r.length), r.max_length,
          r.asn};
}

void VrpSet::Builder::add(const VrpKey& key) {
  if (key.prefix.family() == Family::kV4) {
    v4_.push_back(v4_record(key));
  } else {
    v6_.push_back(v6_record(key));
  }
}

std::optional<VrpKey> VrpSet::Builder::finish(VrpSet& out) {
  std::sort(v4_.begin(), v4_.end());
  std::sort(v6_.begin(), v6_.end());
  if (const V4Record* r = first_repeat(v4_)) return key_of(*r);
  if (const V6Record* r = first_repeat(v6_)) return key_of(*r);
  v4_.shrink_to_fit();
  v6_.shrink_to_fit();
  out.v4_ = std::move(v4_);
  out.v6_ = std::move(v6_);
  v4_ = {};
  v6_ = {};
  return std::nullopt;
}

std::vector<VrpKey> VrpSet::Builder::take_keys() {
  std::vector<VrpKey> out;
  out.reserve(size());
  for (const V4Record& r : v4_) out.push_back(key_of(r));
  for (const V6Record& r : v6_) out.push_back(key_of(r));
  v4_ = {};
  v6_ = {};
  return out;
}

bool VrpSet::contains(const VrpKey& key) const {
  if (key.prefix.family() == Family::kV4) {
    return std::binary_search(v4_.begin(), v4_.end(), v4_record(key));
  }
  return std::binary_search(v6_.begin(), v6_.end(), v6_record(key));
}

VrpSet VrpSet::with_delta(const std::vector<VrpKey>& announced,
                          const std::vector<VrpKey>& withdrawn) const {
  std::vector<V4Record> a4, w4;
  std::vector<V6Record> a6, w6;
  for (const VrpKey& k : announced) {
    if (k.prefix.family() == Family::kV4) {
      a4.push_back(v4_record(k));
    } else {
      a6.push_back(v6_record(k));
    }
  }
  for (const VrpKey& k : withdrawn) {
    if (k.prefix.family() == Family::kV4) {
      w4.push_back(v4_record(k));
    } else {
      w6.push_back(v6_record(k));
    }
  }
  VrpSet out;
  out.v4_ = a4.empty() && w4.empty() ? v4_ : merge_delta(v4_, std::move(a4), std::move(w4));
  out.v6_ = a6.empty() && w6.empty() ? v6_ : merge_delta(v6_, std::move(a6), std::move(w6));
  return out;
}

std::vector<Vrp> VrpSet::to_vrps(SourceId source) const {
  std::vector<Vrp> out;
  out.reserve(size());
  for (const V4Record& r : v4_) {
    VrpKey k = key_of(r);
    out.push_back(Vrp{k.prefix, k.max_length, k.asn, source});
  }
  for (const V6Record& r : v6_) {
    VrpKey k = key_of(r);
    out.push_back(Vrp{k.prefix, k.max_length, k.asn, source});
  }
  return out;
}

}  // namespace byoipd::rpki
