// The validators' side of the leaderboard on a network of several validators: each validator's
// stake, validator trust, dividends and emission from the epochs' consensus records, and how
// often its re-derivation agreed with the lead's aggregate (agreement records).
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "core/keys.h"
#include "core/status.h"
#include "ledger/store.h"

namespace loconet::ledger {

struct ValidatorRow {
  PublicKey key;
  uint64_t stake = 0;
  uint16_t validator_trust = 0;  // latest epoch, u16 proportion
  uint16_t dividends = 0;        // latest epoch, u16 proportion
  bool active = false;           // its weights counted in the latest epoch
  uint64_t emission = 0;         // over every epoch
  uint64_t epochs = 0;           // consensus epochs that list it
  uint64_t agreements = 0;       // rounds it re-derived the lead's model and agreed
  uint64_t mismatches = 0;       // rounds it re-derived a different model (or could not)
  uint64_t led = 0;              // rounds it aggregated itself (its model update, no agreement)
};

// One row per validator named by a consensus record, in the latest record's order (the lead
// order). Each epoch's values are the lower median over the authors that wrote a consensus
// record of that epoch (identical bodies give exactly their values). Empty without consensus
// records. Errors: those of LedgerStore::ForEach, kCorrupt for a body that does not decode.
Result<std::vector<ValidatorRow>> BuildValidatorBoard(const LedgerStore& store);

// Aligned table: validator, stake, trust, dividends, emission, active, agreement "a/b".
std::string RenderValidatorTable(const std::vector<ValidatorRow>& rows);

// An array of objects in the same order: validator (hex), short, stake, validator_trust,
// dividends (u16), trust and dividends as fractions, active, emission, epochs, agreements,
// mismatches, led.
nlohmann::json ValidatorBoardJson(const std::vector<ValidatorRow>& rows);

}  // namespace loconet::ledger
