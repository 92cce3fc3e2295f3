// A submission as a miner would build it, for tests that feed a validator in this process:
// AdamW steps from the validator's initial model on the miner's assigned pages, encoded with the
// round's codec, optionally turned into an attack; and the registration and round poll before it.
#pragma once

#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "core/keys.h"
#include "datasets/assignment.h"
#include "datasets/loader.h"
#include "sync/codec.h"
#include "sync/messages.pb.h"
#include "tests/validator/fixture.h"
#include "trainer/gpt.h"
#include "trainer/local_trainer.h"
#include "trainer/params.h"
#include "trainer/wire.h"
#include "validator/config.h"

namespace loconet::testing {

enum class Kind { kHonest, kZero, kNoise, kSignFlip, kScale1e6 };

// A submission of `id` for round `a`: `steps` AdamW steps at `lr` from the validator's initial
// model (round 0's base) on its assigned pages, then the attack `kind` applied to the
// pseudo-gradient.
inline proto::Request Trained(const ValidatorConfig& cfg, const proto::RoundAnnouncement& a,
                              const Identity& id, Kind kind, const std::string& data_dir,
                              int steps, double lr) {
  torch::manual_seed(cfg.seed);
  GPT model(cfg.model);
  Hash256 seed;
  std::memcpy(seed.bytes.data(), a.round_seed().data(), 32);
  auto pages = datasets::AssignPages(seed, id.public_key(), a.num_pages(), a.pages_per_miner());
  auto shard = datasets::ShardReader::Open(data_dir + "/train.shard");
  REQUIRE(shard.ok());
  auto loader = datasets::BlockLoader::Create(*shard, pages, static_cast<int>(a.batch()),
                                              static_cast<int>(cfg.model.context), 11);
  REQUIRE(loader.ok());
  std::vector<torch::Tensor> start = CloneParameters(*model);
  // Small steps, as miners take them: with much larger ones from a fresh model the loss is
  // dominated by second-order terms (products of the tied embedding's change with itself), and
  // a sign-flipped update can improve it too; the next test covers that case.
  InnerOptions opt;
  opt.schedule.peak = lr;
  opt.schedule.warmup_steps = 2;
  opt.schedule.total_steps = steps;
  LocalTrainer trainer(model, opt);
  std::vector<int64_t> rows;
  for (int h = 0; h < steps; ++h) {
    loader->Next(&rows);
    auto block =
        torch::from_blob(rows.data(), {static_cast<int64_t>(a.batch()), cfg.model.context + 1},
                         torch::kLong)
            .clone();
    REQUIRE(trainer.Step(block).ok());
  }
  std::vector<torch::Tensor> delta;
  auto now = ParameterList(*model);
  torch::manual_seed(99 + static_cast<int>(kind));
  for (size_t i = 0; i < now.size(); ++i) {
    torch::Tensor d = (start[i] - now[i].detach()).contiguous();
    if (kind == Kind::kZero) d.zero_();
    if (kind == Kind::kNoise) d = torch::randn_like(d) * d.std();
    if (kind == Kind::kSignFlip) d.neg_();
    if (kind == Kind::kScale1e6) d.mul_(1e6);
    delta.push_back(d);
  }
  proto::Request req;
  proto::Submission* s = req.mutable_submission();
  s->set_round(a.round());
  s->set_base_hash(a.base_hash());
  s->set_pages_digest(RawString(datasets::PagesDigest(pages)));
  *s->mutable_codec() = a.codec();
  s->set_inner_steps(static_cast<uint32_t>(steps));
  auto codec = sync::MakeCodec(sync::CodecSpec::FromProto(a.codec()));
  REQUIRE(codec.ok());
  sync::ErrorFeedback none(0.0);
  EncodeDeltas(*model, delta, **codec, none, s->mutable_tensors());
  return req;
}

// Registers Key(k) for every k in `keys` and polls until the validator announces a round;
// returns the announcement.
inline proto::RoundAnnouncement RegisterAndAwaitRound(Client& client,
                                                      const std::vector<uint8_t>& keys) {
  for (uint8_t k : keys) {
    proto::Request reg;
    reg.mutable_register_()->set_name("m");
    REQUIRE(client.Call(Key(k), reg).accepted());
  }
  proto::Request get;
  get.mutable_get_round();
  proto::Reply round_reply;
  for (int i = 0; i < 100; ++i) {
    round_reply = client.Call(Key(keys.front()), get);
    if (round_reply.accepted()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(round_reply.accepted());
  proto::RoundAnnouncement a;
  REQUIRE(a.ParseFromString(round_reply.payload()));
  return a;
}

}  // namespace loconet::testing
