// Miner slots: the network holds at most max_miners registered miners, so score records and
// per-round work stay bounded however many keys an attacker makes. When every slot is held, a
// new registration takes the slot of the lowest-scoring miner whose immunity period has passed,
// as on a Bittensor subnet. Pure; torch-free.
#pragma once

#include <cstdint>
#include <map>
#include <optional>

#include "core/keys.h"
#include "core/status.h"
#include "validator/round_state.h"
#include "validator/scoring.h"

namespace loconet {

struct SlotRules {
  uint32_t max_miners = 256;
  uint64_t immunity_rounds = 10;  // rounds after joining during which a miner keeps its slot
};

// The round each registered miner joined in.
using JoinedRounds = std::map<PublicKey, uint64_t>;

// Where a new miner registering in `round` goes: nullopt for a free slot, or the miner it
// replaces: among those that joined at least immunity_rounds before `round`, the lowest EMA
// score (a miner never scored counts 0), then the earliest joined, then the smallest key.
// kNoSlot if every slot is held by a miner within its immunity period.
Result<std::optional<PublicKey>> ChooseSlot(const Registry& registry, const JoinedRounds& joined,
                                            const Standings& standings, uint64_t round,
                                            const SlotRules& rules);

}  // namespace loconet
