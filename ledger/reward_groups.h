// Rewards by group of miners, for measuring the incentive mechanism (`loconet devnet` prints it;
// `make bench-incentives` collects it): a devnet names its honest miners "miner-<i>" and its
// attackers "adv-<attack>", and a fair mechanism pays each group for the work it did.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "ledger/leaderboard.h"

namespace loconet::ledger {

// The group of a miner name: the name without a trailing "-<digits>" ("miner-3" -> "miner",
// "adv-lazy" -> "adv-lazy"); "(unnamed)" for an empty name.
std::string GroupOf(const std::string& name);

struct GroupRow {
  std::string group;
  uint64_t miners = 0;
  uint64_t rewards = 0;              // units, all the group's miners together
  uint64_t min_rewards = 0, max_rewards = 0;  // of one miner of the group
  double share = 0;                  // of all units paid
  double vs_reference = 0;           // mean units per miner / the reference group's (0 if none)
  double mean_ema = 0;               // EMA score, mean over the group's miners
  std::map<uint16_t, uint64_t> rejections;  // reason code -> rounds, all miners together
};

struct GroupReport {
  std::string reference;     // the group the others are compared with
  uint64_t paid = 0;         // units paid to all miners
  std::vector<GroupRow> rows;  // the reference group first, then by name
};

// Groups the leaderboard's rows by GroupOf(name), compared with `reference`.
GroupReport GroupRewards(const std::vector<LeaderRow>& rows, const std::string& reference = "miner");

// A plain-text table: group, miners, units, share of what was paid, units per miner relative to
// the reference group, max/min units within the group, mean EMA, rejections.
std::string RenderGroupReport(const GroupReport& report);

// The same as JSON: {reference, paid, groups: [{group, miners, rewards, min_rewards, max_rewards,
// share, vs_reference, mean_ema, rejections: {reason: rounds}}]}.
nlohmann::json GroupReportJson(const GroupReport& report);

}  // namespace loconet::ledger
