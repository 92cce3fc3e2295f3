#include "sync/codec.h"
#include "tests/sync/codec_fixture.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

using namespace loconet;
using namespace loconet::sync;
using loconet::sync::testing::FeedbackErrors;
using loconet::sync::testing::RandomValues;

namespace {

std::unique_ptr<Codec> Make(const std::string& name, uint32_t chunk = 64) {
  CodecSpec spec;
  spec.name = name;
  spec.chunk = chunk;
  auto codec = MakeCodec(spec);
  REQUIRE(codec.ok());
  return std::move(codec).value();
}

void PutF32(Bytes* b, size_t at, float v) { std::memcpy(b->data() + at, &v, 4); }

}  // namespace

TEST_CASE("fp32 round-trips bit for bit", "[sync]") {
  auto codec = Make(kCodecFp32);
  std::vector<float> x = RandomValues(1001, 1);
  x[0] = -0.0f;
  x[1] = std::numeric_limits<float>::denorm_min();
  x[2] = std::numeric_limits<float>::max();
  Bytes enc = codec->Encode(x.data(), x.size());
  CHECK(enc.size() == 4 * x.size());
  CHECK(enc.size() == codec->MaxEncodedSize(x.size()));
  std::vector<float> y(x.size());
  REQUIRE(codec->Decode(enc.data(), enc.size(), y.size(), y.data()).ok());
  CHECK(std::memcmp(x.data(), y.data(), 4 * x.size()) == 0);
  CHECK(codec->lossless());
}

TEST_CASE("fp32 rejects NaN and Inf with non_finite", "[sync]") {
  auto codec = Make(kCodecFp32);
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                    -std::numeric_limits<float>::infinity()}) {
    std::vector<float> x = {1, 2, bad, 4};
    Bytes enc = codec->Encode(x.data(), x.size());
    std::vector<float> y(4);
    CHECK(codec->Decode(enc.data(), enc.size(), 4, y.data()).code() == Code::kNonFinite);
  }
}

TEST_CASE("fp32 rejects a byte length that does not match the value count", "[sync]") {
  auto codec = Make(kCodecFp32);
  std::vector<float> x = {1, 2, 3};
  Bytes enc = codec->Encode(x.data(), x.size());
  std::vector<float> y(4);
  CHECK(codec->Decode(enc.data(), enc.size() - 1, 3, y.data()).code() == Code::kDecodeError);
  CHECK(codec->Decode(enc.data(), enc.size(), 4, y.data()).code() == Code::kDecodeError);
  CHECK(codec->Decode(enc.data(), enc.size(), 2, y.data()).code() == Code::kDecodeError);
}

TEST_CASE("int8 decodes within half a quantization step per chunk", "[sync]") {
  const uint32_t chunk = 64;
  auto codec = Make(kCodecInt8, chunk);
  CHECK_FALSE(codec->lossless());
  std::vector<float> x = RandomValues(1000, 2);  // not a multiple of the chunk
  Bytes enc = codec->Encode(x.data(), x.size());
  const size_t chunks = (x.size() + chunk - 1) / chunk;
  REQUIRE(enc.size() == chunks * 4 + x.size());
  CHECK(enc.size() == codec->MaxEncodedSize(x.size()));
  std::vector<float> y(x.size());
  REQUIRE(codec->Decode(enc.data(), enc.size(), y.size(), y.data()).ok());
  for (size_t c = 0; c < chunks; ++c) {
    size_t begin = c * chunk, end = std::min(x.size(), begin + chunk);
    float max_abs = 0;
    for (size_t i = begin; i < end; ++i) max_abs = std::max(max_abs, std::fabs(x[i]));
    float scale;
    std::memcpy(&scale, enc.data() + c * (4 + chunk), 4);
    CHECK(scale == max_abs / 127.0f);
    for (size_t i = begin; i < end; ++i) {
      INFO("chunk " << c << " value " << i);
      CHECK(std::fabs(x[i] - y[i]) <= scale / 2 * (1 + 1e-4f) + 1e-30f);
    }
  }
}

TEST_CASE("int8 encodes a known chunk to known bytes", "[sync]") {
  auto codec = Make(kCodecInt8, 4);
  // scale = 127 / 127 = 1 exactly; rounding is half away from zero.
  std::vector<float> x = {127.0f, -2.5f, 0.49f, 3.5f, 0.0f};
  Bytes enc = codec->Encode(x.data(), x.size());
  Bytes expected = {0x00, 0x00, 0x80, 0x3f, 0x7f, 0xfd, 0x00, 0x04,  // chunk 0
                    0x00, 0x00, 0x00, 0x00, 0x00};                   // chunk 1: all zero
  CHECK(enc == expected);
}

TEST_CASE("int8 rejects truncated or extended input", "[sync]") {
  auto codec = Make(kCodecInt8, 16);
  std::vector<float> x = RandomValues(40, 3);
  Bytes enc = codec->Encode(x.data(), x.size());
  std::vector<float> y(x.size());
  for (size_t n = 0; n < enc.size(); ++n) {
    CHECK(codec->Decode(enc.data(), n, x.size(), y.data()).code() == Code::kDecodeError);
  }
  Bytes longer = enc;
  longer.push_back(0);
  CHECK(codec->Decode(longer.data(), longer.size(), x.size(), y.data()).code() ==
        Code::kDecodeError);
}

