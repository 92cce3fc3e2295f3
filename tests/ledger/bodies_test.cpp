#include "ledger/bodies.h"

#include <catch2/catch.hpp>

#include "tests/ledger/fixture.h"

using namespace loconet;
using namespace loconet::ledger;
using namespace loconet::ledger::testing;

namespace {

RoundBody SampleRound() {
  RoundBody b;
  b.round = 9;
  b.base_hash = Blake2b256(std::string("base"));
  b.round_seed = Blake2b256(std::string("seed"));
  b.eval_commit = Blake2b256(std::string("secret"));
  b.codec = "topk8";
  b.local_steps = 50;
  b.deadline_ms = 1700000060000;
  b.score_cap_ppb = 50000000;
  b.ema_alpha_ppb = 300000000;
  b.data_alpha_ppb = 250000000;
  return b;
}

ScoresBody SampleScores() {
  ScoresBody b;
  b.round = 9;
  b.entries = {Score(1, 5000, 0, 4000, 12345), Score(2, 0, 112, 10, -777),
               Score(3, 900, 0, 800, 1)};
  b.entries[1].receipt_order = 2;
  b.entries[1].data_ppb = -300000000;
  return b;
}

ModelUpdateBody SampleUpdate() {
  ModelUpdateBody b;
  b.round = 9;
  b.prev_hash = Blake2b256(std::string("base"));
  b.new_hash = Blake2b256(std::string("next"));
  b.accepted = {Miner(1), Miner(3)};
  b.heldout_loss_ppb = 6123456789;
  b.bytes_received = 1234567;
  b.duration_ms = 4321;
  return b;
}

RewardBody SampleReward() {
  RewardBody b;
  b.epoch = 2;
  b.first_round = 8;
  b.last_round = 11;
  b.emission = 1000;
  b.entries = {{Miner(1), 600}, {Miner(3), 400}};
  return b;
}

// Every body decodes to something that re-encodes to the same bytes, and refuses a trailing
// byte and every truncation.
template <typename Body>
void CheckStrictRoundTrip(const Body& body) {
  Bytes bytes = body.Encode();
  auto back = Body::Decode(bytes);
  REQUIRE(back.ok());
  CHECK(back->Encode() == bytes);
  Bytes longer = bytes;
  longer.push_back(0);
  CHECK(Body::Decode(longer).status().code() == Code::kDecodeError);
  for (size_t n = 0; n < bytes.size(); ++n) {
    Bytes cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    CHECK(Body::Decode(cut).status().code() == Code::kDecodeError);
  }
}

}  // namespace

TEST_CASE("every body round-trips and rejects trailing bytes and truncation", "[ledger]") {
  RegistrationBody reg;
  reg.miner = Miner(7);
  reg.name = "alice-gpu";
  CheckStrictRoundTrip(reg);
  reg.replaces = Miner(3);
  CheckStrictRoundTrip(reg);
  CheckStrictRoundTrip(SampleRound());
  CheckStrictRoundTrip(SampleScores());
  CheckStrictRoundTrip(SampleUpdate());
  CheckStrictRoundTrip(SampleReward());
  RevealBody reveal;
  reveal.round = 9;
  reveal.secret = Blake2b256(std::string("secret"));
  CheckStrictRoundTrip(reveal);
  CheckStrictRoundTrip(ScoresBody{});
  CheckStrictRoundTrip(RewardBody{});
}

TEST_CASE("decoded bodies keep every field", "[ledger]") {
  auto s = ScoresBody::Decode(SampleScores().Encode());
  REQUIRE(s.ok());
  REQUIRE(s->entries.size() == 3);
  CHECK(s->entries[1].miner == Miner(2));
  CHECK(s->entries[1].reason == 112);
  CHECK(s->entries[1].improvement_ppb == -777);
  CHECK(s->entries[1].ema_ppb == 10);
  CHECK(s->entries[1].data_ppb == -300000000);
  CHECK(s->entries[1].receipt_order == 2);
  auto r = RoundBody::Decode(SampleRound().Encode());
  REQUIRE(r.ok());
  CHECK(r->codec == "topk8");
  CHECK(r->local_steps == 50);
  CHECK(r->deadline_ms == 1700000060000);
  CHECK(r->eval_commit == Blake2b256(std::string("secret")));
  CHECK(r->score_cap_ppb == 50000000);
  CHECK(r->ema_alpha_ppb == 300000000);
  CHECK(r->data_alpha_ppb == 250000000);
}

