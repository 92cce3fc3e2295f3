// A validator in this process, fed every kind of bad input by a scripted client: each is answered
// with its reason code and recorded, and an honest submission is still accepted.
#include <catch2/catch.hpp>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/keys.h"
#include "datasets/assignment.h"
#include "ledger/bodies.h"
#include "ledger/store.h"
#include "ledger/verify.h"
#include "miner/miner.h"
#include "replica/replica.h"
#include "sync/codec.h"
#include "sync/envelope.h"
#include "sync/messages.pb.h"
#include "sync/transport.h"
#include "tests/temp_dir.h"
#include "tests/trainer/fixture.h"
#include "tests/validator/fixture.h"
#include "trainer/gpt.h"
#include "trainer/params.h"
#include "trainer/wire.h"
#include "validator/node.h"

using namespace loconet;
using loconet::testing::TempDir;

using namespace loconet::testing;

TEST_CASE("every kind of bad input is answered with its reason and recorded", "[validator][net]") {
  TempDir dir;
  // All five miners register before the round opens, so the round waits for each of them. The
  // data check always gives a verdict (margin 1, no noise band): this test is about carrying
  // the data factor across a restart, so it must move off 0 in round 0.
  RunningValidator v(dir, [](ValidatorConfig* c) {
    c->min_miners = 5;
    c->data_margin = 1.0;
    c->data_z = 0.0;
  });
  ValidatorConfig& cfg = v.cfg;
  Client client = v.Connect();

  Identity honest = Key(1), stale = Key(2), shapes = Key(3), nan = Key(4), wrong_codec = Key(5);
  for (const Identity* id : {&honest, &stale, &shapes, &nan, &wrong_codec}) {
    proto::Request reg;
    reg.mutable_register_()->set_name("m");
    CHECK(client.Call(*id, reg).accepted());
  }
  proto::Request get;
  get.mutable_get_round();
  proto::Reply round_reply = client.Call(honest, get);
  REQUIRE(round_reply.accepted());
  proto::RoundAnnouncement a;
  REQUIRE(a.ParseFromString(round_reply.payload()));

  // A well-formed submission from `id`, built like a miner's (same initial model as the
  // validator: same seed and config).
  torch::manual_seed(cfg.seed);
  GPT model(cfg.model);
  REQUIRE(ModelHash(*model).bytes.size() == 32);
  auto make = [&](const Identity& id) {
    proto::Request req;
    proto::Submission* s = req.mutable_submission();
    s->set_round(a.round());
    s->set_base_hash(a.base_hash());
    auto pages = datasets::AssignPages(
        [&] {
          Hash256 h;
          std::memcpy(h.bytes.data(), a.round_seed().data(), 32);
          return h;
        }(),
        id.public_key(), a.num_pages(), a.pages_per_miner());
    Hash256 digest = datasets::PagesDigest(pages);
    s->set_pages_digest(std::string(digest.bytes.begin(), digest.bytes.end()));
    *s->mutable_codec() = a.codec();
    s->set_inner_steps(a.local_steps());
    std::vector<torch::Tensor> deltas;
    for (auto& p : model->parameters()) deltas.push_back(torch::randn_like(p) * 1e-3);
    auto codec = sync::MakeCodec(sync::CodecSpec::FromProto(a.codec()));
    REQUIRE(codec.ok());
    sync::ErrorFeedback ef(0.0);
    EncodeDeltas(*model, deltas, **codec, ef, s->mutable_tensors());
    return req;
  };
  auto reason = [](const proto::Reply& r) { return static_cast<Code>(r.reason()); };

  // Bad signature: one flipped bit in the signed body.
  {
    Bytes raw =
        sync::SealEnvelope(honest, sync::kTagRequest, ToBytes(make(honest).SerializeAsString()));
    proto::Envelope env;
    REQUIRE(env.ParseFromArray(raw.data(), static_cast<int>(raw.size())));
    std::string body = env.body();
    body[body.size() / 2] ^= 1;
    env.set_body(body);
    CHECK(reason(client.Send(ToBytes(env.SerializeAsString()))) == Code::kBadSignature);
  }
  // Unregistered key.
  CHECK(reason(client.Call(Key(9), make(Key(9)))) == Code::kUnknownKey);
  // Truncated and non-protobuf bytes.
  {
    Bytes raw =
        sync::SealEnvelope(honest, sync::kTagRequest, ToBytes(make(honest).SerializeAsString()));
    raw.resize(raw.size() / 3);
    CHECK(reason(client.Send(raw)) == Code::kDecodeError);
    CHECK(reason(client.Send(Bytes{0xff, 0xfe, 0x01, 0x02, 0x03})) == Code::kDecodeError);
  }
  // Oversized frame (the limit is 1 MiB).
  CHECK(reason(client.Send(Bytes(3u << 20, 7))) == Code::kTooLarge);
  // Wrong round.
  {
    proto::Request req = make(honest);
    req.mutable_submission()->set_round(a.round() + 5);
    CHECK(reason(client.Call(honest, req)) == Code::kWrongRound);
  }
  // Stale base.
  {
    proto::Request req = make(stale);
    req.mutable_submission()->set_base_hash(std::string(32, 'x'));
    CHECK(reason(client.Call(stale, req)) == Code::kStaleBase);
  }
  // Wrong tensor shapes: drop the last tensor's last dimension.
  {
    proto::Request req = make(shapes);
    auto* t = req.mutable_submission()->mutable_tensors(0);
    t->set_shape(0, t->shape(0) + 1);
    CHECK(reason(client.Call(shapes, req)) == Code::kShapeMismatch);
  }
  // NaN values: an fp32 NaN pattern as an int8 scale.
  {
    proto::Request req = make(nan);
    std::string* data = req.mutable_submission()->mutable_tensors(1)->mutable_data();
    const float q = std::numeric_limits<float>::quiet_NaN();
    std::memcpy(data->data(), &q, 4);
    Code c = reason(client.Call(nan, req));
    CHECK((c == Code::kNonFinite || c == Code::kDecodeError));
  }
  // The honest submission is still accepted, and a second one is a duplicate.
  proto::Request ok = make(honest);
  CHECK(client.Call(honest, ok).accepted());
  CHECK(reason(client.Call(honest, ok)) == Code::kDuplicate);
  // Wrong codec (the last registered miner to submit: the round then closes).
  {
    proto::Request req = make(wrong_codec);
    req.mutable_submission()->mutable_codec()->set_name("fp32");
    CHECK(reason(client.Call(wrong_codec, req)) == Code::kWrongCodec);
  }

  REQUIRE(v.Join().ok());

  // Recorded: the round's status line counts every rejection, the ledger has each miner's reason.
  std::ifstream in(cfg.status_file);
  std::string line;
  REQUIRE(std::getline(in, line));
  auto status = nlohmann::json::parse(line);
  for (const char* r : {"bad_signature", "unknown_key", "decode_error", "too_large", "wrong_round",
                        "stale_base", "shape_mismatch", "wrong_codec", "duplicate"}) {
    INFO(r);
    CHECK(status["rejections"].value(r, 0) >= 1);
  }
  CHECK(status["accepted"] == 1);
  auto store = ledger::LedgerStore::Open(cfg.db_dir, true);
  REQUIRE(store.ok());
  auto records = (*store)->ByRound(a.round());
  REQUIRE(records.ok());
  std::map<PublicKey, uint16_t> reasons;
  for (const auto& r : *records) {
    if (r.kind != ledger::RecordKind::kScores) continue;
    auto body = ledger::ScoresBody::Decode(r.body);
    REQUIRE(body.ok());
    for (const auto& e : body->entries) reasons[e.miner] = e.reason;
  }
  CHECK(reasons[honest.public_key()] == 0);
  CHECK(reasons[stale.public_key()] == static_cast<uint16_t>(Code::kStaleBase));
  CHECK(reasons[shapes.public_key()] == static_cast<uint16_t>(Code::kShapeMismatch));
  CHECK(reasons[wrong_codec.public_key()] == static_cast<uint16_t>(Code::kWrongCodec));
  CHECK(reasons.count(nan.public_key()) == 1);
  std::map<PublicKey, int64_t> data_round0;
  for (const auto& r : *records) {
    if (r.kind != ledger::RecordKind::kScores) continue;
    auto body = ledger::ScoresBody::Decode(r.body);
    REQUIRE(body.ok());
    for (const auto& e : body->entries) data_round0[e.miner] = e.data_ppb;
  }
  // The honest miner passed through the assigned-data check: its average moved off zero.
  CHECK(data_round0[honest.public_key()] != 0);
  store->reset();

  // Restarted, the validator resumes each miner's data-check average from its ledger: in a round
  // everyone misses, the average is carried over unchanged.
  cfg.round_seconds = 0.5;
  v.node.reset();  // releases the ledger
  {
    auto again = ValidatorNode::Create(cfg);
    INFO(again.status().ToString());
    REQUIRE(again.ok());
    std::atomic<bool> no_stop{false};
    REQUIRE((*again)->Run(no_stop).ok());
  }
  store = ledger::LedgerStore::Open(cfg.db_dir, true);
  REQUIRE(store.ok());
  records = (*store)->ByRound(a.round() + 1);
  REQUIRE(records.ok());
  bool found = false;
  for (const auto& r : *records) {
    if (r.kind != ledger::RecordKind::kScores) continue;
    auto body = ledger::ScoresBody::Decode(r.body);
    REQUIRE(body.ok());
    for (const auto& e : body->entries) {
      if (e.miner != honest.public_key()) continue;
      found = true;
      CHECK(e.reason == static_cast<uint16_t>(Code::kMissed));
      CHECK(e.data_ppb == data_round0[honest.public_key()]);
    }
  }
  CHECK(found);
}

