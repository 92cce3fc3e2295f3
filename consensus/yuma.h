// One epoch of Yuma consensus exactly as subtensor's `epoch` computes it with Yuma3 on and
// liquid alpha off: stake-weighted median of the weights per miner (consensus), weights clipped
// at consensus, incentive, trust, validator trust, Yuma3 bonds (an EMA of the bond weights with
// the bonds moving average), dividends and the emission split. All arithmetic is subtensor's
// fixed point (consensus/fixed.h), so every machine gets the same bytes.
//
// Not modelled (loconet has no chain): registration blocks (outdated weights and the masking of
// recently registered neurons' bonds), commit-reveal masks, the subnet owner's self-weight, and
// the pruning score. An input that needs them is one where every weight is newer than the
// neuron it names.
//
// Pure and thread-compatible: no I/O, no globals.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "consensus/fixed.h"
#include "core/status.h"

namespace loconet::consensus {

struct EpochParams {
  // Majority ratio as a u16 proportion of 65535 (subtensor's `Kappa`; 32767 is about 0.5).
  uint16_t kappa = 32767;
  // Parts per million of the old bonds kept each epoch (subtensor's `BondsMovingAverage`);
  // the EMA's alpha is 1 - bonds_moving_average / 1e6. At most 1,000,000.
  uint64_t bonds_moving_average = 900000;
  // u16 proportion: 0 bonds follow the raw weights, 65535 the weights clipped at consensus.
  uint16_t bonds_penalty = 65535;
  // Tokens emitted this epoch.
  uint64_t emission = 0;
  // Unset: subtensor's split, incentive and dividends normalised on their joint sum (half each
  // when both are present). Set: this u16 proportion of the emission to miners by incentive,
  // the rest to validators by dividends.
  std::optional<uint16_t> miner_share;
  // Validator permits go to the top this-many nonzero stakes (subtensor's
  // `MaxAllowedValidators`); unset means every neuron with stake.
  std::optional<uint16_t> max_allowed_validators;
  // Stake below this counts as zero (subtensor's `StakeThreshold`).
  uint64_t stake_threshold = 0;
};

struct EpochInput {
  EpochParams params;
  std::vector<uint64_t> stake;  // n; the total must stay below 2^63
  // n rows; row i is validator i's weights as stored on chain (u16, any scale: rows are
  // normalised), either n entries or empty for "no weights".
  std::vector<std::vector<uint16_t>> weights;
  // n rows of the previous epoch's bonds (u16 proportions as stored by the previous epoch), each
  // n entries or empty; an empty outer vector means no bonds yet.
  std::vector<std::vector<uint16_t>> bonds;
  // The permits from the previous epoch (only their holders' weights count); empty means the
  // permits this epoch's stake would give.
  std::vector<bool> validator_permit;
  // Whether each neuron set weights recently enough to count; empty means all active.
  std::vector<bool> active;
};

struct EpochResult {
  // What subtensor stores, as u16 proportions of 65535 (floor).
  std::vector<uint16_t> stake_weight, rank, trust, consensus, incentive, dividends, validator_trust;
  // emission = what subtensor stores as `Emission` (combined); server_emission goes to the
  // neuron as a miner, validator_emission as a validator.
  std::vector<uint64_t> emission, server_emission, validator_emission;
  // The bonds to feed the next epoch (rows of n u16 proportions).
  std::vector<std::vector<uint16_t>> bonds;
  // The permits to feed the next epoch, and the active mask used.
  std::vector<bool> validator_permit, active;
  // The same quantities before the u16 rounding, as I32F32 bit patterns, for audits and tests.
  std::vector<I32F32> consensus_fixed, incentive_fixed, dividends_fixed, trust_fixed,
      validator_trust_fixed;
};

// Checks shapes and ranges: invalid_argument naming the field otherwise.
[[nodiscard]] Status ValidateEpochInput(const EpochInput& input);

// Runs one epoch; the input is validated first.
[[nodiscard]] Result<EpochResult> RunEpoch(const EpochInput& input);

}  // namespace loconet::consensus
