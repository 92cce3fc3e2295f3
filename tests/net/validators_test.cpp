// Several validators as processes on 127.0.0.1 (`loconet devnet --validators 3`): byte-identical
// consensus records on every validator, a dishonest minority validator clipped to consensus,
// and the lead killed mid-run with the next validator taking over.
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>

#include "core/keys.h"
#include "ledger/bodies.h"
#include "ledger/consensus_bodies.h"
#include "ledger/store.h"
#include "ledger/verify.h"
#include "ledger/yuma_rewards.h"
#include "tests/net/corpora.h"
#include "tests/temp_dir.h"

using namespace loconet;
using loconet::testing::TempDir;

namespace {

// Runs a nano devnet of 3 validators; returns its output. The corpus has page topics, so that
// honest training shows in the validators' data check and work factor (on uniform text those are
// noise, and honest validators' weights with them).
std::string RunValidators(const TempDir& dir, const std::string& extra, int* rc) {
  REQUIRE(loconet::testing::WriteLanguageCorpus(dir.path()));
  std::string cmd = std::string(LOCONET_BINARY) +
                    " devnet --validators 3 --miners 2 --rounds 7 --model " + LOCONET_SOURCE_DIR +
                    "/configs/models/nano.toml --data " + dir.path() + " --dir " + (dir / "net") +
                    " --local-steps 20 --batch 8 --round-seconds 60 --lr 0.01 --lead-timeout 8 " +
                    extra + " > " + (dir / "out.txt") + " 2>&1";
  *rc = std::system(cmd.c_str());
  std::ifstream out_file(dir / "out.txt");
  return std::string((std::istreambuf_iterator<char>(out_file)), std::istreambuf_iterator<char>());
}

PublicKey KeyIn(const std::string& folder) {
  auto id = Identity::Load(folder + "/key");
  REQUIRE(id.ok());
  return id->public_key();
}

// The consensus records `author` wrote in the ledger at `dir`, by epoch.
std::map<uint64_t, ledger::Record> ConsensusOf(const std::string& dir, const PublicKey& author) {
  auto store = ledger::LedgerStore::Open(dir, true);
  REQUIRE(store.ok());
  CHECK(ledger::VerifyLedger(**store).ok());
  std::map<uint64_t, ledger::Record> out;
  REQUIRE((*store)->ForEach([&](const ledger::Record& r) -> Status {
    if (r.author == author && r.kind == ledger::RecordKind::kConsensus) {
      out[ledger::ConsensusBody::Decode(r.body).value().epoch] = r;
    }
    return Status::Ok();
  }).ok());
  return out;
}

// Validator `v`'s weight on `miner` as a fraction of its row (what Yuma's median compares).
double RowShare(const ledger::WeightsBody& w, const PublicKey& miner) {
  double sum = 0, mine = 0;
  for (const auto& e : w.entries) {
    sum += e.weight;
    if (e.miner == miner) mine = e.weight;
  }
  return sum > 0 ? mine / sum : 0;
}

}  // namespace

