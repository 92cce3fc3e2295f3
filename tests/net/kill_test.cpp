// A validator SIGKILLed at random moments of a running network and restarted, again and again:
// after every kill its ledger verifies, no acknowledged registration or submission is lost, and
// the network keeps training.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "core/keys.h"
#include "ledger/bodies.h"
#include "ledger/store.h"
#include "ledger/verify.h"
#include "tests/net/process.h"
#include "tests/temp_dir.h"
#include "tests/trainer/fixture.h"

using namespace loconet;
using loconet::testing::FreePort;
using loconet::testing::ReadAll;
using loconet::testing::Spawn;
using loconet::testing::TempDir;

namespace {

struct LedgerView {
  std::set<PublicKey> registered;
  std::map<uint64_t, ledger::RoundBody> rounds;
  std::map<uint64_t, ledger::ScoresBody> scores;
  size_t trained_rounds = 0;  // model updates that averaged at least one update
};

LedgerView Read(const std::string& db) {
  LedgerView v;
  if (!std::filesystem::exists(db)) return v;  // killed before it created its ledger
  auto store = ledger::LedgerStore::Open(db, true);
  INFO(store.status().ToString());
  REQUIRE(store.ok());
  Status verified = ledger::VerifyLedger(**store);
  INFO(verified.ToString());
  REQUIRE(verified.ok());
  REQUIRE((*store)
              ->ForEach([&](const ledger::Record& r) -> Status {
                if (r.kind == ledger::RecordKind::kRegistration) {
                  v.registered.insert(ledger::RegistrationBody::Decode(r.body)->miner);
                } else if (r.kind == ledger::RecordKind::kRound) {
                  auto b = ledger::RoundBody::Decode(r.body).value();
                  v.rounds[b.round] = b;
                } else if (r.kind == ledger::RecordKind::kScores) {
                  auto b = ledger::ScoresBody::Decode(r.body).value();
                  v.scores[b.round] = b;
                } else if (r.kind == ledger::RecordKind::kModelUpdate) {
                  if (!ledger::ModelUpdateBody::Decode(r.body)->accepted.empty())
                    ++v.trained_rounds;
                }
                return Status::Ok();
              })
              .ok());
  return v;
}

}  // namespace

