#include "dashboard/views.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/hash.h"
#include "ledger/bodies.h"
#include "ledger/consensus_bodies.h"
#include "ledger/leaderboard.h"
#include "ledger/validator_board.h"
#include "ledger/verify.h"

namespace loconet::dashboard {

namespace {

using nlohmann::json;
using ledger::Record;
using ledger::ReasonName;
using ledger::RecordKind;

template <typename T>
T LowerMedian(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v[(v.size() - 1) / 2];
}

// What one author recorded about one round.
struct AuthorRound {
  std::optional<ledger::RoundBody> round;
  std::optional<ledger::ScoresBody> scores;
  std::optional<ledger::ModelUpdateBody> update;
};

struct AuthorFacts {
  uint64_t records = 0;
  uint64_t height = 0;
  Hash256 head;
};

// Everything read from the ledger in one walk.
struct Facts {
  std::map<PublicKey, AuthorFacts> authors;
  std::map<uint64_t, std::map<PublicKey, AuthorRound>> rounds;  // round -> author -> records
  // epoch -> author -> that author's last reward body of the epoch
  std::map<uint64_t, std::map<PublicKey, ledger::RewardBody>> rewards;
  uint64_t records = 0;
};

Result<Facts> Collect(const ledger::LedgerStore& store) {
  Facts f;
  Status walk = store.ForEach([&](const Record& rec) -> Status {
    ++f.records;
    AuthorFacts& a = f.authors[rec.author];
    ++a.records;
    a.height = rec.height;
    a.head = rec.Hash();
    auto bad = [&](const Status& s) {
      return Error(Code::kCorrupt,
                   ledger::RecordLabel(rec.author, rec.height, rec.kind) + ": " + s.message());
    };
    switch (rec.kind) {
      case RecordKind::kRound: {
        auto b = ledger::RoundBody::Decode(rec.body);
        if (!b.ok()) return bad(b.status());
        f.rounds[b->round][rec.author].round = std::move(b).value();
        break;
      }
      case RecordKind::kScores: {
        auto b = ledger::ScoresBody::Decode(rec.body);
        if (!b.ok()) return bad(b.status());
        f.rounds[b->round][rec.author].scores = std::move(b).value();
        break;
      }
      case RecordKind::kModelUpdate: {
        auto b = ledger::ModelUpdateBody::Decode(rec.body);
        if (!b.ok()) return bad(b.status());
        f.rounds[b->round][rec.author].update = std::move(b).value();
        break;
      }
      case RecordKind::kReward: {
        auto b = ledger::RewardBody::Decode(rec.body);
        if (!b.ok()) return bad(b.status());
        f.rewards[b->epoch][rec.author] = std::move(b).value();
        break;
      }
      case RecordKind::kConsensus: {
        // Several validators: the miners' emission by Yuma consensus is the epoch's reward.
        auto b = ledger::ConsensusBody::Decode(rec.body);
        if (!b.ok()) return bad(b.status());
        ledger::RewardBody paid;
        paid.epoch = b->epoch;
        paid.first_round = b->first_round;
        paid.last_round = b->last_round;
        paid.emission = b->params.emission;
        for (const auto& m : b->miners) {
          if (m.emission > 0) paid.entries.push_back({m.miner, m.emission});
        }
        f.rewards[b->epoch][rec.author] = std::move(paid);
        break;
      }
      default:
        break;
    }
    return Status::Ok();
  });
  if (!walk.ok()) return walk;
  return f;
}

// The model hash most authors recorded for a round (ties: the smallest hash); empty if none.
std::string MajorityHash(const std::map<PublicKey, AuthorRound>& by_author) {
  std::map<std::string, int> votes;
  for (const auto& [author, r] : by_author) {
    if (r.update) ++votes[r.update->new_hash.Hex()];
  }
  std::string best;
  int most = 0;
  for (const auto& [hash, n] : votes) {
    if (n > most) {
      most = n;
      best = hash;
    }
  }
  return best;
}

json RoundsJson(const Facts& f) {
  json out = json::array();
  for (const auto& [round, by_author] : f.rounds) {
    std::vector<int64_t> scored, submitted, accepted, aggregated, loss, bytes, duration;
    std::map<std::string, std::vector<int64_t>> rejections;
    json info = json::object();
    for (const auto& [author, r] : by_author) {
      if (r.round && info.empty()) {
        info = {{"codec", r.round->codec},
                {"local_steps", r.round->local_steps},
                {"deadline_ms", r.round->deadline_ms}};
      }
      if (r.scores) {
        int64_t n_sub = 0, n_acc = 0;
        std::map<std::string, int64_t> reasons;
        for (const auto& e : r.scores->entries) {
          n_sub += e.reason != static_cast<uint16_t>(Code::kMissed);
          n_acc += e.reason == 0;
          if (e.reason != 0) ++reasons[ReasonName(e.reason)];
        }
        scored.push_back(static_cast<int64_t>(r.scores->entries.size()));
        submitted.push_back(n_sub);
        accepted.push_back(n_acc);
        for (const auto& [name, n] : reasons) rejections[name].push_back(n);
      }
      if (r.update) {
        aggregated.push_back(static_cast<int64_t>(r.update->accepted.size()));
        loss.push_back(r.update->heldout_loss_ppb);
        bytes.push_back(static_cast<int64_t>(r.update->bytes_received));
        duration.push_back(r.update->duration_ms);
      }
    }
    auto median_or_null = [](const std::vector<int64_t>& v) -> json {
      return v.empty() ? json(nullptr) : json(LowerMedian(v));
    };
    json rej = json::object();
    for (auto& [name, counts] : rejections) {
      counts.resize(by_author.size(), 0);  // authors that did not reject for it counted 0
      const int64_t n = LowerMedian(counts);
      if (n > 0) rej[name] = n;
    }
    json row = {{"round", round},
                {"authors", by_author.size()},
                {"scored", median_or_null(scored)},
                {"submitted", median_or_null(submitted)},
                {"accepted", median_or_null(accepted)},
                {"aggregated", median_or_null(aggregated)},
                {"heldout_loss", loss.empty() ? json(nullptr) : json(LowerMedian(loss) / 1e9)},
                {"bytes_received", median_or_null(bytes)},
                {"duration_ms", median_or_null(duration)},
                {"model_hash", MajorityHash(by_author)},
                {"rejections", std::move(rej)}};
    row.update(info);
    out.push_back(std::move(row));
  }
  return out;
}

json ValidatorsJson(const Facts& f, const std::vector<ledger::ValidatorRow>& consensus) {
  std::map<PublicKey, const ledger::ValidatorRow*> by_key;
  for (const auto& r : consensus) by_key[r.key] = &r;
  std::map<uint64_t, std::string> majority;
  for (const auto& [round, by_author] : f.rounds) majority[round] = MajorityHash(by_author);
  json out = json::array();
  for (const auto& [author, a] : f.authors) {
    uint64_t scored = 0, updates = 0, agreeing = 0;
    std::optional<uint64_t> last_round;
    for (const auto& [round, by_author] : f.rounds) {
      auto it = by_author.find(author);
      if (it == by_author.end()) continue;
      if (it->second.scores) {
        ++scored;
        last_round = round;
      }
      if (it->second.update) {
        ++updates;
        agreeing += it->second.update->new_hash.Hex() == majority[round];
      }
    }
    out.push_back({{"validator", author.Hex()},
                   {"short", author.Short()},
                   {"records", a.records},
                   {"height", a.height},
                   {"head_hash", a.head.Hex()},
                   {"rounds_scored", scored},
                   {"last_round", last_round ? json(*last_round) : json(nullptr)},
                   {"model_updates", updates},
                   {"agreeing_updates", agreeing},
                   // From the latest consensus record; a single validator has no stake.
                   {"stake", by_key.count(author) ? json(by_key[author]->stake) : json(nullptr)},
                   {"trust", by_key.count(author) ? json(by_key[author]->validator_trust / 65535.0)
                                                  : json(nullptr)},
                   {"dividends", by_key.count(author)
                                     ? json(by_key[author]->dividends / 65535.0)
                                     : json(nullptr)},
                   {"emission",
                    by_key.count(author) ? json(by_key[author]->emission) : json(nullptr)},
                   {"agreements",
                    by_key.count(author) ? json(by_key[author]->agreements) : json(nullptr)},
                   {"mismatches",
                    by_key.count(author) ? json(by_key[author]->mismatches) : json(nullptr)}});
  }
  return out;
}

std::map<PublicKey, json> MinerPages(const Facts& f, const json& leaderboard) {
  std::map<PublicKey, json> pages;
  std::map<std::string, const json*> rows;  // hex -> leaderboard row
  for (const json& row : leaderboard) rows[row.at("miner").get<std::string>()] = &row;

  std::map<PublicKey, json> history, rejections;
  for (const auto& [round, by_author] : f.rounds) {
    std::map<PublicKey, std::vector<const ledger::ScoreEntry*>> entries;
    for (const auto& [author, r] : by_author) {
      if (!r.scores) continue;
      for (const auto& e : r.scores->entries) entries[e.miner].push_back(&e);
    }
    for (const auto& [miner, es] : entries) {
      std::vector<int64_t> imp, score, ema, data;
      uint16_t reason = es.front()->reason;
      for (const auto* e : es) {
        imp.push_back(e->improvement_ppb);
        score.push_back(e->score_ppb);
        ema.push_back(e->ema_ppb);
        data.push_back(e->data_ppb);
        if (e->reason == 0) reason = 0;  // accepted by any author
      }
      history[miner].push_back({{"round", round},
                                {"code", reason},
                                {"reason", ReasonName(reason)},
                                {"improvement_ppb", LowerMedian(imp)},
                                {"score_ppb", LowerMedian(score)},
                                {"ema_ppb", LowerMedian(ema)},
                                {"data_ppb", LowerMedian(data)}});
      if (reason != 0) {
        rejections[miner].push_back(
            {{"round", round}, {"code", reason}, {"reason", ReasonName(reason)}});
      }
    }
  }
  std::map<PublicKey, json> rewards;
  for (const auto& [epoch, by_author] : f.rewards) {
    std::map<PublicKey, std::vector<uint64_t>> units;
    const ledger::RewardBody& first = by_author.begin()->second;
    for (const auto& [author, body] : by_author) {
      for (const auto& e : body.entries) units[e.miner].push_back(e.units);
    }
    for (auto& [miner, v] : units) {
      v.resize(by_author.size(), 0);  // authors that did not pay the miner gave it 0
      rewards[miner].push_back({{"epoch", epoch},
                                {"first_round", first.first_round},
                                {"last_round", first.last_round},
                                {"units", LowerMedian(v)}});
    }
  }
  for (const auto& [hex, row] : rows) {
    auto key = ParsePublicKey(hex);
    if (!key.ok()) continue;
    auto pick = [&](std::map<PublicKey, json>& m) {
      auto it = m.find(*key);
      return it == m.end() ? json::array() : std::move(it->second);
    };
    pages[*key] = {{"miner", hex},
                   {"row", *row},
                   {"rounds", pick(history)},
                   {"rewards", pick(rewards)},
                   {"rejections", pick(rejections)}};
  }
  return pages;
}

json StatusJson(const ledger::LedgerStore& store, const Facts& f, const std::string& fingerprint) {
  json authors = json::array();
  for (const auto& [author, a] : f.authors) {
    authors.push_back({{"validator", author.Hex()},
                       {"short", author.Short()},
                       {"height", a.height},
                       {"head_hash", a.head.Hex()}});
  }
  const Status verified = ledger::VerifyLedger(store);
  return {{"ledger", store.dir()},
          {"records", f.records},
          {"authors", std::move(authors)},
          {"rounds", f.rounds.size()},
          {"last_round", f.rounds.empty() ? json(nullptr) : json(f.rounds.rbegin()->first)},
          {"verified", verified.ok()},
          {"first_fault", verified.ok() ? json(nullptr) : json(verified.message())},
          {"fingerprint", fingerprint}};
}

}  // namespace

Result<std::string> HeadsFingerprint(const ledger::LedgerStore& store) {
  std::string text;
  for (const PublicKey& author : store.Authors()) {
    LOCONET_ASSIGN_OR_RETURN(std::optional<ledger::LedgerStore::Head> head, store.HeadOf(author));
    if (!head) continue;
    text += author.Hex() + ":" + std::to_string(head->height) + ":" + head->hash.Hex() + ";";
  }
  return Blake2b256(text).Hex().substr(0, 16);
}

Result<Views> BuildViews(const ledger::LedgerStore& store) {
  LOCONET_ASSIGN_OR_RETURN(std::string fingerprint, HeadsFingerprint(store));
  LOCONET_ASSIGN_OR_RETURN(Facts facts, Collect(store));
  LOCONET_ASSIGN_OR_RETURN(std::vector<ledger::LeaderRow> rows, ledger::BuildLeaderboard(store));
  Views v;
  v.miners = ledger::LeaderboardJson(rows);
  v.rounds = RoundsJson(facts);
  LOCONET_ASSIGN_OR_RETURN(std::vector<ledger::ValidatorRow> board,
                           ledger::BuildValidatorBoard(store));
  v.validators = ValidatorsJson(facts, board);
  v.miner_pages = MinerPages(facts, v.miners);
  v.status = StatusJson(store, facts, fingerprint);
  return v;
}

}  // namespace loconet::dashboard
