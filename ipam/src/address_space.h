// AddressSpace: the free/provisioned/allocated map of one pool.
//
// A binary trie over the address bits of one family. Every edge ("ref") is
// one of: an internal node, FREE (the whole block is provisioned and
// unallocated), NONE (not provisioned to this pool), or an allocation slot
// (the whole block is allocated). Each internal node caches the shortest
// prefix length of any FREE block beneath it, i.e. the largest free block, so
// finding the lowest free aligned block of a given length, claiming a block
// and releasing one each walk a single root-to-leaf path: O(address width),
// independent of the number of allocations.
//
// Fully free or fully unprovisioned subtrees collapse back into one ref, but
// never across the boundary of a provisioned CIDR: two adjacent provisioned
// CIDRs stay two blocks, so no allocation ever spans both.
//
// Allocation slots are small dense integers with a generation counter; the
// engine turns (pool, slot, generation) into the allocation's public id.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "byoipd/common/ip.h"
#include "chunked_vector.h"

namespace byoipd::ipam {

struct AllocationConstraints {
  std::span<const Prefix> allowed;     // empty = anywhere
  std::span<const Prefix> disallowed;  // never overlap these
};

class AddressSpace {
 public:
  static constexpr uint32_t kNoSlot = 0xffffffffu;

  explicit AddressSpace(Family family);
  Family family() const { return family_; }

  // Outcome of claim/provision when the space is not as required.
  struct Blocked {
    enum Kind { kNone, kNotProvisioned, kPartlyProvisioned, kAllocated, kProvisioned } kind = kNone;
    uint32_t holder = kNoSlot;  // for kAllocated: the first allocation in the way
    Prefix holder_prefix;
  };

  // Marks `p` provisioned and free. REQUIRES: no part of `p` is provisioned;
  // otherwise nothing changes and the result says kProvisioned.
  Blocked provision(const Prefix& p);
  // Marks the provisioned block `p` unprovisioned. REQUIRES: `p` is exactly a
  // provisioned block with no allocations inside (else kAllocated with the
  // first holder, or kNotProvisioned).
  Blocked deprovision(const Prefix& p);

  // The lowest free block of length `len` that satisfies `c`, if any.
  // Never changes the space; claim() of the result succeeds.
  std::optional<Prefix> find_free(int len, const AllocationConstraints& c = {}) const;

  // Whether `p` could be claimed now: kind kNone if so, else why not.
  Blocked check(const Prefix& p) const;
  // Allocates exactly `p` to a new slot of `type`. On success returns the
  // slot; otherwise `blocked` says why and nothing changes.
  uint32_t claim(const Prefix& p, uint8_t type, Blocked* blocked);
  // claim() for a block known to be free (from find_free or check).
  uint32_t claim_free(const Prefix& p, uint8_t type);
  // find_free(len) and claim of its answer in one descent.
  std::optional<std::pair<uint32_t, Prefix>> claim_lowest(int len, uint8_t type);
  // Frees the slot's block at once. REQUIRES: slot_live(slot).
  void release(uint32_t slot);

  bool slot_live(uint32_t slot) const {
    return slot < records_.size() && records_[slot].live;
  }
  uint32_t generation(uint32_t slot) const { return records_[slot].generation; }
  uint8_t type(uint32_t slot) const { return records_[slot].type; }
  // The block held by a live slot, rebuilt by walking up the trie.
  Prefix prefix_of(uint32_t slot) const;
  // The slot holding exactly `p`, or kNoSlot.
  uint32_t slot_at(const Prefix& p) const;

  // Visits allocations overlapping `within` in address order, starting with
  // the first whose prefix is > `after` (if given). The visitor returns false
  // to stop.
  void for_each_allocation(const Prefix& within, const std::optional<Prefix>& after,
                           const std::function<bool(const Prefix&, uint32_t)>& visit) const;

  // Shortest prefix length of any free block, or -1 when nothing is free.
  int largest_free_length() const;
  u128 provisioned_addresses() const { return provisioned_; }
  u128 allocated_addresses() const { return allocated_; }
  size_t allocation_count() const { return live_count_; }

