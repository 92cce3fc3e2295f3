// UTF-8 checks for outside text (documents, miner names). "Well-formed" is Unicode's definition
// (Table 3-7): no overlong forms, no UTF-16 surrogates (U+D800..U+DFFF), nothing above U+10FFFF
// and no sequence cut short. Pure functions; any thread may call them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace loconet {

// Decodes the code point that starts at s[*i] (requires *i < s.size()) and moves *i past it.
// Returns -1 and leaves *i unchanged if the bytes there are not a well-formed sequence.
int32_t DecodeUtf8(std::string_view s, size_t* i);

// Byte offset of the first ill-formed sequence in `s`, or std::string_view::npos if none.
size_t FindInvalidUtf8(std::string_view s);

// OK if `s` is well-formed UTF-8; else kParseError "<what>: invalid UTF-8 at byte <offset>".
Status CheckUtf8(std::string_view s, const std::string& what);

}  // namespace loconet
