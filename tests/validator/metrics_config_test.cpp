// Keys of the validator and miner configs that the loaders check: the metrics keys (off by
// default, loopback unless made public, and the commented examples in configs/ load when
// uncommented), score.measure's values, score.eval_batch's and score.heldout_batch's defaults.
#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "core/keys.h"
#include "miner/config.h"
#include "tests/temp_dir.h"
#include "validator/config.h"

using namespace loconet;
using loconet::testing::TempDir;

namespace {

const std::string kNano = std::string(LOCONET_SOURCE_DIR) + "/configs/models/nano.toml";

std::string Validator(const TempDir& dir, const std::string& extra) {
  const std::string path = dir / "validator.toml";
  std::ofstream(path) << "model = \"" << kNano << "\"\n[validator]\nkey = \"key\"\n" << extra;
  return path;
}

std::string Miner(const TempDir& dir, const std::string& extra) {
  const std::string path = dir / "miner.toml";
  std::ofstream(path) << "model = \"" << kNano << "\"\n[miner]\nkey = \"key\"\nvalidator_key = \""
                      << Identity::Generate().public_key().Hex() << "\"\n"
                      << extra;
  return path;
}

// `file`'s text with its commented metrics lines uncommented and its model path made absolute,
// written to `dir`.
std::string Uncommented(const TempDir& dir, const std::string& file) {
  std::ifstream in(std::string(LOCONET_SOURCE_DIR) + "/configs/" + file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string model = "model = \"models/";
  REQUIRE(text.find(model) != std::string::npos);
  text.replace(text.find(model), model.size(),
               "model = \"" + std::string(LOCONET_SOURCE_DIR) + "/configs/models/");
  int uncommented = 0;
  for (const std::string key : {"# metrics = ", "# metrics_public = "}) {
    const size_t at = text.find(key);
    REQUIRE(at != std::string::npos);
    text.erase(at, 2);
    ++uncommented;
  }
  CHECK(uncommented == 2);
  std::ofstream(dir / file) << text;
  return dir / file;
}

}  // namespace

TEST_CASE("metrics are off unless a metrics address is configured", "[validator]") {
  TempDir dir;
  auto v = LoadValidatorConfig(Validator(dir, ""));
  INFO(v.status().ToString());
  REQUIRE(v.ok());
  CHECK(v->metrics.empty());
  CHECK_FALSE(v->metrics_public);
  auto m = LoadMinerConfig(Miner(dir, ""));
  INFO(m.status().ToString());
  REQUIRE(m.ok());
  CHECK(m->metrics.empty());
}

TEST_CASE("a loopback metrics address loads as written", "[validator]") {
  TempDir dir;
  auto v = LoadValidatorConfig(Validator(dir, "metrics = \"127.0.0.1:9464\"\n"));
  INFO(v.status().ToString());
  REQUIRE(v.ok());
  CHECK(v->metrics == "127.0.0.1:9464");
  auto m = LoadMinerConfig(Miner(dir, "metrics = \"127.0.0.1:0\"\n"));
  INFO(m.status().ToString());
  REQUIRE(m.ok());
  CHECK(m->metrics == "127.0.0.1:0");
}

TEST_CASE("a non-loopback metrics address needs metrics_public, and the error says so",
          "[validator]") {
  TempDir dir;
  auto v = LoadValidatorConfig(Validator(dir, "metrics = \"0.0.0.0:9464\"\n"));
  REQUIRE_FALSE(v.ok());
  CHECK(v.status().code() == Code::kConfigError);
  INFO(v.status().message());
  CHECK(v.status().message().find("validator.toml: key 'validator.metrics'") != std::string::npos);
  CHECK(v.status().message().find("validator.metrics_public = true") != std::string::npos);
  auto m = LoadMinerConfig(Miner(dir, "metrics = \"10.0.0.5:9465\"\n"));
  REQUIRE_FALSE(m.ok());
  CHECK(m.status().message().find("key 'miner.metrics'") != std::string::npos);
  CHECK(m.status().message().find("miner.metrics_public = true") != std::string::npos);

  auto vp =
      LoadValidatorConfig(Validator(dir, "metrics = \"0.0.0.0:9464\"\nmetrics_public = true\n"));
  INFO(vp.status().ToString());
  REQUIRE(vp.ok());
  CHECK(vp->metrics_public);
  auto mp = LoadMinerConfig(Miner(dir, "metrics = \"10.0.0.5:9465\"\nmetrics_public = true\n"));
  INFO(mp.status().ToString());
  CHECK(mp.ok());
}

TEST_CASE("a malformed metrics address is a config error naming the key", "[validator]") {
  TempDir dir;
  for (const std::string bad : {"localhost:9464", "127.0.0.1", "127.0.0.1:99999"}) {
    INFO(bad);
    auto v = LoadValidatorConfig(Validator(dir, "metrics = \"" + bad + "\"\n"));
    REQUIRE_FALSE(v.ok());
    CHECK(v.status().code() == Code::kConfigError);
    CHECK(v.status().message().find("key 'validator.metrics'") != std::string::npos);
    auto m = LoadMinerConfig(Miner(dir, "metrics = \"" + bad + "\"\n"));
    REQUIRE_FALSE(m.ok());
    CHECK(m.status().message().find("key 'miner.metrics'") != std::string::npos);
  }
}

TEST_CASE("the shipped configs' commented metrics examples load when uncommented", "[validator]") {
  TempDir dir;
  auto v = LoadValidatorConfig(Uncommented(dir, "validator.toml"));
  INFO(v.status().ToString());
  REQUIRE(v.ok());
  CHECK(v->metrics == "127.0.0.1:9464");
  CHECK(v->metrics_public);
  // The shipped miner config lacks only the validator's key.
  auto m = LoadMinerConfig(Uncommented(dir, "miner.toml"));
  REQUIRE_FALSE(m.ok());
  CHECK(m.status().message().find("miner.validator_key") != std::string::npos);
  CHECK(m.status().message().find("metrics") == std::string::npos);
}

TEST_CASE("score.measure takes alone or leave_one_out and names itself otherwise", "[validator]") {
  TempDir dir;
  for (const std::string m : {"alone", "leave_one_out"}) {
    auto v = LoadValidatorConfig(Validator(dir, "[score]\nmeasure = \"" + m + "\"\n"));
    INFO(v.status().ToString());
    REQUIRE(v.ok());
    CHECK(v->measure == m);
  }
  auto bad = LoadValidatorConfig(Validator(dir, "[score]\nmeasure = \"shapley\"\n"));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == Code::kConfigError);
  CHECK(bad.status().message().find("score.measure") != std::string::npos);
}

TEST_CASE(
    "score.eval_batch and score.heldout_batch default to the round's batch and can be set apart",
    "[validator]") {
  TempDir dir;
  auto v = LoadValidatorConfig(Validator(dir, "\n[round]\nbatch = 2\n"));
  INFO(v.status().ToString());
  REQUIRE(v.ok());
  CHECK(v->heldout_batch == 2);
  CHECK(v->eval_rows() == 2);
  auto fixed = LoadValidatorConfig(Validator(
      dir, "\n[round]\nbatch = 2\n[score]\neval_batch = 16\nheldout_batch = 8\n"));
  INFO(fixed.status().ToString());
  REQUIRE(fixed.ok());
  CHECK(fixed->heldout_batch == 8);
  CHECK(fixed->eval_rows() == 16);
  CHECK(fixed->batch == 2);
}
