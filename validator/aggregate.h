// Update arithmetic that validators must agree on bit for bit: norms, sketches for the copy
// check, and the aggregate step. Every reduction here is a plain loop over fp32 values in a
// fixed order with a double accumulator, so the result depends neither on LibTorch's thread
// count nor on how its kernels split or vectorise work. Callers pass updates sorted by miner key.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "core/hash.h"
#include "trainer/gpt.h"
#include "trainer/outer_optimizer.h"

namespace loconet {

using Update = std::vector<torch::Tensor>;  // one fp32 contiguous tensor per parameter

// Global L2 norm over every tensor of an update (or of a model's parameters).
double UpdateNorm(const Update& update);

// Median of the norms (the lower middle value for an even count); 0 for none.
double MedianNorm(const std::vector<double>& norms);

// The coordinates a round's sketches sample: `count` flat indices below `total`, drawn from
// `seed` (the round's secret, so a miner cannot aim at or away from them), sorted.
std::vector<uint64_t> SketchCoordinates(const Hash256& seed, uint64_t total, uint32_t count);

// The update's values at `coords` (flat indices over the concatenated tensors).
std::vector<float> Sketch(const Update& update, const std::vector<uint64_t>& coords);

// Cosine similarity of two equally long vectors; 0 if either is zero.
double SketchCosine(const std::vector<float>& a, const std::vector<float>& b);
// Cosine over all tensors of two updates; 0 if either is zero.
double UpdateCosine(const Update& a, const Update& b);

// Sums clipped updates one at a time (memory: one double buffer per parameter) and turns the
// mean into the step every node applies. Add updates in miner-key order.
class Aggregator {
 public:
  explicit Aggregator(const Update& like);
  // Adds `update` scaled down to at most `clip_norm` (no clipping if clip_norm <= 0).
  void Add(const Update& update, double clip_norm);
  size_t count() const { return count_; }
  // The mean of what was added (fp32, canonical order). count() must be > 0.
  Update Mean() const;
  // The mean of what was added except `update`, which must have been added with the same
  // `clip_norm`: (sum - clipped update) / (count - 1); zeros when it was the only one.
  Update MeanWithout(const Update& update, double clip_norm) const;

 private:
  double Scale(const Update& update, double clip_norm) const;
  std::vector<std::vector<double>> sum_;
  std::vector<std::vector<int64_t>> shapes_;
  size_t count_ = 0;
};

// params[i] += d[i], element by element (the published step; every node applies the same).
void ApplyDelta(const std::vector<torch::Tensor>& params, const Update& d);

// Applies the outer step to a copy of the model's parameters and returns
// d = theta_new - theta_old per tensor; the caller adds d to the model. Deterministic.
Update OuterStepDelta(GPT& model, const Update& mean, OuterNesterov& outer);

}  // namespace loconet
