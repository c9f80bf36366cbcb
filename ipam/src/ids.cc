#include "byoipd/ipam/ids.h"

namespace byoipd::ipam {
namespace {

constexpr uint64_t kMul1 = 0xbf58476d1ce4e5b9ULL;
constexpr uint64_t kMul2 = 0x94d049bb133111ebULL;

constexpr uint64_t mul_inverse(uint64_t a) {
  // Newton's iteration: each step doubles the number of correct low bits.
  uint64_t x = a;
  for (int i = 0; i < 6; ++i) x *= 2 - a * x;
  return x;
}
constexpr uint64_t kInv1 = mul_inverse(kMul1);
constexpr uint64_t kInv2 = mul_inverse(kMul2);
static_assert(kMul1 * kInv1 == 1 && kMul2 * kInv2 == 1);

uint64_t unxorshift(uint64_t y, int s) {
  uint64_t x = y;
  for (int i = s; i < 64; i += s) x = y ^ (x >> s);
  return x;
}

// splitmix64's finaliser: a bijection on 64-bit values.
uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= kMul1;
  x ^= x >> 27;
  x *= kMul2;
  x ^= x >> 31;
  return x;
}

uint64_t unmix(uint64_t x) {
  x = unxorshift(x, 31);
  x *= kInv2;
  x = unxorshift(x, 27);
  x *= kInv1;
  x = unxorshift(x, 30);
  return x;
}

void append_hex(std::string& out, uint64_t v) {
  static const char* digits = "0123456789abcdef";
  for (int shift = 60; shift >= 0; shift -= 4) out.push_back(digits[(v >> shift) & 0xf]);
}

std::optional<uint64_t> parse_hex(std::string_view s) {
  if (s.size() != 16) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else return std::nullopt;
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  return v;
}

}  // namespace

std::string_view id_prefix(IdKind kind) {
  switch (kind) {
    case IdKind::kIpam: return "ipam-";
    case IdKind::kScope: return "ipam-scope-";
    case IdKind::kPool: return "ipam-pool-";
    case IdKind::kPoolCidr: return "ipam-pool-cidr-";
    case IdKind::kAllocation: return "ipam-pool-alloc-";
  }
  return "";
}

uint64_t IdCodec::key(IdKind kind) const {
  return mix(salt_ + 0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(kind));
}

std::string IdCodec::encode(IdKind kind, uint64_t serial) const {
  std::string out(id_prefix(kind));
  out.push_back('0');
  append_hex(out, mix(serial ^ key(kind)));
  return out;
}

std::optional<uint64_t> IdCodec::decode(IdKind kind, std::string_view text) const {
  std::string_view prefix = id_prefix(kind);
  if (text.size() != prefix.size() + 17 || text.substr(0, prefix.size()) != prefix ||
      text[prefix.size()] != '0') {
    return std::nullopt;
  }
  auto v = parse_hex(text.substr(prefix.size() + 1));
  if (!v) return std::nullopt;
  return unmix(*v) ^ key(kind);
}

std::string IdCodec::encode_allocation(uint64_t pool_serial, uint32_t slot,
                                       uint32_t generation) const {
  std::string out(id_prefix(IdKind::kAllocation));
  append_hex(out, mix(pool_serial ^ key(IdKind::kAllocation)));
  uint64_t lo = (static_cast<uint64_t>(generation) << 32) | slot;
  append_hex(out, mix(lo ^ ~key(IdKind::kAllocation)));
  return out;
}

std::optional<IdCodec::AllocationParts> IdCodec::decode_allocation(std::string_view text) const {
  std::string_view prefix = id_prefix(IdKind::kAllocation);
  if (text.size() != prefix.size() + 32 || text.substr(0, prefix.size()) != prefix) {
    return std::nullopt;
  }
  auto hi = parse_hex(text.substr(prefix.size(), 16));
  auto lo = parse_hex(text.substr(prefix.size() + 16, 16));
  if (!hi || !lo) return std::nullopt;
  uint64_t pool = unmix(*hi) ^ key(IdKind::kAllocation);
  uint64_t rest = unmix(*lo) ^ ~key(IdKind::kAllocation);
  return AllocationParts{pool, static_cast<uint32_t>(rest), static_cast<uint32_t>(rest >> 32)};
}

}  // namespace byoipd::ipam
