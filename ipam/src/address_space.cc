#include "address_space.h"

#include <algorithm>

namespace byoipd::ipam {

AddressSpace::AddressSpace(Family family) : family_(family), width_(family_width(family)) {}

uint32_t AddressSpace::new_node(uint32_t parent, int depth, Ref fill, bool inside) {
  uint32_t index;
  if (!free_nodes_.empty()) {
    index = free_nodes_.back();
    free_nodes_.pop_back();
  } else {
    index = static_cast<uint32_t>(nodes_.size());
    nodes_.push_back(Node{});
  }
  Node& n = nodes_[index];
  n.parent = parent;
  n.child[0] = n.child[1] = fill;
  n.depth = static_cast<uint8_t>(depth);
  n.child_best[0] = n.child_best[1] = fill == kFree ? static_cast<uint8_t>(depth + 1) : kNoFree;
  n.inside = inside;
  return index;
}

void AddressSpace::free_node(uint32_t index) { free_nodes_.push_back(index); }

uint32_t AddressSpace::new_slot(uint8_t type) {
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<uint32_t>(records_.size());
    records_.push_back(Record{kNoParent, 0, 0, false});
  }
  Record& r = records_[slot];
  r.type = type;
  r.live = true;
  ++live_count_;
  return slot;
}

void AddressSpace::fix_up(uint32_t index, int force_depth) {
  while (index != kNoParent) {
    Node& n = nodes_[index];
    uint32_t parent = n.parent;
    Ref uniform = 0;
    if (n.inside && n.child[0] == kFree && n.child[1] == kFree) uniform = kFree;
    if (!n.inside && n.child[0] == kNoneRef && n.child[1] == kNoneRef) uniform = kNoneRef;
    if (uniform != 0) {
      Ref& up = parent == kNoParent ? root_
                : nodes_[parent].child[nodes_[parent].child[1] == index ? 1 : 0];
      up = uniform;
      free_node(index);
      index = parent;
      continue;
    }
    uint8_t old_best = n.best();
    n.child_best[0] = best_of(n.child[0], n.depth + 1);
    n.child_best[1] = best_of(n.child[1], n.depth + 1);
    uint8_t best = n.best();
    // Nodes made by this walk (depth >= force_depth) hold provisional values,
    // so the early exit only applies above them.
    if (best == old_best && n.depth < force_depth) return;
    index = parent;
  }
}

AddressSpace::Place AddressSpace::walk(const Prefix& p, bool split_free, bool split_none) {
  uint32_t parent = kNoParent;
  int side = 0;
  Ref r = root_;
  int first_new = kNoNewNodes;
  for (int d = 0; d < p.length(); ++d) {
    if ((r == kFree && split_free) || (r == kNoneRef && split_none)) {
      uint32_t n = new_node(parent, d, r, r == kFree);
      ref_at(parent, side) = n;
      r = n;
      first_new = std::min(first_new, d);
    }
    if (!is_node(r)) return Place{parent, side, false, r, d, first_new};
    parent = r;
    side = p.bit(d) ? 1 : 0;
    r = nodes_[r].child[side];
  }
  return Place{parent, side, true, r, p.length(), first_new};
}

AddressSpace::Place AddressSpace::find(const Prefix& p) const {
  uint32_t parent = kNoParent;
  int side = 0;
  Ref r = root_;
  for (int d = 0; d < p.length(); ++d) {
    if (!is_node(r)) return Place{parent, side, false, r, d, kNoNewNodes};
    parent = r;
    side = p.bit(d) ? 1 : 0;
    r = nodes_[r].child[side];
  }
  return Place{parent, side, true, r, p.length(), kNoNewNodes};
}

AddressSpace::Blocked AddressSpace::provision(const Prefix& p) {
  Place at = walk(p, false, true);
  if (!at.ok || at.stopped_at != kNoneRef) return Blocked{Blocked::kProvisioned, kNoSlot, {}};
  ref_at(at.parent, at.side) = kFree;
  provisioned_ += p.size();
  if (at.parent != kNoParent) fix_up(at.parent, at.first_new);
  return {};
}

AddressSpace::Blocked AddressSpace::deprovision(const Prefix& p) {
  Place at = find(p);
  // `p` must be exactly one provisioned CIDR: its ref sits directly below
  // unprovisioned structure (or is the root).
  if (!at.ok || (at.parent != kNoParent && nodes_[at.parent].inside)) {
    return Blocked{Blocked::kNotProvisioned, kNoSlot, {}};
  }
  Ref r = at.stopped_at;
  if (is_alloc(r) || (is_node(r) && nodes_[r].inside)) {
    Blocked b{Blocked::kAllocated, kNoSlot, {}};
    for_each_allocation(p, std::nullopt, [&](const Prefix& q, uint32_t slot) {
      b.holder = slot;
      b.holder_prefix = q;
      return false;
    });
    return b;
  }
  if (r != kFree) return Blocked{Blocked::kNotProvisioned, kNoSlot, {}};
  ref_at(at.parent, at.side) = kNoneRef;
  provisioned_ -= p.size();
  if (at.parent != kNoParent) fix_up(at.parent);
  return {};
}

