// The GPT decoder (LibTorch C++ frontend): token and position embeddings, pre-LayerNorm blocks
// with causal self-attention and a GELU MLP, a final LayerNorm and an output head tied to the
// token embedding. Shapes: B batch, T time (<= context), C d_model, V vocab.
#pragma once

#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

#include "trainer/model_config.h"

namespace loconet {

class CausalSelfAttentionImpl : public torch::nn::Module {
 public:
  explicit CausalSelfAttentionImpl(const ModelConfig& cfg);
  torch::Tensor forward(const torch::Tensor& x);  // x: (B, T, C) -> (B, T, C)

 private:
  int64_t heads_;
  torch::nn::Linear qkv_{nullptr}, proj_{nullptr};
  torch::Tensor mask_;  // (context, context) additive: 0 on and below the diagonal, -inf above
};
TORCH_MODULE(CausalSelfAttention);

class BlockImpl : public torch::nn::Module {
 public:
  explicit BlockImpl(const ModelConfig& cfg);
  torch::Tensor forward(torch::Tensor x);  // x: (B, T, C) -> (B, T, C)

 private:
  torch::nn::LayerNorm ln1_{nullptr}, ln2_{nullptr};
  CausalSelfAttention attn_{nullptr};
  torch::nn::Linear up_{nullptr}, down_{nullptr};
};
TORCH_MODULE(Block);

class GPTImpl : public torch::nn::Module {
 public:
  // Parameters are initialised from torch's global generator (seed it first for determinism).
  explicit GPTImpl(const ModelConfig& cfg);

  torch::Tensor forward(const torch::Tensor& idx);  // idx: (B, T) int64 -> logits (B, T, V)
  // Mean cross-entropy of next-token prediction on a (B, T+1) block of tokens.
  torch::Tensor Loss(const torch::Tensor& block);

  const ModelConfig& config() const { return cfg_; }

 private:
  ModelConfig cfg_;
  torch::nn::Embedding tok_{nullptr}, pos_{nullptr};
  torch::nn::ModuleList blocks_{nullptr};
  torch::nn::LayerNorm ln_f_{nullptr};
};
TORCH_MODULE(GPT);

// Named parameters in a fixed order (registration order): the canonical order for hashing,
// checkpoints, codecs and export.
std::vector<std::pair<std::string, torch::Tensor>> OrderedParameters(torch::nn::Module& m);

}  // namespace loconet
