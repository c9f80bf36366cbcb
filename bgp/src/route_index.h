// The routes of one address family, sorted by key: a vector of sorted leaf
// blocks of up to kBlock entries plus a vector of each block's first key.
// A lookup is a binary search over the first keys, then one inside a block;
// an insert moves at most one block's entries, so filling a full table in
// any order stays O(log n) searches and O(kBlock) moves per route.
//
// Route types (V4Route, V6Route) give the key and the 32-bit path word
// (path id, stale mark in the top bit). Keys order routes by address, then
// length, then peer, so the more-specifics of a prefix P are the contiguous
// run starting at (P.network, P.length, 0) up to P's last address.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "byoipd/bgp/rib.h"
#include "byoipd/common/ip.h"
#include "heap_size.h"

namespace byoipd::bgp {

constexpr uint32_t kStaleBit = 0x80000000u;
constexpr uint32_t kPathMask = 0x7fffffffu;

// IPv4: 12 bytes. Key = address << 24 | length << 16 | peer, stored as two
// 32-bit halves so the entry needs no 8-byte alignment padding.
struct V4Route {
  using Key = uint64_t;
  static constexpr Family kFamily = Family::kV4;
  uint32_t key_hi = 0;
  uint32_t key_lo = 0;
  uint32_t path = 0;

  Key key() const { return uint64_t{key_hi} << 32 | key_lo; }
  void set_key(Key k) {
    key_hi = static_cast<uint32_t>(k >> 32);
    key_lo = static_cast<uint32_t>(k);
  }
  static Key make_key(const Prefix& p, PeerIndex peer) {
    return static_cast<uint64_t>(p.network()) << 24 | uint64_t(p.length()) << 16 | peer;
  }
  static u128 address(Key k) { return k >> 24; }
  static int length(Key k) { return static_cast<int>((k >> 16) & 0xff); }
  static PeerIndex peer(Key k) { return static_cast<PeerIndex>(k); }
};

// IPv6: 24 bytes. Key = (address high, address low, length << 16 | peer).
struct V6Route {
  struct Key {
    uint64_t hi = 0;
    uint64_t lo = 0;
    uint32_t len_peer = 0;
    friend auto operator<=>(const Key&, const Key&) = default;
  };
  static constexpr Family kFamily = Family::kV6;
  uint64_t hi = 0;
  uint64_t lo = 0;
  uint32_t len_peer = 0;
  uint32_t path = 0;

  Key key() const { return Key{hi, lo, len_peer}; }
  void set_key(const Key& k) {
    hi = k.hi;
    lo = k.lo;
    len_peer = k.len_peer;
  }
  static Key make_key(const Prefix& p, PeerIndex peer) {
    return Key{static_cast<uint64_t>(p.network() >> 64), static_cast<uint64_t>(p.network()),
               static_cast<uint32_t>(p.length()) << 16 | peer};
  }
  static u128 address(const Key& k) { return u128{k.hi} << 64 | k.lo; }
  static int length(const Key& k) { return static_cast<int>(k.len_peer >> 16); }
  static PeerIndex peer(const Key& k) { return static_cast<PeerIndex>(k.len_peer); }
};

// The first position in [base, base + n) where before(x) is false, for a
// `before` true on a prefix of the range. Branch-free (conditional moves):
// on random keys a branching binary search mispredicts half its steps.
template <typename T, typename Before>
size_t partition_point_branchless(const T* base, size_t n, Before before) {
  if (n == 0) return 0;
  const T* first = base;
  while (n > 1) {
    size_t half = n / 2;
    base = before(base[half - 1]) ? base + half : base;
    n -= half;
  }
  return static_cast<size_t>(base - first) + (before(*base) ? 1 : 0);
}

template <typename R>
class RouteIndex {
 public:
  using Key = typename R::Key;
  // 128 rather than 64: half as many splits, each of which shifts the block
  // and first-key vectors (bgp_rib_bench: faster in both orders, and less
  // memory per route).
  static constexpr uint32_t kBlock = 128;

  RouteIndex() = default;
  RouteIndex(RouteIndex&&) noexcept = default;
  RouteIndex& operator=(RouteIndex&&) noexcept = default;

  size_t size() const { return size_; }

