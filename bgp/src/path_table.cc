#include "path_table.h"

#include <cstdlib>
#include <cstring>

#include "byoipd/bgp/rib.h"
#include "heap_size.h"

namespace byoipd::bgp {
namespace {

// Blob layout (host byte order; the blob never leaves the process):
//   u8 origin, u8 flags (kHasMed, kHasLocalPref, kNextHopV6),
//   next hop (4 or 16 bytes), [u32 med], [u32 local_pref],
//   u16 segments, each: u8 type, u16 count, count x u32,
//   u16 communities, each u32; u16 large communities, each 3 x u32.
constexpr uint8_t kHasMed = 1;
constexpr uint8_t kHasLocalPref = 2;
constexpr uint8_t kNextHopV6 = 4;

class BlobWriter {
 public:
  explicit BlobWriter(uint8_t* p) : p_(p) {}
  template <typename T>
  void put(T v) {
    std::memcpy(p_, &v, sizeof(T));
    p_ += sizeof(T);
  }
  template <typename T>
  void put_array(const T* v, size_t n) {
    if (n != 0) std::memcpy(p_, v, n * sizeof(T));
    p_ += n * sizeof(T);
  }

 private:
  uint8_t* p_;
};

class BlobReader {
 public:
  explicit BlobReader(const uint8_t* p) : p_(p) {}
  template <typename T>
  T get() {
    T v;
    std::memcpy(&v, p_, sizeof(T));
    p_ += sizeof(T);
    return v;
  }
  // Whether the next n values are v[0..n), stepping over them if so.
  template <typename T>
  bool skip_if_equal(const T* v, size_t n) {
    if (n != 0 && std::memcmp(p_, v, n * sizeof(T)) != 0) return false;
    p_ += n * sizeof(T);
    return true;
  }

 private:
  const uint8_t* p_;
};

// A multiply-xorshift hash fed 8-byte words; paths are short (tens of bytes).
class Hasher {
 public:
  void word(uint64_t w) {
    h_ = (h_ ^ w) * 0xff51afd7ed558ccdull;
    h_ ^= h_ >> 32;
  }
  void bytes(const void* data, size_t n) {
    const auto* p = static_cast<const uint8_t*>(data);
    for (; n >= 8; p += 8, n -= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      word(w);
    }
    if (n != 0) {
      uint64_t tail = 0;
      std::memcpy(&tail, p, n);
      word(tail);
    }
  }
  // MurmurHash3's fmix64: every input bit reaches the low bits the index uses.
  uint32_t finish() const {
    uint64_t h = h_;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return static_cast<uint32_t>(h);
  }

