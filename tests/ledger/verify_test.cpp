#include "ledger/verify.h"

#include <rocksdb/db.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <functional>
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

// Two registrations, two rounds (round, scores, reveal) and the epoch's reward: heights 0 to 8.
// Scores equal improvements here: 300 and 100 in round 0, 200 and a late miner 2 in round 1.
std::vector<Record> GoodChain(const Identity& v) {
  std::vector<Record> chain;
  Scorer s;
  Chain(v, &chain, RecordKind::kRegistration, 0, Registration(1, "alice"));
  Chain(v, &chain, RecordKind::kRegistration, 0, Registration(2, "bob"));
  const RoundBody r0 = RoundOf(0);
  const RoundBody r1 = RoundOf(1);
  std::vector<ScoresBody> scores;
  Chain(v, &chain, RecordKind::kRound, 0, r0.Encode());
  scores.push_back(s.Close(0, {s.Accepted(r0, 1, 300), s.Accepted(r0, 2, 100)}));
  Chain(v, &chain, RecordKind::kScores, 0, scores.back().Encode());
  Chain(v, &chain, RecordKind::kReveal, 0, Reveal(0));
  Chain(v, &chain, RecordKind::kRound, 1, r1.Encode());
  scores.push_back(s.Close(1, {s.Accepted(r1, 1, 200), s.Rejected(r1, 2, 109)}));
  Chain(v, &chain, RecordKind::kScores, 1, scores.back().Encode());
  Chain(v, &chain, RecordKind::kReveal, 1, Reveal(1));
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

std::vector<RecordFault> FaultsIn(const std::string& dir, uint64_t epoch_rounds = 0) {
  auto store = LedgerStore::Open(dir, /*read_only=*/true);
  REQUIRE(store.ok());
  auto faults = FindFaults(**store, epoch_rounds);
  REQUIRE(faults.ok());
  return *faults;
}

// Changes a round's score entries after they are computed and before they are recorded.
using Alter = std::function<void(uint64_t round, std::vector<ScoreEntry>*)>;

constexpr uint64_t kEpochRounds = 3;

// Three miners over `rounds` rounds with the default configuration's parameters (cap 0.05,
// both weights 0.3), taking every path of the score rules: verdicts +1, -1 and none,
// improvements above the cap and below zero, late submissions. Each round is round, scores,
// model update, reveal, and a reward closes every kEpochRounds rounds.
std::vector<Record> HonestChain(const Identity& v, uint64_t rounds, const Alter& alter = nullptr) {
  std::vector<Record> chain;
  Scorer s;
  for (uint8_t m = 1; m <= 3; ++m) {
    Chain(v, &chain, RecordKind::kRegistration, 0, Registration(m, "m" + std::to_string(m)));
  }
  std::vector<ScoresBody> scores;
  for (uint64_t r = 0; r < rounds; ++r) {
    RoundBody rb = RoundOf(r, 50000000, 300000000, 300000000);
    rb.work_cap_ppb = 200000000;  // the work factor in play: 0.2 earns all of it
    Chain(v, &chain, RecordKind::kRound, r, rb.Encode());
    std::vector<ScoreEntry> entries;
    const int64_t gain = 12345678 * static_cast<int64_t>(r % 5 + 1) - 20000000;
    entries.push_back(s.Accepted(rb, 1, gain, r % 3 == 2 ? -1 : +1, 45678901));
    entries.push_back(r % 2 == 0 ? s.Rejected(rb, 2, static_cast<uint16_t>(Code::kLate))
                                 : s.Accepted(rb, 2, 70000000, r == 1 ? +1 : 0, 250000000));
    entries.push_back(r < 2 ? s.Accepted(rb, 3, -kPpbOne, -1, -3000000)
                            : s.Accepted(rb, 3, 33333333, +1, 123456789));
    if (alter) alter(r, &entries);
    scores.push_back(s.Close(r, std::move(entries)));
    Chain(v, &chain, RecordKind::kScores, r, scores.back().Encode());
    ModelUpdateBody update;
    update.round = r;
    update.prev_hash = Blake2b256("model " + std::to_string(r));
    update.new_hash = Blake2b256("model " + std::to_string(r + 1));
    update.accepted = {Miner(1), Miner(3)};
    Chain(v, &chain, RecordKind::kModelUpdate, r, update.Encode());
    Chain(v, &chain, RecordKind::kReveal, r, Reveal(r));
    if ((r + 1) % kEpochRounds == 0) {
      const uint64_t epoch = r / kEpochRounds;
      Chain(v, &chain, RecordKind::kReward, r,
            ComputeReward(epoch, epoch * kEpochRounds, r, 1000000, scores).Encode());
    }
  }
  return chain;
}

// Height of the first record of `kind` and `round` in `chain`.
uint64_t HeightOf(const std::vector<Record>& chain, RecordKind kind, uint64_t round) {
  for (const Record& rec : chain) {
    if (rec.kind == kind && rec.round == round) return rec.height;
  }
  FAIL("no such record");
  return 0;
}

// The one fault in `dir`, checked to be the scores record of `round` by `v`.
RecordFault OnlyScoresFault(const std::string& dir, const Identity& v,
                            const std::vector<Record>& chain, uint64_t round) {
  std::vector<RecordFault> faults = FaultsIn(dir, kEpochRounds);
  REQUIRE(faults.size() == 1);
  const RecordFault& f = faults[0];
  const uint64_t height = HeightOf(chain, RecordKind::kScores, round);
  CHECK(f.author == v.public_key());
  CHECK(f.height == height);
  CHECK(f.kind == RecordKind::kScores);
  CHECK(f.code == Code::kCorrupt);
  CHECK(f.message ==
        v.public_key().Short() + " #" + std::to_string(height) + " scores: " + f.problem);
  Status s = VerifyDir(dir, kEpochRounds);
  CHECK(s.code() == Code::kCorrupt);
  CHECK(s.message() == f.message);
  return f;
}

// The one fault of `rounds` honest rounds with `alter` applied, which must lie in the scores
// record of `round` (OnlyScoresFault).
RecordFault TamperedScoresFault(const Identity& v, uint64_t rounds, uint64_t round,
                                const Alter& alter) {
  TempDir dir;
  std::vector<Record> chain = HonestChain(v, rounds, alter);
  Store(dir / "db", chain);
  return OnlyScoresFault(dir / "db", v, chain, round);
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
  CHECK(summary.records == 18);
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
  Record altered = chain[3];
  altered.body[40] ^= 1;  // a score byte; the signature no longer matches
  Bytes bytes = altered.Serialize();
  Tamper(dir / "db", Key(v.public_key(), 3), &bytes);
  Status s = VerifyDir(dir / "db");
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == Code::kBadSignature);
  CHECK(s.message().find(v.public_key().Short() + " #3 scores") != std::string::npos);
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
  Tamper(dir / "db", Key(v.public_key(), 7), nullptr);
  Status s = VerifyDir(dir / "db");
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == Code::kCorrupt);
  CHECK(s.message().find("#8 reward: height gap") != std::string::npos);
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
  std::vector<ScoresBody> scores = {ScoresBody::Decode(chain[3].body).value(),
                                    ScoresBody::Decode(chain[6].body).value()};
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
  CHECK(s.message().find(v.public_key().Short() + " #8 reward") != std::string::npos);
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
  CHECK(s.message().find("#9 reward: rounds 1-2 overlap") != std::string::npos);
}

