#include "ledger/score_rules.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>

using namespace loconet::ledger;

namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

TEST_CASE("ToPpb rounds a config value to ppb and stays defined for any double", "[ledger]") {
  CHECK(ToPpb(0.3) == 300000000);
  CHECK(ToPpb(0.05) == 50000000);
  CHECK(ToPpb(1.0) == kPpbOne);
  CHECK(ToPpb(-0.25) == -250000000);
  CHECK(ToPpb(kNaN) == 0);
  CHECK(ToPpb(1e300) == 9000000000000000000);
  CHECK(ToPpb(-kInf) == -9000000000000000000);
}

TEST_CASE("ClampImprovementPpb clamps to [-1, 1] and counts NaN as the worst", "[ledger]") {
  CHECK(ClampImprovementPpb(0.0123) == 12300000);
  CHECK(ClampImprovementPpb(-0.5) == -500000000);
  CHECK(ClampImprovementPpb(0.0) == 0);
  CHECK(ClampImprovementPpb(1.0) == kPpbOne);
  CHECK(ClampImprovementPpb(2.5) == kPpbOne);
  CHECK(ClampImprovementPpb(-3.0) == -kPpbOne);
  CHECK(ClampImprovementPpb(kInf) == kPpbOne);
  CHECK(ClampImprovementPpb(-kInf) == -kPpbOne);
  CHECK(ClampImprovementPpb(kNaN) == -kPpbOne);
  CHECK(ClampImprovementPpb(1e-10) == 0);
}

TEST_CASE("ScorePpb is the capped improvement while the data average is above the gate",
          "[ledger]") {
  CHECK(ScorePpb(10000000, 300000000, 50000000) == 10000000);  // data gates, does not scale
  CHECK(ScorePpb(10000000, 0, 50000000) == 10000000);          // no verdict yet: trusted
  CHECK(ScorePpb(50000000, kPpbOne, 50000000) == 50000000);
  CHECK(ScorePpb(80000000, kPpbOne, 50000000) == 50000000);  // above the cap
  CHECK(ScorePpb(-20000000, kPpbOne, 50000000) == 0);        // worse than before
  CHECK(ScorePpb(10000000, -300000000, 50000000) == 10000000);  // one -1 verdict: still open
  CHECK(ScorePpb(10000000, -500000000, 50000000) == 10000000);  // at the gate
  CHECK(ScorePpb(10000000, -500000001, 50000000) == 0);         // below it
  CHECK(ScorePpb(10000000, -510000000, 50000000) == 0);         // two -1 verdicts in a row
  // The gate follows NextDataPpb: one -1 leaves it open, a second closes it.
  const int64_t once = NextDataPpb(0, -1, 300000000);
  CHECK(ScorePpb(10000000, once, 50000000) == 10000000);
  CHECK(ScorePpb(10000000, NextDataPpb(once, -1, 300000000), 50000000) == 0);
  CHECK(ScorePpb(10000000, kPpbOne, 0) == 0);
  CHECK(ScorePpb(10000000, kPpbOne, -5) == 0);  // a negative cap credits nothing
}

TEST_CASE("ScorePpb does not overflow at the bounds", "[ledger]") {
  CHECK(ScorePpb(kPpbOne, kPpbOne, kPpbOne) == kPpbOne);
  CHECK(ScorePpb(-kPpbOne, kPpbOne, kPpbOne) == 0);
  CHECK(ScorePpb(kMax, kMax, kMax) == kMax);
  CHECK(ScorePpb(kMax, kPpbOne, kMax) == kMax);
  CHECK(ScorePpb(kMin, kMin, kMin) == 0);
  CHECK(ScorePpb(kMax, kMin, kMax) == 0);
}

TEST_CASE("NextEmaPpb weighs the new score by alpha", "[ledger]") {
  CHECK(NextEmaPpb(0, kPpbOne, 300000000) == 300000000);
  CHECK(NextEmaPpb(100, 200, 500000000) == 150);
  CHECK(NextEmaPpb(12345, 0, 300000000) == 8642);  // 8641.5
  CHECK(NextEmaPpb(777, 5, 0) == 777);
  CHECK(NextEmaPpb(777, 5, kPpbOne) == 5);
  CHECK(NextEmaPpb(-400, -100, 250000000) == -325);
}

TEST_CASE("NextEmaPpb rounds ties away from zero on both sides", "[ledger]") {
  CHECK(NextEmaPpb(0, 1, 500000000) == 1);    // 0.5
  CHECK(NextEmaPpb(0, -1, 500000000) == -1);  // -0.5
  CHECK(NextEmaPpb(0, 3, 500000000) == 2);    // 1.5
  CHECK(NextEmaPpb(0, -3, 500000000) == -2);  // -1.5
  CHECK(NextEmaPpb(0, 1, 499999999) == 0);
  CHECK(NextEmaPpb(0, -1, 499999999) == 0);
}

