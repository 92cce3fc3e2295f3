#include "validator/round_deadline.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace loconet {
namespace {

// The lower middle value (exact integers: every validator computes the same).
int64_t Median(std::vector<int64_t> v) {
  const size_t mid = (v.size() - 1) / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  return v[mid];
}

}  // namespace

void RoundDeadline::Observe(const std::vector<int64_t>& arrival_ms) {
  rounds_.push_back(arrival_ms);
  while (rounds_.size() > std::max<size_t>(1, rules_.window)) rounds_.pop_front();
}

int64_t RoundDeadline::Next() {
  std::vector<int64_t> all;
  for (const auto& r : rounds_) all.insert(all.end(), r.begin(), r.end());
  if (all.empty()) return last_ms_ = rules_.max_ms;
  const int64_t median = Median(all);
  std::vector<int64_t> deviation;
  for (int64_t a : all) deviation.push_back(std::llabs(a - median));
  const int64_t mad = Median(deviation);
  int64_t next = median + static_cast<int64_t>(std::llround(rules_.spread * static_cast<double>(mad))) +
                 rules_.slack_ms;
  next = std::max({next, rules_.min_ms, last_ms_ / 2});
  next = std::min(next, rules_.max_ms);
  return last_ms_ = next;
}

}  // namespace loconet
