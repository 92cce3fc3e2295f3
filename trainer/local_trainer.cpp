#include "trainer/local_trainer.h"

#include "parallel/group.h"

#include <cmath>
#include <sstream>

namespace loconet {

LocalTrainer::LocalTrainer(GPT model, const InnerOptions& options)
    : model_(std::move(model)), options_(options) {
  // Weight decay on matrices and embeddings only; biases and LayerNorm parameters are exempt.
  std::vector<torch::Tensor> decay, no_decay;
  for (auto& p : model_->named_parameters()) {
    params_.push_back(p.value());
    (p.value().dim() >= 2 ? decay : no_decay).push_back(p.value());
  }
  auto opts = torch::optim::AdamWOptions(options.schedule.peak)
                  .betas({options.beta1, options.beta2})
                  .eps(1e-8)
                  .weight_decay(options.weight_decay);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, std::make_unique<torch::optim::AdamWOptions>(opts));
  auto nd = opts;
  nd.weight_decay(0.0);
  groups.emplace_back(no_decay, std::make_unique<torch::optim::AdamWOptions>(nd));
  optimizer_ = std::make_unique<torch::optim::AdamW>(std::move(groups), opts);
}

Result<double> LocalTrainer::Step(const torch::Tensor& block, parallel::Group* group) {
  const double lr = options_.schedule.At(step_);
  for (auto& g : optimizer_->param_groups()) {
    static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
  }
  optimizer_->zero_grad();
  auto loss = TrainingLoss(block);
  double value = 0;
  if (group == nullptr) {
    value = loss.item<double>();
    if (!std::isfinite(value)) {
      std::ostringstream msg;
      msg << "loss is " << value << " at step " << step_ << "; training stopped before the update";
      return Error(Code::kNonFiniteLoss, msg.str());
    }
    loss.backward();
  } else {
    // Every rank reaches the all-reduce, whatever its own loss: a rank that stopped early would
    // leave the others waiting.
    loss.backward();
    std::vector<torch::Tensor> shared;
    for (const auto& p : params_) {
      if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
      shared.push_back(p.grad());
    }
    torch::Tensor mean_loss = loss.detach().reshape({1}).to(torch::kFloat).clone();
    shared.push_back(mean_loss);
    LOCONET_RETURN_IF_ERROR(group->Average(shared).WithContext("step " + std::to_string(step_)));
    value = mean_loss.item<double>();
    if (!std::isfinite(value)) {
      optimizer_->zero_grad();
      std::ostringstream msg;
      msg << "the group's mean loss is " << value << " at step " << step_
          << "; training stopped before the update";
      return Error(Code::kNonFiniteLoss, msg.str());
    }
  }
  const double norm = torch::nn::utils::clip_grad_norm_(params_, options_.grad_clip);
  if (!std::isfinite(norm)) {
    optimizer_->zero_grad();
    std::ostringstream msg;
    msg << "gradient norm is " << norm << " at step " << step_
        << "; training stopped before the update";
    return Error(Code::kNonFiniteLoss, msg.str());
  }
  optimizer_->step();
  ++step_;
  return value;
}

torch::Tensor LocalTrainer::TrainingLoss(const torch::Tensor& block) {
  AutocastScope autocast(options_.precision);
  return model_->Loss(block);
}

torch::Tensor RankBlock(const std::vector<int64_t>& rows, int64_t batch, int64_t width,
                        int64_t rank) {
  const int64_t offset = rank * batch * width;
  return torch::from_blob(const_cast<int64_t*>(rows.data()) + offset, {batch, width}, torch::kLong)
      .clone();
}

double EvaluateLoss(GPT& model, const std::vector<torch::Tensor>& blocks) {
  torch::NoGradGuard no_grad;
  double sum = 0;
  for (const auto& b : blocks) sum += model->Loss(b).item<double>();
  return blocks.empty() ? 0.0 : sum / static_cast<double>(blocks.size());
}

double LocalTrainer::Evaluate(const std::vector<torch::Tensor>& blocks) {
  return EvaluateLoss(model_, blocks);
}

}  // namespace loconet
