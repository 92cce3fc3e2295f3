// libFuzzer target: one codec's Decode on hostile bytes (built once per codec; the codec name
// comes from the LOCONET_FUZZ_CODEC definition).
//
// Input: u8 chunk selector || u8 bits selector || u8 fraction || u16le n || encoded bytes.
// The header picks the spec and the value count the receiver would expect, so the fuzzer explores
// mismatched lengths as well as malformed fields.
#include <cstddef>
#include <cstdint>

#include "fuzz/codec_check.h"
#include "sync/codec.h"

#ifndef LOCONET_FUZZ_CODEC
#error "define LOCONET_FUZZ_CODEC to the codec name"
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace loconet;
  if (size < 5) return 0;
  sync::CodecSpec spec;
  spec.name = LOCONET_FUZZ_CODEC;
  static constexpr uint32_t kChunks[] = {1, 2, 3, 7, 16, 64, 100, 256, 1000, 4096};
  spec.chunk = kChunks[data[0] % (sizeof kChunks / sizeof kChunks[0])];
  static constexpr uint32_t kBits[] = {2, 4, 8};
  spec.bits = kBits[data[1] % 3];
  spec.topk_fraction = data[2] / 255.0;
  size_t n = data[3] | (size_t{data[4]} << 8);
  auto codec = sync::MakeCodec(spec);
  FUZZ_CHECK(codec.ok());
  (void)fuzz::DecodeAndCheck(**codec, data + 5, size - 5, n);
  return 0;
}
