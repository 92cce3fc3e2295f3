// `loconet generate`: text from a trained model. Loads a model file, encodes the prompt with the
// corpus's tokenizer, samples a continuation (trainer/sampler.h) and decodes it. Torch-free.
//
// Model files it reads: a loconet checkpoint (trainer/checkpoint.h), which is what `loconet
// train --checkpoint` writes and what a validator keeps as its current global model (its state
// file, `validator.state`, e.g. runs/devnet/validator/state.pt), and a safetensors file written
// by `loconet export` (trainer/export.h), whose metadata carries the model config.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "datasets/tokenizer.h"
#include "trainer/model_config.h"
#include "trainer/sampling_options.h"

namespace loconet {

struct GenerateRequest {
  std::string model_path;      // a loconet checkpoint or an exported .safetensors file
  std::string tokenizer_path;  // a SentencePiece .model: the corpus folder's tokenizer.model
  std::string prompt;          // UTF-8 text; must encode to at least one token
  SamplingOptions sampling;    // stop_id and vocab_limit are set from the tokenizer
  // When set, the model file must hold a model of this shape (vocab_size 0: any vocabulary).
  std::optional<ModelConfig> expect_model;
  bool stop_at_eos = true;  // stop at the tokenizer's end-of-document id
  int threads = 1;          // compute threads for ConfigureCompute (<= 0: every core)
};

struct Generation {
  ModelConfig model;             // the config stored in the model file
  int64_t prompt_tokens = 0;     // tokens the prompt encodes to
  bool prompt_cropped = false;   // the prompt was longer than the model's context
  std::vector<uint32_t> tokens;  // the new tokens
  std::string text;              // prompt and continuation, decoded together
  std::string continuation;      // the new tokens' text
};

// Loads request.tokenizer_path, then as the overload below. An unreadable or malformed tokenizer
// is an error naming its path.
Result<Generation> Generate(const GenerateRequest& request);

// Generates with an already loaded tokenizer (request.tokenizer_path is not read). Errors, each
// naming the file or the value: a model file that is missing (kNotFound) or damaged (kCorrupt),
// or holds another model than request.expect_model (kShapeMismatch); a tokenizer with more
// tokens than the model's vocabulary, i.e. from another corpus (kShapeMismatch); an empty prompt
// and sampling options out of range (kInvalidArgument, see SampleTokens). Same request and
// machine, same text.
Result<Generation> Generate(const GenerateRequest& request, const datasets::Tokenizer& tokenizer);

}  // namespace loconet