TEST_CASE("a reward counts only the scores recorded before it", "[ledger]") {
  TempDir dir;
  Identity v = Validator(1);
  std::vector<Record> chain = GoodChain(v);
  // A late score for round 1, after the epoch's reward, does not invalidate that reward.
  Scorer fresh;  // miner 3 has no earlier entry
  Chain(v, &chain, RecordKind::kScores, 1,
        fresh.Close(1, {fresh.Accepted(RoundOf(1), 3, 999)}).Encode());
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

TEST_CASE("verify requires each model update to start where the previous one ended", "[ledger]") {
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
    CHECK(store.status().message().find("loconet.ledger.v6") != std::string::npos);
  }
}

TEST_CASE("an honest ledger of many rounds passes every score rule", "[ledger]") {
  TempDir dir;
  Store(dir / "db", HonestChain(Validator(1), 9));
  Store(dir / "db", HonestChain(Validator(2), 4));
  CHECK(FaultsIn(dir / "db", kEpochRounds).empty());
  auto store = LedgerStore::Open(dir / "db", true);
  REQUIRE(store.ok());
  LedgerSummary summary;
  REQUIRE(VerifyLedger(**store, kEpochRounds, &summary).ok());
  CHECK(summary.authors == 2);
}

TEST_CASE("verify finds a tampered EMA, naming author, height and miner", "[ledger]") {
  Identity v = Validator(1);
  // Later rounds follow the recorded value, as a validator restarted from its ledger would:
  // the one altered value is the one fault.
  RecordFault f = TamperedScoresFault(v, 7, 4, [](uint64_t r, std::vector<ScoreEntry>* e) {
    if (r == 4) (*e)[0].ema_ppb += 1;
  });
  CHECK(f.problem.find("miner " + Miner(1).Short() + ": ema_ppb") == 0);
  CHECK(f.problem.find("the rules give") != std::string::npos);
}

