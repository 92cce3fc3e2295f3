// The records of a network of several validators: weights, consensus and agreement bodies
// (strict decoding), weights from scores, Yuma consensus over validators' weights records,
// `ledger verify` recomputing both across chains, and the leaderboard reading them.
#include <catch2/catch.hpp>

#include "ledger/consensus_bodies.h"
#include "ledger/leaderboard.h"
#include "ledger/validator_board.h"
#include "ledger/store.h"
#include "ledger/verify.h"
#include "ledger/yuma_rewards.h"
#include "tests/ledger/fixture.h"
#include "tests/temp_dir.h"

using namespace loconet;
using namespace loconet::ledger;
using namespace loconet::ledger::testing;
using loconet::testing::TempDir;

namespace {

WeightsBody Weights(uint64_t epoch, std::vector<std::pair<uint8_t, uint16_t>> w) {
  WeightsBody b;
  b.epoch = epoch;
  b.first_round = epoch * 2;
  b.last_round = epoch * 2 + 1;
  for (auto [m, v] : w) b.entries.push_back({Miner(m), v});
  return b;
}

ConsensusParams Params() {
  ConsensusParams p;
  p.emission = 1000000;
  return p;
}

// Three validators of equal stake; `rows[i]` is validator i's weights (nullopt: inactive).
std::vector<EpochValidator> Validators(const std::vector<std::optional<WeightsBody>>& rows) {
  std::vector<EpochValidator> out;
  for (size_t i = 0; i < rows.size(); ++i) {
    out.push_back({Validator(static_cast<uint8_t>(10 + i)).public_key(), 1000,
                   Blake2b256("weights " + std::to_string(i)), rows[i]});
  }
  return out;
}

const ConsensusMiner& MinerIn(const ConsensusBody& b, uint8_t m) {
  for (const auto& x : b.miners) {
    if (x.miner == Miner(m)) return x;
  }
  FAIL("miner not in the body");
  return b.miners.front();
}

}  // namespace

TEST_CASE("weights, consensus and agreement bodies round-trip and decode strictly",
          "[ledger]") {
  const WeightsBody w = Weights(3, {{1, 65535}, {2, 100}});
  auto wd = WeightsBody::Decode(w.Encode());
  REQUIRE(wd.ok());
  CHECK(wd->Encode() == w.Encode());
  CHECK(WeightsBody::Decode(Weights(0, {{2, 65535}, {1, 5}}).Encode()).status().code() ==
        Code::kDecodeError);  // unsorted
  CHECK(WeightsBody::Decode(Weights(0, {{1, 65535}, {2, 0}}).Encode()).status().code() ==
        Code::kDecodeError);  // zero weight
  CHECK(WeightsBody::Decode(Weights(0, {{1, 600}, {2, 5}}).Encode()).status().code() ==
        Code::kDecodeError);  // not scaled to 65535
  Bytes truncated = w.Encode();
  truncated.pop_back();
  CHECK(WeightsBody::Decode(truncated).status().code() == Code::kDecodeError);

  auto c = ComputeConsensus(1, 2, 3, Params(),
                            Validators({Weights(1, {{1, 65535}, {2, 30000}}),
                                        Weights(1, {{1, 65535}, {2, 30000}}), std::nullopt}),
                            nullptr);
  REQUIRE(c.ok());
  auto cd = ConsensusBody::Decode(c->Encode());
  REQUIRE(cd.ok());
  CHECK(cd->Encode() == c->Encode());
  CHECK(CheckBody(RecordKind::kConsensus, c->Encode()).ok());
  ConsensusBody broken = *c;
  broken.bonds.push_back({7, 0, 5});  // no validator 7
  CHECK(ConsensusBody::Decode(broken.Encode()).status().code() == Code::kDecodeError);
  broken = *c;
  broken.miners[0].emission = 2000000;  // more than the epoch's emission
  CHECK(ConsensusBody::Decode(broken.Encode()).status().code() == Code::kDecodeError);
  broken = *c;
  broken.validators[1].key = broken.validators[0].key;
  CHECK(ConsensusBody::Decode(broken.Encode()).status().code() == Code::kDecodeError);

  AgreementBody a{5, Validator(10).public_key(), Blake2b256("x"), Blake2b256("x")};
  auto ad = AgreementBody::Decode(a.Encode());
  REQUIRE(ad.ok());
  CHECK(ad->agrees());
  a.derived_hash = Hash256{};
  CHECK_FALSE(a.agrees());
  CHECK(MinersOf(RecordKind::kWeights, w.Encode()).size() == 2);
}

