// ChunkedVector: a growable array in fixed-size chunks. Growing never moves
// or copies existing elements (a std::vector doubling at a million trie nodes
// copies 16 MB in one allocation call), and capacity overshoots by at most
// one chunk. Indexing costs one extra load from a small, hot chunk table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace byoipd::ipam {

// Chunks of 1Ki elements keep a small pool small (a pool with one
// allocation holds 28 KiB) while a million-node trie needs only 1Ki chunk
// pointers. Chunks are not zero-filled (elements are assigned on push_back).
template <typename T, unsigned kChunkBits = 10>
class ChunkedVector {
 public:
  static constexpr size_t kChunkSize = size_t(1) << kChunkBits;

  T& operator[](size_t i) { return chunks_[i >> kChunkBits][i & (kChunkSize - 1)]; }
  const T& operator[](size_t i) const { return chunks_[i >> kChunkBits][i & (kChunkSize - 1)]; }

  size_t size() const { return size_; }
  size_t capacity() const { return chunks_.size() * kChunkSize; }

  void push_back(const T& value) {
    if (size_ == capacity()) chunks_.push_back(std::unique_ptr<T[]>(new T[kChunkSize]));
    (*this)[size_++] = value;
  }

  void clear() {
    chunks_.clear();
    size_ = 0;
  }

 private:
  std::vector<std::unique_ptr<T[]>> chunks_;
  size_t size_ = 0;
};

}  // namespace byoipd::ipam