TEST_CASE("verify finds an EMA that skipped a round's decay", "[ledger]") {
  Identity v = Validator(1);
  // A late miner's EMA still decays: keeping the previous value is a fault.
  int64_t before = 0;
  RecordFault f = TamperedScoresFault(v, 4, 2, [&before](uint64_t r, std::vector<ScoreEntry>* e) {
    if (r == 1) before = (*e)[1].ema_ppb;
    if (r == 2) (*e)[1].ema_ppb = before;
  });
  CHECK(f.problem.find("miner " + Miner(2).Short() + ": ema_ppb") == 0);
}

TEST_CASE("verify finds a tampered data average", "[ledger]") {
  Identity v = Validator(1);
  SECTION("of an accepted update") {
    RecordFault f = TamperedScoresFault(v, 6, 3, [](uint64_t r, std::vector<ScoreEntry>* e) {
      if (r == 3) (*e)[0].data_ppb += 1;
    });
    CHECK(f.problem.find("miner " + Miner(1).Short() + ": data_ppb") == 0);
    CHECK(f.problem.find("does not follow from the previous") != std::string::npos);
  }
  SECTION("of a rejected submission") {
    RecordFault f = TamperedScoresFault(v, 6, 2, [](uint64_t r, std::vector<ScoreEntry>* e) {
      if (r == 2) (*e)[1].data_ppb = kPpbOne;
    });
    CHECK(f.problem.find("miner " + Miner(2).Short() + ": rejected (late) but data_ppb moved") ==
          0);
  }
}

TEST_CASE("verify finds a tampered score", "[ledger]") {
  Identity v = Validator(1);
  SECTION("of an accepted update") {
    RecordFault f = TamperedScoresFault(v, 6, 4, [](uint64_t r, std::vector<ScoreEntry>* e) {
      if (r == 4) (*e)[2].score_ppb += 1;
    });
    CHECK(f.problem.find("miner " + Miner(3).Short() + ": score_ppb") == 0);
  }
  SECTION("above the cap") {
    RecordFault f = TamperedScoresFault(v, 3, 1, [](uint64_t r, std::vector<ScoreEntry>* e) {
      if (r == 1) (*e)[1].score_ppb = (*e)[1].improvement_ppb;  // 0.07, over the 0.05 cap
    });
    CHECK(f.problem.find("miner " + Miner(2).Short() + ": score_ppb 70000000") == 0);
  }
  SECTION("an improvement recorded for a rejected submission") {
    RecordFault f = TamperedScoresFault(v, 3, 0, [](uint64_t r, std::vector<ScoreEntry>* e) {
      if (r == 0) (*e)[1].improvement_ppb = 1000;
    });
    CHECK(f.problem ==
          "miner " + Miner(2).Short() + ": rejected (late) but improvement_ppb is 1000, not 0");
  }
  SECTION("of a rejected submission, with a second failing entry") {
    RecordFault f = TamperedScoresFault(v, 3, 2, [](uint64_t r, std::vector<ScoreEntry>* e) {
      if (r != 2) return;
      (*e)[1].score_ppb = 5;
      (*e)[2].ema_ppb = 12345;
    });
    CHECK(f.problem.find("miner " + Miner(2).Short() + ": rejected (late) but score_ppb is 5") ==
          0);
    CHECK(f.problem.find("(and 1 more entries)") != std::string::npos);
  }
}

