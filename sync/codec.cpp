#include "sync/codec.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>

#include "sync/topk_codec.h"

namespace loconet::sync {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "codecs copy floats as little-endian bytes; a big-endian port must swap them");

namespace {

constexpr uint32_t kMaxChunk = 1u << 24;

// Raw little-endian IEEE floats.
class Fp32Codec final : public Codec {
 public:
  explicit Fp32Codec(CodecSpec spec) : Codec(std::move(spec)) {}

  Bytes Encode(const float* x, size_t n) const override {
    Bytes out(n * sizeof(float));
    if (n > 0) std::memcpy(out.data(), x, out.size());
    return out;
  }

  Status Decode(const uint8_t* data, size_t size, size_t n, float* out) const override {
    LOCONET_RETURN_IF_ERROR(CheckEncodedSize(size, n));
    if (n > 0) std::memcpy(out, data, size);
    for (size_t i = 0; i < n; ++i) {
      if (!std::isfinite(out[i])) {
        return Error(Code::kNonFinite, "fp32: value " + std::to_string(i) + " is not finite");
      }
    }
    return Status::Ok();
  }

  bool lossless() const override { return true; }
  size_t MaxEncodedSize(size_t n) const override { return n * sizeof(float); }
};

// Per chunk: f32le scale, then one int8 per value.
class Int8Codec final : public Codec {
 public:
  explicit Int8Codec(CodecSpec spec) : Codec(std::move(spec)), chunk_(this->spec().chunk) {}

  Bytes Encode(const float* x, size_t n) const override {
    Bytes out(MaxEncodedSize(n));
    uint8_t* p = out.data();
    for (size_t begin = 0; begin < n; begin += chunk_) {
      size_t len = std::min<size_t>(chunk_, n - begin);
      const float* c = x + begin;
      float max_abs = 0;
      bool finite = true;
      for (size_t i = 0; i < len; ++i) {
        float a = std::fabs(c[i]);
        if (!std::isfinite(a)) {
          finite = false;
        } else if (a > max_abs) {
          max_abs = a;
        }
      }
      // A non-finite input becomes a NaN scale, which every decoder rejects as non_finite.
      float scale = finite ? max_abs / 127.0f : std::numeric_limits<float>::quiet_NaN();
      std::memcpy(p, &scale, sizeof scale);
      p += sizeof scale;
      if (!finite || scale == 0) {
        std::memset(p, 0, len);
      } else {
        for (size_t i = 0; i < len; ++i) {
          float q = std::round(c[i] / scale);
          q = std::min(127.0f, std::max(-127.0f, q));
          p[i] = static_cast<uint8_t>(static_cast<int8_t>(q));
        }
      }
      p += len;
    }
    return out;
  }

  Status Decode(const uint8_t* data, size_t size, size_t n, float* out) const override {
    LOCONET_RETURN_IF_ERROR(CheckEncodedSize(size, n));
    const uint8_t* p = data;
    for (size_t begin = 0; begin < n; begin += chunk_) {
      size_t len = std::min<size_t>(chunk_, n - begin);
      float scale;
      std::memcpy(&scale, p, sizeof scale);
      p += sizeof scale;
      size_t chunk_index = begin / chunk_;
      if (!std::isfinite(scale)) {
        return Error(Code::kNonFinite,
                     "int8: scale of chunk " + std::to_string(chunk_index) + " is not finite");
      }
      if (scale < 0) {
        return Error(Code::kDecodeError,
                     "int8: scale of chunk " + std::to_string(chunk_index) + " is negative");
      }
      for (size_t i = 0; i < len; ++i) {
        int8_t q = static_cast<int8_t>(p[i]);
        if (q == -128) {
          return Error(Code::kDecodeError, "int8: value " + std::to_string(begin + i) +
                                               " is -128, outside [-127, 127]");
        }
        float v = static_cast<float>(q) * scale;
        if (!std::isfinite(v)) {
          return Error(Code::kNonFinite, "int8: value " + std::to_string(begin + i) + " overflows");
        }
        out[begin + i] = v;
      }
      p += len;
    }
    return Status::Ok();
  }

  bool lossless() const override { return false; }
  size_t MaxEncodedSize(size_t n) const override {
    size_t chunks = n / chunk_ + (n % chunk_ != 0 ? 1 : 0);
    return chunks * sizeof(float) + n;
  }

 private:
  size_t chunk_;
};

}  // namespace

Status Codec::CheckEncodedSize(size_t size, size_t n) const {
  constexpr size_t kMaxValues = size_t{1} << 60;
  if (n < kMaxValues && size == MaxEncodedSize(n)) return Status::Ok();
  const size_t expected = n >= kMaxValues ? 0 : MaxEncodedSize(n);
  return Error(Code::kDecodeError, spec_.name + ": " + std::to_string(size) + " bytes for " +
                                       std::to_string(n) + " values, expected " +
                                       std::to_string(expected));
}

