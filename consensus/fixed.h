// I32F32: the signed 64-bit fixed-point number (32 integer bits, 32 fractional bits) in which
// Bittensor's subtensor computes Yuma consensus, with the same rounding as its Rust `fixed` crate,
// so that a loconet epoch is bit-for-bit the chain's epoch on every machine:
//   - multiplication rounds toward negative infinity (the 128-bit product shifted right);
//   - division truncates toward zero; SafeDiv gives 0 on a zero divisor or an overflow, as
//     subtensor's `safe_div` does;
//   - the Saturating* operations clamp to the representable range;
//   - conversion to an integer discards the fraction (toward negative infinity) and saturates.
// No floating point is used on any consensus path; FromDouble and ToDouble exist for test
// vectors written as decimals and for display.
#pragma once

#include <cstdint>
#include <optional>

#include "core/int128.h"

namespace loconet::consensus {

class I32F32 {
 public:
  static constexpr int kFracBits = 32;
  static constexpr int64_t kOneBits = int64_t{1} << kFracBits;

  constexpr I32F32() = default;
  static constexpr I32F32 FromBits(int64_t bits) { return I32F32(bits); }
  // An integer, saturating at the range (about +-2^31).
  static I32F32 FromInt(int64_t v);
  // Nearest representable value, ties to even (the `fixed` crate's float conversion); saturates;
  // NaN gives 0.
  static I32F32 FromDouble(double v);
  static constexpr I32F32 Zero() { return I32F32(0); }
  static constexpr I32F32 One() { return I32F32(kOneBits); }
  static constexpr I32F32 Max() { return I32F32(INT64_MAX); }
  static constexpr I32F32 Min() { return I32F32(INT64_MIN); }

  constexpr int64_t bits() const { return bits_; }
  double ToDouble() const;

  I32F32 SaturatingAdd(I32F32 o) const;
  I32F32 SaturatingSub(I32F32 o) const;
  I32F32 SaturatingMul(I32F32 o) const;
  // nullopt where the product does not fit (subtensor's `checked_mul`).
  std::optional<I32F32> CheckedMul(I32F32 o) const;
  // nullopt on a zero divisor or a quotient that does not fit.
  std::optional<I32F32> CheckedDiv(I32F32 o) const;
  // 0 on a zero divisor or an overflow.
  I32F32 SafeDiv(I32F32 o) const { return CheckedDiv(o).value_or(Zero()); }
  // Saturating division (overflow clamps, a zero divisor gives 0 like SafeDiv).
  I32F32 SaturatingDiv(I32F32 o) const;

  // The integer part, saturated to [0, 2^64 - 1] / [0, 65535].
  uint64_t SaturatingToU64() const;
  uint16_t SaturatingToU16() const;

  friend constexpr bool operator==(I32F32 a, I32F32 b) { return a.bits_ == b.bits_; }
  friend constexpr bool operator!=(I32F32 a, I32F32 b) { return a.bits_ != b.bits_; }
  friend constexpr bool operator<(I32F32 a, I32F32 b) { return a.bits_ < b.bits_; }
  friend constexpr bool operator<=(I32F32 a, I32F32 b) { return a.bits_ <= b.bits_; }
  friend constexpr bool operator>(I32F32 a, I32F32 b) { return a.bits_ > b.bits_; }
  friend constexpr bool operator>=(I32F32 a, I32F32 b) { return a.bits_ >= b.bits_; }

 private:
  constexpr explicit I32F32(int64_t bits) : bits_(bits) {}
  int64_t bits_ = 0;
};

// Floor of a / 2^shift for a signed 128-bit value (an arithmetic right shift, spelled out).
I128 FloorShiftRight(I128 a, int shift);

// subtensor's `fixed_proportion_to_u16`: floor(x * 65535), saturated to [0, 65535].
uint16_t FixedProportionToU16(I32F32 x);
// subtensor's `u16_proportion_to_fixed` (and `fixed_to_fixed_u16_proportion` of an integer):
// x / 65535 in I32F32.
I32F32 U16ProportionToFixed(uint16_t x);

// The I96F32 step of subtensor's emission: I96F32(x) * I96F32(amount), then to u64. Both
// operands are exact in I96F32 and the product has no fractional rounding, so this is
// floor(x * amount), saturated to [0, 2^64 - 1].
uint64_t ScaleToU64(I32F32 x, uint64_t amount);

}  // namespace loconet::consensus
