// Rewards by group of miners (ledger/reward_groups.h).
#include "ledger/reward_groups.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/ledger/fixture.h"

using namespace loconet;
using namespace loconet::ledger;
using namespace loconet::ledger::testing;

namespace {

LeaderRow Row(uint8_t miner, const std::string& name, uint64_t rewards, int64_t ema_ppb = 0) {
  LeaderRow r;
  r.miner = Miner(miner);
  r.name = name;
  r.rewards = rewards;
  r.ema_ppb = ema_ppb;
  return r;
}

}  // namespace

TEST_CASE("a miner's group is its name without a trailing number", "[ledger]") {
  CHECK(GroupOf("miner-0") == "miner");
  CHECK(GroupOf("miner-12") == "miner");
  CHECK(GroupOf("adv-lazy") == "adv-lazy");
  CHECK(GroupOf("adv-copy_noise") == "adv-copy_noise");
  CHECK(GroupOf("rig-7b") == "rig-7b");
  CHECK(GroupOf("-5") == "-5");
  CHECK(GroupOf("x-") == "x-");
  CHECK(GroupOf("") == "(unnamed)");
}

TEST_CASE("groups get their share of what was paid and a ratio to the reference group",
          "[ledger]") {
  std::vector<LeaderRow> rows = {Row(1, "miner-0", 300, 30000000), Row(2, "miner-1", 200),
                                 Row(3, "adv-lazy", 100), Row(4, "adv-zero", 0)};
  rows[3].rejections[static_cast<uint16_t>(Code::kOutlier)] = 2;
  GroupReport g = GroupRewards(rows);
  CHECK(g.paid == 600);
  REQUIRE(g.rows.size() == 3);
  CHECK(g.rows[0].group == "miner");  // the reference first
  CHECK(g.rows[0].miners == 2);
  CHECK(g.rows[0].rewards == 500);
  CHECK(g.rows[0].min_rewards == 200);
  CHECK(g.rows[0].max_rewards == 300);
  CHECK(g.rows[0].share == Approx(500.0 / 600));
  CHECK(g.rows[0].vs_reference == Approx(1.0));
  CHECK(g.rows[0].mean_ema == Approx(0.015));
  CHECK(g.rows[1].group == "adv-lazy");
  CHECK(g.rows[1].vs_reference == Approx(100.0 / 250));
  CHECK(g.rows[2].group == "adv-zero");
  CHECK(g.rows[2].share == 0);
  CHECK(g.rows[2].rejections.at(static_cast<uint16_t>(Code::kOutlier)) == 2);

  const std::string table = RenderGroupReport(g);
  CHECK(table.find("per miner vs miner") != std::string::npos);
  CHECK(table.find("0.40x") != std::string::npos);
  CHECK(table.find("outlier x 2") != std::string::npos);
  const nlohmann::json j = GroupReportJson(g);
  CHECK(j["paid"] == 600);
  CHECK(j["groups"][1]["group"] == "adv-lazy");
  CHECK(j["groups"][2]["rejections"]["outlier"] == 2);
}

TEST_CASE("without the reference group or any payment the ratios are 0", "[ledger]") {
  GroupReport g = GroupRewards({Row(1, "adv-zero", 0), Row(2, "adv-noise", 0)});
  CHECK(g.paid == 0);
  REQUIRE(g.rows.size() == 2);
  for (const GroupRow& r : g.rows) {
    CHECK(r.share == 0);
    CHECK(r.vs_reference == 0);
  }
}