Status CodecSpec::Validate() const {
  auto bad = [this](const std::string& what) {
    return Error(Code::kInvalidArgument, "codec " + name + ": " + what);
  };
  if (name != kCodecFp32 && name != kCodecInt8 && name != kCodecTopk) {
    return Error(Code::kInvalidArgument, "unknown codec '" + name + "' (known: " + kCodecFp32 +
                                             ", " + kCodecInt8 + ", " + kCodecTopk + ")");
  }
  if (chunk < 1 || chunk > kMaxChunk) {
    return bad("chunk " + std::to_string(chunk) + " is outside [1, " + std::to_string(kMaxChunk) +
               "]");
  }
  if (bits < 1 || bits > 16) return bad("bits " + std::to_string(bits) + " is outside [1, 16]");
  if (name == kCodecTopk && bits != 2 && bits != 4 && bits != 8) {
    return bad("bits " + std::to_string(bits) + " is not 2, 4 or 8");
  }
  if (!(topk_fraction >= 0 && topk_fraction <= 1)) {
    return bad("topk_fraction " + std::to_string(topk_fraction) + " is outside [0, 1]");
  }
  if (!(ef_beta >= 0 && ef_beta <= 1)) {
    return bad("ef_beta " + std::to_string(ef_beta) + " is outside [0, 1]");
  }
  return Status::Ok();
}

proto::CodecSpec CodecSpec::ToProto() const {
  proto::CodecSpec p;
  p.set_name(name);
  p.set_chunk(chunk);
  p.set_bits(bits);
  p.set_topk_fraction(topk_fraction);
  p.set_ef_beta(ef_beta);
  return p;
}

CodecSpec CodecSpec::FromProto(const proto::CodecSpec& p) {
  CodecSpec s;
  s.name = p.name();
  s.chunk = p.chunk();
  s.bits = p.bits();
  s.topk_fraction = p.topk_fraction();
  s.ef_beta = p.ef_beta();
  return s;
}

std::string CodecSpec::ToString() const {
  std::ostringstream os;
  os << name << "(chunk=" << chunk << ", bits=" << bits << ", topk_fraction=" << topk_fraction
     << ", ef_beta=" << ef_beta << ")";
  return os.str();
}

Codec::~Codec() = default;

Result<std::unique_ptr<Codec>> MakeCodec(const CodecSpec& spec) {
  LOCONET_RETURN_IF_ERROR(spec.Validate());
  std::unique_ptr<Codec> codec;
  if (spec.name == kCodecFp32) {
    codec = std::make_unique<Fp32Codec>(spec);
  } else if (spec.name == kCodecInt8) {
    codec = std::make_unique<Int8Codec>(spec);
  } else {
    codec = NewTopkCodec(spec);
  }
  return codec;
}

ErrorFeedback::ErrorFeedback(double beta) : beta_(beta) {}

Bytes ErrorFeedback::Compress(size_t index, const float* delta, size_t n, const Codec& codec) {
  if (index >= buffers_.size()) buffers_.resize(index + 1);
  std::vector<float>& e = buffers_[index];
  if (e.size() != n) e.assign(n, 0.0f);
  const float beta = static_cast<float>(beta_);
  // Where e is zero, take delta itself (not 0*beta + delta, which turns -0.0 into +0.0), so a
  // lossless codec sends exactly Encode(delta).
  for (size_t i = 0; i < n; ++i) e[i] = e[i] == 0.0f ? delta[i] : beta * e[i] + delta[i];
  Bytes c = codec.Encode(e.data(), n);
  scratch_.resize(n);
  Status s = codec.Decode(c.data(), c.size(), n, scratch_.data());
  if (!s.ok()) {
    spdlog::warn("error feedback: tensor {} does not decode ({}); its buffer is reset", index,
                 s.ToString());
    std::fill(e.begin(), e.end(), 0.0f);
    return c;
  }
  for (size_t i = 0; i < n; ++i) e[i] -= scratch_[i];
  return c;
}

const std::vector<float>& ErrorFeedback::buffer(size_t index) const {
  static const std::vector<float>* const kEmpty = new std::vector<float>();
  return index < buffers_.size() ? buffers_[index] : *kEmpty;
}

void ErrorFeedback::SetBuffer(size_t index, std::vector<float> values) {
  if (index >= buffers_.size()) buffers_.resize(index + 1);
  buffers_[index] = std::move(values);
}

void ErrorFeedback::Reset() {
  for (auto& e : buffers_) e.clear();
}

}  // namespace loconet::sync
