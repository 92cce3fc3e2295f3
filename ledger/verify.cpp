#include "ledger/verify.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/hash.h"
#include "ledger/bodies.h"
#include "ledger/consensus_bodies.h"
#include "ledger/rewards.h"
#include "ledger/yuma_rewards.h"
#include "ledger/score_rules.h"

namespace loconet::ledger {

namespace {

std::string Num(int64_t v) { return std::to_string(v); }
std::string Num(uint64_t v) { return std::to_string(v); }
std::string ShortHash(const Hash256& h) { return h.Hex().substr(0, 12); }

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
      return "miner " + h.miner.Short() + " has " + Num(h.units) + " units, recomputation gives " +
             Num(w.units);
    }
  }
  if (i < have.entries.size()) {
    return "miner " + have.entries[i].miner.Short() + " is paid but earned nothing";
  }
  return "miner " + want.entries[i].miner.Short() + " earned units but is not paid";
}

// A miner's values in the author's latest scores record that names it.
struct MinerState {
  int64_t ema_ppb = 0;
  int64_t data_ppb = 0;
};

// Chain state of the author being walked.
struct AuthorState {
  PublicKey author;
  uint64_t next_height = 0;
  Hash256 prev;
  std::optional<uint64_t> broken_at;     // height of the first chain fault
  std::map<uint64_t, RoundBody> rounds;  // the latest round record of each round
  std::map<PublicKey, MinerState> miners;
  std::vector<ScoresBody> scores;
  std::optional<RewardBody> last_reward;
  std::optional<ModelUpdateBody> last_update;
  std::optional<WeightsBody> last_weights;
  std::optional<ConsensusBody> last_consensus;
};

// A consensus record, checked once every chain has been walked (it names other authors'
// weights records), with the author's previous consensus body (its bonds are the input).
struct PendingConsensus {
  PublicKey author;
  uint64_t height = 0;
  Bytes body;
  std::optional<ConsensusBody> previous;
};

// Why `e` does not follow from `prev` under `round`'s parameters; empty if it does.
std::string EntryProblem(const ScoreEntry& e, const MinerState& prev, const RoundBody& round) {
  const std::string who = "miner " + e.miner.Short() + ": ";
  if (e.reason != 0) {
    const std::string rejected =
        who + "rejected (" + CodeName(static_cast<Code>(e.reason)) + ") but ";
    if (e.improvement_ppb != 0) {
      return rejected + "improvement_ppb is " + Num(e.improvement_ppb) + ", not 0";
    }
    if (e.score_ppb != 0) return rejected + "score_ppb is " + Num(e.score_ppb) + ", not 0";
    if (e.work_ppb != 0) return rejected + "work_ppb is " + Num(e.work_ppb) + ", not 0";
    if (e.data_ppb != prev.data_ppb) {
      return rejected + "data_ppb moved from " + Num(prev.data_ppb) + " to " + Num(e.data_ppb);
    }
  } else {
    const int64_t up = NextDataPpb(prev.data_ppb, +1, round.data_alpha_ppb);
    const int64_t down = NextDataPpb(prev.data_ppb, -1, round.data_alpha_ppb);
    if (e.data_ppb != up && e.data_ppb != down && e.data_ppb != prev.data_ppb) {
      return who + "data_ppb " + Num(e.data_ppb) + " does not follow from the previous " +
             Num(prev.data_ppb) + ": the rules give " + Num(up) + " (verdict +1), " + Num(down) +
             " (verdict -1) or " + Num(prev.data_ppb) + " (no verdict)";
    }
    const int64_t score = RoundScorePpb(e.improvement_ppb, e.data_ppb, e.work_ppb,
                                        round.score_cap_ppb, round.work_cap_ppb);
    if (e.score_ppb != score) {
      return who + "score_ppb " + Num(e.score_ppb) + ", the rules give " + Num(score) +
             " (improvement " + Num(e.improvement_ppb) + ", data " + Num(e.data_ppb) + ", cap " +
             Num(round.score_cap_ppb) + ", work " + Num(e.work_ppb) + ", work cap " +
             Num(round.work_cap_ppb) + ")";
    }
  }
  const int64_t ema = NextEmaPpb(prev.ema_ppb, e.score_ppb, round.ema_alpha_ppb);
  if (e.ema_ppb != ema) {
    return who + "ema_ppb " + Num(e.ema_ppb) + ", the rules give " + Num(ema) + " (previous " +
           Num(prev.ema_ppb) + ", score " + Num(e.score_ppb) + ", alpha " +
           Num(round.ema_alpha_ppb) + ")";
  }
  return "";
}

