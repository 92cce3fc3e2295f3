// Fetching a validator's current model, chunk by chunk (docs/protocol.md, "CheckpointRequest
// and CheckpointChunk"): what a miner does when it does not hold a round's base model, and what
// a follower validator does to catch up with its lead. Torch-free: the caller checks that the
// bytes hash to the model it asked for.
#pragma once

#include <functional>

#include "core/bytes.h"
#include "core/hash.h"
#include "core/status.h"
#include "sync/messages.pb.h"

namespace loconet::sync {

// Sends one signed request and returns the verified reply (the caller's transport).
using RequestCall = std::function<Result<proto::Reply>(const proto::Request&)>;

// The parameter bytes of model `hash`: CheckpointRequests for chunk 0, 1, ... until the count
// the first chunk names. A refusal is its reason code; a chunk with another index, a count of 0
// or over 100,000, or a count that changes is kDecodeError.
Result<Bytes> FetchCheckpointBytes(const RequestCall& call, const Hash256& hash);

}  // namespace loconet::sync
