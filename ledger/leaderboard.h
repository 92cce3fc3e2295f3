// The miners' leaderboard, built from the ledger for `loconet leaderboard`: a terminal table,
// JSON, or one self-contained web page.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "core/keys.h"
#include "core/status.h"
#include "ledger/store.h"

namespace loconet::ledger {

struct LeaderRow {
  PublicKey miner;
  std::string name;                  // from its registration; empty if none
  int64_t ema_ppb = 0;               // EMA score x 1e9 in the latest round the miner was scored
  uint64_t rewards = 0;              // reward units over all epochs
  uint64_t rounds_submitted = 0;     // rounds in which the miner was scored at all
  uint64_t rounds_accepted = 0;      // rounds in which a score entry had reason 0
  int64_t last_improvement_ppb = 0;  // improvement x 1e9 in its latest scored round
  std::map<uint16_t, uint64_t> rejections;  // reason code -> rounds rejected for it
  // Several validators (consensus records): the latest epoch's consensus weight and incentive,
  // u16 proportions (lower median over the authors).
  bool in_consensus = false;
  uint16_t consensus = 0;
  uint16_t incentive = 0;
};

// The name of a reason code as recorded in score entries: loconet::CodeName ("ok" for 0), or
// "code_<n>" for a number this build does not know.
std::string ReasonName(uint16_t code);

// One row per miner named by any registration, score or reward record of any author, ranked by
// EMA (highest first), then rewards (highest first), then key.
//
// With several validators: a round's EMA and improvement are the lower median of the values the
// authors' score entries give for that round; a round counts once for `rounds_submitted`, once
// for `rounds_accepted` if any author accepted the miner, and once per distinct rejection reason;
// an epoch's units are the lower median of what the authors that wrote a reward for that epoch
// gave the miner (an author's last reward record of the epoch counts; absent means 0). A
// consensus record counts as the reward of its epoch: its miners' emission. The name
// is from the registration with the latest timestamp (ties: the later in (author, height) order).
// Errors: those of LedgerStore::ForEach, and kCorrupt for a body that does not decode.
Result<std::vector<LeaderRow>> BuildLeaderboard(const LedgerStore& store);

// Aligned plain-text table, one line per row under a header: rank, miner (first 8 hex characters
// of the key and the name), EMA score, rewards, rounds submitted, rounds accepted, last
// improvement in %, and rejections as "reason_name x count" (loconet::CodeName).
std::string RenderTable(const std::vector<LeaderRow>& rows);

// An array of objects, in rank order: rank, miner (full hex), short, name, ema_ppb, rewards,
// rounds_submitted, rounds_accepted, last_improvement_ppb, and rejections as an array of
// {code, reason, count}.
nlohmann::json LeaderboardJson(const std::vector<LeaderRow>& rows);

// One self-contained HTML page (inline style, no scripts, no outside resources) with the same
// table; every value from the ledger is HTML-escaped.
std::string RenderHtml(const std::vector<LeaderRow>& rows);

}  // namespace loconet::ledger
