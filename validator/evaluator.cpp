#include "validator/evaluator.h"

#include <algorithm>
#include <cmath>

#include "trainer/local_trainer.h"
#include "trainer/params.h"

namespace loconet {

double UpdateNorm(const std::vector<torch::Tensor>& update) {
  double sq = 0;
  for (const auto& t : update) sq += t.to(torch::kDouble).pow(2).sum().item<double>();
  return std::sqrt(sq);
}

double UpdateCosine(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    auto x = a[i].to(torch::kDouble), y = b[i].to(torch::kDouble);
    dot += (x * y).sum().item<double>();
    na += x.pow(2).sum().item<double>();
    nb += y.pow(2).sum().item<double>();
  }
  return na > 0 && nb > 0 ? dot / std::sqrt(na * nb) : 0.0;
}

double MedianNorm(const std::vector<double>& norms) {
  if (norms.empty()) return 0;
  std::vector<double> v = norms;
  std::sort(v.begin(), v.end());
  return v[(v.size() - 1) / 2];
}

std::vector<double> HeldOutImprovements(GPT& model,
                                        const std::vector<std::vector<torch::Tensor>>& updates,
                                        double eval_lr, const std::vector<torch::Tensor>& blocks,
                                        double* base_loss) {
  torch::NoGradGuard no_grad;
  const double l0 = EvaluateLoss(model, blocks);
  if (base_loss) *base_loss = l0;
  std::vector<torch::Tensor> params = ParameterList(*model);
  std::vector<torch::Tensor> saved = CloneParameters(*model);
  std::vector<double> out;
  for (const auto& u : updates) {
    for (size_t i = 0; i < params.size(); ++i) params[i].sub_(u[i], eval_lr);
    const double l1 = EvaluateLoss(model, blocks);
    CopyParameters(params, saved);
    out.push_back(std::isfinite(l1) && l0 > 0 ? (l0 - l1) / l0 : -1.0);
  }
  return out;
}

std::vector<torch::Tensor> AggregateStep(GPT& model,
                                         const std::vector<std::vector<torch::Tensor>>& updates,
                                         double clip_norm, OuterNesterov& outer) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> mean;
  for (const auto& u : updates) {
    const double norm = UpdateNorm(u);
    const double scale = clip_norm > 0 && norm > clip_norm ? clip_norm / norm : 1.0;
    for (size_t i = 0; i < u.size(); ++i) {
      if (mean.size() <= i) {
        mean.push_back(u[i] * scale);
      } else {
        mean[i].add_(u[i], scale);
      }
    }
  }
  for (auto& m : mean) m.div_(static_cast<double>(updates.size()));
  std::vector<torch::Tensor> old_params = CloneParameters(*model);
  std::vector<torch::Tensor> next = CloneParameters(*model);
  outer.Step(next, mean);
  std::vector<torch::Tensor> d;
  for (size_t i = 0; i < next.size(); ++i) d.push_back(next[i] - old_params[i]);
  return d;
}

}  // namespace loconet