AddressSpace::Blocked AddressSpace::check(const Prefix& p) const {
  if (p.family() != family_) return Blocked{Blocked::kNotProvisioned, kNoSlot, {}};
  Place at = find(p);
  Ref r = at.stopped_at;
  if (r == kFree) return {};
  if (r == kNoneRef) return Blocked{Blocked::kNotProvisioned, kNoSlot, {}};
  if (is_alloc(r)) {
    uint32_t s = slot_of(r);
    return Blocked{Blocked::kAllocated, s, prefix_of(s)};
  }
  // An internal node: something inside is allocated or unprovisioned.
  Blocked b{Blocked::kPartlyProvisioned, kNoSlot, {}};
  for_each_allocation(p, std::nullopt, [&](const Prefix& q, uint32_t slot) {
    b = Blocked{Blocked::kAllocated, slot, q};
    return false;
  });
  return b;
}

uint32_t AddressSpace::claim(const Prefix& p, uint8_t type, Blocked* blocked) {
  Blocked b = check(p);
  if (blocked) *blocked = b;
  if (b.kind != Blocked::kNone) return kNoSlot;
  return claim_free(p, type);
}

uint32_t AddressSpace::claim_free(const Prefix& p, uint8_t type) {
  Place at = walk(p, true, false);
  uint32_t slot = new_slot(type);
  records_[slot].parent = at.parent;
  ref_at(at.parent, at.side) = kAllocBit | slot;
  allocated_ += p.size();
  if (at.parent != kNoParent) fix_up(at.parent, at.first_new);
  return slot;
}

bool AddressSpace::claim_into_slot(const Prefix& p, uint32_t slot) {
  if (slot >= records_.size() || records_[slot].live) return false;
  Place at = walk(p, true, false);
  if (!at.ok || at.stopped_at != kFree) return false;
  Record& rec = records_[slot];
  rec.parent = at.parent;
  rec.live = true;
  ++live_count_;
  ref_at(at.parent, at.side) = kAllocBit | slot;
  allocated_ += p.size();
  if (at.parent != kNoParent) fix_up(at.parent, at.first_new);
  return true;
}

void AddressSpace::release(uint32_t slot) {
  Record& rec = records_[slot];
  Ref self = kAllocBit | slot;
  int len = 0;
  if (rec.parent == kNoParent) {
    root_ = kFree;
  } else {
    Node& n = nodes_[rec.parent];
    n.child[n.child[1] == self ? 1 : 0] = kFree;
    len = n.depth + 1;
  }
  int host = width_ - len;
  allocated_ -= host >= 128 ? ~u128(0) : u128(1) << host;
  uint32_t parent = rec.parent;
  rec.parent = kNoParent;
  rec.live = false;
  ++rec.generation;
  --live_count_;
  free_slots_.push_back(slot);
  if (parent != kNoParent) fix_up(parent);
}

std::optional<std::pair<uint32_t, Prefix>> AddressSpace::claim_lowest(int len, uint8_t type) {
  if (len < 0 || len > width_ || best_of(root_, 0) > len) return std::nullopt;
  // One descent: follow the lowest subtree holding a free block of length
  // <= len (as find_free does), then split FREE edges down the left side.
  uint32_t parent = kNoParent;
  int side = 0;
  Ref r = root_;
  u128 net = 0;
  int first_new = kNoNewNodes;
  for (int d = 0; d < len; ++d) {
    if (r == kFree) {
      uint32_t n = new_node(parent, d, kFree, true);
      ref_at(parent, side) = n;
      r = n;
      first_new = std::min(first_new, d);
    }
    const Node& node = nodes_[r];
    parent = r;
    side = node.child_best[0] <= len ? 0 : 1;
    if (side) net |= u128(1) << (width_ - 1 - d);
    r = node.child[side];
  }
  uint32_t slot = new_slot(type);
  records_[slot].parent = parent;
  ref_at(parent, side) = kAllocBit | slot;
  int host = width_ - len;
  allocated_ += host >= 128 ? ~u128(0) : u128(1) << host;
  if (parent != kNoParent) fix_up(parent, first_new);
  return std::make_pair(slot, *Prefix::make(family_, net, len));
}

Prefix AddressSpace::prefix_of(uint32_t slot) const {
  const Record& rec = records_[slot];
  u128 net = 0;
  int len = 0;
  Ref below = kAllocBit | slot;
  uint32_t cur = rec.parent;
  if (cur != kNoParent) len = nodes_[cur].depth + 1;
  while (cur != kNoParent) {
    const Node& n = nodes_[cur];
    if (n.child[1] == below) net |= u128(1) << (width_ - 1 - n.depth);
    below = cur;
    cur = n.parent;
  }
  return *Prefix::make(family_, net, len);
}

