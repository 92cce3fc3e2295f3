// Scoring and aggregation of one round's accepted updates.
//
// Score: the relative held-out improvement of theta' = theta - eval_lr * update over theta, on
// held-out blocks chosen by the round's secret seed. Aggregation: every update clipped to the
// round's median L2 norm, averaged, then the outer Nesterov step; the published change
// d = theta_new - theta_old is what every node adds to theta_old, so all reach the same bytes.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "trainer/gpt.h"
#include "trainer/outer_optimizer.h"

namespace loconet {

// Global L2 norm over every tensor of an update.
double UpdateNorm(const std::vector<torch::Tensor>& update);

// Cosine similarity of two updates over all their tensors; 0 if either is zero.
double UpdateCosine(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b);

// Median of the norms (the lower middle value for an even count); 0 for none.
double MedianNorm(const std::vector<double>& norms);

// Relative improvement (L(theta) - L(theta')) / L(theta) of each update on `blocks`.
// `base_loss` receives L(theta). `model` is left as it was.
std::vector<double> HeldOutImprovements(GPT& model, const std::vector<std::vector<torch::Tensor>>& updates,
                                        double eval_lr, const std::vector<torch::Tensor>& blocks,
                                        double* base_loss);

// Clips each update to `clip_norm` (if > 0), averages them, applies the outer step to a copy of
// the parameters and returns d = theta_new - theta_old per tensor; the caller adds d to the
// model. `updates` must not be empty.
std::vector<torch::Tensor> AggregateStep(GPT& model, const std::vector<std::vector<torch::Tensor>>& updates,
                                         double clip_norm, OuterNesterov& outer);

}  // namespace loconet
