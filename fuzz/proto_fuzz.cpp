// libFuzzer target: sync::ParseProto of one broadcast or reply message (built once per message;
// LOCONET_FUZZ_MESSAGE names it: Reply, RoundAnnouncement or ModelUpdate), plus what a miner does
// next with it: ReplyStatus of a reply, MakeCodec of an announced codec, fp32 decoding of a model
// update's delta.
#include <cstddef>
#include <cstdint>

#include "fuzz/codec_check.h"
#include "sync/codec.h"
#include "sync/messages.h"

#ifndef LOCONET_FUZZ_MESSAGE
#error "define LOCONET_FUZZ_MESSAGE to the message name"
#endif

namespace {

using namespace loconet;

[[maybe_unused]] void After(const proto::Reply& reply) {
  Status s = sync::ReplyStatus(reply);
  FUZZ_CHECK(!reply.accepted() || s.ok());
}

[[maybe_unused]] void After(const proto::RoundAnnouncement& a) {
  (void)sync::MakeCodec(sync::CodecSpec::FromProto(a.codec()));
}

[[maybe_unused]] void After(const proto::ModelUpdate& u) {
  auto codec = sync::MakeCodec(sync::CodecSpec());  // fp32
  FUZZ_CHECK(codec.ok());
  for (const proto::EncodedTensor& t : u.delta()) {
    size_t n = t.data().size() / sizeof(float);
    if (n > fuzz::kMaxFuzzValues) continue;
    (void)fuzz::DecodeAndCheck(**codec, reinterpret_cast<const uint8_t*>(t.data().data()),
                               t.data().size(), n);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  proto::LOCONET_FUZZ_MESSAGE message;
  if (sync::ParseProto(data, size, "message", &message).ok()) After(message);
  return 0;
}
