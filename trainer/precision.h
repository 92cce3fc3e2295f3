// The inner step's arithmetic: fp32 (the default) or bf16 autocast on CPUs with AVX512-BF16.
// With bf16, matrix products of the forward pass (and so of its backward) run in bfloat16
// through oneDNN; parameters, gradients, the loss and AdamW's state stay fp32 (master
// weights). Validators never use it: scoring is fp32 so that every validator gets the same bits.
// Torch-free header.
#pragma once

#include <string>

#include "core/status.h"

namespace loconet {

enum class Precision { kFp32, kBf16 };

// "fp32", "bf16" or "auto" (bf16 where the CPU has AVX512-BF16, else fp32). bf16 on a CPU
// without AVX512-BF16 is kConfigError (it would be emulated, slower than fp32); any other name is
// kInvalidArgument.
Result<Precision> ParsePrecision(const std::string& name);
const char* PrecisionName(Precision p);

// Whether this CPU executes bfloat16 dot products natively (AVX512-BF16).
bool CpuHasBf16();

// While alive, the calling thread's forward passes run under CPU autocast at `p` (nothing for
// fp32). Restores the previous autocast state and drops autocast's cast cache on destruction.
class AutocastScope {
 public:
  explicit AutocastScope(Precision p);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool active_ = false;
  bool was_enabled_ = false;
  int dtype_ = 0;  // the previous autocast CPU dtype (an at::ScalarType)
};

}  // namespace loconet
