// A small verified ledger for the dashboard tests: one validator, three miners (one named like a
// script tag), four rounds with scores, model updates and reveals, and two reward epochs.
#pragma once

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "ledger/bodies.h"
#include "ledger/rewards.h"
#include "ledger/store.h"
#include "tests/ledger/fixture.h"

namespace loconet::dashboard::testing {

using namespace loconet::ledger;
using namespace loconet::ledger::testing;

inline const std::string kScriptName = "<script>alert(1)</script>";

// Miner 1 "alice" improves most, miner 2 (kScriptName) a little and is late in round 1, miner 3
// "carol" never improves. Losses fall 6.0, 5.5, 5.0, 4.5.
inline std::vector<Record> DashboardChain(const Identity& v) {
  std::vector<Record> chain;
  Scorer s;
  Chain(v, &chain, RecordKind::kRegistration, 0, Registration(1, "alice"));
  Chain(v, &chain, RecordKind::kRegistration, 0, Registration(2, kScriptName));
  Chain(v, &chain, RecordKind::kRegistration, 0, Registration(3, "carol"));
  std::vector<ScoresBody> scores;
  for (uint64_t r = 0; r < 4; ++r) {
    const RoundBody rb = RoundOf(r);
    Chain(v, &chain, RecordKind::kRound, r, rb.Encode());
    std::vector<ScoreEntry> entries = {
        s.Accepted(rb, 1, 40000000),
        r == 1 ? s.Rejected(rb, 2, static_cast<uint16_t>(Code::kLate)) : s.Accepted(rb, 2, 10000000),
        s.Rejected(rb, 3, static_cast<uint16_t>(r == 3 ? Code::kMissed : Code::kCopy))};
    scores.push_back(s.Close(r, entries));
    Chain(v, &chain, RecordKind::kScores, r, scores.back().Encode());
    ModelUpdateBody update;
    update.round = r;
    update.prev_hash = Blake2b256("model " + std::to_string(r));
    update.new_hash = Blake2b256("model " + std::to_string(r + 1));
    update.accepted = r == 1 ? std::vector<PublicKey>{Miner(1)}
                             : std::vector<PublicKey>{Miner(1), Miner(2)};
    update.heldout_loss_ppb = 6000000000 - static_cast<int64_t>(r) * 500000000;
    update.bytes_received = 1000 * (r + 1);
    update.duration_ms = 2000 + static_cast<int64_t>(r);
    Chain(v, &chain, RecordKind::kModelUpdate, r, update.Encode());
    Chain(v, &chain, RecordKind::kReveal, r, Reveal(r));
    if (r % 2 == 1) {
      Chain(v, &chain, RecordKind::kReward, r,
            ComputeReward(r / 2, r - 1, r, 1000000, scores).Encode());
    }
  }
  return chain;
}

// Writes DashboardChain(Validator(1)) into a new ledger at `dir`.
inline void WriteDashboardLedger(const std::string& dir) {
  auto store = LedgerStore::Open(dir);
  REQUIRE(store.ok());
  REQUIRE((*store)->Append(DashboardChain(Validator(1))).ok());
}

}  // namespace loconet::dashboard::testing
