// Epoch inputs shared by the consensus tests: subtensor's test graphs, set up as its tests set
// them up (pallets/subtensor/src/tests/epoch.rs).
#pragma once

#include <cstdint>
#include <vector>

#include "consensus/yuma.h"

namespace loconet::testing {

// subtensor's distribute_nodes: interleave 0 puts the validators first, 1 spreads them evenly
// (every n/validators-th uid).
inline std::vector<bool> ValidatorMask(size_t n, size_t validators, int interleave) {
  std::vector<bool> is_validator(n, false);
  for (size_t uid = 0; uid < n; ++uid)
    is_validator[uid] = interleave == 0 ? uid < validators : uid % (n / validators) == 0;
  return is_validator;
}

// test_512_graph's network before its first epoch: 64 validators with 328,125,000,000,000 stake
// each, no permits yet (permits come from the first epoch), no weights, no bonds.
inline consensus::EpochInput Graph512Genesis(const std::vector<bool>& is_validator) {
  consensus::EpochInput in;
  const size_t n = is_validator.size();
  in.params.kappa = 32767;
  in.params.bonds_moving_average = 900000;
  in.params.bonds_penalty = 65535;
  in.params.emission = 1000000000;
  size_t validators = 0;
  for (bool v : is_validator) validators += v ? 1 : 0;
  in.params.max_allowed_validators = static_cast<uint16_t>(validators);
  in.stake.assign(n, 0);
  for (size_t i = 0; i < n; ++i)
    if (is_validator[i]) in.stake[i] = 328125000000000ull;
  in.weights.assign(n, {});
  in.validator_permit.assign(n, false);
  return in;
}

// The weights test_512_graph sets after its first epoch: every validator puts u16::MAX / n on
// every server, which set_weights stores max-upscaled (65535 each); with server_self, every
// server also weights itself.
inline std::vector<std::vector<uint16_t>> Graph512Weights(const std::vector<bool>& is_validator,
                                                          bool server_self) {
  const size_t n = is_validator.size();
  std::vector<std::vector<uint16_t>> w(n);
  for (size_t i = 0; i < n; ++i) {
    if (is_validator[i]) {
      w[i].assign(n, 0);
      for (size_t j = 0; j < n; ++j)
        if (!is_validator[j]) w[i][j] = 65535;
    } else if (server_self) {
      w[i].assign(n, 0);
      w[i][i] = 65535;
    }
  }
  return w;
}

}  // namespace loconet::testing
