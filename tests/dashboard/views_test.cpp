// The dashboard's JSON views on a fixture ledger (tests/dashboard/fixture.h).
#include "dashboard/views.h"

#include <catch2/catch.hpp>

#include "ledger/leaderboard.h"
#include "ledger/store.h"
#include "tests/dashboard/fixture.h"
#include "tests/temp_dir.h"

using namespace loconet;
using namespace loconet::dashboard::testing;
using loconet::testing::TempDir;
using nlohmann::json;

namespace {

dashboard::Views ViewsOf(const std::string& dir) {
  auto store = LedgerStore::Open(dir, /*read_only=*/true);
  REQUIRE(store.ok());
  auto views = dashboard::BuildViews(**store);
  REQUIRE(views.ok());
  return std::move(views).value();
}

}  // namespace

TEST_CASE("the miners view is the leaderboard's JSON, in rank order", "[dashboard]") {
  TempDir dir;
  WriteDashboardLedger(dir / "db");
  const dashboard::Views v = ViewsOf(dir / "db");
  auto store = LedgerStore::Open(dir / "db", true);
  REQUIRE(store.ok());
  auto rows = BuildLeaderboard(**store);
  REQUIRE(rows.ok());
  CHECK(v.miners == LeaderboardJson(*rows));
  REQUIRE(v.miners.size() == 3);
  CHECK(v.miners[0]["name"] == "alice");
  CHECK(v.miners[1]["name"] == kScriptName);  // stored as given; the page shows it as text
  CHECK(v.miners[2]["name"] == "carol");
  CHECK(v.miners[0]["rewards"].get<uint64_t>() > v.miners[1]["rewards"].get<uint64_t>());
}

TEST_CASE("the rounds view has every round's counts, loss, bytes and duration", "[dashboard]") {
  TempDir dir;
  WriteDashboardLedger(dir / "db");
  const json rounds = ViewsOf(dir / "db").rounds;
  REQUIRE(rounds.size() == 4);
  for (int r = 0; r < 4; ++r) {
    INFO("round " << r);
    const json& x = rounds[r];
    CHECK(x["round"] == r);
    CHECK(x["scored"] == 3);
    CHECK(x["heldout_loss"].get<double>() == Approx(6.0 - 0.5 * r));
    CHECK(x["bytes_received"] == 1000 * (r + 1));
    CHECK(x["duration_ms"] == 2000 + r);
    CHECK(x["codec"] == "topk");
    CHECK(x["model_hash"] == Blake2b256("model " + std::to_string(r + 1)).Hex());
  }
  // Round 1: alice accepted, the second miner late, carol a copy.
  CHECK(rounds[1]["submitted"] == 3);
  CHECK(rounds[1]["accepted"] == 1);
  CHECK(rounds[1]["aggregated"] == 1);
  CHECK(rounds[1]["rejections"] == json({{"late", 1}, {"copy", 1}}));
  // Round 3: carol missed it, which is no submission.
  CHECK(rounds[3]["submitted"] == 2);
  CHECK(rounds[3]["rejections"] == json({{"missed", 1}}));
}

TEST_CASE("a miner's page has its history, rewards and rejections", "[dashboard]") {
  TempDir dir;
  WriteDashboardLedger(dir / "db");
  const dashboard::Views v = ViewsOf(dir / "db");
  REQUIRE(v.miner_pages.size() == 3);
  const json& p = v.miner_pages.at(Miner(2));
  CHECK(p["miner"] == Miner(2).Hex());
  CHECK(p["row"]["name"] == kScriptName);
  CHECK(p["row"]["rank"] == 2);
  REQUIRE(p["rounds"].size() == 4);
  CHECK(p["rounds"][0]["reason"] == "ok");
  CHECK(p["rounds"][0]["improvement_ppb"] == 10000000);
  CHECK(p["rounds"][1]["reason"] == "late");
  CHECK(p["rejections"] == json::array({{{"round", 1}, {"code", 109}, {"reason", "late"}}}));
  REQUIRE(p["rewards"].size() == 2);
  CHECK(p["rewards"][0]["epoch"] == 0);
  CHECK(p["rewards"][0]["first_round"] == 0);
  CHECK(p["rewards"][1]["last_round"] == 3);
  uint64_t units = 0;
  for (const json& e : p["rewards"]) units += e["units"].get<uint64_t>();
  CHECK(units == p["row"]["rewards"].get<uint64_t>());
  // The EMA of the last round is the leaderboard's.
  CHECK(p["rounds"][3]["ema_ppb"] == p["row"]["ema_ppb"]);
  // Carol: never paid.
  CHECK(v.miner_pages.at(Miner(3))["rewards"].empty());
  CHECK(v.miner_pages.at(Miner(3))["rejections"].size() == 4);
}

