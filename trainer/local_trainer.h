// One model and its inner AdamW optimizer. A step reads top to bottom: forward, loss, check,
// backward, clip, step. Not thread-safe; one thread drives one LocalTrainer.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <vector>

#include "core/status.h"
#include "trainer/gpt.h"
#include "trainer/precision.h"
#include "trainer/schedule.h"

namespace loconet {

namespace parallel {
class Group;
}

struct InnerOptions {
  LrSchedule schedule;
  double weight_decay = 0.1;
  double beta1 = 0.9;
  double beta2 = 0.95;
  double grad_clip = 1.0;
  Precision precision = Precision::kFp32;  // of the forward pass; see trainer/precision.h
};

class LocalTrainer {
 public:
  LocalTrainer(GPT model, const InnerOptions& options);

  // One AdamW step on a (B, T+1) int64 block. Returns the loss before the step. A non-finite
  // loss or gradient norm returns kNonFiniteLoss and leaves parameters and optimizer untouched.
  // With a data-parallel group, `block` is this rank's rows of the group's batch: one all-reduce
  // averages the gradients and the loss over the ranks before the clip, so every rank takes the
  // same step (the step of one trainer on the whole batch) and returns the group's mean loss; a
  // non-finite loss on any rank stops every rank at the same step.
  Result<double> Step(const torch::Tensor& block, parallel::Group* group = nullptr);

  // The loss of `block` for a training step: under the configured precision's autocast.
  torch::Tensor TrainingLoss(const torch::Tensor& block);

  // Mean loss over the blocks, without gradients (always fp32).
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

// Rank `rank`'s (batch, width) block of `rows`: a data-parallel group's batch of world x batch
// rows of `width` tokens, of which each rank trains the rank-th `batch` (a copy).
torch::Tensor RankBlock(const std::vector<int64_t>& rows, int64_t batch, int64_t width,
                        int64_t rank);

// Mean loss of `model` over the blocks, without gradients.
double EvaluateLoss(GPT& model, const std::vector<torch::Tensor>& blocks);

}  // namespace loconet
