// A network link emulated inside the process, for tests and benchmarks on machines whose kernel
// has no netem: every message waits its serialization time on a link of `mbit` Mbit/s shared
// by the messages in one direction, then `delay_ms`. DealerClient applies it to each request and
// its reply, Subscriber to each published message (sync/transport.h). Off by default.
#pragma once

#include <chrono>
#include <cstddef>

namespace loconet::sync {

class SimulatedLink {
 public:
  using Clock = std::chrono::steady_clock;

  SimulatedLink() = default;
  // delay_ms >= 0 each way; mbit > 0 limits the rate, 0 leaves it unlimited.
  SimulatedLink(int delay_ms, double mbit) : delay_ms_(delay_ms), mbit_(mbit) {}

  bool active() const { return delay_ms_ > 0 || mbit_ > 0; }

  // When a message of `bytes` that enters the link at `sent` arrives: after the messages before
  // it have gone through, its own serialization time, then the delay.
  Clock::time_point Arrival(Clock::time_point sent, size_t bytes);

 private:
  int delay_ms_ = 0;
  double mbit_ = 0;
  Clock::time_point free_at_{};  // when the link has sent what it was given
};

}  // namespace loconet::sync
