// The validator's gates as pure functions: every reason code reached without a socket.
#include "validator/gates.h"

#include <catch2/catch.hpp>
#include <limits>

#include "core/files.h"
#include "datasets/assignment.h"
#include "sync/codec.h"
#include "tests/temp_dir.h"
#include "tests/trainer/fixture.h"
#include "trainer/gpt.h"
#include "trainer/params.h"
#include "trainer/wire.h"

using namespace loconet;
using loconet::testing::TempDir;

namespace {

Identity Key(uint8_t n) {
  std::array<uint8_t, 32> seed{};
  seed[0] = n;
  seed[1] = 0x6a;
  return Identity::FromSeed(seed);
}

ModelConfig Nano() { return loconet::testing::TinyModel("nano", 64, 16, 16, 1, 2); }

// A round of the nano model with one registered miner, an int8 codec and a payload log.
struct GateFixture {
  TempDir dir;
  GPT model{nullptr};
  sync::CodecSpec spec;
  std::unique_ptr<sync::Codec> codec;
  RoundState round;
  Registry registry;
  std::optional<PayloadLog> seen;
  ReceiptRules rules;
  Identity miner = Key(1);
  const int64_t now = 1'000'000;

  GateFixture() {
    torch::manual_seed(3);
    model = GPT(Nano());
    spec.name = "int8";
    spec.chunk = 64;
    codec = std::move(sync::MakeCodec(spec)).value();
    round.round = 7;
    round.open = true;
    round.base_hash = ModelHash(*model);
    round.round_seed = Blake2b256(std::string_view("seed"));
    round.deadline_ms = now + 1000;
    registry[miner.public_key()] = "m";
    seen.emplace(std::move(PayloadLog::Open(dir / "payloads", 8)).value());
    rules = ReceiptRules{&spec, codec.get(), model.ptr().get(), 100, 4};
  }

  // An honest submission of `id` for this round, with updates of scale `scale`.
  proto::Submission Honest(const Identity& id, float scale = 1e-3f, uint64_t seed = 5) {
    proto::Submission s;
    s.set_round(round.round);
    s.set_base_hash(RawString(round.base_hash));
    auto pages = datasets::AssignPages(round.round_seed, id.public_key(), rules.num_pages,
                                       rules.pages_per_miner);
    s.set_pages_digest(RawString(datasets::PagesDigest(pages)));
    *s.mutable_codec() = spec.ToProto();
    torch::manual_seed(seed);
    std::vector<torch::Tensor> deltas;
    for (auto& p : model->parameters()) deltas.push_back(torch::randn_like(p) * scale);
    sync::ErrorFeedback none(0.0);
    EncodeDeltas(*model, deltas, *codec, none, s.mutable_tensors());
    return s;
  }

  ReceiptVerdict Check(const proto::Submission& s, int64_t at = -1) {
    return CheckSubmission(round, registry, *seen, rules, miner.public_key(), s, at < 0 ? now : at);
  }
};

Code CodeOf(const ReceiptVerdict& v) { return v.status.code(); }

}  // namespace

TEST_CASE("an honest submission passes every receipt gate and is decoded", "[validator]") {
  GateFixture f;
  ReceiptVerdict v = f.Check(f.Honest(f.miner));
  INFO(v.status.ToString());
  REQUIRE(v.status.ok());
  CHECK(v.takes_slot);
  CHECK(v.payload.has_value());
  CHECK(v.update.size() == ParameterList(*f.model).size());
}

TEST_CASE("receipt gates: unknown_key, wrong_round and late for the round just closed",
          "[validator]") {
  GateFixture f;
  Identity stranger = Key(9);
  CHECK(CheckSubmission(f.round, f.registry, *f.seen, f.rules, stranger.public_key(),
                        f.Honest(stranger), f.now)
            .status.code() == Code::kUnknownKey);
  proto::Submission future = f.Honest(f.miner);
  future.set_round(f.round.round + 3);
  ReceiptVerdict v = f.Check(future);
  CHECK(CodeOf(v) == Code::kWrongRound);
  CHECK_FALSE(v.takes_slot);
  proto::Submission previous = f.Honest(f.miner);
  previous.set_round(f.round.round - 1);
  CHECK(CodeOf(f.Check(previous)) == Code::kLate);
  f.round.open = false;
  CHECK(CodeOf(f.Check(f.Honest(f.miner))) == Code::kWrongRound);
}

TEST_CASE("receipt gates: duplicate, then late after the deadline (which uses the slot)",
          "[validator]") {
  GateFixture f;
  f.round.submitted.insert(f.miner.public_key());
  ReceiptVerdict dup = f.Check(f.Honest(f.miner));
  CHECK(CodeOf(dup) == Code::kDuplicate);
  CHECK_FALSE(dup.takes_slot);
  f.round.submitted.clear();
  ReceiptVerdict late = f.Check(f.Honest(f.miner), f.round.deadline_ms + 1);
  CHECK(CodeOf(late) == Code::kLate);
  CHECK(late.takes_slot);
  CHECK_FALSE(late.payload.has_value());
}

TEST_CASE("receipt gates: stale_base, replay, wrong_codec", "[validator]") {
  GateFixture f;
  proto::Submission stale = f.Honest(f.miner);
  stale.set_base_hash(std::string(32, 'x'));
  CHECK(CodeOf(f.Check(stale)) == Code::kStaleBase);

  proto::Submission s = f.Honest(f.miner);
  REQUIRE(f.seen->Remember(f.round.round - 2, PayloadHash(s)).ok());
  ReceiptVerdict replay = f.Check(s);
  CHECK(CodeOf(replay) == Code::kReplay);
  CHECK(replay.takes_slot);

  proto::Submission codec = f.Honest(f.miner, 1e-3f, 6);
  codec.mutable_codec()->set_name("fp32");
  ReceiptVerdict v = f.Check(codec);
  CHECK(CodeOf(v) == Code::kWrongCodec);
  CHECK(v.payload.has_value());  // past the replay gate: the payload is remembered
}

