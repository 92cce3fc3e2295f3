// A validator that dies in the middle of committing a round (LOCONET_CRASH_AT) and is restarted:
// it resolves the half-done commit from its ledger, its model line in the ledger stays unbroken,
// and `ledger verify` passes.
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

namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void Replace(std::string* s, const std::string& from, const std::string& to) {
  auto at = s->find(from);
  REQUIRE(at != std::string::npos);
  s->replace(at, from.size(), to);
}

// Model updates in the ledger, by round.
std::map<uint64_t, ledger::ModelUpdateBody> Updates(const std::string& db) {
  auto store = ledger::LedgerStore::Open(db, true);
  REQUIRE(store.ok());
  std::map<uint64_t, ledger::ModelUpdateBody> out;
  REQUIRE((*store)->ForEach([&](const ledger::Record& r) -> Status {
    if (r.kind == ledger::RecordKind::kModelUpdate) {
      auto b = ledger::ModelUpdateBody::Decode(r.body);
      REQUIRE(b.ok());
      out[b->round] = *b;
    }
    return Status::Ok();
  }).ok());
  return out;
}

}  // namespace

TEST_CASE("a validator that crashes while committing a round recovers from its ledger",
          "[net][slow]") {
  const std::string point = GENERATE(std::string("after_state"), std::string("after_ledger"));
  INFO("crash point " << point);
  TempDir dir;
  REQUIRE(loconet::testing::WriteSyntheticCorpus(dir.path(), 6000, 800));
  const std::string net = dir / "net";
  // Rounds 0 and 1 train for real; the validator dies while committing round 1.
  std::string cmd = "LOCONET_CRASH_AT=" + point + ":1 " + LOCONET_BINARY +
                    " devnet --miners 2 --rounds 3 --model " + LOCONET_SOURCE_DIR +
                    "/configs/models/nano.toml --data " + dir.path() + " --dir " + net +
                    " --local-steps 10 --batch 8 --pages-per-miner 8 --round-seconds 60"
                    " --lr 0.01 > " + (dir / "out.txt") + " 2>&1";
  CHECK(std::system(cmd.c_str()) != 0);
  const std::string vdir = net + "/validator";
  INFO(ReadAll(vdir + "/log.txt"));
  REQUIRE(ReadAll(vdir + "/log.txt").find("simulated crash") != std::string::npos);
  REQUIRE(std::filesystem::exists(vdir + "/state.pt.next"));
  const bool committed = point == "after_ledger";
  CHECK(Updates(vdir + "/ledger").count(1) == (committed ? 1u : 0u));

  // Restart it alone for one short round (its miners are gone: everyone misses it).
  std::string config = ReadAll(vdir + "/validator.toml");
  Replace(&config, "count = 3", "count = 1");
  Replace(&config, "seconds = 60", "seconds = 1");
  std::ofstream(vdir + "/validator.toml") << config;
  cmd = std::string(LOCONET_BINARY) + " validator --config " + vdir + "/validator.toml > " +
        (dir / "restart.txt") + " 2>&1";
  const int rc = std::system(cmd.c_str());
  INFO(ReadAll(dir / "restart.txt"));
  REQUIRE(rc == 0);
  CHECK_FALSE(std::filesystem::exists(vdir + "/state.pt.next"));
  const std::string log = ReadAll(vdir + "/log.txt") + ReadAll(dir / "restart.txt");
  CHECK(log.find(committed ? "continuing from" : "it runs again") != std::string::npos);

  // The ledger verifies (its model updates form one unbroken line), holds rounds 0, 1 and the
  // round run after the restart, and the restarted validator's model is the ledger's last.
  auto store = ledger::LedgerStore::Open(vdir + "/ledger", true);
  REQUIRE(store.ok());
  Status verified = ledger::VerifyLedger(**store);
  INFO(verified.ToString());
  CHECK(verified.ok());
  store->reset();
  auto updates = Updates(vdir + "/ledger");
  const uint64_t last = committed ? 2 : 1;
  REQUIRE(updates.size() == last + 1);
  CHECK(updates.rbegin()->first == last);
  CHECK(updates[0].new_hash != updates[0].prev_hash);  // round 0 trained the model
  std::string status_line, line;
  std::ifstream status(vdir + "/status.jsonl");
  while (std::getline(status, line)) status_line = line;
  auto j = nlohmann::json::parse(status_line);
  CHECK(j["round"] == last);
  CHECK(j["model_hash"] == updates[last].new_hash.Hex());
}
