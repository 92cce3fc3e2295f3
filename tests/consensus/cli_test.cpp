// `loconet consensus epoch|median` as a user runs it: subtensor's vectors through the binary,
// and clear errors with a non-zero exit for bad input.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "consensus/fixed.h"
#include "tests/consensus/graphs.h"
#include "tests/cli_run.h"
#include "tests/temp_dir.h"

using namespace loconet;
using loconet::testing::TempDir;
using nlohmann::json;

namespace {

using loconet::testing::Loconet;
using loconet::testing::Run;

std::string Write(const TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = dir / name;
  std::ofstream(path) << text;
  return path;
}

json ToJson(const consensus::EpochInput& in) {
  json p = {{"kappa", in.params.kappa},
            {"bonds_moving_average", in.params.bonds_moving_average},
            {"bonds_penalty", in.params.bonds_penalty},
            {"emission", in.params.emission}};
  if (in.params.max_allowed_validators)
    p["max_allowed_validators"] = *in.params.max_allowed_validators;
  json doc = {{"params", p}, {"stake", in.stake}, {"weights", in.weights}};
  if (!in.bonds.empty()) doc["bonds"] = in.bonds;
  if (!in.validator_permit.empty()) doc["validator_permit"] = in.validator_permit;
  return doc;
}

int64_t Bits(double v) { return consensus::I32F32::FromDouble(v).bits(); }

}  // namespace

TEST_CASE("loconet consensus median reproduces subtensor's weighted_median_col vectors",
          "[consensus]") {
  TempDir dir;
  struct Case {
    std::string stake;
    std::string weights;
    double kappa;
    std::vector<double> median;
  };
  const std::string w1 = "[[0,0.1,0],[0,0.2,0.4],[0,0.3,0.1],[0,0.4,0.5]]";
  const std::string w2 = "[[0,0.1,0],[0,0.2,0.4],[0,0.3,0.1],[0,0,0.5]]";
  const std::vector<Case> cases = {{"[0,0.75,0.25,0]", w1, 0.24, {0, 0.3, 0.4}},
                                   {"[0,0.75,0.25,0]", w1, 0.26, {0, 0.2, 0.4}},
                                   {"[0,0.75,0.25,0]", w1, 0.76, {0, 0.2, 0.1}},
                                   {"[0,0.3,0.2,0.5]", w2, 0.51, {0, 0, 0.4}}};
  for (const Case& c : cases) {
    CAPTURE(c.stake, c.kappa);
    std::ostringstream kappa;
    kappa << c.kappa;
    const std::string path = Write(dir, "median.json",
                                   "{\"stake\": " + c.stake + ", \"weights\": " + c.weights +
                                       ", \"kappa\": " + kappa.str() + "}");
    const Run r = Loconet(dir, "consensus median --input " + path);
    REQUIRE(r.rc == 0);
    const json out = json::parse(r.out);
    REQUIRE(out.at("median_bits").size() == c.median.size());
    for (size_t j = 0; j < c.median.size(); ++j)
      CHECK(out.at("median_bits")[j].get<int64_t>() == Bits(c.median[j]));
  }
}

TEST_CASE("loconet consensus epoch reproduces subtensor's test_512_graph", "[consensus]") {
  TempDir dir;
  const std::vector<bool> is_validator = testing::ValidatorMask(512, 64, 0);
  consensus::EpochInput in = testing::Graph512Genesis(is_validator);
  json out;
  for (int epoch = 0; epoch < 4; ++epoch) {
    CAPTURE(epoch);
    if (epoch == 1) in.weights = testing::Graph512Weights(is_validator, true);
    const std::string path = Write(dir, "epoch.json", ToJson(in).dump());
    const Run r = Loconet(dir, "consensus epoch --input " + path);
    REQUIRE(r.rc == 0);
    out = json::parse(r.out);
    in.validator_permit = out.at("validator_permit").get<std::vector<bool>>();
    in.bonds = out.at("bonds").get<std::vector<std::vector<uint16_t>>>();
  }
  for (size_t uid = 0; uid < 512; ++uid) {
    CAPTURE(uid);
    if (is_validator[uid]) {
      CHECK(out["dividends"][uid] == 1023);
      CHECK(out["emission"][uid] == 7812500);
      CHECK(out["consensus"][uid] == 0);
      CHECK(out["incentive"][uid] == 0);
    } else {
      CHECK(out["consensus"][uid] == 146);
      CHECK(out["incentive"][uid] == 146);
      CHECK(out["emission"][uid] == 1116071);
      CHECK(out["dividends"][uid] == 0);
    }
  }
}

TEST_CASE("loconet consensus epoch refuses bad input with a clear error", "[consensus]") {
  TempDir dir;
  const std::string params =
      R"("params": {"kappa": 32767, "bonds_moving_average": 900000, "emission": 1000})";
  struct Case {
    std::string file;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {"{" + params + R"(, "stake": [1, 0]})", "weights: missing"},
      {"{" + params + R"(, "stake": [1, 0], "weights": [[0, 1]]})", "weights: 1 rows for 2"},
      {"{" + params + R"(, "stake": [-5, 0], "weights": [[], []]})", "stake[0]: negative"},
      {"{" + params + R"(, "stake": [1, 0], "weights": [["a", 1], []]})",
       "weights[0][0]: expected a non-negative integer"},
      {"{" + params + R"(, "stake": [1, 0], "weights": [[0, 1], [0]]})", "weights[1]: 1 entries"},
      {"{\"params\": {}", "parse_error"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.file);
    const std::string path = Write(dir, "bad.json", c.file);
    const Run r = Loconet(dir, "consensus epoch --input " + path);
    CHECK(r.rc != 0);
    CHECK(r.out.empty());
    CHECK(r.err.find(c.expect) != std::string::npos);
    CHECK(r.err.find(path) != std::string::npos);
  }
  const Run missing = Loconet(dir, "consensus epoch --input " + (dir / "nope.json"));
  CHECK(missing.rc != 0);
  CHECK(missing.err.find("nope.json") != std::string::npos);
  const Run directory = Loconet(dir, "consensus epoch --input " + dir.path());
  CHECK(directory.rc != 0);
  CHECK(!directory.err.empty());
}

TEST_CASE("loconet consensus epoch on the example of docs/incentives.md", "[consensus]") {
  // Validators 0 and 1 (75% of stake) weight miners 3, 4, 5 as 50/30/20; validator 2 puts
  // everything on miner 5, and is clipped at the honest 20%.
  TempDir dir;
  const Run r = Loconet(dir, "consensus epoch --input " + std::string(LOCONET_SOURCE_DIR) +
                                 "/tests/consensus/example_epoch.json");
  REQUIRE(r.rc == 0);
  const json out = json::parse(r.out);
  CHECK(out["consensus"] == json({0, 0, 0, 32767, 19660, 13106}));
  CHECK(out["incentive"] == json({0, 0, 0, 30719, 18431, 16383}));
  CHECK(out["validator_trust"] == json({65534, 65534, 13106, 0, 0, 0}));
  CHECK(out["dividends"] == json({32954, 28835, 3744, 0, 0, 0}));
  CHECK(out["server_emission"] == json({0, 0, 0, 234375, 140624, 124999}));
  CHECK(out["validator_emission"] == json({251428, 219999, 28571, 0, 0, 0}));
  CHECK(out["bonds"][2] == json({0, 0, 0, 0, 0, 2489}));
}
