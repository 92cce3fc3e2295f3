// A local network on 127.0.0.1: validators and N miners as separate `loconet` processes, each
// with its own folder, key and config under `dir`. Shows per-round progress from the
// validator's status file, stops every child at the end or when *stop becomes true (no orphans:
// children also get SIGTERM if this process dies), then verifies the ledger and prints the
// leaderboard; with `dashboard` set it also serves the live web dashboard. Torch-free.
#pragma once

#include <atomic>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "core/status.h"

namespace loconet {

struct DevnetOptions {
  // Validators: 1 runs alone on the default network; more are listed with equal stakes in a
  // network file (<dir>/network.toml), validator-0 leading, the others following and
  // re-deriving its aggregates; rewards then come from Yuma consensus over all of them.
  int validators = 1;
  double lead_timeout_seconds = 20;  // the followers' wait before counting the lead as down
  // Failover drill: SIGKILL validator-0 once it has closed this round (-1: never).
  int64_t kill_lead_after_round = -1;
  // Consensus drill: the last validator credits the miner folder `dishonest_target` the score
  // cap in every round (validator/config.h, [adversary] inflate_miner).
  bool dishonest_validator = false;
  std::string dishonest_target = "adv-lazy";
  int miners = 3;
  bool overlap = false;  // miners train ahead while their update travels (miner.overlap)
  int link_delay_ms = 0;  // simulated link of every miner (miner.link_delay_ms, link_mbit)
  double link_mbit = 0;
  int miner_dp = 1;  // each honest miner runs data parallel on this many processes (--dp)
  int64_t rounds = 5;
  std::string model_config = "configs/models/micro.toml";
  std::string data_dir = "data/corpus";
  std::string dir = "runs/devnet";
  std::string binary;  // the loconet executable; empty: this process's own
  // 60 steps of 4 rows: the per-miner batch that trained best at equal tokens (docs/benchmarks.md,
  // "The per-worker batch").
  uint32_t local_steps = 60;
  uint32_t batch = 4;
  uint32_t pages_per_miner = 0;  // 0: the validator's default, no window read twice a round
  double round_seconds = 120;
  bool adaptive_deadline = false;  // round.adaptive_deadline: round_seconds is then the ceiling
  std::string codec = "int8";
  double lr = 6e-3;  // the miners' default (docs/benchmarks.md, "The inner schedule")
  // The validators' outer step ([aggregate] outer_lr, outer_momentum); negative: their default.
  double outer_lr = -1, outer_momentum = -1;
  std::string score_measure;  // the validators' [score] measure; empty: their default
  int64_t warmup_steps = 10;
  // Extra miners that each run one attack (miner/adversary.h kAdversaries); "copy" attacks copy
  // miner-0; "sybil" is two miners, adv-sybil-0 training one run for both keys and adv-sybil-1
  // sending that update with noise; the heldout_* attackers get the full corpus folder.
  std::vector<std::string> adversaries;
  // Serve the validator's ledger on this host:port while the network runs (dashboard/server.h);
  // empty: no dashboard. If it cannot be served the network runs without it and says why. `cache_dir` holds the dashboard's pinned uPlot package.
  std::string dashboard;
  std::string cache_dir = "data/cache";
  // Also write the rewards by group of miners (ledger/reward_groups.h) to this file as JSON;
  // empty: only print them.
  std::string report_file;
};

Status RunDevnet(const DevnetOptions& options, const std::atomic<bool>& stop, std::ostream& out);

}  // namespace loconet
