#include "ledger/leaderboard.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "ledger/inspect.h"
#include "ledger/rewards.h"
#include "ledger/store.h"
#include "tests/ledger/fixture.h"
#include "tests/temp_dir.h"

using namespace loconet;
using namespace loconet::ledger;
using namespace loconet::ledger::testing;
using loconet::testing::TempDir;

namespace {

// Miners 1 (alice), 2 (bob), 3 (carol <script>) and 4 (never registered), three rounds.
std::unique_ptr<LedgerStore> SyntheticLedger(const std::string& dir) {
  auto opened = LedgerStore::Open(dir);
  REQUIRE(opened.ok());
  std::unique_ptr<LedgerStore> store = std::move(opened).value();
  Identity v = Validator(1);
  std::vector<Record> chain;
  Chain(v, &chain, RecordKind::kRegistration, 0, Registration(1, "alice"));
  Chain(v, &chain, RecordKind::kRegistration, 0, Registration(2, "bob"));
  Chain(v, &chain, RecordKind::kRegistration, 0, Registration(3, "carol <script>"));
  const uint16_t late = static_cast<uint16_t>(Code::kLate);
  const uint16_t receipt = static_cast<uint16_t>(Code::kDataReceipt);
  std::vector<ScoresBody> scores = {
      Scores(0, {Score(1, 100, 0, 100, 5000000), Score(2, 300, 0, 300, 20000000),
                 Score(3, 0, late, 0, 0)}),
      Scores(1, {Score(1, 200, 0, 150, 7000000), Score(2, 0, receipt, 150, -1500000),
                 Score(3, 0, late, 0, 0), Score(4, 50, 0, 25, 100)}),
      Scores(2, {Score(1, 200, 0, 175, 12345678), Score(2, 0, late, 75, -2000000)})};
  for (const ScoresBody& s : scores) Chain(v, &chain, RecordKind::kScores, s.round, s.Encode());
  Chain(v, &chain, RecordKind::kReward, 2, ComputeReward(0, 0, 2, 1000, scores).Encode());
  REQUIRE(store->Append(chain).ok());
  return store;
}

const LeaderRow& RowOf(const std::vector<LeaderRow>& rows, uint8_t miner) {
  for (const LeaderRow& r : rows) {
    if (r.miner == Miner(miner)) return r;
  }
  FAIL("miner not in the leaderboard");
  return rows.front();
}

}  // namespace

TEST_CASE("the leaderboard ranks by EMA and counts rounds, rewards and rejections", "[ledger]") {
  TempDir dir;
  auto store = SyntheticLedger(dir / "db");
  auto rows = BuildLeaderboard(*store);
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 4);
  // EMAs: alice 175, bob 75, miner 4 25, carol 0.
  CHECK((*rows)[0].miner == Miner(1));
  CHECK((*rows)[1].miner == Miner(2));
  CHECK((*rows)[2].miner == Miner(4));
  CHECK((*rows)[3].miner == Miner(3));

  const LeaderRow& alice = RowOf(*rows, 1);
  CHECK(alice.name == "alice");
  CHECK(alice.ema_ppb == 175);
  CHECK(alice.rounds_submitted == 3);
  CHECK(alice.rounds_accepted == 3);
  CHECK(alice.last_improvement_ppb == 12345678);
  CHECK(alice.rejections.empty());
  // Weights: alice 500, bob 300, miner 4 50 of 850; 1000 units: 588.2, 352.9, 58.8.
  CHECK(alice.rewards == 588);

  const LeaderRow& bob = RowOf(*rows, 2);
  CHECK(bob.rewards == 353);
  CHECK(bob.rounds_submitted == 3);
  CHECK(bob.rounds_accepted == 1);
  CHECK(bob.last_improvement_ppb == -2000000);
  CHECK(bob.rejections ==
        std::map<uint16_t, uint64_t>{{static_cast<uint16_t>(Code::kLate), 1},
                                     {static_cast<uint16_t>(Code::kDataReceipt), 1}});

  const LeaderRow& carol = RowOf(*rows, 3);
  CHECK(carol.rewards == 0);
  CHECK(carol.rounds_submitted == 2);
  CHECK(carol.rounds_accepted == 0);
  CHECK(carol.rejections.at(static_cast<uint16_t>(Code::kLate)) == 2);

  const LeaderRow& unnamed = RowOf(*rows, 4);
  CHECK(unnamed.name.empty());
  CHECK(unnamed.rewards == 59);
}

TEST_CASE("ties in EMA are broken by rewards, then by key", "[ledger]") {
  TempDir dir;
  auto opened = LedgerStore::Open(dir / "db");
  REQUIRE(opened.ok());
  Identity v = Validator(1);
  std::vector<Record> chain;
  std::vector<ScoresBody> scores = {
      Scores(0, {Score(1, 10, 0, 50), Score(2, 30, 0, 50), Score(3, 10, 0, 50)})};
  Chain(v, &chain, RecordKind::kScores, 0, scores[0].Encode());
  Chain(v, &chain, RecordKind::kReward, 0, ComputeReward(0, 0, 0, 50, scores).Encode());
  REQUIRE((*opened)->Append(chain).ok());
  auto rows = BuildLeaderboard(**opened);
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 3);
  CHECK((*rows)[0].miner == Miner(2));
  CHECK((*rows)[1].miner == Miner(1));
  CHECK((*rows)[2].miner == Miner(3));
}

