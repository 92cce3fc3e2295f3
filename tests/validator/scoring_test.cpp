// ScoreRound: the score record as a pure function of the round's measurements.
#include "validator/scoring.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <set>

#include "datasets/assignment.h"
#include "ledger/score_rules.h"

using namespace loconet;

namespace {

PublicKey K(uint8_t n) {
  std::array<uint8_t, 32> seed{};
  seed[0] = n;
  return Identity::FromSeed(seed).public_key();
}

const ledger::ScoreEntry* Find(const ledger::ScoresBody& b, const PublicKey& k) {
  for (const auto& e : b.entries) {
    if (e.miner == k) return &e;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("a round's scores: kept, rejected, silent and newly registered miners", "[validator]") {
  ScoringRules rules;
  Standings standings;
  standings[K(1)] = Standing{0, 1000000000};  // a trusted data record: factor 1
  standings[K(2)] = Standing{0, -300000000};  // one -1 verdict already
  RoundOutcome o;
  o.round = 4;
  o.measured.push_back(Measured{K(1), 0, 0.02, +1});
  o.measured.push_back(Measured{K(2), 1, 5.0, -1});  // improvement far above the cap
  o.rejected[K(3)] = {static_cast<uint16_t>(Code::kStaleBase), 2};
  o.eligible = {K(1), K(2), K(3), K(4)};
  o.submitted = {K(1), K(2), K(3)};
  // K(5) registered while the round was open: not eligible, not scored.
  ledger::ScoresBody b = ScoreRound(o, rules, &standings);
  CHECK(b.round == 4);
  REQUIRE(b.entries.size() == 4);
  CHECK(std::is_sorted(b.entries.begin(), b.entries.end(),
                       [](const auto& x, const auto& y) { return x.miner < y.miner; }));
  const auto* e1 = Find(b, K(1));
  REQUIRE(e1);
  CHECK(e1->score_ppb == 20000000);
  CHECK(e1->ema_ppb == ledger::NextEmaPpb(0, 20000000, rules.ema_alpha_ppb));
  const auto* e2 = Find(b, K(2));
  REQUIRE(e2);
  CHECK(e2->improvement_ppb == 1000000000);  // clamped before fixed point
  CHECK(e2->data_ppb == -510000000);
  CHECK(e2->score_ppb == 0);  // a second -1 verdict in a row: below the gate
  const auto* e3 = Find(b, K(3));
  REQUIRE(e3);
  CHECK(e3->reason == static_cast<uint16_t>(Code::kStaleBase));
  const auto* e4 = Find(b, K(4));
  REQUIRE(e4);
  CHECK(e4->reason == static_cast<uint16_t>(Code::kMissed));
  CHECK(Find(b, K(5)) == nullptr);
  // Standings carry into the next round.
  CHECK(standings[K(1)].ema_ppb == e1->ema_ppb);
  CHECK(standings[K(2)].data_ppb == e2->data_ppb);
}

TEST_CASE("a silent miner that flooded is recorded rate_limited, not missed", "[validator]") {
  Standings standings;
  RoundOutcome o;
  o.eligible = {K(1)};
  o.flooded = {K(1)};
  ledger::ScoresBody b = ScoreRound(o, ScoringRules{}, &standings);
  REQUIRE(b.entries.size() == 1);
  CHECK(b.entries[0].reason == static_cast<uint16_t>(Code::kRateLimited));
}

TEST_CASE("a round's score carries the work each update shows on its own pages", "[validator]") {
  ScoringRules rules;
  rules.work_cap_ppb = 200000000;
  Standings standings;
  standings[K(1)] = Standing{0, 1000000000};
  standings[K(2)] = Standing{0, 1000000000};
  RoundOutcome o;
  o.round = 2;
  // The same improvement; the first miner's own pages gained 0.2 more than random
  // ones, the second's (a quarter of the work) 0.05 more.
  Measured full{K(1), 0, 0.02, 0};
  full.own_gain = 0.25;
  full.random_gain = 0.05;
  Measured lazy{K(2), 1, 0.02, 0};
  lazy.own_gain = 0.10;
  lazy.random_gain = 0.05;
  o.measured = {full, lazy};
  o.eligible = {K(1), K(2)};
  o.submitted = {K(1), K(2)};
  ledger::ScoresBody b = ScoreRound(o, rules, &standings);
  const auto* e1 = Find(b, K(1));
  const auto* e2 = Find(b, K(2));
  REQUIRE(e1);
  REQUIRE(e2);
  CHECK(e1->work_ppb == 200000000);
  CHECK(e2->work_ppb == 50000000);
  CHECK(e1->score_ppb == 20000000);
  CHECK(e2->score_ppb == 5000000);  // a quarter
  SECTION("without a work cap both score the same") {
    ScoringRules off;
    Standings fresh;
    fresh[K(1)] = Standing{0, 1000000000};
    fresh[K(2)] = Standing{0, 1000000000};
    ledger::ScoresBody b2 = ScoreRound(o, off, &fresh);
    CHECK(Find(b2, K(1))->score_ppb == Find(b2, K(2))->score_ppb);
  }
}

TEST_CASE("the contamination statistic separates evaluation-data training from honest work",
          "[validator]") {
  // Honest: held-out pages and unseen training pages gain alike.
  CHECK(ContaminationZ({0.010, 0.014, 0.008, 0.012}, {0.011, 0.009, 0.013, 0.010}, 1.5) < 1);
  // Trained on the evaluation data: its held-out gain is far above the unseen pages' gain.
  const double z = ContaminationZ({0.060, 0.055, 0.070, 0.065}, {0.011, 0.009, 0.013, 0.010}, 1.5);
  CHECK(z > 10);
  // The margin scales only a positive random gain: with a negative one it does not matter.
  CHECK(ContaminationZ({0.02, 0.03}, {-0.5, -0.4}, 100) > 0);
  CHECK(ContaminationZ({0.02, 0.03}, {0.01, 0.012}, 1) > ContaminationZ({0.02, 0.03}, {0.01, 0.012}, 2));
  // No statistic without two values a side, or without a held-out gain.
  CHECK(ContaminationZ({0.5}, {0.0, 0.1}, 1.5) == 0);
  CHECK(ContaminationZ({0.5, 0.6}, {0.0}, 1.5) == 0);
  CHECK(ContaminationZ({-0.01, -0.02}, {-0.5, -0.6}, 1.5) == 0);
  CHECK(ContaminationZ({NAN, 0.1}, {0.0, 0.1}, 1.5) == 0);
  // Identical batches on each side: an infinite statistic when the difference is positive.
  CHECK(std::isinf(ContaminationZ({0.05, 0.05}, {0.01, 0.01}, 1.5)));
  CHECK(ContaminationZ({0.01, 0.01}, {0.01, 0.01}, 1.5) == 0);
}

TEST_CASE("the evaluation pages are assigned to no miner and follow the round's secret",
          "[validator]") {
  Hash256 seed, secret, other;
  seed.bytes.fill(1);
  secret.bytes.fill(2);
  other.bytes.fill(3);
  const std::set<PublicKey> miners{K(1), K(2), K(3), K(4)};
  const uint64_t num_pages = 200;
  const std::vector<uint64_t> pages = EvaluationPages(seed, secret, miners, num_pages, 30, 40);
  REQUIRE(pages.size() == 40);
  CHECK(std::is_sorted(pages.begin(), pages.end()));
  CHECK(std::adjacent_find(pages.begin(), pages.end()) == pages.end());
  for (const PublicKey& k : miners) {
    for (uint64_t p : datasets::AssignPages(seed, k, num_pages, 30)) {
      CHECK_FALSE(std::binary_search(pages.begin(), pages.end(), p));
    }
  }
  // Deterministic given the secret; another secret draws other pages from the same pool.
  CHECK(EvaluationPages(seed, secret, miners, num_pages, 30, 40) == pages);
  CHECK(EvaluationPages(seed, other, miners, num_pages, 30, 40) != pages);
  // Fewer than asked when the miners hold almost every page; none when they hold all of them.
  const size_t left = EvaluationPages(seed, secret, miners, 40, 9, 1000).size();
  CHECK(left > 0);
  CHECK(left < 40);
  CHECK(EvaluationPages(seed, secret, {K(1)}, 10, 10, 5).empty());
}
