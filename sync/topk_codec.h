// The top-k codec ("topk", docs/protocol.md "Codecs"): per chunk, the k values of largest
// magnitude, their indices and low-bit quantized values. Reached through MakeCodec
// (sync/codec.h); this header exposes the sizing rules so that tests, fuzz seeds and receivers
// that budget bytes compute them the same way. Torch-free; every function is thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "sync/codec.h"

namespace loconet::sync {

// Values kept in a chunk of `len` values (len >= 1): max(1, floor(fraction * len + 0.5)),
// at most len. Computed in double, so every machine gets the same k.
size_t TopkCount(double fraction, size_t len);

// Bits of one index in a chunk of `len` values: ceil(log2(len)), the fewest that address every
// position (0 for len == 1).
uint32_t TopkIndexBits(size_t len);

// Exact encoded size of one chunk of `len` values: 4 (f32le scale) + ceil(k * (index bits +
// value bits) / 8).
size_t TopkChunkBytes(size_t len, double fraction, uint32_t bits);

// A top-k codec for `spec`. Precondition: spec.Validate() is OK and spec.name is kCodecTopk
// (MakeCodec checks both).
std::unique_ptr<Codec> NewTopkCodec(const CodecSpec& spec);

}  // namespace loconet::sync
