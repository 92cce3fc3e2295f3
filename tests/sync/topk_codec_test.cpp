#include "sync/topk_codec.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "sync/codec.h"
#include "tests/sync/codec_fixture.h"

using namespace loconet;
using namespace loconet::sync;
using loconet::sync::testing::FeedbackErrors;
using loconet::sync::testing::RandomValues;

namespace {

std::unique_ptr<Codec> MakeTopk(uint32_t chunk, double fraction, uint32_t bits) {
  CodecSpec spec;
  spec.name = kCodecTopk;
  spec.chunk = chunk;
  spec.topk_fraction = fraction;
  spec.bits = bits;
  auto codec = MakeCodec(spec);
  REQUIRE(codec.ok());
  return std::move(codec).value();
}

// Normal values whose magnitude changes by orders of magnitude along the array.
// One chunk as read back from the wire layout of docs/protocol.md, independently of the codec.
struct WireChunk {
  size_t begin = 0, len = 0, offset = 0, bytes = 0;
  float scale = 0;
  std::vector<uint32_t> index;
  std::vector<uint32_t> code;
};

uint32_t ReadBits(const uint8_t* p, size_t bit, uint32_t width) {
  uint32_t v = 0;
  for (uint32_t b = 0; b < width; ++b, ++bit) v |= uint32_t((p[bit / 8] >> (bit % 8)) & 1) << b;
  return v;
}

std::vector<WireChunk> ParseWire(const Bytes& enc, size_t n, uint32_t chunk, double fraction,
                                 uint32_t bits) {
  std::vector<WireChunk> chunks;
  size_t offset = 0;
  for (size_t begin = 0; begin < n; begin += chunk) {
    WireChunk c;
    c.begin = begin;
    c.len = std::min<size_t>(chunk, n - begin);
    c.offset = offset;
    size_t k = TopkCount(fraction, c.len);
    uint32_t ib = TopkIndexBits(c.len);
    c.bytes = 4 + (k * (ib + bits) + 7) / 8;
    REQUIRE(offset + c.bytes <= enc.size());
    std::memcpy(&c.scale, enc.data() + offset, 4);
    const uint8_t* p = enc.data() + offset + 4;
    for (size_t j = 0; j < k; ++j) c.index.push_back(ReadBits(p, j * ib, ib));
    for (size_t j = 0; j < k; ++j) c.code.push_back(ReadBits(p, k * ib + j * bits, bits));
    offset += c.bytes;
    chunks.push_back(std::move(c));
  }
  REQUIRE(offset == enc.size());
  return chunks;
}

// The k positions of largest |x| in [begin, begin + len), ties to the lower index, ascending.
std::vector<uint32_t> ExpectedTopk(const std::vector<float>& x, size_t begin, size_t len,
                                   size_t k) {
  std::vector<uint32_t> order(len);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return std::fabs(x[begin + a]) > std::fabs(x[begin + b]);
  });
  order.resize(k);
  std::sort(order.begin(), order.end());
  return order;
}

}  // namespace

TEST_CASE("topk sizing: k, index bits and chunk bytes", "[sync]") {
  CHECK(TopkCount(0.015, 4096) == 61);
  CHECK(TopkCount(0.005, 4096) == 20);
  CHECK(TopkCount(0.0, 100) == 1);
  CHECK(TopkCount(1.0, 7) == 7);
  CHECK(TopkCount(0.5, 3) == 2);  // 1.5 rounds half up
  CHECK(TopkIndexBits(1) == 0);
  CHECK(TopkIndexBits(2) == 1);
  CHECK(TopkIndexBits(4096) == 12);
  CHECK(TopkIndexBits(4097) == 13);
  // SparseLoCo-style: 61 x (12 + 2) bits = 107 bytes + scale.
  CHECK(TopkChunkBytes(4096, 0.015, 2) == 111);
  auto codec = MakeTopk(4096, 0.015, 2);
  CHECK(codec->MaxEncodedSize(5853184) == 1429 * 111);  // 1429 full chunks
  CHECK(codec->MaxEncodedSize(4096 + 100) == 111 + TopkChunkBytes(100, 0.015, 2));
  CHECK_FALSE(codec->lossless());
}

