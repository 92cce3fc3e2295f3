#include "validator/request_guard.h"

#include <catch2/catch.hpp>

using namespace loconet;

namespace {

Identity Key(uint8_t n) {
  std::array<uint8_t, 32> seed{};
  seed[0] = n;
  return Identity::FromSeed(seed);
}

struct Signed {
  proto::Request req;
  Bytes body;
};

Signed Request(const PublicKey& to, int64_t sent) {
  Signed s;
  s.req.mutable_get_round();
  s.req.set_recipient(RawString(to));
  s.req.set_sent_unix_ms(sent);
  const std::string b = s.req.SerializeAsString();
  s.body.assign(b.begin(), b.end());
  return s;
}

}  // namespace

TEST_CASE("a request is bound to its recipient and its time window", "[validator]") {
  const Identity me = Key(1), other = Key(2), miner = Key(3);
  RequestGuard guard(me.public_key(), 60000);
  const int64_t now = 1'700'000'000'000;
  Signed ok = Request(me.public_key(), now - 1000);
  CHECK(guard.Admit(miner.public_key(), ok.body, ok.req, now).ok());
  Signed elsewhere = Request(other.public_key(), now);
  CHECK(guard.Admit(miner.public_key(), elsewhere.body, elsewhere.req, now).code() ==
        Code::kWrongRecipient);
  Signed none = Request(me.public_key(), now);
  none.req.clear_recipient();
  CHECK(guard.Admit(miner.public_key(), none.body, none.req, now).code() == Code::kWrongRecipient);
  Signed old = Request(me.public_key(), now - 61000);
  CHECK(guard.Admit(miner.public_key(), old.body, old.req, now).code() == Code::kExpired);
  Signed future = Request(me.public_key(), now + 61000);
  CHECK(guard.Admit(miner.public_key(), future.body, future.req, now).code() == Code::kExpired);
}

TEST_CASE("a captured request replayed within the window is refused as replay", "[validator]") {
  const Identity me = Key(1), miner = Key(3), other_miner = Key(4);
  RequestGuard guard(me.public_key(), 60000);
  const int64_t now = 1'700'000'000'000;
  Signed s = Request(me.public_key(), now);
  REQUIRE(guard.Admit(miner.public_key(), s.body, s.req, now).ok());
  for (int i = 0; i < 41; ++i) {
    CHECK(guard.Admit(miner.public_key(), s.body, s.req, now + i).code() == Code::kReplay);
  }
  // The same body from another sender is another request.
  CHECK(guard.Admit(other_miner.public_key(), s.body, s.req, now).ok());
  // Later, the copy is out of the window: expired, and forgotten.
  CHECK(guard.Admit(miner.public_key(), s.body, s.req, now + 61000).code() == Code::kExpired);
}

TEST_CASE("the request guard's memory is bounded", "[validator]") {
  const Identity me = Key(1), miner = Key(3);
  RequestGuard guard(me.public_key(), 60000, 100);
  const int64_t now = 1'700'000'000'000;
  for (int i = 0; i < 1000; ++i) {
    Signed s = Request(me.public_key(), now + i);
    REQUIRE(guard.Admit(miner.public_key(), s.body, s.req, now + i).ok());
  }
  CHECK(guard.size() <= 100);
}
