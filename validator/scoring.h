// Scoring a round: each kept update's improvement on the round's evaluation pages and its
// assigned-data verdict, then the round's score record and every miner's running standing (EMA
// score, data average).
//
// Measurement (MeasureOnBlocks, DataVerdictOf) evaluates the model and so depends on LibTorch;
// ScoreRound is a pure function of the measurements and the previous standings, in the ledger's
// fixed point, so that `ledger verify` can recompute every score, EMA and data average.
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

// The loss of `model` on each block.
std::vector<double> BlockLosses(GPT& model, const std::vector<torch::Tensor>& blocks);

// The loss on each block of theta - eval_lr * update; `model` is left as it was.
std::vector<double> LossesAfter(GPT& model, const Update& update, double eval_lr,
                                const std::vector<torch::Tensor>& blocks);

// The mean of block losses, summed in order as EvaluateLoss does; 0 for none.
double MeanLoss(const std::vector<double>& losses);

// An update measured on a set of blocks (the round's evaluation batches, own pages, ...).
struct BlockGains {
  double improvement = 0;     // (L(theta) - L(theta - eval_lr * update)) / L(theta), L the mean
                              // over the blocks; -1 if the loss after the update is not finite
  std::vector<double> gains;  // the same relative gain on each block separately
};

// Measures `update` on `blocks`, given base_losses = BlockLosses(model, blocks). `model` is left
// as it was.
BlockGains MeasureOnBlocks(GPT& model, const Update& update, double eval_lr,
                           const std::vector<torch::Tensor>& blocks,
                           const std::vector<double>& base_losses);

// The round's evaluation pages: `count` pages of the training shard's `num_pages` that are
// assigned to none of `miners` this round (datasets::AssignPages with `round_seed` and
// `pages_per_miner`), sampled with the round's `secret` (datasets::SampleUnassignedPages). No
// miner knows them before the secret is revealed, and no miner trained on them this round; every
// update of the round is measured on the same pages. Fewer than `count` if fewer are unassigned.
std::vector<uint64_t> EvaluationPages(const Hash256& round_seed, const Hash256& secret,
                                      const std::set<PublicKey>& miners, uint64_t num_pages,
                                      uint32_t pages_per_miner, uint32_t count);

// The contamination statistic: how many standard errors the mean gain on the held-out split's
// blocks lies above `margin` x the mean gain on the round's evaluation pages (unseen training
// pages; only a positive gain is scaled): (mean(h) - margin * max(mean(r), 0)) /
// sqrt(var(h)/n_h + margin^2 var(r)/n_r), with sample variances. Honest training helps unseen
// pages about equally wherever they come from; an update trained on the held-out split helps it
// much more than unseen training pages. 0 if either side has fewer than two values or the mean
// held-out gain is not positive; +infinity when the standard error is 0 and the difference
// positive.
double ContaminationZ(const std::vector<double>& heldout_gains,
                      const std::vector<double>& random_gains, double margin);

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
  double own_gain = 0, random_gain = 0;  // mean relative gains: own pages, evaluation pages
};

// Compares the update's gain on `data_batches` batches of `data_pages` of the miner's own
// assigned pages (sampled with the round's secret) with `eval_gains`, its per-batch gains on the
// round's evaluation pages (EvaluationPages: pages nobody trained on this round, the same for
// every miner). +1 if its own pages gain more than `margin` x the evaluation pages by more than
// `z` standard errors of the per-batch gains; -1 if its own pages do not gain more than the
// evaluation pages by `z` standard errors at all; 0 (no verdict) in between.
Result<DataVerdict> DataVerdictOf(GPT& model, const Update& update, const PublicKey& miner,
                                  const DataCheck& check, const std::vector<double>& eval_gains);

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
  int64_t work_cap_ppb = 0;  // own-page excess gain for the full work factor; 0: no factor
};

// One kept update's measurements.
struct Measured {
  PublicKey miner;
  uint32_t order = 0;
  double improvement = 0;
  int verdict = 0;                       // +1, -1, or 0 (no verdict)
  double own_gain = 0, random_gain = 0;  // own pages, evaluation pages (work = own - random)
  double contamination_z = 0;            // ContaminationZ, for the status line
  double alone = 0;  // with score.measure = "leave_one_out": the improvement alone (status line)
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
// its clamped improvement times its data factor times its work factor (own_gain - random_gain
// against the work cap, ledger::RoundScorePpb); a rejected or silent eligible miner scores 0
// (`missed`, or `rate_limited` if it flooded); every entry's EMA follows from the last one.
// Pure: the same inputs give the same bytes.
ledger::ScoresBody ScoreRound(const RoundOutcome& outcome, const ScoringRules& rules,
                              Standings* standings);

}  // namespace loconet
