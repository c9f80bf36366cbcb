// Typed identifiers of IPAM objects and their AWS-style text forms.
//
// Internally an object is named by a dense serial number; its text id is a
// keyed bijection of that serial ("ipam-pool-0f3a..."), so ids look opaque,
// never repeat, and decode without a lookup table.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace byoipd::ipam {

enum class IdKind : unsigned char { kIpam = 1, kScope, kPool, kPoolCidr, kAllocation };

// Encodes and decodes ids for one engine. The salt makes ids of different
// engines differ; it is part of the engine's snapshot.
class IdCodec {
 public:
  explicit IdCodec(uint64_t salt = 0) : salt_(salt) {}
  uint64_t salt() const { return salt_; }

  // "ipam-", "ipam-scope-", "ipam-pool-", "ipam-pool-cidr-" + 17 hex digits.
  std::string encode(IdKind kind, uint64_t serial) const;
  std::optional<uint64_t> decode(IdKind kind, std::string_view text) const;

  // "ipam-pool-alloc-" + 32 hex digits: pool serial, slot and generation.
  std::string encode_allocation(uint64_t pool_serial, uint32_t slot, uint32_t generation) const;
  struct AllocationParts {
    uint64_t pool_serial;
    uint32_t slot;
    uint32_t generation;
  };
  std::optional<AllocationParts> decode_allocation(std::string_view text) const;

 private:
  uint64_t key(IdKind kind) const;
  uint64_t salt_;
};

std::string_view id_prefix(IdKind kind);

}  // namespace byoipd::ipam
