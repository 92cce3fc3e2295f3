#include "ledger/store.h"

#include <rocksdb/db.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "ledger/bodies.h"
#include "tests/ledger/fixture.h"
#include "tests/temp_dir.h"

using namespace loconet;
using namespace loconet::ledger;
using namespace loconet::ledger::testing;
using loconet::testing::TempDir;

namespace {

std::unique_ptr<LedgerStore> OpenOrDie(const std::string& dir, bool read_only = false) {
  auto s = LedgerStore::Open(dir, read_only);
  REQUIRE(s.ok());
  return std::move(s).value();
}

// registration, round-1 scores, registration: three records of one author.
std::vector<Record> ThreeRecords(const Identity& id) {
  std::vector<Record> chain;
  Chain(id, &chain, RecordKind::kRegistration, 0, Registration(1, "alice"));
  Chain(id, &chain, RecordKind::kScores, 1, Scores(1, {Score(1, 100), Score(2, 0, 109)}).Encode());
  Chain(id, &chain, RecordKind::kRegistration, 1, Registration(2, "bob"));
  return chain;
}

}  // namespace

TEST_CASE("appended records read back by author, range, round and miner", "[ledger]") {
  TempDir dir;
  auto store = OpenOrDie(dir / "db");
  Identity v = Validator(1);
  std::vector<Record> chain = ThreeRecords(v);
  REQUIRE(store->Append(chain).ok());

  auto head = store->HeadOf(v.public_key());
  REQUIRE(head.ok());
  REQUIRE(head->has_value());
  CHECK((*head)->height == 2);
  CHECK((*head)->hash == chain[2].Hash());
  CHECK(store->Authors() == std::vector<PublicKey>{v.public_key()});

  auto range = store->Range(v.public_key(), 1, 10);
  REQUIRE(range.ok());
  REQUIRE(range->size() == 2);
  CHECK((*range)[0].Serialize() == chain[1].Serialize());
  CHECK((*range)[1].Serialize() == chain[2].Serialize());
  auto limited = store->Range(v.public_key(), 0, 1);
  REQUIRE(limited.ok());
  CHECK(limited->size() == 1);

  auto round1 = store->ByRound(1);
  REQUIRE(round1.ok());
  REQUIRE(round1->size() == 2);
  CHECK((*round1)[0].height == 1);
  CHECK((*round1)[1].height == 2);
  auto miner2 = store->ByMiner(Miner(2));
  REQUIRE(miner2.ok());
  REQUIRE(miner2->size() == 2);  // its score entry and its registration
  CHECK((*miner2)[0].kind == RecordKind::kScores);
  CHECK((*miner2)[1].kind == RecordKind::kRegistration);
  CHECK(store->ByMiner(Miner(3))->empty());

  auto got = store->Get(v.public_key(), 0);
  REQUIRE(got.ok());
  CHECK(got->Hash() == chain[0].Hash());
  CHECK(store->Get(v.public_key(), 3).status().code() == Code::kNotFound);
  CHECK(store->CheckIndexes().ok());
}

TEST_CASE("an unknown author has no head and no records", "[ledger]") {
  TempDir dir;
  auto store = OpenOrDie(dir / "db");
  auto head = store->HeadOf(Validator(9).public_key());
  REQUIRE(head.ok());
  CHECK_FALSE(head->has_value());
  CHECK(store->Authors().empty());
  CHECK(store->Range(Validator(9).public_key(), 0, 10)->empty());
  CHECK(store->Append({}).ok());
}

TEST_CASE("append refuses a bad signature", "[ledger]") {
  TempDir dir;
  auto store = OpenOrDie(dir / "db");
  std::vector<Record> chain = ThreeRecords(Validator(1));
  chain[0].signature[5] ^= 1;
  Status s = store->Append({chain[0]});
  CHECK(s.code() == Code::kBadSignature);
  CHECK(store->Authors().empty());
}

TEST_CASE("append refuses a wrong height", "[ledger]") {
  TempDir dir;
  auto store = OpenOrDie(dir / "db");
  Identity v = Validator(1);
  Record first = SignRecord(v, 1, Hash256{}, 0, RecordKind::kRegistration, Registration(1, "a"), 0);
  Status s = store->Append({first});
  CHECK(s.code() == Code::kCorrupt);
  CHECK(s.message().find("height") != std::string::npos);

  std::vector<Record> chain = ThreeRecords(v);
  REQUIRE(store->Append({chain[0]}).ok());
  CHECK(store->Append({chain[2]}).code() == Code::kCorrupt);  // skips height 1
}

TEST_CASE("append refuses a wrong prev hash", "[ledger]") {
  TempDir dir;
  auto store = OpenOrDie(dir / "db");
  Identity v = Validator(1);
  std::vector<Record> chain = ThreeRecords(v);
  REQUIRE(store->Append({chain[0]}).ok());
  Record forged = SignRecord(v, 1, Blake2b256(std::string("elsewhere")), 1, RecordKind::kReveal,
                             RevealBody{}.Encode(), 0);
  Status s = store->Append({forged});
  CHECK(s.code() == Code::kCorrupt);
  CHECK(s.message().find("prev") != std::string::npos);

  Record nonzero_genesis = SignRecord(Validator(2), 0, Blake2b256(std::string("x")), 0,
                                      RecordKind::kReveal, RevealBody{}.Encode(), 0);
  CHECK(store->Append({nonzero_genesis}).code() == Code::kCorrupt);
}

