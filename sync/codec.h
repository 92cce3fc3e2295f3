// Update codecs: how a miner's pseudo-gradient travels (ARCHITECTURE.md section 1,
// docs/protocol.md "Codecs"). Torch-free: codecs work on flat float arrays; the caller flattens
// each parameter tensor and names it in an EncodedTensor.
//
// Every codec is deterministic (the same input gives the same bytes on every machine) and its
// decoder treats the bytes as hostile: a wrong length, a malformed field or a value that would
// decode to NaN/Inf is rejected, never clamped or asserted. A decoder always writes a dense
// array of n floats, so codecs that send fewer values (top-k: per chunk, k indices and low-bit
// values) plug in behind the same interface.
//
// Codec objects are immutable after MakeCodec; any thread may call a const method.
// ErrorFeedback is single-threaded (one per miner).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"
#include "sync/messages.pb.h"

namespace loconet::sync {

// Codec names.
inline constexpr char kCodecFp32[] = "fp32";
inline constexpr char kCodecInt8[] = "int8";
inline constexpr char kCodecTopk[] = "topk";

// A round's codec parameters (announced by the validator, echoed in every submission).
struct CodecSpec {
  std::string name = kCodecFp32;
  uint32_t chunk = 4096;     // values per chunk (int8, topk: one scale per chunk)
  uint32_t bits = 8;         // value bits of the low-bit codecs (topk); fp32 and int8 ignore it
  double topk_fraction = 0;  // fraction of each chunk the top-k codecs keep; dense ones ignore it
  double ef_beta = 0.95;     // error-feedback decay (ErrorFeedback)

  // OK if the name is a known codec and every field is in range: 1 <= chunk <= 2^24,
  // 1 <= bits <= 16 (topk: 2, 4 or 8), topk_fraction in [0, 1], ef_beta in [0, 1] (both
  // finite). Otherwise kInvalidArgument naming the field.
  Status Validate() const;

  proto::CodecSpec ToProto() const;
  // A field-for-field copy; not validated (MakeCodec validates).
  static CodecSpec FromProto(const proto::CodecSpec& p);

  // e.g. "int8(chunk=4096, bits=8, topk_fraction=0, ef_beta=0.95)", for logs.
  std::string ToString() const;

  bool operator==(const CodecSpec& o) const {
    return name == o.name && chunk == o.chunk && bits == o.bits &&
           topk_fraction == o.topk_fraction && ef_beta == o.ef_beta;
  }
  bool operator!=(const CodecSpec& o) const { return !(*this == o); }
};

class Codec {
 public:
  virtual ~Codec();

  // Encodes n values. Deterministic. Non-finite inputs are encoded so that every decoder rejects
  // the result with kNonFinite (they are never silently dropped). Precondition: n < 2^60.
  virtual Bytes Encode(const float* x, size_t n) const = 0;

  // Decodes `size` bytes that claim to hold n values into out[0..n). A length that does not
  // match n, or any malformed field, is kDecodeError; a value or scale that is NaN/Inf, or a
  // decoded value that overflows, is kNonFinite. On error out[] holds unspecified values.
  virtual Status Decode(const uint8_t* data, size_t size, size_t n, float* out) const = 0;

  // True if Decode(Encode(x)) == x bit for bit (for finite x).
  virtual bool lossless() const = 0;

  // An upper bound on Encode(x, n).size() (exact for the fixed-size codecs), so a receiver can
  // reject an oversized tensor before decoding it.
  virtual size_t MaxEncodedSize(size_t n) const = 0;

  const CodecSpec& spec() const { return spec_; }

 protected:
  explicit Codec(CodecSpec spec) : spec_(std::move(spec)) {}
  // The first check of every fixed-size decoder: exactly MaxEncodedSize(n) bytes for n values,
  // n below 2^60 (so that size arithmetic cannot overflow). kDecodeError naming the codec.
  Status CheckEncodedSize(size_t size, size_t n) const;

 private:
  CodecSpec spec_;
};

// The codec named by spec.name:
//   "fp32": n raw little-endian IEEE floats (4n bytes). Lossless.
//   "int8": per chunk of `chunk` values (the last may be shorter): f32le scale = max|x| / 127,
//           then one int8 per value, round(x / scale) (half away from zero), in [-127, 127].
//           A chunk of zeros has scale 0. |x - decoded| <= scale / 2 (up to float rounding).
//   "topk": per chunk of `chunk` values (the last may be shorter), the k = max(1,
//           round(topk_fraction * len)) values of largest magnitude (ties: lower index), as
//           f32le scale, k ascending indices of ceil(log2(len)) bits, k value codes of `bits`
//           bits, bit-packed LSB first, zero-padded to a byte (sync/topk_codec.h, layout in
//           docs/protocol.md). Values not kept decode to 0. bits 4 and 8: symmetric uniform
//           levels q x scale, q in [-(2^(bits-1)-1), 2^(bits-1)-1], scale = max|kept| / qmax,
//           so each kept value is within scale / 2. bits 2: levels {-1.5, -0.5, +0.5, +1.5} x
//           scale, scale fitted by Lloyd iterations from max|kept| / 1.5 (never a larger squared
//           error than that start); each kept value is within max(scale / 2, |x| - 1.5 scale).
// Fails with Validate()'s error if the spec is invalid.
Result<std::unique_ptr<Codec>> MakeCodec(const CodecSpec& spec);

// Error feedback for compressed updates, one buffer per tensor index:
//   e = beta * e + delta;  c = Encode(e);  e -= Decode(c);  send c.
// What the codec drops this round is carried into the next, so over rounds the sum of what was
// sent tracks the sum of the deltas. Single-threaded.
class ErrorFeedback {
 public:
  explicit ErrorFeedback(double beta);

  // Compresses tensor `index` (n values) as above and returns c. A buffer starts at zero and is
  // reset to zero if n differs from its previous size. Where the buffer is zero, e becomes
  // exactly delta, so for a lossless codec and a zero buffer the result is exactly
  // Encode(delta) and the buffer stays zero. If delta or the buffer holds NaN/Inf, the result
  // does not decode (every receiver rejects it with kNonFinite) and the buffer is reset to zero
  // so that one bad round does not poison the following ones.
  Bytes Compress(size_t index, const float* delta, size_t n, const Codec& codec);

  // The buffer of tensor `index`; empty if that index was never compressed.
  const std::vector<float>& buffer(size_t index) const;
  // Replaces the buffer of tensor `index` (restoring a miner's saved state).
  void SetBuffer(size_t index, std::vector<float> values);
  // Number of tensor indices that have a buffer slot.
  size_t num_buffers() const { return buffers_.size(); }
  double beta() const { return beta_; }

  // Sets every buffer to zero length (a new model, e.g. after fetching a checkpoint).
  void Reset();

 private:
  double beta_;
  std::vector<std::vector<float>> buffers_;
  std::vector<float> scratch_;
};

}  // namespace loconet::sync
