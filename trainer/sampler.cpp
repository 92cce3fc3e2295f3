#include "trainer/sampler.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>

namespace loconet {

namespace {

std::string Number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

}  // namespace

Status CheckSamplingOptions(const SamplingOptions& o, int64_t model_vocab) {
  if (o.vocab_limit < 0 || o.vocab_limit > model_vocab) {
    return Error(Code::kInvalidArgument, "the vocabulary limit " + std::to_string(o.vocab_limit) +
                                             " exceeds the model's vocabulary of " +
                                             std::to_string(model_vocab));
  }
  const int64_t vocab_size = o.vocab_limit > 0 ? o.vocab_limit : model_vocab;
  if (o.max_tokens < 1) {
    return Error(Code::kInvalidArgument,
                 "max tokens must be at least 1, found " + std::to_string(o.max_tokens));
  }
  if (!std::isfinite(o.temperature) || o.temperature < 0) {
    return Error(Code::kInvalidArgument,
                 "temperature must be 0 (greedy) or positive, found " + Number(o.temperature));
  }
  if (o.top_k && (*o.top_k < 1 || *o.top_k > vocab_size)) {
    return Error(Code::kInvalidArgument, "top-k must be between 1 and the vocabulary size (" +
                                             std::to_string(vocab_size) + "), found " +
                                             std::to_string(*o.top_k));
  }
  return Status::Ok();
}

Result<std::vector<int64_t>> SampleTokens(GPT& model, const std::vector<int64_t>& prompt,
                                          const SamplingOptions& o) {
  const ModelConfig& cfg = model->config();
  LOCONET_RETURN_IF_ERROR(CheckSamplingOptions(o, cfg.vocab_size));
  if (prompt.empty()) return Error(Code::kInvalidArgument, "the prompt has no tokens");
  for (int64_t id : prompt) {
    if (id < 0 || id >= cfg.vocab_size) {
      return Error(Code::kInvalidArgument, "prompt token " + std::to_string(id) +
                                               " is outside the model's vocabulary of " +
                                               std::to_string(cfg.vocab_size));
    }
  }
  torch::NoGradGuard no_grad;
  const bool was_training = model->is_training();
  model->eval();
  at::Generator gen = at::detail::createCPUGenerator(o.seed);
  const bool greedy = o.temperature == 0 || (o.top_k && *o.top_k == 1);
  const int64_t vocab = o.vocab_limit > 0 ? o.vocab_limit : cfg.vocab_size;

  std::vector<int64_t> tokens = prompt;  // prompt, then each new token
  std::vector<int64_t> out;
  for (int64_t i = 0; i < o.max_tokens; ++i) {
    // The window the model sees: the last `context` tokens.
    const int64_t T = std::min<int64_t>(static_cast<int64_t>(tokens.size()), cfg.context);
    auto idx = torch::tensor(std::vector<int64_t>(tokens.end() - T, tokens.end()), torch::kLong)
                   .view({1, T});                                                         // (1, T)
    auto logits = model->forward(idx).select(0, 0).select(0, T - 1).narrow(0, 0, vocab);  // (V)
    int64_t next = 0;
    if (greedy) {
      next = logits.argmax().item<int64_t>();
    } else {
      auto scaled = logits.to(torch::kDouble) / o.temperature;  // (V)
      torch::Tensor candidates;  // ids the draw maps back to, or none
      if (o.top_k && *o.top_k < vocab) {
        auto top = scaled.topk(*o.top_k);  // values and ids, (k) each, most likely first
        scaled = std::get<0>(top);
        candidates = std::get<1>(top);
      }
      auto probs = torch::softmax(scaled, 0);
      const int64_t pick = torch::multinomial(probs, 1, /*replacement=*/false, gen).item<int64_t>();
      next = candidates.defined() ? candidates[pick].item<int64_t>() : pick;
    }
    if (next == o.stop_id) break;
    tokens.push_back(next);
    out.push_back(next);
  }
  if (was_training) model->train();
  return out;
}

}  // namespace loconet
