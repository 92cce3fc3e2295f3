// Measuring a round's kept updates, on one thread or several, with the same results.
//
// Each worker owns a copy of the global model and runs every kernel single-threaded (torch's
// intra-op threads and OpenBLAS set to 1 while the round is scored), so an update's measurement
// is the same sequence of floating-point operations whichever worker takes it and however many
// there are: `score_threads` changes the validator's speed, never a score. Throughput is compute
// bound (forward passes over the evaluation batches, docs/benchmarks.md, "Validator scoring").
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "core/keys.h"
#include "core/status.h"
#include "trainer/gpt.h"
#include "validator/aggregate.h"
#include "validator/config.h"
#include "validator/scoring.h"

namespace loconet {

// What every update of the round is measured against, drawn once per round.
struct RoundEvaluation {
  std::vector<torch::Tensor> blocks;          // batches of the round's evaluation pages
  std::vector<torch::Tensor> heldout_blocks;  // held-out batches; empty: no contamination check
  double eval_lr = 1;
  double contamination_margin = 1.25;
  DataCheck check;  // the assigned-data check's inputs (miner-independent part)
};

// The round's settings from the validator's config (everything but the blocks, which the caller
// draws): evaluation step, contamination margin, and the data check on `train`.
RoundEvaluation EvaluationSettings(const ValidatorConfig& cfg, const datasets::ShardReader& train,
                                   const Hash256& round_seed, const Hash256& secret);

// One update to measure: who sent it, its receipt order, and how to decode it against a model
// (the worker's copy; called on a worker thread, so it must only read shared state).
struct PendingUpdate {
  PublicKey miner;
  uint32_t order = 0;
  std::function<Result<Update>(GPT&)> decode;
};

// Measured results in the order of `pending`, plus the base losses on the evaluation blocks
// (whose mean is the round's base loss).
struct RoundMeasurements {
  std::vector<Measured> measured;
  std::vector<double> base_losses;
  std::vector<double> seconds;  // time spent on each update, for the scoring histogram
};

// Measures every pending update on `model` (left unchanged) with `workers` threads (<= 0: every
// core). The first error (decode or data) is returned. Restores the caller's thread plan.
Result<RoundMeasurements> MeasureUpdates(GPT& model, const std::vector<PendingUpdate>& pending,
                                         const RoundEvaluation& ev, int workers);

// What each update adds to the round's mean, on the evaluation `blocks`: with m the mean of all
// of `pending` (each clipped to `clip_norm`, added in the given order: sort by miner key) and
// m_-i the mean without update i, (L(theta - eval_lr m_-i) - L(theta - eval_lr m)) / base_loss,
// L the mean loss over the blocks and base_loss = L(theta) (the mean of MeasureUpdates' base
// losses); m_-i = 0 for a single update: its improvement alone. -1 if the full mean's loss is
// not finite but the loss without the update is; 0 if neither is finite (nothing to compare).
// The same values for any number of `workers`; `model` is left unchanged.
Result<std::vector<double>> MeasureContributions(GPT& model,
                                                 const std::vector<PendingUpdate>& pending,
                                                 const std::vector<torch::Tensor>& blocks,
                                                 double base_loss, double eval_lr,
                                                 double clip_norm, int workers);

}  // namespace loconet
