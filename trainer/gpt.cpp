#include "trainer/gpt.h"

#include <cmath>

namespace loconet {

namespace F = torch::nn::functional;

CausalSelfAttentionImpl::CausalSelfAttentionImpl(const ModelConfig& cfg) : heads_(cfg.heads) {
  const int64_t c = cfg.d_model;
  qkv_ = register_module("qkv", torch::nn::Linear(c, 3 * c));
  proj_ = register_module("proj", torch::nn::Linear(c, c));
  mask_ = register_buffer(
      "mask", torch::full({cfg.context, cfg.context}, -INFINITY).triu(1));
}

torch::Tensor CausalSelfAttentionImpl::forward(const torch::Tensor& x) {
  const int64_t B = x.size(0), T = x.size(1), C = x.size(2), hs = C / heads_;
  // qkv: (B, T, 3C) -> three (B, nh, T, hs)
  auto qkv = qkv_->forward(x).view({B, T, 3, heads_, hs}).permute({2, 0, 3, 1, 4});
  auto q = qkv[0], k = qkv[1], v = qkv[2];
  // att: (B, nh, T, T), scaled, causal, softmax over the last axis
  auto att = torch::baddbmm(mask_.index({torch::indexing::Slice(0, T), torch::indexing::Slice(0, T)})
                                .unsqueeze(0),
                            q.reshape({B * heads_, T, hs}),
                            k.reshape({B * heads_, T, hs}).transpose(1, 2),
                            /*beta=*/1.0, /*alpha=*/1.0 / std::sqrt(static_cast<double>(hs)));
  att = torch::softmax(att, -1);
  // y: (B*nh, T, hs) -> (B, T, C)
  auto y = torch::bmm(att, v.reshape({B * heads_, T, hs}));
  y = y.view({B, heads_, T, hs}).transpose(1, 2).reshape({B, T, C});
  return proj_->forward(y);
}

BlockImpl::BlockImpl(const ModelConfig& cfg) {
  const int64_t c = cfg.d_model;
  ln1_ = register_module("ln1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c})));
  attn_ = register_module("attn", CausalSelfAttention(cfg));
  ln2_ = register_module("ln2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c})));
  up_ = register_module("up", torch::nn::Linear(c, 4 * c));
  down_ = register_module("down", torch::nn::Linear(4 * c, c));
}

torch::Tensor BlockImpl::forward(torch::Tensor x) {
  x = x + attn_->forward(ln1_->forward(x));
  // MLP: (B, T, C) -> (B, T, 4C) -> GELU (tanh form) -> (B, T, C)
  x = x + down_->forward(F::gelu(up_->forward(ln2_->forward(x)),
                                 F::GELUFuncOptions().approximate("tanh")));
  return x;
}

GPTImpl::GPTImpl(const ModelConfig& cfg) : cfg_(cfg) {
  tok_ = register_module("tok", torch::nn::Embedding(cfg.vocab_size, cfg.d_model));
  pos_ = register_module("pos", torch::nn::Embedding(cfg.context, cfg.d_model));
  blocks_ = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < cfg.layers; ++i) blocks_->push_back(Block(cfg));
  ln_f_ = register_module("ln_f", torch::nn::LayerNorm(torch::nn::LayerNormOptions({cfg.d_model})));

  // GPT-2 initialisation: N(0, 0.02) for weights, zero biases, residual projections scaled
  // down by sqrt(2 * layers).
  torch::NoGradGuard no_grad;
  const double resid_std = 0.02 / std::sqrt(2.0 * static_cast<double>(cfg.layers));
  for (auto& p : named_parameters()) {
    const std::string& name = p.key();
    torch::Tensor& t = p.value();
    if (name.find("ln") != std::string::npos) continue;  // LayerNorm keeps ones and zeros
    if (name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0) {
      t.zero_();
    } else if (name.find("proj.weight") != std::string::npos ||
               name.find("down.weight") != std::string::npos) {
      t.normal_(0.0, resid_std);
    } else {
      t.normal_(0.0, 0.02);
    }
  }
}

torch::Tensor GPTImpl::forward(const torch::Tensor& idx) {
  const int64_t T = idx.size(1);
  auto pos = torch::arange(T, torch::TensorOptions().dtype(torch::kLong).device(idx.device()));
  auto x = tok_->forward(idx) + pos_->forward(pos);  // (B, T, C)
  for (const auto& block : *blocks_) x = block->as<Block>()->forward(x);
  x = ln_f_->forward(x);
  return torch::matmul(x, tok_->weight.t());  // tied head: (B, T, V)
}

torch::Tensor GPTImpl::Loss(const torch::Tensor& block) {
  const int64_t T = block.size(1) - 1;
  auto idx = block.narrow(1, 0, T);      // (B, T)
  auto target = block.narrow(1, 1, T);   // (B, T)
  // Under bf16 autocast the logits come out in bfloat16; the softmax and the loss are taken in
  // fp32 (to() returns the same tensor when they already are).
  auto logits = forward(idx).to(torch::kFloat);  // (B, T, V)
  return F::cross_entropy(logits.reshape({-1, logits.size(-1)}), target.reshape({-1}));
}

std::vector<std::pair<std::string, torch::Tensor>> OrderedParameters(torch::nn::Module& m) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (auto& p : m.named_parameters(/*recurse=*/true)) out.emplace_back(p.key(), p.value());
  return out;
}

}  // namespace loconet
