#include "trainer/precision.h"

#include <ATen/autocast_mode.h>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace loconet {

bool CpuHasBf16() {
#if defined(__x86_64__)
  unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx) == 0) return false;
  return (eax >> 5) & 1u;  // CPUID.(EAX=7,ECX=1):EAX[5] is AVX512_BF16
#else
  return false;
#endif
}

Result<Precision> ParsePrecision(const std::string& name) {
  if (name == "fp32") return Precision::kFp32;
  if (name == "auto") return CpuHasBf16() ? Precision::kBf16 : Precision::kFp32;
  if (name == "bf16") {
    if (!CpuHasBf16()) {
      return Error(Code::kConfigError,
                   "precision bf16 needs a CPU with AVX512-BF16, which this one lacks (it would be "
                   "emulated, slower than fp32); use precision = \"fp32\"");
    }
    return Precision::kBf16;
  }
  return Error(Code::kInvalidArgument,
               "precision '" + name + "' is not one of fp32, bf16, auto");
}

const char* PrecisionName(Precision p) { return p == Precision::kBf16 ? "bf16" : "fp32"; }

AutocastScope::AutocastScope(Precision p) : active_(p == Precision::kBf16) {
  if (!active_) return;
  was_enabled_ = at::autocast::is_cpu_enabled();
  dtype_ = static_cast<int>(at::autocast::get_autocast_cpu_dtype());
  at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
  at::autocast::set_cpu_enabled(true);
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
  at::autocast::set_cpu_enabled(was_enabled_);
  at::autocast::set_autocast_cpu_dtype(static_cast<at::ScalarType>(dtype_));
  if (!was_enabled_) at::autocast::clear_cache();
}

}  // namespace loconet
