// `loconet train`: single-node training, K simulated DiLoCo workers in one process (each on
// its own assigned pages, H local AdamW steps, its pseudo-gradient through a codec with error
// feedback, then the outer Nesterov step), and the synchronous data-parallel baseline (K workers
// whose gradients are averaged every step). Torch-free header.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "sync/codec.h"
#include "trainer/model_config.h"
#include "trainer/precision.h"
#include "trainer/schedule.h"

namespace loconet {

struct TrainOptions {
  ModelConfig model;
  std::string data_dir = "data/corpus";  // holds train.shard and heldout.shard
  int64_t steps = 1000;                  // inner steps (per worker in DiLoCo mode)
  int64_t batch = 16;
  LrSchedule schedule;                   // total_steps is set to `steps`
  double weight_decay = 0.1, beta1 = 0.9, beta2 = 0.95, grad_clip = 1.0;
  uint64_t seed = 1;
  int threads = 0;                       // 0: every core
  Precision precision = Precision::kFp32;  // of the inner steps' forward pass (trainer/precision.h)
  int64_t eval_every = 100;              // steps between held-out evaluations
  int64_t eval_batches = 8;
  int64_t eval_batch = 0;  // rows per held-out batch; 0: the training batch (per rank with --dp)
  // DiLoCo simulation: used when workers > 1 or local_steps > 0 (and not sync_dp).
  int workers = 1;
  int64_t local_steps = 0;               // H
  double outer_lr = 1.0, outer_momentum = 0.0;  // plain averaging (docs/benchmarks.md)
  int64_t pages_per_worker = 0;          // 0: an equal share of the training pages
  // Each worker's pseudo-gradient goes through this codec with its own error feedback before
  // averaging. fp32 (the default) is lossless: results are bit-identical to averaging the raw
  // pseudo-gradients.
  sync::CodecSpec codec;
  // Synchronous data parallel instead of DiLoCo: every step, `workers` micro-batches (one per
  // worker) accumulate their averaged gradients into one AdamW step, the same update as one model
  // on a batch of workers x batch. Counts an fp32 all-reduce: 4 bytes x parameters per step.
  bool sync_dp = false;
  // Output.
  std::string checkpoint_path;           // empty: no checkpoints
  int64_t checkpoint_every = 0;          // steps (single node) or rounds (DiLoCo); 0: at the end
  bool resume = false;                   // continue from checkpoint_path if it exists
  // Warm start: begin from the model parameters of this checkpoint (its optimizer state, step
  // and data position are not used), unless resuming. Empty: a fresh model from `seed`.
  std::string init_from;
  std::string metrics_path;              // JSON line per evaluation; empty: none
  bool progress_bar = false;             // redraw one terminal line instead of log lines
  int64_t stop_at_step = 0;              // stop (and checkpoint) at this step; 0: run to `steps`
  // Data parallel across processes (single-node training only): dp_world ranks joined through
  // rank 0's c10d TCPStore at dp_store (HOST:PORT) average their gradients every step with Gloo,
  // each on its `batch` rows of a global batch of dp_world x batch, and act as one trainer: the
  // same parameters on every rank, rank 0 evaluates, logs and writes the checkpoint.
  int dp_world = 1;
  int dp_rank = 0;
  std::string dp_store;
  double dp_timeout_seconds = 60;

  bool diloco() const { return !sync_dp && (workers > 1 || local_steps > 0); }
};

// Reads a training config (see configs/train-*.toml and docs/operations.md). The `model` key
// names a model file relative to the config's folder.
Result<TrainOptions> LoadTrainOptions(const std::string& path);

struct EvalPoint {
  int64_t step;
  double heldout_loss;
};

struct TrainSummary {
  std::vector<EvalPoint> curve;  // held-out loss at step 0, every eval_every, and at the end
  double last_train_loss = 0;
  double tokens_per_second = 0;  // training tokens processed per wall-clock second (all workers)
  int64_t tokens = 0;            // training tokens processed in this run
  int64_t parameters = 0;
  // Update bytes one worker sent in this run: the encoded pseudo-gradients (DiLoCo; the mean over
  // workers of the sum of encoded tensor sizes, names and framing not counted), or one fp32
  // gradient per step (sync_dp, and each rank of --dp); 0 for single-node training.
  int64_t bytes_sent_per_worker = 0;
};

Result<TrainSummary> RunTraining(const TrainOptions& options);

}  // namespace loconet
