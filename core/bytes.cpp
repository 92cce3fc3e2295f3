#include "core/bytes.h"

#include <cstring>

namespace loconet {

void ByteWriter::F32(float v) {
  uint32_t u;
  std::memcpy(&u, &v, 4);
  U32(u);
}

void ByteWriter::F64(double v) {
  uint64_t u;
  std::memcpy(&u, &v, 8);
  U64(u);
}

void ByteWriter::Raw(const void* data, size_t n) {
  const auto* p = static_cast<const uint8_t*>(data);
  out_.insert(out_.end(), p, p + n);
}

void ByteWriter::Blob(std::string_view s) {
  U32(static_cast<uint32_t>(s.size()));
  Raw(s.data(), s.size());
}

bool ByteReader::Le(uint64_t* v, int n) {
  if (failed_ || size_ - pos_ < static_cast<size_t>(n)) {
    failed_ = true;
    return false;
  }
  uint64_t r = 0;
  for (int i = 0; i < n; ++i) r |= static_cast<uint64_t>(data_[pos_ + i]) << (8 * i);
  pos_ += n;
  *v = r;
  return true;
}

bool ByteReader::U8(uint8_t* v) {
  uint64_t r;
  if (!Le(&r, 1)) return false;
  *v = static_cast<uint8_t>(r);
  return true;
}
bool ByteReader::U16(uint16_t* v) {
  uint64_t r;
  if (!Le(&r, 2)) return false;
  *v = static_cast<uint16_t>(r);
  return true;
}
bool ByteReader::U32(uint32_t* v) {
  uint64_t r;
  if (!Le(&r, 4)) return false;
  *v = static_cast<uint32_t>(r);
  return true;
}
bool ByteReader::U64(uint64_t* v) { return Le(v, 8); }
bool ByteReader::I64(int64_t* v) {
  uint64_t r;
  if (!Le(&r, 8)) return false;
  *v = static_cast<int64_t>(r);
  return true;
}
bool ByteReader::F32(float* v) {
  uint32_t u;
  if (!U32(&u)) return false;
  std::memcpy(v, &u, 4);
  return true;
}
bool ByteReader::F64(double* v) {
  uint64_t u;
  if (!U64(&u)) return false;
  std::memcpy(v, &u, 8);
  return true;
}

bool ByteReader::Raw(void* out, size_t n) {
  if (failed_ || size_ - pos_ < n) {
    failed_ = true;
    return false;
  }
  if (n > 0) std::memcpy(out, data_ + pos_, n);
  pos_ += n;
  return true;
}

bool ByteReader::Blob(std::string* out, size_t max_len) {
  uint32_t n;
  if (!U32(&n)) return false;
  if (n > max_len || n > size_ - pos_) {
    failed_ = true;
    return false;
  }
  out->assign(reinterpret_cast<const char*>(data_ + pos_), n);
  pos_ += n;
  return true;
}

Status ByteReader::Finish(const std::string& what) const {
  if (failed_) return Error(Code::kDecodeError, what + ": truncated or out-of-range field");
  if (pos_ != size_) {
    return Error(Code::kDecodeError,
                 what + ": " + std::to_string(size_ - pos_) + " trailing bytes");
  }
  return Status::Ok();
}

std::string ToHex(const uint8_t* data, size_t n) {
  static const char* kDigits = "0123456789abcdef";
  std::string s(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    s[2 * i] = kDigits[data[i] >> 4];
    s[2 * i + 1] = kDigits[data[i] & 15];
  }
  return s;
}

static int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Status FromHex(std::string_view hex, uint8_t* out, size_t n) {
  if (hex.size() != 2 * n) {
    return Error(Code::kParseError, "expected " + std::to_string(2 * n) + " hex characters, found " +
                                        std::to_string(hex.size()));
  }
  for (size_t i = 0; i < n; ++i) {
    int hi = HexValue(hex[2 * i]), lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      size_t at = hi < 0 ? 2 * i : 2 * i + 1;
      return Error(Code::kParseError, "character " + std::to_string(at) + " is not a hex digit");
    }
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return Status::Ok();
}

}  // namespace loconet
