// A miner's settings: the [miner] and [train] sections of a miner config (configs/miner.toml;
// every key in docs/operations.md). Torch-free.
#pragma once

#include <string>
#include <vector>

#include "core/keys.h"
#include "core/status.h"
#include "sync/node_address.h"
#include "trainer/model_config.h"
#include "trainer/precision.h"
#include "trainer/schedule.h"

namespace loconet {

struct MinerConfig {
  std::string key_file;
  std::string name = "miner";
  std::string validator_router = "tcp://127.0.0.1:7600";
  std::string validator_pub = "tcp://127.0.0.1:7601";
  PublicKey validator_key;               // every reply and update must be signed by this key
  // Every validator of the network, in the network file's lead order: [validators.<name>]
  // tables, or the one validator above when there are none. The miner registers with and
  // submits to each; it follows the rounds of the first that answers.
  std::vector<sync::NodeAddress> validators;
  // [miner] network: the network file (network/network_file.h) whose id every message is signed
  // for; empty: the default network (sync::kDefaultNetworkId).
  std::string network_file;
  bool curve = true;                     // encrypt to validator_key (the validator's setting)
  std::string data_dir = "data/corpus";  // train.shard
  std::string log_file;                  // one JSON line per round; empty: none
  ModelConfig model;
  int threads = 1;
  LrSchedule schedule{6e-3, 0.1, 20, 100000};  // over this miner's inner steps (docs/benchmarks.md)
  double weight_decay = 0.1, beta1 = 0.9, beta2 = 0.95, grad_clip = 1.0;
  Precision precision = Precision::kFp32;  // of the inner steps' forward pass
  int request_timeout_ms = 5000;
  // Overlap: after sending its update, keep training on the round's pages until the next round
  // opens, at most overlap_steps more (0: the round's local steps), and carry that progress
  // into the next round's update.
  bool overlap = false;  // off by default: docs/architecture.md says why
  uint32_t overlap_steps = 0;
  // A simulated link to every validator, for tests and benchmarks (sync/simulated_link.h):
  // latency each way and rate; 0 and 0: the real link only.
  int link_delay_ms = 0;
  double link_mbit = 0;
  int64_t rounds = 0;  // stop after this many submissions; 0: until stopped
  std::string metrics;          // Prometheus endpoint "IPV4:PORT"; empty: none
  bool metrics_public = false;  // a non-loopback metrics address is refused without this
  // Testing the validator: behave like a real miner except for one attack (kAdversaries).
  std::string adversary;
  std::string copy_from;         // the folder of the miner whose submissions "copy" takes
                                 // ("sybil": whose key it trains for too)
  std::string adversary_data;    // a corpus folder with heldout.shard ("heldout_*" attacks)
  bool dump_submission = false;  // write last_submission.bin beside the log file
};

// Reads a miner config; relative paths in it are taken relative to the config's folder.
Result<MinerConfig> LoadMinerConfig(const std::string& path);

}  // namespace loconet
