// Interned path attributes for the Adj-RIB-In: every distinct path is stored
// once, as one compact byte blob, and routes refer to it by a 31-bit id.
// Paths are reference-counted and freed when the last route leaves.
//
// Stored: ORIGIN, AS_PATH, the next hop (NEXT_HOP or the MP_REACH global next
// hop), MED, LOCAL_PREF, COMMUNITIES and LARGE_COMMUNITIES. ATOMIC_AGGREGATE,
// AGGREGATOR and unknown attributes are not kept: the RIB only displays
// routes and derives their origin AS, and neither needs them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "byoipd/bgp/message.h"
#include "byoipd/common/ip.h"

namespace byoipd::bgp {

struct RouteEntry;

using PathId = uint32_t;
// Path ids stay below this so a route can keep its stale mark in the top bit.
constexpr PathId kMaxPathId = 0x7fffffffu;

class PathTable {
 public:
  // `local_as` is the origin of paths with an empty AS_PATH (RFC 6811).
  explicit PathTable(uint32_t local_as);
  ~PathTable();
  PathTable(PathTable&&) noexcept;
  PathTable& operator=(PathTable&&) noexcept;
  PathTable(const PathTable&) = delete;
  PathTable& operator=(const PathTable&) = delete;

  // A lookup in two steps, so the caller can do other work while the index
  // slot loads: start() answers at once when the path is the previous
  // lookup's (the UPDATEs of one path usually come back to back), else it
  // hashes the fields (no blob is built) and starts loading the slot.
  // `attrs` and `next_hop` must outlive the lookup.
  struct Lookup {
    const PathAttributes* attrs;
    IpAddress next_hop;
    bool found;  // then `id` is the answer
    PathId id;
    uint32_t hash;
    uint32_t size;  // of the blob the attributes encode to
  };
  Lookup start(const PathAttributes& attrs, const IpAddress& next_hop);
  // The id of the path looked up, stored if new. A new path starts with no
  // references: the caller acquires one per route. Only a new path allocates.
  PathId intern(const Lookup& lookup);
  PathId intern(const PathAttributes& attrs, const IpAddress& next_hop) {
    return intern(start(attrs, next_hop));
  }
  void acquire(PathId id, uint32_t n = 1) { refs_[id] += n; }
  // Drops one reference; the path is freed when none is left.
  void release(PathId id);

  // The origin AS of the path (RFC 6811 section 2), computed when interned.
  std::optional<uint32_t> origin_as(PathId id) const {
    const Header& h = *slots_[id];
    return h.has_origin ? std::optional<uint32_t>(h.origin) : std::nullopt;
  }
  // Fills the path fields of `entry` (all but prefix, peer and stale).
  void decode(PathId id, RouteEntry& entry) const;

  size_t size() const { return live_; }
  size_t memory_bytes() const;

 private:
  // Each path is one heap block: this header, then the blob. Its reference
  // count lives in refs_, so counting routes never touches the block.
  struct Header {
    uint32_t hash;
    uint32_t size;  // of the blob
    uint32_t origin;
    bool has_origin;
    const uint8_t* blob() const { return reinterpret_cast<const uint8_t*>(this + 1); }
  };
  // An index slot keeps the path's full hash, so a probe that meets another
  // path is settled without loading that path.
  struct Slot {
    Header* path;  // nullptr: empty
    uint32_t hash;
    PathId id;
  };

  static bool equals(const Header& h, const PathAttributes& attrs, const IpAddress& next_hop);
  PathId insert(size_t slot, const Lookup& lookup);
  void erase_from_index(PathId id);
  void grow_index();

  std::vector<Header*> slots_;  // by id; nullptr: free
  std::vector<uint32_t> refs_;  // by id
  std::vector<PathId> free_;
  // Open addressing with linear probing, at most 3/4 full. Deletion shifts
  // later entries back, so there are no tombstones.
  std::vector<Slot> index_;
  size_t live_ = 0;
  size_t blob_bytes_ = 0;  // heap held by the paths
  uint32_t local_as_ = 0;
  // The previous lookup's answer; last_path_ is null once that path is freed.
  PathId last_ = 0;
  const Header* last_path_ = nullptr;
};

}  // namespace byoipd::bgp
