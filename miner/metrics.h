// The miner's Prometheus metrics (loconet_miner_*; every one is described in
// docs/operations.md, "Metrics"). The miner's thread reports into it; the exporter reads it from
// its own. Torch-free.
//
// The miner's time is split in two: training (inner steps, then compressing and encoding the
// update) and waiting (everything else: registering, polling for the next round, fetching the
// base, sending the submission and waiting for the reply). Every call below first adds the time
// since the previous call to the phase that was current, so both counters stay current while a
// phase lasts and their sum is the time since construction.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "core/status.h"
#include "metrics/registry.h"

namespace loconet {

class MinerMetrics {
 public:
  explicit MinerMetrics(metrics::Registry* registry);

  void Tick();
  void BeginTraining(uint64_t round);
  // After one inner step that trained `tokens` tokens with training loss `loss`.
  void Step(double loss, uint64_t tokens);
  // Back to waiting.
  void EndTraining();

  // A request of `bytes` sent to the validator (once per request, however many attempts).
  void AddSentBytes(size_t bytes);
  // The validator's answer to a submission.
  void CountSubmission(Code reason);
  // Rounds between the validator's current round and the round whose announced base model this
  // miner holds (0 if the miner is ahead).
  void SetRoundLag(uint64_t validator_round, uint64_t base_round);

  // Compute utilization: seconds in inner steps over wall-clock seconds since the first round's
  // training began (0 before it). Also exported as loconet_miner_utilization.
  double Utilization();

 private:
  using Clock = std::chrono::steady_clock;
  metrics::Gauge round_, tokens_per_second_, inner_loss_, round_lag_;
  metrics::Counter training_seconds_, waiting_seconds_;
  metrics::Gauge utilization_;
  metrics::Counter sent_bytes_;
  metrics::LabelledCounter submissions_;
  Clock::time_point last_ = Clock::now();
  bool training_ = false;
  Clock::time_point training_since_;
  uint64_t round_tokens_ = 0;
  bool started_ = false;                 // the first round's training has begun
  Clock::time_point started_at_;
  Clock::time_point step_from_;          // where the current inner step began
  double inner_seconds_ = 0;             // in inner steps, every round
};

}  // namespace loconet
