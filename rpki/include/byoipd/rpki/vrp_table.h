// Validated ROA payloads (VRPs) and route origin validation (RFC 6811).
//
// A VrpTable holds the VRPs of every source (RTR caches, JSON files, SLURM
// assertions), each tagged with the source that supplied it. The same VRP
// from two sources is held twice and stays until both withdraw it.
//
// Layout: per address family, a frozen base (prefixes sorted by address then
// length, each with its parent, the nearest less-specific prefix present,
// and its (max length, AS, source) rows) plus a small delta of announced
// rows and withdrawn base rows. Single announces and withdraws touch only the
// delta; when it grows past a share of the base, compact() folds it in. A
// lookup finds the route's predecessor in the base and walks up the parents:
// the covering VRPs are exactly the ancestors of that predecessor.
//
// Threading: a VrpTable is a value with no internal locking. Its const
// members may run concurrently; mutate only a table no other thread can see.
// Copies are cheap (the base is shared, immutable; only the delta is copied),
// so a writer copies the published table, applies a batch and publishes the
// result through a VrpStore.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "byoipd/common/ip.h"
#include "byoipd/common/status.h"

namespace byoipd::rpki {

// Which source supplied a VRP (an RTR cache, a JSON file, a SLURM file...).
// The numbering belongs to whoever merges the sources.
using SourceId = uint16_t;

// One validated ROA payload (RFC 6811 section 2: a prefix, a maximum length
// and an origin AS) and the source that supplied it.
struct Vrp {
  Prefix prefix;
  uint8_t max_length = 0;
  uint32_t asn = 0;
  SourceId source = 0;

  // "192.0.2.0/24-24 AS64496 source 1".
  std::string to_string() const;
  friend bool operator==(const Vrp&, const Vrp&) = default;
};

// Why a covering VRP did or did not match the route (RFC 6811 section 2).
enum class Verdict : uint8_t {
  kMatched,            // same origin AS, route length <= max length
  kMaxLengthExceeded,  // same origin AS, route longer than the max length
  kOtherOrigin,        // a different origin AS
  kAs0,                // an AS0 VRP never matches (RFC 6483 section 4, RFC 7607)
  kNoOrigin,           // the route has no origin AS (AS_PATH ends in AS_SET)
};
std::string_view verdict_name(Verdict v);  // "matched", "max-length-exceeded"...

struct CoveringVrp {
  Vrp vrp;
  Verdict verdict = Verdict::kMatched;
  friend bool operator==(const CoveringVrp&, const CoveringVrp&) = default;
};

struct Validation {
  enum State : uint8_t { kValid, kInvalid, kNotFound };
  State state = kNotFound;
  // Every VRP whose prefix covers the route (one entry per source holding
  // it), least specific first, each with its verdict: the reasons an
  // operator needs to see why a route is Invalid.
  std::vector<CoveringVrp> covering;
};
std::string_view state_name(Validation::State s);  // "valid", "invalid", "not-found"

class VrpSet;  // vrp_set.h

class VrpTable {
 public:
  VrpTable();
  ~VrpTable();
  VrpTable(const VrpTable& other);  // O(delta): the base is shared
  VrpTable& operator=(const VrpTable& other);
  // A moved-from table may only be assigned to or destroyed.
  VrpTable(VrpTable&&) noexcept;
  VrpTable& operator=(VrpTable&&) noexcept;

  // A full load. Exact duplicates (same VRP, same source) collapse into one.
  // Refuses the whole set, naming the first offender, when a max length is
  // outside [prefix length, family width] (RFC 6482 section 3.3).
  static Result<VrpTable> build(std::vector<Vrp> vrps);
  // A full load of one source's set, every entry tagged `source`: no sort
  // (the set is in table order) and no intermediate copy. Same refusals.
  static Result<VrpTable> build(const VrpSet& set, SourceId source);

  // An announcement. Refuses (reason "duplicate-vrp") a VRP this source
  // already holds, and one with a max length out of range
  // ("max-length-out-of-range").
  Status add(const Vrp& vrp);
  // A withdrawal of the VRP this source announced; other sources' copies
  // stay. Refuses (reason "unknown-vrp") a VRP this source does not hold.
  Status remove(const Vrp& vrp);
  // True when this source holds exactly this VRP.
  bool contains(const Vrp& vrp) const;

  // Folds the delta into a new base. add() and remove() call it when the
  // delta outgrows a share of the base; a writer may call it before
  // publishing a large batch so lookups stay on the fast path.
  void compact();

  // RFC 6811 section 2. `origin_as` is empty when the route has no origin
  // (its AS_PATH ends in an AS_SET): such a route is never Valid.
  Validation validate(const Prefix& route, std::optional<uint32_t> origin_as) const;
  // The same state, without building the covering list.
  Validation::State validate_state(const Prefix& route, std::optional<uint32_t> origin_as) const;

  // Number of (VRP, source) entries.
  size_t size() const;
  // Every entry, in no particular order.
  void for_each(const std::function<void(const Vrp&)>& fn) const;
  // Heap bytes held by this table (the shared base counted in full).
  size_t memory_bytes() const;

  struct Base;   // the frozen, shared part (private)
  struct Delta;  // announced rows and withdrawn base rows (private)

 private:
  void maybe_compact();

  std::shared_ptr<const Base> base_;
  std::unique_ptr<Delta> delta_;
};

// The published VRP set. Readers take a snapshot and validate against it; a
// full reload or an applied batch replaces the snapshot in one step, so a
// reader sees either the old set or the new one, never a mix.
//
// Thread-safe: current() and swap() may be called from any thread. A reader
// holding a snapshot keeps it alive; the last holder frees it. Readers on a
// hot path should take one snapshot per batch of lookups, not one per lookup.
class VrpStore {
 public:
  VrpStore();
  std::shared_ptr<const VrpTable> current() const { return current_.load(); }
  // Publishes `next` (null publishes an empty table).
  void swap(std::shared_ptr<const VrpTable> next);

 private:
  std::atomic<std::shared_ptr<const VrpTable>> current_;
};

}  // namespace byoipd::rpki
