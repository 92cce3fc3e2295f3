#include "trainer/outer_optimizer.h"

namespace loconet {

void OuterNesterov::Step(const std::vector<torch::Tensor>& params,
                         const std::vector<torch::Tensor>& deltas) {
  TORCH_CHECK(params.size() == deltas.size(), "OuterNesterov: params and deltas differ in count");
  torch::NoGradGuard no_grad;
  if (buffers_.empty()) {
    for (const auto& d : deltas) buffers_.push_back(torch::zeros_like(d));
  }
  for (size_t i = 0; i < params.size(); ++i) {
    buffers_[i].mul_(momentum_).add_(deltas[i]);
    params[i].sub_(deltas[i].add(buffers_[i], momentum_), lr_);
  }
}

}  // namespace loconet
