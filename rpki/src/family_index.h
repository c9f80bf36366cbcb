// The frozen VRP index of one address family (private to rpki/).
//
// Prefixes are sorted by (address, length), which is a pre-order walk of the
// prefix tree, so each one's parent (the nearest less-specific prefix present)
// is found with a stack at build time. For a route R, let P be the last
// prefix whose (address, length) is <= R's. Every prefix C covering R sorts
// at or before P and, since P's address lies inside C, P is C or one of its
// more-specifics. So the VRPs covering R are on the parent chain of P: skip
// the ancestors that do not cover R, and from the first that does, all do.
//
// Finding P: IPv4 indexes the first node of every /16 (a 65,537-entry
// table, 256 KiB), leaving a short binary search; IPv6 keeps the key of every
// 16th node in a fence array small enough to stay in cache.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "byoipd/common/ip.h"

namespace byoipd::rpki::internal {

struct V4 {
  using Addr = uint32_t;
  static constexpr int kWidth = 32;
  static constexpr Family kFamily = Family::kV4;
  static Addr from(u128 v) { return static_cast<uint32_t>(v); }
  static u128 to(Addr a) { return a; }
  static Addr mask(Addr a, int len) { return len == 0 ? 0 : a & (~uint32_t{0} << (32 - len)); }
};

struct A6 {
  uint64_t hi = 0;
  uint64_t lo = 0;
  friend auto operator<=>(const A6&, const A6&) = default;
};

struct V6 {
  using Addr = A6;
  static constexpr int kWidth = 128;
  static constexpr Family kFamily = Family::kV6;
  static Addr from(u128 v) { return {static_cast<uint64_t>(v >> 64), static_cast<uint64_t>(v)}; }
  static u128 to(Addr a) { return (u128{a.hi} << 64) | a.lo; }
  static Addr mask(Addr a, int len) {
    if (len <= 64) return {len == 0 ? 0 : a.hi & (~uint64_t{0} << (64 - len)), 0};
    return {a.hi, a.lo & (~uint64_t{0} << (128 - len))};
  }
};

// One (max length, origin AS, source) under a prefix: 8 bytes.
struct Row {
  uint32_t asn = 0;
  uint8_t max_length = 0;
  uint8_t unused = 0;
  uint16_t source = 0;
};

inline bool row_less(const Row& a, const Row& b) {
  if (a.max_length != b.max_length) return a.max_length < b.max_length;
  if (a.asn != b.asn) return a.asn < b.asn;
  return a.source < b.source;
}
inline bool row_equal(const Row& a, const Row& b) {
  return a.max_length == b.max_length && a.asn == b.asn && a.source == b.source;
}

// A VRP in the family's compact form, as sorted for a build or kept in the
// delta.
template <class F>
struct Entry {
  typename F::Addr addr{};
  uint8_t len = 0;
  Row row;
};

template <class F>
bool key_less(const typename F::Addr& a, int alen, const typename F::Addr& b, int blen) {
  if (a != b) return a < b;
  return alen < blen;
}

template <class F>
bool entry_less(const Entry<F>& a, const Entry<F>& b) {
  if (a.addr != b.addr || a.len != b.len) return key_less<F>(a.addr, a.len, b.addr, b.len);
  return row_less(a.row, b.row);
}

inline constexpr uint32_t kNoNode = 0xffffff;  // parents are 24 bits
inline constexpr size_t kMaxNodes = kNoNode;  // per family, also the row limit

// Row ids name a row for withdrawals: a node's inline row has the node's
// index, a row in `extra` has kExtraRow | its index there.
inline constexpr uint32_t kExtraRow = uint32_t{1} << 31;

template <class F>
struct FamilyIndex {
  using Addr = typename F::Addr;
  // A distinct prefix with its row inline when it has one row (95% of real
  // prefixes): 16 bytes for IPv4, 32 for IPv6, and one memory access.
  struct Node {
    Addr addr{};
    uint32_t len_parent = 0;  // length in the low 8 bits, parent index above
    // One row: the row. Several: `row.asn` is the index of the first in
    // `extra`, and the count is (max_length << 16 | source) with unused = 1.
    Row row;
    int len() const { return static_cast<int>(len_parent & 0xff); }
    uint32_t parent() const { return len_parent >> 8; }
    bool multi() const { return row.unused != 0; }
    uint32_t extra_count() const { return (uint32_t{row.max_length} << 16) | row.source; }
  };
  struct Fence {
    Addr addr{};
    int len = 0;
  };
  static constexpr size_t kFenceStep = 16;

  std::vector<Node> nodes;
  std::vector<Row> extra;        // rows of prefixes that have several
  std::vector<uint32_t> bucket;  // IPv4: first node of each /16, plus an end
  std::vector<Fence> fence;      // IPv6: the key of every kFenceStep-th node
  size_t row_count = 0;