TEST_CASE("receipt gates: shape_mismatch, non_finite and data_receipt", "[validator]") {
  GateFixture f;
  proto::Submission shapes = f.Honest(f.miner);
  shapes.mutable_tensors(0)->set_shape(0, shapes.tensors(0).shape(0) + 1);
  CHECK(CodeOf(f.Check(shapes)) == Code::kShapeMismatch);

  proto::Submission nan = f.Honest(f.miner, 1e-3f, 7);
  const float q = std::numeric_limits<float>::quiet_NaN();
  std::memcpy(nan.mutable_tensors(1)->mutable_data()->data(), &q, 4);
  const Code c = CodeOf(f.Check(nan));
  CHECK((c == Code::kNonFinite || c == Code::kDecodeError));

  proto::Submission receipt = f.Honest(f.miner, 1e-3f, 8);
  auto other = datasets::AssignPages(f.round.round_seed, Key(2).public_key(), 100, 4);
  receipt.set_pages_digest(RawString(datasets::PagesDigest(other)));
  CHECK(CodeOf(f.Check(receipt)) == Code::kDataReceipt);
}

namespace {

AcceptedUpdate Arrival(uint8_t key, uint32_t order, double norm, std::vector<float> sketch) {
  AcceptedUpdate a;
  a.miner = Key(key).public_key();
  a.order = order;
  a.norm = norm;
  a.sketch = std::move(sketch);
  return a;
}

}  // namespace

TEST_CASE("the magnitude gate holds when attackers are the majority", "[validator]") {
  // Three honest updates of norm ~1 and four scaled by 1e6: the round's median is the
  // attackers', but the bound relative to the model's norm is not theirs to move.
  std::vector<AcceptedUpdate> round;
  for (uint8_t i = 0; i < 3; ++i) round.push_back(Arrival(i, i, 1.0 + 0.1 * i, {1, float(i)}));
  for (uint8_t i = 3; i < 7; ++i) round.push_back(Arrival(i, i, 1e6, {float(i), 1}));
  CloseRules rules{0.25, 10, 0.97};
  std::vector<Code> v = CheckRound(round, {}, rules, /*model_norm=*/40.0);
  for (int i = 0; i < 3; ++i) CHECK(v[i] == Code::kOk);
  for (int i = 3; i < 7; ++i) CHECK(v[i] == Code::kOutlier);
}

TEST_CASE("the magnitude gate holds with a single submission", "[validator]") {
  CloseRules rules{0.25, 10, 0.97};
  CHECK(CheckRound({Arrival(1, 0, 1e6, {1})}, {}, rules, 40.0)[0] == Code::kOutlier);
  CHECK(CheckRound({Arrival(1, 0, 5.0, {1})}, {}, rules, 40.0)[0] == Code::kOk);
  // Two: still no median reference, still the model-relative bound.
  auto two = CheckRound({Arrival(1, 0, 1.0, {1}), Arrival(2, 1, 11.0, {0, 1})}, {}, rules, 40.0);
  CHECK(two[0] == Code::kOk);
  CHECK(two[1] == Code::kOutlier);
}

TEST_CASE("close gates: a flooded key forfeits, a near copy of an earlier update is refused",
          "[validator]") {
  CloseRules rules{0.25, 10, 0.97};
  std::vector<AcceptedUpdate> round = {
      Arrival(1, 0, 1.0, {1, 0, 2, 0}), Arrival(2, 1, 1.0, {0, 1, 0, 2}),
      Arrival(3, 2, 1.0, {1.01f, 0, 2, 0.01f}), Arrival(4, 3, 1.0, {1, 1, 0, 0})};
  std::vector<Code> v = CheckRound(round, {Key(4).public_key()}, rules, 40.0);
  CHECK(v[0] == Code::kOk);
  CHECK(v[1] == Code::kOk);
  CHECK(v[2] == Code::kCopy);  // copies miner 1, who arrived first
  CHECK(v[3] == Code::kRateLimited);
}

TEST_CASE("sketch coordinates are sorted, distinct, in range and fixed by the seed",
          "[validator]") {
  const Hash256 seed = Blake2b256(std::string_view("s"));
  auto a = SketchCoordinates(seed, 1000, 64);
  CHECK(a.size() == 64);
  CHECK(std::is_sorted(a.begin(), a.end()));
  CHECK(std::adjacent_find(a.begin(), a.end()) == a.end());
  CHECK(a.back() < 1000);
  CHECK(a == SketchCoordinates(seed, 1000, 64));
  CHECK(a != SketchCoordinates(Blake2b256(std::string_view("t")), 1000, 64));
  CHECK(SketchCoordinates(seed, 10, 64).size() == 10);
}

TEST_CASE("an update that points against the others is found; with fewer than three none is",
          "[validator]") {
  const std::vector<float> a = {1, 1, 0, 0.2f}, b = {0.8f, 1.2f, 0.1f, 0}, c = {1, 0.7f, 0, 0};
  const std::vector<float> flipped = {-1, -1, 0, -0.2f};
  std::vector<bool> v = OpposesOthers({&a, &b, &c, &flipped});
  CHECK(v == std::vector<bool>{false, false, false, true});
  CHECK(OpposesOthers({&a, &flipped}) == std::vector<bool>{false, false});
  CHECK(OpposesOthers({&a, &b, &c}) == std::vector<bool>{false, false, false});
}
