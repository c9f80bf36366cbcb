// What a heap allocation of n bytes really costs, for honest memory_bytes()
// figures: glibc malloc rounds each request up to a 16-byte multiple with an
// 8-byte header and a 32-byte minimum chunk.
#pragma once

#include <cstddef>

namespace byoipd::bgp {

constexpr size_t heap_size(size_t n) {
  if (n == 0) return 0;
  size_t chunk = (n + 8 + 15) & ~size_t{15};
  return chunk < 32 ? 32 : chunk;
}

}  // namespace byoipd::bgp
