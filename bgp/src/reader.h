// Bounds-checked big-endian reader and writer over byte spans: the only way
// the codec touches bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace byoipd::bgp::internal {

// Reads network-order integers from a span. A read that would pass the end
// returns false and leaves the reader where it was.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> data) : data_(data) {}

  size_t remaining() const { return data_.size() - pos_; }
  bool empty() const { return remaining() == 0; }
  size_t offset() const { return pos_; }

  bool u8(uint8_t& out) {
    if (remaining() < 1) return false;
    out = data_[pos_++];
    return true;
  }
  bool u16(uint16_t& out) {
    if (remaining() < 2) return false;
    out = static_cast<uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
    pos_ += 2;
    return true;
  }
  bool u32(uint32_t& out) {
    if (remaining() < 4) return false;
    out = (uint32_t{data_[pos_]} << 24) | (uint32_t{data_[pos_ + 1]} << 16) |
          (uint32_t{data_[pos_ + 2]} << 8) | uint32_t{data_[pos_ + 3]};
    pos_ += 4;
    return true;
  }
  // The next n octets as a sub-span.
  bool bytes(size_t n, std::span<const uint8_t>& out) {
    if (remaining() < n) return false;
    out = data_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  // Everything not yet read; the reader is then empty.
  std::span<const uint8_t> rest() {
    auto out = data_.subspan(pos_);
    pos_ = data_.size();
    return out;
  }

 private:
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
};

// Appends network-order integers to a vector; lengths that precede their
// contents are reserved first and patched once the contents are written.
class Writer {
 public:
  explicit Writer(std::vector<uint8_t>& out) : out_(out) {}

  size_t size() const { return out_.size(); }
  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v) {
    out_.push_back(static_cast<uint8_t>(v >> 8));
    out_.push_back(static_cast<uint8_t>(v));
  }
  void u32(uint32_t v) {
    u16(static_cast<uint16_t>(v >> 16));
    u16(static_cast<uint16_t>(v));
  }
  void bytes(std::span<const uint8_t> v) { out_.insert(out_.end(), v.begin(), v.end()); }

  // Reserves a length field and returns its position for patch_u8/patch_u16.
  size_t reserve_u8() {
    u8(0);
    return out_.size() - 1;
  }
  size_t reserve_u16() {
    u16(0);
    return out_.size() - 2;
  }
  // REQUIRES: pos came from reserve_u8/reserve_u16 on this writer.
  void patch_u8(size_t pos, uint8_t v) {
    if (pos < out_.size()) out_[pos] = v;
  }
  void patch_u16(size_t pos, uint16_t v) {
    if (pos + 1 < out_.size()) {
      out_[pos] = static_cast<uint8_t>(v >> 8);
      out_[pos + 1] = static_cast<uint8_t>(v);
    }
  }

 private:
  std::vector<uint8_t>& out_;
};

}  // namespace byoipd::bgp::internal