TEST_CASE("the validators and status views describe the chain and its verification",
          "[dashboard]") {
  TempDir dir;
  WriteDashboardLedger(dir / "db");
  const dashboard::Views v = ViewsOf(dir / "db");
  const std::vector<Record> chain = DashboardChain(Validator(1));
  REQUIRE(v.validators.size() == 1);
  const json& val = v.validators[0];
  CHECK(val["validator"] == Validator(1).public_key().Hex());
  CHECK(val["height"] == chain.back().height);
  CHECK(val["head_hash"] == chain.back().Hash().Hex());
  CHECK(val["rounds_scored"] == 4);
  CHECK(val["model_updates"] == 4);
  CHECK(val["agreeing_updates"] == 4);
  CHECK(v.status["verified"] == true);
  CHECK(v.status["first_fault"].is_null());
  CHECK(v.status["records"] == chain.size());
  CHECK(v.status["last_round"] == 3);
  CHECK(v.status["authors"][0]["height"] == chain.back().height);
}

TEST_CASE("two validators that disagree on a model hash show it as agreement", "[dashboard]") {
  TempDir dir;
  WriteDashboardLedger(dir / "db");
  {
    // A second validator agrees on rounds 0-2 and records another model in round 3; a third
    // agrees everywhere, so the first two's hash is the majority.
    std::vector<Record> second = DashboardChain(Validator(2));
    std::vector<Record> rebuilt;
    for (Record rec : second) {
      if (rec.kind == RecordKind::kModelUpdate && rec.round == 3) {
        auto body = ModelUpdateBody::Decode(rec.body).value();
        body.new_hash = Blake2b256(std::string("a different model"));
        rec.body = body.Encode();
      }
      Chain(Validator(2), &rebuilt, rec.kind, rec.round, rec.body);
    }
    auto store = LedgerStore::Open(dir / "db");
    REQUIRE(store.ok());
    REQUIRE((*store)->Append(rebuilt).ok());
    REQUIRE((*store)->Append(DashboardChain(Validator(3))).ok());
  }
  const dashboard::Views v = ViewsOf(dir / "db");
  REQUIRE(v.validators.size() == 3);
  std::map<std::string, json> by_key;
  for (const json& x : v.validators) by_key[x["validator"]] = x;
  CHECK(by_key[Validator(1).public_key().Hex()]["agreeing_updates"] == 4);
  CHECK(by_key[Validator(2).public_key().Hex()]["agreeing_updates"] == 3);
  CHECK(by_key[Validator(3).public_key().Hex()]["agreeing_updates"] == 4);
  CHECK(v.rounds[3]["authors"] == 3);
  CHECK(v.rounds[3]["model_hash"] == Blake2b256("model 4").Hex());
}

TEST_CASE("a ledger that fails verification still builds and names its first fault",
          "[dashboard]") {
  TempDir dir;
  std::vector<Record> chain = DashboardChain(Validator(1));
  // A scores record whose EMA was raised after the fact: re-signed, so the chain holds, but the
  // score rules do not.
  std::vector<Record> tampered;
  for (Record rec : chain) {
    if (rec.kind == RecordKind::kScores && rec.round == 2) {
      auto body = ScoresBody::Decode(rec.body).value();
      body.entries[2].ema_ppb += 1;
      rec.body = body.Encode();
    }
    Chain(Validator(1), &tampered, rec.kind, rec.round, rec.body);
  }
  {
    auto store = LedgerStore::Open(dir / "db");
    REQUIRE(store.ok());
    REQUIRE((*store)->Append(tampered).ok());
  }
  const dashboard::Views v = ViewsOf(dir / "db");
  CHECK(v.status["verified"] == false);
  REQUIRE(v.status["first_fault"].is_string());
  CHECK(v.status["first_fault"].get<std::string>().find("scores") != std::string::npos);
  CHECK(v.miners.size() == 3);
}

TEST_CASE("the heads fingerprint changes exactly when a record is appended", "[dashboard]") {
  TempDir dir;
  std::vector<Record> chain = DashboardChain(Validator(1));
  auto store = LedgerStore::Open(dir / "db");
  REQUIRE(store.ok());
  REQUIRE((*store)->Append({chain.begin(), chain.end() - 1}).ok());
  auto a = dashboard::HeadsFingerprint(**store);
  auto b = dashboard::HeadsFingerprint(**store);
  REQUIRE(a.ok());
  CHECK(*a == *b);
  REQUIRE((*store)->Append({chain.back()}).ok());
  auto c = dashboard::HeadsFingerprint(**store);
  REQUIRE(c.ok());
  CHECK(*c != *a);
}
