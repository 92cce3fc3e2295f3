// 128-bit integers for exact fixed-point arithmetic (sums of many int64 scores, products of two
// int64 values) where the result is hashed, signed or compared between nodes. A GCC and Clang
// extension; `__extension__` keeps -Wpedantic quiet.
#pragma once

namespace loconet {

__extension__ typedef unsigned __int128 U128;
__extension__ typedef __int128 I128;

}  // namespace loconet