TEST_CASE("topk keeps exactly the k largest magnitudes, ties to the lower index", "[sync]") {
  for (uint32_t bits : {2u, 4u, 8u}) {
    const uint32_t chunk = 256;
    const double fraction = 0.05;
    auto codec = MakeTopk(chunk, fraction, bits);
    std::vector<float> x = RandomValues(1000, 20 + bits);
    // Ties: equal magnitudes of both signs inside one chunk, around the selection threshold.
    for (size_t i = 300; i < 340; ++i) x[i] = (i % 2 ? -1.0f : 1.0f) * 7.0f;
    Bytes enc = codec->Encode(x.data(), x.size());
    REQUIRE(enc.size() == codec->MaxEncodedSize(x.size()));
    for (const WireChunk& c : ParseWire(enc, x.size(), chunk, fraction, bits)) {
      INFO("bits " << bits << " chunk at " << c.begin);
      CHECK(c.index == ExpectedTopk(x, c.begin, c.len, TopkCount(fraction, c.len)));
    }
  }
}

TEST_CASE("topk 4 and 8 bits decode kept values within scale / 2 and the rest to 0", "[sync]") {
  for (uint32_t bits : {4u, 8u}) {
    const uint32_t chunk = 128;
    const double fraction = 0.1;
    auto codec = MakeTopk(chunk, fraction, bits);
    std::vector<float> x = RandomValues(1000, 30 + bits);
    Bytes enc = codec->Encode(x.data(), x.size());
    std::vector<float> y(x.size(), 123.0f);
    REQUIRE(codec->Decode(enc.data(), enc.size(), y.size(), y.data()).ok());
    const float qmax = float((1 << (bits - 1)) - 1);
    for (const WireChunk& c : ParseWire(enc, x.size(), chunk, fraction, bits)) {
      float max_abs = 0;
      for (uint32_t i : c.index) max_abs = std::max(max_abs, std::fabs(x[c.begin + i]));
      CHECK(c.scale == max_abs / qmax);
      std::vector<bool> kept(c.len, false);
      for (uint32_t i : c.index) kept[i] = true;
      for (size_t i = 0; i < c.len; ++i) {
        INFO("bits " << bits << " value " << c.begin + i);
        if (kept[i]) {
          CHECK(std::fabs(x[c.begin + i] - y[c.begin + i]) <= c.scale / 2 * (1 + 1e-4f) + 1e-30f);
        } else {
          CHECK(y[c.begin + i] == 0.0f);
        }
      }
    }
  }
}

TEST_CASE("topk 2 bits: kept values within max(scale / 2, |x| - 1.5 scale), fit beats max / 1.5",
          "[sync]") {
  const uint32_t chunk = 512;
  const double fraction = 0.05;
  auto codec = MakeTopk(chunk, fraction, 2);
  std::vector<float> x = RandomValues(4096, 40);
  Bytes enc = codec->Encode(x.data(), x.size());
  std::vector<float> y(x.size());
  REQUIRE(codec->Decode(enc.data(), enc.size(), y.size(), y.data()).ok());
  for (const WireChunk& c : ParseWire(enc, x.size(), chunk, fraction, 2)) {
    float max_abs = 0;
    for (uint32_t i : c.index) max_abs = std::max(max_abs, std::fabs(x[c.begin + i]));
    double err_fit = 0, err_max = 0;
    const float s0 = max_abs / 1.5f;
    for (uint32_t i : c.index) {
      float v = x[c.begin + i], d = y[c.begin + i];
      float bound = std::max(c.scale / 2, std::fabs(v) - 1.5f * c.scale);
      CHECK(std::fabs(v - d) <= bound * (1 + 1e-4f) + 1e-30f);
      // Nearest level with the max / 1.5 scale, for comparison.
      float m = std::fabs(v) >= s0 ? 1.5f : 0.5f;
      float d0 = std::copysign(m * s0, v);
      err_fit += double(v - d) * (v - d);
      err_max += double(v - d0) * (v - d0);
    }
    INFO("chunk at " << c.begin << ": fitted " << err_fit << " vs max/1.5 " << err_max);
    CHECK(err_fit <= err_max * (1 + 1e-6));
  }
}

