#include "byoipd/ipam/ids.h"

#include <gtest/gtest.h>

#include <set>

namespace byoipd::ipam {
namespace {

TEST(IdCodec, RoundTripsAndLooksLikeAws) {
  IdCodec ids(42);
  std::set<std::string> seen;
  for (uint64_t serial : {0ull, 1ull, 2ull, 1000ull, 0xffffffffull}) {
    for (IdKind kind : {IdKind::kIpam, IdKind::kScope, IdKind::kPool, IdKind::kPoolCidr}) {
      std::string id = ids.encode(kind, serial);
      EXPECT_EQ(id.substr(0, id_prefix(kind).size()), id_prefix(kind));
      EXPECT_EQ(id.size(), id_prefix(kind).size() + 17);
      EXPECT_EQ(ids.decode(kind, id), serial) << id;
      EXPECT_TRUE(seen.insert(id).second) << "duplicate " << id;
    }
  }
}

TEST(IdCodec, RefusesForeignAndMalformedIds) {
  IdCodec ids(42);
  std::string pool = ids.encode(IdKind::kPool, 7);
  EXPECT_FALSE(ids.decode(IdKind::kIpam, pool).has_value());
  EXPECT_FALSE(ids.decode(IdKind::kPool, "ipam-pool-0XYZ").has_value());
  EXPECT_FALSE(ids.decode(IdKind::kPool, pool + "0").has_value());
  EXPECT_FALSE(ids.decode(IdKind::kPool, "").has_value());
  // Another engine's salt decodes to some other serial, not 7.
  IdCodec other(43);
  auto decoded = other.decode(IdKind::kPool, pool);
  EXPECT_TRUE(!decoded || *decoded != 7);
}

TEST(IdCodec, AllocationIdsCarryPoolSlotAndGeneration) {
  IdCodec ids(1);
  std::string a = ids.encode_allocation(5, 9, 0);
  std::string b = ids.encode_allocation(5, 9, 1);
  EXPECT_NE(a, b);
  auto parts = ids.decode_allocation(b);
  ASSERT_TRUE(parts.has_value());
  EXPECT_EQ(parts->pool_serial, 5u);
  EXPECT_EQ(parts->slot, 9u);
  EXPECT_EQ(parts->generation, 1u);
  EXPECT_FALSE(ids.decode_allocation(a.substr(1)).has_value());
  EXPECT_FALSE(ids.decode_allocation("ipam-pool-alloc-zz").has_value());
}

}  // namespace
}  // namespace byoipd::ipam