TEST_CASE("a round body's score parameters outside [0, 1e9] are rejected", "[ledger]") {
  for (int64_t RoundBody::*field :
       {&RoundBody::score_cap_ppb, &RoundBody::ema_alpha_ppb, &RoundBody::data_alpha_ppb}) {
    for (int64_t bad : {int64_t{-1}, int64_t{1000000001}, INT64_MIN, INT64_MAX}) {
      RoundBody b = SampleRound();
      b.*field = bad;
      auto r = RoundBody::Decode(b.Encode());
      CHECK(r.status().code() == Code::kDecodeError);
      CHECK(r.status().message().find("outside [0, 1e9]") != std::string::npos);
    }
    for (int64_t edge : {int64_t{0}, int64_t{1000000000}}) {
      RoundBody b = SampleRound();
      b.*field = edge;
      CHECK(RoundBody::Decode(b.Encode()).ok());
    }
  }
}

TEST_CASE("an improvement outside [-1, 1] is rejected", "[ledger]") {
  for (int64_t bad : {int64_t{1000000001}, int64_t{-1000000001}, INT64_MIN, INT64_MAX}) {
    ScoresBody b = SampleScores();
    b.entries[1].improvement_ppb = bad;
    auto r = ScoresBody::Decode(b.Encode());
    CHECK(r.status().code() == Code::kDecodeError);
    CHECK(r.status().message().find("entry 1 has an improvement outside") != std::string::npos);
  }
  ScoresBody edge = SampleScores();
  edge.entries[0].improvement_ppb = 1000000000;
  edge.entries[2].improvement_ppb = -1000000000;
  CHECK(ScoresBody::Decode(edge.Encode()).ok());
}

TEST_CASE("a data-check average outside [-1, 1] is rejected", "[ledger]") {
  for (int64_t bad : {int64_t{1000000001}, int64_t{-1000000001}, INT64_MIN}) {
    ScoresBody b = SampleScores();
    b.entries[2].data_ppb = bad;
    CHECK(ScoresBody::Decode(b.Encode()).status().code() == Code::kDecodeError);
  }
  ScoresBody edge = SampleScores();
  edge.entries[0].data_ppb = 1000000000;
  edge.entries[2].data_ppb = -1000000000;
  CHECK(ScoresBody::Decode(edge.Encode()).ok());
}

TEST_CASE("score entries out of key order or repeated are rejected", "[ledger]") {
  ScoresBody unsorted = SampleScores();
  std::swap(unsorted.entries[0], unsorted.entries[2]);
  CHECK(ScoresBody::Decode(unsorted.Encode()).status().code() == Code::kDecodeError);
  ScoresBody dup = SampleScores();
  dup.entries[1].miner = dup.entries[0].miner;
  CHECK(ScoresBody::Decode(dup.Encode()).status().code() == Code::kDecodeError);
}

TEST_CASE("accepted keys and reward entries must be sorted and unique", "[ledger]") {
  ModelUpdateBody update = SampleUpdate();
  std::swap(update.accepted[0], update.accepted[1]);
  CHECK(ModelUpdateBody::Decode(update.Encode()).status().code() == Code::kDecodeError);
  update.accepted = {Miner(1), Miner(1)};
  CHECK(ModelUpdateBody::Decode(update.Encode()).status().code() == Code::kDecodeError);

  RewardBody reward = SampleReward();
  std::swap(reward.entries[0], reward.entries[1]);
  CHECK(RewardBody::Decode(reward.Encode()).status().code() == Code::kDecodeError);
  reward = SampleReward();
  reward.entries[1].miner = reward.entries[0].miner;
  CHECK(RewardBody::Decode(reward.Encode()).status().code() == Code::kDecodeError);
}

TEST_CASE("a model update with a negative loss or duration is rejected", "[ledger]") {
  ModelUpdateBody loss = SampleUpdate();
  loss.heldout_loss_ppb = -1;
  CHECK(ModelUpdateBody::Decode(loss.Encode()).status().code() == Code::kDecodeError);
  ModelUpdateBody duration = SampleUpdate();
  duration.duration_ms = -1;
  CHECK(ModelUpdateBody::Decode(duration.Encode()).status().code() == Code::kDecodeError);
}

TEST_CASE("a reward body with zero units, too many units or a reversed range is rejected",
          "[ledger]") {
  RewardBody zero = SampleReward();
  zero.entries[0].units = 0;
  CHECK(RewardBody::Decode(zero.Encode()).status().code() == Code::kDecodeError);
  RewardBody over = SampleReward();
  over.entries[0].units = 601 + 0;
  over.entries[1].units = 400;
  CHECK(RewardBody::Decode(over.Encode()).status().code() == Code::kDecodeError);
  RewardBody reversed = SampleReward();
  reversed.first_round = 12;
  CHECK(RewardBody::Decode(reversed.Encode()).status().code() == Code::kDecodeError);
}