std::string NoRound(const char* what, uint64_t round) {
  return std::string(what) + " of round " + Num(round) + ": no earlier round record of round " +
         Num(round) + " by this author";
}

// Checks a scores body against the author's state, then records its values there.
std::string ScoresProblem(ScoresBody b, AuthorState* st) {
  std::string problem;
  auto round = st->rounds.find(b.round);
  if (round == st->rounds.end()) {
    problem = NoRound("scores", b.round);
  } else {
    size_t failing = 0;
    for (const ScoreEntry& e : b.entries) {
      auto prev = st->miners.find(e.miner);
      std::string p =
          EntryProblem(e, prev == st->miners.end() ? MinerState{} : prev->second, round->second);
      if (!p.empty() && failing++ == 0) problem = std::move(p);
    }
    if (failing > 1) problem += " (and " + std::to_string(failing - 1) + " more entries)";
  }
  // What was recorded is what the next record must follow, right or wrong: a tampered value is
  // reported once, at the record that holds it.
  for (const ScoreEntry& e : b.entries) st->miners[e.miner] = MinerState{e.ema_ppb, e.data_ppb};
  st->scores.push_back(std::move(b));
  return problem;
}

std::string RevealProblem(const RevealBody& b, const AuthorState& st) {
  auto round = st.rounds.find(b.round);
  if (round == st.rounds.end()) return NoRound("reveal", b.round);
  const Hash256 h = Blake2b256(b.secret.bytes.data(), b.secret.bytes.size());
  if (h != round->second.eval_commit) {
    return "secret of round " + Num(b.round) + " hashes to " + ShortHash(h) +
           ", not to the round's eval_commit " + ShortHash(round->second.eval_commit);
  }
  return "";
}

std::string ModelUpdateProblem(ModelUpdateBody u, AuthorState* st) {
  // The author's model moves in one unbroken line: each update starts from the model the
  // previous one produced, one round after it or later.
  std::string problem;
  if (st->last_update && u.round <= st->last_update->round) {
    problem = "model update of round " + Num(u.round) + " does not follow round " +
              Num(st->last_update->round);
  } else if (st->last_update && u.prev_hash != st->last_update->new_hash) {
    problem = "model update of round " + Num(u.round) + " starts from " + ShortHash(u.prev_hash) +
              ", but round " + Num(st->last_update->round) + " ended at " +
              ShortHash(st->last_update->new_hash);
  }
  st->last_update = std::move(u);
  return problem;
}

std::string RewardProblem(RewardBody have, const Bytes& body, uint64_t epoch_rounds,
                          AuthorState* st) {
  std::string problem;
  const std::string range = "rounds " + Num(have.first_round) + "-" + Num(have.last_round);
  if (st->last_reward && have.epoch <= st->last_reward->epoch) {
    problem = "epoch " + Num(have.epoch) + " does not follow the previous reward's epoch " +
              Num(st->last_reward->epoch);
  } else if (st->last_reward && have.first_round <= st->last_reward->last_round) {
    problem = range + " overlap the previous reward's, which ended at " +
              Num(st->last_reward->last_round);
  } else if (epoch_rounds > 0 && have.last_round - have.first_round + 1 != epoch_rounds) {
    problem = range + " are not " + Num(epoch_rounds) + " rounds";
  } else {
    RewardBody want =
        ComputeReward(have.epoch, have.first_round, have.last_round, have.emission, st->scores);
    if (want.Encode() != body) {
      problem = "reward differs from the recomputation: " + RewardDifference(have, want);
    }
  }
  st->last_reward = std::move(have);
  return problem;
}

