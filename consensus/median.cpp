#include "consensus/median.h"

namespace loconet::consensus {

I32F32 Sum(const Vec& v) {
  I32F32 s;
  for (I32F32 x : v) s = s.SaturatingAdd(x);
  return s;
}

void Normalize(Vec& v) {
  const I32F32 s = Sum(v);
  if (s == I32F32::Zero()) return;
  for (I32F32& x : v) x = x.SafeDiv(s);
}

namespace {

I32F32 At(const Vec& v, size_t i) { return i < v.size() ? v[i] : I32F32::Zero(); }

}  // namespace

I32F32 WeightedMedian(const Vec& stake, const Vec& score, const std::vector<size_t>& partition,
                      I32F32 minority, I32F32 lo, I32F32 hi) {
  if (stake.size() != score.size()) return I32F32::Zero();
  std::vector<size_t> current = partition;
  std::vector<size_t> lower;
  std::vector<size_t> upper;
  // Each step removes the pivot's value from the partition, so it ends in at most |partition|
  // steps; the bound is a guard, as in subtensor.
  for (size_t step = 0; step <= partition.size(); ++step) {
    const size_t n = current.size();
    if (n == 0) return I32F32::Zero();
    if (n == 1) return At(score, current[0]);
    const I32F32 pivot = At(score, current[n / 2]);
    I32F32 lo_stake;
    I32F32 hi_stake;
    lower.clear();
    upper.clear();
    for (size_t idx : current) {
      const I32F32 s = At(score, idx);
      if (s == pivot) continue;
      if (s < pivot) {
        lo_stake = lo_stake.SaturatingAdd(At(stake, idx));
        lower.push_back(idx);
      } else {
        hi_stake = hi_stake.SaturatingAdd(At(stake, idx));
        upper.push_back(idx);
      }
    }
    if (minority < lo.SaturatingAdd(lo_stake) && !lower.empty()) {
      hi = lo.SaturatingAdd(lo_stake);
      current.swap(lower);
    } else if (hi.SaturatingSub(hi_stake) <= minority && !upper.empty()) {
      lo = hi.SaturatingSub(hi_stake);
      current.swap(upper);
    } else {
      return pivot;
    }
  }
  return I32F32::Zero();
}

Vec WeightedMedianCol(const Vec& stake, const Mat& score, I32F32 majority) {
  const size_t columns = score.empty() ? 0 : score[0].size();
  Vec median(columns);
  for (size_t c = 0; c < columns; ++c) {
    Vec use_stake;
    Vec use_score;
    for (size_t r = 0; r < stake.size(); ++r) {
      if (stake[r] <= I32F32::Zero()) continue;
      if (r < score.size() && score[r].size() == columns) {
        use_stake.push_back(stake[r]);
        use_score.push_back(score[r][c]);
      } else {
        use_stake.push_back(I32F32::Zero());
        use_score.push_back(I32F32::Zero());
      }
    }
    if (use_stake.empty()) continue;
    Normalize(use_stake);
    const I32F32 stake_sum = Sum(use_stake);
    const I32F32 minority = stake_sum.SaturatingSub(majority);
    std::vector<size_t> idx(use_stake.size());
    for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    median[c] = WeightedMedian(use_stake, use_score, idx, minority, I32F32::Zero(), stake_sum);
  }
  return median;
}

}  // namespace loconet::consensus
