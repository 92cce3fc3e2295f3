#include "ledger/reward_groups.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace loconet::ledger {

namespace {

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace

std::string GroupOf(const std::string& name) {
  if (name.empty()) return "(unnamed)";
  const size_t dash = name.rfind('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == name.size()) return name;
  const std::string tail = name.substr(dash + 1);
  if (tail.find_first_not_of("0123456789") != std::string::npos) return name;
  return name.substr(0, dash);
}

GroupReport GroupRewards(const std::vector<LeaderRow>& rows, const std::string& reference) {
  std::map<std::string, GroupRow> groups;
  std::map<std::string, int64_t> ema_sum;
  GroupReport report;
  report.reference = reference;
  for (const LeaderRow& r : rows) {
    const std::string g = GroupOf(r.name);
    GroupRow& row = groups[g];
    row.group = g;
    row.min_rewards = row.miners == 0 ? r.rewards : std::min(row.min_rewards, r.rewards);
    row.max_rewards = std::max(row.max_rewards, r.rewards);
    ++row.miners;
    row.rewards += r.rewards;
    ema_sum[g] += r.ema_ppb;
    for (const auto& [code, n] : r.rejections) row.rejections[code] += n;
    report.paid += r.rewards;
  }
  const auto ref = groups.find(reference);
  const double ref_mean = ref == groups.end() || ref->second.rewards == 0
                              ? 0
                              : static_cast<double>(ref->second.rewards) / ref->second.miners;
  for (auto& [g, row] : groups) {
    row.share = report.paid ? static_cast<double>(row.rewards) / report.paid : 0;
    row.vs_reference = ref_mean > 0 ? static_cast<double>(row.rewards) / row.miners / ref_mean : 0;
    row.mean_ema = static_cast<double>(ema_sum[g]) / row.miners / 1e9;
  }
  if (ref != groups.end()) report.rows.push_back(ref->second);
  for (const auto& [g, row] : groups) {
    if (g != reference) report.rows.push_back(row);
  }
  return report;
}

std::string RenderGroupReport(const GroupReport& report) {
  std::vector<std::vector<std::string>> cells = {{"group", "miners", "units", "share",
                                                  "per miner vs " + report.reference,
                                                  "max/min in group", "mean EMA", "rejections"}};
  for (const GroupRow& r : report.rows) {
    std::string rejections;
    for (const auto& [code, n] : r.rejections) {
      rejections += (rejections.empty() ? "" : ", ") + ReasonName(code) + " x " + std::to_string(n);
    }
    cells.push_back({r.group, std::to_string(r.miners), std::to_string(r.rewards),
                     Fixed(100 * r.share, 2) + "%", Fixed(r.vs_reference, 2) + "x",
                     r.min_rewards ? Fixed(static_cast<double>(r.max_rewards) / r.min_rewards, 2)
                                   : (r.max_rewards ? "inf" : "-"),
                     Fixed(r.mean_ema, 4), rejections});
  }
  std::vector<size_t> width(cells[0].size(), 0);
  for (const auto& line : cells) {
    for (size_t c = 0; c < line.size(); ++c) width[c] = std::max(width[c], line[c].size());
  }
  std::string out;
  for (const auto& line : cells) {
    std::string text;
    for (size_t c = 0; c < line.size(); ++c) {
      if (c > 0) text += "  ";
      const std::string pad(width[c] - line[c].size(), ' ');
      text += (c == 0 || c + 1 == line.size()) ? line[c] + pad : pad + line[c];
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  }
  return out;
}

nlohmann::json GroupReportJson(const GroupReport& report) {
  nlohmann::json groups = nlohmann::json::array();
  for (const GroupRow& r : report.rows) {
    nlohmann::json rejections = nlohmann::json::object();
    for (const auto& [code, n] : r.rejections) rejections[ReasonName(code)] = n;
    groups.push_back({{"group", r.group},
                      {"miners", r.miners},
                      {"rewards", r.rewards},
                      {"min_rewards", r.min_rewards},
                      {"max_rewards", r.max_rewards},
                      {"share", r.share},
                      {"vs_reference", r.vs_reference},
                      {"mean_ema", r.mean_ema},
                      {"rejections", std::move(rejections)}});
  }
  return {{"reference", report.reference}, {"paid", report.paid}, {"groups", std::move(groups)}};
}

}  // namespace loconet::ledger
