// The example configs in configs/ stay in step with the loaders: every key in them is known.
#include <catch2/catch.hpp>

#include "miner/config.h"
#include "validator/config.h"

using namespace loconet;

TEST_CASE("the shipped validator config loads", "[validator]") {
  auto v = LoadValidatorConfig(std::string(LOCONET_SOURCE_DIR) + "/configs/validator.toml");
  INFO(v.status().ToString());
  REQUIRE(v.ok());
  CHECK(v->curve);
  CHECK(v->codec.name == "int8");
}

TEST_CASE("the shipped miner config needs only the validator's key filled in", "[validator]") {
  auto m = LoadMinerConfig(std::string(LOCONET_SOURCE_DIR) + "/configs/miner.toml");
  REQUIRE_FALSE(m.ok());
  CHECK(m.status().code() == Code::kConfigError);
  CHECK(m.status().message().find("miner.validator_key") != std::string::npos);
}
