#include "ledger/verify.h"

#include <rocksdb/db.h>

#include <catch2/catch.hpp>

#include "ledger/rewards.h"
#include "ledger/store.h"
#include "tests/ledger/fixture.h"
#include "tests/temp_dir.h"

using namespace loconet;
using namespace loconet::ledger;
using namespace loconet::ledger::testing;
using loconet::testing::TempDir;

namespace {

// Two rounds of scores and the epoch's reward, on top of two registrations: heights 0 to 4.
std::vector<Record> GoodChain(const Identity& v) {
  std::vector<Record> chain;
  Chain(v, &chain, RecordKind::kRegistration, 0, Registration(1, "alice"));
  Chain(v, &chain, RecordKind::kRegistration, 0, Registration(2, "bob"));
  std::vector<ScoresBody> scores = {Scores(0, {Score(1, 300), Score(2, 100)}),
                                    Scores(1, {Score(1, 200), Score(2, 0, 109)})};
  Chain(v, &chain, RecordKind::kScores, 0, scores[0].Encode());
  Chain(v, &chain, RecordKind::kScores, 1, scores[1].Encode());
  Chain(v, &chain, RecordKind::kReward, 1, ComputeReward(0, 0, 1, 1000, scores).Encode());
  return chain;
}

std::string Key(const PublicKey& author, uint64_t height) {
  std::string k(reinterpret_cast<const char*>(author.bytes.data()), 32);
  for (int i = 7; i >= 0; --i) k.push_back(static_cast<char>(height >> (8 * i)));
  return k;
}

enum Cf { kRecords = 1, kByRound = 2, kByMiner = 3, kMeta = 4 };

// Writes or deletes one value of a column family behind the store's back.
void Tamper(const std::string& dir, const std::string& key, const Bytes* value, Cf cf = kRecords) {
  rocksdb::DBOptions options;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const char* name : {"default", "records", "by_round", "by_miner", "meta"}) {
    cfs.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  REQUIRE(rocksdb::DB::Open(options, dir, cfs, &handles, &db).ok());
  if (value) {
    rocksdb::Slice v(reinterpret_cast<const char*>(value->data()), value->size());
    REQUIRE(db->Put(rocksdb::WriteOptions(), handles[cf], key, v).ok());
  } else {
    REQUIRE(db->Delete(rocksdb::WriteOptions(), handles[cf], key).ok());
  }
  for (auto* h : handles) REQUIRE(db->DestroyColumnFamilyHandle(h).ok());
  delete db;
}

void Store(const std::string& dir, const std::vector<Record>& records) {
  auto store = LedgerStore::Open(dir);
  REQUIRE(store.ok());
  REQUIRE((*store)->Append(records).ok());
}

Status VerifyDir(const std::string& dir, uint64_t epoch_rounds = 0) {
  auto store = LedgerStore::Open(dir, /*read_only=*/true);
  REQUIRE(store.ok());
  return VerifyLedger(**store, epoch_rounds);
}

}  // namespace

TEST_CASE("a good ledger of two authors verifies", "[ledger]") {
  TempDir dir;
  Store(dir / "db", GoodChain(Validator(1)));
  Store(dir / "db", GoodChain(Validator(2)));
  auto store = LedgerStore::Open(dir / "db", true);
  REQUIRE(store.ok());
  LedgerSummary summary;
  REQUIRE(VerifyLedger(**store, 2, &summary).ok());
  CHECK(summary.records == 10);
  CHECK(summary.authors == 2);
}

TEST_CASE("an empty ledger verifies", "[ledger]") {
  TempDir dir;
  { REQUIRE(LedgerStore::Open(dir / "db").ok()); }
  CHECK(VerifyDir(dir / "db").ok());
}

TEST_CASE("verify finds a stored record whose bytes were altered, naming its height", "[ledger]") {
  TempDir dir;
  Identity v = Validator(1);
  std::vector<Record> chain = GoodChain(v);
  Store(dir / "db", chain);
  Record altered = chain[2];
  altered.body[40] ^= 1;  // a score byte; the signature no longer matches
  Bytes bytes = altered.Serialize();
  Tamper(dir / "db", Key(v.public_key(), 2), &bytes);
  Status s = VerifyDir(dir / "db");
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == Code::kBadSignature);
  CHECK(s.message().find(v.public_key().Short() + " #2 scores") != std::string::npos);
}

