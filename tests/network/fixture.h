// Genesis values for the network tests: deterministic keys and a valid two-validator genesis.
#pragma once

#include <array>
#include <cstdint>

#include "core/keys.h"
#include "network/genesis.h"

namespace loconet::testing {

inline Identity NetworkKey(uint8_t n) {
  std::array<uint8_t, 32> seed{};
  seed[0] = n;
  seed[1] = 0x6e;
  return Identity::FromSeed(seed);
}

// Validators NetworkKey(1) (stake 600) and NetworkKey(2) (stake 400), unsigned.
inline network::Genesis TwoValidators() {
  network::Genesis g;
  g.name = "testnet";
  g.params.kappa = 32767;
  g.params.bonds_moving_average = 900000;
  g.params.bonds_penalty = 65535;
  g.params.epoch_rounds = 10;
  g.params.emission = 1000000000;
  g.validators.push_back({NetworkKey(1).public_key(), 600, std::nullopt});
  g.validators.push_back({NetworkKey(2).public_key(), 400, std::nullopt});
  return g;
}

}  // namespace loconet::testing