  R* find(const Key& k) {
    if (blocks_.empty()) return nullptr;
    Block& b = *blocks_[block_of(k)];
    uint32_t pos = b.lower_bound(k);
    return pos < b.n && b.e[pos].key() == k ? &b.e[pos] : nullptr;
  }

  // Starts loading the block that holds, or would hold, `k`, so that several
  // lookups (the prefixes of one UPDATE) wait for memory together. Returns
  // the block's position, a hint for emplace().
  size_t prefetch(const Key& k) const {
    if (blocks_.empty()) return 0;
    size_t i = block_of(k);
    const char* p = reinterpret_cast<const char*>(blocks_[i].get());
    for (size_t off = 0; off < sizeof(Block); off += 64) __builtin_prefetch(p + off, 1);
    return i;
  }

  // The entry for `k`, added (path 0) when absent; second: whether added.
  // The pointer is valid until the index is next modified. `hint` is where
  // prefetch(k) found the block, checked (other inserts may have split
  // blocks since) and searched for again when stale.
  std::pair<R*, bool> emplace(const Key& k, size_t hint = 0) {
    if (blocks_.empty()) {
      blocks_.push_back(std::make_unique<Block>());
      firsts_.push_back(k);
    }
    size_t i = holds(hint, k) ? hint : block_of(k);
    Block* b = blocks_[i].get();
    uint32_t pos = b->lower_bound(k);
    if (pos < b->n && b->e[pos].key() == k) return {&b->e[pos], false};
    if (b->n == kBlock) {
      if (pos == kBlock && i + 1 < blocks_.size() && blocks_[i + 1]->n < kBlock) {
        // Goes between this block and the next: the next one has room.
        b = blocks_[++i].get();
        pos = 0;
      } else {
        std::tie(i, pos) = split(i, pos);
        b = blocks_[i].get();
      }
    }
    std::memmove(&b->e[pos + 1], &b->e[pos], (b->n - pos) * sizeof(R));
    b->e[pos] = R{};
    b->e[pos].set_key(k);
    b->n++;
    if (pos == 0) firsts_[i] = k;
    size_++;
    return {&b->e[pos], true};
  }

  // Removes the entry for `k`, copying it to *out; false when absent.
  bool erase(const Key& k, R* out) {
    if (blocks_.empty()) return false;
    size_t i = block_of(k);
    Block& b = *blocks_[i];
    uint32_t pos = b.lower_bound(k);
    if (pos >= b.n || !(b.e[pos].key() == k)) return false;
    *out = b.e[pos];
    std::memmove(&b.e[pos], &b.e[pos + 1], (b.n - pos - 1) * sizeof(R));
    b.n--;
    size_--;
    if (b.n == 0) {
      blocks_.erase(blocks_.begin() + i);
      firsts_.erase(firsts_.begin() + i);
      return true;
    }
    if (pos == 0) firsts_[i] = b.e[0].key();
    // Keep blocks at least a quarter full under withdrawals.
    if (b.n < kBlock / 4) {
      if (i + 1 < blocks_.size() && b.n + blocks_[i + 1]->n <= kBlock / 2) {
        merge_next(i);
      } else if (i > 0 && b.n + blocks_[i - 1]->n <= kBlock / 2) {
        merge_next(i - 1);
      }
    }
    return true;
  }

  // Calls f(const R&) from the first entry with key >= lo, in key order,
  // while f returns true.
  template <typename F>
  void for_each_from(const Key& lo, F&& f) const {
    if (blocks_.empty()) return;
    size_t i = block_of(lo);
    uint32_t pos = blocks_[i]->lower_bound(lo);
    for (; i < blocks_.size(); ++i, pos = 0) {
      const Block& b = *blocks_[i];
      for (; pos < b.n; ++pos) {
        if (!f(b.e[pos])) return;
      }
    }
  }

  // Calls f(R&) on every entry; f must not change keys.
  template <typename F>
  void for_each_mut(F&& f) {
    for (auto& b : blocks_) {
      for (uint32_t j = 0; j < b->n; ++j) f(b->e[j]);
    }
  }

