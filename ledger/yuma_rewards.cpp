#include "ledger/yuma_rewards.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "consensus/yuma.h"
#include "core/int128.h"

namespace loconet::ledger {

WeightsBody WeightsFromScores(uint64_t epoch, uint64_t first_round, uint64_t last_round,
                              const std::vector<ScoresBody>& scores) {
  std::map<PublicKey, U128> sums;
  for (const ScoresBody& s : scores) {
    if (s.round < first_round || s.round > last_round) continue;
    for (const ScoreEntry& e : s.entries) {
      if (e.score_ppb > 0) sums[e.miner] += static_cast<U128>(e.score_ppb);
    }
  }
  WeightsBody body;
  body.epoch = epoch;
  body.first_round = first_round;
  body.last_round = last_round;
  U128 largest = 0;
  for (const auto& [k, w] : sums) largest = std::max(largest, w);
  if (largest == 0) return body;
  for (const auto& [k, w] : sums) {
    const U128 scaled = (2 * U128{65535} * w + largest) / (2 * largest);
    if (scaled > 0) body.entries.push_back({k, static_cast<uint16_t>(scaled)});
  }
  return body;
}

Result<ConsensusBody> ComputeConsensus(uint64_t epoch, uint64_t first_round, uint64_t last_round,
                                       const ConsensusParams& params,
                                       const std::vector<EpochValidator>& validators,
                                       const ConsensusBody* previous) {
  std::set<PublicKey> miner_set;
  for (const EpochValidator& v : validators) {
    if (!v.weights) continue;
    const WeightsBody& w = *v.weights;
    if (w.epoch != epoch || w.first_round != first_round || w.last_round != last_round) {
      return Error(Code::kInvalidArgument,
                   "the weights of validator " + v.key.Short() + " are of epoch " +
                       std::to_string(w.epoch) + " (rounds " + std::to_string(w.first_round) +
                       "-" + std::to_string(w.last_round) + "), not of epoch " +
                       std::to_string(epoch));
    }
    for (const WeightEntry& e : w.entries) miner_set.insert(e.miner);
  }
  if (previous) {
    for (const BondEntry& b : previous->bonds) miner_set.insert(previous->miners[b.miner].miner);
  }
  const std::vector<PublicKey> miners(miner_set.begin(), miner_set.end());
  const size_t nv = validators.size();
  const size_t n = nv + miners.size();
  std::map<PublicKey, size_t> miner_uid;
  for (size_t j = 0; j < miners.size(); ++j) miner_uid[miners[j]] = nv + j;

  consensus::EpochInput in;
  in.params.kappa = params.kappa;
  in.params.bonds_moving_average = params.bonds_moving_average;
  in.params.bonds_penalty = params.bonds_penalty;
  in.params.emission = params.emission;
  in.params.miner_share = params.miner_share;
  in.stake.assign(n, 0);
  in.weights.assign(n, {});
  in.active.assign(n, true);
  for (size_t i = 0; i < nv; ++i) {
    in.stake[i] = validators[i].stake;
    if (!validators[i].weights) {
      in.active[i] = false;
      continue;
    }
    in.weights[i].assign(n, 0);
    for (const WeightEntry& e : validators[i].weights->entries) {
      in.weights[i][miner_uid.at(e.miner)] = e.weight;
    }
  }
  if (previous && !previous->bonds.empty()) {
    in.bonds.assign(n, {});
    std::map<PublicKey, size_t> validator_uid;
    for (size_t i = 0; i < nv; ++i) validator_uid[validators[i].key] = i;
    for (const BondEntry& b : previous->bonds) {
      auto v = validator_uid.find(previous->validators[b.validator].key);
      if (v == validator_uid.end()) continue;  // a validator no longer listed
      std::vector<uint16_t>& row = in.bonds[v->second];
      if (row.empty()) row.assign(n, 0);
      row[miner_uid.at(previous->miners[b.miner].miner)] = b.bond;
    }
  }
  LOCONET_ASSIGN_OR_RETURN(consensus::EpochResult out, consensus::RunEpoch(in));

  ConsensusBody body;
  body.epoch = epoch;
  body.first_round = first_round;
  body.last_round = last_round;
  body.params = params;
  for (size_t i = 0; i < nv; ++i) {
    ConsensusValidator v;
    v.key = validators[i].key;
    v.stake = validators[i].stake;
    if (validators[i].weights) v.weights_record = validators[i].weights_record;
    v.validator_trust = out.validator_trust[i];
    v.dividends = out.dividends[i];
    v.emission = out.emission[i];
    body.validators.push_back(v);
    for (size_t j = 0; j < miners.size(); ++j) {
      const uint16_t bond = out.bonds.empty() || out.bonds[i].empty() ? 0 : out.bonds[i][nv + j];
      if (bond > 0) {
        body.bonds.push_back({static_cast<uint32_t>(i), static_cast<uint32_t>(j), bond});
      }
    }
  }
  for (size_t j = 0; j < miners.size(); ++j) {
    body.miners.push_back(
        {miners[j], out.consensus[nv + j], out.incentive[nv + j], out.emission[nv + j]});
  }
  return body;
}

}  // namespace loconet::ledger