TEST_CASE("three validators write byte-identical consensus records and clip a dishonest one",
          "[net][slow]") {
  TempDir dir;
  int rc = 0;
  const std::string output =
      RunValidators(dir, "--adversaries lazy --dishonest-validator --dishonest-target adv-lazy", &rc);
  INFO(output);
  REQUIRE(rc == 0);
  CHECK(output.find("ledgers of 3 validators verified") != std::string::npos);
  const std::string net = dir / "net";
  const std::vector<std::string> folders = {net + "/validator", net + "/validator-1",
                                            net + "/validator-2"};
  std::vector<std::map<uint64_t, ledger::Record>> records;
  for (const std::string& f : folders) records.push_back(ConsensusOf(f + "/ledger", KeyIn(f)));
  // Epochs of 3 rounds: epoch 0 is written at round 3, epoch 1 at round 6.
  REQUIRE(records[0].size() == 2);
  for (const auto& [epoch, rec] : records[0]) {
    for (size_t v = 1; v < 3; ++v) {
      REQUIRE(records[v].count(epoch));
      // Different records (authors, chains), the same body: compare the hashes.
      CHECK(Blake2b256(records[v].at(epoch).body) == Blake2b256(rec.body));
      CHECK(records[v].at(epoch).Hash() != rec.Hash());
    }
  }

  // The last epoch: validator-2 inflated adv-lazy.
  const ledger::ConsensusBody body =
      ledger::ConsensusBody::Decode(records[0].rbegin()->second.body).value();
  REQUIRE(body.validators.size() == 3);
  const PublicKey lazy = KeyIn(net + "/adv-lazy");
  auto store = ledger::LedgerStore::Open(folders[0] + "/ledger", true);
  REQUIRE(store.ok());
  std::vector<ledger::WeightsBody> weights;
  for (const auto& v : body.validators) {
    REQUIRE(v.weights_record != Hash256{});  // every validator counted
    std::optional<ledger::WeightsBody> w;
    REQUIRE((*store)->ForEach([&](const ledger::Record& r) -> Status {
      if (r.Hash() == v.weights_record) w = ledger::WeightsBody::Decode(r.body).value();
      return Status::Ok();
    }).ok());
    REQUIRE(w);
    weights.push_back(*w);
  }
  const double honest_max = std::max(RowShare(weights[0], lazy), RowShare(weights[1], lazy));
  const double dishonest = RowShare(weights[2], lazy);
  const ledger::ConsensusMiner* lazy_row = nullptr;
  for (const auto& m : body.miners) {
    if (m.miner == lazy) lazy_row = &m;
  }
  REQUIRE(lazy_row);
  INFO("adv-lazy: honest shares " << RowShare(weights[0], lazy) << ", "
                                  << RowShare(weights[1], lazy) << "; dishonest " << dishonest
                                  << "; consensus " << lazy_row->consensus / 65535.0);
  // The dishonest validator weighs adv-lazy above the honest ones; consensus clips it to at most
  // what an honest validator gave.
  CHECK(dishonest > honest_max);
  CHECK(lazy_row->consensus / 65535.0 <= honest_max + 2.0 / 65535);
  // The dishonest validator pays for it: its trust loses at least what consensus clipped off its
  // inflated weight, it is trusted less than the more trusted honest validator, and it earns
  // fewer dividends than either honest one. (Its trust is not compared with each honest
  // validator's: two honest validators that score a miner differently on their own secret
  // pages are clipped too, and on a short run one of them can fall below the dishonest one.)
  const double dishonest_trust = body.validators[2].validator_trust / 65535.0;
  const double clipped = dishonest - lazy_row->consensus / 65535.0;
  CHECK(dishonest_trust <= 1.0 - clipped + 4.0 / 65535);
  CHECK(body.validators[2].validator_trust <
        std::max(body.validators[0].validator_trust, body.validators[1].validator_trust));
  for (size_t v = 0; v < 2; ++v) {
    CHECK(body.validators[2].dividends < body.validators[v].dividends);
  }
}

TEST_CASE("the next validator takes over when the lead is killed", "[net][slow]") {
  TempDir dir;
  int rc = 0;
  const std::string output = RunValidators(dir, "--kill-lead-after 2", &rc);
  INFO(output);
  REQUIRE(rc == 0);
  CHECK(output.find("killed the lead") != std::string::npos);
  CHECK(output.find("ledgers of 2 validators verified") != std::string::npos);
  const std::string net = dir / "net";
  const PublicKey lead = KeyIn(net + "/validator"), next = KeyIn(net + "/validator-1"),
                  third = KeyIn(net + "/validator-2");
  auto store = ledger::LedgerStore::Open(net + "/validator-2/ledger", true);
  REQUIRE(store.ok());
  REQUIRE(ledger::VerifyLedger(**store).ok());
  // validator-2's chain: which lead it followed each round, and that it agreed.
  std::map<uint64_t, PublicKey> followed;
  std::map<PublicKey, std::map<uint64_t, Hash256>> models;  // author -> round -> new model
  REQUIRE((*store)->ForEach([&](const ledger::Record& r) -> Status {
    if (r.kind == ledger::RecordKind::kAgreement && r.author == third) {
      auto a = ledger::AgreementBody::Decode(r.body).value();
      CHECK(a.agrees());
      followed[a.round] = a.lead;
    } else if (r.kind == ledger::RecordKind::kModelUpdate) {
      auto u = ledger::ModelUpdateBody::Decode(r.body).value();
      models[r.author][u.round] = u.new_hash;
    }
    return Status::Ok();
  }).ok());
  REQUIRE(followed.size() == 7);
  // The old lead until it died, the next validator in the lead order within two rounds of it.
  CHECK(followed.at(0) == lead);
  uint64_t first_new = 7;
  for (const auto& [round, who] : followed) {
    if (who == next) first_new = std::min(first_new, round);
  }
  CHECK(first_new <= 2 + 2);
  for (uint64_t r = first_new; r < 7; ++r) CHECK(followed.at(r) == next);
  // The survivors hold the same model after every round; the new lead went on from the last
  // committed model (its model line is unbroken: VerifyLedger above checks it).
  for (uint64_t r = 0; r < 7; ++r) CHECK(models[next].at(r) == models[third].at(r));
  // Two survivors agree on the consensus records.
  CHECK(output.find("identical on 2 validator(s)") != std::string::npos);
}