 private:
  uint64_t h_ = 0x9e3779b97f4a7c15ull;
};

// The arrays are compared and hashed as stored: host-order 32-bit words.
static_assert(sizeof(LargeCommunity) == 12);

uint8_t flags_of(const PathAttributes& attrs, const IpAddress& next_hop) {
  uint8_t flags = 0;
  if (attrs.med) flags |= kHasMed;
  if (attrs.local_pref) flags |= kHasLocalPref;
  if (next_hop.family() == Family::kV6) flags |= kNextHopV6;
  return flags;
}

const std::vector<AsPathSegment>& segments_of(const PathAttributes& attrs) {
  static const std::vector<AsPathSegment> kEmpty;
  return attrs.as_path ? *attrs.as_path : kEmpty;
}

// Counts fit 16 bits: an UPDATE is at most 4096 bytes (RFC 4271 4.1), or
// 65535 with extended messages (RFC 8654).
void encode(const PathAttributes& attrs, const IpAddress& next_hop, uint8_t* out) {
  uint8_t flags = flags_of(attrs, next_hop);
  BlobWriter w(out);
  w.put<uint8_t>(static_cast<uint8_t>(attrs.origin.value_or(Origin::kIgp)));
  w.put<uint8_t>(flags);
  if (flags & kNextHopV6) {
    w.put<u128>(next_hop.value());
  } else {
    w.put<uint32_t>(static_cast<uint32_t>(next_hop.value()));
  }
  if (attrs.med) w.put<uint32_t>(*attrs.med);
  if (attrs.local_pref) w.put<uint32_t>(*attrs.local_pref);
  const std::vector<AsPathSegment>& segments = segments_of(attrs);
  w.put<uint16_t>(static_cast<uint16_t>(segments.size()));
  for (const AsPathSegment& seg : segments) {
    w.put<uint8_t>(static_cast<uint8_t>(seg.type));
    w.put<uint16_t>(static_cast<uint16_t>(seg.asns.size()));
    w.put_array(seg.asns.data(), seg.asns.size());
  }
  w.put<uint16_t>(static_cast<uint16_t>(attrs.communities.size()));
  w.put_array(attrs.communities.data(), attrs.communities.size());
  w.put<uint16_t>(static_cast<uint16_t>(attrs.large_communities.size()));
  w.put_array(attrs.large_communities.data(), attrs.large_communities.size());
}

}  // namespace

PathTable::Lookup PathTable::start(const PathAttributes& attrs, const IpAddress& next_hop) {
  if (last_path_ != nullptr && equals(*last_path_, attrs, next_hop)) {
    return Lookup{&attrs, next_hop, true, last_, 0, 0};
  }
  // The hash and the blob size, from the fields.
  uint8_t flags = flags_of(attrs, next_hop);
  Hasher h;
  h.word(uint64_t{flags} << 8 | static_cast<uint8_t>(attrs.origin.value_or(Origin::kIgp)));
  size_t size = 2;
  if (flags & kNextHopV6) {
    h.word(static_cast<uint64_t>(next_hop.value() >> 64));
    h.word(static_cast<uint64_t>(next_hop.value()));
    size += 16;
  } else {
    size += 4;
    h.word(static_cast<uint64_t>(next_hop.value()));
  }
  if (attrs.med || attrs.local_pref) {
    h.word(uint64_t{attrs.med.value_or(0)} << 32 | attrs.local_pref.value_or(0));
    size += (attrs.med ? 4 : 0) + (attrs.local_pref ? 4 : 0);
  }
  const std::vector<AsPathSegment>& segments = segments_of(attrs);
  h.word(segments.size() << 32 | attrs.communities.size() << 16 | attrs.large_communities.size());
  size += 2 + 2 + attrs.communities.size() * 4 + 2 + attrs.large_communities.size() * 12;
  for (const AsPathSegment& seg : segments) {
    h.word(uint64_t{static_cast<uint8_t>(seg.type)} << 32 | seg.asns.size());
    h.bytes(seg.asns.data(), seg.asns.size() * 4);
    size += 3 + seg.asns.size() * 4;
  }
  h.bytes(attrs.communities.data(), attrs.communities.size() * 4);
  h.bytes(attrs.large_communities.data(), attrs.large_communities.size() * 12);
  uint32_t hash = h.finish();
  __builtin_prefetch(&index_[hash & (index_.size() - 1)]);
  return Lookup{&attrs, next_hop, false, 0, hash, static_cast<uint32_t>(size)};
}

// Whether the stored path `h` is the one `attrs` and `next_hop` encode to,
// compared field by field against the blob. Safe on any well-formed blob:
// an array is read only once its stored count has matched.
bool PathTable::equals(const Header& h, const PathAttributes& attrs, const IpAddress& next_hop) {
  BlobReader r(h.blob());
  if (r.get<uint8_t>() != static_cast<uint8_t>(attrs.origin.value_or(Origin::kIgp))) return false;
  uint8_t flags = flags_of(attrs, next_hop);
  if (r.get<uint8_t>() != flags) return false;
  if (flags & kNextHopV6) {
    if (r.get<u128>() != next_hop.value()) return false;
  } else if (r.get<uint32_t>() != static_cast<uint32_t>(next_hop.value())) {
    return false;
  }
  if (attrs.med && r.get<uint32_t>() != *attrs.med) return false;
  if (attrs.local_pref && r.get<uint32_t>() != *attrs.local_pref) return false;
  const std::vector<AsPathSegment>& segments = segments_of(attrs);
  if (r.get<uint16_t>() != segments.size()) return false;
  for (const AsPathSegment& seg : segments) {
    if (r.get<uint8_t>() != static_cast<uint8_t>(seg.type)) return false;
    if (r.get<uint16_t>() != seg.asns.size() || !r.skip_if_equal(seg.asns.data(), seg.asns.size())) {
      return false;
    }
  }
  return r.get<uint16_t>() == attrs.communities.size() &&
         r.skip_if_equal(attrs.communities.data(), attrs.communities.size()) &&
         r.get<uint16_t>() == attrs.large_communities.size() &&
         r.skip_if_equal(attrs.large_communities.data(), attrs.large_communities.size());
}

PathTable::PathTable(uint32_t local_as) : index_(1024, Slot{}), local_as_(local_as) {}

PathTable::~PathTable() {
  for (Header* h : slots_) std::free(h);
}

PathTable::PathTable(PathTable&& other) noexcept
    : slots_(std::move(other.slots_)),
      refs_(std::move(other.refs_)),
      free_(std::move(other.free_)),
      index_(std::move(other.index_)),
      live_(other.live_),
      blob_bytes_(other.blob_bytes_),
      local_as_(other.local_as_),
      last_(other.last_),
      last_path_(other.last_path_) {
  other.slots_.clear();
  other.last_path_ = nullptr;
  other.live_ = 0;
  other.blob_bytes_ = 0;
}

PathTable& PathTable::operator=(PathTable&& other) noexcept {
  if (this != &other) {
    for (Header* h : slots_) std::free(h);
    slots_ = std::move(other.slots_);
    refs_ = std::move(other.refs_);
    free_ = std::move(other.free_);
    index_ = std::move(other.index_);
    live_ = other.live_;
    blob_bytes_ = other.blob_bytes_;
    local_as_ = other.local_as_;
    last_ = other.last_;
    last_path_ = other.last_path_;
    other.slots_.clear();
    other.last_path_ = nullptr;
    other.live_ = 0;
    other.blob_bytes_ = 0;
  }
  return *this;
}

PathId PathTable::intern(const Lookup& lookup) {
  if (lookup.found) return lookup.id;
  size_t mask = index_.size() - 1;
  size_t i = lookup.hash & mask;
  for (;; i = (i + 1) & mask) {
    const Slot& s = index_[i];
    if (s.path == nullptr) break;
    if (s.hash == lookup.hash && s.path->size == lookup.size &&
        equals(*s.path, *lookup.attrs, lookup.next_hop)) {
      last_path_ = s.path;
      return last_ = s.id;
    }
  }
  last_ = insert(i, lookup);
  last_path_ = slots_[last_];
  if (live_ * 4 > index_.size() * 3) grow_index();
  return last_;
}

// Stores the path looked up (with no references) in the empty index slot
// `slot`.
PathId PathTable::insert(size_t slot, const Lookup& lookup) {
  const PathAttributes& attrs = *lookup.attrs;
  auto* h = static_cast<Header*>(std::malloc(sizeof(Header) + lookup.size));
  encode(attrs, lookup.next_hop, reinterpret_cast<uint8_t*>(h + 1));
  h->hash = lookup.hash;
  h->size = lookup.size;
  auto origin = bgp::origin_as(segments_of(attrs), local_as_);
  h->has_origin = origin.has_value();
  h->origin = origin.value_or(0);
  // At most 2^31 paths: far above what memory could hold.
  PathId id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
    slots_[id] = h;
    refs_[id] = 0;
  } else {
    id = static_cast<PathId>(slots_.size());
    slots_.push_back(h);
    refs_.push_back(0);
  }
  index_[slot] = Slot{h, lookup.hash, id};
  blob_bytes_ += heap_size(sizeof(Header) + lookup.size);
  live_++;
  return id;
}

