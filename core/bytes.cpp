#include "core/bytes.h"

#include <sodium.h>

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
  std::string s(2 * n + 1, '\0');  // sodium_bin2hex writes a terminating NUL
  sodium_bin2hex(s.data(), s.size(), data, n);
  s.pop_back();
  return s;
}

Status FromHex(std::string_view hex, uint8_t* out, size_t n) {
  if (hex.size() != 2 * n) {
    std::string odd = hex.size() % 2 != 0 ? " (an odd count)" : "";
    return Error(Code::kParseError, "expected " + std::to_string(2 * n) +
                                        " hex characters, found " + std::to_string(hex.size()) +
                                        odd);
  }
  // Given hex_end, sodium_hex2bin stops at the first non-hex character; if that character
  // falls in the middle of a byte it fails and leaves hex_end on the unpaired digit before it.
  // The length is right, so nothing else can stop it early.
  const char* end = nullptr;
  size_t written = 0;
  int rc = sodium_hex2bin(out, n, hex.data(), hex.size(), nullptr, &written, &end);
  if (rc == 0 && written == n) return Status::Ok();
  size_t at = static_cast<size_t>(end - hex.data()) + (rc != 0 ? 1 : 0);
  return Error(Code::kParseError, "character " + std::to_string(at) + " is not a hex digit");
}

}  // namespace loconet