TEST_CASE("verify recomputes the work factor of every score", "[ledger]") {
  Identity v = Validator(1);
  SECTION("a work value altered after scoring") {
    RecordFault f = TamperedScoresFault(v, 6, 3, [](uint64_t r, std::vector<ScoreEntry>* e) {
      if (r == 3) (*e)[0].work_ppb *= 2;  // claims twice the work it was scored for
    });
    CHECK(f.problem.find("miner " + Miner(1).Short() + ": score_ppb") == 0);
    CHECK(f.problem.find("work 91357802, work cap 200000000") != std::string::npos);
  }
  SECTION("a score that ignores the work factor") {
    RecordFault f = TamperedScoresFault(v, 6, 4, [](uint64_t r, std::vector<ScoreEntry>* e) {
      if (r == 4) (*e)[2].score_ppb = ScorePpb((*e)[2].improvement_ppb, (*e)[2].data_ppb, 50000000);
    });
    CHECK(f.problem.find("miner " + Miner(3).Short() + ": score_ppb") == 0);
  }
  SECTION("work recorded for a rejected submission") {
    RecordFault f = TamperedScoresFault(v, 3, 2, [](uint64_t r, std::vector<ScoreEntry>* e) {
      if (r == 2) (*e)[1].work_ppb = 7;
    });
    CHECK(f.problem == "miner " + Miner(2).Short() + ": rejected (late) but work_ppb is 7, not 0");
  }
}

TEST_CASE("verify finds scores without an earlier round record", "[ledger]") {
  TempDir dir;
  Identity v = Validator(1);
  std::vector<Record> chain;
  Scorer s;
  const RoundBody r0 = RoundOf(0);
  Chain(v, &chain, RecordKind::kScores, 0, s.Close(0, {s.Accepted(r0, 1, 5)}).Encode());
  Chain(v, &chain, RecordKind::kRound, 0, r0.Encode());
  Store(dir / "db", chain);
  std::vector<RecordFault> faults = FaultsIn(dir / "db");
  REQUIRE(faults.size() == 1);
  CHECK(faults[0].height == 0);
  CHECK(faults[0].message ==
        v.public_key().Short() +
            " #0 scores: scores of round 0: no earlier round record of round 0 by this author");
}

TEST_CASE("verify finds a reveal that does not match its round's commitment", "[ledger]") {
  TempDir dir;
  Identity v = Validator(1);
  std::vector<Record> chain = HonestChain(v, 2);
  Chain(v, &chain, RecordKind::kRound, 2, RoundOf(2).Encode());
  Chain(v, &chain, RecordKind::kReveal, 2, RevealBody{2, Secret(3)}.Encode());
  Store(dir / "db", chain);
  std::vector<RecordFault> faults = FaultsIn(dir / "db");
  REQUIRE(faults.size() == 1);
  CHECK(faults[0].author == v.public_key());
  CHECK(faults[0].height == chain.back().height);
  CHECK(faults[0].kind == RecordKind::kReveal);
  CHECK(faults[0].problem.find("secret of round 2 hashes to") == 0);
  CHECK(faults[0].problem.find("not to the round's eval_commit " +
                               RoundOf(2).eval_commit.Hex().substr(0, 12)) != std::string::npos);
  Status s = VerifyDir(dir / "db");
  CHECK(s.code() == Code::kCorrupt);
  CHECK(s.message().find(v.public_key().Short() + " #" + std::to_string(chain.back().height) +
                         " reveal: secret of round 2") == 0);
}

TEST_CASE("verify finds a reveal without its round record", "[ledger]") {
  Identity v = Validator(1);
  SECTION("no round record at all") {
    TempDir dir;
    std::vector<Record> chain = HonestChain(v, 2);
    Chain(v, &chain, RecordKind::kReveal, 5, Reveal(5));
    Store(dir / "db", chain);
    Status s = VerifyDir(dir / "db");
    CHECK(s.code() == Code::kCorrupt);
    CHECK(s.message() == v.public_key().Short() + " #" + std::to_string(chain.back().height) +
                             " reveal: reveal of round 5: no earlier round record of round 5 "
                             "by this author");
  }
  SECTION("the round record comes after the reveal") {
    TempDir dir;
    std::vector<Record> chain;
    Chain(v, &chain, RecordKind::kReveal, 0, Reveal(0));
    Chain(v, &chain, RecordKind::kRound, 0, RoundOf(0).Encode());
    Store(dir / "db", chain);
    std::vector<RecordFault> faults = FaultsIn(dir / "db");
    REQUIRE(faults.size() == 1);
    CHECK(faults[0].height == 0);
    CHECK(faults[0].problem.find("reveal of round 0: no earlier round record") == 0);
  }
  SECTION("another author's round record does not count") {
    TempDir dir;
    std::vector<Record> other;
    Chain(Validator(2), &other, RecordKind::kRound, 0, RoundOf(0).Encode());
    std::vector<Record> chain;
    Chain(v, &chain, RecordKind::kReveal, 0, Reveal(0));
    Store(dir / "db", other);
    Store(dir / "db", chain);
    std::vector<RecordFault> faults = FaultsIn(dir / "db");
    REQUIRE(faults.size() == 1);
    CHECK(faults[0].author == v.public_key());
  }
}

