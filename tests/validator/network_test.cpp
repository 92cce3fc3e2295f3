// A validator given a network file: its role (lead index or observer), and requests and replies
// signed for the network's id, those of another network refused.
#include <catch2/catch.hpp>

#include "miner/miner.h"
#include "network/network_file.h"
#include "replica/replica.h"
#include "tests/validator/fixture.h"

using namespace loconet;
using namespace loconet::testing;

namespace {

// A network file in `dir` listing Key(31) then Key(32), signed by both.
std::string WriteNetwork(const TempDir& dir, bool sign_all = true) {
  network::Genesis g;
  g.name = "validator-test";
  g.params.epoch_rounds = 7;
  g.params.emission = 4242;
  g.validators.push_back({Key(31).public_key(), 10, std::nullopt});
  g.validators.push_back({Key(32).public_key(), 20, std::nullopt});
  REQUIRE(network::Sign(&g, Key(31)).ok());
  if (sign_all) REQUIRE(network::Sign(&g, Key(32)).ok());
  const std::string path = dir / "network.toml";
  REQUIRE(network::WriteNetworkFile(path, g).ok());
  return path;
}

Hash256 IdOf(const std::string& path) {
  auto g = network::ReadNetworkFile(path);
  REQUIRE(g.ok());
  return network::NetworkId(*g);
}

// A miner of the validator `v`, on the network file `network` (empty: the default network).
MinerConfig MinerOf(const TempDir& dir, const RunningValidator& v, const std::string& network) {
  MinerConfig m;
  m.key_file = dir / "miner.key";
  if (!std::filesystem::exists(m.key_file)) REQUIRE(Identity::Generate().Save(m.key_file).ok());
  m.validator_router = v.node->router_endpoint();
  m.validator_pub = v.node->pub_endpoint();
  m.validator_key = v.id.public_key();
  m.data_dir = dir.path();
  m.model = v.cfg.model;
  m.request_timeout_ms = 5000;
  m.rounds = 1;
  m.network_file = network;
  return m;
}

// Sends `raw` and opens the reply under `network`.
Result<sync::OpenedEnvelope> Exchange(Client& c, const Bytes& raw, const sync::NetworkId& network) {
  auto r = c.dealer->Request(raw, 20000, 1);
  REQUIRE(r.ok());
  return sync::OpenEnvelope(r->data(), r->size(), 1u << 30, sync::kTagReply, network);
}

}  // namespace

TEST_CASE("a validator listed in the network file knows its lead index and the network id",
          "[validator]") {
  TempDir dir;
  const std::string net = WriteNetwork(dir);
  RunningValidator v(
      dir, [&](ValidatorConfig* c) { c->network_file = net; }, 32);
  const auto& role = v.node->network_role();
  CHECK(role.network_id == IdOf(net));
  CHECK(role.lead_index == std::optional<size_t>(1));
  CHECK_FALSE(role.observer());
}

TEST_CASE("a validator whose key the network file does not list is an observer", "[validator]") {
  TempDir dir;
  const std::string net = WriteNetwork(dir);
  RunningValidator v(
      dir, [&](ValidatorConfig* c) { c->network_file = net; }, 33);
  CHECK(v.node->network_role().observer());
  CHECK(v.node->network_role().network_id == IdOf(net));
}

TEST_CASE("without a network file a validator is on the default network, alone", "[validator]") {
  TempDir dir;
  RunningValidator v(dir);
  CHECK(v.node->network_role().network_id == sync::kDefaultNetworkId);
  CHECK(v.node->network_role().lead_index == std::optional<size_t>(0));
}

TEST_CASE("a validator refuses a network file without every signature", "[validator]") {
  TempDir dir;
  REQUIRE(WriteSyntheticCorpus(dir.path()));
  ValidatorConfig cfg = NanoValidator(dir);
  cfg.network_file = WriteNetwork(dir, /*sign_all=*/false);
  REQUIRE(Key(31).Save(cfg.key_file).ok());
  auto created = ValidatorNode::Create(cfg);
  REQUIRE_FALSE(created.ok());
  CHECK(created.status().code() == Code::kBadSignature);
  CHECK_THAT(created.status().message(), Catch::Contains("has not signed"));
}

