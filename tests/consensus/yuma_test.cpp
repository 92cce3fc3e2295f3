// One Yuma epoch as subtensor computes it: subtensor's own epoch vectors, then loconet's cases
// (a majority validator, a minority validator inflating a miner, bonds over epochs, no weights).
#include "consensus/yuma.h"

#include <catch2/catch.hpp>
#include <cmath>

#include "consensus/epoch_json.h"
#include "tests/consensus/graphs.h"

using namespace loconet;
using namespace loconet::consensus;

namespace {

EpochResult Run(const EpochInput& in) {
  Result<EpochResult> r = RunEpoch(in);
  REQUIRE(r.ok());
  return *r;
}

// Feeds one epoch's permits and bonds into the next.
void Carry(EpochInput& in, const EpochResult& r) {
  in.validator_permit = r.validator_permit;
  in.bonds = r.bonds;
}

EpochInput Network(std::vector<uint64_t> stake, std::vector<std::vector<uint16_t>> weights) {
  EpochInput in;
  in.params.kappa = 32767;
  in.params.bonds_moving_average = 900000;
  in.params.bonds_penalty = 65535;
  in.params.emission = 1000000000;
  in.stake = std::move(stake);
  in.weights = std::move(weights);
  return in;
}

// The u16 a subtensor test target in [0, 1] would be stored as.
double Proportion(uint16_t v) { return v / 65535.0; }

}  // namespace

TEST_CASE("test_512_graph: 64 equal validators, 448 servers, three epochs", "[consensus]") {
  for (int interleave : {0, 1}) {
    for (bool server_self : {false, true}) {
      CAPTURE(interleave, server_self);
      const std::vector<bool> is_validator = testing::ValidatorMask(512, 64, interleave);
      EpochInput in = testing::Graph512Genesis(is_validator);
      EpochResult r = Run(in);  // the first epoch hands out the validator permits
      for (size_t i = 0; i < 512; ++i) REQUIRE(r.validator_permit[i] == is_validator[i]);
      Carry(in, r);
      in.weights = testing::Graph512Weights(is_validator, server_self);
      for (int epoch = 0; epoch < 3; ++epoch) {
        r = Run(in);
        Carry(in, r);
      }
      const size_t validator = 0;  // a validator under both interleavings
      const size_t server = interleave == 0 ? 64 : 1;
      for (size_t uid = 0; uid < 512; ++uid) {
        CAPTURE(uid);
        if (is_validator[uid]) {
          CHECK(r.consensus[uid] == 0);
          CHECK(r.incentive[uid] == 0);
          CHECK(r.dividends[uid] == 1023);    // floor(1 / 64 * 65535)
          CHECK(r.emission[uid] == 7812500);  // 0.5 / 64 * 1e9
          CHECK(r.validator_emission[uid] == 7812500);
          CHECK(r.server_emission[uid] == 0);
          CHECK(r.bonds[uid][validator] == 0);
          // Yuma3 bonds: every validator holds the same EMA of 1/448 on every server.
          CHECK(r.bonds[uid][server] == r.bonds[validator][server]);
          CHECK(r.bonds[uid][server] > 0);
        } else {
          CHECK(r.consensus[uid] == 146);
          CHECK(r.incentive[uid] == 146);  // floor(1 / 448 * 65535)
          CHECK(r.dividends[uid] == 0);
          CHECK(r.emission[uid] == 1116071);  // floor(0.5 / 448 * 1e9)
          CHECK(r.server_emission[uid] == 1116071);
          CHECK(r.bonds[uid][validator] == 0);
          CHECK(r.bonds[uid][server] == 0);
        }
      }
    }
  }
}