  // Calls fn(row_id, row) for each row of node n until fn returns false;
  // returns false if fn did.
  template <class Fn>
  bool for_each_row(uint32_t n, Fn&& fn) const {
    const Node& node = nodes[n];
    if (!node.multi()) return fn(n, node.row);
    for (uint32_t i = node.row.asn, end = i + node.extra_count(); i < end; ++i) {
      if (!fn(kExtraRow | i, extra[i])) return false;
    }
    return true;
  }

  // REQUIRES: `sorted` is ordered by entry_less, without duplicates, and
  // has fewer than kMaxNodes distinct prefixes (and kExtraRow rows).
  static FamilyIndex build(const std::vector<Entry<F>>& sorted) {
    return build(sorted, [](const Entry<F>& e) { return e; });
  }

  // The same from records that to_entry(record) turns into entries in that
  // order (a VrpSet's, say), without an intermediate array.
  template <class Record, class ToEntry>
  static FamilyIndex build(const std::vector<Record>& records, ToEntry to_entry) {
    FamilyIndex ix;
    ix.row_count = records.size();
    ix.nodes.reserve(records.size());
    std::vector<uint32_t> open;  // the current chain of ancestors
    for (size_t i = 0; i < records.size();) {
      const Entry<F> e = to_entry(records[i]);
      size_t j = i + 1;
      while (j < records.size()) {
        const Entry<F> next = to_entry(records[j]);
        if (next.addr != e.addr || next.len != e.len) break;
        ++j;
      }
      while (!open.empty() && !covers(ix.nodes[open.back()], e.addr, e.len)) open.pop_back();
      uint32_t parent = open.empty() ? kNoNode : open.back();
      open.push_back(static_cast<uint32_t>(ix.nodes.size()));
      Node node{e.addr, (parent << 8) | e.len, e.row};
      if (j - i > 1) {
        uint32_t count = static_cast<uint32_t>(j - i);
        node.row = Row{static_cast<uint32_t>(ix.extra.size()), static_cast<uint8_t>(count >> 16), 1,
                       static_cast<uint16_t>(count)};
        for (size_t k = i; k < j; ++k) ix.extra.push_back(to_entry(records[k]).row);
      }
      ix.nodes.push_back(node);
      i = j;
    }
    ix.nodes.shrink_to_fit();
    ix.extra.shrink_to_fit();
    ix.build_search_index();
    return ix;
  }

  static bool covers(const Node& n, const Addr& addr, int len) {
    return n.len() <= len && F::mask(addr, n.len()) == n.addr;
  }

  // The last node whose key is <= (addr, len), or kNoNode.
  uint32_t predecessor(const Addr& addr, int len) const {
    size_t lo = 0, hi = nodes.size();
    if constexpr (F::kWidth == 32) {
      if (nodes.empty()) return kNoNode;
      lo = bucket[addr >> 16];
      hi = bucket[(addr >> 16) + 1];
    } else {
      auto f = std::upper_bound(fence.begin(), fence.end(), Fence{addr, len},
                                [](const Fence& a, const Fence& b) {
                                  return key_less<F>(a.addr, a.len, b.addr, b.len);
                                });
      if (f == fence.begin()) return kNoNode;
      lo = static_cast<size_t>(f - fence.begin() - 1) * kFenceStep;
      hi = std::min(lo + kFenceStep, nodes.size());
    }
    // upper_bound over [lo, hi): everything before lo is smaller.
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (key_less<F>(addr, len, nodes[mid].addr, nodes[mid].len())) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo == 0 ? kNoNode : static_cast<uint32_t>(lo - 1);
  }

  // The node with exactly this key, or kNoNode.
  uint32_t find(const Addr& addr, int len) const {
    uint32_t p = predecessor(addr, len);
    if (p != kNoNode && nodes[p].addr == addr && nodes[p].len() == len) return p;
    return kNoNode;
  }

  // The deepest node covering (addr, len), or kNoNode; its ancestors are
  // the other covering nodes.
  uint32_t deepest_covering(const Addr& addr, int len) const {
    uint32_t n = predecessor(addr, len);
    while (n != kNoNode && !covers(nodes[n], addr, len)) n = nodes[n].parent();
    return n;
  }

  size_t memory_bytes() const {
    return nodes.capacity() * sizeof(Node) + extra.capacity() * sizeof(Row) +
           bucket.capacity() * sizeof(uint32_t) + fence.capacity() * sizeof(Fence);
  }

 private:
  void build_search_index() {
    if constexpr (F::kWidth == 32) {
      bucket.assign((size_t{1} << 16) + 1, 0);
      size_t n = 0;
      for (size_t b = 0; b <= (size_t{1} << 16); ++b) {
        while (n < nodes.size() && (nodes[n].addr >> 16) < b) ++n;
        bucket[b] = static_cast<uint32_t>(n);
      }
    } else {
      fence.clear();
      for (size_t i = 0; i < nodes.size(); i += kFenceStep) fence.push_back({nodes[i].addr, nodes[i].len()});
      fence.shrink_to_fit();
    }
  }
};

}  // namespace byoipd::rpki::internal