TEST_CASE("append refuses a body that does not decode as its kind", "[ledger]") {
  TempDir dir;
  auto store = OpenOrDie(dir / "db");
  Record rec =
      SignRecord(Validator(1), 0, Hash256{}, 0, RecordKind::kScores, Registration(1, "a"), 0);
  CHECK(store->Append({rec}).code() == Code::kDecodeError);
}

TEST_CASE("a batch with one bad record writes nothing", "[ledger]") {
  TempDir dir;
  auto store = OpenOrDie(dir / "db");
  Identity a = Validator(1), b = Validator(2);
  std::vector<Record> chain_a = ThreeRecords(a);
  std::vector<Record> chain_b = ThreeRecords(b);
  std::vector<Record> batch = {chain_a[0], chain_b[0], chain_a[1],
                               chain_b[1], chain_a[2], chain_b[2]};
  batch.back().body.push_back(0);  // its signature no longer matches
  REQUIRE_FALSE(store->Append(batch).ok());
  CHECK(store->Authors().empty());
  CHECK(store->ByRound(0)->empty());
  CHECK(store->ByMiner(Miner(1))->empty());
  CHECK(store->CheckIndexes().ok());

  batch.pop_back();
  REQUIRE(store->Append(batch).ok());  // interleaved authors in one batch
  CHECK(store->Authors().size() == 2);
  CHECK((*store->HeadOf(a.public_key()))->height == 2);
  CHECK((*store->HeadOf(b.public_key()))->height == 1);
  CHECK(store->CheckIndexes().ok());
}

TEST_CASE("a record appended twice is reported as a duplicate", "[ledger]") {
  TempDir dir;
  auto store = OpenOrDie(dir / "db");
  std::vector<Record> chain = ThreeRecords(Validator(1));
  REQUIRE(store->Append(chain).ok());
  CHECK(store->Append({chain[1]}).code() == Code::kDuplicate);
}

TEST_CASE("records survive closing and reopening the store", "[ledger]") {
  TempDir dir;
  Identity v = Validator(1);
  std::vector<Record> chain = ThreeRecords(v);
  {
    auto store = OpenOrDie(dir / "db");
    REQUIRE(store->Append({chain[0], chain[1]}).ok());
  }
  {
    auto store = OpenOrDie(dir / "db");
    REQUIRE(store->Append({chain[2]}).ok());
  }
  auto store = OpenOrDie(dir / "db", /*read_only=*/true);
  auto all = store->Range(v.public_key(), 0, 100);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 3);
  for (size_t i = 0; i < 3; ++i) CHECK((*all)[i].Serialize() == chain[i].Serialize());
  CHECK(store->CheckIndexes().ok());
  CHECK(store->Append({chain[0]}).code() == Code::kPermissionDenied);
}

TEST_CASE("a read-only store can be opened while a writer holds the ledger", "[ledger]") {
  TempDir dir;
  auto writer = OpenOrDie(dir / "db");
  std::vector<Record> chain = ThreeRecords(Validator(1));
  REQUIRE(writer->Append(chain).ok());
  auto reader = OpenOrDie(dir / "db", /*read_only=*/true);
  int n = 0;
  REQUIRE(reader
              ->ForEach([&](const Record&) {
                ++n;
                return Status::Ok();
              })
              .ok());
  CHECK(n == 3);
}

TEST_CASE("a read-only store sees the writer's later records once it catches up", "[ledger]") {
  TempDir dir;
  auto writer = OpenOrDie(dir / "db");
  std::vector<Record> chain = ThreeRecords(Validator(1));
  REQUIRE(writer->Append({chain[0]}).ok());
  auto reader = OpenOrDie(dir / "db", /*read_only=*/true);
  REQUIRE(writer->Append({chain[1], chain[2]}).ok());
  auto head = reader->HeadOf(Validator(1).public_key());
  REQUIRE(head.ok());
  CHECK((*head)->height == 0);  // as it was when opened
  REQUIRE(reader->CatchUp().ok());
  head = reader->HeadOf(Validator(1).public_key());
  REQUIRE(head.ok());
  CHECK((*head)->height == 2);
  CHECK(reader->Get(Validator(1).public_key(), 2).ok());
  CHECK(writer->CatchUp().code() == Code::kPermissionDenied);
}

TEST_CASE("opening names the directory when there is no ledger", "[ledger]") {
  TempDir dir;
  auto r = LedgerStore::Open(dir / "missing", /*read_only=*/true);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kNotFound);
  CHECK(r.status().message().find(dir / "missing") != std::string::npos);
  // A second writer is refused while the first holds the lock.
  auto first = OpenOrDie(dir / "db");
  auto second = LedgerStore::Open(dir / "db");
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().message().find(dir / "db") != std::string::npos);
}