TEST_CASE("a validator killed at random moments 50 times loses nothing it acknowledged",
          "[net][slow]") {
  TempDir dir;
  REQUIRE(loconet::testing::WriteSyntheticCorpus(dir.path(), 6000, 800));
  const std::string router = "tcp://127.0.0.1:" + std::to_string(FreePort());
  const std::string pub = "tcp://127.0.0.1:" + std::to_string(FreePort());
  const Identity validator_id = Identity::Generate();
  const std::string vdir = dir / "validator";
  std::filesystem::create_directories(vdir);
  REQUIRE(validator_id.Save(vdir + "/key").ok());
  loconet::testing::WriteValidatorConfig(vdir, dir.path(), router, pub, 3, 2);
  std::vector<PublicKey> miner_keys;
  std::vector<pid_t> miners;
  for (int i = 0; i < 2; ++i) {
    const std::string mdir = dir / ("miner-" + std::to_string(i));
    std::filesystem::create_directories(mdir);
    const Identity key = Identity::Generate();
    miner_keys.push_back(key.public_key());
    REQUIRE(key.Save(mdir + "/key").ok());
    loconet::testing::WriteMinerConfig(mdir, "m" + std::to_string(i), dir.path(), router, pub,
                                       validator_id.public_key().Hex(), 1500);
  }
  auto start_validator = [&] {
    return Spawn({LOCONET_BINARY, "validator", "--config", vdir + "/validator.toml"},
                 vdir + "/log.txt");
  };
  pid_t validator = start_validator();
  for (int i = 0; i < 2; ++i) {
    const std::string mdir = dir / ("miner-" + std::to_string(i));
    miners.push_back(
        Spawn({LOCONET_BINARY, "miner", "--config", mdir + "/miner.toml"}, mdir + "/log.txt"));
  }

  std::mt19937 rng(20261201);
  std::uniform_int_distribution<int> pause_ms(100, 1500);
  int kills = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(6);
  for (; kills < 50 && std::chrono::steady_clock::now() < deadline; ++kills) {
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));
    REQUIRE(::kill(validator, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(validator, &status, 0) == validator);
    INFO("kill " << kills << "\n" << ReadAll(vdir + "/log.txt").substr(0, 4000));
    // Killed, never failed on its own.
    REQUIRE(WIFSIGNALED(status));
    LedgerView v = Read(vdir + "/ledger");
    // Every registration the validator acknowledged is in its ledger.
    for (int i = 0; i < 2; ++i) {
      const std::string log = ReadAll(dir / ("miner-" + std::to_string(i)) + "/log.txt");
      if (log.find("registered") != std::string::npos) CHECK(v.registered.count(miner_keys[i]));
    }
    validator = start_validator();
  }
  CHECK(kills == 50);

  // After the last kill, the network goes on: wait for three more rounds that trained.
  const size_t trained_before = Read(vdir + "/ledger").trained_rounds;
  (void)trained_before;
  std::this_thread::sleep_for(std::chrono::seconds(1));
  size_t trained_now = 0;
  for (int i = 0; i < 120; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    std::ifstream status(vdir + "/status.jsonl");
    std::string line;
    size_t lines = 0;
    while (std::getline(status, line)) ++lines;
    (void)lines;
    // The ledger cannot be opened beside the running validator read-write; read-only is fine.
    trained_now = Read(vdir + "/ledger").trained_rounds;
    if (trained_now >= trained_before + 3) break;
  }
  ::kill(validator, SIGTERM);
  ::waitpid(validator, nullptr, 0);
  for (pid_t m : miners) {
    ::kill(m, SIGTERM);
    ::waitpid(m, nullptr, 0);
  }
  CHECK(trained_now >= trained_before + 3);

  // No acknowledged submission is lost: in every round the ledger committed, a miner whose
  // submission to that run of the round (same round number and deadline) was acknowledged has
  // a score entry that is not `missed`.
  LedgerView v = Read(vdir + "/ledger");
  int acknowledged = 0, checked = 0;
  // Rounds a miner submitted to in one run, then again in the run that committed (a re-run
  // after a crash is worked on, not skipped as a round number already seen).
  int reruns_worked = 0;
  for (int i = 0; i < 2; ++i) {
    std::map<uint64_t, std::set<int64_t>> deadlines;  // round -> deadlines submitted to
    std::ifstream in(dir / ("miner-" + std::to_string(i)) + "/rounds.jsonl");
    std::string line;
    while (std::getline(in, line)) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || j.value("event", "") != "submission" || !j.value("accepted", false))
        continue;
      ++acknowledged;
      const uint64_t round = j.value("round", uint64_t{0});
      deadlines[round].insert(j.value("deadline", int64_t{0}));
      auto r = v.rounds.find(round);
      if (r == v.rounds.end() || r->second.deadline_ms != j.value("deadline", int64_t{0})) {
        continue;  // that run of the round never committed; it ran again
      }
      ++checked;
      bool found = false;
      for (const auto& e : v.scores[round].entries) {
        if (e.miner != miner_keys[i]) continue;
        found = true;
        CHECK(e.reason != static_cast<uint16_t>(Code::kMissed));
      }
      CHECK(found);
    }
    for (const auto& [round, seen] : deadlines) {
      auto r = v.rounds.find(round);
      if (seen.size() > 1 && r != v.rounds.end() && seen.count(r->second.deadline_ms)) {
        ++reruns_worked;
      }
    }
  }
  INFO("re-run rounds worked on: " << reruns_worked);
  CHECK(reruns_worked > 0);
  INFO("acknowledged " << acknowledged << ", in committed rounds " << checked);
  CHECK(checked > 0);
  std::printf(
      "kill loop: %d kills survived, %d acknowledged submissions (%d in committed rounds), "
      "%d re-run rounds worked on again, %zu rounds committed, 0 records lost\n",
      kills, acknowledged, checked, reruns_worked, v.rounds.size());
}