std::string WeightsProblem(WeightsBody have, const Bytes& body, AuthorState* st) {
  std::string problem;
  if (st->last_weights && have.epoch <= st->last_weights->epoch) {
    problem = "weights of epoch " + Num(have.epoch) + " do not follow the previous weights' epoch " +
              Num(st->last_weights->epoch);
  } else if (WeightsFromScores(have.epoch, have.first_round, have.last_round, st->scores)
                 .Encode() != body) {
    problem = "weights of epoch " + Num(have.epoch) +
              " differ from the recomputation from the author's scores of rounds " +
              Num(have.first_round) + "-" + Num(have.last_round);
  }
  st->last_weights = std::move(have);
  return problem;
}

// Why the consensus body `c` differs from the recomputation from the weights records it names
// (looked up in `weights` by record hash) and the author's previous consensus body.
std::string ConsensusProblem(const PendingConsensus& c,
                             const std::map<Hash256, std::pair<PublicKey, WeightsBody>>& weights) {
  const ConsensusBody have = ConsensusBody::Decode(c.body).value();
  std::vector<EpochValidator> validators;
  for (const ConsensusValidator& v : have.validators) {
    EpochValidator ev{v.key, v.stake, v.weights_record, std::nullopt};
    if (v.weights_record != Hash256{}) {
      auto w = weights.find(v.weights_record);
      if (w == weights.end()) {
        return "validator " + v.key.Short() + "'s weights record " + ShortHash(v.weights_record) +
               " is not in the ledger";
      }
      if (w->second.first != v.key) {
        return "weights record " + ShortHash(v.weights_record) + " is by " +
               w->second.first.Short() + ", not by validator " + v.key.Short();
      }
      ev.weights = w->second.second;
    }
    validators.push_back(std::move(ev));
  }
  if (c.previous && c.previous->epoch >= have.epoch) {
    return "epoch " + Num(have.epoch) + " does not follow the previous consensus epoch " +
           Num(c.previous->epoch);
  }
  auto want = ComputeConsensus(have.epoch, have.first_round, have.last_round, have.params,
                               validators, c.previous ? &*c.previous : nullptr);
  if (!want.ok()) return "cannot be recomputed: " + want.status().message();
  if (want->Encode() != c.body) {
    return "consensus of epoch " + Num(have.epoch) + " differs from the Yuma recomputation (body " +
           ShortHash(Blake2b256(c.body)) + ", recomputed " + ShortHash(Blake2b256(want->Encode())) +
           ")";
  }
  return "";
}

// Why `rec`'s body does not follow from the author's earlier records; empty if it does.
// Updates *st with what the record holds.
std::string ContentProblem(const Record& rec, uint64_t epoch_rounds, AuthorState* st) {
  switch (rec.kind) {
    case RecordKind::kRound: {
      RoundBody b = RoundBody::Decode(rec.body).value();
      st->rounds[b.round] = std::move(b);
      return "";
    }
    case RecordKind::kScores:
      return ScoresProblem(ScoresBody::Decode(rec.body).value(), st);
    case RecordKind::kReveal:
      return RevealProblem(RevealBody::Decode(rec.body).value(), *st);
    case RecordKind::kModelUpdate:
      return ModelUpdateProblem(ModelUpdateBody::Decode(rec.body).value(), st);
    case RecordKind::kReward:
      return RewardProblem(RewardBody::Decode(rec.body).value(), rec.body, epoch_rounds, st);
    case RecordKind::kWeights:
      return WeightsProblem(WeightsBody::Decode(rec.body).value(), rec.body, st);
    case RecordKind::kRegistration:
    case RecordKind::kConsensus:  // checked after the walk (PendingConsensus)
    case RecordKind::kAgreement:  // a claim about the author's own re-derivation
      return "";
  }
  return "";
}

}  // namespace