TEST_CASE("test_yuma_3_liquid_alpha_disabled: dividends and bonds over six epochs", "[consensus]") {
  // Three validators of near-equal stake, two servers (uids 3 and 4), bonds penalty 0, bonds
  // moving average 975,000, kappa u16::MAX / 2; in the third epoch validator C moves to server 2.
  EpochInput in = Network({33, 33, 34, 0, 0}, std::vector<std::vector<uint16_t>>(5));
  in.params.kappa = 65535 / 2;
  in.params.bonds_penalty = 0;
  in.params.bonds_moving_average = 975000;
  in.params.max_allowed_validators = 3;
  in.validator_permit.assign(5, false);
  EpochResult r = Run(in);
  Carry(in, r);
  const std::vector<std::vector<double>> targets = {
      {0.3300, 0.3300, 0.3400}, {0.3300, 0.3300, 0.3400}, {0.3734, 0.3734, 0.2532},
      {0.3611, 0.3611, 0.2779}, {0.3541, 0.3541, 0.2919}, {0.3495, 0.3495, 0.3009}};
  // Each validator's bonds on server 1 and server 2 (subtensor lists them as the last two of
  // three columns; its check skips them, so they are checked here to the same 1e-3).
  const std::vector<std::vector<std::vector<double>>> bond_targets = {
      {{0.0250, 0.0000}, {0.0250, 0.0000}, {0.0250, 0.0000}},
      {{0.0494, 0.0000}, {0.0494, 0.0000}, {0.0494, 0.0000}},
      {{0.0731, 0.0000}, {0.0731, 0.0000}, {0.0481, 0.0250}},
      {{0.0963, 0.0000}, {0.0963, 0.0000}, {0.0719, 0.0244}},
      {{0.1189, 0.0000}, {0.1189, 0.0000}, {0.0951, 0.0238}},
      {{0.1409, 0.0000}, {0.1409, 0.0000}, {0.1178, 0.0232}}};
  const std::vector<uint16_t> server1 = {0, 0, 0, 65535, 0};
  const std::vector<uint16_t> server2 = {0, 0, 0, 0, 65535};
  for (size_t epoch = 0; epoch < targets.size(); ++epoch) {
    CAPTURE(epoch);
    in.weights = {server1, server1, epoch == 2 ? server2 : server1, {}, {}};
    r = Run(in);
    Carry(in, r);
    for (size_t v = 0; v < 3; ++v) {
      CHECK(std::fabs(Proportion(r.dividends[v]) - targets[epoch][v]) < 1e-3);
      CHECK(std::fabs(Proportion(r.bonds[v][3]) - bond_targets[epoch][v][0]) < 1e-3);
      CHECK(std::fabs(Proportion(r.bonds[v][4]) - bond_targets[epoch][v][1]) < 1e-3);
    }
    CHECK(r.dividends[3] == 0);
    CHECK(r.dividends[4] == 0);
  }
}

TEST_CASE("test_10_graph: only self-weights, so emission follows stake", "[consensus]") {
  std::vector<std::vector<uint16_t>> weights(10, std::vector<uint16_t>(10, 0));
  for (size_t i = 0; i < 10; ++i) weights[i][i] = 65535;
  const EpochResult r = Run(Network(std::vector<uint64_t>(10, 1), weights));
  for (size_t i = 0; i < 10; ++i) {
    CHECK(r.consensus[i] == 0);
    CHECK(r.incentive[i] == 0);
    CHECK(r.dividends[i] == 0);
    CHECK(r.emission[i] == 99999999);
  }
}

TEST_CASE("a validator with the majority of stake cannot be overruled", "[consensus]") {
  // Validator 0 (60%) puts everything on miner 2, validator 1 (40%) everything on miner 3.
  const EpochResult r = Run(Network({60, 40, 0, 0}, {{0, 0, 65535, 0}, {0, 0, 0, 65535}, {}, {}}));
  CHECK(r.consensus[2] == 65535);
  CHECK(r.consensus[3] == 0);
  CHECK(r.incentive[2] == 65535);
  CHECK(r.incentive[3] == 0);
  CHECK(r.validator_trust[0] == 65535);
  CHECK(r.validator_trust[1] == 0);
  CHECK(r.dividends[0] == 65535);
  CHECK(r.dividends[1] == 0);
  CHECK(r.server_emission[2] == 500000000);
  CHECK(r.server_emission[3] == 0);
  CHECK(r.bonds[1][3] == 0);  // bonds follow clipped weights (bonds penalty 1)
}

