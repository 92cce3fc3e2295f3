// Explicit little-endian byte encoding for everything that is hashed, signed, stored or sent.
// ByteWriter appends; ByteReader reads with bounds checks and never reads past its input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace loconet {

using Bytes = std::vector<uint8_t>;

class ByteWriter {
 public:
  void U8(uint8_t v) { out_.push_back(v); }
  void U16(uint16_t v) { Le(v, 2); }
  void U32(uint32_t v) { Le(v, 4); }
  void U64(uint64_t v) { Le(v, 8); }
  void I64(int64_t v) { Le(static_cast<uint64_t>(v), 8); }
  void F32(float v);
  void F64(double v);
  void Raw(const void* data, size_t n);
  void Raw(const Bytes& b) { Raw(b.data(), b.size()); }
  // u32 length, then the bytes.
  void Blob(std::string_view s);
  void Blob(const Bytes& b) {
    Blob(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
  }

  const Bytes& bytes() const { return out_; }
  Bytes Take() { return std::move(out_); }

 private:
  void Le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  Bytes out_;
};

// Reads from a borrowed buffer. Every read returns false (and sets an error) instead of
// reading past the end; after the first failure all further reads fail.
class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  explicit ByteReader(const Bytes& b) : ByteReader(b.data(), b.size()) {}

  bool U8(uint8_t* v);
  bool U16(uint16_t* v);
  bool U32(uint32_t* v);
  bool U64(uint64_t* v);
  bool I64(int64_t* v);
  bool F32(float* v);
  bool F64(double* v);
  bool Raw(void* out, size_t n);
  // A u32-length-prefixed blob of at most max_len bytes.
  bool Blob(std::string* out, size_t max_len);

  size_t remaining() const { return failed_ ? 0 : size_ - pos_; }
  size_t position() const { return pos_; }
  bool failed() const { return failed_; }
  // OK if nothing failed and every byte was consumed; else kDecodeError naming `what`.
  Status Finish(const std::string& what) const;

 private:
  bool Le(uint64_t* v, int n);
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  bool failed_ = false;
};

// Lower-case hex of `n` bytes (libsodium's constant-time encoder: key seeds pass through here).
std::string ToHex(const uint8_t* data, size_t n);
inline std::string ToHex(const Bytes& b) { return ToHex(b.data(), b.size()); }
// Parses exactly 2 * n hex digits (either case, nothing else) into `out`, in constant time for
// well-formed input. kParseError on a wrong or odd length (giving both lengths) or a character
// that is not a hex digit (giving its offset); `out` is then unspecified.
Status FromHex(std::string_view hex, uint8_t* out, size_t n);

}  // namespace loconet