  // Removes every entry for which remove(R&) is true, then merges sparse
  // neighbouring blocks. Returns how many were removed.
  template <typename F>
  size_t remove_if(F&& remove) {
    size_t removed = 0;
    for (auto& b : blocks_) {
      uint32_t out = 0;
      for (uint32_t j = 0; j < b->n; ++j) {
        if (remove(b->e[j])) continue;
        if (out != j) b->e[out] = b->e[j];
        out++;
      }
      removed += b->n - out;
      b->n = out;
    }
    if (removed == 0) return 0;
    size_ -= removed;
    std::vector<std::unique_ptr<Block>> kept;
    for (auto& b : blocks_) {
      if (b->n == 0) continue;
      if (!kept.empty() && kept.back()->n + b->n <= kBlock * 3 / 4) {
        Block& into = *kept.back();
        std::memcpy(&into.e[into.n], &b->e[0], b->n * sizeof(R));
        into.n += b->n;
        continue;
      }
      kept.push_back(std::move(b));
    }
    blocks_ = std::move(kept);
    blocks_.shrink_to_fit();
    firsts_.clear();
    for (auto& b : blocks_) firsts_.push_back(b->e[0].key());
    firsts_.shrink_to_fit();
    return removed;
  }

  size_t memory_bytes() const {
    return heap_size(blocks_.capacity() * sizeof(blocks_[0])) +
           heap_size(firsts_.capacity() * sizeof(Key)) + blocks_.size() * heap_size(sizeof(Block));
  }

 private:
  struct Block {
    uint32_t n = 0;
    R e[kBlock];
    uint32_t lower_bound(const Key& k) const {
      // A block is a few cache lines: fetch them all at once rather than one
      // after another along the binary search (a random insert into a full
      // table misses the cache on every line it touches).
      const char* p = reinterpret_cast<const char*>(e);
      for (size_t off = 0; off < n * sizeof(R); off += 64) __builtin_prefetch(p + off);
      return static_cast<uint32_t>(
          partition_point_branchless(e, n, [&k](const R& r) { return r.key() < k; }));
    }
  };

  // The block that holds, or would hold, `k`: the last whose first key is
  // <= k, or the first block. REQUIRES: !blocks_.empty().
  size_t block_of(const Key& k) const {
    size_t after = partition_point_branchless(firsts_.data(), firsts_.size(),
                                              [&k](const Key& first) { return !(k < first); });
    return after == 0 ? 0 : after - 1;
  }

  // Whether block_of(k) == i.
  bool holds(size_t i, const Key& k) const {
    return i < firsts_.size() && (i == 0 || !(k < firsts_[i])) &&
           (i + 1 == firsts_.size() || k < firsts_[i + 1]);
  }

  // Splits full block i to make room at `pos`; returns the block and position
  // where the new entry goes. At either end of the block (an ascending or
  // descending load) the full block stays full and a new one is started.
  std::pair<size_t, uint32_t> split(size_t i, uint32_t pos) {
    auto fresh = std::make_unique<Block>();
    Block& b = *blocks_[i];
    if (pos == kBlock) {
      blocks_.insert(blocks_.begin() + i + 1, std::move(fresh));
      firsts_.insert(firsts_.begin() + i + 1, Key{});  // set by the caller
      return {i + 1, 0};
    }
    if (pos == 0) {
      blocks_.insert(blocks_.begin() + i, std::move(fresh));
      firsts_.insert(firsts_.begin() + i, Key{});
      return {i, 0};
    }
    uint32_t half = kBlock / 2;
    std::memcpy(&fresh->e[0], &b.e[half], (kBlock - half) * sizeof(R));
    fresh->n = kBlock - half;
    b.n = half;
    Key first = fresh->e[0].key();
    blocks_.insert(blocks_.begin() + i + 1, std::move(fresh));
    firsts_.insert(firsts_.begin() + i + 1, first);
    if (pos <= half) return {i, pos};
    return {i + 1, pos - half};
  }

  void merge_next(size_t i) {
    Block& into = *blocks_[i];
    Block& from = *blocks_[i + 1];
    std::memcpy(&into.e[into.n], &from.e[0], from.n * sizeof(R));
    into.n += from.n;
    blocks_.erase(blocks_.begin() + i + 1);
    firsts_.erase(firsts_.begin() + i + 1);
  }

  std::vector<std::unique_ptr<Block>> blocks_;
  std::vector<Key> firsts_;  // firsts_[i] == blocks_[i]->e[0].key()
  size_t size_ = 0;
};

}  // namespace byoipd::bgp
