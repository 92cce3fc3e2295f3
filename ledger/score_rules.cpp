#include "ledger/score_rules.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/int128.h"

namespace loconet::ledger {

namespace {

// n / d for d > 0, rounded to nearest with ties away from zero. C++ division truncates toward
// zero and leaves a remainder with the sign of n, so a remainder of at least half of d (in
// magnitude) moves the quotient one step away from zero.
I128 DivRound(I128 n, I128 d) {
  I128 q = n / d;
  I128 r = n % d;
  if (r < 0) r = -r;
  if (2 * r >= d) q += n < 0 ? -1 : 1;
  return q;
}

int64_t Saturate(I128 v) {
  if (v > std::numeric_limits<int64_t>::max()) return std::numeric_limits<int64_t>::max();
  if (v < std::numeric_limits<int64_t>::min()) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}

}  // namespace

int64_t ToPpb(double x) {
  if (std::isnan(x)) return 0;
  x = std::clamp(x, -9e9, 9e9);
  return static_cast<int64_t>(std::llround(x * 1e9));
}

int64_t ClampImprovementPpb(double improvement) {
  if (std::isnan(improvement)) return -kPpbOne;
  return static_cast<int64_t>(std::llround(std::clamp(improvement, -1.0, 1.0) * 1e9));
}

int64_t ScorePpb(int64_t improvement_ppb, int64_t data_ppb, int64_t cap_ppb) {
  // The data average gates the score instead of scaling it: scaled, its ramp from 0 (0.3, 0.51,
  // 0.66 after one, two, three +1 verdicts) weighed the first rounds, where improvements are
  // largest, by the luck of early verdicts. The gate at -0.5 closes after two -1 verdicts in a
  // row from 0, not after one: on a fresh model a single -1 is a coin flip (docs/incentives.md,
  // "Fair among equals").
  if (data_ppb < kDataGatePpb) return 0;
  return std::max<int64_t>(0, std::min(improvement_ppb, cap_ppb));
}

int64_t WorkFactorPpb(int64_t work_ppb, int64_t work_cap_ppb) {
  if (work_cap_ppb <= 0) return kPpbOne;
  const int64_t work = std::clamp<int64_t>(work_ppb, 0, work_cap_ppb);
  return static_cast<int64_t>(DivRound(static_cast<I128>(work) * kPpbOne, work_cap_ppb));
}

int64_t RoundScorePpb(int64_t improvement_ppb, int64_t data_ppb, int64_t work_ppb,
                      int64_t cap_ppb, int64_t work_cap_ppb) {
  const int64_t score = ScorePpb(improvement_ppb, data_ppb, cap_ppb);
  // score >= 0 and the factor is in [0, 1e9]: the product fits 126 bits.
  return Saturate(DivRound(static_cast<I128>(score) * WorkFactorPpb(work_ppb, work_cap_ppb),
                           kPpbOne));
}

int64_t NextEmaPpb(int64_t prev_ppb, int64_t score_ppb, int64_t alpha_ppb) {
  const int64_t alpha = std::clamp<int64_t>(alpha_ppb, 0, kPpbOne);
  // A weighted sum with weights in [0, 1e9] that add up to 1e9: |n| <= 1e9 * 2^63 < 2^93.
  const I128 n =
      static_cast<I128>(alpha) * score_ppb + static_cast<I128>(kPpbOne - alpha) * prev_ppb;
  return static_cast<int64_t>(DivRound(n, kPpbOne));
}

int64_t NextDataPpb(int64_t prev_ppb, int verdict, int64_t alpha_ppb) {
  if (verdict == 0) return prev_ppb;
  const int64_t target = verdict > 0 ? kPpbOne : -kPpbOne;
  return std::clamp<int64_t>(NextEmaPpb(prev_ppb, target, alpha_ppb), -kPpbOne, kPpbOne);
}

}  // namespace loconet::ledger