TEST_CASE("verify finds a re-signed forgery by the broken link after it", "[ledger]") {
  TempDir dir;
  Identity v = Validator(1);
  std::vector<Record> chain = GoodChain(v);
  Store(dir / "db", chain);
  // The author's key signs a different record 1: its own signature is fine, record 2 no longer
  // links to it.
  Record forged = SignRecord(v, 1, chain[0].Hash(), 0, RecordKind::kRegistration,
                             Registration(9, "mallory"), chain[1].timestamp_ms);
  Bytes bytes = forged.Serialize();
  Tamper(dir / "db", Key(v.public_key(), 1), &bytes);
  Status s = VerifyDir(dir / "db");
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == Code::kCorrupt);
  CHECK(s.message().find("#2") != std::string::npos);
  CHECK(s.message().find("prev hash") != std::string::npos);
}

TEST_CASE("verify finds a missing record as a height gap", "[ledger]") {
  TempDir dir;
  Identity v = Validator(1);
  Store(dir / "db", GoodChain(v));
  Tamper(dir / "db", Key(v.public_key(), 3), nullptr);
  Status s = VerifyDir(dir / "db");
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == Code::kCorrupt);
  CHECK(s.message().find("#4 reward: height gap") != std::string::npos);
}

TEST_CASE("verify finds a record stored under another record's key", "[ledger]") {
  TempDir dir;
  Identity v = Validator(1);
  std::vector<Record> chain = GoodChain(v);
  Store(dir / "db", chain);
  Bytes bytes = chain[1].Serialize();
  Tamper(dir / "db", Key(v.public_key(), 2), &bytes);
  Status s = VerifyDir(dir / "db");
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == Code::kCorrupt);
  CHECK(s.message().find("#2") != std::string::npos);
}

TEST_CASE("verify catches a reward whose units differ from the recomputation", "[ledger]") {
  TempDir dir;
  Identity v = Validator(1);
  std::vector<Record> chain = GoodChain(v);
  chain.pop_back();
  std::vector<ScoresBody> scores = {Scores(0, {Score(1, 300), Score(2, 100)}),
                                    Scores(1, {Score(1, 200), Score(2, 0, 109)})};
  RewardBody reward = ComputeReward(0, 0, 1, 1000, scores);
  REQUIRE(reward.entries.size() == 2);
  CHECK(reward.entries[0].units == 833);  // 500 of 600
  reward.entries[0].units -= 10;          // still decodes: the sum stays under the emission
  reward.entries[1].units += 10;
  Chain(v, &chain, RecordKind::kReward, 1, reward.Encode());
  Store(dir / "db", chain);  // the store accepts it: it is signed and decodes
  Status s = VerifyDir(dir / "db");
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == Code::kCorrupt);
  CHECK(s.message().find(v.public_key().Short() + " #4 reward") != std::string::npos);
  CHECK(s.message().find("823 units, recomputation gives 833") != std::string::npos);
}

TEST_CASE("verify checks the epoch length and refuses overlapping rewards", "[ledger]") {
  TempDir dir;
  Identity v = Validator(1);
  std::vector<Record> chain = GoodChain(v);
  Store(dir / "db", chain);
  CHECK(VerifyDir(dir / "db", 2).ok());
  Status s = VerifyDir(dir / "db", 3);
  CHECK(s.code() == Code::kCorrupt);
  CHECK(s.message().find("are not 3 rounds") != std::string::npos);

  std::vector<Record> more = chain;
  Chain(v, &more, RecordKind::kReward, 2, ComputeReward(1, 1, 2, 1000, {}).Encode());
  Store(dir / "db", {more.back()});
  s = VerifyDir(dir / "db");
  CHECK(s.code() == Code::kCorrupt);
  CHECK(s.message().find("#5 reward: rounds 1-2 overlap") != std::string::npos);
}

