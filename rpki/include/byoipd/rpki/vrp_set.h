// The VRPs of one source, without the source tag: what an RTR client holds
// for its cache (RFC 8210 5.6: at most one record per {prefix, length, max
// length, ASN}) and what a VrpTable is built from without sorting.
//
// Layout: one sorted array of compact records per family, 12 bytes per IPv4
// VRP and 24 per IPv6 one, in the VrpTable's order (address, prefix length,
// max length, AS). A set is a value; copy it, or share it as
// shared_ptr<const VrpSet>. Membership is a binary search; a change builds a
// new set in one merge pass (a delta of a few records costs a copy of the
// arrays, which is cheaper than a node per record kept for ever).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "byoipd/common/ip.h"
#include "byoipd/rpki/vrp_table.h"

namespace byoipd::rpki {

// A VRP without its source: one record of one cache (RFC 8210 5.6).
struct VrpKey {
  Prefix prefix;
  uint8_t max_length = 0;
  uint32_t asn = 0;
  friend bool operator==(const VrpKey&, const VrpKey&) = default;
};

class VrpSet {
 public:
  struct V4Record {
    uint32_t addr = 0;
    uint8_t length = 0;
    uint8_t max_length = 0;
    uint32_t asn = 0;
  };
  struct V6Record {
    uint64_t hi = 0;
    uint64_t lo = 0;
    uint32_t asn = 0;
    uint8_t length = 0;
    uint8_t max_length = 0;
  };

  // Collects records in any order, then sorts them once (a reset sync
  // stages hundreds of thousands; hashing each on arrival costs ten times
  // the decode).
  class Builder {
   public:
    void add(const VrpKey& key);
    size_t size() const { return v4_.size() + v6_.size(); }
    // Sorts what was added. A key added more than once is returned and the
    // builder keeps its records; otherwise `out` holds the set, the builder
    // is left empty, and the result is empty.
    std::optional<VrpKey> finish(VrpSet& out);
    // Moves every record into `out` unsorted, for a caller switching to
    // another way of staging. Leaves the builder empty.
    std::vector<VrpKey> take_keys();

   private:
    std::vector<V4Record> v4_;
    std::vector<V6Record> v6_;
  };

  size_t size() const { return v4_.size() + v6_.size(); }
  size_t v4_size() const { return v4_.size(); }
  size_t v6_size() const { return v6_.size(); }
  bool empty() const { return size() == 0; }
  bool contains(const VrpKey& key) const;

  // A new set: this one without `withdrawn`, plus `announced`.
  // REQUIRES: every withdrawn key is held, no announced key is, and neither
  // list repeats a key (the RTR client has checked all three).
  VrpSet with_delta(const std::vector<VrpKey>& announced,
                    const std::vector<VrpKey>& withdrawn) const;

  // Every record as a Vrp tagged with `source`, IPv4 first, in order.
  std::vector<Vrp> to_vrps(SourceId source) const;

  const std::vector<V4Record>& v4() const { return v4_; }
  const std::vector<V6Record>& v6() const { return v6_; }
  // Heap bytes held.
  size_t memory_bytes() const {
    return v4_.capacity() * sizeof(V4Record) + v6_.capacity() * sizeof(V6Record);
  }

  static V4Record v4_record(const VrpKey& key);
  static V6Record v6_record(const VrpKey& key);
  static VrpKey key_of(const V4Record& r);
  static VrpKey key_of(const V6Record& r);

 private:
  std::vector<V4Record> v4_;
  std::vector<V6Record> v6_;
};

// The VrpTable order: address, prefix length, max length, AS.
bool operator<(const VrpSet::V4Record& a, const VrpSet::V4Record& b);
bool operator<(const VrpSet::V6Record& a, const VrpSet::V6Record& b);
bool operator==(const VrpSet::V4Record& a, const VrpSet::V4Record& b);
bool operator==(const VrpSet::V6Record& a, const VrpSet::V6Record& b);

}  // namespace byoipd::rpki
