// Adaptive round deadlines: each round's deadline follows how long the miners took, instead of
// a fixed number of seconds. Torch-free and pure, so that it is easy to test and to reason about.
//
// After each round the validator observes the arrival times (milliseconds after the
// announcement) of the updates it kept and scored above zero; the next deadline is the median
// of the last `window` rounds' arrivals plus `spread` x their median absolute deviation plus
// `slack`, never below `min_ms`, never below half the previous deadline, never above `max_ms`
// (round.seconds). Only useful work counts: an update that was rejected or scored zero says
// nothing about how long honest training takes, so instant junk cannot shorten the round, and
// the median ignores a minority of stragglers (or of miners stalling on purpose).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace loconet {

struct DeadlineRules {
  int64_t max_ms = 60000;   // round.seconds: the fixed deadline and the ceiling
  int64_t min_ms = 1000;    // floor
  double spread = 3;        // x the median absolute deviation
  int64_t slack_ms = 500;   // added to every adaptive deadline
  size_t window = 5;        // rounds of arrivals kept
};

class RoundDeadline {
 public:
  explicit RoundDeadline(const DeadlineRules& rules) : rules_(rules), last_ms_(rules.max_ms) {}

  // The arrivals of one closed round's useful updates (may be empty).
  void Observe(const std::vector<int64_t>& arrival_ms);
  // The next round's deadline, after the announcement, in milliseconds: max_ms until some
  // round has had a useful update.
  int64_t Next();

 private:
  DeadlineRules rules_;
  std::deque<std::vector<int64_t>> rounds_;
  int64_t last_ms_;
};

}  // namespace loconet
