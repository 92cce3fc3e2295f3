#include "consensus/yuma.h"

#include <algorithm>
#include <numeric>
#include <string>

#include "consensus/median.h"

namespace loconet::consensus {
namespace {

// The largest network one epoch takes: subtensor's uids are u16.
constexpr size_t kMaxNeurons = 65535;

const I32F32 kZero = I32F32::Zero();

void NormalizeUsingSum(Vec& v, I32F32 s) {
  if (s == kZero) return;
  for (I32F32& x : v) x = x.SafeDiv(s);
}

// result_j = sum_i vector_i * matrix_ij, rows in order.
Vec MatMul(const Mat& m, const Vec& v, size_t columns) {
  Vec out(columns);
  for (size_t i = 0; i < m.size(); ++i) {
    for (size_t j = 0; j < m[i].size(); ++j) {
      if (m[i][j] == kZero) continue;
      out[j] = out[j].SaturatingAdd(v[i].SaturatingMul(m[i][j]));
    }
  }
  return out;
}

Vec RowSum(const Mat& m) {
  Vec out(m.size());
  for (size_t i = 0; i < m.size(); ++i) out[i] = Sum(m[i]);
  return out;
}

void ColNormalize(Mat& m, size_t columns) {
  Vec col_sum(columns);
  for (const Vec& row : m)
    for (size_t j = 0; j < row.size(); ++j) col_sum[j] = col_sum[j].SaturatingAdd(row[j]);
  for (Vec& row : m)
    for (size_t j = 0; j < row.size(); ++j)
      if (col_sum[j] != kZero) row[j] = row[j].SafeDiv(col_sum[j]);
}

// subtensor's `is_topk_nonzero`: nonzero entries, then all but the k largest cleared (a stable
// ascending sort decides ties: the lower uid loses).
std::vector<bool> TopKNonzero(const Vec& v, size_t k) {
  const size_t n = v.size();
  std::vector<bool> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = v[i] != kZero;
  if (n < k) return out;
  std::vector<size_t> idx(n);
  std::iota(idx.begin(), idx.end(), size_t{0});
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  for (size_t t = 0; t < n - k; ++t) out[idx[t]] = false;
  return out;
}

Status Invalid(const std::string& what) { return Error(Code::kInvalidArgument, what); }

// Stake normalised in I64F64 (subtensor's `inplace_normalize_64`), then converted to I32F32 by
// dropping 32 fractional bits.
Vec NormalizedStake(const std::vector<uint64_t>& stake, uint64_t threshold) {
  const size_t n = stake.size();
  std::vector<uint64_t> filtered(n);
  U128 total = 0;
  for (size_t i = 0; i < n; ++i) {
    filtered[i] = stake[i] < threshold ? 0 : stake[i];
    total += filtered[i];
  }
  Vec out(n);
  if (total == 0) return out;
  for (size_t i = 0; i < n; ++i) {
    // I64F64: (s << 64) / total, exact floor; s < 2^63 so the shift fits in 128 bits.
    const U128 q64 = (U128(filtered[i]) << 64) / total;
    out[i] = I32F32::FromBits(static_cast<int64_t>(q64 >> 32));
  }
  return out;
}

// alpha = 1 - I32F32(I64F64(bonds_moving_average) / I64F64(1e6)).
I32F32 BondsAlpha(uint64_t bonds_moving_average) {
  const U128 q64 = (U128(bonds_moving_average) << 64) / 1000000u;
  const I32F32 kept = I32F32::FromBits(static_cast<int64_t>(q64 >> 32));
  return I32F32::One().SaturatingSub(kept);
}

}  // namespace

Status ValidateEpochInput(const EpochInput& in) {
  const size_t n = in.stake.size();
  if (n == 0) return Invalid("stake: the network has no neurons");
  if (n > kMaxNeurons) return Invalid("stake: more than 65535 neurons");
  U128 total = 0;
  for (uint64_t s : in.stake) total += s;
  if (total >= (U128(1) << 63)) return Invalid("stake: the total must be below 2^63");
  if (in.weights.size() != n)
    return Invalid("weights: " + std::to_string(in.weights.size()) + " rows for " +
                   std::to_string(n) + " neurons");
  for (size_t i = 0; i < n; ++i)
    if (!in.weights[i].empty() && in.weights[i].size() != n)
      return Invalid("weights[" + std::to_string(i) + "]: " + std::to_string(in.weights[i].size()) +
                     " entries, expected " + std::to_string(n) + " or none");
  if (!in.bonds.empty()) {
    if (in.bonds.size() != n)
      return Invalid("bonds: " + std::to_string(in.bonds.size()) + " rows for " +
                     std::to_string(n) + " neurons");
    for (size_t i = 0; i < n; ++i)
      if (!in.bonds[i].empty() && in.bonds[i].size() != n)
        return Invalid("bonds[" + std::to_string(i) + "]: " + std::to_string(in.bonds[i].size()) +
                       " entries, expected " + std::to_string(n) + " or none");
  }
  if (!in.validator_permit.empty() && in.validator_permit.size() != n)
    return Invalid("validator_permit: " + std::to_string(in.validator_permit.size()) +
                   " entries for " + std::to_string(n) + " neurons");
  if (!in.active.empty() && in.active.size() != n)
    return Invalid("active: " + std::to_string(in.active.size()) + " entries for " +
                   std::to_string(n) + " neurons");
  if (in.params.bonds_moving_average > 1000000)
    return Invalid("params.bonds_moving_average: above 1000000 (parts per million)");
  return Status::Ok();
}

Result<EpochResult> RunEpoch(const EpochInput& in) {
  LOCONET_RETURN_IF_ERROR(ValidateEpochInput(in));
  const EpochParams& p = in.params;
  const size_t n = in.stake.size();
  EpochResult r;

  // == Active and stake ==
  r.active = in.active.empty() ? std::vector<bool>(n, true) : in.active;
  const Vec stake = NormalizedStake(in.stake, p.stake_threshold);
  r.validator_permit =
      TopKNonzero(stake, p.max_allowed_validators ? size_t{*p.max_allowed_validators} : n);
  const std::vector<bool> permit =
      in.validator_permit.empty() ? r.validator_permit : in.validator_permit;
  Vec active_stake = stake;
  for (size_t i = 0; i < n; ++i)
    if (!r.active[i] || !permit[i]) active_stake[i] = kZero;
  Normalize(active_stake);

  // == Weights: permitted rows only, no self-weight, each row normalised ==
  Mat weights(n);
  for (size_t i = 0; i < n; ++i) {
    if (!permit[i] || in.weights[i].empty()) continue;
    weights[i].assign(n, kZero);
    for (size_t j = 0; j < n; ++j)
      if (j != i) weights[i][j] = I32F32::FromInt(in.weights[i][j]);
    const I32F32 row_sum = Sum(weights[i]);
    if (row_sum > kZero)
      for (I32F32& w : weights[i]) w = w.SafeDiv(row_sum);
  }

  // == Consensus and validator trust ==
  const Vec preranks = MatMul(weights, active_stake, n);
  const I32F32 kappa = I32F32::FromInt(p.kappa).SafeDiv(I32F32::FromInt(65535));
  // weighted_median_col_sparse: every row with positive active stake, absent weights as 0.
  Mat dense_weights(n);
  for (size_t i = 0; i < n; ++i) dense_weights[i] = weights[i].empty() ? Vec(n) : weights[i];
  const Vec consensus = WeightedMedianCol(active_stake, dense_weights, kappa);
  Mat clipped = weights;
  for (Vec& row : clipped)
    for (size_t j = 0; j < row.size(); ++j) row[j] = std::min(row[j], consensus[j]);
  const Vec validator_trust = RowSum(clipped);

  // == Ranks, trust, incentive ==
  Vec ranks = MatMul(clipped, active_stake, n);
  Vec trust(n);
  for (size_t j = 0; j < n; ++j) trust[j] = ranks[j].SafeDiv(preranks[j]);
  Normalize(ranks);
  const Vec& incentive = ranks;

  // == Yuma3 bonds and dividends ==
  const I32F32 penalty = I32F32::FromInt(p.bonds_penalty).SafeDiv(I32F32::FromInt(65535));
  Mat bond_weights;
  if (penalty == kZero) {
    bond_weights = weights;
  } else if (penalty == I32F32::One()) {
    bond_weights = clipped;
  } else {
    bond_weights.assign(n, Vec());
    for (size_t i = 0; i < n; ++i) {
      if (weights[i].empty()) continue;
      bond_weights[i].assign(n, kZero);
      for (size_t j = 0; j < n; ++j) {
        const I32F32 v = weights[i][j].SaturatingAdd(
            penalty.SaturatingMul(clipped[i][j].SaturatingSub(weights[i][j])));
        if (v > kZero) bond_weights[i][j] = v;  // interpolate_sparse keeps positive cells only
      }
    }
  }
  const I32F32 alpha = BondsAlpha(p.bonds_moving_average);
  const I32F32 one_minus_alpha = I32F32::One().SaturatingSub(alpha);
  Mat ema(n, Vec(n));
  for (size_t i = 0; i < n; ++i) {
    Vec& row = ema[i];
    if (!bond_weights[i].empty())
      for (size_t j = 0; j < n; ++j)
        if (bond_weights[i][j] != kZero)
          row[j] = row[j].SaturatingAdd(alpha.SaturatingMul(bond_weights[i][j]));
    if (i < in.bonds.size() && !in.bonds[i].empty())
      for (size_t j = 0; j < n; ++j)
        if (in.bonds[i][j] != 0)
          row[j] = row[j].SaturatingAdd(
              one_minus_alpha.SaturatingMul(U16ProportionToFixed(in.bonds[i][j])));
    for (I32F32& v : row)
      if (v <= kZero) v = kZero;  // mat_ema_sparse keeps positive cells only
  }
  Mat ema_norm = ema;
  ColNormalize(ema_norm, n);
  Vec dividends(n);
  for (size_t i = 0; i < n; ++i) {
    I32F32 total;
    for (size_t j = 0; j < n; ++j)
      if (ema_norm[i][j] != kZero)
        total = total.SaturatingAdd(ema_norm[i][j].SaturatingMul(incentive[j]));
    dividends[i] = total.CheckedMul(active_stake[i]).value_or(kZero);
  }
  Normalize(dividends);

  // == Emission ==
  Vec combined(n);
  for (size_t i = 0; i < n; ++i) combined[i] = incentive[i].SaturatingAdd(dividends[i]);
  const I32F32 emission_sum = Sum(combined);
  Vec server_share = incentive;
  Vec validator_share = dividends;
  Vec combined_share = combined;
  NormalizeUsingSum(server_share, emission_sum);
  NormalizeUsingSum(validator_share, emission_sum);
  Normalize(combined_share);
  if (emission_sum == kZero) {
    // No weights counted: the emission goes to validators by stake.
    const Vec& by_stake = Sum(active_stake) == kZero ? stake : active_stake;
    validator_share = by_stake;
    combined_share = by_stake;
  }
  r.emission.resize(n);
  r.server_emission.resize(n);
  r.validator_emission.resize(n);
  if (p.miner_share.has_value() && emission_sum != kZero) {
    const uint64_t miner_pool = static_cast<uint64_t>(U128(p.emission) * *p.miner_share / 65535u);
    const uint64_t validator_pool = p.emission - miner_pool;
    for (size_t i = 0; i < n; ++i) {
      r.server_emission[i] = ScaleToU64(incentive[i], miner_pool);
      r.validator_emission[i] = ScaleToU64(dividends[i], validator_pool);
      r.emission[i] = r.server_emission[i] + r.validator_emission[i];
    }
  } else {
    for (size_t i = 0; i < n; ++i) {
      r.server_emission[i] = ScaleToU64(server_share[i], p.emission);
      r.validator_emission[i] = ScaleToU64(validator_share[i], p.emission);
      r.emission[i] = ScaleToU64(combined_share[i], p.emission);
    }
  }

  // == What is stored ==
  auto to_u16 = [](const Vec& v) {
    std::vector<uint16_t> out(v.size());
    for (size_t i = 0; i < v.size(); ++i) out[i] = FixedProportionToU16(v[i]);
    return out;
  };
  r.stake_weight = to_u16(stake);
  r.rank = to_u16(ranks);
  r.trust = to_u16(trust);
  r.consensus = to_u16(consensus);
  r.incentive = to_u16(incentive);
  r.dividends = to_u16(dividends);
  r.validator_trust = to_u16(validator_trust);
  r.consensus_fixed = consensus;
  r.incentive_fixed = incentive;
  r.dividends_fixed = dividends;
  r.trust_fixed = trust;
  r.validator_trust_fixed = validator_trust;
  // A neuron that keeps or gains a permit stores its new bonds; one that loses its permit loses
  // its bonds; one that had none and gets none keeps whatever it had.
  r.bonds.assign(n, std::vector<uint16_t>(n, 0));
  for (size_t i = 0; i < n; ++i) {
    if (r.validator_permit[i]) {
      r.bonds[i] = to_u16(ema[i]);
    } else if (!permit[i] && i < in.bonds.size() && !in.bonds[i].empty()) {
      r.bonds[i] = in.bonds[i];
    }
  }
  return r;
}

}  // namespace loconet::consensus
