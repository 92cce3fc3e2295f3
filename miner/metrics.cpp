#include "miner/metrics.h"

#include <algorithm>

namespace loconet {

MinerMetrics::MinerMetrics(metrics::Registry* r)
    : round_(r->AddGauge("loconet_miner_round", "The round this miner trained for last.")),
      tokens_per_second_(r->AddGauge(
          "loconet_miner_tokens_per_second",
          "Tokens trained per second over the inner steps of the current or last round.")),
      inner_loss_(r->AddGauge("loconet_miner_inner_loss",
                              "Training loss (nats per token) of the last inner step.")),
      round_lag_(r->AddGauge(
          "loconet_miner_round_lag",
          "Rounds between the validator's current round and the round whose announced base "
          "model this miner holds: above 0 from when it learns of a round it lacks the base for "
          "until it has the base.")),
      training_seconds_(r->AddCounter(
          "loconet_miner_training_seconds_total",
          "Seconds spent training: inner steps, then compressing and encoding the update.")),
      waiting_seconds_(r->AddCounter(
          "loconet_miner_waiting_seconds_total",
          "Seconds not training: registering, waiting for a round, fetching the base model, "
          "submitting.")),
      utilization_(r->AddGauge(
          "loconet_miner_utilization",
          "Compute utilization: seconds in inner steps over wall-clock seconds since the first "
          "round's training began.")),
      sent_bytes_(r->AddCounter("loconet_miner_sent_bytes_total",
                                "Bytes of the requests sent to the validator.")),
      submissions_(r->AddLabelledCounter(
          "loconet_miner_submissions_total",
          "Submissions by the validator's answer (reason=\"ok\": accepted for scoring).",
          "reason")) {
  submissions_.With(CodeName(Code::kOk));  // a series from the start, so rate() sees the first
}

void MinerMetrics::Tick() {
  const Clock::time_point now = Clock::now();
  const double seconds = std::chrono::duration<double>(now - last_).count();
  (training_ ? training_seconds_ : waiting_seconds_).Increment(seconds);
  last_ = now;
}

void MinerMetrics::BeginTraining(uint64_t round) {
  Tick();
  training_ = true;
  training_since_ = last_;
  step_from_ = last_;
  if (!started_) {
    started_ = true;
    started_at_ = last_;
  }
  round_tokens_ = 0;
  round_.Set(static_cast<double>(round));
}

void MinerMetrics::Step(double loss, uint64_t tokens) {
  Tick();
  inner_seconds_ += std::chrono::duration<double>(last_ - step_from_).count();
  step_from_ = last_;
  inner_loss_.Set(loss);
  round_tokens_ += tokens;
  const double seconds = std::chrono::duration<double>(last_ - training_since_).count();
  if (seconds > 0) tokens_per_second_.Set(static_cast<double>(round_tokens_) / seconds);
}

void MinerMetrics::EndTraining() {
  Tick();
  training_ = false;
}

void MinerMetrics::AddSentBytes(size_t bytes) {
  Tick();
  sent_bytes_.Increment(static_cast<double>(bytes));
}

void MinerMetrics::CountSubmission(Code reason) {
  Tick();
  submissions_.With(CodeName(reason)).Increment();
}

void MinerMetrics::SetRoundLag(uint64_t validator_round, uint64_t base_round) {
  Tick();
  round_lag_.Set(validator_round >= base_round ? static_cast<double>(validator_round - base_round)
                                               : 0.0);
}

double MinerMetrics::Utilization() {
  Tick();
  if (!started_) return 0;
  const double wall = std::chrono::duration<double>(last_ - started_at_).count();
  const double u = wall > 0 ? std::min(1.0, inner_seconds_ / wall) : 0;
  utilization_.Set(u);
  return u;
}

}  // namespace loconet
