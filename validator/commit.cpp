#include "validator/commit.h"

#include <cstdlib>
#include <filesystem>

#include "core/files.h"
#include "core/log.h"
#include "ledger/rewards.h"
#include "trainer/checkpoint.h"
#include "trainer/params.h"
#include "validator/fault_points.h"

namespace loconet {

Result<ledger::RewardBody> RoundCommitter::EpochReward(const ledger::ScoresBody& last) const {
  const uint64_t round = last.round;
  const uint64_t epoch = round / epoch_rounds_;
  const uint64_t first = epoch * epoch_rounds_;
  std::vector<ledger::ScoresBody> epoch_scores;
  for (uint64_t r = first; r < round; ++r) {
    LOCONET_ASSIGN_OR_RETURN(std::vector<ledger::Record> recs, store_->ByRound(r));
    for (const auto& rec : recs) {
      if (rec.author != id_->public_key() || rec.kind != ledger::RecordKind::kScores) continue;
      auto body = ledger::ScoresBody::Decode(rec.body);
      if (body.ok()) epoch_scores.push_back(*body);
    }
  }
  epoch_scores.push_back(last);
  return ledger::ComputeReward(epoch, first, round, emission_, epoch_scores);
}

Result<std::vector<ledger::Record>> RoundCommitter::Commit(const RoundRecords& r, GPT& model,
                                                           OuterNesterov& outer) {
  const uint64_t round = r.round.round;
  const std::string next_state = state_file_ + ".next";
  LOCONET_RETURN_IF_ERROR(SaveCheckpoint(next_state, CheckpointParts{&model, {}, &outer},
                                         TrainPosition{0, static_cast<int64_t>(round + 1), 0}));
  CrashPoint("after_state", round);
  ledger::LedgerWriter writer(store_, id_);
  std::vector<ledger::Record> written;
  auto emit = [&](ledger::RecordKind kind, Bytes body) {
    written.push_back(writer.Next(kind, round, std::move(body)));
  };
  emit(ledger::RecordKind::kRound, r.round.Encode());
  emit(ledger::RecordKind::kScores, r.scores.Encode());
  emit(ledger::RecordKind::kModelUpdate, r.update.Encode());
  emit(ledger::RecordKind::kReveal, r.reveal.Encode());
  if (epoch_rounds_ > 0 && (round + 1) % epoch_rounds_ == 0) {
    LOCONET_ASSIGN_OR_RETURN(ledger::RewardBody reward, EpochReward(r.scores));
    emit(ledger::RecordKind::kReward, reward.Encode());
  }
  LOCONET_RETURN_IF_ERROR(writer.Commit());
  CrashPoint("after_ledger", round);
  LOCONET_RETURN_IF_ERROR(RenameFile(next_state, state_file_));
  return written;
}

Status RoundCommitter::CommitRegistration(uint64_t round, const ledger::RegistrationBody& reg) {
  ledger::LedgerWriter writer(store_, id_);
  writer.Next(ledger::RecordKind::kRegistration, round, reg.Encode());
  return writer.Commit();
}

Status RoundCommitter::Recover(const ModelConfig& model_config, double outer_lr,
                               double outer_momentum) {
  const std::string next = state_file_ + ".next";
  if (!std::filesystem::exists(next)) return Status::Ok();
  GPT probe(model_config);
  OuterNesterov probe_outer(outer_lr, outer_momentum);
  TrainPosition pos;
  bool committed = false;
  if (LoadCheckpoint(next, CheckpointParts{&probe, {}, &probe_outer}, &pos).ok() &&
      pos.round >= 1) {
    const Hash256 hash = ModelHash(*probe);
    LOCONET_ASSIGN_OR_RETURN(std::vector<ledger::Record> records,
                             store_->ByRound(static_cast<uint64_t>(pos.round - 1)));
    for (const auto& rec : records) {
      if (rec.author != id_->public_key() || rec.kind != ledger::RecordKind::kModelUpdate) continue;
      auto body = ledger::ModelUpdateBody::Decode(rec.body);
      committed = committed || (body.ok() && body->new_hash == hash);
    }
  }
  if (committed) {
    spdlog::warn("recovering from a crash: round {} is in the ledger; continuing from {}",
                 pos.round - 1, next);
    return RenameFile(next, state_file_);
  }
  spdlog::warn("recovering from a crash: {} holds a round the ledger never recorded; it runs again",
               next);
  std::error_code ec;
  std::filesystem::remove(next, ec);
  if (ec) return Error(Code::kIoError, "cannot remove " + next + ": " + ec.message());
  return Status::Ok();
}

}  // namespace loconet
