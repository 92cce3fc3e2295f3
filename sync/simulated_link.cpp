#include "sync/simulated_link.h"

#include <algorithm>

namespace loconet::sync {

SimulatedLink::Clock::time_point SimulatedLink::Arrival(Clock::time_point sent, size_t bytes) {
  Clock::time_point start = std::max(sent, free_at_);
  if (mbit_ > 0) {
    const double seconds = static_cast<double>(bytes) * 8.0 / (mbit_ * 1e6);
    start += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  }
  free_at_ = start;
  return start + std::chrono::milliseconds(delay_ms_);
}

}  // namespace loconet::sync
