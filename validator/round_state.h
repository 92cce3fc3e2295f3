// The state of one validator round: what the announcement promised and what has arrived.
// Owned by the node's thread; the gates (validator/gates.h) read it, the service
// (validator/service.h) records arrivals in it, CloseRound consumes it.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/hash.h"
#include "core/keys.h"
#include "core/status.h"
#include "sync/messages.pb.h"

namespace loconet {

// Registered miners and their display names.
using Registry = std::map<PublicKey, std::string>;

// A submission that passed every gate that needs only itself. It is kept in its encoded form
// (the round's codec: int8 is a quarter of fp32), so a round's memory grows with the bytes miners
// sent, not with dense copies of the model; CloseRound decodes one at a time.
struct AcceptedUpdate {
  PublicKey miner;
  uint32_t order = 0;         // receipt order within the round
  double norm = 0;            // L2 norm of the decoded update (validator/aggregate.h UpdateNorm)
  std::vector<float> sketch;  // the update at the round's sketch coordinates (copy check)
  google::protobuf::RepeatedPtrField<proto::EncodedTensor> tensors;
  int64_t received_ms = 0;    // Unix milliseconds at receipt (adaptive deadlines)
  uint32_t inner_steps = 0;   // the steps the miner says it trained
};

struct RoundState {
  uint64_t round = 0;
  bool open = false;
  proto::RoundAnnouncement announcement;
  Hash256 base_hash;   // the model every submission must start from
  Hash256 round_seed;  // public: page assignment
  Hash256 secret;      // revealed after close: evaluation batches, data-check pages
  int64_t opened_ms = 0;     // Unix milliseconds when announced
  int64_t deadline_ms = 0;
  uint64_t bytes_received = 0;  // submission bytes of the round, accepted or not
  std::set<PublicKey> eligible;   // registered when the round opened: `missed` if silent
  std::set<PublicKey> submitted;  // used their one submission of the round
  std::set<PublicKey> flooded;    // went over the per-key rate limit this round
  std::map<PublicKey, std::pair<uint16_t, uint32_t>> rejected;  // first reason, receipt order
  std::vector<AcceptedUpdate> accepted;
  std::vector<uint64_t> sketch_coords;  // drawn from the secret at open (validator/aggregate.h)
  uint32_t next_order = 0;
  std::map<std::string, int64_t> rejection_counts;  // every rejection, attributable or not
};

}  // namespace loconet
