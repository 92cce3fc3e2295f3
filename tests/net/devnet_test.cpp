// The whole network as processes on 127.0.0.1: `loconet devnet` with a validator and 2 miners for
// 3 rounds on the nano model.
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
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

static std::vector<nlohmann::json> ReadLines(const std::string& path) {
  std::vector<nlohmann::json> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line));
  return out;
}

TEST_CASE("a devnet of a validator and 2 miners trains for 3 rounds and agrees on every model",
          "[net][slow]") {
  TempDir dir;
  REQUIRE(loconet::testing::WriteSyntheticCorpus(dir.path(), 6000, 800));
  const std::string net = dir / "net";
  std::string cmd = std::string(LOCONET_BINARY) + " devnet --miners 2 --rounds 3 --model " +
                    LOCONET_SOURCE_DIR + "/configs/models/nano.toml --data " + dir.path() +
                    " --dir " + net +
                    " --local-steps 20 --batch 8 --pages-per-miner 8 --round-seconds 60"
                    " --lr 0.01 --overlap --report " + (dir / "report.json") + " > " + (dir / "out.txt") +
                    " 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream out_file(dir / "out.txt");
  std::string output((std::istreambuf_iterator<char>(out_file)), std::istreambuf_iterator<char>());
  INFO(output);
  REQUIRE(rc == 0);
  CHECK(output.find("ledger verified") != std::string::npos);

  // Both miners scored and accepted in every round; the ledger verifies.
  auto store = ledger::LedgerStore::Open(net + "/validator/ledger", true);
  REQUIRE(store.ok());
  CHECK(ledger::VerifyLedger(**store).ok());
  std::map<uint64_t, std::string> new_hash;  // round -> model hash after the round
  std::map<uint64_t, int> accepted;
  REQUIRE((*store)->ForEach([&](const ledger::Record& r) -> Status {
    if (r.kind == ledger::RecordKind::kScores) {
      auto b = ledger::ScoresBody::Decode(r.body);
      REQUIRE(b.ok());
      for (const auto& e : b->entries) accepted[b->round] += e.reason == 0 ? 1 : 0;
    } else if (r.kind == ledger::RecordKind::kModelUpdate) {
      auto b = ledger::ModelUpdateBody::Decode(r.body);
      REQUIRE(b.ok());
      new_hash[b->round] = b->new_hash.Hex();
    }
    return Status::Ok();
  }).ok());
  REQUIRE(new_hash.size() == 3);
  for (uint64_t r = 0; r < 3; ++r) CHECK(accepted[r] == 2);

  // Every miner reached the validator's model hash after every round.
  for (int m = 0; m < 2; ++m) {
    std::map<uint64_t, std::string> seen;
    for (const auto& j : ReadLines(net + "/miner-" + std::to_string(m) + "/rounds.jsonl")) {
      if (j["event"] == "model_update") seen[j["round"].get<uint64_t>()] = j["model_hash"];
    }
    for (uint64_t r = 0; r < 3; ++r) {
      INFO("miner " << m << " round " << r);
      CHECK(seen[r] == new_hash[r]);
    }
  }

  // The global held-out loss fell.
  auto status = ReadLines(net + "/validator/status.jsonl");
  REQUIRE(status.size() == 3);
  CHECK(status.back()["heldout_loss"].get<double>() < status.front()["base_loss"].get<double>());

  // The miners were given the training shard, never the held-out split.
  CHECK(std::filesystem::exists(net + "/miner-data/train.shard"));
  CHECK_FALSE(std::filesystem::exists(net + "/miner-data/heldout.shard"));
  for (int m = 0; m < 2; ++m) {
    std::ifstream config(net + "/miner-" + std::to_string(m) + "/miner.toml");
    const std::string text((std::istreambuf_iterator<char>(config)),
                           std::istreambuf_iterator<char>());
    CHECK(text.find("data = \"" + net + "/miner-data\"") != std::string::npos);
  }

  // The rewards by group: both miners are the honest group, which got everything paid.
  CHECK(output.find("rewards by group of miners:") != std::string::npos);
  // Every miner's compute utilization, a percentage, from its log.
  const size_t util = output.find("compute utilization (inner steps / wall time");
  REQUIRE(util != std::string::npos);
  const std::string util_line = output.substr(util, output.find('\n', util) - util);
  CHECK(util_line.find("miner-0 ") != std::string::npos);
  CHECK(util_line.find("miner-1 ") != std::string::npos);
  CHECK(util_line.find('%') != std::string::npos);
  CHECK(util_line.find('?') == std::string::npos);
  for (const auto& j : ReadLines(net + "/miner-0/rounds.jsonl")) {
    if (j["event"] != "submission") continue;
    CHECK(j["utilization"].get<double>() > 0);
    CHECK(j["utilization"].get<double>() <= 1);
  }
  // Overlap (--overlap): while the validator scored, the miners trained ahead, at most one
  // round's local steps, and carried it into their next update (still accepted above).
  uint64_t carried = 0;
  for (int m = 0; m < 2; ++m) {
    for (const auto& j : ReadLines(net + "/miner-" + std::to_string(m) + "/rounds.jsonl")) {
      if (j["event"] != "submission") continue;
      const uint64_t c = j["carried_steps"].get<uint64_t>();
      CHECK(c <= 20);
      if (j["round"] == 0) CHECK(c == 0);
      carried += c;
    }
  }
  CHECK(carried > 0);
  std::ifstream report_file(dir / "report.json");
  const nlohmann::json report = nlohmann::json::parse(report_file);
  REQUIRE(report["groups"].size() == 1);
  CHECK(report["reference"] == "miner");
  CHECK(report["groups"][0]["group"] == "miner");
  CHECK(report["groups"][0]["miners"] == 2);
  CHECK(report["groups"][0]["rewards"] == report["paid"]);
}