uint32_t AddressSpace::slot_at(const Prefix& p) const {
  if (p.family() != family_) return kNoSlot;
  Place at = find(p);
  if (!at.ok || !is_alloc(at.stopped_at)) return kNoSlot;
  return slot_of(at.stopped_at);
}

int AddressSpace::largest_free_length() const {
  uint8_t b = best_of(root_, 0);
  return b == kNoFree ? -1 : b;
}

std::optional<Prefix> AddressSpace::find_free(int len, const AllocationConstraints& c) const {
  if (len < 0 || len > width_ || best_of(root_, 0) > len) return std::nullopt;
  if (!c.allowed.empty() || !c.disallowed.empty()) {
    return search(root_, Prefix::root(family_), len, c);
  }
  Ref r = root_;
  Prefix block = Prefix::root(family_);
  // Invariant: best_of(r) <= len, so a fitting block exists below r.
  while (r != kFree) {
    const Node& n = nodes_[r];
    if (n.child_best[0] <= len) {
      r = n.child[0];
      block = block.child(0);
    } else {
      r = n.child[1];
      block = block.child(1);
    }
  }
  return block.subnet(len, 0);
}

namespace {

bool inside_any(const Prefix& block, std::span<const Prefix> list) {
  return std::any_of(list.begin(), list.end(), [&](const Prefix& a) { return a.contains(block); });
}
bool overlaps_any(const Prefix& block, std::span<const Prefix> list) {
  return std::any_of(list.begin(), list.end(), [&](const Prefix& a) { return a.overlaps(block); });
}

}  // namespace

std::optional<Prefix> AddressSpace::search(Ref r, const Prefix& block, int len,
                                           const AllocationConstraints& c) const {
  if (best_of(r, block.length()) > len) return std::nullopt;
  if (inside_any(block, c.disallowed)) return std::nullopt;
  if (!c.allowed.empty() && !overlaps_any(block, c.allowed)) return std::nullopt;
  if (r == kFree) return first_in_free(block, len, c);
  const Node& n = nodes_[r];
  if (auto found = search(n.child[0], block.child(0), len, c)) return found;
  return search(n.child[1], block.child(1), len, c);
}

std::optional<Prefix> AddressSpace::first_in_free(const Prefix& block, int len,
                                                  const AllocationConstraints& c) const {
  if (inside_any(block, c.disallowed)) return std::nullopt;
  if (!c.allowed.empty() && !overlaps_any(block, c.allowed)) return std::nullopt;
  bool allowed_here = c.allowed.empty() || inside_any(block, c.allowed);
  if (allowed_here && !overlaps_any(block, c.disallowed)) return block.subnet(len, 0);
  if (block.length() >= len) return std::nullopt;
  if (auto found = first_in_free(block.child(0), len, c)) return found;
  return first_in_free(block.child(1), len, c);
}

void AddressSpace::for_each_allocation(
    const Prefix& within, const std::optional<Prefix>& after,
    const std::function<bool(const Prefix&, uint32_t)>& visit_fn) const {
  if (within.family() != family_) return;
  visit(root_, Prefix::root(family_), within, after, visit_fn);
}

bool AddressSpace::visit(Ref r, const Prefix& block, const Prefix& within,
                         const std::optional<Prefix>& after,
                         const std::function<bool(const Prefix&, uint32_t)>& fn) const {
  if (r == kFree || r == kNoneRef) return true;
  if (!block.overlaps(within)) return true;
  if (after && block.last() < after->network()) return true;
  if (is_alloc(r)) {
    if (after && !(*after < block)) return true;
    return fn(block, slot_of(r));
  }
  const Node& n = nodes_[r];
  if (!visit(n.child[0], block.child(0), within, after, fn)) return false;
  return visit(n.child[1], block.child(1), within, after, fn);
}

size_t AddressSpace::memory_bytes() const {
  return nodes_.capacity() * sizeof(Node) + records_.capacity() * sizeof(Record) +
         (free_nodes_.capacity() + free_slots_.capacity()) * sizeof(uint32_t);
  // (The chunk tables themselves are one pointer per 1Ki elements.)
}

std::vector<AddressSpace::SlotRecord> AddressSpace::slot_table() const {
  std::vector<SlotRecord> out;
  out.reserve(records_.size());
  for (size_t i = 0; i < records_.size(); ++i) {
    const Record& r = records_[i];
    out.push_back(SlotRecord{r.generation, r.live, r.type});
  }
  return out;
}

void AddressSpace::restore_slot_table(const std::vector<SlotRecord>& table,
                                      std::vector<uint32_t> free_slots) {
  records_.clear();
  for (const SlotRecord& s : table) records_.push_back(Record{kNoParent, s.generation, s.type, false});
  free_slots_ = std::move(free_slots);
  live_count_ = 0;
}

}  // namespace byoipd::ipam
