// The JSON forms of `loconet consensus epoch` and `loconet consensus median` (docs/incentives.md,
// "Yuma consensus"). Parsing is strict: a missing field, a wrong size, a negative or fractional
// integer, a value out of range or an unknown key is an error naming the field, never a guess.
#pragma once

#include <string>

#include "consensus/median.h"
#include "consensus/yuma.h"
#include "core/status.h"

namespace loconet::consensus {

// {"params": {...}, "stake": [...], "weights": [[...]], "bonds"?, "validator_permit"?,
//  "active"?}. parse_error for text that is not JSON, invalid_argument for the rest.
[[nodiscard]] Result<EpochInput> ParseEpochInput(const std::string& text);

// One key per line, arrays on one line each (bonds one row per line); the same result always
// gives the same bytes.
std::string EpochResultToJson(const EpochResult& result);

struct MedianInput {
  Vec stake;     // proportions
  Mat weights;   // rows = validators, one column per miner
  I32F32 kappa;  // majority ratio
};

// {"stake": [decimals], "weights": [[decimals]], "kappa": decimal}. Decimals become I32F32 by
// rounding to the nearest (ties to even) of their double value.
[[nodiscard]] Result<MedianInput> ParseMedianInput(const std::string& text);

// {"median": [decimals], "median_bits": [I32F32 bit patterns]}.
std::string MedianToJson(const Vec& median);

}  // namespace loconet::consensus
