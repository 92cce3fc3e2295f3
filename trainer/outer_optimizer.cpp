#include "trainer/outer_optimizer.h"

namespace loconet {

namespace {

// buf <- m * buf + d;  p <- p - lr * (d + m * buf), element by element in T.
template <typename T>
void NesterovLoop(T* p, T* buf, const T* d, int64_t n, T lr, T momentum) {
  for (int64_t j = 0; j < n; ++j) {
    const T b = momentum * buf[j] + d[j];
    buf[j] = b;
    const T step = d[j] + momentum * b;
    p[j] = p[j] - lr * step;
  }
}

}  // namespace

// As plain loops rather than LibTorch kernels: the same bytes whatever the thread count or
// kernel choice, because validators must re-derive each other's steps exactly.
void OuterNesterov::Step(const std::vector<torch::Tensor>& params,
                         const std::vector<torch::Tensor>& deltas) {
  TORCH_CHECK(params.size() == deltas.size(), "OuterNesterov: params and deltas differ in count");
  torch::NoGradGuard no_grad;
  if (buffers_.empty()) {
    for (const auto& p : params) buffers_.push_back(torch::zeros_like(p).contiguous());
  }
  for (size_t i = 0; i < params.size(); ++i) {
    const auto type = params[i].scalar_type();
    TORCH_CHECK(params[i].is_contiguous() && (type == torch::kFloat || type == torch::kDouble),
                "OuterNesterov: parameters must be contiguous fp32 or fp64");
    if (!buffers_[i].is_contiguous() || buffers_[i].scalar_type() != type) {
      buffers_[i] = buffers_[i].to(type).contiguous();
    }
    torch::Tensor delta = deltas[i].to(type).contiguous();
    const int64_t n = params[i].numel();
    TORCH_CHECK(delta.numel() == n && buffers_[i].numel() == n, "OuterNesterov: sizes differ");
    if (type == torch::kFloat) {
      NesterovLoop<float>(params[i].data_ptr<float>(), buffers_[i].data_ptr<float>(),
                          delta.data_ptr<float>(), n, static_cast<float>(lr_),
                          static_cast<float>(momentum_));
    } else {
      NesterovLoop<double>(params[i].data_ptr<double>(), buffers_[i].data_ptr<double>(),
                           delta.data_ptr<double>(), n, lr_, momentum_);
    }
  }
}

}  // namespace loconet
