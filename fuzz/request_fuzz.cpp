// libFuzzer target: the validator's entry point for a request. The input is a serialized
// Envelope: sync::OpenEnvelope checks it (fuzzed bytes almost never carry a valid signature),
// and, since the signature is what keeps the fuzzer from reaching the body, the body is also
// parsed as a proto::Request without it, and a submission's tensors are decoded with their
// claimed codec as the validator's gates would.
#include <cstddef>
#include <cstdint>

#include "fuzz/codec_check.h"
#include "sync/codec.h"
#include "sync/envelope.h"
#include "sync/messages.h"

namespace {

using namespace loconet;

void CheckRequestBody(const uint8_t* data, size_t size) {
  proto::Request request;
  if (!sync::ParseProto(data, size, "request", &request).ok()) return;
  if (!request.has_submission()) return;
  const proto::Submission& sub = request.submission();
  sync::CodecSpec spec = sync::CodecSpec::FromProto(sub.codec());
  auto codec = sync::MakeCodec(spec);
  if (!codec.ok()) return;
  for (const proto::EncodedTensor& t : sub.tensors()) {
    size_t n = 1;
    bool fits = true;
    for (uint64_t d : t.shape()) {
      if (d != 0 && n > fuzz::kMaxFuzzValues / d) {
        fits = false;
        break;
      }
      n *= static_cast<size_t>(d);
    }
    if (!fits || n > fuzz::kMaxFuzzValues) continue;
    const auto* bytes = reinterpret_cast<const uint8_t*>(t.data().data());
    (void)fuzz::DecodeAndCheck(**codec, bytes, t.data().size(), n);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto opened = sync::OpenEnvelope(data, size, 1 << 20, sync::kTagRequest);
  if (opened.ok()) CheckRequestBody(opened->body.data(), opened->body.size());
  proto::Envelope envelope;
  if (sync::ParseProto(data, size, "envelope", &envelope).ok()) {
    CheckRequestBody(reinterpret_cast<const uint8_t*>(envelope.body().data()),
                     envelope.body().size());
  }
  return 0;
}
