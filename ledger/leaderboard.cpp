#include "ledger/leaderboard.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <utility>

#include "core/int128.h"
#include "ledger/bodies.h"
#include "ledger/consensus_bodies.h"

namespace loconet::ledger {

namespace {

struct RoundAcc {
  std::vector<int64_t> ema;
  std::vector<int64_t> improvement;
  bool accepted = false;
  std::set<uint16_t> reasons;
};

struct MinerAcc {
  std::string name;
  std::optional<int64_t> name_timestamp;
  std::map<uint64_t, RoundAcc> rounds;
  uint64_t rewards = 0;
  // epoch -> each author's value (consensus records only)
  std::map<uint64_t, std::vector<uint16_t>> consensus, incentive;
};

template <typename T>
T LowerMedian(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v[(v.size() - 1) / 2];
}

uint64_t SaturatingAdd(uint64_t a, uint64_t b) {
  return a > std::numeric_limits<uint64_t>::max() - b ? std::numeric_limits<uint64_t>::max()
                                                      : a + b;
}

// v / divisor rounded half away from zero to `decimals` digits, from integers only.
// `divisor` must be a multiple of 10^decimals.
std::string FormatScaled(int64_t v, uint64_t divisor, int decimals, bool plus_sign) {
  uint64_t scale = 1;
  for (int i = 0; i < decimals; ++i) scale *= 10;
  const U128 mag = v < 0 ? static_cast<U128>(-(v + 1)) + 1 : static_cast<U128>(v);
  const U128 step = divisor / scale;
  const U128 q = (mag + step / 2) / step;
  std::string frac = std::to_string(static_cast<uint64_t>(q % scale));
  frac.insert(0, static_cast<size_t>(decimals) - frac.size(), '0');
  std::string out = q == 0 ? "" : v < 0 ? "-" : plus_sign ? "+" : "";
  out += std::to_string(static_cast<uint64_t>(q / scale));
  if (decimals > 0) out += "." + frac;
  return out;
}

std::string Rejections(const LeaderRow& row) {
  std::string out;
  for (const auto& [code, count] : row.rejections) {
    if (!out.empty()) out += ", ";
    out += ReasonName(code) + " x " + std::to_string(count);
  }
  return out;
}

std::string MinerLabel(const LeaderRow& row) {
  return row.name.empty() ? row.miner.Short() : row.miner.Short() + " " + row.name;
}

std::string Ema(const LeaderRow& row) { return FormatScaled(row.ema_ppb, 1000000000, 4, false); }

std::string Improvement(const LeaderRow& row) {
  if (row.rounds_submitted == 0) return "-";
  return FormatScaled(row.last_improvement_ppb, 10000000, 3, true) + "%";
}

// Terminal columns a string takes, counting one per UTF-8 code point.
size_t DisplayWidth(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<uint8_t>(c) & 0xc0) != 0x80;
  return n;
}

std::string HtmlEscape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::string ReasonName(uint16_t code) {
  std::string name = CodeName(static_cast<Code>(code));
  if (name == "unknown_code") return "code_" + std::to_string(code);
  return name;
}

Result<std::vector<LeaderRow>> BuildLeaderboard(const LedgerStore& store) {
  std::map<PublicKey, MinerAcc> miners;
  // epoch -> author -> that author's last reward body of the epoch
  std::map<uint64_t, std::map<PublicKey, RewardBody>> rewards;
  Status walk = store.ForEach([&](const Record& rec) -> Status {
    const std::string label = RecordLabel(rec.author, rec.height, rec.kind);
    auto bad = [&](const Status& s) { return Error(Code::kCorrupt, label + ": " + s.message()); };
    if (rec.kind == RecordKind::kRegistration) {
      auto body = RegistrationBody::Decode(rec.body);
      if (!body.ok()) return bad(body.status());
      MinerAcc& m = miners[body->miner];
      if (!m.name_timestamp || rec.timestamp_ms >= *m.name_timestamp) {
        m.name = body->name;
        m.name_timestamp = rec.timestamp_ms;
      }
    } else if (rec.kind == RecordKind::kScores) {
      auto body = ScoresBody::Decode(rec.body);
      if (!body.ok()) return bad(body.status());
      for (const ScoreEntry& e : body->entries) {
        RoundAcc& r = miners[e.miner].rounds[body->round];
        r.ema.push_back(e.ema_ppb);
        r.improvement.push_back(e.improvement_ppb);
        if (e.reason == 0) {
          r.accepted = true;
        } else {
          r.reasons.insert(e.reason);
        }
      }
    } else if (rec.kind == RecordKind::kConsensus) {
      // Several validators: the epoch's miner emission by Yuma consensus is the reward.
      auto body = ConsensusBody::Decode(rec.body);
      if (!body.ok()) return bad(body.status());
      RewardBody paid;
      paid.epoch = body->epoch;
      for (const ConsensusMiner& m : body->miners) {
        MinerAcc& acc = miners[m.miner];
        acc.consensus[body->epoch].push_back(m.consensus);
        acc.incentive[body->epoch].push_back(m.incentive);
        if (m.emission > 0) paid.entries.push_back({m.miner, m.emission});
      }
      rewards[body->epoch][rec.author] = std::move(paid);
    } else if (rec.kind == RecordKind::kReward) {
      auto body = RewardBody::Decode(rec.body);
      if (!body.ok()) return bad(body.status());
      for (const RewardEntry& e : body->entries) miners[e.miner];
      rewards[body->epoch][rec.author] = std::move(body).value();
    }
    return Status::Ok();
  });
  if (!walk.ok()) return walk;

  for (const auto& [epoch, by_author] : rewards) {
    std::map<PublicKey, std::vector<uint64_t>> units;
    for (const auto& [author, body] : by_author) {
      for (const RewardEntry& e : body.entries) units[e.miner].push_back(e.units);
    }
    for (auto& [miner, v] : units) {
      v.resize(by_author.size(), 0);  // authors that did not pay the miner gave it 0
      MinerAcc& m = miners[miner];
      m.rewards = SaturatingAdd(m.rewards, LowerMedian(v));
    }
  }

  std::vector<LeaderRow> rows;
  rows.reserve(miners.size());
  for (const auto& [key, m] : miners) {
    LeaderRow row;
    row.miner = key;
    row.name = m.name;
    row.rewards = m.rewards;
    if (!m.consensus.empty()) {
      row.in_consensus = true;
      row.consensus = LowerMedian(m.consensus.rbegin()->second);
      row.incentive = LowerMedian(m.incentive.rbegin()->second);
    }
    row.rounds_submitted = m.rounds.size();
    for (const auto& [round, r] : m.rounds) {
      row.rounds_accepted += r.accepted;
      for (uint16_t reason : r.reasons) ++row.rejections[reason];
    }
    if (!m.rounds.empty()) {
      const RoundAcc& last = m.rounds.rbegin()->second;
      row.ema_ppb = LowerMedian(last.ema);
      row.last_improvement_ppb = LowerMedian(last.improvement);
    }
    rows.push_back(std::move(row));
  }
  std::sort(rows.begin(), rows.end(), [](const LeaderRow& a, const LeaderRow& b) {
    if (a.ema_ppb != b.ema_ppb) return a.ema_ppb > b.ema_ppb;
    if (a.rewards != b.rewards) return a.rewards > b.rewards;
    return a.miner < b.miner;
  });
  return rows;
}

std::string RenderTable(const std::vector<LeaderRow>& rows) {
  std::vector<std::string> header = {"rank",      "miner",    "ema",           "rewards",
                                     "submitted", "accepted", "last improvement", "rejections"};
  // Right-aligned columns: the numbers.
  std::vector<bool> right = {true, false, true, true, true, true, true, false};
  // Several validators: the latest epoch's consensus weight and incentive, before rejections.
  const bool consensus = std::any_of(rows.begin(), rows.end(),
                                     [](const LeaderRow& r) { return r.in_consensus; });
  if (consensus) {
    header.insert(header.end() - 1, {"consensus", "incentive"});
    right.insert(right.end() - 1, {true, true});
  }
  std::vector<std::vector<std::string>> cells;
  cells.push_back(header);
  for (size_t i = 0; i < rows.size(); ++i) {
    const LeaderRow& r = rows[i];
    std::vector<std::string> line = {std::to_string(i + 1), MinerLabel(r), Ema(r),
                                     std::to_string(r.rewards), std::to_string(r.rounds_submitted),
                                     std::to_string(r.rounds_accepted), Improvement(r),
                                     Rejections(r)};
    if (consensus) {
      char c[16], in[16];
      std::snprintf(c, sizeof c, "%.4f", r.consensus / 65535.0);
      std::snprintf(in, sizeof in, "%.4f", r.incentive / 65535.0);
      line.insert(line.end() - 1, {c, in});
    }
    cells.push_back(std::move(line));
  }
  std::vector<size_t> width(header.size(), 0);
  for (const auto& line : cells) {
    for (size_t c = 0; c < line.size(); ++c) width[c] = std::max(width[c], DisplayWidth(line[c]));
  }
  std::string out;
  for (const auto& line : cells) {
    std::string text;
    for (size_t c = 0; c < line.size(); ++c) {
      const std::string pad(width[c] - DisplayWidth(line[c]), ' ');
      if (c > 0) text += "  ";
      text += right[c] ? pad + line[c] : line[c] + (c + 1 < line.size() ? pad : "");
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  }
  if (rows.empty()) out += "(no miners in the ledger)\n";
  return out;
}

nlohmann::json LeaderboardJson(const std::vector<LeaderRow>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (size_t i = 0; i < rows.size(); ++i) {
    const LeaderRow& r = rows[i];
    nlohmann::json rejections = nlohmann::json::array();
    for (const auto& [code, count] : r.rejections) {
      rejections.push_back({{"code", code}, {"reason", ReasonName(code)}, {"count", count}});
    }
    out.push_back({{"rank", i + 1},
                   {"miner", r.miner.Hex()},
                   {"short", r.miner.Short()},
                   {"name", r.name},
                   {"ema_ppb", r.ema_ppb},
                   {"rewards", r.rewards},
                   {"rounds_submitted", r.rounds_submitted},
                   {"rounds_accepted", r.rounds_accepted},
                   {"last_improvement_ppb", r.last_improvement_ppb},
                   {"rejections", std::move(rejections)}});
    if (r.in_consensus) {
      out.back()["consensus"] = r.consensus;
      out.back()["incentive"] = r.incentive;
    }
  }
  return out;
}

std::string RenderHtml(const std::vector<LeaderRow>& rows) {
  std::string out =
      "<!DOCTYPE html>\n"
      "<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>loconet leaderboard</title>\n<style>\n"
      "body{font-family:system-ui,sans-serif;margin:2rem;color:#222;background:#fafafa}\n"
      "h1{font-size:1.4rem}\n"
      "table{border-collapse:collapse;background:#fff}\n"
      "th,td{padding:.35rem .7rem;border-bottom:1px solid #ddd;text-align:left}\n"
      "th{background:#f0f0f0}\n"
      "td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
      "code{font-family:ui-monospace,monospace}\n"
      "</style>\n</head>\n<body>\n<h1>loconet leaderboard</h1>\n";
  out += "<p>" + std::to_string(rows.size()) + (rows.size() == 1 ? " miner" : " miners") +
         ", ranked by EMA score, then rewards.</p>\n";
  out +=
      "<table>\n<thead><tr><th>rank</th><th>miner</th><th>name</th><th>EMA score</th>"
      "<th>rewards</th><th>submitted</th><th>accepted</th><th>last improvement</th>"
      "<th>rejections</th></tr></thead>\n<tbody>\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    const LeaderRow& r = rows[i];
    out += "<tr><td class=\"n\">" + std::to_string(i + 1) + "</td><td><code title=\"" +
           HtmlEscape(r.miner.Hex()) + "\">" + HtmlEscape(r.miner.Short()) + "</code></td><td>" +
           HtmlEscape(r.name) + "</td><td class=\"n\">" + HtmlEscape(Ema(r)) +
           "</td><td class=\"n\">" + std::to_string(r.rewards) + "</td><td class=\"n\">" +
           std::to_string(r.rounds_submitted) + "</td><td class=\"n\">" +
           std::to_string(r.rounds_accepted) + "</td><td class=\"n\">" +
           HtmlEscape(Improvement(r)) + "</td><td>" + HtmlEscape(Rejections(r)) + "</td></tr>\n";
  }
  out += "</tbody>\n</table>\n</body>\n</html>\n";
  return out;
}

}  // namespace loconet::ledger