TEST_CASE("weights follow the epoch's summed positive scores scaled so the largest is 65535",
          "[ledger]") {
  std::vector<ScoresBody> scores = {Scores(4, {Score(1, 300), Score(2, 100), Score(3, -50)}),
                                    Scores(5, {Score(1, 300), Score(2, 201)}),
                                    Scores(6, {Score(2, 999999)})};  // outside the epoch
  const WeightsBody w = WeightsFromScores(2, 4, 5, scores);
  REQUIRE(w.entries.size() == 2);  // miner 3 scored nothing positive
  CHECK(w.entries[0].miner == Miner(1));
  CHECK(w.entries[0].weight == 65535);
  CHECK(w.entries[1].weight == 32877);  // round(65535 * 301 / 600)
  CHECK(WeightsFromScores(2, 4, 5, {}).entries.empty());
}

TEST_CASE("a minority validator inflating a miner is clipped to the honest validators' weight",
          "[ledger]") {
  // Validators 0 and 1 (two thirds of the stake) weigh miner 2 at a tenth of miner 1; validator 2
  // claims miner 2 is the best.
  auto honest = ComputeConsensus(
      0, 0, 1, Params(),
      Validators({Weights(0, {{1, 65535}, {2, 6553}}), Weights(0, {{1, 65535}, {2, 6553}}),
                  Weights(0, {{1, 65535}, {2, 6553}})}),
      nullptr);
  auto attacked = ComputeConsensus(
      0, 0, 1, Params(),
      Validators({Weights(0, {{1, 65535}, {2, 6553}}), Weights(0, {{1, 65535}, {2, 6553}}),
                  Weights(0, {{1, 3000}, {2, 65535}})}),
      nullptr);
  // The same dishonest weights with the majority of the stake, for comparison.
  std::vector<EpochValidator> majority =
      Validators({Weights(0, {{1, 65535}, {2, 6553}}), Weights(0, {{1, 65535}, {2, 6553}}),
                  Weights(0, {{1, 3000}, {2, 65535}})});
  majority[2].stake = 5000;
  auto captured = ComputeConsensus(0, 0, 1, Params(), majority, nullptr);
  REQUIRE(honest.ok());
  REQUIRE(attacked.ok());
  REQUIRE(captured.ok());
  // Miner 2's consensus weight is where the honest majority put it...
  CHECK(MinerIn(*attacked, 2).consensus == MinerIn(*honest, 2).consensus);
  // ... so its incentive stays near the honest share (it rises a little: after clipping the
  // dishonest row carries less weight, and incentive is normalised) and far below both miner 1's
  // and what the same weights would get it with the majority of the stake.
  CHECK(MinerIn(*attacked, 2).incentive < MinerIn(*honest, 2).incentive * 3 / 2);
  CHECK(MinerIn(*attacked, 2).incentive < MinerIn(*attacked, 1).incentive / 4);
  CHECK(MinerIn(*captured, 2).incentive > 4 * MinerIn(*attacked, 2).incentive);
  // The dishonest validator's trust and dividends fall below the honest validators'.
  CHECK(attacked->validators[2].validator_trust < attacked->validators[0].validator_trust);
  CHECK(attacked->validators[2].dividends < attacked->validators[0].dividends);
  CHECK(attacked->validators[2].emission < attacked->validators[1].emission);
}

TEST_CASE("an inactive validator earns nothing and its stake does not count", "[ledger]") {
  auto c = ComputeConsensus(
      0, 0, 1, Params(),
      Validators({Weights(0, {{1, 65535}}), std::nullopt, Weights(0, {{1, 65535}})}), nullptr);
  REQUIRE(c.ok());
  CHECK(c->validators[1].weights_record == Hash256{});
  CHECK(c->validators[1].dividends == 0);
  CHECK(c->validators[1].emission == 0);
  CHECK(MinerIn(*c, 1).incentive == 65535);
  // Weights of another epoch are refused.
  CHECK(ComputeConsensus(1, 2, 3, Params(), Validators({Weights(0, {{1, 65535}})}), nullptr)
            .status()
            .code() == Code::kInvalidArgument);
}

