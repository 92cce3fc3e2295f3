// The miner: registers its key with a validator, then each round receives the announcement,
// makes sure it holds the announced base model (applying the published aggregate, or fetching
// a checkpoint), trains H inner AdamW steps on its assigned pages, compresses the pseudo-gradient
// with error feedback, signs and submits it, and logs the reply. A miner started mid-run joins at
// the next round. One thread runs a miner.
#pragma once

#include <atomic>
#include <string>

#include "core/keys.h"
#include "core/status.h"
#include "trainer/model_config.h"
#include "trainer/schedule.h"

namespace loconet {

struct MinerConfig {
  std::string key_file;
  std::string name = "miner";
  std::string validator_router = "tcp://127.0.0.1:7600";
  std::string validator_pub = "tcp://127.0.0.1:7601";
  PublicKey validator_key;               // every reply and update must be signed by this key
  bool curve = true;                     // encrypt to validator_key (the validator's setting)
  std::string data_dir = "data/corpus";  // train.shard
  std::string log_file;                  // one JSON line per round; empty: none
  ModelConfig model;
  int threads = 1;
  LrSchedule schedule{3e-3, 0.1, 20, 100000};  // over this miner's inner steps
  double weight_decay = 0.1, beta1 = 0.9, beta2 = 0.95, grad_clip = 1.0;
  int request_timeout_ms = 5000;
  int64_t rounds = 0;                    // stop after this many submissions; 0: until stopped
  // Testing the validator: behave like a real miner except for one attack (kAdversaries).
  std::string adversary;
  std::string copy_from;                 // the folder of the miner whose submissions "copy" takes
  bool dump_submission = false;          // write last_submission.bin beside the log file
};

// The attacks `adversary` can name: zero, noise, sign_flip, scale100, scale1e6, nan, copy,
// copy_noise, replay, unassigned, stale_base, future_round, wrong_codec, oversized, malformed,
// flood. docs/incentives.md says what each does and which check catches it.
extern const char* const kAdversaries[];
bool IsAdversary(const std::string& name);

Result<MinerConfig> LoadMinerConfig(const std::string& path);

Status RunMiner(const MinerConfig& config, const std::atomic<bool>& stop);

}  // namespace loconet
