// Shared helpers for the ledger tests: deterministic keys and small bodies.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "core/keys.h"
#include "ledger/bodies.h"
#include "ledger/record.h"

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
