// MeasureUpdates: a round's updates measured on several worker threads give the same bits as on
// one, leave the model and torch's generator as they were, and report the first bad update.
#include "validator/score_workers.h"

#include <catch2/catch.hpp>

#include <cstring>

#include "datasets/shard.h"
#include "tests/temp_dir.h"
#include "tests/trainer/fixture.h"
#include "trainer/params.h"
#include "trainer/threads.h"

using namespace loconet;
using loconet::testing::TempDir;

namespace {

PublicKey K(uint8_t n) {
  std::array<uint8_t, 32> seed{};
  seed[0] = n;
  return Identity::FromSeed(seed).public_key();
}

// Update i: a small, different random direction per miner (the measurement's cost and
// arithmetic do not depend on how the update was made).
Update RandomUpdate(GPT& model, int i) {
  torch::manual_seed(1000 + i);
  Update u;
  for (const auto& p : ParameterList(*model)) u.push_back(torch::randn_like(p) * 1e-3);
  return u;
}

}  // namespace

TEST_CASE("updates measured on two workers match one worker bit for bit", "[validator]") {
  TempDir dir;
  REQUIRE(loconet::testing::WriteSyntheticCorpus(dir.path(), 3000, 600));
  auto train = datasets::ShardReader::Open(dir / "train.shard");
  auto heldout = datasets::ShardReader::Open(dir / "heldout.shard");
  REQUIRE(train.ok());
  REQUIRE(heldout.ok());
  ConfigureCompute(2);
  const ModelConfig mc = loconet::testing::TinyModel("t", 256, 32, 32, 2, 2);
  torch::manual_seed(7);
  GPT model(mc);
  const Hash256 before = ModelHash(*model);

  RoundEvaluation ev;
  std::vector<uint64_t> eval_pages = {0, 3, 5, 8, 13};
  auto blocks = DrawBlocks(*train, eval_pages, 4, mc.context, 42, 6);
  REQUIRE(blocks.ok());
  ev.blocks = *blocks;
  auto held = DrawBlocks(*heldout, {0, 1}, 4, mc.context, 43, 6);
  REQUIRE(held.ok());
  ev.heldout_blocks = *held;
  ev.check.train = &*train;
  ev.check.round_seed.bytes[0] = 9;
  ev.check.secret.bytes[0] = 10;
  ev.check.pages_per_miner = 4;
  ev.check.data_pages = 4;
  ev.check.data_batches = 4;
  ev.check.batch = 4;
  ev.check.context = mc.context;

  std::vector<Update> updates;
  for (int i = 0; i < 7; ++i) updates.push_back(RandomUpdate(model, i));
  std::vector<PendingUpdate> pending;
  for (int i = 0; i < 7; ++i) {
    pending.push_back({K(static_cast<uint8_t>(i + 1)), static_cast<uint32_t>(i),
                       [&updates, i](GPT&) -> Result<Update> { return updates[i]; }});
  }
  torch::manual_seed(5);
  auto one = MeasureUpdates(model, pending, ev, 1);
  const double draw_after_one = torch::rand({1}).item<double>();
  torch::manual_seed(5);
  auto two = MeasureUpdates(model, pending, ev, 2);
  const double draw_after_two = torch::rand({1}).item<double>();
  REQUIRE(one.ok());
  REQUIRE(two.ok());
  // The copies for the second worker drew nothing from torch's generator.
  CHECK(draw_after_one == draw_after_two);
  CHECK(ModelHash(*model) == before);
  // The caller's thread plan is back.
  CHECK(CurrentThreadPlan().blas_threads == 2);
  CHECK(one->base_losses == two->base_losses);
  REQUIRE(one->measured.size() == 7);
  REQUIRE(two->measured.size() == 7);
  for (size_t i = 0; i < 7; ++i) {
    INFO("update " << i);
    const Measured& a = one->measured[i];
    const Measured& b = two->measured[i];
    CHECK(a.miner == b.miner);
    CHECK(a.order == i);
    CHECK(std::memcmp(&a.improvement, &b.improvement, sizeof(double)) == 0);
    CHECK(std::memcmp(&a.own_gain, &b.own_gain, sizeof(double)) == 0);
    CHECK(std::memcmp(&a.random_gain, &b.random_gain, sizeof(double)) == 0);
    CHECK(std::memcmp(&a.contamination_z, &b.contamination_z, sizeof(double)) == 0);
    CHECK(a.verdict == b.verdict);
    CHECK(a.improvement != 0);
  }
  // Different updates measure differently (the results are not one value repeated).
  CHECK(one->measured[0].improvement != one->measured[1].improvement);

  SECTION("the first update that does not decode is the error, on any number of workers") {
    pending[2].decode = [](GPT&) -> Result<Update> {
      return Error(Code::kDecodeError, "update 2 is garbage");
    };
    pending[5].decode = [](GPT&) -> Result<Update> {
      return Error(Code::kShapeMismatch, "update 5 has the wrong shapes");
    };
    for (int workers : {1, 2, 3}) {
      auto r = MeasureUpdates(model, pending, ev, workers);
      REQUIRE_FALSE(r.ok());
      CHECK(r.status().code() == Code::kDecodeError);
      CHECK(ModelHash(*model) == before);
    }
  }
  SECTION("no updates: only the base losses") {
    auto r = MeasureUpdates(model, {}, ev, 2);
    REQUIRE(r.ok());
    CHECK(r->measured.empty());
    CHECK(r->base_losses == one->base_losses);
  }
}