TEST_CASE("NextEmaPpb clamps alpha and stays between prev and score at the bounds", "[ledger]") {
  CHECK(NextEmaPpb(10, 20, -5) == 10);
  CHECK(NextEmaPpb(10, 20, kMin) == 10);
  CHECK(NextEmaPpb(10, 20, 2 * kPpbOne) == 20);
  CHECK(NextEmaPpb(10, 20, kMax) == 20);
  CHECK(NextEmaPpb(kMax, kMax, 300000000) == kMax);
  CHECK(NextEmaPpb(kMin, kMin, 700000000) == kMin);
  CHECK(NextEmaPpb(kMin, kMax, 500000000) == -1);  // (-1 / 2): -0.5 rounds to -1
  CHECK(NextEmaPpb(kMax, kMin, 1) == 9223372018408031733);
  CHECK(NextEmaPpb(kMin, kMax, 1) == -9223372018408031734);
}

TEST_CASE("NextDataPpb moves towards the verdict and keeps the previous without one", "[ledger]") {
  CHECK(NextDataPpb(0, +1, 300000000) == 300000000);
  CHECK(NextDataPpb(0, -1, 300000000) == -300000000);
  CHECK(NextDataPpb(300000000, +1, 300000000) == 510000000);
  CHECK(NextDataPpb(510000000, -1, 300000000) == 57000000);
  CHECK(NextDataPpb(123, 0, 300000000) == 123);
  CHECK(NextDataPpb(1, -1, 500000000) == -500000000);  // -499999999.5, away from zero
  CHECK(NextDataPpb(0, 5, 300000000) == 300000000);    // only the sign counts
  CHECK(NextDataPpb(0, -7, 300000000) == -300000000);
}

TEST_CASE("NextDataPpb stays in [-1e9, 1e9]", "[ledger]") {
  CHECK(NextDataPpb(kPpbOne, +1, 300000000) == kPpbOne);
  CHECK(NextDataPpb(-kPpbOne, -1, 300000000) == -kPpbOne);
  CHECK(NextDataPpb(0, +1, kPpbOne) == kPpbOne);
  CHECK(NextDataPpb(kMax, +1, 300000000) == kPpbOne);
  CHECK(NextDataPpb(kMin, -1, 300000000) == -kPpbOne);
  CHECK(NextDataPpb(kMin, +1, 0) == -kPpbOne);
  CHECK(NextDataPpb(kMax, 0, 300000000) == kMax);  // no verdict: unchanged, as documented
}

TEST_CASE("the work factor is the own-page excess gain as a share of its cap", "[ledger]") {
  CHECK(WorkFactorPpb(100000000, 200000000) == 500000000);   // half the cap: half the factor
  CHECK(WorkFactorPpb(200000000, 200000000) == kPpbOne);     // at the cap
  CHECK(WorkFactorPpb(900000000, 200000000) == kPpbOne);     // above: no more
  CHECK(WorkFactorPpb(-50000000, 200000000) == 0);           // own pages gained less
  CHECK(WorkFactorPpb(1, 3) == 333333333);                   // rounded to nearest
  CHECK(WorkFactorPpb(2, 3) == 666666667);
  CHECK(WorkFactorPpb(12345, 0) == kPpbOne);                 // no cap: no factor
  CHECK(WorkFactorPpb(-12345, -1) == kPpbOne);
  CHECK(WorkFactorPpb(kMax, kMax) == kPpbOne);               // no overflow
  CHECK(WorkFactorPpb(kMin, kMax) == 0);
}

TEST_CASE("a round score is the capped improvement, gated by data, times the work factor",
          "[ledger]") {
  // 0.01 improvement, data 0.3 (not negative), work 0.05 of a 0.2 cap: 0.01 x 0.25.
  CHECK(RoundScorePpb(10000000, 300000000, 50000000, 50000000, 200000000) == 2500000);
  CHECK(RoundScorePpb(10000000, -600000000, 200000000, 50000000, 200000000) == 0);
  // A quarter of the work earns a quarter of the score of the same improvement.
  const int64_t full = RoundScorePpb(10000000, kPpbOne, 200000000, 50000000, 200000000);
  const int64_t quarter = RoundScorePpb(10000000, kPpbOne, 50000000, 50000000, 200000000);
  CHECK(full == 10000000);
  CHECK(quarter * 4 == full);
  // Without a work cap it is ScorePpb.
  CHECK(RoundScorePpb(10000000, 300000000, -5, 50000000, 0) == ScorePpb(10000000, 300000000, 50000000));
  CHECK(RoundScorePpb(kMax, kMax, kMax, kMax, kMax) == kMax);
  CHECK(RoundScorePpb(kMax, kMax, kMin, kMax, kMax) == 0);
}
