// Full re-verification of a ledger, as `loconet ledger verify` runs it.
#pragma once

#include <cstdint>

#include "core/status.h"
#include "ledger/store.h"

namespace loconet::ledger {

struct LedgerSummary {
  uint64_t records = 0;
  uint64_t authors = 0;
};

// Re-checks every record of every author in (author, height) order:
// - heights contiguous from 0 and each prev the hash of the record before (prev of height 0 all
//   zeros);
// - the signature over the record hash (kBadSignature);
// - the body decodes as its kind;
// - every reward record equals, byte for byte, ComputeReward over the same author's ScoresBody
//   records that come before it in its chain and whose round lies in [first_round, last_round];
//   one author's reward epochs increase and their round ranges do not overlap; with
//   epoch_rounds > 0 every range spans exactly epoch_rounds rounds;
// - one author's model updates form an unbroken line: rounds increase, and each update's
//   prev_hash is the new_hash of the one before;
// - then the store's heads and indexes (LedgerStore::CheckIndexes).
// Returns the first fault, kCorrupt unless it is a signature, with a message naming the author
// (short hex), the height, the kind and the problem. On success fills *summary if given.
Status VerifyLedger(const LedgerStore& store, uint64_t epoch_rounds = 0,
                    LedgerSummary* summary = nullptr);

}  // namespace loconet::ledger