TEST_CASE("a reward counts only the scores recorded before it", "[ledger]") {
  TempDir dir;
  Identity v = Validator(1);
  std::vector<Record> chain = GoodChain(v);
  // A late score for round 1, after the epoch's reward, does not invalidate that reward.
  Chain(v, &chain, RecordKind::kScores, 1, Scores(1, {Score(3, 999)}).Encode());
  Store(dir / "db", chain);
  CHECK(VerifyDir(dir / "db").ok());
}

TEST_CASE("verify finds a damaged index", "[ledger]") {
  TempDir dir;
  Identity v = Validator(1);
  Store(dir / "db", GoodChain(v));
  Bytes empty;
  Tamper(dir / "db", std::string(80, 'x'), &empty, kByMiner);
  Status s = VerifyDir(dir / "db");
  CHECK(s.code() == Code::kCorrupt);
  CHECK(s.message().find("by_miner") != std::string::npos);
}

TEST_CASE("verify finds a head that does not name the last record", "[ledger]") {
  TempDir dir;
  Identity v = Validator(1);
  std::vector<Record> chain = GoodChain(v);
  Store(dir / "db", chain);
  Bytes head(8, 0);  // height 0 ...
  Hash256 h0 = chain[0].Hash();
  head.insert(head.end(), h0.bytes.begin(), h0.bytes.end());  // ... and its hash
  Tamper(dir / "db", "head" + Key(v.public_key(), 0).substr(0, 32), &head, kMeta);
  Status s = VerifyDir(dir / "db");
  CHECK(s.code() == Code::kCorrupt);
  CHECK(s.message().find("head of " + v.public_key().Short()) != std::string::npos);
}

TEST_CASE("verify requires each model update to start where the previous one ended",
          "[ledger]") {
  auto update = [](uint64_t round, const std::string& from, const std::string& to) {
    ModelUpdateBody u;
    u.round = round;
    u.prev_hash = Blake2b256(from);
    u.new_hash = Blake2b256(to);
    return u.Encode();
  };
  Identity v = Validator(1);
  SECTION("an unbroken line verifies, rounds may be skipped") {
    TempDir dir;
    std::vector<Record> chain;
    Chain(v, &chain, RecordKind::kModelUpdate, 0, update(0, "m0", "m1"));
    Chain(v, &chain, RecordKind::kModelUpdate, 1, update(1, "m1", "m1"));  // nothing accepted
    Chain(v, &chain, RecordKind::kModelUpdate, 3, update(3, "m1", "m2"));
    Store(dir / "db", chain);
    CHECK(VerifyDir(dir / "db").ok());
  }
  SECTION("a model change that no record accounts for") {
    TempDir dir;
    std::vector<Record> chain;
    Chain(v, &chain, RecordKind::kModelUpdate, 0, update(0, "m0", "m1"));
    Chain(v, &chain, RecordKind::kModelUpdate, 2, update(2, "m2", "m3"));  // round 1 lost
    Store(dir / "db", chain);
    Status s = VerifyDir(dir / "db");
    CHECK(s.code() == Code::kCorrupt);
    CHECK(s.message().find("#1 model_update") != std::string::npos);
    CHECK(s.message().find("starts from") != std::string::npos);
  }
  SECTION("a round that goes backwards") {
    TempDir dir;
    std::vector<Record> chain;
    Chain(v, &chain, RecordKind::kModelUpdate, 5, update(5, "m0", "m1"));
    Chain(v, &chain, RecordKind::kModelUpdate, 5, update(5, "m1", "m2"));
    Store(dir / "db", chain);
    CHECK(VerifyDir(dir / "db").code() == Code::kCorrupt);
  }
}

TEST_CASE("a ledger of another format version is refused when opened, naming both versions",
          "[ledger]") {
  TempDir dir;
  Store(dir / "db", GoodChain(Validator(1)));
  const std::string old_format = "loconet.ledger.v2";
  const Bytes value(old_format.begin(), old_format.end());
  Tamper(dir / "db", "format", &value, kMeta);
  for (bool read_only : {false, true}) {
    auto store = LedgerStore::Open(dir / "db", read_only);
    CHECK(store.status().code() == Code::kCorrupt);
    CHECK(store.status().message().find("loconet.ledger.v2") != std::string::npos);
    CHECK(store.status().message().find("loconet.ledger.v3") != std::string::npos);
  }
}