TEST_CASE("ForEach visits records in (author, height) order and stops at an error", "[ledger]") {
  TempDir dir;
  auto store = OpenOrDie(dir / "db");
  std::vector<Record> a = ThreeRecords(Validator(1)), b = ThreeRecords(Validator(2));
  REQUIRE(store->Append(b).ok());
  REQUIRE(store->Append(a).ok());
  std::vector<std::pair<PublicKey, uint64_t>> seen;
  REQUIRE(store
              ->ForEach([&](const Record& r) {
                seen.emplace_back(r.author, r.height);
                return Status::Ok();
              })
              .ok());
  REQUIRE(seen.size() == 6);
  CHECK(std::is_sorted(seen.begin(), seen.end()));
  int calls = 0;
  Status s = store->ForEach([&](const Record&) {
    ++calls;
    return Error(Code::kInternal, "stop");
  });
  CHECK(s.code() == Code::kInternal);
  CHECK(calls == 1);
}

TEST_CASE("a writer chains records on its head and commits them in one batch", "[ledger]") {
  TempDir dir;
  auto store = OpenOrDie(dir / "db");
  Identity v = Validator(3);
  {
    LedgerWriter w(store.get(), &v);
    Record r0 = w.Next(RecordKind::kRegistration, 0, Registration(1, "a"));
    Record r1 = w.Next(RecordKind::kScores, 1, Scores(1, {Score(1, 5)}).Encode());
    CHECK(r0.height == 0);
    CHECK(r1.height == 1);
    CHECK(r1.prev == r0.Hash());
    CHECK(w.pending() == 2);
    CHECK_FALSE((*store->HeadOf(v.public_key())).has_value());  // nothing stored yet
    REQUIRE(w.Commit().ok());
    CHECK(w.pending() == 0);
    Record r2 = w.Next(RecordKind::kReveal, 1, RevealBody{}.Encode(), 5);
    CHECK(r2.height == 2);
    CHECK(r2.timestamp_ms == 5);
    REQUIRE(w.Commit().ok());
  }
  LedgerWriter again(store.get(), &v);  // picks up the stored head
  Record r3 = again.Next(RecordKind::kReveal, 2, RevealBody{}.Encode());
  CHECK(r3.height == 3);
  CHECK(r3.prev == (*store->HeadOf(v.public_key()))->hash);
  again.Next(RecordKind::kScores, 2, Bytes{1, 2, 3});  // does not decode: the batch fails
  CHECK_FALSE(again.Commit().ok());
  CHECK(again.pending() == 2);
  CHECK((*store->HeadOf(v.public_key()))->height == 2);
  again.Discard();
  CHECK(again.pending() == 0);
  CHECK(again.Next(RecordKind::kReveal, 2, RevealBody{}.Encode()).height == 3);
  CHECK(again.Commit().ok());
}

TEST_CASE("concurrent appends of two authors both land", "[ledger]") {
  TempDir dir;
  auto store = OpenOrDie(dir / "db");
  std::atomic<int> failures{0};  // Catch2 assertions are not thread-safe: count, check after
  auto run = [&](uint8_t n) {
    Identity v = Validator(n);
    LedgerWriter w(store.get(), &v);
    for (int i = 0; i < 20; ++i) {
      w.Next(RecordKind::kReveal, static_cast<uint64_t>(i), RevealBody{}.Encode());
      if (!w.Commit().ok()) ++failures;
    }
  };
  std::thread t1(run, 1), t2(run, 2);
  t1.join();
  t2.join();
  CHECK(failures == 0);
  CHECK((*store->HeadOf(Validator(1).public_key()))->height == 19);
  CHECK((*store->HeadOf(Validator(2).public_key()))->height == 19);
  CHECK(store->ByRound(7)->size() == 2);
}

TEST_CASE("a ledger half-made by a crash during creation is built again, never opened",
          "[ledger]") {
  TempDir dir;
  const std::string db = dir / "ledger";
  // What a crash in the middle of creating a ledger leaves: a RocksDB with some of the column
  // families, under the staging name.
  {
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    REQUIRE(rocksdb::DB::Open(options, db + ".creating", &raw).ok());
    delete raw;
  }
  CHECK(LedgerStore::Open(db, true).status().code() == Code::kNotFound);
  auto store = LedgerStore::Open(db);
  INFO(store.status().ToString());
  REQUIRE(store.ok());
  CHECK_FALSE(std::filesystem::exists(db + ".creating"));
  store->reset();
  CHECK(LedgerStore::Open(db, true).ok());
}

TEST_CASE("a directory with other files is not turned into a ledger", "[ledger]") {
  TempDir dir;
  std::filesystem::create_directories(dir / "notes");
  std::ofstream(dir / "notes/readme.txt") << "mine";
  CHECK(LedgerStore::Open(dir / "notes").status().code() == Code::kCorrupt);
  CHECK(std::filesystem::exists(dir / "notes/readme.txt"));
  // An empty directory is fine.
  std::filesystem::create_directories(dir / "empty");
  CHECK(LedgerStore::Open(dir / "empty").ok());
}
