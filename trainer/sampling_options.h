// Settings of text sampling (trainer/sampler.h, trainer/generate.h). Torch-free.
#pragma once

#include <cstdint>
#include <optional>

namespace loconet {

struct SamplingOptions {
  int64_t max_tokens = 100;      // new tokens to generate, at least 1
  double temperature = 1.0;      // 0: greedy (argmax); > 0: softmax(logits / temperature)
  std::optional<int64_t> top_k;  // keep the k most likely tokens, 1 <= k <= vocabulary; unset: all
  uint64_t seed = 1;             // same seed, model, prompt and options: same tokens
  int64_t stop_id = -1;          // stop when this token is drawn (it is not returned); -1: never
  // Only ids below this are drawn (a tokenizer smaller than the model's vocabulary); 0: all.
  int64_t vocab_limit = 0;
};

}  // namespace loconet