namespace {

// The gradient of the mean loss over `blocks` at the model's parameters.
Update Gradient(GPT& model, const std::vector<torch::Tensor>& blocks) {
  model->zero_grad();
  torch::Tensor loss = torch::zeros({});
  for (const auto& b : blocks) loss = loss + model->Loss(b);
  (loss / static_cast<double>(blocks.size())).backward();
  Update g;
  for (const auto& p : ParameterList(*model)) g.push_back(p.grad().detach().clone().contiguous());
  model->zero_grad();
  return g;
}

Update Scaled(const Update& u, double s, const Update& noise = {}, double noise_scale = 0) {
  Update out;
  for (size_t i = 0; i < u.size(); ++i) {
    torch::Tensor t = u[i] * s;
    if (!noise.empty()) t = t + noise[i] * noise_scale;
    out.push_back(t.contiguous());
  }
  return out;
}

double MeanOf(const std::vector<double>& x) {
  double total = 0;
  for (double v : x) total += v;
  return total / static_cast<double>(x.size());
}

}  // namespace

TEST_CASE("leave-one-out contributions: what each update adds to the round's mean",
          "[validator]") {
  TempDir dir;
  REQUIRE(loconet::testing::WriteSyntheticCorpus(dir.path(), 3000, 600));
  auto train = datasets::ShardReader::Open(dir / "train.shard");
  REQUIRE(train.ok());
  ConfigureCompute(2);
  const ModelConfig mc = loconet::testing::TinyModel("t", 256, 32, 32, 2, 2);
  torch::manual_seed(7);
  GPT model(mc);
  auto blocks = DrawBlocks(*train, {0, 3, 5, 8, 13}, 4, mc.context, 42, 6);
  REQUIRE(blocks.ok());
  const Hash256 before = ModelHash(*model);
  // Three updates that descend the evaluation loss (each with its own noise) and one that
  // climbs it as much: the climbing one takes from the mean, the others add to it.
  const Update g = Gradient(model, *blocks);
  std::vector<Update> updates;
  for (int i = 0; i < 3; ++i) updates.push_back(Scaled(g, 0.5, RandomUpdate(model, i), 0.2));
  updates.push_back(Scaled(g, -0.5));
  std::vector<PendingUpdate> pending;
  for (int i = 0; i < 4; ++i) {
    pending.push_back({K(static_cast<uint8_t>(i + 1)), static_cast<uint32_t>(i),
                       [&updates, i](GPT&) -> Result<Update> { return updates[i]; }});
  }
  const double clip = 1e9;  // no clipping
  const double base = MeanOf(BlockLosses(model, *blocks));
  auto one = MeasureContributions(model, pending, *blocks, base, 1.0, clip, 1);
  auto two = MeasureContributions(model, pending, *blocks, base, 1.0, clip, 2);
  REQUIRE(one.ok());
  REQUIRE(two.ok());
  REQUIRE(one->size() == 4);
  CHECK(std::memcmp(one->data(), two->data(), 4 * sizeof(double)) == 0);
  CHECK(ModelHash(*model) == before);
  CHECK(CurrentThreadPlan().blas_threads == 2);
  for (int i = 0; i < 3; ++i) CHECK((*one)[i] > 0);
  CHECK((*one)[3] < 0);

  // Each value is (L(theta - m_-i) - L(theta - m)) / L(theta), computed here directly.
  Aggregator all(updates[0]);
  for (const Update& u : updates) all.Add(u, clip);
  const double full = MeanOf(LossesAfter(model, all.Mean(), 1.0, *blocks));
  for (int i = 0; i < 4; ++i) {
    Aggregator others(updates[0]);
    for (int j = 0; j < 4; ++j) {
      if (j != i) others.Add(updates[j], clip);
    }
    const double without = MeanOf(LossesAfter(model, others.Mean(), 1.0, *blocks));
    INFO("update " << i);
    CHECK((*one)[i] == Approx((without - full) / base).epsilon(1e-3));
  }

  SECTION("a single update's contribution is its improvement alone") {
    auto single = MeasureContributions(model, {pending[0]}, *blocks, base, 1.0, clip, 2);
    REQUIRE(single.ok());
    const BlockGains alone =
        MeasureOnBlocks(model, updates[0], 1.0, *blocks, BlockLosses(model, *blocks));
    CHECK((*single)[0] == Approx(alone.improvement).epsilon(1e-6));
    CHECK(alone.improvement > 0);
  }
  SECTION("an update that does not decode is the error") {
    pending[1].decode = [](GPT&) -> Result<Update> {
      return Error(Code::kDecodeError, "update 1 is garbage");
    };
    auto r = MeasureContributions(model, pending, *blocks, base, 1.0, clip, 2);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kDecodeError);
    CHECK(ModelHash(*model) == before);
  }
  SECTION("no updates: no contributions") {
    auto r = MeasureContributions(model, {}, *blocks, base, 1.0, clip, 2);
    REQUIRE(r.ok());
    CHECK(r->empty());
  }
}
