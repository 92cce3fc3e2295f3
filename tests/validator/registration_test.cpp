// Registration on a running validator: the proof of work it asks for, bounded miner slots, and
// replacements that survive a restart.
#include <catch2/catch.hpp>

#include "ledger/bodies.h"
#include "ledger/store.h"
#include "sync/registration_pow.h"
#include "tests/validator/fixture.h"

using namespace loconet;
using namespace loconet::testing;

namespace {

proto::Request Register(uint64_t nonce) {
  proto::Request req;
  req.mutable_register_()->set_name("m");
  req.mutable_register_()->set_pow_nonce(nonce);
  return req;
}

proto::RegistrationTerms Terms(Client& client, const Identity& asker) {
  proto::Request ask;
  ask.mutable_get_terms();
  proto::Reply reply = client.Call(asker, ask);
  REQUIRE(reply.accepted());
  proto::RegistrationTerms t;
  REQUIRE(t.ParseFromString(reply.payload()));
  return t;
}

// Every registration record of the ledger at `db`, in order.
std::vector<ledger::RegistrationBody> Registrations(const std::string& db) {
  auto store = ledger::LedgerStore::Open(db, /*read_only=*/true);
  REQUIRE(store.ok());
  std::vector<ledger::RegistrationBody> out;
  REQUIRE((*store)
              ->ForEach([&](const ledger::Record& r) {
                if (r.kind == ledger::RecordKind::kRegistration) {
                  out.push_back(ledger::RegistrationBody::Decode(r.body).value());
                }
                return Status::Ok();
              })
              .ok());
  return out;
}

}  // namespace

TEST_CASE("a registration must carry the proof of work the validator asks for",
          "[validator][net]") {
  TempDir dir;
  // min_miners above what registers: no round opens, the test is about registration alone.
  RunningValidator v(dir, [](ValidatorConfig* c) {
    c->pow_bits = 8;
    c->pow_memory_kib = 64;
    c->min_miners = 10;
  }, 7);
  Client client = v.Connect();
  const Identity miner = Key(1);
  proto::RegistrationTerms t = Terms(client, miner);  // an unregistered key may ask
  CHECK(t.pow_bits() == 8);
  CHECK(t.pow_memory_kib() == 64);
  CHECK(t.pow_ops() == 1);
  CHECK(t.max_miners() == v.cfg.max_miners);
  CHECK(t.registered() == 0);
  const sync::PowTerms terms{8, 64, 1};
  std::atomic<bool> stop{false};
  const uint64_t good = sync::SolvePow(miner.public_key(), v.id.public_key(), terms, stop).value();

  // No proof, a wrong nonce, and a proof made for another validator are all refused.
  uint64_t bad = good + 1;
  while (sync::VerifyPow(miner.public_key(), v.id.public_key(), bad, terms).ok()) ++bad;
  const uint64_t other =
      sync::SolvePow(miner.public_key(), Key(99).public_key(), terms, stop).value();
  REQUIRE_FALSE(sync::VerifyPow(miner.public_key(), v.id.public_key(), other, terms).ok());
  for (uint64_t nonce : {bad, other}) {
    proto::Reply r = client.Call(miner, Register(nonce));
    CHECK_FALSE(r.accepted());
    CHECK(r.reason() == static_cast<uint32_t>(Code::kBadProofOfWork));
  }
  CHECK(Registrations(v.cfg.db_dir).empty());

  // The proof of one key does not register another.
  CHECK(client.Call(Key(2), Register(good)).reason() ==
        static_cast<uint32_t>(Code::kBadProofOfWork));
  CHECK(client.Call(miner, Register(good)).accepted());
  CHECK(Terms(client, miner).registered() == 1);
  // Registered already: asking again needs no new proof.
  CHECK(client.Call(miner, Register(bad)).accepted());
  CHECK(Registrations(v.cfg.db_dir).size() == 1);
}

TEST_CASE("a full network gives a newcomer the lowest-scoring slot past its immunity, durably",
          "[validator][net]") {
  TempDir dir;
  auto adjust = [](ValidatorConfig* c) {
    c->max_miners = 2;
    c->immunity_rounds = 0;
    c->min_miners = 10;
  };
  const Identity a = Key(1), b = Key(2), c = Key(3);
  // Keys sort a < b or b < a; with equal scores and rounds the smaller key is replaced.
  const PublicKey first = std::min(a.public_key(), b.public_key());
  const PublicKey kept = std::max(a.public_key(), b.public_key());
  {
    RunningValidator v(dir, adjust, 7);
    Client client = v.Connect();
    CHECK(client.Call(a, Register(0)).accepted());
    CHECK(client.Call(b, Register(0)).accepted());
    CHECK(client.Call(c, Register(0)).accepted());
    CHECK(Terms(client, a).registered() == 2);
    auto regs = Registrations(v.cfg.db_dir);
    REQUIRE(regs.size() == 3);
    CHECK(regs[0].replaces == PublicKey{});
    CHECK(regs[1].replaces == PublicKey{});
    CHECK(regs[2].miner == c.public_key());
    CHECK(regs[2].replaces == first);
  }
  // After a restart the validator knows who holds the slots: the replaced key must register
  // again (and, immunity 0, takes the slot of the other original miner).
  RunningValidator v(dir, adjust, 7);
  Client client = v.Connect();
  CHECK(Terms(client, a).registered() == 2);
  const Identity& replaced = first == a.public_key() ? a : b;
  CHECK(client.Call(c, Register(0)).accepted());
  CHECK(Registrations(v.cfg.db_dir).size() == 3);  // c was registered: nothing new
  CHECK(client.Call(replaced, Register(0)).accepted());
  auto regs = Registrations(v.cfg.db_dir);
  REQUIRE(regs.size() == 4);
  CHECK(regs[3].miner == replaced.public_key());
  CHECK(regs[3].replaces == kept);
}

TEST_CASE("when every slot holder is within its immunity period a newcomer is refused",
          "[validator][net]") {
  TempDir dir;
  RunningValidator v(dir, [](ValidatorConfig* c) {
    c->max_miners = 1;
    c->immunity_rounds = 5;
    c->min_miners = 10;
  }, 7);
  Client client = v.Connect();
  CHECK(client.Call(Key(1), Register(0)).accepted());
  proto::Reply r = client.Call(Key(2), Register(0));
  CHECK_FALSE(r.accepted());
  CHECK(r.reason() == static_cast<uint32_t>(Code::kNoSlot));
  CHECK(r.message().find("immunity") != std::string::npos);
  CHECK(Registrations(v.cfg.db_dir).size() == 1);
}

TEST_CASE("proofs are checked at a bounded rate for all keys together", "[validator][net]") {
  TempDir dir;
  RunningValidator v(dir, [](ValidatorConfig* c) {
    c->pow_bits = 16;  // a random nonce fails: every attempt costs the validator one evaluation
    c->pow_memory_kib = 64;
    c->registrations_per_second = 2;
    c->min_miners = 10;
  }, 7);
  Client client = v.Connect();
  int limited = 0, bad = 0;
  for (uint8_t k = 1; k <= 10; ++k) {
    proto::Reply r = client.Call(Key(k), Register(12345));
    limited += r.reason() == static_cast<uint32_t>(Code::kRateLimited);
    bad += r.reason() == static_cast<uint32_t>(Code::kBadProofOfWork);
  }
  CHECK(bad >= 2);      // the bucket's burst
  CHECK(bad <= 4);      // and what refilled meanwhile
  CHECK(limited + bad == 10);
}
