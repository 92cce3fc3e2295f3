// The validator's Prometheus metrics (loconet_validator_*; every one is described in
// docs/operations.md, "Metrics"). The node owns one ValidatorMetrics and its registry; the
// service and the round close report into it from the node's thread, and the exporter reads it
// from its own. Torch-free.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/status.h"
#include "metrics/registry.h"

namespace loconet {

class ValidatorMetrics {
 public:
  explicit ValidatorMetrics(metrics::Registry* registry);

  // The round open now, or the next to open.
  void SetRound(uint64_t round) const;
  void SetRegisteredMiners(size_t count) const;
  // The receipt verdict of a submission that passed admission: kOk when accepted for scoring.
  void CountSubmission(Code verdict) const;
  // A rejection as the round's status line counts it (RoundState::rejection_counts).
  void CountRejection(Code reason) const;
  // Request bytes as received on the ROUTER socket, before anything is checked.
  void AddReceivedBytes(size_t bytes) const;
  // Decoding, held-out improvement and data check of one update at close.
  void ObserveScoring(double seconds) const;
  // From the start of the close to the published status (the status line's close_seconds).
  void SetRoundClose(double seconds) const;
  // The global model's loss on the fixed held-out batches after the last round.
  void SetHeldoutLoss(double loss) const;

 private:
  metrics::Gauge round_, registered_, close_seconds_, heldout_loss_;
  metrics::LabelledCounter submissions_, rejections_;
  metrics::Counter received_bytes_;
  metrics::Histogram scoring_seconds_;
};

}  // namespace loconet