TEST_CASE("bonds carry from one epoch's consensus body into the next", "[ledger]") {
  auto e0 = ComputeConsensus(0, 0, 1, Params(),
                             Validators({Weights(0, {{1, 65535}}), Weights(0, {{1, 65535}})}),
                             nullptr);
  REQUIRE(e0.ok());
  REQUIRE_FALSE(e0->bonds.empty());
  auto with = ComputeConsensus(1, 2, 3, Params(),
                               Validators({Weights(1, {{2, 65535}}), Weights(1, {{2, 65535}})}),
                               &*e0);
  auto without = ComputeConsensus(
      1, 2, 3, Params(), Validators({Weights(1, {{2, 65535}}), Weights(1, {{2, 65535}})}), nullptr);
  REQUIRE(with.ok());
  REQUIRE(without.ok());
  // Miner 1 keeps a decaying bond though nobody weighs it now.
  CHECK(with->miners.size() == 2);
  CHECK(without->miners.size() == 1);
  CHECK(with->Encode() != without->Encode());
}

TEST_CASE("ledger verify recomputes weights and consensus across validators' chains",
          "[ledger]") {
  TempDir dir;
  const Identity a = Validator(10), b = Validator(11);
  ConsensusParams params = Params();
  // Each validator scores round 0 and 1 (epoch 0 of two rounds) and writes its weights.
  auto chain_of = [&](const Identity& v, int64_t second) {
    std::vector<Record> chain;
    Scorer s;
    std::vector<ScoresBody> scores;
    for (uint64_t r = 0; r < 2; ++r) {
      const RoundBody rb = RoundOf(r);
      Chain(v, &chain, RecordKind::kRound, r, rb.Encode());
      scores.push_back(s.Close(r, {s.Accepted(rb, 1, 300), s.Accepted(rb, 2, second)}));
      Chain(v, &chain, RecordKind::kScores, r, scores.back().Encode());
      Chain(v, &chain, RecordKind::kReveal, r, Reveal(r));
    }
    Chain(v, &chain, RecordKind::kWeights, 1, WeightsFromScores(0, 0, 1, scores).Encode());
    return chain;
  };
  std::vector<Record> ca = chain_of(a, 100), cb = chain_of(b, 150);
  std::vector<EpochValidator> vs = {
      {a.public_key(), 1000, ca.back().Hash(), WeightsBody::Decode(ca.back().body).value()},
      {b.public_key(), 2000, cb.back().Hash(), WeightsBody::Decode(cb.back().body).value()}};
  auto consensus = ComputeConsensus(0, 0, 1, params, vs, nullptr);
  REQUIRE(consensus.ok());
  Chain(a, &ca, RecordKind::kConsensus, 2, consensus->Encode());
  Chain(b, &cb, RecordKind::kConsensus, 2, consensus->Encode());
  CHECK(ca.back().body == cb.back().body);  // byte-identical bodies, different records
  {
    auto store = LedgerStore::Open(dir / "good");
    REQUIRE(store.ok());
    REQUIRE((*store)->Append(ca).ok());
    REQUIRE((*store)->Append(cb).ok());
    CHECK(VerifyLedger(**store).ok());
  }
  SECTION("a consensus body that pays one miner more is found") {
    ConsensusBody tampered = *consensus;
    tampered.miners[0].emission += 1;
    tampered.miners[1].emission -= 1;
    ca.pop_back();
    Chain(a, &ca, RecordKind::kConsensus, 2, tampered.Encode());
    auto store = LedgerStore::Open(dir / "tampered");
    REQUIRE(store.ok());
    REQUIRE((*store)->Append(ca).ok());
    REQUIRE((*store)->Append(cb).ok());
    auto faults = FindFaults(**store, 0);
    REQUIRE(faults.ok());
    REQUIRE(faults->size() == 1);
    CHECK((*faults)[0].kind == RecordKind::kConsensus);
    CHECK((*faults)[0].author == a.public_key());
    CHECK((*faults)[0].problem.find("Yuma recomputation") != std::string::npos);
  }
  SECTION("a consensus body naming a weights record the ledger lacks is found") {
    auto store = LedgerStore::Open(dir / "missing");
    REQUIRE(store.ok());
    REQUIRE((*store)->Append(ca).ok());  // b's chain is not here
    auto faults = FindFaults(**store, 0);
    REQUIRE(faults.ok());
    REQUIRE(faults->size() == 1);
    CHECK((*faults)[0].problem.find("is not in the ledger") != std::string::npos);
  }
  SECTION("weights that do not follow from the author's scores are found") {
    cb.pop_back();
    cb.pop_back();
    Chain(b, &cb, RecordKind::kWeights, 1, Weights(0, {{1, 65535}, {2, 65535}}).Encode());
    auto store = LedgerStore::Open(dir / "weights");
    REQUIRE(store.ok());
    REQUIRE((*store)->Append(cb).ok());
    auto faults = FindFaults(**store, 0);
    REQUIRE(faults.ok());
    REQUIRE(faults->size() == 1);
    CHECK((*faults)[0].kind == RecordKind::kWeights);
  }
}

