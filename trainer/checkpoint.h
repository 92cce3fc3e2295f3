// Checkpoints: parameters, model config, inner optimizer state (one per simulated worker),
// outer momentum, RNG state and training position. Written atomically (temp file + rename), so a
// crash leaves the previous checkpoint intact. Loading a damaged file returns kCorrupt.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "core/status.h"
#include "trainer/gpt.h"
#include "trainer/model_config.h"
#include "trainer/outer_optimizer.h"

namespace loconet {

struct TrainPosition {
  int64_t step = 0;            // inner steps done (per worker)
  int64_t round = 0;           // outer rounds done (DiLoCo)
  int64_t data_position = 0;   // loader position (rows consumed) of the single-node loader
};

struct CheckpointParts {
  GPT* model = nullptr;                                // required
  std::vector<torch::optim::Optimizer*> optimizers;    // may be empty (export-only checkpoint)
  OuterNesterov* outer = nullptr;                      // optional
};

Status SaveCheckpoint(const std::string& path, const CheckpointParts& parts,
                      const TrainPosition& position);

// Reads only the model config, so the caller can build a model of the right shape.
Result<ModelConfig> ReadCheckpointConfig(const std::string& path);

// Restores into already-built parts. Unless `parts.optimizers` is empty (parameters only), the
// number of optimizers must match the checkpoint's, and
// every parameter shape must match; otherwise an error and nothing is half-restored in the model.
Status LoadCheckpoint(const std::string& path, const CheckpointParts& parts,
                      TrainPosition* position);

}  // namespace loconet
