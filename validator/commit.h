// A round's commit, crash-safe in two phases (docs/operations.md, "Crashes"):
//   1. the next state (global model, outer momentum, next round) is written beside the current
//      one as <state>.next;
//   2. the round's records go into the ledger in one synced batch;
//   3. <state>.next replaces <state>.
// Recover() resolves a crash between the phases from the ledger at start-up. One thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/keys.h"
#include "core/status.h"
#include "ledger/bodies.h"
#include "ledger/record.h"
#include "ledger/store.h"
#include "trainer/gpt.h"
#include "trainer/model_config.h"
#include "trainer/outer_optimizer.h"

namespace loconet {

// Everything one round adds to the ledger, in the order it is written.
struct RoundRecords {
  ledger::RoundBody round;
  ledger::ScoresBody scores;
  ledger::ModelUpdateBody update;
  ledger::RevealBody reveal;
};

class RoundCommitter {
 public:
  // All pointers borrowed; they must outlive the committer.
  RoundCommitter(std::string state_file, ledger::LedgerStore* store, const Identity* id,
                 uint64_t epoch_rounds, uint64_t emission)
      : state_file_(std::move(state_file)),
        store_(store),
        id_(id),
        epoch_rounds_(epoch_rounds),
        emission_(emission) {}

  // Commits round `records.round.round` with the model and outer state it produced; on the
  // last round of an epoch also the epoch's reward record. Returns the records written (for the
  // `ledger` topic). A failure before phase 2 leaves the ledger and the state as they were.
  Result<std::vector<ledger::Record>> Commit(const RoundRecords& records, GPT& model,
                                             OuterNesterov& outer);

  // Writes one registration record at once, synced, so an acknowledged registration survives
  // a crash.
  Status CommitRegistration(uint64_t round, const ledger::RegistrationBody& reg);

  // Resolves a crash between the phases: if the ledger holds the model update that names the
  // model in <state>.next, the round was committed and <state>.next replaces <state>; otherwise
  // <state>.next is dropped and the round runs again.
  Status Recover(const ModelConfig& model_config, double outer_lr, double outer_momentum);

 private:
  Result<ledger::RewardBody> EpochReward(const ledger::ScoresBody& last) const;

  std::string state_file_;
  ledger::LedgerStore* store_;
  const Identity* id_;
  uint64_t epoch_rounds_, emission_;
};

}  // namespace loconet