TEST_CASE("topk encodes a known chunk to known bytes", "[sync]") {
  // chunk 4, k = round(0.5 * 4) = 2, index bits 2, value bits 8: scale = 4 / 127.
  auto codec = MakeTopk(4, 0.5, 8);
  std::vector<float> x = {0.5f, -4.0f, 1.0f, 3.0f, 3.0f};
  Bytes enc = codec->Encode(x.data(), x.size());
  // Chunk 0: indices 1, 3 (2 bits each), codes -127 (0x81) and round(3 * 127 / 4) = 95 (0x5f).
  // Bits LSB first: index 1, index 3, 0x81, 0x5f, 4 zero padding bits -> 0x1d 0xf8 0x05.
  // Chunk 1 (len 1): k = 1, 0 index bits, code round(3 / (3 / 127)) = 127.
  Bytes expected;
  auto put_f32 = [&](float v) {
    uint32_t u;
    std::memcpy(&u, &v, 4);
    for (int i = 0; i < 4; ++i) expected.push_back(uint8_t(u >> (8 * i)));
  };
  put_f32(4.0f / 127.0f);
  for (uint8_t b : {0x1d, 0xf8, 0x05}) expected.push_back(b);
  put_f32(3.0f / 127.0f);
  expected.push_back(0x7f);
  CHECK(enc == expected);
}

TEST_CASE("topk encoding is deterministic", "[sync]") {
  std::vector<float> x = RandomValues(10000, 50);
  for (uint32_t bits : {2u, 4u, 8u}) {
    auto a = MakeTopk(512, 0.015, bits), b = MakeTopk(512, 0.015, bits);
    CHECK(a->Encode(x.data(), x.size()) == b->Encode(x.data(), x.size()));
    CHECK(a->Encode(x.data(), x.size()) == a->Encode(x.data(), x.size()));
  }
}

TEST_CASE("topk handles a chunk of zeros, a single value and huge values", "[sync]") {
  for (uint32_t bits : {2u, 4u, 8u}) {
    auto codec = MakeTopk(8, 0.25, bits);
    std::vector<float> x(17, 0.0f);
    x[16] = -5.0f;
    x[9] = std::numeric_limits<float>::max();
    x[10] = -std::numeric_limits<float>::max();
    Bytes enc = codec->Encode(x.data(), x.size());
    std::vector<float> y(x.size(), 1.0f);
    REQUIRE(codec->Decode(enc.data(), enc.size(), y.size(), y.data()).ok());
    for (size_t i = 0; i < 8; ++i) CHECK(y[i] == 0.0f);
    CHECK(y[9] > 0);
    CHECK(y[10] < 0);
    CHECK(y[16] == Approx(-5.0f).epsilon(bits == 2 ? 1e-6 : 0.5 / 7));
  }
}

TEST_CASE("topk encodes a non-finite input so that decoding fails with non_finite", "[sync]") {
  for (uint32_t bits : {2u, 4u, 8u}) {
    auto codec = MakeTopk(4, 0.5, bits);
    for (float bad :
         {std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::infinity()}) {
      std::vector<float> x = {1, 2, 3, 4, 5, bad, 7};
      Bytes enc = codec->Encode(x.data(), x.size());
      std::vector<float> y(x.size());
      CHECK(codec->Decode(enc.data(), enc.size(), y.size(), y.data()).code() == Code::kNonFinite);
    }
  }
}

