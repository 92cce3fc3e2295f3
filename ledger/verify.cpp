#include "ledger/verify.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ledger/bodies.h"
#include "ledger/rewards.h"

namespace loconet::ledger {

namespace {

// The first difference between a recorded and a recomputed reward body, in words.
std::string RewardDifference(const RewardBody& have, const RewardBody& want) {
  if (have.epoch != want.epoch || have.first_round != want.first_round ||
      have.last_round != want.last_round || have.emission != want.emission) {
    return "header differs from the recomputation";
  }
  size_t i = 0;
  for (; i < have.entries.size() && i < want.entries.size(); ++i) {
    const RewardEntry& h = have.entries[i];
    const RewardEntry& w = want.entries[i];
    if (h.miner != w.miner) {
      const PublicKey& first = h.miner < w.miner ? h.miner : w.miner;
      return "miner " + first.Short() + " is " +
             (h.miner < w.miner ? "paid but earned nothing" : "earned units but is not paid");
    }
    if (h.units != w.units) {
      return "miner " + h.miner.Short() + " has " + std::to_string(h.units) +
             " units, recomputation gives " + std::to_string(w.units);
    }
  }
  if (i < have.entries.size()) {
    return "miner " + have.entries[i].miner.Short() + " is paid but earned nothing";
  }
  return "miner " + want.entries[i].miner.Short() + " earned units but is not paid";
}

// Chain state of the author being walked.
struct AuthorState {
  PublicKey author;
  uint64_t next_height = 0;
  Hash256 prev;
  std::vector<ScoresBody> scores;
  std::optional<RewardBody> last_reward;
  std::optional<ModelUpdateBody> last_update;
};

}  // namespace

Status VerifyLedger(const LedgerStore& store, uint64_t epoch_rounds, LedgerSummary* summary) {
  LedgerSummary sum;
  std::optional<AuthorState> st;
  Status walk = store.ForEach([&](const Record& rec) -> Status {
    if (!st || st->author != rec.author) {
      st.emplace();
      st->author = rec.author;
      ++sum.authors;
    }
    ++sum.records;
    const std::string label = RecordLabel(rec.author, rec.height, rec.kind);
    auto fault = [&](Code code, const std::string& problem) {
      return Error(code, label + ": " + problem);
    };
    if (rec.height != st->next_height) {
      return fault(Code::kCorrupt, "height gap: expected #" + std::to_string(st->next_height));
    }
    if (rec.prev != st->prev) {
      return fault(Code::kCorrupt,
                   rec.height == 0
                       ? "prev hash of the first record is not all zeros"
                       : "prev hash is not the hash of #" + std::to_string(rec.height - 1));
    }
    const Hash256 hash = rec.Hash();
    if (!Verify(rec.author, hash.bytes.data(), hash.bytes.size(), rec.signature)) {
      return fault(Code::kBadSignature, "signature does not verify");
    }
    Status body = CheckBody(rec.kind, rec.body);
    if (!body.ok()) return fault(Code::kCorrupt, "body does not decode: " + body.message());

    if (rec.kind == RecordKind::kScores) {
      st->scores.push_back(ScoresBody::Decode(rec.body).value());
    } else if (rec.kind == RecordKind::kModelUpdate) {
      // The author's model moves in one unbroken line: each update starts from the model the
      // previous one produced, one round after it or later.
      ModelUpdateBody u = ModelUpdateBody::Decode(rec.body).value();
      if (st->last_update && u.round <= st->last_update->round) {
        return fault(Code::kCorrupt, "model update of round " + std::to_string(u.round) +
                                         " does not follow round " +
                                         std::to_string(st->last_update->round));
      }
      if (st->last_update && u.prev_hash != st->last_update->new_hash) {
        return fault(Code::kCorrupt,
                     "model update of round " + std::to_string(u.round) + " starts from " +
                         u.prev_hash.Hex().substr(0, 12) + ", but round " +
                         std::to_string(st->last_update->round) + " ended at " +
                         st->last_update->new_hash.Hex().substr(0, 12));
      }
      st->last_update = std::move(u);
    } else if (rec.kind == RecordKind::kReward) {
      RewardBody have = RewardBody::Decode(rec.body).value();
      if (st->last_reward && have.epoch <= st->last_reward->epoch) {
        return fault(Code::kCorrupt, "epoch " + std::to_string(have.epoch) +
                                         " does not follow the previous reward's epoch " +
                                         std::to_string(st->last_reward->epoch));
      }
      if (st->last_reward && have.first_round <= st->last_reward->last_round) {
        return fault(Code::kCorrupt, "rounds " + std::to_string(have.first_round) + "-" +
                                         std::to_string(have.last_round) +
                                         " overlap the previous reward's, which ended at " +
                                         std::to_string(st->last_reward->last_round));
      }
      if (epoch_rounds > 0 && have.last_round - have.first_round + 1 != epoch_rounds) {
        return fault(Code::kCorrupt, "rounds " + std::to_string(have.first_round) + "-" +
                                         std::to_string(have.last_round) + " are not " +
                                         std::to_string(epoch_rounds) + " rounds");
      }
      RewardBody want =
          ComputeReward(have.epoch, have.first_round, have.last_round, have.emission, st->scores);
      if (want.Encode() != rec.body) {
        return fault(Code::kCorrupt,
                     "reward differs from the recomputation: " + RewardDifference(have, want));
      }
      st->last_reward = std::move(have);
    }
    st->next_height = rec.height + 1;
    st->prev = hash;
    return Status::Ok();
  });
  if (!walk.ok()) return walk;
  LOCONET_RETURN_IF_ERROR(store.CheckIndexes());
  if (summary) *summary = sum;
  return Status::Ok();
}

}  // namespace loconet::ledger
