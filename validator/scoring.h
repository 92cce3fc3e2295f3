// Scoring a round: each kept update's held-out improvement and assigned-data verdict, then the
// round's score record and every miner's running standing (EMA score, data factor).
//
// Measurement (ImprovementOf, DataVerdictOf) evaluates the model and so depends on LibTorch;
// ScoreRound is a pure function of the measurements and the previous standings, in the ledger's
// fixed point, so that `ledger verify` can recompute every score, EMA and data factor.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "core/hash.h"
#include "core/keys.h"
#include "core/status.h"
#include "datasets/shard.h"
#include "ledger/bodies.h"
#include "trainer/gpt.h"
#include "validator/aggregate.h"

namespace loconet {

// `batches` batches of `batch` rows of context + 1 tokens each, drawn from `pages` of `shard`
// with `seed` (datasets::BlockLoader).
Result<std::vector<torch::Tensor>> DrawBlocks(const datasets::ShardReader& shard,
                                              const std::vector<uint64_t>& pages, uint32_t batch,
                                              int64_t context, uint64_t seed, uint32_t batches);

// The first 8 bytes of h as a little-endian seed.
uint64_t SeedFrom(const Hash256& h);

// Relative improvement (L(theta) - L(theta - eval_lr * update)) / L(theta) on `blocks`, given
// base_loss = L(theta); -1 if the loss after the update is not finite. `model` is left as it was.
double ImprovementOf(GPT& model, const Update& update, double eval_lr,
                     const std::vector<torch::Tensor>& blocks, double base_loss);

// The assigned-data check's inputs for one miner in one round.
struct DataCheck {
  const datasets::ShardReader* train = nullptr;
  Hash256 round_seed, secret;
  uint32_t pages_per_miner = 0, data_pages = 0, data_batches = 0, batch = 0;
  int64_t context = 0;
  double eval_lr = 1, margin = 1.25;
  double z = 2;  // standard errors the difference must clear for a verdict
};

struct DataVerdict {
  int verdict = 0;                       // +1, -1, or 0 when there is nothing to compare
  double own_gain = 0, random_gain = 0;  // relative improvements on each side
};

// +1 if the update improves the miner's own assigned pages by more than `margin` x its gain on
// random unassigned pages (both sampled with the round's secret) by more than `z` standard errors
// of the per-batch gains; -1 if its own pages do not gain more than random ones by `z` standard
// errors at all; 0 (no verdict) in between.
Result<DataVerdict> DataVerdictOf(GPT& model, const Update& update, const PublicKey& miner,
                                  const DataCheck& check);

// A miner's standing carried from round to round (and rebuilt from the ledger at start).
struct Standing {
  int64_t ema_ppb = 0;   // EMA of the round scores x 1e9
  int64_t data_ppb = 0;  // EMA of the data verdicts x 1e9, in [-1e9, 1e9]
};
using Standings = std::map<PublicKey, Standing>;

struct ScoringRules {
  int64_t score_cap_ppb = 50000000;  // highest relative improvement credited in one round
  int64_t ema_alpha_ppb = 300000000;
  int64_t data_alpha_ppb = 300000000;
};

// One kept update's measurements.
struct Measured {
  PublicKey miner;
  uint32_t order = 0;
  double improvement = 0;
  int verdict = 0;                       // +1, -1, or 0 (no verdict)
  double own_gain = 0, random_gain = 0;  // the data check's two sides, for the status line
};

// Everything the round's score record is made of.
struct RoundOutcome {
  uint64_t round = 0;
  std::vector<Measured> measured;                               // kept updates
  std::map<PublicKey, std::pair<uint16_t, uint32_t>> rejected;  // reason, receipt order
  std::set<PublicKey> eligible;                                 // `missed` if silent
  std::set<PublicKey> submitted;
  std::set<PublicKey> flooded;
};

// The round's score record (sorted by miner) and the updated standings: a kept update scores
// its clamped improvement times its data factor; a rejected or silent eligible miner scores 0
// (`missed`, or `rate_limited` if it flooded); every entry's EMA follows from the last one.
// Pure: the same inputs give the same bytes.
ledger::ScoresBody ScoreRound(const RoundOutcome& outcome, const ScoringRules& rules,
                              Standings* standings);

}  // namespace loconet
