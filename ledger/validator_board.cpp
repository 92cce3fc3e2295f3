#include "ledger/validator_board.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "ledger/bodies.h"
#include "ledger/consensus_bodies.h"

namespace loconet::ledger {

namespace {

template <typename T>
T LowerMedianOf(std::vector<T> v) {
  if (v.empty()) return T{};
  std::sort(v.begin(), v.end());
  return v[(v.size() - 1) / 2];
}

}  // namespace

Result<std::vector<ValidatorRow>> BuildValidatorBoard(const LedgerStore& store) {
  std::map<uint64_t, std::map<PublicKey, ConsensusBody>> epochs;  // epoch -> author -> body
  std::map<PublicKey, ValidatorRow> acc;
  std::map<PublicKey, std::set<uint64_t>> agreed_rounds;  // rounds with an agreement record
  std::map<PublicKey, std::set<uint64_t>> update_rounds;
  Status walk = store.ForEach([&](const Record& rec) -> Status {
    auto bad = [&](const Status& s) {
      return Error(Code::kCorrupt, RecordLabel(rec.author, rec.height, rec.kind) + ": " +
                                       s.message());
    };
    if (rec.kind == RecordKind::kConsensus) {
      auto body = ConsensusBody::Decode(rec.body);
      if (!body.ok()) return bad(body.status());
      epochs[body->epoch][rec.author] = std::move(body).value();
    } else if (rec.kind == RecordKind::kAgreement) {
      auto body = AgreementBody::Decode(rec.body);
      if (!body.ok()) return bad(body.status());
      ValidatorRow& r = acc[rec.author];
      (body->agrees() ? r.agreements : r.mismatches)++;
      agreed_rounds[rec.author].insert(body->round);
    } else if (rec.kind == RecordKind::kModelUpdate) {
      auto body = ModelUpdateBody::Decode(rec.body);
      if (!body.ok()) return bad(body.status());
      update_rounds[rec.author].insert(body->round);
    }
    return Status::Ok();
  });
  if (!walk.ok()) return walk;
  std::vector<ValidatorRow> rows;
  if (epochs.empty()) return rows;
  for (const auto& [epoch, by_author] : epochs) {
    std::map<PublicKey, std::vector<uint64_t>> emission;
    for (const auto& [author, body] : by_author) {
      for (const ConsensusValidator& v : body.validators) emission[v.key].push_back(v.emission);
    }
    for (auto& [key, v] : emission) {
      v.resize(by_author.size(), 0);
      acc[key].emission += LowerMedianOf(v);
      acc[key].epochs += 1;
    }
  }
  const auto& latest = epochs.rbegin()->second;
  const ConsensusBody& order = latest.begin()->second;
  for (const ConsensusValidator& v : order.validators) {
    std::vector<uint64_t> stake;
    std::vector<uint16_t> trust, dividends;
    std::vector<int> active;
    for (const auto& [author, body] : latest) {
      for (const ConsensusValidator& w : body.validators) {
        if (w.key != v.key) continue;
        stake.push_back(w.stake);
        trust.push_back(w.validator_trust);
        dividends.push_back(w.dividends);
        active.push_back(w.weights_record != Hash256{} ? 1 : 0);
      }
    }
    ValidatorRow row = acc[v.key];
    row.key = v.key;
    row.stake = LowerMedianOf(stake);
    row.validator_trust = LowerMedianOf(trust);
    row.dividends = LowerMedianOf(dividends);
    row.active = LowerMedianOf(active) == 1;
    for (uint64_t r : update_rounds[v.key]) row.led += agreed_rounds[v.key].count(r) ? 0 : 1;
    rows.push_back(row);
  }
  return rows;
}

std::string RenderValidatorTable(const std::vector<ValidatorRow>& rows) {
  std::string out =
      "validator     stake   trust  dividends    emission  active  agrees  led\n";
  char buf[160];
  for (const ValidatorRow& r : rows) {
    std::snprintf(buf, sizeof buf, "%-9s %9llu  %6.4f     %6.4f  %10llu  %-6s  %llu/%llu  %4llu\n",
                  r.key.Short().c_str(), static_cast<unsigned long long>(r.stake),
                  r.validator_trust / 65535.0, r.dividends / 65535.0,
                  static_cast<unsigned long long>(r.emission), r.active ? "yes" : "no",
                  static_cast<unsigned long long>(r.agreements),
                  static_cast<unsigned long long>(r.agreements + r.mismatches),
                  static_cast<unsigned long long>(r.led));
    out += buf;
  }
  return out;
}

nlohmann::json ValidatorBoardJson(const std::vector<ValidatorRow>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const ValidatorRow& r : rows) {
    out.push_back({{"validator", r.key.Hex()},
                   {"short", r.key.Short()},
                   {"stake", r.stake},
                   {"validator_trust", r.validator_trust},
                   {"dividends", r.dividends},
                   {"trust", r.validator_trust / 65535.0},
                   {"dividend_share", r.dividends / 65535.0},
                   {"active", r.active},
                   {"emission", r.emission},
                   {"epochs", r.epochs},
                   {"agreements", r.agreements},
                   {"mismatches", r.mismatches},
                   {"led", r.led}});
  }
  return out;
}

}  // namespace loconet::ledger
