// Helpers around the generated protobuf messages (sync/messages.proto, "sync/messages.pb.h").
//
// Protobuf reports failure by return value, except for allocation failure (std::bad_alloc);
// these helpers turn both into a Status so that callers never see an exception. All functions
// are thread-safe (they touch only their arguments).
#pragma once

#include <google/protobuf/message_lite.h>

#include <cstdint>
#include <string>

#include "core/bytes.h"
#include "core/keys.h"
#include "core/status.h"
#include "sync/envelope.h"
#include "sync/messages.pb.h"

namespace loconet::sync {

// Serializes `message` deterministically (the same message gives the same bytes in this build).
// Fails with kInternal if the message is over protobuf's 2 GiB limit or memory runs out.
Result<Bytes> SerializeProto(const google::protobuf::MessageLite& message);

// Parses `size` bytes into `*out` (cleared first). Anything that is not a valid encoding of the
// message, including invalid UTF-8 in a string field, is kDecodeError naming `what`.
// Protobuf logs such failures itself, so a peer could flood stderr: the first call routes
// protobuf's log lines to spdlog (debug level; fatal ones at error) for the whole process.
Status ParseProto(const uint8_t* data, size_t size, const std::string& what,
                  google::protobuf::MessageLite* out);
inline Status ParseProto(const Bytes& bytes, const std::string& what,
                         google::protobuf::MessageLite* out) {
  return ParseProto(bytes.data(), bytes.size(), what, out);
}

// Routes protobuf's log lines to spdlog as described above. Idempotent. Protobuf's handler is
// global and not thread-safe to replace, so programs should call this once at start-up, before
// threads exist; ParseProto calls it too, as a safety net.
void RouteProtobufLogs();

// A Reply carrying `status` (accepted iff status.ok(); reason = the numeric Code; message =
// status.message(), cut to 1024 characters, bytes outside printable ASCII replaced by '?' so the
// reply always parses) and the validator's current round.
proto::Reply MakeReply(const Status& status, uint64_t round);
// The Status a Reply stands for: OK if accepted, else its reason code and message.
Status ReplyStatus(const proto::Reply& reply);

// A request envelope bound to `recipient` and stamped with the sender's clock: sets
// req->recipient and req->sent_unix_ms, serializes and signs under kTagRequest for `network`.
Result<Bytes> SealRequest(const Identity& sender, const PublicKey& recipient, proto::Request* req,
                          const NetworkId& network = kDefaultNetworkId);

}  // namespace loconet::sync
