// Learning-rate schedule of the inner optimizer: linear warm-up, then cosine decay to
// min_ratio * peak at total_steps. Torch-free and pure.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace loconet {

struct LrSchedule {
  double peak = 3e-3;
  double min_ratio = 0.1;
  int64_t warmup_steps = 100;
  int64_t total_steps = 1000;

  // Learning rate for the update made at `step` (0-based).
  double At(int64_t step) const {
    if (step < warmup_steps) return peak * static_cast<double>(step + 1) / warmup_steps;
    const int64_t decay = std::max<int64_t>(1, total_steps - warmup_steps);
    const double progress = std::min(1.0, static_cast<double>(step - warmup_steps) / decay);
    const double cosine = 0.5 * (1.0 + std::cos(M_PI * progress));
    return peak * (min_ratio + (1.0 - min_ratio) * cosine);
  }
};

}  // namespace loconet
