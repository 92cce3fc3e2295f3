// Request handling: every message on the validator's ROUTER socket is answered here, in the
// node's thread. The service checks rate limits and envelopes, registers miners (proof of work,
// a free or freed slot, durably written before the reply), runs the receipt gates on submissions and records their outcome in the round
// state, and serves checkpoints and ledger ranges. It never throws: an exception inside a
// handler is logged and answered with `internal`.
#pragma once

#include <cstddef>
#include <string>

#include "core/bytes.h"
#include "core/hash.h"
#include "core/keys.h"
#include "ledger/store.h"
#include "sync/envelope.h"
#include "sync/messages.pb.h"
#include "sync/transport.h"
#include "validator/commit.h"
#include "validator/config.h"
#include "validator/gates.h"
#include "validator/metrics.h"
#include "validator/payload_log.h"
#include "validator/rate_limit.h"
#include "validator/request_guard.h"
#include "validator/round_state.h"
#include "validator/slots.h"

namespace loconet {

// The current model as served to miners that need a checkpoint.
struct ServedModel {
  Hash256 hash;
  Bytes bytes;
};

// What the service reads and changes; all borrowed from the node, which outlives it.
struct ServiceState {
  const ValidatorConfig* cfg = nullptr;
  const Identity* id = nullptr;
  Registry* registry = nullptr;
  RoundState* round = nullptr;
  PayloadLog* payloads = nullptr;
  const ReceiptRules* rules = nullptr;
  const ServedModel* model = nullptr;
  ledger::LedgerStore* store = nullptr;
  RoundCommitter* committer = nullptr;
  const ValidatorMetrics* metrics = nullptr;
  JoinedRounds* joined = nullptr;        // the round each registered miner joined in
  const Standings* standings = nullptr;  // EMA scores, to choose whose slot a newcomer takes
  sync::NetworkId network = sync::kDefaultNetworkId;  // requests and replies are of this network
};

class Service {
 public:
  explicit Service(const ServiceState& state);

  // The signed reply to one request from `peer`. Never throws.
  Bytes Handle(const Bytes& request, const sync::Peer& peer) noexcept;
  // The reply to a request over the size limit.
  Bytes Oversize(size_t size, const sync::Peer& peer) noexcept;

 private:
  Bytes Dispatch(const Bytes& request, const sync::Peer& peer);
  // A reply with `code`; one that is not kOk counts as a rejection (status line, metrics) unless
  // `counted` is false.
  Bytes Reply(Code code, const std::string& message, const std::string& payload = "",
              bool counted = true);
  Bytes Reject(const PublicKey* miner, Code code, const std::string& message);
  Bytes HandleRegister(const PublicKey& sender, const proto::Register& r);
  Bytes HandleGetTerms();
  Bytes HandleSubmission(const PublicKey& sender, const proto::Submission& s);
  Bytes HandleCheckpoint(const proto::CheckpointRequest& r);
  Bytes HandleLedger(const proto::LedgerRangeRequest& r);

  ServiceState s_;
  RateLimiter key_limit_, connection_limit_;
  RateLimiter registration_limit_;  // one bucket for every key: proofs of work checked per second
  RequestGuard guard_;
};

}  // namespace loconet
