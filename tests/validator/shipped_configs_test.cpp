// The example configs in configs/ stay in step with the loaders: every key in them is known.
#include <catch2/catch.hpp>

#include "core/config.h"
#include "miner/config.h"
#include "trainer/training.h"
#include "validator/config.h"

using namespace loconet;

TEST_CASE("the shipped validator config loads", "[validator]") {
  auto v = LoadValidatorConfig(std::string(LOCONET_SOURCE_DIR) + "/configs/validator.toml");
  INFO(v.status().ToString());
  REQUIRE(v.ok());
  CHECK(v->curve);
  CHECK(v->codec.name == "int8");
  // The tuned settings (docs/benchmarks.md, docs/incentives.md) are the code's defaults too, so
  // a validator without them in its config runs the same network.
  const ValidatorConfig defaults;
  CHECK(v->measure == "leave_one_out");
  CHECK(v->measure == defaults.measure);
  CHECK(v->outer_lr == defaults.outer_lr);
  CHECK(v->outer_momentum == defaults.outer_momentum);
  CHECK(v->score_cap == defaults.score_cap);
  CHECK(v->work_cap == defaults.work_cap);
  // The per-miner batch of the sweep (docs/benchmarks.md, "The per-worker batch"), with the
  // scoring's rows kept apart from it.
  CHECK(v->batch == 4);
  CHECK(v->batch == defaults.batch);
  CHECK(v->local_steps == defaults.local_steps);
  CHECK(v->eval_rows() == 16);
}

TEST_CASE("the shipped miner config needs only the validator's key filled in", "[validator]") {
  auto m = LoadMinerConfig(std::string(LOCONET_SOURCE_DIR) + "/configs/miner.toml");
  REQUIRE_FALSE(m.ok());
  CHECK(m.status().code() == Code::kConfigError);
  CHECK(m.status().message().find("miner.validator_key") != std::string::npos);
}

TEST_CASE("the shipped miner config trains with the code's inner schedule", "[validator]") {
  // The shipped file cannot load as a whole before its validator key is filled in (above), so
  // its [train] keys are read as they are and compared with what a miner without them runs.
  auto c = Config::LoadFile(std::string(LOCONET_SOURCE_DIR) + "/configs/miner.toml");
  REQUIRE(c.ok());
  const MinerConfig defaults;
  CHECK(c->Real("train.lr", -1, 0, 1) == defaults.schedule.peak);
  CHECK(defaults.schedule.peak == 6e-3);  // the inner-schedule sweep's best (docs/benchmarks.md)
  CHECK(c->Real("train.min_lr_ratio", -1, 0, 1) == defaults.schedule.min_ratio);
  CHECK(c->Int("train.warmup_steps", -1, 0, 1000000) == defaults.schedule.warmup_steps);
}

TEST_CASE("the shipped training configs load with the tuned settings", "[validator]") {
  const std::string dir = std::string(LOCONET_SOURCE_DIR) + "/configs/";
  for (const char* name : {"train-nano.toml", "compression-micro.toml"}) {
    auto loaded = LoadTrainOptions(dir + name);
    INFO(name << ": " << loaded.status().ToString());
    CHECK(loaded.ok());
  }
  // The single node at its best at the network benchmark's budget (docs/benchmarks.md, "The
  // per-worker batch"): 1,200 steps of 8 rows at peak lr 3e-3.
  auto single = LoadTrainOptions(dir + "train-micro.toml");
  INFO(single.status().ToString());
  REQUIRE(single.ok());
  CHECK(single->batch == 8);
  CHECK(single->schedule.peak == 3e-3);
  CHECK(single->steps * single->batch * single->model.context == 1228800);
  // The DiLoCo example simulates the rounds the shipped validator asks of its miners, with the
  // miners' inner lr and the validators' outer step.
  auto diloco = LoadTrainOptions(dir + "diloco-micro.toml");
  INFO(diloco.status().ToString());
  REQUIRE(diloco.ok());
  auto validator = LoadValidatorConfig(dir + "validator.toml");
  REQUIRE(validator.ok());
  CHECK(diloco->workers == 4);
  CHECK(diloco->batch == static_cast<int64_t>(validator->batch));
  CHECK(diloco->local_steps == static_cast<int64_t>(validator->local_steps));
  CHECK(diloco->outer_lr == validator->outer_lr);
  CHECK(diloco->outer_momentum == validator->outer_momentum);
  CHECK(diloco->schedule.peak == MinerConfig().schedule.peak);
  CHECK(diloco->eval_batch == static_cast<int64_t>(validator->heldout_batch));
}