TEST_CASE("a validator answers its network's requests and refuses another network's",
          "[validator]") {
  TempDir dir;
  const std::string net = WriteNetwork(dir);
  const Hash256 id = IdOf(net);
  RunningValidator v(
      dir, [&](ValidatorConfig* c) { c->network_file = net; }, 31);
  Client c = v.Connect();
  const Identity miner = Key(40);
  proto::Request get;
  get.mutable_get_terms();

  // Signed for the validator's network: answered, and the reply is signed for it too.
  proto::Request mine = get;
  auto sealed = sync::SealRequest(miner, v.id.public_key(), &mine, id);
  REQUIRE(sealed.ok());
  auto reply = Exchange(c, *sealed, id);
  INFO(reply.status().ToString());
  REQUIRE(reply.ok());
  proto::Reply r;
  REQUIRE(r.ParseFromArray(reply->body.data(), static_cast<int>(reply->body.size())));
  CHECK(r.accepted());

  // The reply is not valid on the default network.
  auto again = sync::SealRequest(miner, v.id.public_key(), &mine, id);
  REQUIRE(again.ok());
  auto as_default = Exchange(c, *again, sync::kDefaultNetworkId);
  REQUIRE_FALSE(as_default.ok());
  CHECK(as_default.status().code() == Code::kBadSignature);

  // Signed for the default network: refused with the reason.
  proto::Request theirs = get;
  auto other = sync::SealRequest(miner, v.id.public_key(), &theirs);
  REQUIRE(other.ok());
  auto refused = Exchange(c, *other, id);
  REQUIRE(refused.ok());
  proto::Reply rr;
  REQUIRE(rr.ParseFromArray(refused->body.data(), static_cast<int>(refused->body.size())));
  CHECK_FALSE(rr.accepted());
  CHECK(rr.reason() == static_cast<uint32_t>(Code::kBadSignature));
  CHECK_THAT(rr.message(),
             Catch::Contains("signed for network default") &&
                 Catch::Contains("this node is on network " + id.Hex().substr(0, 16)));
}

TEST_CASE("a miner on the validator's network trains a round with it", "[validator][net]") {
  TempDir dir;
  const std::string net = WriteNetwork(dir);
  RunningValidator v(
      dir, [&](ValidatorConfig* c) { c->network_file = net; }, 31);
  std::atomic<bool> stop{false};
  Status s = RunMiner(MinerOf(dir, v, net), stop);
  INFO(s.ToString());
  CHECK(s.ok());
  CHECK(v.Join().ok());  // the validator's one round closed
}

TEST_CASE("a miner without the validator's network file is refused, with the reason",
          "[validator][net]") {
  TempDir dir;
  const std::string net = WriteNetwork(dir);
  RunningValidator v(
      dir, [&](ValidatorConfig* c) { c->network_file = net; }, 31);
  std::atomic<bool> stop{false};
  Status s = RunMiner(MinerOf(dir, v, ""), stop);
  CHECK(s.code() == Code::kBadSignature);
  CHECK_THAT(s.message(), Catch::Contains("signed for network " + IdOf(net).Hex().substr(0, 16)) &&
                              Catch::Contains("this node is on network default"));
}

TEST_CASE("a ledger copy of a validator on a network needs the network's id", "[validator][net]") {
  TempDir dir;
  const std::string net = WriteNetwork(dir);
  const Hash256 id = IdOf(net);
  RunningValidator v(
      dir, [&](ValidatorConfig* c) { c->network_file = net; }, 31);
  Client c = v.Connect();
  proto::Request reg;
  reg.mutable_register_()->set_name("m");
  auto sealed = sync::SealRequest(Key(41), v.id.public_key(), &reg, id);
  REQUIRE(sealed.ok());
  REQUIRE(Exchange(c, *sealed, id).ok());  // a registration record to copy

  auto copy = ledger::LedgerStore::Open(dir / "copy");
  REQUIRE(copy.ok());
  const Identity reader = Identity::Generate();
  replica::SyncOptions on_default;
  auto refused = replica::SyncFrom(*c.dealer, reader, v.id.public_key(), v.id.public_key(),
                                   copy->get(), on_default);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == Code::kBadSignature);

  replica::SyncOptions on_network;
  on_network.network = id;
  auto copied = replica::SyncFrom(*c.dealer, reader, v.id.public_key(), v.id.public_key(),
                                  copy->get(), on_network);
  INFO(copied.status().ToString());
  REQUIRE(copied.ok());
  CHECK(copied->appended >= 1);
}
