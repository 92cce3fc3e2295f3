// Test-only miner behaviour: the attacks a miner can run instead of honest work, so that the
// validator's checks are exercised by real processes (loconet devnet --adversaries,
// tests/net/adversary_test.cpp). The honest miner (miner/miner.cpp) calls a Behaviour at each
// point where an attack departs from honest work; the honest Behaviour changes nothing, so the
// honest path reads without attack branches. docs/incentives.md says what each attack does and
// which check catches it.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/hash.h"
#include "core/status.h"
#include "miner/config.h"
#include "sync/codec.h"
#include "sync/messages.pb.h"

namespace loconet {

// The attacks `miner.adversary` can name: zero, noise, sign_flip, scale100, scale1e6, nan, copy,
// copy_noise, replay, unassigned, stale_base, future_round, wrong_codec, oversized, malformed,
// flood, lazy, heldout_mix, heldout_only, sybil, sybil_twin, work50, work75. The list ends with
// nullptr.
extern const char* const kAdversaries[];
bool IsAdversary(const std::string& name);

// What an attack may do with the miner's connection.
class MinerLink {
 public:
  virtual ~MinerLink() = default;
  // Sends raw bytes instead of a signed request and logs the reply.
  virtual Status SendRaw(const Bytes& raw, uint64_t round) = 0;
  // Sends a signed request and returns the verified reply.
  virtual Result<proto::Reply> Call(const proto::Request& req, int attempts) = 0;
};

class Behaviour {
 public:
  virtual ~Behaviour() = default;
  // At the start of a round: an attack that sends something else instead of a submission
  // returns the outcome; nullopt goes on with the round.
  virtual std::optional<Status> Instead(MinerLink&, const proto::RoundAnnouncement&) {
    return std::nullopt;
  }
  // The pages to train on, given the assigned ones.
  virtual std::vector<uint64_t> PagesToTrain(const Hash256& round_seed,
                                             const std::vector<uint64_t>& assigned,
                                             uint64_t num_pages) {
    return assigned;
  }
  // How many of the round's `local_steps` inner steps to train (the submission claims them all).
  virtual uint32_t StepsToTrain(uint32_t local_steps) { return local_steps; }
  // Inner step `step` of `round` is about to train on `rows` (batch x (ctx + 1) tokens).
  virtual Status ChangeBatch(uint64_t round, uint32_t step, int batch, int ctx,
                             std::vector<int64_t>* rows) {
    return Status::Ok();
  }
  // The pseudo-gradient as it will be encoded (canonical parameter order).
  virtual void ChangeDelta(std::vector<torch::Tensor>* delta) {}
  // The codec spec the submission will claim and use.
  virtual void ChangeSpec(sync::CodecSpec* spec) {}
  // The finished submission, just before it is signed and sent.
  virtual Status ChangeSubmission(proto::Submission* s, const proto::RoundAnnouncement& a,
                                  torch::nn::Module& model, const sync::Codec& codec) {
    return Status::Ok();
  }
};

// The behaviour config.adversary names; honest work for an empty name.
std::unique_ptr<Behaviour> MakeBehaviour(const MinerConfig& config);

}  // namespace loconet
