// Token sampling from a GPT: autoregressive decoding with temperature and top-k, seeded. The
// settings struct is torch-free (trainer/sampling_options.h) so that apps/ can fill it in.
#pragma once

#include <cstdint>
#include <vector>

#include "core/status.h"
#include "trainer/gpt.h"
#include "trainer/sampling_options.h"

namespace loconet {

// Continues `prompt` (token ids) by up to options.max_tokens new tokens and returns only the new
// ones. Each step runs the model's forward on the last model->config().context tokens of prompt
// plus what was generated so far (a longer prompt is cropped to its end), takes the logits of
// the last position and picks the next token: the argmax when temperature is 0 or top_k is 1,
// otherwise a draw from softmax(logits / temperature) over the top_k most likely tokens (all of
// them when top_k is unset). Draws come from a generator of its own seeded with options.seed, so
// the same model, prompt and options give the same tokens on the same machine and thread count
// (the global torch generator is not touched). Stops early, without returning it, at
// options.stop_id. Returns kInvalidArgument, and generates nothing, for an empty prompt, a
// prompt id outside the model's vocabulary, max_tokens < 1, a negative or non-finite
// temperature, a vocab_limit above the model's vocabulary, or top_k outside [1, vocabulary]
// (vocab_limit when set, else the model's). Runs on the calling thread in inference mode; the model
// is not modified.
Result<std::vector<int64_t>> SampleTokens(GPT& model, const std::vector<int64_t>& prompt,
                                          const SamplingOptions& options);

// The checks of the options SampleTokens makes, for a model with `model_vocab` tokens.
Status CheckSamplingOptions(const SamplingOptions& options, int64_t model_vocab);

}  // namespace loconet
