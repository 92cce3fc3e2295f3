// Full re-verification of a ledger, as `loconet ledger verify` runs it and `loconet ledger show`
// marks it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/keys.h"
#include "core/status.h"
#include "ledger/record.h"
#include "ledger/store.h"

namespace loconet::ledger {

struct LedgerSummary {
  uint64_t records = 0;
  uint64_t authors = 0;
};

// Why one stored record fails verification.
struct RecordFault {
  PublicKey author;
  uint64_t height = 0;
  RecordKind kind = RecordKind::kRegistration;
  Code code = Code::kCorrupt;  // kBadSignature for a signature, kCorrupt for everything else
  std::string problem;         // the problem alone, e.g. "signature does not verify"
  std::string message;         // "<author short> #<height> <kind>: <problem>"

  Status ToStatus() const { return Error(code, message); }
};

// Every record fault of every author, in (author, height) order, at most one per record (a
// scores record names its first failing entry and how many others fail). Each author's chain
// is walked from height 0, and these are checked:
// - chain: heights contiguous from 0 and each prev the hash of the record before (prev of
//   height 0 all zeros); the signature over the record hash (kBadSignature). Once a chain
//   breaks (height gap, prev mismatch, bad signature) every later record of that author is a
//   fault "follows the broken chain at #h": what came before it is no longer known, so its
//   contents are not checked either;
// - the body decodes as its kind;
// - reveal: the author's round record of that round came earlier and BLAKE2b-256 of the secret
//   is its eval_commit;
// - scores of round r: the author's round record of r came earlier, and every entry follows
//   from that round's parameters and the same miner's entry in the author's previous scores
//   record (ema 0 and data 0 if none) by ledger/score_rules.h: an accepted entry (reason 0) has
//   data_ppb = NextDataPpb(prev_data, v, data_alpha) for some verdict v in {+1, -1, 0} and
//   score_ppb = RoundScorePpb(improvement_ppb, data_ppb, work_ppb, cap, work_cap); a rejected
//   one has improvement 0, work 0, score 0 and data_ppb = prev_data; every one has ema_ppb = NextEmaPpb(prev_ema, score_ppb,
//   ema_alpha);
// - every reward record equals, byte for byte, ComputeReward over the same author's ScoresBody
//   records that come before it in its chain and whose round lies in [first_round, last_round];
//   one author's reward epochs increase and their round ranges do not overlap; with
//   epoch_rounds > 0 every range spans exactly epoch_rounds rounds;
// - every weights record equals, byte for byte, WeightsFromScores over the same author's
//   ScoresBody records before it with rounds in its range; one author's weights epochs increase;
// - every consensus record (checked after every chain is walked): each weights record it names
//   is in the store, authored by the validator it names, and the body equals, byte for byte,
//   ComputeConsensus over those weights, the body's stakes and parameters, and the bonds of the
//   same author's previous consensus record;
// - one author's model updates form an unbroken line: rounds increase, and each update's
//   prev_hash is the new_hash of the one before.
// A record that fails a content check still counts as recorded for the checks after it (the
// next EMA follows from the recorded one), so each tampered value is reported once, where it is.
// Returns an error only when the records cannot all be read (an I/O error, or a stored value
// that does not parse or sits under another record's key); that error names the ledger.
// Fills *summary (records and authors walked) if given.
Result<std::vector<RecordFault>> FindFaults(const LedgerStore& store, uint64_t epoch_rounds = 0,
                                            LedgerSummary* summary = nullptr);

// OK if FindFaults finds nothing and the store's heads and indexes are right
// (LedgerStore::CheckIndexes). Otherwise the first problem: FindFaults' error, its first fault
// (as RecordFault::ToStatus), or CheckIndexes' error. On success fills *summary if given.
Status VerifyLedger(const LedgerStore& store, uint64_t epoch_rounds = 0,
                    LedgerSummary* summary = nullptr);

}  // namespace loconet::ledger
