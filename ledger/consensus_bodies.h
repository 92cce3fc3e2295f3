// Record bodies of a network with several validators (docs/formats.md, "Ledger"): each
// validator's weights of an epoch, the epoch's Yuma consensus computed from every validator's
// weights, and a follower's check of the lead's aggregate. Same rules as ledger/bodies.h:
// explicit little-endian bytes, strict decoders (kDecodeError), Decode(Encode(x)) == x.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/bytes.h"
#include "core/hash.h"
#include "core/keys.h"
#include "core/status.h"

namespace loconet::ledger {

struct WeightEntry {
  PublicKey miner;
  uint16_t weight = 0;  // > 0; the largest entry of a body is 65535
};

// One validator's weights of an epoch (rounds [first_round, last_round]), as subtensor stores a
// set_weights call: u16 values scaled so that the largest is 65535. Entries sorted by miner, no
// key twice, every weight > 0, the largest 65535 (unless there are none).
struct WeightsBody {
  uint64_t epoch = 0;
  uint64_t first_round = 0;
  uint64_t last_round = 0;
  std::vector<WeightEntry> entries;

  Bytes Encode() const;
  static Result<WeightsBody> Decode(const Bytes& b);
};

// The consensus parameters an epoch ran with (network::NetworkParams' meanings).
struct ConsensusParams {
  uint16_t kappa = 32767;
  uint64_t bonds_moving_average = 900000;
  uint16_t bonds_penalty = 65535;
  uint64_t emission = 0;
  std::optional<uint16_t> miner_share;

  bool operator==(const ConsensusParams& o) const {
    return kappa == o.kappa && bonds_moving_average == o.bonds_moving_average &&
           bonds_penalty == o.bonds_penalty && emission == o.emission &&
           miner_share == o.miner_share;
  }
};

struct ConsensusValidator {
  PublicKey key;
  uint64_t stake = 0;
  // The hash of the weights record of this epoch that counted; all zeros when the validator
  // had none by the cutoff (inactive: its stake does not count).
  Hash256 weights_record;
  uint16_t validator_trust = 0;  // u16 proportions, as subtensor stores them
  uint16_t dividends = 0;
  uint64_t emission = 0;  // tokens to the validator this epoch
};

struct ConsensusMiner {
  PublicKey miner;
  uint16_t consensus = 0;  // stake-weighted median of the validators' weights at kappa
  uint16_t incentive = 0;
  uint64_t emission = 0;  // tokens to the miner this epoch
};

struct BondEntry {
  uint32_t validator = 0;  // index into validators
  uint32_t miner = 0;      // index into miners
  uint16_t bond = 0;       // > 0
};

// An epoch's rewards by Yuma consensus (ledger/yuma_rewards.h) over the weights records it
// names. Every validator of the network computes the same bytes. Rules: first_round <=
// last_round; validators in the genesis' lead order, no key twice, every stake > 0; miners
// sorted by key, no key twice; bonds sorted by (validator, miner), indices in range, bond > 0;
// emissions add up to at most params.emission.
struct ConsensusBody {
  uint64_t epoch = 0;
  uint64_t first_round = 0;
  uint64_t last_round = 0;
  ConsensusParams params;
  std::vector<ConsensusValidator> validators;
  std::vector<ConsensusMiner> miners;
  std::vector<BondEntry> bonds;  // the bonds after this epoch, the next epoch's input

  Bytes Encode() const;
  static Result<ConsensusBody> Decode(const Bytes& b);
};

// A validator's check of a round's aggregate: it re-derived the model from `lead`'s accepted
// set with its own copies of the payloads and got `derived_hash`; the lead published
// `lead_hash`. They agree when the two are equal.
struct AgreementBody {
  uint64_t round = 0;
  PublicKey lead;
  Hash256 lead_hash;
  Hash256 derived_hash;  // all zeros: could not re-derive (a payload of the set is missing)
  bool agrees() const { return lead_hash == derived_hash; }

  Bytes Encode() const;
  static Result<AgreementBody> Decode(const Bytes& b);
};

}  // namespace loconet::ledger
