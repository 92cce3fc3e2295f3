// Rewards by Yuma consensus over several validators (docs/incentives.md, "Several
// validators"). Each validator turns its scores of an epoch into u16 weights (WeightsFromScores);
// the epoch's ConsensusBody is consensus::RunEpoch over every validator's weights, their stakes
// from the genesis and the bonds of the previous epoch's body. Integers only: every validator
// that computes an epoch from the same weights records gets the same bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/hash.h"
#include "core/keys.h"
#include "core/status.h"
#include "ledger/bodies.h"
#include "ledger/consensus_bodies.h"

namespace loconet::ledger {

// The author's weights of `epoch`: w_i = sum of max(0, score_ppb) over miner i's entries in
// the bodies of `scores` whose round lies in [first_round, last_round]; weight_i =
// round(65535 * w_i / max_j w_j) (half up, exact integers); miners whose weight rounds to 0 are
// left out. No positive score: no entries.
WeightsBody WeightsFromScores(uint64_t epoch, uint64_t first_round, uint64_t last_round,
                              const std::vector<ScoresBody>& scores);

// One validator of the genesis, with the weights record of the epoch that counts, if any.
struct EpochValidator {
  PublicKey key;
  uint64_t stake = 0;
  Hash256 weights_record;              // the record's hash; ignored without weights
  std::optional<WeightsBody> weights;  // nullopt: inactive this epoch
};

// The epoch's consensus body. Neurons are the validators (uids 0..V-1, in `validators`' order,
// the genesis lead order) then the miners (uids V.., sorted by key): every miner that a counted
// weights body names or that holds a bond in `previous`. A validator's weights row has its
// weights in the miners' columns; a validator without weights is inactive (an empty row). The
// bonds come from `previous` (the same validator and miner keys), none without it.
// kInvalidArgument if a weights body is of another epoch or round range, or the stakes break
// consensus::ValidateEpochInput.
Result<ConsensusBody> ComputeConsensus(uint64_t epoch, uint64_t first_round, uint64_t last_round,
                                       const ConsensusParams& params,
                                       const std::vector<EpochValidator>& validators,
                                       const ConsensusBody* previous);

}  // namespace loconet::ledger
