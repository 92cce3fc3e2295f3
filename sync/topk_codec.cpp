#include "sync/topk_codec.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace loconet::sync {

namespace {

// Appends bit fields least-significant bit first into a buffer the caller sized exactly.
class BitWriter {
 public:
  explicit BitWriter(uint8_t* p) : p_(p) {}
  // Precondition: width <= 24 and v < 2^width.
  void Put(uint32_t v, uint32_t width) {
    acc_ |= uint64_t{v} << filled_;
    filled_ += width;
    while (filled_ >= 8) {
      *p_++ = static_cast<uint8_t>(acc_);
      acc_ >>= 8;
      filled_ -= 8;
    }
  }
  // Writes the last partial byte, its unused high bits zero.
  void Flush() {
    if (filled_ > 0) *p_++ = static_cast<uint8_t>(acc_);
    acc_ = 0;
    filled_ = 0;
  }

 private:
  uint8_t* p_;
  uint64_t acc_ = 0;
  uint32_t filled_ = 0;
};

// Reads BitWriter's fields. The caller has checked that the bytes it will touch exist: reading
// k fields of w bits touches exactly ceil(k * w / 8) bytes.
class BitReader {
 public:
  explicit BitReader(const uint8_t* p) : p_(p) {}
  uint32_t Get(uint32_t width) {
    while (filled_ < width) {
      acc_ |= uint64_t{*p_++} << filled_;
      filled_ += 8;
    }
    uint32_t v = static_cast<uint32_t>(acc_ & ((uint64_t{1} << width) - 1));
    acc_ >>= width;
    filled_ -= width;
    return v;
  }
  // The unread bits of the last byte read; the encoding requires them to be zero.
  uint64_t leftover() const { return acc_; }

 private:
  const uint8_t* p_;
  uint64_t acc_ = 0;
  uint32_t filled_ = 0;
};

uint32_t AbsBits(float v) {
  uint32_t u;
  std::memcpy(&u, &v, sizeof u);
  return u & 0x7fffffffu;
}

// Largest |level| in units of the scale: 1.5 for 2 bits, 2^(bits-1) - 1 for 4 and 8.
float MaxLevel(uint32_t bits) {
  return bits == 2 ? 1.5f : static_cast<float>((1u << (bits - 1)) - 1);
}

// The 2-bit scale s for levels {-1.5, -0.5, +0.5, +1.5} x s: Lloyd iterations from
// s = max|v| / 1.5. Each iteration assigns every |v| to the nearer magnitude (1.5 if |v| >= s,
// else 0.5) and sets s to the least-squares optimum for that assignment,
// sum(m |v|) / sum(m^2); neither step increases the squared error, so the result is never worse
// than max|v| / 1.5. Sums run in double in index order, so the result is deterministic.
float TwoBitScale(const float* v, size_t k, float max_abs) {
  float s = max_abs / 1.5f;
  if (!(s > 0)) return 0;
  for (int iter = 0; iter < 16; ++iter) {
    double num = 0, den = 0;
    for (size_t i = 0; i < k; ++i) {
      double a = std::fabs(v[i]);
      double m = a >= s ? 1.5 : 0.5;
      num += m * a;
      den += m * m;
    }
    float next = static_cast<float>(num / den);
    if (!(next > 0) || !std::isfinite(next) || next == s) break;
    s = next;
  }
  return s;
}

class TopkCodec final : public Codec {
 public:
  explicit TopkCodec(CodecSpec spec)
      : Codec(std::move(spec)),
        chunk_(this->spec().chunk),
        fraction_(this->spec().topk_fraction),
        bits_(this->spec().bits) {}