TEST_CASE(
    "a connection over its message rate is refused before any signature is checked, "
    "while other connections are served",
    "[validator][net]") {
  TempDir dir;
  RunningValidator v(dir, [](ValidatorConfig* c) {
    c->max_connection_messages_per_second = 5;  // bursts of 10
    c->max_messages_per_second = 1000;
  });
  Client flooder = v.Connect(), honest = v.Connect();
  // Every message under a fresh key: no per-key limit can catch this, the connection's does.
  proto::Request get;
  get.mutable_get_round();
  int limited = 0;
  for (uint8_t i = 0; i < 40; ++i) {
    if (static_cast<Code>(flooder.Call(Key(100 + i), get).reason()) == Code::kRateLimited)
      ++limited;
  }
  CHECK(limited >= 20);
  // Garbage counts against the connection too, and is refused without being parsed.
  CHECK(static_cast<Code>(flooder.Send(Bytes{1, 2, 3}).reason()) == Code::kRateLimited);
  // Another connection is not affected.
  proto::Request reg;
  reg.mutable_register_()->set_name("honest");
  CHECK(honest.Call(Key(1), reg).accepted());
  CHECK(v.Join(true).ok());
}

TEST_CASE(
    "a miner refuses a validator whose replies are signed by another key than its own "
    "config names",
    "[validator][net]") {
  TempDir dir;
  // With encryption on, the wrong key would not even connect.
  RunningValidator v(dir, [](ValidatorConfig* c) { c->curve = false; });

  MinerConfig m;
  m.key_file = dir / "miner.key";
  REQUIRE(Identity::Generate().Save(m.key_file).ok());
  m.validator_router = v.node->router_endpoint();
  m.validator_pub = v.node->pub_endpoint();
  m.validator_key = Identity::Generate().public_key();  // not the validator's
  m.curve = false;
  m.data_dir = dir.path();
  m.model = v.cfg.model;
  m.request_timeout_ms = 2000;
  std::atomic<bool> miner_stop{false};
  Status s = RunMiner(m, miner_stop);
  CHECK(s.code() == Code::kBadSignature);
  CHECK(s.message().find("configured validator key") != std::string::npos);
}