TEST_CASE("a count larger than the body is rejected without allocating it", "[ledger]") {
  Bytes b = SampleScores().Encode();
  b[8] = 0xff;  // the u32 entry count after the u64 round
  b[9] = 0xff;
  b[10] = 0xff;
  b[11] = 0xff;
  auto r = ScoresBody::Decode(b);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kDecodeError);
  CHECK(r.status().message().find("count") != std::string::npos);

  Bytes u = SampleUpdate().Encode();
  u[72] = 3;  // three accepted keys announced, two present
  CHECK(ModelUpdateBody::Decode(u).status().code() == Code::kDecodeError);
}

TEST_CASE("miner names must be short, well-formed UTF-8 without control characters", "[ledger]") {
  CHECK(CheckMinerName("").ok());
  CHECK(CheckMinerName("Zoë's rig 🚀").ok());
  CHECK_FALSE(CheckMinerName(std::string(65, 'a')).ok());
  CHECK_FALSE(CheckMinerName("evil\x1b[31m").ok());
  CHECK_FALSE(CheckMinerName("tab\tname").ok());
  CHECK_FALSE(CheckMinerName("\xc2\x85").ok());      // U+0085, a C1 control
  CHECK_FALSE(CheckMinerName("\xc0\xaf").ok());      // overlong '/'
  CHECK_FALSE(CheckMinerName("\xed\xa0\x80").ok());  // a surrogate
  CHECK_FALSE(CheckMinerName("cut\xe2\x82").ok());   // truncated sequence

  RegistrationBody reg;
  reg.miner = Miner(1);
  reg.name = "bell\x07";
  CHECK(RegistrationBody::Decode(reg.Encode()).status().code() == Code::kDecodeError);
}

TEST_CASE("a registration that replaces its own miner is rejected", "[ledger]") {
  RegistrationBody reg;
  reg.miner = Miner(4);
  reg.replaces = Miner(4);
  CHECK(RegistrationBody::Decode(reg.Encode()).status().code() == Code::kDecodeError);
  reg.replaces = Miner(5);
  CHECK(RegistrationBody::Decode(reg.Encode()).ok());
  CHECK(MinersOf(RecordKind::kRegistration, reg.Encode()) ==
        std::vector<PublicKey>{Miner(4), Miner(5)});
}

TEST_CASE("sanitized names always pass the name check", "[ledger]") {
  CHECK(SanitizeMinerName("alice") == "alice");
  CHECK(SanitizeMinerName("Zoë") == "Zoë");
  CHECK(SanitizeMinerName("evil\x1b[31m") == "evil?[31m");
  CHECK(SanitizeMinerName(std::string("a\xff\xc0") + "b") == "a??b");
  CHECK(SanitizeMinerName(std::string(70, 'x')) == std::string(64, 'x'));
  // A two-byte character that would straddle the limit is dropped whole.
  std::string straddle = std::string(63, 'x') + "ë";
  CHECK(SanitizeMinerName(straddle) == std::string(63, 'x'));
  uint64_t x = 12345;
  for (int i = 0; i < 500; ++i) {
    std::string junk(static_cast<size_t>(i % 90), '\0');
    for (char& c : junk) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      c = static_cast<char>(x >> 56);
    }
    CHECK(CheckMinerName(SanitizeMinerName(junk)).ok());
  }
}

TEST_CASE("a round body needs a printable codec name", "[ledger]") {
  RoundBody b = SampleRound();
  b.codec = "";
  CHECK(RoundBody::Decode(b.Encode()).status().code() == Code::kDecodeError);
  b.codec = "top k";
  CHECK(RoundBody::Decode(b.Encode()).status().code() == Code::kDecodeError);
  b.codec = std::string(33, 'x');
  CHECK(RoundBody::Decode(b.Encode()).status().code() == Code::kDecodeError);
}

TEST_CASE("CheckBody dispatches on the kind and MinersOf lists the named miners", "[ledger]") {
  Bytes scores = SampleScores().Encode();
  CHECK(CheckBody(RecordKind::kScores, scores).ok());
  CHECK(CheckBody(RecordKind::kReward, scores).code() == Code::kDecodeError);
  CHECK(CheckBody(static_cast<RecordKind>(9), scores).code() == Code::kDecodeError);
  CHECK(MinersOf(RecordKind::kScores, scores) ==
        std::vector<PublicKey>{Miner(1), Miner(2), Miner(3)});
  CHECK(MinersOf(RecordKind::kReward, SampleReward().Encode()) ==
        std::vector<PublicKey>{Miner(1), Miner(3)});
  CHECK(MinersOf(RecordKind::kModelUpdate, SampleUpdate().Encode()).empty());
}