TEST_CASE("topk rejects malformed input with a reason code", "[sync]") {
  // chunk 16, k = 4, index bits 4, value bits 8: a chunk is 4 + 6 bytes.
  auto codec = MakeTopk(16, 0.25, 8);
  std::vector<float> x = RandomValues(32, 60);
  const Bytes enc = codec->Encode(x.data(), x.size());
  REQUIRE(enc.size() == 20);
  std::vector<float> y(x.size());
  auto decode = [&](const Bytes& b) { return codec->Decode(b.data(), b.size(), 32, y.data()); };
  REQUIRE(decode(enc).ok());

  SECTION("truncated or extended") {
    for (size_t n = 0; n < enc.size(); ++n) {
      CHECK(codec->Decode(enc.data(), n, 32, y.data()).code() == Code::kDecodeError);
    }
    Bytes longer = enc;
    longer.push_back(0);
    CHECK(decode(longer).code() == Code::kDecodeError);
    CHECK(codec->Decode(enc.data(), enc.size(), 33, y.data()).code() == Code::kDecodeError);
  }
  SECTION("NaN, Inf and negative scales") {
    Bytes bad = enc;
    float nan = std::numeric_limits<float>::quiet_NaN(),
          inf = std::numeric_limits<float>::infinity();
    std::memcpy(bad.data() + 10, &nan, 4);  // chunk 1
    CHECK(decode(bad).code() == Code::kNonFinite);
    bad = enc;
    std::memcpy(bad.data(), &inf, 4);
    CHECK(decode(bad).code() == Code::kNonFinite);
    bad = enc;
    float neg = -1.0f;
    std::memcpy(bad.data(), &neg, 4);
    CHECK(decode(bad).code() == Code::kDecodeError);
    bad = enc;
    float huge = std::numeric_limits<float>::max();
    std::memcpy(bad.data(), &huge, 4);
    bad[6] = 0x7f;  // first value code 127: 127 x max overflows
    CHECK(decode(bad).code() == Code::kNonFinite);
  }
  // Index nibbles of chunk 0 are bytes 4 and 5 (indices 0..3, 4 bits each, LSB first).
  auto with_indices = [&](uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
    Bytes b2 = enc;
    b2[4] = uint8_t(a | (b << 4));
    b2[5] = uint8_t(c | (d << 4));
    return b2;
  };
  SECTION("indices must be strictly increasing") {
    CHECK(decode(with_indices(1, 2, 3, 15)).ok());
    CHECK(decode(with_indices(1, 2, 2, 15)).code() == Code::kDecodeError);  // duplicate
    CHECK(decode(with_indices(1, 3, 2, 15)).code() == Code::kDecodeError);  // unsorted
  }
  SECTION("an index outside a short last chunk") {
    // 21 values: chunk 1 has len 5, k = 1 and 3 index bits, so indices 5..7 are out of range.
    std::vector<float> x2 = RandomValues(21, 61);
    Bytes e2 = codec->Encode(x2.data(), x2.size());
    std::vector<float> y2(21);
    REQUIRE(codec->Decode(e2.data(), e2.size(), 21, y2.data()).ok());
    size_t at = 10 + 4;  // chunk 1's first payload byte: 3 index bits then 8 value bits
    e2[at] = uint8_t((e2[at] & ~0x7u) | 6u);
    CHECK(codec->Decode(e2.data(), e2.size(), 21, y2.data()).code() == Code::kDecodeError);
  }
  SECTION("value code -128 and non-zero padding") {
    Bytes bad = enc;
    bad[6] = 0x80;
    CHECK(decode(bad).code() == Code::kDecodeError);
    auto c4 = MakeTopk(16, 0.25, 4);
    auto c3 = MakeTopk(16, 3.0 / 16, 2);  // 3 x (4 + 2) = 18 bits: 6 padding bits
    Bytes e3 = c3->Encode(x.data(), 16);
    REQUIRE(e3.size() == 7);
    REQUIRE(c3->Decode(e3.data(), e3.size(), 16, y.data()).ok());
    e3[6] |= 0x80;
    CHECK(c3->Decode(e3.data(), e3.size(), 16, y.data()).code() == Code::kDecodeError);
    Bytes e4 = c4->Encode(x.data(), 16);
    e4[6] = uint8_t((e4[6] & 0xf0) | 0x8);  // first 4-bit value code: -8
    CHECK(c4->Decode(e4.data(), e4.size(), 16, y.data()).code() == Code::kDecodeError);
  }
}

TEST_CASE("error feedback with topk: the sum of what was sent tracks the sum of the deltas",
          "[sync]") {
  for (uint32_t bits : {2u, 8u}) {
    auto codec = MakeTopk(256, 0.015, bits);
    std::vector<float> delta = RandomValues(2048, 70);
    const std::vector<double> errors = FeedbackErrors(*codec, delta, {1, 100, 2000});
    INFO("bits " << bits << ": relative errors after 1, 100, 2000 rounds: " << errors[0] << " "
                 << errors[1] << " " << errors[2]);
    CHECK(errors[0] > 0.5);
    CHECK(errors[1] < errors[0] / 5);
    CHECK(errors[2] < errors[1] / 5);
    CHECK(errors[2] < 0.01);
  }
}

TEST_CASE("topk encode and decode of the mini model size", "[sync][slow]") {
  const size_t n = 5853184;
  std::vector<float> x = RandomValues(n, 80);
  std::vector<float> y(n);
  for (uint32_t bits : {2u, 4u, 8u}) {
    auto codec = MakeTopk(4096, 0.015, bits);
    auto t0 = std::chrono::steady_clock::now();
    Bytes enc = codec->Encode(x.data(), n);
    auto t1 = std::chrono::steady_clock::now();
    REQUIRE(codec->Decode(enc.data(), enc.size(), n, y.data()).ok());
    auto t2 = std::chrono::steady_clock::now();
    auto ms = [](auto a, auto b) {
      return std::chrono::duration<double, std::milli>(b - a).count();
    };
    WARN("topk bits " << bits << ": " << enc.size() << " bytes (" << 4.0 * n / enc.size()
                      << "x smaller than fp32), encode " << ms(t0, t1) << " ms, decode "
                      << ms(t1, t2) << " ms");
  }
}
