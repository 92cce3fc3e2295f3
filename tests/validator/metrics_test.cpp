// A validator's metrics count what happens to each submission: a validator in this process with
// its metrics on 127.0.0.1, fed submissions that pass and fail the gates, read over HTTP.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "datasets/assignment.h"
#include "sync/codec.h"
#include "tests/http_client.h"
#include "tests/validator/fixture.h"
#include "trainer/gpt.h"
#include "trainer/params.h"
#include "trainer/wire.h"

using namespace loconet;
using namespace loconet::testing;

namespace {

// A submission of `id` for round `a` whose update is `value` in every coordinate.
proto::Request Constant(const ValidatorConfig& cfg, const proto::RoundAnnouncement& a,
                        const Identity& id, float value) {
  GPT model(cfg.model);
  std::vector<torch::Tensor> delta;
  for (const auto& p : ParameterList(*model)) delta.push_back(torch::full_like(p.detach(), value));
  Hash256 seed;
  std::memcpy(seed.bytes.data(), a.round_seed().data(), 32);
  auto pages = datasets::AssignPages(seed, id.public_key(), a.num_pages(), a.pages_per_miner());
  proto::Request req;
  proto::Submission* s = req.mutable_submission();
  s->set_round(a.round());
  s->set_base_hash(a.base_hash());
  s->set_pages_digest(RawString(datasets::PagesDigest(pages)));
  *s->mutable_codec() = a.codec();
  s->set_inner_steps(a.local_steps());
  auto codec = sync::MakeCodec(sync::CodecSpec::FromProto(a.codec()));
  REQUIRE(codec.ok());
  sync::ErrorFeedback none(0.0);
  EncodeDeltas(*model, delta, **codec, none, s->mutable_tensors());
  return req;
}

}  // namespace

TEST_CASE("a validator's metrics count submissions by verdict and rejections at close",
          "[validator]") {
  TempDir dir;
  RunningValidator v(dir, [&](ValidatorConfig* c) {
    c->metrics = "127.0.0.1:0";
    c->endpoints_file = dir / "endpoints.json";
    c->min_miners = 2;
    c->round_seconds = 30;
  });
  const auto endpoints = nlohmann::json::parse(std::ifstream(dir / "endpoints.json"));
  const std::string address = endpoints.at("metrics");
  const int port = std::stoi(address.substr(address.find(':') + 1));
  const auto scrape = [&] {
    const auto reply = HttpGet("127.0.0.1", port, "/metrics");
    INFO(reply.error);
    REQUIRE(reply.status == 200);
    return reply.body;
  };
  CHECK(Sample(scrape(), "loconet_validator_round") == 0.0);
  CHECK(Sample(scrape(), "loconet_validator_submissions_total{reason=\"ok\"}") == 0.0);

  Client client = v.Connect();
  for (uint8_t k : {1, 2}) {
    proto::Request reg;
    reg.mutable_register_()->set_name("m");
    REQUIRE(client.Call(Key(k), reg).accepted());
  }
  CHECK(Sample(scrape(), "loconet_validator_registered_miners") == 2.0);
  proto::Request get;
  get.mutable_get_round();
  proto::Reply round_reply;
  for (int i = 0; i < 100 && !round_reply.accepted(); ++i) {
    round_reply = client.Call(Key(1), get);
    if (!round_reply.accepted()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(round_reply.accepted());
  proto::RoundAnnouncement a;
  REQUIRE(a.ParseFromString(round_reply.payload()));

  proto::Request wrong_round = Constant(v.cfg, a, Key(1), 0.0f);
  wrong_round.mutable_submission()->set_round(a.round() + 5);
  CHECK(client.Call(Key(1), wrong_round).reason() == static_cast<uint32_t>(Code::kWrongRound));
  CHECK(client.Call(Key(3), Constant(v.cfg, a, Key(3), 0.0f)).reason() ==
        static_cast<uint32_t>(Code::kUnknownKey));
  CHECK(client.Call(Key(2), Constant(v.cfg, a, Key(2), 0.0f)).accepted());
  CHECK(client.Call(Key(2), Constant(v.cfg, a, Key(2), 0.0f)).reason() ==
        static_cast<uint32_t>(Code::kDuplicate));
  // Accepted at receipt; its norm is far above twice the model's, so it is an outlier at close.
  const size_t request_bytes = Constant(v.cfg, a, Key(1), 100.0f).ByteSizeLong();
  CHECK(client.Call(Key(1), Constant(v.cfg, a, Key(1), 100.0f)).accepted());
  // Both registered miners have submitted: the round closes now.
  REQUIRE(v.Join().ok());

  const std::string text = scrape();
  INFO(text);
  const auto submissions = [&](const std::string& reason) {
    return Sample(text, "loconet_validator_submissions_total{reason=\"" + reason + "\"}");
  };
  const auto rejections = [&](const std::string& reason) {
    return Sample(text, "loconet_validator_rejections_total{reason=\"" + reason + "\"}");
  };
  CHECK(submissions("ok") == 2.0);
  CHECK(submissions("wrong_round") == 1.0);
  CHECK(submissions("unknown_key") == 1.0);
  CHECK(submissions("duplicate") == 1.0);
  CHECK(rejections("wrong_round") == 1.0);
  CHECK(rejections("unknown_key") == 1.0);
  CHECK(rejections("duplicate") == 1.0);
  CHECK(rejections("outlier") == 1.0);
  CHECK_FALSE(rejections("ok"));
  // Only the update kept at close was scored.
  CHECK(Sample(text, "loconet_validator_scoring_seconds_count") == 1.0);
  CHECK(Sample(text, "loconet_validator_round") == 1.0);
  CHECK(Sample(text, "loconet_validator_round_close_seconds").value_or(0) > 0);
  CHECK(Sample(text, "loconet_validator_heldout_loss").value_or(0) > 0);
  CHECK(Sample(text, "loconet_validator_received_bytes_total").value_or(0) > 2 * request_bytes);
}