TEST_CASE("the leaderboard pays miners their consensus emission and lists the validators",
          "[ledger]") {
  TempDir dir;
  const Identity a = Validator(10), b = Validator(11);
  std::vector<Record> ca, cb;
  std::vector<EpochValidator> vs;
  for (const Identity* v : {&a, &b}) {
    std::vector<Record>& chain = v == &a ? ca : cb;
    Scorer s;
    const RoundBody rb = RoundOf(0);
    Chain(*v, &chain, RecordKind::kRound, 0, rb.Encode());
    const ScoresBody scores = s.Close(0, {s.Accepted(rb, 1, 300), s.Accepted(rb, 2, 100)});
    Chain(*v, &chain, RecordKind::kScores, 0, scores.Encode());
    const WeightsBody w = WeightsFromScores(0, 0, 0, {scores});
    Chain(*v, &chain, RecordKind::kWeights, 0, w.Encode());
    vs.push_back({v->public_key(), 1000, chain.back().Hash(), w});
  }
  auto consensus = ComputeConsensus(0, 0, 0, Params(), vs, nullptr);
  REQUIRE(consensus.ok());
  Chain(a, &ca, RecordKind::kConsensus, 1, consensus->Encode());
  Chain(b, &cb, RecordKind::kConsensus, 1, consensus->Encode());
  Chain(b, &cb, RecordKind::kAgreement, 1,
        AgreementBody{1, a.public_key(), Blake2b256("m"), Blake2b256("m")}.Encode());
  auto store = LedgerStore::Open(dir / "db");
  REQUIRE(store.ok());
  REQUIRE((*store)->Append(ca).ok());
  REQUIRE((*store)->Append(cb).ok());
  REQUIRE(VerifyLedger(**store).ok());

  auto rows = BuildLeaderboard(**store);
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 2);
  uint64_t paid = 0;
  for (const LeaderRow& r : *rows) {
    CHECK(r.in_consensus);
    CHECK(r.rewards == MinerIn(*consensus, r.miner.bytes[0]).emission);  // once, not per author
    paid += r.rewards;
  }
  CHECK(paid > 0);
  CHECK((*rows)[0].miner == Miner(1));  // the better miner ranks first
  CHECK((*rows)[0].incentive > (*rows)[1].incentive);
  CHECK(RenderTable(*rows).find("incentive") != std::string::npos);

  auto validators = BuildValidatorBoard(**store);
  REQUIRE(validators.ok());
  REQUIRE(validators->size() == 2);
  CHECK((*validators)[0].key == a.public_key());  // the lead order of the genesis
  CHECK((*validators)[0].stake == 1000);
  CHECK((*validators)[0].active);
  CHECK((*validators)[1].agreements == 1);
  CHECK((*validators)[0].emission + (*validators)[1].emission + paid <= Params().emission);
  CHECK(RenderValidatorTable(*validators).find(a.public_key().Short()) != std::string::npos);
}
