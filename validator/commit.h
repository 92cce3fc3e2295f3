// A round's commit, crash-safe in two phases (docs/operations.md, "Crashes"):
//   1. the next state (global model, outer momentum, next round) is written beside the current
//      one as <state>.next;
//   2. the round's records go into the ledger in one synced batch;
//   3. <state>.next replaces <state>.
// Recover() resolves a crash between the phases from the ledger at start-up. One thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/keys.h"
#include "core/status.h"
#include "ledger/bodies.h"
#include "ledger/consensus_bodies.h"
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
  // A follower's check of the lead's aggregate (validator/node.cpp), written after the update.
  std::optional<ledger::AgreementBody> agreement;
};

// Rewards on a network of several validators: weights and Yuma consensus in place of the one
// validator's proportional reward (docs/incentives.md, "Several validators").
struct ConsensusSetup {
  std::vector<std::pair<PublicKey, uint64_t>> validators;  // genesis lead order, with stakes
  ledger::ConsensusParams params;
  uint64_t lag_rounds = 1;  // the consensus of an epoch is written this many rounds after it
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

  // From now on, epochs end in a weights record and, lag_rounds later, a consensus record,
  // instead of a reward record.
  void UseConsensus(ConsensusSetup setup) { consensus_ = std::move(setup); }

  // Commits round `records.round.round` with the model and outer state it produced; on the
  // last round of an epoch also the epoch's reward record (with UseConsensus: the author's
  // weights), and with UseConsensus, lag_rounds after an epoch, its consensus record: Yuma over
  // the weights records of that epoch that the ledger holds by then, one per validator (those
  // with none count as inactive), with the bonds of the author's previous consensus record. Returns the records written (for the
  // `ledger` topic). A failure before phase 2 leaves the ledger and the state as they were.
  Result<std::vector<ledger::Record>> Commit(const RoundRecords& records, GPT& model,
                                             OuterNesterov& outer);

  // A follower's consensus records count exactly the validators whose weights the lead's
  // record of the same epoch counts (when that record is in the ledger and names only weights
  // records it holds), so that every validator writes the same bytes even if one of them saw a
  // weights record late. nullopt: this validator decides by its own cutoff (the lead does).
  void FollowConsensusOf(std::optional<PublicKey> lead) { follow_ = lead; }

  // With UseConsensus: the epoch whose consensus record the commit of `round` writes, if any.
  std::optional<uint64_t> ConsensusEpochAt(uint64_t round) const;
  // The validators of the network whose weights record of `epoch` this ledger lacks.
  std::vector<PublicKey> MissingWeights(uint64_t epoch) const;

  // Writes one registration record at once, synced, so an acknowledged registration survives
  // a crash.
  Status CommitRegistration(uint64_t round, const ledger::RegistrationBody& reg);

  // Resolves a crash between the phases: if the ledger holds the model update that names the
  // model in <state>.next, the round was committed and <state>.next replaces <state>; otherwise
  // <state>.next is dropped and the round runs again.
  Status Recover(const ModelConfig& model_config, double outer_lr, double outer_momentum);

 private:
  Result<ledger::RewardBody> EpochReward(const ledger::ScoresBody& last) const;
  std::vector<ledger::ScoresBody> OwnScores(uint64_t first, uint64_t last_exclusive) const;
  Result<ledger::ConsensusBody> EpochConsensus(uint64_t epoch) const;
  std::optional<ConsensusSetup> consensus_;
  std::optional<PublicKey> follow_;

  std::string state_file_;
  ledger::LedgerStore* store_;
  const Identity* id_;
  uint64_t epoch_rounds_, emission_;
};

}  // namespace loconet
