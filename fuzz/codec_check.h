// Decoding check shared by the targets that reach a codec (fuzz/CMakeLists.txt).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/status.h"
#include "fuzz/fuzz_util.h"
#include "sync/codec.h"

namespace loconet::fuzz {

// Largest tensor a target decodes, so that a hostile shape cannot make the fuzzer allocate
// gigabytes (the validator bounds it by the model's shapes).
inline constexpr size_t kMaxFuzzValues = size_t{1} << 20;

// Decodes `size` bytes claiming n values with `codec`; if that succeeds, checks that every value
// is finite and that re-encoding the decoded values gives bytes that decode again. Returns the
// decode status.
inline Status DecodeAndCheck(const sync::Codec& codec, const uint8_t* data, size_t size, size_t n) {
  std::vector<float> out(n);
  Status s = codec.Decode(data, size, n, out.data());
  if (!s.ok()) {
    FUZZ_CHECK(s.code() == Code::kDecodeError || s.code() == Code::kNonFinite);
    return s;
  }
  for (float v : out) FUZZ_CHECK(v - v == 0.0f);  // finite
  Bytes again = codec.Encode(out.data(), n);
  FUZZ_CHECK(again.size() <= codec.MaxEncodedSize(n));
  std::vector<float> out2(n);
  FUZZ_CHECK(codec.Decode(again.data(), again.size(), n, out2.data()).ok());
  if (codec.lossless()) FUZZ_CHECK(again == Bytes(data, data + size));
  return s;
}

}  // namespace loconet::fuzz