void PathTable::grow_index() {
  std::vector<Slot> bigger(index_.size() * 2, Slot{});
  size_t mask = bigger.size() - 1;
  for (const Slot& s : index_) {
    if (s.path == nullptr) continue;
    size_t i = s.hash & mask;
    while (bigger[i].path != nullptr) i = (i + 1) & mask;
    bigger[i] = s;
  }
  index_.swap(bigger);
}

void PathTable::release(PathId id) {
  if (--refs_[id] != 0) return;
  Header* h = slots_[id];
  erase_from_index(id);
  if (h == last_path_) last_path_ = nullptr;
  blob_bytes_ -= heap_size(sizeof(Header) + h->size);
  std::free(h);
  slots_[id] = nullptr;
  free_.push_back(id);
  live_--;
}

// Linear-probing deletion by backward shift (Knuth 6.4, algorithm R).
void PathTable::erase_from_index(PathId id) {
  size_t mask = index_.size() - 1;
  size_t i = slots_[id]->hash & mask;
  while (index_[i].id != id || index_[i].path == nullptr) i = (i + 1) & mask;
  size_t hole = i;
  for (size_t j = (hole + 1) & mask; index_[j].path != nullptr; j = (j + 1) & mask) {
    size_t home = index_[j].hash & mask;
    // Move j into the hole unless its home lies cyclically in (hole, j].
    bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
    if (!stays) {
      index_[hole] = index_[j];
      hole = j;
    }
  }
  index_[hole] = Slot{};
}

