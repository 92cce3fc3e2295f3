// subtensor's weighted_median_col vectors (pallets/subtensor/src/tests/math.rs), with the inputs
// converted from f32 exactly as subtensor's tests convert them.
#include "consensus/median.h"

#include <catch2/catch.hpp>
#include <cmath>

#include "consensus/fixed.h"

using namespace loconet::consensus;

namespace {

I32F32 F(float v) { return I32F32::FromDouble(static_cast<double>(v)); }

Vec V(std::initializer_list<float> values) {
  Vec out;
  for (float v : values) out.push_back(F(v));
  return out;
}

const Vec kStake = V({0.f, 0.75f, 0.25f, 0.f});
const Mat kWeights = {V({0.f, 0.1f, 0.f}), V({0.f, 0.2f, 0.4f}), V({0.f, 0.3f, 0.1f}),
                      V({0.f, 0.4f, 0.5f})};

}  // namespace

TEST_CASE("weighted_median_col at kappa 0.24 gives [0, 0.3, 0.4]", "[consensus]") {
  CHECK(WeightedMedianCol(kStake, kWeights, F(0.24f)) == V({0.f, 0.3f, 0.4f}));
}

TEST_CASE("weighted_median_col at kappa 0.26 gives [0, 0.2, 0.4]", "[consensus]") {
  CHECK(WeightedMedianCol(kStake, kWeights, F(0.26f)) == V({0.f, 0.2f, 0.4f}));
}

TEST_CASE("weighted_median_col at kappa 0.76 gives [0, 0.2, 0.1]", "[consensus]") {
  CHECK(WeightedMedianCol(kStake, kWeights, F(0.76f)) == V({0.f, 0.2f, 0.1f}));
}

TEST_CASE("weighted_median_col with a zero score holding the majority at kappa 0.51",
          "[consensus]") {
  const Vec stake = V({0.f, 0.3f, 0.2f, 0.5f});
  const Mat weights = {V({0.f, 0.1f, 0.f}), V({0.f, 0.2f, 0.4f}), V({0.f, 0.3f, 0.1f}),
                       V({0.f, 0.f, 0.5f})};
  CHECK(WeightedMedianCol(stake, weights, F(0.51f)) == V({0.f, 0.f, 0.4f}));
}

TEST_CASE("weighted_median_col of nothing, and of unstaked rows, is zero", "[consensus]") {
  CHECK(WeightedMedianCol({}, {Vec{}}, F(0.5f)).empty());
  CHECK(WeightedMedianCol(V({0.f, 0.f}), {V({0.f, 0.f}), V({0.f, 0.f})}, F(0.5f)) == V({0.f, 0.f}));
  CHECK(WeightedMedianCol(V({0.f, 0.f}), {V({0.3f, 0.9f}), V({0.1f, 0.2f})}, F(0.5f)) ==
        V({0.f, 0.f}));
}

TEST_CASE("weighted_median finds the stake-weighted median of a single column", "[consensus]") {
  // subtensor's test_math_weighted_median: equal stake, scores 1..5 -> 3 at kappa 0.5.
  const Vec stake = V({0.2f, 0.2f, 0.2f, 0.2f, 0.2f});
  const Vec score = {I32F32::FromInt(5), I32F32::FromInt(1), I32F32::FromInt(3), I32F32::FromInt(2),
                     I32F32::FromInt(4)};
  I32F32 sum;
  for (I32F32 s : stake) sum = sum.SaturatingAdd(s);
  const I32F32 minority = sum.SaturatingSub(F(0.5f));
  CHECK(WeightedMedian(stake, score, {0, 1, 2, 3, 4}, minority, I32F32::Zero(), sum) ==
        I32F32::FromInt(3));
}

TEST_CASE("I32F32 rounds like subtensor's fixed crate", "[consensus]") {
  // Multiplication rounds toward negative infinity, division truncates toward zero.
  const I32F32 tiny = I32F32::FromBits(1);
  CHECK(tiny.SaturatingMul(F(0.5f)) == I32F32::Zero());
  CHECK(I32F32::FromBits(-1).SaturatingMul(F(0.5f)) == I32F32::FromBits(-1));
  CHECK(I32F32::FromBits(-3).SafeDiv(I32F32::FromInt(2)) == I32F32::FromBits(-1));
  CHECK(I32F32::One().SafeDiv(I32F32::Zero()) == I32F32::Zero());
  CHECK(I32F32::Max().SaturatingAdd(I32F32::One()) == I32F32::Max());
  CHECK(I32F32::FromInt(1 << 20).SaturatingMul(I32F32::FromInt(1 << 20)) == I32F32::Max());
  CHECK(FixedProportionToU16(I32F32::One()) == 65535);
  CHECK(FixedProportionToU16(I32F32::FromInt(-1)) == 0);
  CHECK(U16ProportionToFixed(65535) == I32F32::One());
  // 1/3 of 2^32 is 1431655765.33: the nearest value down; 0.5 ulp ties go to even.
  CHECK(I32F32::FromDouble(1.0 / 3.0).bits() == 1431655765);
  CHECK(I32F32::FromDouble(std::ldexp(1.5, -32)).bits() == 2);
  CHECK(I32F32::FromDouble(std::ldexp(2.5, -32)).bits() == 2);
  CHECK(ScaleToU64(F(0.1f), 1000000000) == 100000001);  // f32 0.1 is slightly above 0.1
}
