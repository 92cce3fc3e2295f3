// Shared helpers for the codec tests.
#pragma once

#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <vector>

#include "sync/codec.h"

namespace loconet::sync::testing {

// Normal values whose magnitude changes by orders of magnitude along the array, so chunks get
// very different scales.
inline std::vector<float> RandomValues(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i) x[i] = normal(rng) * std::pow(10.0f, float(i % 7) - 3.0f);
  return x;
}

// Sends the same `delta` through `codec` with error feedback (decay 1) for max(at) rounds and
// returns, after each round listed in `at`, the relative error of the running sum of what
// decoded against rounds x delta.
inline std::vector<double> FeedbackErrors(const Codec& codec, const std::vector<float>& delta,
                                          const std::vector<int>& at) {
  ErrorFeedback ef(1.0);
  std::vector<double> sent(delta.size(), 0.0);
  std::vector<float> decoded(delta.size());
  double delta_norm = 0;
  for (float d : delta) delta_norm += double(d) * d;
  delta_norm = std::sqrt(delta_norm);
  std::vector<double> errors;
  for (int round = 1; round <= at.back(); ++round) {
    Bytes c = ef.Compress(0, delta.data(), delta.size(), codec);
    REQUIRE(codec.Decode(c.data(), c.size(), decoded.size(), decoded.data()).ok());
    for (size_t i = 0; i < delta.size(); ++i) sent[i] += decoded[i];
    for (int when : at) {
      if (when != round) continue;
      double err = 0;
      for (size_t i = 0; i < delta.size(); ++i) {
        const double diff = sent[i] - double(round) * delta[i];
        err += diff * diff;
      }
      errors.push_back(std::sqrt(err) / (round * delta_norm));
    }
  }
  return errors;
}

}  // namespace loconet::sync::testing
