// The stake-weighted median of subtensor's Yuma consensus, in I32F32 with subtensor's exact
// partitioning (a mid-point pivot, not a random one, so every node finds the same value).
#pragma once

#include <cstddef>
#include <vector>

#include "consensus/fixed.h"

namespace loconet::consensus {

using Vec = std::vector<I32F32>;
using Mat = std::vector<Vec>;

// The saturating sum of v, in order.
I32F32 Sum(const Vec& v);
// subtensor's `inplace_normalize`: each entry divided by the sum (SafeDiv); unchanged if the sum
// is 0.
void Normalize(Vec& v);

// subtensor's `weighted_median`: the score at which the stake below it first exceeds
// `minority`, searched over `partition` (indices into stake and score) that covers the stake
// segment [lo, hi]. Returns 0 for an empty partition or mismatched lengths.
I32F32 WeightedMedian(const Vec& stake, const Vec& score, const std::vector<size_t>& partition,
                      I32F32 minority, I32F32 lo, I32F32 hi);

// subtensor's `weighted_median_col`: per column of `score` (rows = validators), the median over
// the rows with positive stake, the stake renormalised over those rows, at `majority` (kappa):
// the value that at least `majority` of that stake scores at or above. A column with no staked
// row gets 0. Rows must all have score[0].size() entries; a row of another width counts with
// zero stake and zero score, as in subtensor.
Vec WeightedMedianCol(const Vec& stake, const Mat& score, I32F32 majority);

}  // namespace loconet::consensus
