// bf16 autocast of the inner step (trainer/precision.h): refused with a clear error where the CPU
// lacks AVX512-BF16; where it has it, the forward pass runs in bfloat16 while parameters,
// gradients, the loss and AdamW's state stay fp32, training still lowers the loss, and nothing of
// the autocast state leaks out of the step.
#include <ATen/autocast_mode.h>
#include <catch2/catch.hpp>

#include "trainer/local_trainer.h"
#include "trainer/precision.h"
#include "trainer/training.h"
#include "tests/temp_dir.h"
#include "tests/trainer/fixture.h"

#include <fstream>

using namespace loconet;

namespace {

ModelConfig Nano() { return loconet::testing::TinyModel("nano", 64, 32, 64, 2, 2); }

// A block that repeats a short pattern: learnable in a few dozen steps.
torch::Tensor PatternBlock(int64_t batch, int64_t width) {
  auto row = torch::arange(width, torch::kLong).remainder(7) * 3;
  return row.unsqueeze(0).repeat({batch, 1}).contiguous();
}

}  // namespace

TEST_CASE("precision names parse, and unknown names are refused", "[trainer]") {
  CHECK(ParsePrecision("fp32").value() == Precision::kFp32);
  auto bad = ParsePrecision("fp16");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == Code::kInvalidArgument);
  CHECK(bad.status().message().find("fp32, bf16, auto") != std::string::npos);
  CHECK(ParsePrecision("auto").value() == (CpuHasBf16() ? Precision::kBf16 : Precision::kFp32));
  auto bf16 = ParsePrecision("bf16");
  if (CpuHasBf16()) {
    CHECK(bf16.value() == Precision::kBf16);
  } else {
    REQUIRE_FALSE(bf16.ok());
    CHECK(bf16.status().code() == Code::kConfigError);
    CHECK(bf16.status().message().find("AVX512-BF16") != std::string::npos);
  }
  CHECK(std::string(PrecisionName(Precision::kBf16)) == "bf16");
}

TEST_CASE("a bf16 step computes in bfloat16 and keeps fp32 weights and optimizer state",
          "[trainer]") {
  if (!CpuHasBf16()) {
    // Nothing to run here: the previous case checks that bf16 is refused on this CPU.
    WARN("this CPU lacks AVX512-BF16; bf16 steps are refused");
    return;
  }
  torch::manual_seed(3);
  InnerOptions options;
  options.schedule.peak = 3e-3;
  options.schedule.warmup_steps = 0;
  options.schedule.total_steps = 60;
  options.precision = Precision::kBf16;
  LocalTrainer trainer(GPT(Nano()), options);
  const auto block = PatternBlock(8, Nano().context + 1);

  {  // The forward pass under the trainer's autocast produces bfloat16 logits.
    AutocastScope scope(Precision::kBf16);
    CHECK(trainer.model()->forward(block.narrow(1, 0, Nano().context)).scalar_type() ==
          torch::kBFloat16);
  }
  CHECK_FALSE(at::autocast::is_cpu_enabled());
  CHECK(trainer.TrainingLoss(block).scalar_type() == torch::kFloat);

  const double first = trainer.Step(block).value();
  double last = first;
  for (int i = 1; i < 60; ++i) last = trainer.Step(block).value();
  CHECK_FALSE(at::autocast::is_cpu_enabled());  // nothing leaks out of a step
  CHECK(last < 0.5 * first);
  for (const auto& p : trainer.model()->parameters()) {
    CHECK(p.scalar_type() == torch::kFloat);
    REQUIRE(p.grad().defined());
    CHECK(p.grad().scalar_type() == torch::kFloat);
  }
  for (const auto& state : trainer.optimizer().state()) {
    const auto& s = static_cast<const torch::optim::AdamWParamState&>(*state.second);
    CHECK(s.exp_avg().scalar_type() == torch::kFloat);
    CHECK(s.exp_avg_sq().scalar_type() == torch::kFloat);
  }
  // Evaluation stays fp32 whatever the training precision: the same loss as a plain forward.
  torch::NoGradGuard no_grad;
  CHECK(trainer.Evaluate({block}) == trainer.model()->Loss(block).item<double>());
}

TEST_CASE("a training config's precision is read, and a bad one names the key", "[trainer]") {
  loconet::testing::TempDir dir;
  {
    std::ofstream(dir / "model.toml") << "[model]\nname = \"t\"\nvocab_size = 64\ncontext = 16\n"
                                         "d_model = 32\nlayers = 1\nheads = 2\n";
    std::ofstream(dir / "train.toml") << "model = \"model.toml\"\n[train]\nprecision = \"half\"\n";
  }
  auto bad = LoadTrainOptions(dir / "train.toml");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("train.precision") != std::string::npos);
  std::ofstream(dir / "train.toml") << "model = \"model.toml\"\n[train]\nprecision = \"fp32\"\n";
  auto good = LoadTrainOptions(dir / "train.toml");
  REQUIRE(good.ok());
  CHECK(good->precision == Precision::kFp32);
}
