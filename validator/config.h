// Validator settings: the [validator], [round], [score] and [rewards] sections of a validator
// config (configs/validator.toml; every key in docs/operations.md). Torch-free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "sync/codec.h"
#include "sync/node_address.h"
#include "trainer/model_config.h"

namespace loconet {

struct ValidatorConfig {
  std::string key_file;
  std::string db_dir = "validator/ledger";
  std::string state_file = "validator/state.pt";  // global model, outer momentum, next round
  std::string data_dir = "data/corpus";           // heldout.shard and train.shard
  std::string status_file;                        // one JSON line per round; empty: none
  // {"router": ..., "pub": ..., "metrics": ...} as bound (port 0 resolved); empty: none
  std::string endpoints_file;
  // [validator] network: the network file (network/network_file.h) naming the network's id and
  // validators; empty: the default network (sync::kDefaultNetworkId), this validator alone.
  std::string network_file;
  // The network's other validators ([peers.<name>] tables): this validator follows their rounds
  // and model updates and replicates their chains (docs/protocol.md, "Several validators").
  std::vector<sync::NodeAddress> peers;
  // A follower waits this long after its own close for the lead's model update (and this long
  // after a round's deadline for the next announcement) before it counts the lead as down and
  // the next validator in the lead order takes over.
  double lead_timeout_seconds = 30;
  // Testing consensus only: a dishonest validator that credits this miner the score cap in
  // every round it submits (all zeros: honest).
  PublicKey inflate_miner;
  std::string router_endpoint = "tcp://127.0.0.1:7600";
  std::string pub_endpoint = "tcp://127.0.0.1:7601";
  ModelConfig model;
  uint64_t seed = 1;
  int threads = 1;
  size_t max_request_bytes = 64u << 20;
  bool curve = true;            // CURVE-encrypt both sockets with the validator's key
  std::string metrics;          // Prometheus endpoint "IPV4:PORT"; empty: none
  bool metrics_public = false;  // a non-loopback metrics address is refused without this
  // Rounds.
  int64_t rounds = 0;         // stop after this many rounds; 0: run until stopped
  int64_t min_miners = 1;     // the first round waits for this many registrations
  double round_seconds = 60;  // deadline after the announcement (the ceiling when adaptive)
  // Adaptive deadlines (validator/round_deadline.h): the deadline follows the miners' measured
  // arrival times, between min_seconds and round_seconds.
  bool adaptive_deadline = false;
  double min_seconds = 1;
  double deadline_spread = 3;
  uint32_t local_steps = 200;  // H
  uint32_t batch = 4;
  uint32_t pages_per_miner = 0;  // 0: enough that a round reads no window twice
                                 // (datasets::PagesToCover), set at start
  sync::CodecSpec codec;
  // Evaluation and aggregation.
  double eval_lr = 1.0;  // theta' = theta - eval_lr * decoded update
  // What the improvement measures: "alone" (the update applied alone to the model) or
  // "leave_one_out" (what the update adds to the mean of the round's kept updates).
  std::string measure = "leave_one_out";
  uint32_t eval_batches = 32;
  // Rows per batch of the scoring: the evaluation pages, the data check and the contamination
  // check; 0: `batch`. Independent of the miners' batch, so the score's sample stays the same.
  uint32_t eval_batch = 0;
  uint32_t eval_rows() const { return eval_batch > 0 ? eval_batch : batch; }
  uint32_t heldout_batch = 0;  // rows per batch of the fixed held-out set (status heldout_loss);
                               // 0: `batch`
  uint32_t eval_pages = 64;  // unassigned training pages the evaluation batches come from
  double outer_lr = 1.0, outer_momentum = 0.0;  // plain averaging (docs/benchmarks.md)
  // Score.
  double ema_alpha = 0.3;
  double score_cap = 0.0002;  // highest relative improvement credited in one round
  // Checks (docs/incentives.md).
  double outlier_factor = 10;           // norm above this x the round's median (>= 3 updates)
  double max_update_ratio = 2.0;        // norm above this x the model's norm: rejected
  uint32_t copy_sketch = 8192;          // coordinates sampled for the copy check
  double copy_cosine = 0.97;            // cosine to an earlier submission above this: a copy
  double data_alpha = 0.3;              // EMA weight of the own-vs-random data verdict
  double data_z = 2;                    // standard errors the data check must clear for a verdict
  double data_margin = 1.25;            // own-page gain must exceed this x the evaluation pages'
  uint32_t data_pages = 16;             // own pages sampled for the data check
  uint32_t data_batches = 16;           // batches evaluated on the own side
  double work_cap = 0.05;               // own-page excess gain that earns the full work factor;
                                        // 0: no work factor
  double contamination_z = 0;           // standard errors by which held-out gain above random
                                        // pages' gain means contaminated; 0: no check (the
                                        // default: measured, it does not separate, see
                                        // docs/incentives.md)
  double contamination_margin = 1.5;    // ... above this x the random-page gain
  double max_messages_per_second = 20;  // per key; more are answered rate_limited
  double max_connection_messages_per_second = 40;  // per connection, checked before signatures
  double request_window_seconds = 60;   // a request's sent_unix_ms must be this close to now
  uint64_t payload_window_rounds = 64;  // rounds of payload hashes kept for the replay gate
  // Registration (sync/registration_pow.h, validator/slots.h).
  uint32_t pow_bits = 14;              // proof of work: leading zero bits (0: none)
  uint32_t pow_memory_kib = 16384;     // Argon2id memory per evaluation
  uint32_t pow_ops = 1;                // Argon2id passes
  uint32_t max_miners = 256;           // miner slots
  uint64_t immunity_rounds = 10;       // a new miner cannot be replaced for this many rounds
  double registrations_per_second = 20;  // proofs checked per second, for all keys together
  // Rewards.
  uint64_t epoch_rounds = 5;
  uint64_t emission = 1000000;  // units split per epoch
};

// Reads a validator config; relative paths in it are taken relative to the config's folder.
Result<ValidatorConfig> LoadValidatorConfig(const std::string& path);

}  // namespace loconet
