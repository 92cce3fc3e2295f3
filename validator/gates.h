// The validator's gates: pure functions of (round state, submission) that decide whether a
// submission may be scored, with the reason code sent back to the miner and written to the
// ledger when it may not (docs/incentives.md lists each). They read; the caller
// (validator/service.h at receipt, CloseRound at close) applies what the verdict says.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <set>
#include <vector>

#include "core/hash.h"
#include "core/keys.h"
#include "core/status.h"
#include "sync/codec.h"
#include "sync/messages.pb.h"
#include "validator/aggregate.h"
#include "validator/payload_log.h"
#include "validator/round_state.h"

namespace loconet {

// What the receipt gates need besides the round: the round's rules and the model shapes.
struct ReceiptRules {
  const sync::CodecSpec* codec = nullptr;  // the round's codec spec
  const sync::Codec* decoder = nullptr;    // a codec built from it
  torch::nn::Module* model = nullptr;      // the global model (shapes and names; not changed)
  uint64_t num_pages = 0;                  // pages in the training shard
  uint32_t pages_per_miner = 0;
};

struct ReceiptVerdict {
  Status status;                   // ok: accepted for scoring at close
  bool takes_slot = false;         // the miner's one submission of the round is used up
  std::optional<Hash256> payload;  // passed the replay gate: remember this payload hash
  Update update;                   // the decoded update, when ok
};

// Hash of a submission's payload: BLAKE2b-256 over the encoded tensor data, in order.
Hash256 PayloadHash(const proto::Submission& s);

// The gates at receipt, in order (docs/protocol.md, "Gates"):
//   unknown_key   sender not registered
//   wrong_round   s.round is not the open round (late if it is the round just closed)
//   duplicate     the sender already used its submission of this round   [slot taken from here]
//   late          received after the deadline
//   stale_base    trained from another model than the announced base
//   replay        the same payload was seen before, from anyone          [payload remembered]
//   wrong_codec   not the round's codec
//   decode_error / shape_mismatch / non_finite   tensors do not decode to the model's shapes
//   data_receipt  the page digest is not that of the sender's assigned pages
ReceiptVerdict CheckSubmission(const RoundState& round, const Registry& registry,
                               const PayloadLog& seen, const ReceiptRules& rules,
                               const PublicKey& sender, const proto::Submission& s, int64_t now_ms);

// The gates at close, which need the whole round. For each accepted update (receipt order):
// kOk to keep, or the reason it is dropped:
//   rate_limited  its key went over the per-key rate limit this round (flooding must not pay)
//   outlier       its norm exceeds the round's magnitude limit (MagnitudeLimit)
//   copy          it is a near copy (sketch cosine above copy_cosine) of an earlier kept update
struct CloseRules {
  double max_update_ratio = 0;  // norm limit relative to the model's norm (0: none)
  double outlier_factor = 0;    // norm limit relative to the round's median (0: none)
  double copy_cosine = 1;
};

// The norm above which an update is an outlier: max_update_ratio x model_norm, a bound no
// miner controls; with three or more updates also outlier_factor x their median norm. Returns
// +inf when neither applies.
double MagnitudeLimit(const CloseRules& rules, double model_norm, const std::vector<double>& norms);

// Of the updates chosen for the aggregate (their sketches, in any fixed order): true for each
// that points against the others, i.e. whose sketch has a negative cosine with the mean of the
// other sketches. Needs at least three; with fewer every update is kept. A sign-flipped copy of
// honest work can improve the loss of a fresh model (second-order terms), but it still opposes
// the honest updates beside it.
std::vector<bool> OpposesOthers(const std::vector<const std::vector<float>*>& sketches);

std::vector<Code> CheckRound(const std::vector<AcceptedUpdate>& accepted,
                             const std::set<PublicKey>& flooded, const CloseRules& rules,
                             double model_norm);

}  // namespace loconet
