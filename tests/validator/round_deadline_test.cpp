// RoundDeadline: the adaptive deadline follows the useful arrivals, is robust to a minority of
// stragglers, and stays within its floor, its ceiling and half the previous deadline.
#include "validator/round_deadline.h"

#include <catch2/catch.hpp>

using namespace loconet;

TEST_CASE("an adaptive deadline follows the median arrival plus its spread", "[validator]") {
  DeadlineRules rules;
  rules.max_ms = 60000;
  rules.min_ms = 1000;
  rules.spread = 3;
  rules.slack_ms = 500;
  rules.window = 2;
  RoundDeadline d(rules);
  CHECK(d.Next() == 60000);  // nothing observed yet: the fixed deadline
  d.Observe({});
  CHECK(d.Next() == 60000);
  // Arrivals 9, 10, 10, 11, 40 s: median 10 s, deviations 1, 0, 0, 1, 30 -> MAD 1 s.
  d.Observe({9000, 10000, 10000, 11000, 40000});
  CHECK(d.Next() == 30000);  // median + 3 MAD + slack = 13.5 s, but not below half of 60 s
  CHECK(d.Next() == 15000);  // half of 30 s
  CHECK(d.Next() == 13500);  // the adaptive value itself: the straggler at 40 s does not count
  // The window keeps the last 2 rounds: slower miners raise it at once.
  d.Observe({20000, 21000, 22000});
  d.Observe({20000, 21000, 22000});
  CHECK(d.Next() == 21000 + 3 * 1000 + 500);
  // Never above the ceiling.
  d.Observe({100000, 100000});
  d.Observe({100000, 100000});
  CHECK(d.Next() == 60000);
}

TEST_CASE("an adaptive deadline never goes below its floor", "[validator]") {
  DeadlineRules rules;
  rules.max_ms = 4000;
  rules.min_ms = 2000;
  rules.slack_ms = 0;
  RoundDeadline d(rules);
  for (int i = 0; i < 10; ++i) {
    d.Observe({10, 10, 10});
    CHECK(d.Next() >= 2000);
  }
  CHECK(d.Next() == 2000);
}
