// Deterministic aggregation: the same bytes whatever the thread count and arrival order.
#include "validator/aggregate.h"

#include <catch2/catch.hpp>

#include "core/bytes.h"
#include "tests/trainer/fixture.h"
#include "trainer/params.h"
#include "trainer/wire.h"

using namespace loconet;

namespace {

ModelConfig Small() { return loconet::testing::TinyModel("small", 128, 32, 64, 2, 4); }

Update RandomUpdate(GPT& model, uint64_t seed, double scale) {
  torch::manual_seed(seed);
  Update u;
  for (auto& p : model->parameters()) u.push_back(torch::randn_like(p) * scale);
  return u;
}

// `count` random updates of growing scale (seeds from `seed`), and their norms.
std::vector<Update> Updates(GPT& model, uint64_t count, uint64_t seed, std::vector<double>* norms) {
  std::vector<Update> updates;
  for (uint64_t i = 0; i < count; ++i) {
    updates.push_back(RandomUpdate(model, seed + i, 1e-2 * static_cast<double>(i + 1)));
    norms->push_back(UpdateNorm(updates.back()));
  }
  return updates;
}

// The model bytes after one aggregate step of `updates` (in the given order) on a fresh model.
Bytes StepBytes(const std::vector<Update>& updates, double clip) {
  torch::manual_seed(1);
  GPT model(Small());
  OuterNesterov outer(0.7, 0.9);
  for (int round = 0; round < 2; ++round) {  // two rounds: momentum is exercised too
    Aggregator sum(ParameterList(*model));
    for (const auto& u : updates) sum.Add(u, clip);
    ApplyDelta(ParameterList(*model), OuterStepDelta(model, sum.Mean(), outer));
  }
  return ParameterBytes(*model);
}

}  // namespace

TEST_CASE("the aggregate step is bit-identical across thread counts", "[validator]") {
  torch::manual_seed(1);
  GPT shape(Small());
  std::vector<double> norms;
  const std::vector<Update> updates = Updates(shape, 5, 10, &norms);
  const int before = torch::get_num_threads();
  torch::set_num_threads(1);
  const double norm1 = UpdateNorm(updates[0]);
  Bytes one = StepBytes(updates, MedianNorm(norms));
  torch::set_num_threads(2);
  const double norm2 = UpdateNorm(updates[0]);
  Bytes two = StepBytes(updates, MedianNorm(norms));
  torch::set_num_threads(before);
  CHECK(norm1 == norm2);
  CHECK(one == two);
  // And it is a real step: the model moved.
  torch::manual_seed(1);
  GPT fresh(Small());
  CHECK(ParameterBytes(*fresh) != one);
}

TEST_CASE("clipping bounds each update's weight in the mean", "[validator]") {
  torch::manual_seed(1);
  GPT model(Small());
  Update small = RandomUpdate(model, 1, 1e-3);
  Update huge = RandomUpdate(model, 2, 1e3);
  Aggregator sum(ParameterList(*model));
  sum.Add(small, UpdateNorm(small));
  sum.Add(huge, UpdateNorm(small));
  CHECK(UpdateNorm(sum.Mean()) <= UpdateNorm(small) * 1.0001);
}

TEST_CASE("the mean without one update is the mean of the others", "[validator]") {
  torch::manual_seed(1);
  GPT model(Small());
  std::vector<double> norms;
  const std::vector<Update> updates = Updates(model, 4, 20, &norms);
  const double clip = MedianNorm(norms);  // the larger two are clipped
  Aggregator all(ParameterList(*model));
  for (const auto& u : updates) all.Add(u, clip);
  for (size_t i = 0; i < updates.size(); ++i) {
    Aggregator others(ParameterList(*model));
    for (size_t j = 0; j < updates.size(); ++j) {
      if (j != i) others.Add(updates[j], clip);
    }
    const Update a = all.MeanWithout(updates[i], clip);
    const Update b = others.Mean();
    INFO("without update " << i);
    for (size_t t = 0; t < a.size(); ++t) CHECK(torch::allclose(a[t], b[t], 1e-5, 1e-8));
  }
  Aggregator one(ParameterList(*model));
  one.Add(updates[0], clip);
  CHECK(UpdateNorm(one.MeanWithout(updates[0], clip)) == 0);
}
