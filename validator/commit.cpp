#include "validator/commit.h"

#include <cstdlib>
#include <filesystem>
#include <set>

#include "core/files.h"
#include "core/log.h"
#include "ledger/rewards.h"
#include "ledger/yuma_rewards.h"
#include "trainer/checkpoint.h"
#include "trainer/params.h"
#include "validator/fault_points.h"

namespace loconet {

std::vector<ledger::ScoresBody> RoundCommitter::OwnScores(uint64_t first,
                                                          uint64_t last_exclusive) const {
  std::vector<ledger::ScoresBody> out;
  for (uint64_t r = first; r < last_exclusive; ++r) {
    auto recs = store_->ByRound(r);
    if (!recs.ok()) continue;
    for (const auto& rec : *recs) {
      if (rec.author != id_->public_key() || rec.kind != ledger::RecordKind::kScores) continue;
      auto body = ledger::ScoresBody::Decode(rec.body);
      if (body.ok()) out.push_back(*body);
    }
  }
  return out;
}

Result<ledger::RewardBody> RoundCommitter::EpochReward(const ledger::ScoresBody& last) const {
  const uint64_t round = last.round;
  const uint64_t epoch = round / epoch_rounds_;
  const uint64_t first = epoch * epoch_rounds_;
  std::vector<ledger::ScoresBody> epoch_scores = OwnScores(first, round);
  epoch_scores.push_back(last);
  return ledger::ComputeReward(epoch, first, round, emission_, epoch_scores);
}

std::optional<uint64_t> RoundCommitter::ConsensusEpochAt(uint64_t round) const {
  if (!consensus_ || epoch_rounds_ == 0) return std::nullopt;
  const uint64_t lag = consensus_->lag_rounds;
  if (round + 1 < epoch_rounds_ + lag || (round + 1 - lag) % epoch_rounds_ != 0) {
    return std::nullopt;
  }
  return (round + 1 - lag) / epoch_rounds_ - 1;
}

std::vector<PublicKey> RoundCommitter::MissingWeights(uint64_t epoch) const {
  std::vector<PublicKey> missing;
  if (!consensus_) return missing;
  auto at_last = store_->ByRound(epoch * epoch_rounds_ + epoch_rounds_ - 1);
  for (const auto& [key, stake] : consensus_->validators) {
    bool found = false;
    if (at_last.ok()) {
      for (const auto& rec : *at_last) {
        found = found || (rec.author == key && rec.kind == ledger::RecordKind::kWeights);
      }
    }
    if (!found) missing.push_back(key);
  }
  return missing;
}

Result<ledger::ConsensusBody> RoundCommitter::EpochConsensus(uint64_t epoch) const {
  const uint64_t first = epoch * epoch_rounds_;
  const uint64_t last = first + epoch_rounds_ - 1;
  // The cutoff: a validator's weights of the epoch count if its weights record, written at the
  // close of the epoch's last round, is in this ledger now.
  LOCONET_ASSIGN_OR_RETURN(std::vector<ledger::Record> at_last, store_->ByRound(last));
  // A follower takes the lead's choice of weights records, if the lead's record is here and
  // this ledger holds every record it names.
  std::optional<std::set<Hash256>> lead_set;
  if (follow_) {
    LOCONET_ASSIGN_OR_RETURN(std::vector<ledger::Record> now,
                             store_->ByRound(last + consensus_->lag_rounds));
    for (const auto& rec : now) {
      if (rec.author != *follow_ || rec.kind != ledger::RecordKind::kConsensus) continue;
      auto body = ledger::ConsensusBody::Decode(rec.body);
      if (!body.ok() || body->epoch != epoch) continue;
      lead_set.emplace();
      for (const auto& v : body->validators) {
        if (v.weights_record != Hash256{}) lead_set->insert(v.weights_record);
      }
    }
    if (lead_set) {
      size_t held = 0;
      for (const auto& rec : at_last) held += lead_set->count(rec.Hash());
      if (held != lead_set->size()) {
        spdlog::warn("epoch {}: the lead's consensus names weights records this ledger lacks; "
                     "deciding by this validator's own cutoff",
                     epoch);
        lead_set.reset();
      }
    }
  }
  std::vector<ledger::EpochValidator> validators;
  for (const auto& [key, stake] : consensus_->validators) {
    ledger::EpochValidator v{key, stake, Hash256{}, std::nullopt};
    for (const auto& rec : at_last) {
      if (rec.author != key || rec.kind != ledger::RecordKind::kWeights) continue;
      if (lead_set && !lead_set->count(rec.Hash())) continue;
      auto body = ledger::WeightsBody::Decode(rec.body);
      if (!body.ok() || body->epoch != epoch) continue;
      v.weights = *body;
      v.weights_record = rec.Hash();
    }
    if (!v.weights) {
      spdlog::warn("epoch {}: no weights of validator {} by the cutoff: inactive this epoch",
                   epoch, key.Short());
    }
    validators.push_back(std::move(v));
  }
  // The bonds: the author's previous consensus record.
  std::optional<ledger::ConsensusBody> previous;
  if (epoch > 0) {
    LOCONET_ASSIGN_OR_RETURN(std::vector<ledger::Record> before,
                             store_->ByRound(last - epoch_rounds_ + consensus_->lag_rounds));
    for (const auto& rec : before) {
      if (rec.author != id_->public_key() || rec.kind != ledger::RecordKind::kConsensus) continue;
      auto body = ledger::ConsensusBody::Decode(rec.body);
      if (body.ok() && body->epoch + 1 == epoch) previous = *body;
    }
  }
  return ledger::ComputeConsensus(epoch, first, last, consensus_->params, validators,
                                  previous ? &*previous : nullptr);
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
  if (r.agreement) emit(ledger::RecordKind::kAgreement, r.agreement->Encode());
  if (epoch_rounds_ > 0 && (round + 1) % epoch_rounds_ == 0) {
    if (consensus_) {
      const uint64_t epoch = round / epoch_rounds_;
      const uint64_t first = epoch * epoch_rounds_;
      std::vector<ledger::ScoresBody> scores = OwnScores(first, round);
      scores.push_back(r.scores);
      emit(ledger::RecordKind::kWeights,
           ledger::WeightsFromScores(epoch, first, round, scores).Encode());
    } else {
      LOCONET_ASSIGN_OR_RETURN(ledger::RewardBody reward, EpochReward(r.scores));
      emit(ledger::RecordKind::kReward, reward.Encode());
    }
  }
  if (std::optional<uint64_t> epoch = ConsensusEpochAt(round)) {
    LOCONET_ASSIGN_OR_RETURN(ledger::ConsensusBody body, EpochConsensus(*epoch));
    emit(ledger::RecordKind::kConsensus, body.Encode());
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
