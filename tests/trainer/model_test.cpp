#include <catch2/catch.hpp>

#include "trainer/gpt.h"
#include "trainer/outer_optimizer.h"
#include "trainer/params.h"
#include "trainer/schedule.h"

using namespace loconet;

static ModelConfig Nano() {
  ModelConfig c;
  c.name = "nano";
  c.vocab_size = 64;
  c.context = 16;
  c.d_model = 32;
  c.layers = 2;
  c.heads = 2;
  return c;
}

TEST_CASE("the GPT maps (B, T) tokens to (B, T, V) logits", "[trainer]") {
  torch::manual_seed(0);
  GPT model(Nano());
  auto idx = torch::randint(0, 64, {3, 10}, torch::kLong);
  auto logits = model->forward(idx);
  CHECK(logits.sizes() == std::vector<int64_t>({3, 10, 64}));
  auto loss = model->Loss(torch::randint(0, 64, {3, 17}, torch::kLong));
  CHECK(loss.dim() == 0);
  // An untrained model predicts close to uniformly: loss near ln(V).
  CHECK(loss.item<double>() == Approx(std::log(64.0)).epsilon(0.05));
}

TEST_CASE("the parameter count formula matches the built model", "[trainer]") {
  GPT model(Nano());
  int64_t n = 0;
  for (auto& p : model->parameters()) n += p.numel();
  CHECK(n == Nano().ParameterCount());
  ModelConfig micro;
  micro.vocab_size = 4096;
  micro.context = 128;
  micro.d_model = 128;
  micro.layers = 4;
  micro.heads = 4;
  CHECK(micro.ParameterCount() > 1'200'000);
  CHECK(micro.ParameterCount() < 1'400'000);
}

TEST_CASE("attention is causal: later tokens do not change earlier logits", "[trainer]") {
  torch::manual_seed(1);
  GPT model(Nano());
  torch::NoGradGuard g;
  auto a = torch::randint(0, 64, {1, 12}, torch::kLong);
  auto b = a.clone();
  b.index_put_({0, 11}, (a.index({0, 11}) + 1) % 64);
  auto la = model->forward(a), lb = model->forward(b);
  CHECK(torch::allclose(la.narrow(1, 0, 11), lb.narrow(1, 0, 11)));
  CHECK_FALSE(torch::allclose(la.narrow(1, 11, 1), lb.narrow(1, 11, 1)));
}

TEST_CASE("the model hash depends on every parameter value and nothing else", "[trainer]") {
  torch::manual_seed(2);
  GPT a(Nano());
  torch::manual_seed(2);
  GPT b(Nano());
  CHECK(ModelHash(*a) == ModelHash(*b));
  torch::NoGradGuard g;
  ParameterList(*b).back().add_(1e-6);
  CHECK(ModelHash(*a) != ModelHash(*b));
}

TEST_CASE("the outer Nesterov step matches a hand-computed example", "[trainer]") {
  // lr 0.7, momentum 0.9, theta 1.0.
  // Step 1, delta 0.1: buf = 0.1; update = 0.1 + 0.9 * 0.1 = 0.19; theta = 1 - 0.133 = 0.867.
  // Step 2, delta 0.2: buf = 0.09 + 0.2 = 0.29; update = 0.2 + 0.261 = 0.461;
  //                    theta = 0.867 - 0.3227 = 0.5443.
  OuterNesterov outer(0.7, 0.9);
  auto theta = torch::tensor({1.0}, torch::kDouble);
  outer.Step({theta}, {torch::tensor({0.1}, torch::kDouble)});
  CHECK(theta.item<double>() == Approx(0.867).margin(1e-12));
  outer.Step({theta}, {torch::tensor({0.2}, torch::kDouble)});
  CHECK(theta.item<double>() == Approx(0.5443).margin(1e-12));
  CHECK(outer.buffers()[0].item<double>() == Approx(0.29).margin(1e-12));
}

TEST_CASE("the schedule warms up linearly then decays by cosine to the floor", "[trainer]") {
  LrSchedule s{1.0, 0.1, 10, 110};
  CHECK(s.At(0) == Approx(0.1));
  CHECK(s.At(9) == Approx(1.0));
  CHECK(s.At(60) == Approx(0.55));
  CHECK(s.At(110) == Approx(0.1));
  CHECK(s.At(500) == Approx(0.1));
}
