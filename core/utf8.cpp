#include "core/utf8.h"

namespace loconet {

int32_t DecodeUtf8(std::string_view s, size_t* i) {
  const size_t left = s.size() - *i;
  auto byte = [&](size_t k) { return static_cast<uint8_t>(s[*i + k]); };
  const uint8_t b0 = byte(0);
  if (b0 < 0x80) {
    ++*i;
    return b0;
  }
  // The lead byte fixes the length and the range of the second byte; the ranges are what rule
  // out overlong forms (E0, F0), surrogates (ED) and values above U+10FFFF (F4).
  size_t len;
  int32_t cp;
  uint8_t lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return -1;
  }
  if (left < len) return -1;
  for (size_t k = 1; k < len; ++k) {
    const uint8_t b = byte(k);
    if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) return -1;
    cp = (cp << 6) | (b & 0x3F);
  }
  *i += len;
  return cp;
}

size_t FindInvalidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    if (DecodeUtf8(s, &i) < 0) return i;
  }
  return std::string_view::npos;
}

Status CheckUtf8(std::string_view s, const std::string& what) {
  size_t at = FindInvalidUtf8(s);
  if (at == std::string_view::npos) return Status::Ok();
  return Error(Code::kParseError, what + ": invalid UTF-8 at byte " + std::to_string(at));
}

}  // namespace loconet
