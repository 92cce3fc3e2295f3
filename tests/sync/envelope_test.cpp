#include "sync/envelope.h"

#include <catch2/catch.hpp>
#include <random>

#include "core/keys.h"
#include "sync/messages.h"
#include "sync/messages.pb.h"

using namespace loconet;
using namespace loconet::sync;

namespace {

Identity TestIdentity(uint8_t n) {
  std::array<uint8_t, 32> seed{};
  seed[0] = n;
  return Identity::FromSeed(seed);
}

constexpr size_t kLimit = 1 << 20;

// Parses a sealed envelope, lets `edit` change it, and serializes it again.
template <typename Edit>
Bytes Tamper(const Bytes& sealed, Edit edit) {
  proto::Envelope env;
  REQUIRE(ParseProto(sealed, "test", &env).ok());
  edit(&env);
  auto out = SerializeProto(env);
  REQUIRE(out.ok());
  return *out;
}

}  // namespace

TEST_CASE("a sealed envelope opens to the same sender, tag and body", "[sync]") {
  Identity id = TestIdentity(1);
  Bytes body = {0, 1, 2, 3, 255, 0};
  Bytes sealed = SealEnvelope(id, kTagRequest, body);
  auto opened = OpenEnvelope(sealed, kLimit, kTagRequest);
  REQUIRE(opened.ok());
  CHECK(opened->sender == id.public_key());
  CHECK(opened->tag == kTagRequest);
  CHECK(opened->body == body);
}

TEST_CASE("an empty body seals and opens", "[sync]") {
  Identity id = TestIdentity(2);
  auto opened = OpenEnvelope(SealEnvelope(id, kTagReply, {}), kLimit, kTagReply);
  REQUIRE(opened.ok());
  CHECK(opened->body.empty());
}

TEST_CASE("the signature covers Blob(tag), the network id, then Blob(body)", "[sync]") {
  Identity id = TestIdentity(3);
  Bytes body = {9, 8, 7};
  proto::Envelope env;
  REQUIRE(ParseProto(SealEnvelope(id, kTagLedger, body), "test", &env).ok());
  ByteWriter w;
  w.Blob(kTagLedger);
  w.Raw(Bytes(32, 0));  // the default network's id
  w.Blob(body);
  Signature sig;
  REQUIRE(env.signature().size() == sig.size());
  std::copy(env.signature().begin(), env.signature().end(), sig.begin());
  CHECK(Verify(id.public_key(), w.bytes(), sig));
  CHECK(EnvelopeSigningBytes(kTagLedger, kDefaultNetworkId, body.data(), body.size()) == w.bytes());
  CHECK(env.network().empty());  // the default network is not written
}

TEST_CASE("a tampered body fails with bad_signature", "[sync]") {
  Bytes sealed = SealEnvelope(TestIdentity(4), kTagRequest, {1, 2, 3});
  Bytes bad = Tamper(sealed, [](proto::Envelope* e) { (*e->mutable_body())[1] ^= 1; });
  auto r = OpenEnvelope(bad, kLimit, kTagRequest);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kBadSignature);
}

TEST_CASE("a tag changed to another valid tag fails with bad_signature", "[sync]") {
  Bytes sealed = SealEnvelope(TestIdentity(5), kTagReply, {1, 2, 3});
  Bytes bad = Tamper(sealed, [](proto::Envelope* e) { e->set_tag(std::string(kTagRequest)); });
  auto r = OpenEnvelope(bad, kLimit, kTagRequest);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kBadSignature);
}

TEST_CASE("a replaced sender key fails with bad_signature", "[sync]") {
  Bytes sealed = SealEnvelope(TestIdentity(6), kTagRequest, {1, 2, 3});
  PublicKey other = TestIdentity(7).public_key();
  Bytes bad = Tamper(
      sealed, [&](proto::Envelope* e) { e->set_sender(other.bytes.data(), other.bytes.size()); });
  auto r = OpenEnvelope(bad, kLimit, kTagRequest);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kBadSignature);
}

TEST_CASE("an envelope opened under the wrong domain tag is a decode_error", "[sync]") {
  Bytes sealed = SealEnvelope(TestIdentity(8), kTagAnnounce, {1});
  auto r = OpenEnvelope(sealed, kLimit, kTagModelUpdate);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kDecodeError);
  CHECK(r.status().message().find("wrong domain tag") != std::string::npos);
}

TEST_CASE("a sender or signature of the wrong length is a decode_error", "[sync]") {
  Bytes sealed = SealEnvelope(TestIdentity(9), kTagRequest, {1});
  Bytes short_sender = Tamper(sealed, [](proto::Envelope* e) { e->mutable_sender()->pop_back(); });
  CHECK(OpenEnvelope(short_sender, kLimit, kTagRequest).status().code() == Code::kDecodeError);
  Bytes long_sig = Tamper(sealed, [](proto::Envelope* e) { e->mutable_signature()->push_back(0); });
  CHECK(OpenEnvelope(long_sig, kLimit, kTagRequest).status().code() == Code::kDecodeError);
}

TEST_CASE("every truncation of an envelope is a decode_error", "[sync]") {
  Bytes sealed = SealEnvelope(TestIdentity(10), kTagRequest, Bytes(100, 0x5a));
  for (size_t n = 0; n < sealed.size(); ++n) {
    auto r = OpenEnvelope(sealed.data(), n, kLimit, kTagRequest);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kDecodeError);
  }
}

TEST_CASE("random bytes are a decode_error", "[sync]") {
  std::mt19937 rng(1234);
  for (int i = 0; i < 2000; ++i) {
    Bytes junk(rng() % 300);
    for (auto& b : junk) b = static_cast<uint8_t>(rng());
    auto r = OpenEnvelope(junk, kLimit, kTagRequest);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kDecodeError);
  }
}

