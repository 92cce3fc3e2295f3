#include "validator/metrics.h"

namespace loconet {

ValidatorMetrics::ValidatorMetrics(metrics::Registry* r)
    : round_(r->AddGauge("loconet_validator_round",
                         "The round open now, or the next to open once the last one closed.")),
      registered_(r->AddGauge("loconet_validator_registered_miners",
                              "Miners registered with this validator.")),
      close_seconds_(r->AddGauge(
          "loconet_validator_round_close_seconds",
          "Seconds the last round's close took: gates, scoring, aggregation, commit, publish.")),
      heldout_loss_(r->AddGauge(
          "loconet_validator_heldout_loss",
          "Global model's loss (nats per token) on the fixed held-out batches after the last "
          "round.")),
      submissions_(r->AddLabelledCounter(
          "loconet_validator_submissions_total",
          "Submissions that passed admission, by the receipt gates' verdict (reason=\"ok\": "
          "accepted for scoring).",
          "reason")),
      rejections_(r->AddLabelledCounter(
          "loconet_validator_rejections_total",
          "Rejected requests and updates by reason: at admission, at the receipt gates and at "
          "close (the status line's rejections).",
          "reason")),
      received_bytes_(r->AddCounter("loconet_validator_received_bytes_total",
                                    "Bytes of requests received on the ROUTER socket.")),
      scoring_seconds_(r->AddHistogram(
          "loconet_validator_scoring_seconds",
          "Seconds to score one update at close: decode, held-out improvement, data check.",
          {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 60})) {
  submissions_.With(CodeName(Code::kOk));  // a series from the start, so rate() sees the first
}

void ValidatorMetrics::SetRound(uint64_t round) const { round_.Set(static_cast<double>(round)); }
void ValidatorMetrics::SetRegisteredMiners(size_t count) const {
  registered_.Set(static_cast<double>(count));
}
void ValidatorMetrics::CountSubmission(Code verdict) const {
  submissions_.With(CodeName(verdict)).Increment();
}
void ValidatorMetrics::CountRejection(Code reason) const {
  rejections_.With(CodeName(reason)).Increment();
}
void ValidatorMetrics::AddReceivedBytes(size_t bytes) const {
  received_bytes_.Increment(static_cast<double>(bytes));
}
void ValidatorMetrics::ObserveScoring(double seconds) const { scoring_seconds_.Observe(seconds); }
void ValidatorMetrics::SetRoundClose(double seconds) const { close_seconds_.Set(seconds); }
void ValidatorMetrics::SetHeldoutLoss(double loss) const { heldout_loss_.Set(loss); }

}  // namespace loconet
