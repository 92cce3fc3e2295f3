// Token buckets keyed by an opaque string (a miner key, a connection id). Torch-free.
//
// Each key gets a bucket of `burst` tokens that refills at `rate` tokens per second; a message
// takes one token or is refused. Memory is bounded: past `max_keys` buckets, all are forgotten
// (every key starts again with a full bucket), so a flood of fresh keys cannot grow the map.
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
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace loconet
