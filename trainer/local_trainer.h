// One model and its inner AdamW optimizer. A step reads top to bottom: forward, loss, check,
// backward, clip, step. Not thread-safe; one thread drives one LocalTrainer.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <vector>

#include "core/status.h"
#include "trainer/gpt.h"
#include "trainer/schedule.h"

namespace loconet {

struct InnerOptions {
  LrSchedule schedule;
  double weight_decay = 0.1;
  double beta1 = 0.9;
  double beta2 = 0.95;
  double grad_clip = 1.0;
};

class LocalTrainer {
 public:
  LocalTrainer(GPT model, const InnerOptions& options);

  // One AdamW step on a (B, T+1) int64 block. Returns the loss before the step. A non-finite
  // loss or gradient norm returns kNonFiniteLoss and leaves parameters and optimizer untouched.
  Result<double> Step(const torch::Tensor& block);

  // Mean loss over the blocks, without gradients.
  double Evaluate(const std::vector<torch::Tensor>& blocks);

  GPT& model() { return model_; }
  torch::optim::AdamW& optimizer() { return *optimizer_; }
  int64_t step() const { return step_; }
  void set_step(int64_t step) { step_ = step; }

 private:
  GPT model_;
  InnerOptions options_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  std::vector<torch::Tensor> params_;
  int64_t step_ = 0;
};

// Mean loss of `model` over the blocks, without gradients.
double EvaluateLoss(GPT& model, const std::vector<torch::Tensor>& blocks);

}  // namespace loconet
