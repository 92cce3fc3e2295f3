// The straggler rule in a devnet: rounds far shorter than H steps take. Every miner stops before
// the deadline, submits the steps it has (inner_steps < H), and is accepted and scored; the
// validator's adaptive deadline is on and logged.
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "core/status.h"
#include "ledger/bodies.h"
#include "ledger/store.h"
#include "tests/temp_dir.h"
#include "tests/trainer/fixture.h"

using namespace loconet;
using loconet::testing::TempDir;

TEST_CASE("miners that cannot finish H steps before the deadline submit what they have",
          "[net][slow]") {
  TempDir dir;
  REQUIRE(loconet::testing::WriteSyntheticCorpus(dir.path(), 6000, 800));
  const std::string net = dir / "net";
  std::string cmd = std::string(LOCONET_BINARY) + " devnet --miners 2 --rounds 3 --model " +
                    LOCONET_SOURCE_DIR + "/configs/models/micro.toml --data " + dir.path() +
                    " --dir " + net +
                    " --local-steps 5000 --batch 8 --pages-per-miner 8 --round-seconds 5"
                    " --adaptive-deadline --lr 0.002 > " + (dir / "out.txt") + " 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream out_file(dir / "out.txt");
  std::string output((std::istreambuf_iterator<char>(out_file)), std::istreambuf_iterator<char>());
  INFO(output);
  REQUIRE(rc == 0);
  std::ifstream vlog_file(net + "/validator/log.txt");
  std::string vlog((std::istreambuf_iterator<char>(vlog_file)), std::istreambuf_iterator<char>());
  CHECK(vlog.find("(adaptive)") != std::string::npos);
  int submissions = 0;
  for (int m = 0; m < 2; ++m) {
    std::ifstream rounds(net + "/miner-" + std::to_string(m) + "/rounds.jsonl");
    for (std::string line; std::getline(rounds, line);) {
      auto j = nlohmann::json::parse(line);
      if (j["event"] != "submission") continue;
      INFO(line);
      ++submissions;
      CHECK(j["accepted"] == true);
      CHECK(j["steps"].get<uint32_t>() >= 1);
      CHECK(j["steps"].get<uint32_t>() < 5000);
    }
  }
  CHECK(submissions >= 4);
  // Scored: every round's score record names both miners, none late or missed. (Accepted at
  // receipt is checked above; at close the copy check may still find the two updates alike, on
  // this regular synthetic corpus once the averaged model nears its floor: seen once, round 2.)
  auto store = ledger::LedgerStore::Open(net + "/validator/ledger", true);
  REQUIRE(store.ok());
  std::map<uint64_t, int> ok_entries;
  REQUIRE((*store)->ForEach([&](const ledger::Record& r) -> Status {
    if (r.kind == ledger::RecordKind::kScores) {
      auto b = ledger::ScoresBody::Decode(r.body);
      REQUIRE(b.ok());
      for (const auto& e : b->entries) {
        const bool in_time = e.reason != static_cast<uint16_t>(Code::kLate) &&
                             e.reason != static_cast<uint16_t>(Code::kMissed);
        ok_entries[b->round] += in_time ? 1 : 0;
      }
    }
    return Status::Ok();
  }).ok());
  CHECK(ok_entries[0] == 2);
  CHECK(ok_entries[2] == 2);
}
