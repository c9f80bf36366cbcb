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
  uint8_t* end() const { return p_; }

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

 private:
  const uint8_t* p_;
};

// A multiply-xorshift hash over 8-byte words; paths are short (tens of bytes).
uint32_t hash_bytes(const uint8_t* p, size_t n) {
  uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdull;
    h ^= h >> 32;
    p += 8;
    n -= 8;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, p, n);
  h ^= tail;
  // MurmurHash3's fmix64: every input bit reaches the low bits the index uses.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return static_cast<uint32_t>(h);
}

}  // namespace

PathTable::PathTable(uint32_t local_as) : index_(1024, nullptr), local_as_(local_as) {}

PathTable::~PathTable() {
  for (Header* h : slots_) std::free(h);
}

PathTable::PathTable(PathTable&& other) noexcept
    : slots_(std::move(other.slots_)),
      free_(std::move(other.free_)),
      index_(std::move(other.index_)),
      live_(other.live_),
      blob_bytes_(other.blob_bytes_),
      local_as_(other.local_as_),
      scratch_(std::move(other.scratch_)),
      encoded_size_(other.encoded_size_) {
  other.slots_.clear();
  other.live_ = 0;
  other.blob_bytes_ = 0;
}

PathTable& PathTable::operator=(PathTable&& other) noexcept {
  if (this != &other) {
    for (Header* h : slots_) std::free(h);
    slots_ = std::move(other.slots_);
    free_ = std::move(other.free_);
    index_ = std::move(other.index_);
    live_ = other.live_;
    blob_bytes_ = other.blob_bytes_;
    local_as_ = other.local_as_;
    scratch_ = std::move(other.scratch_);
    encoded_size_ = other.encoded_size_;
    other.slots_.clear();
    other.live_ = 0;
    other.blob_bytes_ = 0;
  }
  return *this;
}

void PathTable::encode(const PathAttributes& attrs, const IpAddress& next_hop) {
  // The size first, so the fields are written with plain stores.
  size_t size = 2 + 16 + 4 + 4 + 2 + 2 + 2 + attrs.communities.size() * 4 +
                attrs.large_communities.size() * 12;
  if (attrs.as_path) {
    for (const AsPathSegment& seg : *attrs.as_path) size += 3 + seg.asns.size() * 4;
  }
  if (scratch_.size() < size) scratch_.resize(size);
  uint8_t flags = 0;
  if (attrs.med) flags |= kHasMed;
  if (attrs.local_pref) flags |= kHasLocalPref;
  if (next_hop.family() == Family::kV6) flags |= kNextHopV6;
  BlobWriter w(scratch_.data());
  w.put<uint8_t>(static_cast<uint8_t>(attrs.origin.value_or(Origin::kIgp)));
  w.put<uint8_t>(flags);
  if (flags & kNextHopV6) {
    w.put<u128>(next_hop.value());
  } else {
    w.put<uint32_t>(static_cast<uint32_t>(next_hop.value()));
  }
  if (attrs.med) w.put<uint32_t>(*attrs.med);
  if (attrs.local_pref) w.put<uint32_t>(*attrs.local_pref);
  // Counts fit 16 bits: an UPDATE is at most 4096 bytes (RFC 4271 4.1).
  if (attrs.as_path) {
    w.put<uint16_t>(static_cast<uint16_t>(attrs.as_path->size()));
    for (const AsPathSegment& seg : *attrs.as_path) {
      w.put<uint8_t>(static_cast<uint8_t>(seg.type));
      w.put<uint16_t>(static_cast<uint16_t>(seg.asns.size()));
      for (uint32_t asn : seg.asns) w.put<uint32_t>(asn);
    }
  } else {
    w.put<uint16_t>(0);
  }
  w.put<uint16_t>(static_cast<uint16_t>(attrs.communities.size()));
  for (uint32_t c : attrs.communities) w.put<uint32_t>(c);
  w.put<uint16_t>(static_cast<uint16_t>(attrs.large_communities.size()));
  for (const LargeCommunity& c : attrs.large_communities) {
    w.put<uint32_t>(c.global_admin);
    w.put<uint32_t>(c.local1);
    w.put<uint32_t>(c.local2);
  }
  encoded_size_ = static_cast<size_t>(w.end() - scratch_.data());
}

