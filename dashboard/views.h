// What the dashboard shows, as JSON, built from one read of a ledger: the data behind every page
// and every /api/ route (docs/operations.md, "Dashboard"). Read-only; torch-free.
#pragma once

#include <map>
#include <nlohmann/json.hpp>

#include "core/keys.h"
#include "core/status.h"
#include "ledger/store.h"

namespace loconet::dashboard {

struct Views {
  // /api/status: records, authors (each with height and head hash), rounds, whether the ledger
  // verifies (ledger/verify.h) and its first fault, and a fingerprint of the authors' heads that
  // changes whenever a record is appended.
  nlohmann::json status;
  // /api/miners: ledger::LeaderboardJson, the same array `loconet leaderboard --json` prints.
  nlohmann::json miners;
  // /api/rounds: one object per round, in round order: submissions, acceptances, aggregated
  // updates, global held-out loss, bytes received, duration, model hash, rejections by reason.
  nlohmann::json rounds;
  // /api/validators: one object per ledger author: height, head hash, rounds scored, and
  // agreement (rounds whose model hash matches the one most authors recorded).
  nlohmann::json validators;
  // /api/miners/{key}: a miner's leaderboard row with its rank, per-round history (score, EMA,
  // improvement, data-check factor, reason), rewards per epoch and every rejection.
  std::map<PublicKey, nlohmann::json> miner_pages;
};

// Builds every view. With several authors a round's numbers are the lower median of what the
// authors recorded (as in ledger/leaderboard.h). Errors: the store's read errors, and kCorrupt
// for a stored body that does not decode (the store never holds one; this guards a damaged
// disk). A ledger that reads but fails verification still builds: status says why.
Result<Views> BuildViews(const ledger::LedgerStore& store);

// A fingerprint of every author's head (height and hash): equal fingerprints mean the same
// records. The dashboard rebuilds its views only when it changes.
Result<std::string> HeadsFingerprint(const ledger::LedgerStore& store);

}  // namespace loconet::dashboard
