// A validator in this process for tests: the nano model on a synthetic corpus in a temporary
// folder, run on its own thread, and a scripted client that signs requests like a miner.
#pragma once

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <thread>

#include "core/keys.h"
#include "sync/envelope.h"
#include "sync/messages.h"
#include "sync/messages.pb.h"
#include "sync/transport.h"
#include "tests/temp_dir.h"
#include "tests/trainer/fixture.h"
#include "validator/node.h"

namespace loconet::testing {

inline Bytes ToBytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

inline ValidatorConfig NanoValidator(const TempDir& dir) {
  ValidatorConfig c;
  c.key_file = dir / "validator.key";
  c.db_dir = dir / "ledger";
  c.state_file = dir / "state.pt";
  c.status_file = dir / "status.jsonl";
  c.data_dir = dir.path();
  c.router_endpoint = "tcp://127.0.0.1:0";
  c.pub_endpoint = "tcp://127.0.0.1:0";
  c.model = TinyModel("nano", 256, 32, 32, 2, 2);
  c.max_request_bytes = 1u << 20;
  c.pow_bits = 0;  // tests register with bare requests; registration_test.cpp turns it on
  c.rounds = 1;
  c.min_miners = 1;
  c.round_seconds = 30;
  c.local_steps = 5;
  c.batch = 4;
  c.pages_per_miner = 4;
  c.codec.name = "int8";
  c.eval_batches = 2;
  return c;
}

struct Client {
  std::unique_ptr<sync::DealerClient> dealer;
  const PublicKey* server_key = nullptr;

  proto::Reply Send(const Bytes& raw) {
    auto r = dealer->Request(raw, 20000, 1);
    REQUIRE(r.ok());
    auto env = sync::OpenEnvelope(r->data(), r->size(), 1u << 30, sync::kTagReply);
    REQUIRE(env.ok());
    if (server_key) CHECK(env->sender == *server_key);
    proto::Reply reply;
    REQUIRE(reply.ParseFromArray(env->body.data(), static_cast<int>(env->body.size())));
    return reply;
  }
  proto::Reply Call(const Identity& id, const proto::Request& req) {
    proto::Request bound = req;
    auto sealed = sync::SealRequest(id, *server_key, &bound);
    REQUIRE(sealed.ok());
    return Send(*sealed);
  }
};

inline Identity Key(uint8_t n) {
  std::array<uint8_t, 32> seed{};
  seed[0] = n;
  return Identity::FromSeed(seed);
}

// A validator on the nano model and a synthetic corpus in `dir`, running on its own thread from
// construction until Join (its configured rounds, or `stop`) or destruction.
struct RunningValidator {
  ValidatorConfig cfg;
  const Identity id;
  std::unique_ptr<ValidatorNode> node;
  std::atomic<bool> stop{false};
  Status status;
  std::thread runner;

  // `identity_seed` 0: a fresh key; otherwise Key(identity_seed), the same in every run.
  explicit RunningValidator(const TempDir& dir,
                            const std::function<void(ValidatorConfig*)>& adjust = nullptr,
                            uint8_t identity_seed = 0)
      : id(identity_seed ? Key(identity_seed) : Identity::Generate()) {
    REQUIRE(loconet::testing::WriteSyntheticCorpus(dir.path()));
    cfg = NanoValidator(dir);
    if (adjust) adjust(&cfg);
    // A validator restarted on the same folder with the same seed keeps its key file.
    if (!(identity_seed && std::filesystem::exists(cfg.key_file))) {
      REQUIRE(id.Save(cfg.key_file).ok());
    }
    auto created = ValidatorNode::Create(cfg);
    INFO(created.status().ToString());
    REQUIRE(created.ok());
    node = std::move(*created);
    runner = std::thread([this] { status = node->Run(stop); });
  }
  ~RunningValidator() { (void)Join(true); }

  Status Join(bool stop_now = false) {
    if (stop_now) stop = true;
    if (runner.joinable()) runner.join();
    return status;
  }
  // A client on a new connection, encrypted to this validator's key when it has CURVE on.
  Client Connect() const {
    const PublicKey* key = cfg.curve ? &id.public_key() : nullptr;
    auto dealer =
        sync::DealerClient::Connect(node->router_endpoint(), sync::kDefaultMaxMessageBytes, key);
    REQUIRE(dealer.ok());
    return Client{std::move(*dealer), &id.public_key()};
  }
};

}  // namespace loconet::testing