TEST_CASE("int8 rejects a NaN or Inf scale with non_finite and a negative one as malformed",
          "[sync]") {
  auto codec = Make(kCodecInt8, 8);
  std::vector<float> x = RandomValues(16, 4);
  const Bytes enc = codec->Encode(x.data(), x.size());
  std::vector<float> y(x.size());
  Bytes bad = enc;
  PutF32(&bad, 12, std::numeric_limits<float>::quiet_NaN());  // chunk 1's scale
  CHECK(codec->Decode(bad.data(), bad.size(), 16, y.data()).code() == Code::kNonFinite);
  bad = enc;
  PutF32(&bad, 0, std::numeric_limits<float>::infinity());
  CHECK(codec->Decode(bad.data(), bad.size(), 16, y.data()).code() == Code::kNonFinite);
  bad = enc;
  PutF32(&bad, 0, -0.5f);
  CHECK(codec->Decode(bad.data(), bad.size(), 16, y.data()).code() == Code::kDecodeError);
  bad = enc;
  PutF32(&bad, 0, std::numeric_limits<float>::max());  // 127 * max overflows
  bad[4] = 127;
  CHECK(codec->Decode(bad.data(), bad.size(), 16, y.data()).code() == Code::kNonFinite);
}

TEST_CASE("int8 rejects the value -128", "[sync]") {
  auto codec = Make(kCodecInt8, 8);
  std::vector<float> x = RandomValues(8, 5);
  Bytes enc = codec->Encode(x.data(), x.size());
  enc[7] = 0x80;
  std::vector<float> y(8);
  CHECK(codec->Decode(enc.data(), enc.size(), 8, y.data()).code() == Code::kDecodeError);
}

TEST_CASE("int8 encodes a non-finite input so that decoding fails with non_finite", "[sync]") {
  auto codec = Make(kCodecInt8, 8);
  std::vector<float> x = {1, 2, std::numeric_limits<float>::quiet_NaN(), 4};
  Bytes enc = codec->Encode(x.data(), x.size());
  std::vector<float> y(4);
  CHECK(codec->Decode(enc.data(), enc.size(), 4, y.data()).code() == Code::kNonFinite);
}

TEST_CASE("encoding is deterministic", "[sync]") {
  std::vector<float> x = RandomValues(5000, 6);
  for (const char* name : {kCodecFp32, kCodecInt8}) {
    auto a = Make(name, 256), b = Make(name, 256);
    CHECK(a->Encode(x.data(), x.size()) == b->Encode(x.data(), x.size()));
    CHECK(a->Encode(x.data(), x.size()) == a->Encode(x.data(), x.size()));
  }
}

TEST_CASE("invalid codec specs are refused", "[sync]") {
  CodecSpec spec;
  spec.name = "zstd";
  CHECK(MakeCodec(spec).status().code() == Code::kInvalidArgument);
  spec = CodecSpec();
  spec.chunk = 0;
  CHECK(MakeCodec(spec).status().code() == Code::kInvalidArgument);
  spec = CodecSpec();
  spec.ef_beta = std::nan("");
  CHECK(spec.Validate().code() == Code::kInvalidArgument);
  spec = CodecSpec();
  spec.topk_fraction = 1.5;
  CHECK(spec.Validate().code() == Code::kInvalidArgument);
  CHECK(CodecSpec().Validate().ok());
}

TEST_CASE("a codec spec survives the protobuf round trip", "[sync]") {
  CodecSpec spec;
  spec.name = kCodecInt8;
  spec.chunk = 1024;
  spec.bits = 4;
  spec.topk_fraction = 0.03;
  spec.ef_beta = 0.9;
  CHECK(CodecSpec::FromProto(spec.ToProto()) == spec);
}

TEST_CASE("error feedback with int8: the sum of what was sent tracks the sum of the deltas",
          "[sync]") {
  auto codec = Make(kCodecInt8, 128);
  std::vector<float> delta = RandomValues(1000, 7);
  const std::vector<double> errors = FeedbackErrors(*codec, delta, {1, 10, 200});
  INFO("relative errors after 1, 10, 200 rounds: " << errors[0] << " " << errors[1] << " "
                                                   << errors[2]);
  CHECK(errors[0] > 0);
  CHECK(errors[1] < errors[0] / 5);
  CHECK(errors[2] < errors[0] / 50);
}

TEST_CASE("error feedback with a lossless codec sends exactly the delta and keeps a zero buffer",
          "[sync]") {
  auto codec = Make(kCodecFp32);
  ErrorFeedback ef(0.95);
  for (int round = 0; round < 5; ++round) {
    std::vector<float> delta = RandomValues(300, 10 + round);
    delta[0] = -0.0f;
    Bytes c = ef.Compress(2, delta.data(), delta.size(), *codec);
    CHECK(c == codec->Encode(delta.data(), delta.size()));
    const std::vector<float>& e = ef.buffer(2);
    REQUIRE(e.size() == delta.size());
    for (float v : e) REQUIRE(v == 0.0f);
  }
  CHECK(ef.buffer(0).empty());
  CHECK(ef.num_buffers() == 3);
}

TEST_CASE("error feedback resets a buffer that a non-finite delta would poison", "[sync]") {
  auto codec = Make(kCodecInt8, 4);
  ErrorFeedback ef(0.9);
  std::vector<float> delta = {0.3f, -0.1f, 0.7f, 0.2f};
  (void)ef.Compress(0, delta.data(), delta.size(), *codec);
  std::vector<float> bad = {1, std::numeric_limits<float>::infinity(), 0, 0};
  Bytes c = ef.Compress(0, bad.data(), bad.size(), *codec);
  std::vector<float> y(4);
  CHECK(codec->Decode(c.data(), c.size(), 4, y.data()).code() == Code::kNonFinite);
  for (float v : ef.buffer(0)) CHECK(v == 0.0f);
  ef.Reset();
  CHECK(ef.buffer(0).empty());
}