  // Bytes held by the trie and slot table (capacity, not just size).
  size_t memory_bytes() const;

  // Restores a slot table exactly (ids depend on it); used by snapshots.
  struct SlotRecord {
    uint32_t generation;
    bool live;
    uint8_t type;
  };
  std::vector<SlotRecord> slot_table() const;
  std::vector<uint32_t> free_slot_list() const { return free_slots_; }
  // REQUIRES: a space with nothing claimed yet and provisioned CIDRs in place.
  // Then claim_slot() below places allocations in their original slots.
  void restore_slot_table(const std::vector<SlotRecord>& table, std::vector<uint32_t> free_slots);
  bool claim_into_slot(const Prefix& p, uint32_t slot);

 private:
  using Ref = uint32_t;
  static constexpr Ref kFree = 0xffffffffu;
  static constexpr Ref kNoneRef = 0xfffffffeu;
  static constexpr Ref kAllocBit = 0x80000000u;
  static constexpr uint32_t kNoParent = 0xffffffffu;
  static constexpr uint8_t kNoFree = 255;

  struct Node {
    uint32_t parent;
    Ref child[2];
    uint8_t depth;          // prefix length of the block this node splits
    bool inside;            // inside a provisioned CIDR (created by splitting FREE)
    // Shortest length of a FREE block under each child, or kNoFree. Kept in
    // the parent so a descent reads one node per level, not two.
    uint8_t child_best[2];
    uint8_t best() const { return child_best[0] < child_best[1] ? child_best[0] : child_best[1]; }
  };
  static_assert(sizeof(Node) == 16);

  struct Record {
    uint32_t parent;  // node whose child ref holds this slot, or kNoParent (root)
    uint32_t generation;
    uint8_t type;
    bool live;
  };

  static bool is_node(Ref r) { return r < kAllocBit; }
  static bool is_alloc(Ref r) { return r >= kAllocBit && r < kNoneRef; }
  static uint32_t slot_of(Ref r) { return r & ~kAllocBit; }

  uint8_t best_of(Ref r, int depth) const {
    if (r == kFree) return static_cast<uint8_t>(depth);
    if (is_node(r)) return nodes_[r].best();
    return kNoFree;
  }
  Ref& ref_at(uint32_t parent, int which) {
    return parent == kNoParent ? root_ : nodes_[parent].child[which];
  }
  uint32_t new_node(uint32_t parent, int depth, Ref fill, bool inside);
  void free_node(uint32_t index);
  // Recomputes best and collapses uniform nodes from `index` up to the root.
  // Nodes at depth >= force_depth are always recomputed.
  static constexpr int kNoNewNodes = 256;
  void fix_up(uint32_t index, int force_depth = kNoNewNodes);
  uint32_t new_slot(uint8_t type);
  // Walks to the ref for `p`, splitting FREE/NONE refs on the way when
  // `split` is set. Returns the parent node of the final ref and its side.
  struct Place {
    uint32_t parent;
    int side;
    bool ok;           // reached depth p.length()
    Ref stopped_at;    // the terminal ref that stopped the walk early
    int stop_depth;
    int first_new;     // depth of the first node this walk created, or kNoNewNodes
  };
  Place walk(const Prefix& p, bool split_free, bool split_none);
  Place find(const Prefix& p) const;
  std::optional<Prefix> search(Ref r, const Prefix& block, int len,
                               const AllocationConstraints& c) const;
  std::optional<Prefix> first_in_free(const Prefix& block, int len,
                                      const AllocationConstraints& c) const;
  bool visit(Ref r, const Prefix& block, const Prefix& within, const std::optional<Prefix>& after,
             const std::function<bool(const Prefix&, uint32_t)>& fn) const;

  Family family_;
  int width_;
  Ref root_ = kNoneRef;
  ChunkedVector<Node> nodes_;
  std::vector<uint32_t> free_nodes_;
  ChunkedVector<Record> records_;
  std::vector<uint32_t> free_slots_;
  size_t live_count_ = 0;
  u128 provisioned_ = 0;
  u128 allocated_ = 0;
};

}  // namespace byoipd::ipam
