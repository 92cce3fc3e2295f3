// Epoch rewards: a fixed emission split in proportion to the miners' scores, in integers only,
// so that every node that recomputes a reward record gets the same bytes.
#pragma once

#include <cstdint>
#include <vector>

#include "ledger/bodies.h"

namespace loconet::ledger {

// The reward body of `epoch` covering rounds [first_round, last_round].
//
// A miner's weight w_i is the sum of max(0, score_ppb) over its entries in the bodies of
// `scores` whose round lies in the range (other bodies are ignored; a round present twice counts
// twice). With W = sum of w_i > 0: units_i = floor(emission * w_i / W), computed exactly in
// 192-bit arithmetic; the emission - sum(units_i) units left over go one each to the miners with
// the largest remainders (emission * w_i mod W), ties to the smaller key, so the units add up to
// exactly `emission`. With W == 0 (or no bodies in range) the body has no entries. Entries are
// sorted by miner and list only miners with units > 0.
//
// Pure and deterministic: the result does not depend on the order of `scores` or of their
// entries.
RewardBody ComputeReward(uint64_t epoch, uint64_t first_round, uint64_t last_round,
                         uint64_t emission, const std::vector<ScoresBody>& scores);

}  // namespace loconet::ledger
