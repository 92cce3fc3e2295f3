// The example configs in configs/ stay in step with the loaders: every key in them is known.
#include <catch2/catch.hpp>

#include "core/config.h"
#include "miner/config.h"
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
