#include "consensus/fixed.h"

#include <cmath>

namespace loconet::consensus {
namespace {

I32F32 Clamp(I128 v) {
  if (v > I128(INT64_MAX)) return I32F32::Max();
  if (v < I128(INT64_MIN)) return I32F32::Min();
  return I32F32::FromBits(static_cast<int64_t>(v));
}

bool Fits(I128 v) { return v <= I128(INT64_MAX) && v >= I128(INT64_MIN); }

}  // namespace

I128 FloorShiftRight(I128 a, int shift) {
  if (a >= 0) return a >> shift;
  const I128 mask = (I128(1) << shift) - 1;
  return -((-a + mask) >> shift);
}

I32F32 I32F32::FromInt(int64_t v) { return Clamp(I128(v) * kOneBits); }

I32F32 I32F32::FromDouble(double v) {
  if (std::isnan(v)) return Zero();
  // v * 2^32 is exact in a double (a power-of-two scale); only the rounding to an integer
  // remains, done by hand so it does not depend on the floating-point environment.
  const double scaled = std::ldexp(v, kFracBits);
  if (scaled >= 9223372036854775807.0) return Max();
  if (scaled <= -9223372036854775808.0) return Min();
  const double lower = std::floor(scaled);
  const double frac = scaled - lower;  // exact: both values are within 2^63 and share the exponent
  int64_t bits = static_cast<int64_t>(lower);
  if (frac > 0.5 || (frac == 0.5 && (bits & 1) != 0)) ++bits;
  return FromBits(bits);
}

double I32F32::ToDouble() const { return std::ldexp(static_cast<double>(bits_), -kFracBits); }

I32F32 I32F32::SaturatingAdd(I32F32 o) const { return Clamp(I128(bits_) + o.bits_); }

I32F32 I32F32::SaturatingSub(I32F32 o) const { return Clamp(I128(bits_) - o.bits_); }

I32F32 I32F32::SaturatingMul(I32F32 o) const {
  return Clamp(FloorShiftRight(I128(bits_) * o.bits_, kFracBits));
}

std::optional<I32F32> I32F32::CheckedMul(I32F32 o) const {
  const I128 p = FloorShiftRight(I128(bits_) * o.bits_, kFracBits);
  if (!Fits(p)) return std::nullopt;
  return FromBits(static_cast<int64_t>(p));
}

std::optional<I32F32> I32F32::CheckedDiv(I32F32 o) const {
  if (o.bits_ == 0) return std::nullopt;
  // C++ integer division truncates toward zero, as Rust's does.
  const I128 q = (I128(bits_) * kOneBits) / o.bits_;
  if (!Fits(q)) return std::nullopt;
  return FromBits(static_cast<int64_t>(q));
}

I32F32 I32F32::SaturatingDiv(I32F32 o) const {
  if (o.bits_ == 0) return Zero();
  return Clamp((I128(bits_) * kOneBits) / o.bits_);
}

uint64_t I32F32::SaturatingToU64() const {
  if (bits_ < 0) return 0;
  return static_cast<uint64_t>(bits_) >> kFracBits;
}

uint16_t I32F32::SaturatingToU16() const {
  const uint64_t v = SaturatingToU64();
  return v > 65535 ? uint16_t{65535} : static_cast<uint16_t>(v);
}

uint16_t FixedProportionToU16(I32F32 x) {
  return x.SaturatingMul(I32F32::FromInt(65535)).SaturatingToU16();
}

I32F32 U16ProportionToFixed(uint16_t x) {
  return I32F32::FromInt(x).SafeDiv(I32F32::FromInt(65535));
}

uint64_t ScaleToU64(I32F32 x, uint64_t amount) {
  if (x.bits() <= 0) return 0;
  // x.bits() < 2^63 and amount < 2^64: the product fits in 127 bits.
  const U128 product = U128(static_cast<uint64_t>(x.bits())) * amount;
  const U128 integer = product >> I32F32::kFracBits;
  if (integer > U128(UINT64_MAX)) return UINT64_MAX;
  return static_cast<uint64_t>(integer);
}

}  // namespace loconet::consensus
