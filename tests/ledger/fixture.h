// Shared helpers for the ledger tests: deterministic keys and small bodies.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/hash.h"
#include "core/keys.h"
#include "ledger/bodies.h"
#include "ledger/record.h"
#include "ledger/score_rules.h"

namespace loconet::ledger::testing {

// A validator identity derived from a one-byte seed.
inline Identity Validator(uint8_t n) {
  std::array<uint8_t, 32> seed{};
  seed.fill(n);
  seed[0] = 0xa5;
  return Identity::FromSeed(seed);
}

// A miner key whose bytes are all `n`: keys sort by `n`.
inline PublicKey Miner(uint8_t n) {
  PublicKey k;
  k.bytes.fill(n);
  return k;
}

inline ScoreEntry Score(uint8_t miner, int64_t score_ppb, uint16_t reason = 0, int64_t ema_ppb = 0,
                        int64_t improvement_ppb = 0) {
  ScoreEntry e;
  e.miner = Miner(miner);
  e.reason = reason;
  e.score_ppb = score_ppb;
  e.ema_ppb = ema_ppb;
  e.improvement_ppb = improvement_ppb;
  return e;
}

inline ScoresBody Scores(uint64_t round, std::vector<ScoreEntry> entries) {
  ScoresBody b;
  b.round = round;
  b.entries = std::move(entries);
  return b;
}

inline Bytes Registration(uint8_t miner, const std::string& name) {
  RegistrationBody b;
  b.miner = Miner(miner);
  b.name = name;
  return b.Encode();
}

// The held-out secret of `round` in the test ledgers.
inline Hash256 Secret(uint64_t round) {
  return Blake2b256("secret of round " + std::to_string(round));
}

// A round body that commits to Secret(round). The default parameters make a score equal its
// improvement once the miner has one +1 verdict (cap 1, data weight 1).
inline RoundBody RoundOf(uint64_t round, int64_t cap_ppb = kPpbOne,
                         int64_t ema_alpha_ppb = 300000000, int64_t data_alpha_ppb = kPpbOne) {
  RoundBody b;
  b.round = round;
  b.base_hash = Blake2b256("model before round " + std::to_string(round));
  b.round_seed = Blake2b256("seed of round " + std::to_string(round));
  b.eval_commit = Blake2b256(Secret(round).bytes.data(), Secret(round).bytes.size());
  b.codec = "topk";
  b.local_steps = 10;
  b.deadline_ms = 1700000000000 + static_cast<int64_t>(round) * 60000;
  b.score_cap_ppb = cap_ppb;
  b.ema_alpha_ppb = ema_alpha_ppb;
  b.data_alpha_ppb = data_alpha_ppb;
  return b;
}

inline Bytes Reveal(uint64_t round) { return RevealBody{round, Secret(round)}.Encode(); }

// Score entries by the rules of ledger/score_rules.h, as an honest validator writes them.
// Accepted and Rejected compute an entry from each miner's values in the last Close; Close
// records the entries as given, so a test may alter one in between and later rounds follow
// the altered value, as they would in a ledger.
class Scorer {
 public:
  // An accepted update with this improvement and data verdict (+1, -1, or 0 for none).
  ScoreEntry Accepted(const RoundBody& round, uint8_t miner, int64_t improvement_ppb,
                      int verdict = +1, int64_t work_ppb = 0) const {
    const Prev p = PrevOf(miner);
    ScoreEntry e;
    e.miner = Miner(miner);
    e.improvement_ppb = improvement_ppb;
    e.data_ppb = NextDataPpb(p.data_ppb, verdict, round.data_alpha_ppb);
    e.work_ppb = work_ppb;
    e.score_ppb = RoundScorePpb(improvement_ppb, e.data_ppb, work_ppb, round.score_cap_ppb,
                                round.work_cap_ppb);
    e.ema_ppb = NextEmaPpb(p.ema_ppb, e.score_ppb, round.ema_alpha_ppb);
    return e;
  }

  // A rejected (or missed) submission: no score, data average unchanged.
  ScoreEntry Rejected(const RoundBody& round, uint8_t miner, uint16_t reason) const {
    const Prev p = PrevOf(miner);
    ScoreEntry e;
    e.miner = Miner(miner);
    e.reason = reason;
    e.data_ppb = p.data_ppb;
    e.ema_ppb = NextEmaPpb(p.ema_ppb, 0, round.ema_alpha_ppb);
    e.receipt_order = 7;
    return e;
  }

  // The scores body of `round` (entries sorted by miner); remembers its values.
  ScoresBody Close(uint64_t round, std::vector<ScoreEntry> entries) {
    for (const ScoreEntry& e : entries) prev_[e.miner] = Prev{e.ema_ppb, e.data_ppb};
    return Scores(round, std::move(entries));
  }

 private:
  struct Prev {
    int64_t ema_ppb = 0;
    int64_t data_ppb = 0;
  };
  Prev PrevOf(uint8_t miner) const {
    auto it = prev_.find(Miner(miner));
    return it == prev_.end() ? Prev{} : it->second;
  }
  std::map<PublicKey, Prev> prev_;
};

// The chain's next record: height and prev follow `prev_records`.
inline Record Chain(const Identity& id, std::vector<Record>* chain, RecordKind kind, uint64_t round,
                    Bytes body) {
  uint64_t height = chain->empty() ? 0 : chain->back().height + 1;
  Hash256 prev = chain->empty() ? Hash256{} : chain->back().Hash();
  chain->push_back(SignRecord(id, height, prev, round, kind, std::move(body),
                              1700000000000 + static_cast<int64_t>(height)));
  return chain->back();
}

}  // namespace loconet::ledger::testing