TEST_CASE("FindFaults lists every fault of every author in order", "[ledger]") {
  TempDir dir;
  Identity v1 = Validator(1);
  Identity v2 = Validator(2);
  std::vector<Record> a = HonestChain(v1, 6, [](uint64_t r, std::vector<ScoreEntry>* e) {
    if (r == 1) (*e)[0].ema_ppb -= 3;
    if (r == 4) (*e)[2].score_ppb += 2;
  });
  std::vector<Record> b = HonestChain(v2, 3, [](uint64_t r, std::vector<ScoreEntry>* e) {
    if (r == 2) (*e)[0].data_ppb = -kPpbOne;
  });
  Store(dir / "db", a);
  Store(dir / "db", b);
  std::vector<RecordFault> faults = FaultsIn(dir / "db", kEpochRounds);
  REQUIRE(faults.size() == 3);
  std::vector<std::pair<PublicKey, uint64_t>> want = {
      {v1.public_key(), HeightOf(a, RecordKind::kScores, 1)},
      {v1.public_key(), HeightOf(a, RecordKind::kScores, 4)},
      {v2.public_key(), HeightOf(b, RecordKind::kScores, 2)}};
  std::sort(want.begin(), want.end());
  for (size_t i = 0; i < want.size(); ++i) {
    CHECK(faults[i].author == want[i].first);
    CHECK(faults[i].height == want[i].second);
  }
  Status s = VerifyDir(dir / "db", kEpochRounds);
  CHECK(s.message() == faults[0].message);
}

TEST_CASE("records after a broken chain are faults that name the break", "[ledger]") {
  TempDir dir;
  Identity v = Validator(1);
  std::vector<Record> chain = GoodChain(v);
  Store(dir / "db", chain);
  Record altered = chain[3];
  altered.body[50] ^= 1;
  Bytes bytes = altered.Serialize();
  Tamper(dir / "db", Key(v.public_key(), 3), &bytes);
  std::vector<RecordFault> faults = FaultsIn(dir / "db");
  REQUIRE(faults.size() == chain.size() - 3);
  CHECK(faults[0].height == 3);
  CHECK(faults[0].code == Code::kBadSignature);
  for (size_t i = 1; i < faults.size(); ++i) {
    CHECK(faults[i].height == 3 + i);
    CHECK(faults[i].code == Code::kCorrupt);
    CHECK(faults[i].problem == "follows the broken chain at #3; not checked");
  }
}

TEST_CASE("ledger show marks the records that fail verification", "[ledger]") {
  TempDir dir;
  Identity v = Validator(1);
  std::vector<Record> chain = HonestChain(v, 3, [](uint64_t r, std::vector<ScoreEntry>* e) {
    if (r == 1) (*e)[0].ema_ppb += 1;
  });
  Store(dir / "db", chain);
  std::vector<RecordFault> faults = FaultsIn(dir / "db");
  REQUIRE(faults.size() == 1);
  const RecordFault& f = faults[0];
  for (const Record& rec : chain) {
    const RecordFault* fault = rec.height == f.height ? &f : nullptr;
    const std::string line = RecordLine(rec, fault);
    const nlohmann::json j = RecordJson(rec, fault);
    if (fault) {
      CHECK(line == RecordLine(rec) + "\n  !! FAILS VERIFICATION: " + f.problem);
      CHECK(j.at("fault") == f.problem);
    } else {
      CHECK(line.find("FAILS VERIFICATION") == std::string::npos);
      CHECK_FALSE(j.contains("fault"));
    }
  }
}
