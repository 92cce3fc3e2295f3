// Token buckets keyed by an opaque string (a miner key, a connection id). Torch-free.
//
// Each key gets a bucket of `burst` tokens that refills at `rate` tokens per second; a message
// takes one token or is refused. Memory is bounded by `max_keys` buckets. When the map is full,
// the buckets that have refilled completely are dropped (a new bucket starts full, so this
// changes nothing for those keys); if none has, a new key is refused until one has. No key that
// is being limited ever gets its bucket back early, however many fresh keys arrive. The sweep
// runs at most once per refill time, so a flood of fresh keys costs O(1) per message.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>

namespace loconet {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // rate > 0 messages per second; burst >= 1 (the bucket's size).
  RateLimiter(double rate, double burst, size_t max_keys = 100000);

  // Takes one token from key's bucket at time `now`: true if there was one.
  bool Take(const std::string& key, Clock::time_point now = Clock::now());

  size_t size() const { return buckets_.size(); }

 private:
  struct Bucket {
    double tokens;
    Clock::time_point last;
  };
  double rate_, burst_;
  size_t max_keys_;
  Clock::time_point last_sweep_{};
  bool swept_ = false;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace loconet
