#include "ledger/rewards.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <random>

#include "tests/ledger/fixture.h"

using namespace loconet;
using namespace loconet::ledger;
using namespace loconet::ledger::testing;

namespace {

uint64_t Sum(const RewardBody& b) {
  uint64_t s = 0;
  for (const RewardEntry& e : b.entries) s += e.units;
  return s;
}

uint64_t UnitsOf(const RewardBody& b, uint8_t miner) {
  for (const RewardEntry& e : b.entries) {
    if (e.miner == Miner(miner)) return e.units;
  }
  return 0;
}

}  // namespace

TEST_CASE("the reward split is proportional to the summed scores", "[ledger]") {
  std::vector<ScoresBody> scores = {Scores(1, {Score(1, 100), Score(2, 300)}),
                                    Scores(2, {Score(1, 100), Score(3, 500)})};
  RewardBody b = ComputeReward(0, 1, 2, 1000, scores);
  CHECK(b.epoch == 0);
  CHECK(b.first_round == 1);
  CHECK(b.last_round == 2);
  CHECK(b.emission == 1000);
  REQUIRE(b.entries.size() == 3);
  CHECK(UnitsOf(b, 1) == 200);
  CHECK(UnitsOf(b, 2) == 300);
  CHECK(UnitsOf(b, 3) == 500);
  CHECK(RewardBody::Decode(b.Encode()).ok());
}

TEST_CASE("leftover units go to the largest remainders, ties to the smaller key", "[ledger]") {
  // Three equal weights: 10 / 3 = 3 each, one unit left, remainders tie: smallest key gets it.
  std::vector<ScoresBody> scores = {Scores(5, {Score(9, 7), Score(4, 7), Score(6, 7)})};
  RewardBody b = ComputeReward(1, 5, 5, 10, scores);
  CHECK(Sum(b) == 10);
  CHECK(UnitsOf(b, 4) == 4);
  CHECK(UnitsOf(b, 6) == 3);
  CHECK(UnitsOf(b, 9) == 3);

  // Weights 1 and 2 of 7 units: exact shares 2.33 and 4.67: the larger remainder gets the unit.
  RewardBody c = ComputeReward(1, 5, 5, 7, {Scores(5, {Score(1, 1), Score(2, 2)})});
  CHECK(UnitsOf(c, 1) == 2);
  CHECK(UnitsOf(c, 2) == 5);
}

TEST_CASE("the split sums exactly to the emission for many random inputs", "[ledger]") {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<ScoresBody> scores;
    int rounds = 1 + static_cast<int>(rng() % 5);
    for (int r = 0; r < rounds; ++r) {
      std::vector<ScoreEntry> entries;
      for (uint8_t m = 1; m <= 20; ++m) {
        if (rng() % 3 == 0) continue;
        entries.push_back(Score(m, static_cast<int64_t>(rng() % 2000000000) - 200000000));
      }
      scores.push_back(Scores(static_cast<uint64_t>(r), entries));
    }
    uint64_t emission = rng() % 1000000007;
    RewardBody b = ComputeReward(0, 0, 10, emission, scores);
    if (b.entries.empty()) continue;
    CHECK(Sum(b) == emission);
    for (size_t i = 1; i < b.entries.size(); ++i)
      CHECK(b.entries[i - 1].miner < b.entries[i].miner);
    for (const RewardEntry& e : b.entries) CHECK(e.units > 0);
  }
}

TEST_CASE("the reward does not depend on the order of bodies or entries", "[ledger]") {
  std::vector<ScoresBody> scores = {Scores(1, {Score(1, 13), Score(2, 29), Score(3, 0)}),
                                    Scores(2, {Score(2, 17), Score(5, 41)}),
                                    Scores(3, {Score(1, 3), Score(5, 11)})};
  Bytes want = ComputeReward(4, 1, 3, 999983, scores).Encode();
  std::vector<ScoresBody> shuffled = scores;
  std::reverse(shuffled.begin(), shuffled.end());
  for (ScoresBody& b : shuffled) std::reverse(b.entries.begin(), b.entries.end());
  CHECK(ComputeReward(4, 1, 3, 999983, shuffled).Encode() == want);
  std::rotate(shuffled.begin(), shuffled.begin() + 1, shuffled.end());
  CHECK(ComputeReward(4, 1, 3, 999983, shuffled).Encode() == want);
}

TEST_CASE("only rounds inside the epoch count, and negative scores weigh nothing", "[ledger]") {
  std::vector<ScoresBody> scores = {Scores(0, {Score(1, 1000)}),
                                    Scores(3, {Score(1, 10), Score(2, -500), Score(3, 30)}),
                                    Scores(4, {Score(2, 1000)})};
  RewardBody b = ComputeReward(1, 1, 3, 40, scores);
  REQUIRE(b.entries.size() == 2);
  CHECK(UnitsOf(b, 1) == 10);
  CHECK(UnitsOf(b, 3) == 30);
  CHECK(UnitsOf(b, 2) == 0);
}

TEST_CASE("zero total weight or zero emission gives no entries", "[ledger]") {
  std::vector<ScoresBody> zero = {Scores(1, {Score(1, 0), Score(2, -5)})};
  RewardBody b = ComputeReward(0, 0, 5, 1000, zero);
  CHECK(b.entries.empty());
  CHECK(b.emission == 1000);
  CHECK(ComputeReward(0, 0, 5, 1000, {}).entries.empty());
  CHECK(ComputeReward(0, 0, 5, 0, {Scores(1, {Score(1, 5)})}).entries.empty());
}

TEST_CASE("weights beyond 64 bits still split exactly", "[ledger]") {
  const int64_t big = std::numeric_limits<int64_t>::max();
  std::vector<ScoresBody> scores;
  for (uint64_t r = 0; r < 4; ++r) scores.push_back(Scores(r, {Score(1, big), Score(2, 1)}));
  const uint64_t emission = std::numeric_limits<uint64_t>::max();
  RewardBody b = ComputeReward(0, 0, 3, emission, scores);
  REQUIRE(b.entries.size() == 2);
  CHECK(Sum(b) == emission);
  // Miner 2's share is 4 / (4 * (2^63 - 1) + 4) of the emission: about 2 units.
  CHECK(UnitsOf(b, 2) == 2);
  CHECK(UnitsOf(b, 1) == emission - 2);
}
