#include "ledger/inspect.h"

#include <nlohmann/json.hpp>

#include "core/hash.h"
#include "ledger/bodies.h"
#include "ledger/consensus_bodies.h"

namespace loconet::ledger {

namespace {

std::string Short(const Hash256& h) { return h.Hex().substr(0, 16); }

std::string BodySummary(const Record& rec) {
  switch (rec.kind) {
    case RecordKind::kRegistration: {
      auto b = RegistrationBody::Decode(rec.body);
      if (!b.ok()) break;
      return "miner " + b->miner.Short() + (b->name.empty() ? "" : " \"" + b->name + "\"");
    }
    case RecordKind::kRound: {
      auto b = RoundBody::Decode(rec.body);
      if (!b.ok()) break;
      return "round " + std::to_string(b->round) + " base " + Short(b->base_hash) + " codec " +
             b->codec + " H=" + std::to_string(b->local_steps) + " deadline " +
             std::to_string(b->deadline_ms) + " cap " + std::to_string(b->score_cap_ppb) +
             " ema_alpha " + std::to_string(b->ema_alpha_ppb) + " data_alpha " +
             std::to_string(b->data_alpha_ppb);
    }
    case RecordKind::kScores: {
      auto b = ScoresBody::Decode(rec.body);
      if (!b.ok()) break;
      size_t accepted = 0;
      for (const ScoreEntry& e : b->entries) accepted += e.reason == 0;
      return "round " + std::to_string(b->round) + ": " + std::to_string(b->entries.size()) +
             " miners scored, " + std::to_string(accepted) + " accepted";
    }
    case RecordKind::kModelUpdate: {
      auto b = ModelUpdateBody::Decode(rec.body);
      if (!b.ok()) break;
      return "round " + std::to_string(b->round) + ": model " + Short(b->prev_hash) + " -> " +
             Short(b->new_hash) + " from " + std::to_string(b->accepted.size()) + " updates";
    }
    case RecordKind::kReward: {
      auto b = RewardBody::Decode(rec.body);
      if (!b.ok()) break;
      return "epoch " + std::to_string(b->epoch) + " rounds " + std::to_string(b->first_round) +
             "-" + std::to_string(b->last_round) + ": " + std::to_string(b->emission) +
             " units to " + std::to_string(b->entries.size()) + " miners";
    }
    case RecordKind::kReveal: {
      auto b = RevealBody::Decode(rec.body);
      if (!b.ok()) break;
      return "round " + std::to_string(b->round) + " secret " + Short(b->secret);
    }
    case RecordKind::kWeights: {
      auto b = WeightsBody::Decode(rec.body);
      if (!b.ok()) break;
      return "epoch " + std::to_string(b->epoch) + " rounds " + std::to_string(b->first_round) +
             "-" + std::to_string(b->last_round) + ": weights on " +
             std::to_string(b->entries.size()) + " miners";
    }
    case RecordKind::kConsensus: {
      auto b = ConsensusBody::Decode(rec.body);
      if (!b.ok()) break;
      size_t active = 0;
      for (const ConsensusValidator& v : b->validators) active += v.weights_record != Hash256{};
      return "epoch " + std::to_string(b->epoch) + " rounds " + std::to_string(b->first_round) +
             "-" + std::to_string(b->last_round) + ": Yuma over " + std::to_string(active) + " of " +
             std::to_string(b->validators.size()) + " validators, " +
             std::to_string(b->params.emission) + " units, body " +
             Short(Blake2b256(rec.body));
    }
    case RecordKind::kAgreement: {
      auto b = AgreementBody::Decode(rec.body);
      if (!b.ok()) break;
      return "round " + std::to_string(b->round) + ": lead " + b->lead.Short() + " model " +
             Short(b->lead_hash) + (b->agrees() ? " re-derived: agrees"
                                                : " re-derived as " + Short(b->derived_hash) +
                                                      ": MISMATCH");
    }
  }
  return "undecodable body: " + CheckBody(rec.kind, rec.body).message();
}

nlohmann::json BodyJson(const Record& rec) {
  using nlohmann::json;
  switch (rec.kind) {
    case RecordKind::kRegistration: {
      auto b = RegistrationBody::Decode(rec.body);
      if (!b.ok()) break;
      return {{"miner", b->miner.Hex()}, {"name", b->name}};
    }
    case RecordKind::kRound: {
      auto b = RoundBody::Decode(rec.body);
      if (!b.ok()) break;
      return {{"round", b->round},
              {"base_hash", b->base_hash.Hex()},
              {"round_seed", b->round_seed.Hex()},
              {"eval_commit", b->eval_commit.Hex()},
              {"codec", b->codec},
              {"local_steps", b->local_steps},
              {"deadline_ms", b->deadline_ms},
              {"score_cap_ppb", b->score_cap_ppb},
              {"ema_alpha_ppb", b->ema_alpha_ppb},
              {"data_alpha_ppb", b->data_alpha_ppb}};
    }
    case RecordKind::kScores: {
      auto b = ScoresBody::Decode(rec.body);
      if (!b.ok()) break;
      json entries = json::array();
      for (const ScoreEntry& e : b->entries) {
        entries.push_back({{"miner", e.miner.Hex()},
                           {"reason", e.reason},
                           {"reason_name", CodeName(static_cast<Code>(e.reason))},
                           {"improvement_ppb", e.improvement_ppb},
                           {"score_ppb", e.score_ppb},
                           {"ema_ppb", e.ema_ppb},
                           {"data_ppb", e.data_ppb},
                           {"receipt_order", e.receipt_order}});
      }
      return {{"round", b->round}, {"entries", std::move(entries)}};
    }
    case RecordKind::kModelUpdate: {
      auto b = ModelUpdateBody::Decode(rec.body);
      if (!b.ok()) break;
      json accepted = json::array();
      for (const PublicKey& k : b->accepted) accepted.push_back(k.Hex());
      return {{"round", b->round},
              {"prev_hash", b->prev_hash.Hex()},
              {"new_hash", b->new_hash.Hex()},
              {"accepted", std::move(accepted)},
              {"heldout_loss_ppb", b->heldout_loss_ppb},
              {"bytes_received", b->bytes_received},
              {"duration_ms", b->duration_ms}};
    }
    case RecordKind::kReward: {
      auto b = RewardBody::Decode(rec.body);
      if (!b.ok()) break;
      json entries = json::array();
      for (const RewardEntry& e : b->entries) {
        entries.push_back({{"miner", e.miner.Hex()}, {"units", e.units}});
      }
      return {{"epoch", b->epoch},
              {"first_round", b->first_round},
              {"last_round", b->last_round},
              {"emission", b->emission},
              {"entries", std::move(entries)}};
    }
    case RecordKind::kReveal: {
      auto b = RevealBody::Decode(rec.body);
      if (!b.ok()) break;
      return {{"round", b->round}, {"secret", b->secret.Hex()}};
    }
    case RecordKind::kWeights: {
      auto b = WeightsBody::Decode(rec.body);
      if (!b.ok()) break;
      json entries = json::array();
      for (const WeightEntry& e : b->entries) {
        entries.push_back({{"miner", e.miner.Hex()}, {"weight", e.weight}});
      }
      return {{"epoch", b->epoch},
              {"first_round", b->first_round},
              {"last_round", b->last_round},
              {"entries", std::move(entries)}};
    }
    case RecordKind::kConsensus: {
      auto b = ConsensusBody::Decode(rec.body);
      if (!b.ok()) break;
      json validators = json::array(), miners = json::array(), bonds = json::array();
      for (const ConsensusValidator& v : b->validators) {
        validators.push_back({{"key", v.key.Hex()},
                              {"stake", v.stake},
                              {"weights_record", v.weights_record.Hex()},
                              {"validator_trust", v.validator_trust},
                              {"dividends", v.dividends},
                              {"emission", v.emission}});
      }
      for (const ConsensusMiner& m : b->miners) {
        miners.push_back({{"miner", m.miner.Hex()},
                          {"consensus", m.consensus},
                          {"incentive", m.incentive},
                          {"emission", m.emission}});
      }
      for (const BondEntry& e : b->bonds) {
        bonds.push_back({{"validator", e.validator}, {"miner", e.miner}, {"bond", e.bond}});
      }
      json params = {{"kappa", b->params.kappa},
                     {"bonds_moving_average", b->params.bonds_moving_average},
                     {"bonds_penalty", b->params.bonds_penalty},
                     {"emission", b->params.emission}};
      if (b->params.miner_share) params["miner_share"] = *b->params.miner_share;
      return {{"epoch", b->epoch},
              {"first_round", b->first_round},
              {"last_round", b->last_round},
              {"body_hash", Blake2b256(rec.body).Hex()},
              {"params", std::move(params)},
              {"validators", std::move(validators)},
              {"miners", std::move(miners)},
              {"bonds", std::move(bonds)}};
    }
    case RecordKind::kAgreement: {
      auto b = AgreementBody::Decode(rec.body);
      if (!b.ok()) break;
      return {{"round", b->round},
              {"lead", b->lead.Hex()},
              {"lead_hash", b->lead_hash.Hex()},
              {"derived_hash", b->derived_hash.Hex()},
              {"agrees", b->agrees()}};
    }
  }
  return nullptr;
}

}  // namespace

std::string RecordLine(const Record& rec, const RecordFault* fault) {
  std::string line = rec.author.Short() + " #" + std::to_string(rec.height) + " round " +
                     std::to_string(rec.round) + " " + KindName(rec.kind) + " " +
                     Short(rec.Hash()) + "  " + BodySummary(rec);
  if (fault) line += "\n  !! FAILS VERIFICATION: " + fault->problem;
  return line;
}

nlohmann::json RecordJson(const Record& rec, const RecordFault* fault) {
  nlohmann::json j = {{"author", rec.author.Hex()},
                      {"height", rec.height},
                      {"prev", rec.prev.Hex()},
                      {"round", rec.round},
                      {"kind", KindName(rec.kind)},
                      {"timestamp_ms", rec.timestamp_ms},
                      {"hash", rec.Hash().Hex()},
                      {"signature", ToHex(rec.signature.data(), rec.signature.size())}};
  nlohmann::json body = BodyJson(rec);
  if (body.is_null()) {
    j["body_error"] = CheckBody(rec.kind, rec.body).message();
    j["body_hex"] = ToHex(rec.body);
  } else {
    j["body"] = std::move(body);
  }
  if (fault) j["fault"] = fault->problem;
  return j;
}

}  // namespace loconet::ledger