  Bytes Encode(const float* x, size_t n) const override {
    Bytes out(MaxEncodedSize(n));
    uint8_t* p = out.data();
    const size_t first_len = std::min<size_t>(chunk_, n);
    std::vector<uint64_t> keys(first_len);
    std::vector<uint32_t> index(first_len == 0 ? 0 : TopkCount(fraction_, first_len));
    std::vector<float> value(index.size());
    for (size_t begin = 0; begin < n; begin += chunk_) {
      const size_t len = std::min<size_t>(chunk_, n - begin);
      const size_t k = TopkCount(fraction_, len);
      const float* c = x + begin;
      // Key: |x| bits (monotone in |x| for finite values) above the complemented index, so the
      // largest keys are the largest magnitudes, ties going to the lower index.
      bool finite = true;
      for (size_t i = 0; i < len; ++i) {
        uint32_t a = AbsBits(c[i]);
        if (a >= 0x7f800000u) finite = false;
        keys[i] = (uint64_t{a} << 32) | (0xffffffffu - static_cast<uint32_t>(i));
      }
      if (!finite) {
        // A NaN scale, which every decoder rejects as non_finite; indices 0..k-1, codes 0.
        for (size_t j = 0; j < k; ++j) index[j] = static_cast<uint32_t>(j);
        std::fill(value.begin(), value.begin() + k, 0.0f);
        p = WriteChunk(p, len, k, std::numeric_limits<float>::quiet_NaN(), index.data(),
                       value.data(), /*quantize=*/false);
        continue;
      }
      if (k < len) {
        std::nth_element(keys.begin(), keys.begin() + (k - 1), keys.begin() + len,
                         std::greater<uint64_t>());
      }
      for (size_t j = 0; j < k; ++j) {
        index[j] = 0xffffffffu - static_cast<uint32_t>(keys[j] & 0xffffffffu);
      }
      std::sort(index.begin(), index.begin() + k);
      float max_abs = 0;
      for (size_t j = 0; j < k; ++j) {
        value[j] = c[index[j]];
        max_abs = std::max(max_abs, std::fabs(value[j]));
      }
      float scale = bits_ == 2 ? TwoBitScale(value.data(), k, max_abs) : max_abs / MaxLevel(bits_);
      // Keep the largest level finite, so that every finite input decodes.
      while (scale > 0 && !std::isfinite(MaxLevel(bits_) * scale)) {
        scale = std::nextafter(scale, 0.0f);
      }
      p = WriteChunk(p, len, k, scale, index.data(), value.data(), /*quantize=*/true);
    }
    return out;
  }

  Status Decode(const uint8_t* data, size_t size, size_t n, float* out) const override {
    LOCONET_RETURN_IF_ERROR(CheckEncodedSize(size, n));
    const uint8_t* p = data;
    const int32_t code_span = int32_t{1} << bits_;
    const int32_t most_negative = -(code_span / 2);
    std::vector<uint32_t> index(n == 0 ? 0 : TopkCount(fraction_, std::min<size_t>(chunk_, n)));
    for (size_t begin = 0; begin < n; begin += chunk_) {
      const size_t len = std::min<size_t>(chunk_, n - begin);
      const size_t k = TopkCount(fraction_, len);
      const uint32_t index_bits = TopkIndexBits(len);
      const size_t chunk_index = begin / chunk_;
      auto where = [&] { return "topk: chunk " + std::to_string(chunk_index) + ": "; };
      float scale;
      std::memcpy(&scale, p, sizeof scale);
      if (!std::isfinite(scale)) return Error(Code::kNonFinite, where() + "scale is not finite");
      if (scale < 0) return Error(Code::kDecodeError, where() + "scale is negative");
      BitReader r(p + sizeof scale);
      float* o = out + begin;
      std::fill(o, o + len, 0.0f);
      // Indices first (all of them), then the values in the same order.
      int64_t previous = -1;
      for (size_t j = 0; j < k; ++j) {
        uint32_t idx = r.Get(index_bits);
        if (idx >= len) {
          return Error(Code::kDecodeError, where() + "index " + std::to_string(idx) +
                                               " is outside the chunk of " + std::to_string(len));
        }
        if (int64_t{idx} <= previous) {
          return Error(Code::kDecodeError,
                       where() + "indices are not strictly increasing at " + std::to_string(j));
        }
        previous = idx;
        index[j] = idx;
      }
      for (size_t j = 0; j < k; ++j) {
        uint32_t code = r.Get(bits_);
        float v;
        if (bits_ == 2) {
          v = (static_cast<float>(code) - 1.5f) * scale;
        } else {
          int32_t q = static_cast<int32_t>(code) >= code_span / 2
                          ? static_cast<int32_t>(code) - code_span
                          : static_cast<int32_t>(code);
          if (q == most_negative) {
            return Error(Code::kDecodeError,
                         where() + "value code " + std::to_string(q) + " is out of range");
          }
          v = static_cast<float>(q) * scale;
        }
        if (!std::isfinite(v)) return Error(Code::kNonFinite, where() + "a value overflows");
        o[index[j]] = v;
      }
      if (r.leftover() != 0) {
        return Error(Code::kDecodeError, where() + "padding bits are not zero");
      }
      p += TopkChunkBytes(len, fraction_, bits_);
    }
    return Status::Ok();
  }