Result<std::vector<RecordFault>> FindFaults(const LedgerStore& store, uint64_t epoch_rounds,
                                            LedgerSummary* summary) {
  std::vector<RecordFault> faults;
  LedgerSummary sum;
  std::optional<AuthorState> st;
  std::map<Hash256, std::pair<PublicKey, WeightsBody>> weights;  // every weights record by hash
  std::vector<PendingConsensus> consensus;
  Status walk = store.ForEach([&](const Record& rec) -> Status {
    if (!st || st->author != rec.author) {
      st.emplace();
      st->author = rec.author;
      ++sum.authors;
    }
    ++sum.records;
    auto fault = [&](Code code, std::string problem) {
      RecordFault f;
      f.author = rec.author;
      f.height = rec.height;
      f.kind = rec.kind;
      f.code = code;
      f.problem = std::move(problem);
      f.message = RecordLabel(rec.author, rec.height, rec.kind) + ": " + f.problem;
      faults.push_back(std::move(f));
      return Status::Ok();
    };
    auto chain_fault = [&](Code code, std::string problem) {
      st->broken_at = rec.height;
      return fault(code, std::move(problem));
    };
    if (st->broken_at) {
      return fault(Code::kCorrupt,
                   "follows the broken chain at #" + Num(*st->broken_at) + "; not checked");
    }
    if (rec.height != st->next_height) {
      return chain_fault(Code::kCorrupt, "height gap: expected #" + Num(st->next_height));
    }
    if (rec.prev != st->prev) {
      return chain_fault(Code::kCorrupt,
                         rec.height == 0 ? "prev hash of the first record is not all zeros"
                                         : "prev hash is not the hash of #" + Num(rec.height - 1));
    }
    const Hash256 hash = rec.Hash();
    if (!Verify(rec.author, hash.bytes.data(), hash.bytes.size(), rec.signature)) {
      return chain_fault(Code::kBadSignature, "signature does not verify");
    }
    st->next_height = rec.height + 1;
    st->prev = hash;
    Status body = CheckBody(rec.kind, rec.body);
    if (!body.ok()) return fault(Code::kCorrupt, "body does not decode: " + body.message());
    if (rec.kind == RecordKind::kWeights) {
      weights[hash] = {rec.author, WeightsBody::Decode(rec.body).value()};
    } else if (rec.kind == RecordKind::kConsensus) {
      consensus.push_back({rec.author, rec.height, rec.body, st->last_consensus});
      st->last_consensus = ConsensusBody::Decode(rec.body).value();
    }
    std::string problem = ContentProblem(rec, epoch_rounds, &*st);
    if (!problem.empty()) return fault(Code::kCorrupt, std::move(problem));
    return Status::Ok();
  });
  if (!walk.ok()) return walk;
  for (const PendingConsensus& c : consensus) {
    std::string problem = ConsensusProblem(c, weights);
    if (problem.empty()) continue;
    RecordFault f;
    f.author = c.author;
    f.height = c.height;
    f.kind = RecordKind::kConsensus;
    f.problem = std::move(problem);
    f.message = RecordLabel(c.author, c.height, f.kind) + ": " + f.problem;
    faults.push_back(std::move(f));
  }
  std::stable_sort(faults.begin(), faults.end(), [](const RecordFault& a, const RecordFault& b) {
    return a.author < b.author || (a.author == b.author && a.height < b.height);
  });
  if (summary) *summary = sum;
  return faults;
}

Status VerifyLedger(const LedgerStore& store, uint64_t epoch_rounds, LedgerSummary* summary) {
  LedgerSummary sum;
  LOCONET_ASSIGN_OR_RETURN(std::vector<RecordFault> faults, FindFaults(store, epoch_rounds, &sum));
  if (!faults.empty()) return faults.front().ToStatus();
  LOCONET_RETURN_IF_ERROR(store.CheckIndexes());
  if (summary) *summary = sum;
  return Status::Ok();
}

}  // namespace loconet::ledger
