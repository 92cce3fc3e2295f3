#include "sync/checkpoint_fetch.h"

#include <string>

namespace loconet::sync {

Result<Bytes> FetchCheckpointBytes(const RequestCall& call, const Hash256& hash) {
  Bytes all;
  uint32_t count = 1;
  for (uint32_t i = 0; i < count; ++i) {
    proto::Request req;
    req.mutable_checkpoint()->set_model_hash(RawString(hash));
    req.mutable_checkpoint()->set_index(i);
    LOCONET_ASSIGN_OR_RETURN(proto::Reply reply, call(req));
    if (!reply.accepted()) {
      return Error(static_cast<Code>(reply.reason()), "checkpoint: " + reply.message());
    }
    proto::CheckpointChunk chunk;
    if (!chunk.ParseFromString(reply.payload()) || chunk.index() != i || chunk.count() == 0 ||
        chunk.count() > 100000 || (i > 0 && chunk.count() != count)) {
      return Error(Code::kDecodeError, "checkpoint chunk " + std::to_string(i) + " is malformed");
    }
    count = chunk.count();
    all.insert(all.end(), chunk.data().begin(), chunk.data().end());
  }
  return all;
}

}  // namespace loconet::sync
