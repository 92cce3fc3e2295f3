// A data-parallel miner in a devnet (`loconet devnet --miner-dp 2`): each honest miner runs as
// two processes on c10d Gloo, one key and one submission per round; its updates are accepted,
// it holds the validator's model after every round, and the network's loss falls.
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "ledger/bodies.h"
#include "ledger/store.h"
#include "ledger/verify.h"
#include "tests/temp_dir.h"
#include "tests/trainer/fixture.h"

using namespace loconet;
using loconet::testing::TempDir;

TEST_CASE("a miner on two data-parallel processes trains and submits as one", "[net][slow]") {
  TempDir dir;
  REQUIRE(loconet::testing::WriteSyntheticCorpus(dir.path(), 6000, 800));
  const std::string net = dir / "net";
  std::string cmd = std::string(LOCONET_BINARY) + " devnet --miners 2 --miner-dp 2 --rounds 3" +
                    " --model " + LOCONET_SOURCE_DIR + "/configs/models/nano.toml --data " +
                    dir.path() + " --dir " + net +
                    " --local-steps 20 --batch 8 --pages-per-miner 8 --round-seconds 60"
                    " --lr 0.01 > " + (dir / "out.txt") + " 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream out_file(dir / "out.txt");
  std::string output((std::istreambuf_iterator<char>(out_file)), std::istreambuf_iterator<char>());
  INFO(output);
  REQUIRE(rc == 0);
  for (int m = 0; m < 2; ++m) {
    std::ifstream log_file(net + "/miner-" + std::to_string(m) + "/log.txt");
    std::string log((std::istreambuf_iterator<char>(log_file)), std::istreambuf_iterator<char>());
    INFO(log);
    CHECK(log.find("data parallel: rank 0 of 2") != std::string::npos);
    CHECK(log.find("data parallel: rank 1 of 2") != std::string::npos);
    CHECK(log.find("error") == std::string::npos);
    // No overlap with --dp yet: nothing is trained ahead.
    std::ifstream rounds(net + "/miner-" + std::to_string(m) + "/rounds.jsonl");
    for (std::string line; std::getline(rounds, line);) {
      auto j = nlohmann::json::parse(line);
      if (j["event"] == "submission") CHECK(j["carried_steps"] == 0);
    }
  }
  auto store = ledger::LedgerStore::Open(net + "/validator/ledger", true);
  REQUIRE(store.ok());
  CHECK(ledger::VerifyLedger(**store).ok());
  std::map<uint64_t, int> accepted, entries;
  std::map<uint64_t, std::string> new_hash;
  REQUIRE((*store)->ForEach([&](const ledger::Record& r) -> Status {
    if (r.kind == ledger::RecordKind::kScores) {
      auto b = ledger::ScoresBody::Decode(r.body);
      REQUIRE(b.ok());
      for (const auto& e : b->entries) {
        accepted[b->round] += e.reason == 0 ? 1 : 0;
        ++entries[b->round];
      }
    } else if (r.kind == ledger::RecordKind::kModelUpdate) {
      auto b = ledger::ModelUpdateBody::Decode(r.body);
      REQUIRE(b.ok());
      new_hash[b->round] = b->new_hash.Hex();
    }
    return Status::Ok();
  }).ok());
  // One key per miner: two entries a round, both accepted.
  for (uint64_t r = 0; r < 3; ++r) {
    CHECK(entries[r] == 2);
    CHECK(accepted[r] == 2);
  }
  // Rank 0 of each miner holds the validator's model after every round (applied, or fetched as
  // the next round's base).
  for (int m = 0; m < 2; ++m) {
    std::map<uint64_t, std::string> seen;
    std::ifstream rounds(net + "/miner-" + std::to_string(m) + "/rounds.jsonl");
    for (std::string line; std::getline(rounds, line);) {
      auto j = nlohmann::json::parse(line);
      if (j["event"] == "model_update") seen[j["round"].get<uint64_t>()] = j["model_hash"];
      // The next round's base fetched instead (its announcement overtook the aggregate).
      const uint64_t r = j["round"].get<uint64_t>();
      if (j["event"] == "checkpoint" && r > 0 && !seen.count(r - 1)) {
        seen[r - 1] = j["model_hash"];
      }
    }
    for (uint64_t r = 0; r < 3; ++r) {
      INFO("miner " << m << " round " << r);
      CHECK(seen[r] == new_hash[r]);
    }
  }
  // The network's held-out loss fell.
  std::ifstream status_file(net + "/validator/status.jsonl");
  std::vector<nlohmann::json> status;
  for (std::string line; std::getline(status_file, line);) {
    status.push_back(nlohmann::json::parse(line));
  }
  REQUIRE(status.size() == 3);
  CHECK(status.back()["heldout_loss"].get<double>() < status.front()["base_loss"].get<double>());
}
