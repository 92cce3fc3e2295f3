// The DiLoCo outer optimizer: SGD with Nesterov momentum on pseudo-gradients
// (delta = theta_start - theta_after_local_steps). Same update as torch.optim.SGD(nesterov=True):
//   buf <- momentum * buf + delta;  theta <- theta - lr * (delta + momentum * buf)
// Single-threaded; the caller owns the parameters.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace loconet {

class OuterNesterov {
 public:
  OuterNesterov(double lr = 0.7, double momentum = 0.9) : lr_(lr), momentum_(momentum) {}

  // params[i] -= update computed from deltas[i]; both lists in the same canonical order.
  void Step(const std::vector<torch::Tensor>& params, const std::vector<torch::Tensor>& deltas);

  // Momentum buffers (empty before the first step), for checkpoints.
  std::vector<torch::Tensor>& buffers() { return buffers_; }
  double lr() const { return lr_; }
  double momentum() const { return momentum_; }

 private:
  double lr_, momentum_;
  std::vector<torch::Tensor> buffers_;
};

}  // namespace loconet