TEST_CASE("anyone can copy a running validator's ledger and verify it", "[validator][net]") {
  TempDir dir;
  RunningValidator v(dir, [](ValidatorConfig* c) {
    c->rounds = 0;  // until stopped
    c->round_seconds = 0.2;
  });
  const Identity& validator_id = v.id;
  Client client = v.Connect();
  proto::Request reg;
  reg.mutable_register_()->set_name("absent");
  REQUIRE(client.Call(Key(7), reg).accepted());  // rounds start; the miner misses every one

  auto copy = ledger::LedgerStore::Open(dir / "copy");
  REQUIRE(copy.ok());
  const Identity reader = Identity::Generate();
  uint64_t appended = 0;
  for (int i = 0; i < 100 && appended < 12; ++i) {  // at least two rounds' records
    auto r = replica::SyncFrom(*client.dealer, reader, validator_id.public_key(),
                               validator_id.public_key(), copy->get());
    REQUIRE(r.ok());
    appended += r->appended;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(v.Join(true).ok());
  CHECK(appended >= 12);
  CHECK(ledger::VerifyLedger(**copy).ok());
  // The copy's records are the validator's own.
  copy->reset();
  auto original = ledger::LedgerStore::Open(v.cfg.db_dir, true);
  REQUIRE(original.ok());
  copy = ledger::LedgerStore::Open(dir / "copy", true);
  REQUIRE(copy.ok());
  for (uint64_t h = 0; h < appended; ++h) {
    CHECK((*copy)->Get(validator_id.public_key(), h)->Hash() ==
          (*original)->Get(validator_id.public_key(), h)->Hash());
  }
}

TEST_CASE("a request handler that throws is answered internal and the validator keeps serving",
          "[validator][net]") {
  TempDir dir;
  RunningValidator v(dir, [](ValidatorConfig* c) { c->rounds = 0; });
  Client client = v.Connect();
  proto::Request reg;
  reg.mutable_register_()->set_name("m");
  ::setenv("LOCONET_THROW_AT", "handler", 1);
  const proto::Reply failed = client.Call(Key(1), reg);
  ::unsetenv("LOCONET_THROW_AT");
  CHECK_FALSE(failed.accepted());
  CHECK(static_cast<Code>(failed.reason()) == Code::kInternal);
  // The same node answers the next request normally.
  CHECK(client.Call(Key(1), reg).accepted());
  CHECK(v.Join(true).ok());
}
