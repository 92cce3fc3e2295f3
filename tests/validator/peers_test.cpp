// What a validator accepts from the other validators of its network (validator/peers.h): only
// envelopes of its network signed by the key its peer table names, only records of that peer's
// own chain that verify; everything else is dropped and counted. And who leads.
#include "validator/peers.h"

#include <catch2/catch.hpp>

#include "ledger/bodies.h"
#include "ledger/record.h"
#include "network/genesis.h"
#include "sync/envelope.h"
#include "sync/transport.h"
#include "tests/temp_dir.h"

using namespace loconet;
using loconet::testing::TempDir;

namespace {

Bytes ToBytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

struct TwoValidators {
  Identity self = Identity::Generate(), peer = Identity::Generate(),
           outsider = Identity::Generate();
  network::Genesis genesis;
  Hash256 id;
  std::unique_ptr<sync::RouterServer> server;  // the peer's sockets
  std::unique_ptr<ledger::LedgerStore> store;
  std::unique_ptr<Peers> peers;

  explicit TwoValidators(const TempDir& dir) {
    genesis.name = "test";
    genesis.validators = {{peer.public_key(), 10, {}}, {self.public_key(), 10, {}}};
    id = network::NetworkId(genesis);
    auto s = sync::RouterServer::Bind("tcp://127.0.0.1:0", "tcp://127.0.0.1:0", 1 << 20);
    REQUIRE(s.ok());
    server = std::move(s).value();
    auto st = ledger::LedgerStore::Open(dir / "ledger");
    REQUIRE(st.ok());
    store = std::move(st).value();
    sync::NodeAddress a{"peer", peer.public_key(), server->router_endpoint(),
                        server->pub_endpoint()};
    auto p = Peers::Connect({a}, genesis, &self, size_t{1}, id, /*curve=*/false, store.get());
    REQUIRE(p.ok());
    peers = std::move(p).value();
  }

  // Publishes until the subscription is up and `done` holds (PUB drops messages before).
  template <typename Done>
  bool PublishUntil(const std::string& topic, const Bytes& payload, Done done) {
    for (int i = 0; i < 200; ++i) {
      REQUIRE(server->Publish(topic, payload).ok());
      peers->Poll(20);
      if (done()) return true;
    }
    return false;
  }

  Bytes Announce(const Identity& signer, uint64_t round, const Hash256& network) {
    proto::RoundAnnouncement a;
    a.set_round(round);
    return sync::SealEnvelope(signer, sync::kTagAnnounce, ToBytes(a.SerializeAsString()), network);
  }
};

Bytes Records(const Identity& signer, const std::vector<ledger::Record>& records,
              const Hash256& network) {
  proto::LedgerRecords out;
  for (const auto& r : records) {
    Bytes b = r.Serialize();
    out.add_records(std::string(b.begin(), b.end()));
  }
  return sync::SealEnvelope(signer, sync::kTagLedger, ToBytes(out.SerializeAsString()), network);
}

ledger::Record RecordOf(const Identity& author, uint64_t height, const Hash256& prev) {
  ledger::RegistrationBody reg;
  reg.miner.bytes.fill(static_cast<uint8_t>(height + 1));
  return ledger::SignRecord(author, height, prev, 0, ledger::RecordKind::kRegistration,
                            reg.Encode(), 1700000000000);
}

}  // namespace

TEST_CASE("a validator takes announcements only from its peer's key on its network",
          "[validator][net]") {
  TempDir dir;
  TwoValidators net(dir);
  CHECK(net.peers->Lead() == 0);
  CHECK_FALSE(net.peers->SelfLeads());
  // Signed by a key that is not the peer's, for another network, or not an envelope at all.
  REQUIRE(net.PublishUntil(sync::kTopicAnnounce, net.Announce(net.outsider, 5, net.id),
                           [&] { return net.peers->dropped() > 0; }));
  const uint64_t before = net.peers->dropped();
  REQUIRE(net.PublishUntil(sync::kTopicAnnounce,
                           net.Announce(net.peer, 5, Blake2b256(std::string("other"))),
                           [&] { return net.peers->dropped() > before; }));
  REQUIRE(net.PublishUntil(sync::kTopicModel, ToBytes("not an envelope"),
                           [&] { return net.peers->dropped() > before + 1; }));
  CHECK_FALSE(net.peers->Announcement(0, 0).has_value());
  // The peer's own announcement of its network is kept.
  REQUIRE(net.PublishUntil(sync::kTopicAnnounce, net.Announce(net.peer, 5, net.id),
                           [&] { return net.peers->Announcement(0, 5).has_value(); }));
  CHECK(net.peers->Announcement(0, 5)->round() == 5);
  CHECK_FALSE(net.peers->Announcement(0, 6).has_value());
  // Counted as down, the peer no longer leads: this validator does.
  net.peers->MarkDown(0);
  CHECK(net.peers->SelfLeads());
}

TEST_CASE("a validator stores a peer's broadcast records only when they verify and are its own",
          "[validator][net]") {
  TempDir dir;
  TwoValidators net(dir);
  const ledger::Record r0 = RecordOf(net.peer, 0, Hash256{});
  // Records of another author inside the peer's envelope: dropped, nothing stored.
  REQUIRE(net.PublishUntil(sync::kTopicLedger,
                           Records(net.peer, {RecordOf(net.outsider, 0, Hash256{})}, net.id),
                           [&] { return net.peers->dropped() > 0; }));
  CHECK(net.store->Authors().empty());
  // A forged record (signature over other bytes): refused by the store, nothing stored.
  ledger::Record forged = r0;
  forged.timestamp_ms += 1;  // the signature no longer covers the record
  const uint64_t seen = net.peers->dropped();
  for (int i = 0; i < 5; ++i) {
    REQUIRE(net.server->Publish(sync::kTopicLedger, Records(net.peer, {forged}, net.id)).ok());
    net.peers->Poll(50);
  }
  CHECK(net.peers->dropped() == seen);  // well-formed, so not dropped at the envelope...
  CHECK(net.store->Authors().empty());  // ... but never stored
  // The peer's genuine chain: stored, verified.
  const ledger::Record r1 = RecordOf(net.peer, 1, r0.Hash());
  REQUIRE(net.PublishUntil(sync::kTopicLedger, Records(net.peer, {r0, r1}, net.id), [&] {
    auto head = net.store->HeadOf(net.peer.public_key());
    return head.ok() && head->has_value() && (*head)->height == 1;
  }));
}
