#include "validator/rate_limit.h"

#include <algorithm>

namespace loconet {

RateLimiter::RateLimiter(double rate, double burst, size_t max_keys)
    : rate_(rate), burst_(std::max(1.0, burst)), max_keys_(max_keys) {}

bool RateLimiter::Take(const std::string& key, Clock::time_point now) {
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) {
      const auto refill = std::chrono::duration_cast<Clock::duration>(
          std::chrono::duration<double>(burst_ / rate_));
      if (swept_ && now - last_sweep_ < refill) return false;
      swept_ = true;
      last_sweep_ = now;
      for (auto b = buckets_.begin(); b != buckets_.end();) {
        const double elapsed = std::chrono::duration<double>(now - b->second.last).count();
        if (b->second.tokens + rate_ * std::max(0.0, elapsed) >= burst_) {
          b = buckets_.erase(b);
        } else {
          ++b;
        }
      }
      if (buckets_.size() >= max_keys_) return false;
    }
    it = buckets_.emplace(key, Bucket{burst_, now}).first;
  }
  Bucket& b = it->second;
  const double elapsed = std::max(0.0, std::chrono::duration<double>(now - b.last).count());
  b.tokens = std::min(burst_, b.tokens + rate_ * elapsed);
  b.last = std::max(b.last, now);
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

}  // namespace loconet