TEST_CASE("an envelope over the size limit is too_large before it is parsed", "[sync]") {
  Bytes sealed = SealEnvelope(TestIdentity(11), kTagRequest, Bytes(1000, 1));
  auto r = OpenEnvelope(sealed, sealed.size() - 1, kTagRequest);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kTooLarge);
  CHECK(OpenEnvelope(sealed, sealed.size(), kTagRequest).ok());
  Bytes junk(5000, 0xff);
  CHECK(OpenEnvelope(junk, 4999, kTagRequest).status().code() == Code::kTooLarge);
}

namespace {

NetworkId TestNetwork(uint8_t n) {
  NetworkId id;
  id.bytes.fill(n);
  return id;
}

}  // namespace

TEST_CASE("an envelope signs the network id between tag and body", "[sync]") {
  Identity id = TestIdentity(20);
  const NetworkId a = TestNetwork(0xa1);
  Bytes body = {4, 5, 6};
  proto::Envelope env;
  REQUIRE(ParseProto(SealEnvelope(id, kTagAnnounce, body, a), "test", &env).ok());
  CHECK(env.network() == RawString(a));
  ByteWriter w;
  w.Blob(kTagAnnounce);
  w.Raw(a.bytes.data(), a.bytes.size());
  w.Blob(body);
  CHECK(EnvelopeSigningBytes(kTagAnnounce, a, body.data(), body.size()) == w.bytes());
  Signature sig;
  std::copy(env.signature().begin(), env.signature().end(), sig.begin());
  CHECK(Verify(id.public_key(), w.bytes(), sig));
}

TEST_CASE("an envelope sealed for network A opens under A and is refused under B", "[sync]") {
  Identity id = TestIdentity(21);
  const NetworkId a = TestNetwork(0xa1), b = TestNetwork(0xb2);
  Bytes sealed = SealEnvelope(id, kTagRequest, {1, 2, 3}, a);
  auto under_a = OpenEnvelope(sealed, kLimit, kTagRequest, a);
  REQUIRE(under_a.ok());
  CHECK(under_a->body == Bytes{1, 2, 3});
  CHECK(under_a->sender == id.public_key());

  auto under_b = OpenEnvelope(sealed, kLimit, kTagRequest, b);
  REQUIRE_FALSE(under_b.ok());
  CHECK(under_b.status().code() == Code::kBadSignature);
  CHECK_THAT(under_b.status().message(),
             Catch::Contains("signed for network a1a1a1a1a1a1a1a1") &&
                 Catch::Contains("this node is on network b2b2b2b2b2b2b2b2"));

  auto under_default = OpenEnvelope(sealed, kLimit, kTagRequest);
  REQUIRE_FALSE(under_default.ok());
  CHECK(under_default.status().code() == Code::kBadSignature);
  CHECK_THAT(under_default.status().message(), Catch::Contains("this node is on network default"));
}

TEST_CASE("an envelope of the default network is refused by a node on another", "[sync]") {
  Bytes sealed = SealEnvelope(TestIdentity(22), kTagReply, {7});
  auto r = OpenEnvelope(sealed, kLimit, kTagReply, TestNetwork(0xa1));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kBadSignature);
  CHECK_THAT(r.status().message(), Catch::Contains("signed for network default"));
}

TEST_CASE("the default network id is all zeros and keeps envelopes as before", "[sync]") {
  CHECK(kDefaultNetworkId.bytes == std::array<uint8_t, 32>{});
  CHECK(NetworkName(kDefaultNetworkId) == "default");
  Identity id = TestIdentity(23);
  // Sealing without a network and with the default id explicitly gives the same bytes
  // (ed25519 signatures are deterministic), and both open without naming a network.
  Bytes implicit = SealEnvelope(id, kTagRequest, {1});
  Bytes explicit_default = SealEnvelope(id, kTagRequest, {1}, kDefaultNetworkId);
  CHECK(implicit == explicit_default);
  CHECK(OpenEnvelope(implicit, kLimit, kTagRequest).ok());
  CHECK(OpenEnvelope(implicit, kLimit, kTagRequest, kDefaultNetworkId).ok());
  // An envelope that writes the default id out (32 zero bytes) is the same network.
  Bytes spelled =
      Tamper(implicit, [](proto::Envelope* e) { e->set_network(std::string(32, '\0')); });
  CHECK(OpenEnvelope(spelled, kLimit, kTagRequest).ok());
}

TEST_CASE("a relay that rewrites the network field breaks the signature", "[sync]") {
  // A relay rewriting the network field to the receiver's network cannot make it pass: the id is
  // under the signature.
  const NetworkId a = TestNetwork(0xa1), b = TestNetwork(0xb2);
  Bytes sealed = SealEnvelope(TestIdentity(24), kTagRequest, {1, 2}, a);
  Bytes relabelled = Tamper(sealed, [&](proto::Envelope* e) { e->set_network(RawString(b)); });
  auto r = OpenEnvelope(relabelled, kLimit, kTagRequest, b);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kBadSignature);
  CHECK_THAT(r.status().message(), Catch::Contains("signature does not verify"));
}

TEST_CASE("a network id that is neither empty nor 32 bytes is a decode error", "[sync]") {
  Bytes sealed = SealEnvelope(TestIdentity(25), kTagRequest, {1});
  Bytes bad = Tamper(sealed, [](proto::Envelope* e) { e->set_network(std::string(31, 'x')); });
  auto r = OpenEnvelope(bad, kLimit, kTagRequest);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kDecodeError);
  CHECK_THAT(r.status().message(), Catch::Contains("network id is 31 bytes"));
}