TEST_CASE("two validators' identical rewards are not counted twice", "[ledger]") {
  TempDir dir;
  auto opened = LedgerStore::Open(dir / "db");
  REQUIRE(opened.ok());
  std::vector<ScoresBody> scores = {Scores(0, {Score(1, 10, 0, 40), Score(2, 30, 0, 60)})};
  for (uint8_t n : {1, 2}) {
    Identity v = Validator(n);
    std::vector<Record> chain;
    Chain(v, &chain, RecordKind::kScores, 0, scores[0].Encode());
    Chain(v, &chain, RecordKind::kReward, 0, ComputeReward(0, 0, 0, 100, scores).Encode());
    REQUIRE((*opened)->Append(chain).ok());
  }
  auto rows = BuildLeaderboard(**opened);
  REQUIRE(rows.ok());
  CHECK(RowOf(*rows, 1).rewards == 25);
  CHECK(RowOf(*rows, 2).rewards == 75);
  CHECK(RowOf(*rows, 2).rounds_submitted == 1);
}

TEST_CASE("the table lists every row with its columns", "[ledger]") {
  TempDir dir;
  auto store = SyntheticLedger(dir / "db");
  auto rows = BuildLeaderboard(*store);
  REQUIRE(rows.ok());
  std::string table = RenderTable(*rows);
  INFO(table);
  CHECK(table.find("rank") != std::string::npos);
  CHECK(table.find("rejections") != std::string::npos);
  CHECK(table.find(Miner(1).Short() + " alice") != std::string::npos);
  CHECK(table.find("+1.235%") != std::string::npos);  // alice's last improvement
  CHECK(table.find("-0.200%") != std::string::npos);  // bob's
  CHECK(table.find("data_receipt x 1, late x 1") == std::string::npos);
  CHECK(table.find("late x 1, data_receipt x 1") != std::string::npos);  // in code order
  CHECK(table.find("late x 2") != std::string::npos);
  CHECK(table.find("0.0000") != std::string::npos);
  // One header line and one line per row, all starting aligned.
  size_t lines = static_cast<size_t>(std::count(table.begin(), table.end(), '\n'));
  CHECK(lines == rows->size() + 1);
  CHECK(table.find("   1  ") != std::string::npos);
  CHECK(RenderTable({}).find("no miners") != std::string::npos);
}

TEST_CASE("the JSON has one object per row in rank order", "[ledger]") {
  TempDir dir;
  auto store = SyntheticLedger(dir / "db");
  auto rows = BuildLeaderboard(*store);
  REQUIRE(rows.ok());
  nlohmann::json j = LeaderboardJson(*rows);
  REQUIRE(j.is_array());
  REQUIRE(j.size() == 4);
  CHECK(j[0]["rank"] == 1);
  CHECK(j[0]["miner"] == Miner(1).Hex());
  CHECK(j[0]["name"] == "alice");
  CHECK(j[0]["ema_ppb"] == 175);
  CHECK(j[0]["rewards"] == 588);
  CHECK(j[1]["rejections"].size() == 2);
  CHECK(j[1]["rejections"][0]["reason"] == "late");
  CHECK(j[1]["rejections"][0]["code"] == static_cast<int>(Code::kLate));
  CHECK(j[1]["rejections"][0]["count"] == 1);
}

TEST_CASE("the web page escapes names from the ledger", "[ledger]") {
  TempDir dir;
  auto store = SyntheticLedger(dir / "db");
  auto rows = BuildLeaderboard(*store);
  REQUIRE(rows.ok());
  std::string html = RenderHtml(*rows);
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html.find("carol &lt;script&gt;") != std::string::npos);
  CHECK(html.find("<script>") == std::string::npos);
  CHECK(html.find("</html>") != std::string::npos);
}

TEST_CASE("record lines and JSON describe the decoded body", "[ledger]") {
  Identity v = Validator(1);
  std::vector<Record> chain;
  Chain(v, &chain, RecordKind::kRegistration, 0, Registration(1, "alice"));
  Chain(v, &chain, RecordKind::kScores, 3, Scores(3, {Score(1, 5), Score(2, 0, 109)}).Encode());
  std::string line = RecordLine(chain[1]);
  CHECK(line.find(v.public_key().Short() + " #1 round 3 scores") == 0);
  CHECK(line.find("2 miners scored, 1 accepted") != std::string::npos);
  nlohmann::json j = RecordJson(chain[0]);
  CHECK(j["kind"] == "registration");
  CHECK(j["body"]["name"] == "alice");
  CHECK(j["hash"] == chain[0].Hash().Hex());
  Record broken = chain[0];
  broken.body = {1, 2};
  CHECK(RecordJson(broken).contains("body_error"));
  CHECK(RecordLine(broken).find("undecodable") != std::string::npos);
}