void PathTable::decode(PathId id, RouteEntry& entry) const {
  BlobReader r(slots_[id]->blob());
  entry.origin = static_cast<Origin>(r.get<uint8_t>());
  uint8_t flags = r.get<uint8_t>();
  entry.next_hop = (flags & kNextHopV6) ? IpAddress::v6(r.get<u128>())
                                        : IpAddress::v4(r.get<uint32_t>());
  entry.med = (flags & kHasMed) ? std::optional<uint32_t>(r.get<uint32_t>()) : std::nullopt;
  entry.local_pref =
      (flags & kHasLocalPref) ? std::optional<uint32_t>(r.get<uint32_t>()) : std::nullopt;
  entry.as_path.resize(r.get<uint16_t>());
  for (AsPathSegment& seg : entry.as_path) {
    seg.type = static_cast<AsPathSegment::Type>(r.get<uint8_t>());
    seg.asns.resize(r.get<uint16_t>());
    for (uint32_t& asn : seg.asns) asn = r.get<uint32_t>();
  }
  entry.communities.resize(r.get<uint16_t>());
  for (uint32_t& c : entry.communities) c = r.get<uint32_t>();
  entry.large_communities.resize(r.get<uint16_t>());
  for (LargeCommunity& c : entry.large_communities) {
    c.global_admin = r.get<uint32_t>();
    c.local1 = r.get<uint32_t>();
    c.local2 = r.get<uint32_t>();
  }
  entry.origin_as = origin_as(id);
  entry.origin_set.clear();
  for (auto it = entry.as_path.rbegin(); it != entry.as_path.rend(); ++it) {
    if (it->asns.empty()) continue;  // the final segment that names an AS
    if (it->type == AsPathSegment::Type::kSet) entry.origin_set = it->asns;
    break;
  }
}

size_t PathTable::memory_bytes() const {
  size_t bytes = heap_size(slots_.capacity() * sizeof(Header*)) +
                 heap_size(refs_.capacity() * sizeof(uint32_t)) +
                 heap_size(free_.capacity() * sizeof(PathId)) +
                 heap_size(index_.capacity() * sizeof(Slot));
  return bytes + blob_bytes_;
}

}  // namespace byoipd::bgp
