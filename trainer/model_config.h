// Model sizes: the [model] section of a TOML config (configs/models/*.toml). Torch-free.
#pragma once

#include <cstdint>
#include <string>

#include "core/config.h"
#include "core/status.h"

namespace loconet {

struct ModelConfig {
  std::string name = "custom";
  int64_t vocab_size = 0;  // 0: taken from the training shard
  int64_t context = 128;
  int64_t d_model = 128;
  int64_t layers = 4;
  int64_t heads = 4;

  // Parameters of the GPT built from this config (tied head: embeddings counted once).
  int64_t ParameterCount() const;
};

// Reads the [model] section (keys: name, vocab_size, context, d_model, layers, heads) and
// checks that d_model is divisible by heads.
Result<ModelConfig> ReadModelConfig(Config& config);

}  // namespace loconet