  bool lossless() const override { return false; }

  size_t MaxEncodedSize(size_t n) const override {
    size_t full = n / chunk_, rest = n % chunk_;
    size_t size = full == 0 ? 0 : full * TopkChunkBytes(chunk_, fraction_, bits_);
    if (rest != 0) size += TopkChunkBytes(rest, fraction_, bits_);
    return size;
  }

 private:
  // Writes one chunk: scale, k indices, k value codes (quantized from value[] with `scale`, or
  // all zero if !quantize), zero padding to a whole byte. Returns the end of the chunk.
  uint8_t* WriteChunk(uint8_t* p, size_t len, size_t k, float scale, const uint32_t* index,
                      const float* value, bool quantize) const {
    std::memcpy(p, &scale, sizeof scale);
    uint8_t* end = p + TopkChunkBytes(len, fraction_, bits_);
    BitWriter w(p + sizeof scale);
    const uint32_t index_bits = TopkIndexBits(len);
    for (size_t j = 0; j < k; ++j) w.Put(index[j], index_bits);
    const uint32_t mask = (1u << bits_) - 1;
    for (size_t j = 0; j < k; ++j) {
      uint32_t code = 0;
      if (quantize && scale > 0) {
        if (bits_ == 2) {
          // Nearest of {-1.5, -0.5, +0.5, +1.5} x scale: codes 0..3.
          bool high = std::fabs(value[j]) >= scale;
          code = value[j] < 0 ? (high ? 0 : 1) : (high ? 3 : 2);
        } else {
          float qmax = MaxLevel(bits_);
          float q = std::round(value[j] / scale);
          q = std::min(qmax, std::max(-qmax, q));
          code = static_cast<uint32_t>(static_cast<int32_t>(q)) & mask;
        }
      } else if (quantize && bits_ == 2) {
        code = 2;  // scale 0: every level is 0; +0.5 x 0 decodes to +0
      }
      w.Put(code, bits_);
    }
    w.Flush();
    return end;
  }

  size_t chunk_;
  double fraction_;
  uint32_t bits_;
};

}  // namespace

size_t TopkCount(double fraction, size_t len) {
  double k = std::floor(fraction * static_cast<double>(len) + 0.5);
  if (!(k >= 1)) return 1;
  return std::min(len, static_cast<size_t>(k));
}

uint32_t TopkIndexBits(size_t len) {
  uint32_t b = 0;
  while ((size_t{1} << b) < len) ++b;
  return b;
}

size_t TopkChunkBytes(size_t len, double fraction, uint32_t bits) {
  size_t k = TopkCount(fraction, len);
  size_t payload_bits = k * (TopkIndexBits(len) + bits);
  return sizeof(float) + (payload_bits + 7) / 8;
}

std::unique_ptr<Codec> NewTopkCodec(const CodecSpec& spec) {
  return std::make_unique<TopkCodec>(spec);
}

}  // namespace loconet::sync
