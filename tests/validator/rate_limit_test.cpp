#include "validator/rate_limit.h"

#include <catch2/catch.hpp>

using namespace loconet;
using namespace std::chrono_literals;

TEST_CASE("a token bucket allows its burst, then its rate", "[validator]") {
  RateLimiter limit(10, 20);
  const auto t0 = RateLimiter::Clock::time_point{} + 1h;
  int allowed = 0;
  for (int i = 0; i < 100; ++i) allowed += limit.Take("a", t0);
  CHECK(allowed == 20);
  CHECK_FALSE(limit.Take("a", t0 + 50ms));  // half a token so far
  CHECK(limit.Take("a", t0 + 100ms));
  allowed = 0;
  for (int i = 0; i < 100; ++i) allowed += limit.Take("a", t0 + 1100ms);
  CHECK(allowed == 10);
  // Refill is capped at the burst, however long the pause.
  allowed = 0;
  for (int i = 0; i < 100; ++i) allowed += limit.Take("a", t0 + 1000s);
  CHECK(allowed == 20);
}

TEST_CASE("buckets are per key and bounded in number", "[validator]") {
  RateLimiter limit(1, 1, 3);
  const auto t = RateLimiter::Clock::time_point{} + 1h;
  CHECK(limit.Take("a", t));
  CHECK_FALSE(limit.Take("a", t));
  CHECK(limit.Take("b", t));  // another key has its own bucket
  CHECK(limit.Take("c", t));
  CHECK(limit.size() == 3);
  // A fourth key while every bucket is still refilling: refused, and nobody's bucket is reset.
  CHECK_FALSE(limit.Take("d", t));
  CHECK(limit.size() == 3);
  CHECK_FALSE(limit.Take("a", t));
  // Once buckets have refilled they are dropped to make room; the new key is served.
  CHECK(limit.Take("d", t + 2s));
  CHECK(limit.size() == 1);
  // A clock that steps back never mints tokens.
  CHECK_FALSE(limit.Take("d", t - 10s));
}

TEST_CASE("a flood of fresh keys never resets a limited key's bucket", "[validator]") {
  RateLimiter limit(1, 2, 100);
  auto t = RateLimiter::Clock::time_point{} + 1h;
  CHECK(limit.Take("victim-flooder", t));
  CHECK(limit.Take("victim-flooder", t));
  CHECK_FALSE(limit.Take("victim-flooder", t));
  int fresh_served = 0;
  for (int i = 0; i < 10000; ++i) fresh_served += limit.Take("fresh" + std::to_string(i), t);
  CHECK(fresh_served == 99);
  CHECK(limit.size() == 100);
  CHECK_FALSE(limit.Take("victim-flooder", t));
}