TEST_CASE("a minority validator inflating one miner is clipped at consensus", "[consensus]") {
  // Honest validators 0 and 1 (75% of stake) weight miners 3, 4, 5 as 50/30/20; validator 2
  // (25%) is a friend of miner 5 and puts everything on it.
  const std::vector<uint16_t> honest = {0, 0, 0, 50, 30, 20};
  const std::vector<uint16_t> friendly = {0, 0, 0, 0, 0, 100};
  EpochInput baseline_in = Network({40, 35, 25, 0, 0, 0}, {honest, honest, honest, {}, {}, {}});
  EpochInput attack_in = Network({40, 35, 25, 0, 0, 0}, {honest, honest, friendly, {}, {}, {}});
  EpochResult baseline;
  EpochResult attack;
  for (int epoch = 0; epoch < 5; ++epoch) {
    baseline = Run(baseline_in);
    attack = Run(attack_in);
    Carry(baseline_in, baseline);
    Carry(attack_in, attack);
  }
  // Consensus is where the honest majority put it.
  CHECK(attack.consensus == baseline.consensus);
  // Miner 5's weight counts only up to consensus: without clipping it would get
  // (0.75 * 0.2 + 0.25) / 1 = 40% of the incentive; clipped, 0.2 / 0.8 = 25%.
  CHECK(std::fabs(Proportion(attack.incentive[5]) - 0.25) < 1e-4);
  CHECK(attack.trust[5] < baseline.trust[5]);
  // The dishonest validator's trust and dividends fall.
  CHECK(attack.validator_trust[2] < attack.validator_trust[0]);
  CHECK(attack.validator_trust[2] < baseline.validator_trust[2]);
  CHECK(attack.dividends[2] < baseline.dividends[2]);
  CHECK(Proportion(attack.dividends[2]) < 0.25);
}

TEST_CASE("bonds are an exponential moving average over epochs", "[consensus]") {
  // One validator weights one miner: alpha = 1 - 0.9, so the bond is 0.1 after one epoch and
  // 0.1 + 0.9 * 0.1 = 0.19 after two, in fixed point: floor(0.1000000001 * 65535) = 6553, then
  // alpha + (1 - alpha) * (6553 / 65535) = 0.18999..., stored as 12451.
  EpochInput in = Network({1, 0}, {{0, 65535}, {}});
  EpochResult r = Run(in);
  CHECK(r.bonds[0][1] == 6553);
  CHECK(r.dividends[0] == 65535);
  Carry(in, r);
  r = Run(in);
  CHECK(r.bonds[0][1] == 12451);
  // A validator that stops weighting keeps a decaying bond: 0.9 * 12451 / 65535.
  in.weights = {{}, {}};
  Carry(in, r);
  r = Run(in);
  CHECK(r.bonds[0][1] == 11205);
}

TEST_CASE("all-zero weights pay validators by stake and miners nothing", "[consensus]") {
  const EpochResult r = Run(Network({3, 1, 0, 0}, {{0, 0, 0, 0}, {0, 0, 0, 0}, {}, {}}));
  for (size_t i = 0; i < 4; ++i) {
    CHECK(r.consensus[i] == 0);
    CHECK(r.incentive[i] == 0);
    CHECK(r.dividends[i] == 0);
    CHECK(r.server_emission[i] == 0);
    for (uint16_t b : r.bonds[i]) CHECK(b == 0);
  }
  CHECK(r.validator_emission == std::vector<uint64_t>{750000000, 250000000, 0, 0});
  CHECK(r.emission == std::vector<uint64_t>{750000000, 250000000, 0, 0});
}

TEST_CASE("an inactive validator's weights do not count", "[consensus]") {
  EpochInput in = Network({60, 40, 0, 0}, {{0, 0, 65535, 0}, {0, 0, 0, 65535}, {}, {}});
  in.active = {false, true, true, true};
  const EpochResult r = Run(in);
  CHECK(r.consensus[2] == 0);
  CHECK(r.consensus[3] == 65535);
  CHECK(r.dividends[0] == 0);
  CHECK(r.dividends[1] == 65535);
}