PathId PathTable::intern(const PathAttributes& attrs, const IpAddress& next_hop) {
  encode(attrs, next_hop);
  uint32_t hash = hash_bytes(scratch_.data(), encoded_size_);
  PathId id = find_or_insert(hash, attrs);
  if (live_ * 2 > index_.size()) grow_index();
  return id;
}

// The id of the path in scratch_, stored (with no references) when new.
PathId PathTable::find_or_insert(uint32_t hash, const PathAttributes& attrs) {
  size_t mask = index_.size() - 1;
  size_t i = hash & mask;
  for (;; i = (i + 1) & mask) {
    const Header* e = index_[i];
    if (e == nullptr) break;
    if (e->hash == hash && e->size == encoded_size_ &&
        std::memcmp(e->blob(), scratch_.data(), encoded_size_) == 0) {
      return e->id;
    }
  }
  auto* h = static_cast<Header*>(std::malloc(sizeof(Header) + encoded_size_));
  std::memcpy(h + 1, scratch_.data(), encoded_size_);
  h->refs = 0;
  h->hash = hash;
  h->size = static_cast<uint32_t>(encoded_size_);
  static const std::vector<AsPathSegment> kEmpty;
  auto origin = bgp::origin_as(attrs.as_path ? *attrs.as_path : kEmpty, local_as_);
  h->has_origin = origin.has_value();
  h->origin = origin.value_or(0);
  // At most 2^31 paths: far above what memory could hold.
  if (!free_.empty()) {
    h->id = free_.back();
    free_.pop_back();
    slots_[h->id] = h;
  } else {
    h->id = static_cast<PathId>(slots_.size());
    slots_.push_back(h);
  }
  index_[i] = h;
  blob_bytes_ += heap_size(sizeof(Header) + encoded_size_);
  live_++;
  return h->id;
}

void PathTable::grow_index() {
  std::vector<Header*> bigger(index_.size() * 2, nullptr);
  size_t mask = bigger.size() - 1;
  for (Header* e : index_) {
    if (e == nullptr) continue;
    size_t i = e->hash & mask;
    while (bigger[i] != nullptr) i = (i + 1) & mask;
    bigger[i] = e;
  }
  index_.swap(bigger);
}

void PathTable::release(PathId id) {
  Header* h = slots_[id];
  if (--h->refs != 0) return;
  erase_from_index(h);
  blob_bytes_ -= heap_size(sizeof(Header) + h->size);
  std::free(h);
  slots_[id] = nullptr;
  free_.push_back(id);
  live_--;
}

// Linear-probing deletion by backward shift (Knuth 6.4, algorithm R).
void PathTable::erase_from_index(const Header* h) {
  size_t mask = index_.size() - 1;
  size_t i = h->hash & mask;
  while (index_[i] != h) i = (i + 1) & mask;
  size_t hole = i;
  for (size_t j = (hole + 1) & mask; index_[j] != nullptr; j = (j + 1) & mask) {
    size_t home = index_[j]->hash & mask;
    // Move j into the hole unless its home lies cyclically in (hole, j].
    bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
    if (!stays) {
      index_[hole] = index_[j];
      hole = j;
    }
  }
  index_[hole] = nullptr;
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
                 heap_size(free_.capacity() * sizeof(PathId)) +
                 heap_size(index_.capacity() * sizeof(Header*)) +
                 heap_size(scratch_.capacity());
  return bytes + blob_bytes_;
}

}  // namespace byoipd::bgp