TEST_CASE("miner_share splits the emission into a miner pool and a validator pool", "[consensus]") {
  EpochInput in = Network({60, 40, 0, 0}, {{0, 0, 65535, 0}, {0, 0, 49151, 16384}, {}, {}});
  in.params.miner_share = 26214;  // 40%: floor(1e9 * 26214 / 65535) = 400,000,000 to miners
  const EpochResult r = Run(in);
  uint64_t miners = 0;
  uint64_t validators = 0;
  for (size_t i = 0; i < 4; ++i) {
    miners += r.server_emission[i];
    validators += r.validator_emission[i];
    CHECK(r.emission[i] == r.server_emission[i] + r.validator_emission[i]);
  }
  CHECK(miners <= 400000000);
  CHECK(miners >= 400000000 - 4);
  CHECK(validators <= 600000000);
  CHECK(validators >= 600000000 - 4);
}

TEST_CASE("the same epoch gives the same bytes every time", "[consensus]") {
  const std::vector<bool> is_validator = testing::ValidatorMask(512, 64, 1);
  EpochInput in = testing::Graph512Genesis(is_validator);
  in.validator_permit.clear();
  in.weights = testing::Graph512Weights(is_validator, true);
  const std::string a = EpochResultToJson(Run(in));
  const std::string b = EpochResultToJson(Run(in));
  CHECK(a == b);
}

TEST_CASE("inputs of the wrong shape or range are refused", "[consensus]") {
  EpochInput good = Network({1, 0}, {{0, 65535}, {}});
  REQUIRE(ValidateEpochInput(good).ok());
  EpochInput in = good;
  in.weights.pop_back();
  CHECK(RunEpoch(in).status().code() == Code::kInvalidArgument);
  in = good;
  in.weights[0] = {1, 2, 3};
  CHECK(RunEpoch(in).status().message().find("weights[0]") != std::string::npos);
  in = good;
  in.bonds = {{1}};
  CHECK(!RunEpoch(in).ok());
  in = good;
  in.active = {true};
  CHECK(!RunEpoch(in).ok());
  in = good;
  in.params.bonds_moving_average = 1000001;
  CHECK(!RunEpoch(in).ok());
  in = good;
  in.stake = {1ull << 62, 1ull << 62};
  CHECK(RunEpoch(in).status().message().find("2^63") != std::string::npos);
  in = good;
  in.stake.clear();
  in.weights.clear();
  CHECK(!RunEpoch(in).ok());
}

TEST_CASE("epoch JSON with missing, negative, fractional or unknown fields is refused",
          "[consensus]") {
  const std::string params =
      R"("params": {"kappa": 32767, "bonds_moving_average": 900000, "emission": 1000})";
  auto parse = [&](const std::string& body) { return ParseEpochInput("{" + body + "}"); };
  REQUIRE(parse(params + R"(, "stake": [1, 0], "weights": [[0, 65535], []])").ok());
  CHECK(ParseEpochInput("{not json").status().code() == Code::kParseError);
  CHECK(ParseEpochInput("[1]").status().code() == Code::kInvalidArgument);
  CHECK(parse(R"("stake": [1], "weights": [[]])").status().message() == "params: missing");
  CHECK(parse(params + R"(, "weights": [[]])").status().message() == "stake: missing");
  CHECK(parse(params + R"(, "stake": [-1, 0], "weights": [[], []])").status().message() ==
        "stake[0]: negative (-1)");
  CHECK(parse(params + R"(, "stake": [1, 0], "weights": [[0, 0.5], []])").status().message() ==
        "weights[0][1]: 0.5 is not an integer");
  CHECK(parse(params + R"(, "stake": [1, 0], "weights": [[0, 65536], []])").status().message() ==
        "weights[0][1]: 65536 is above 65535");
  CHECK(parse(params + R"(, "stake": [1, "x"], "weights": [[], []])").status().message() ==
        "stake[1]: expected a non-negative integer, got string");
  CHECK(parse(params + R"(, "stake": [1, 0], "weights": [[]])").status().message() ==
        "weights: 1 rows for 2 neurons");
  CHECK(parse(params + R"(, "stake": [1], "weights": [[]], "stakes": [])").status().message() ==
        "stakes: unknown key");
  CHECK(parse(R"("params": {"kappa": 1, "emission": 1}, "stake": [1], "weights": [[]])")
            .status()
            .message() == "params.bonds_moving_average: missing");
}
