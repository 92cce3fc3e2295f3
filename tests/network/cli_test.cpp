// `loconet network init|sign|show` as a user runs them, through the binary.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "network/network_file.h"
#include "tests/cli_run.h"
#include "tests/temp_dir.h"

using namespace loconet;
using loconet::testing::TempDir;

namespace {

using loconet::testing::Loconet;
using loconet::testing::Run;

// A key file written by `loconet keygen`; returns its public key.
std::string Keygen(const TempDir& dir, const std::string& name) {
  Run r = Loconet(dir, "keygen --out " + (dir / name));
  REQUIRE(r.rc == 0);
  REQUIRE(r.out.size() == 65);
  return r.out.substr(0, 64);
}

}  // namespace

TEST_CASE("network init, sign by two validators and show through the binary", "[network]") {
  TempDir dir;
  const std::string pub1 = Keygen(dir, "v1.key");
  const std::string pub2 = Keygen(dir, "v2.key");
  const std::string net = dir / "network.toml";

  // A key file for the first validator, a public key for the second.
  Run init = Loconet(dir, "network init --name devnet --validator " + (dir / "v1.key") +
                              ":700 --validator " + pub2 +
                              ":300 --kappa 40000 --epoch-rounds 3 --emission 5000 "
                              "--miner-share 32768 --out " +
                              net);
  INFO(init.err);
  REQUIRE(init.rc == 0);
  CHECK_THAT(init.out, Catch::StartsWith("network "));
  auto read = network::ReadNetworkFile(net);
  REQUIRE(read.ok());
  const std::string id = network::NetworkId(*read).Hex();
  CHECK_THAT(init.out, Catch::Contains(id));
  CHECK(read->name == "devnet");
  CHECK(read->params.kappa == 40000);
  CHECK(read->params.epoch_rounds == 3);
  CHECK(read->params.emission == 5000);
  CHECK(read->params.miner_share == std::optional<uint16_t>(32768));
  CHECK(read->params.bonds_moving_average == 900000);  // defaults
  CHECK(read->params.bonds_penalty == 65535);
  REQUIRE(read->validators.size() == 2);
  CHECK(read->validators[0].key.Hex() == pub1);  // lead order = the order given
  CHECK(read->validators[0].stake == 700);
  CHECK(read->validators[1].key.Hex() == pub2);
  CHECK(read->validators[1].stake == 300);
  CHECK_FALSE(network::LoadNetworkFile(net).ok());

  Run show0 = Loconet(dir, "network show --network " + net);
  REQUIRE(show0.rc == 0);
  CHECK_THAT(show0.out, Catch::Contains("network  " + id));
  CHECK_THAT(show0.out, Catch::Contains("signatures 0 of 2 valid: incomplete"));

  Run sign1 = Loconet(dir, "network sign --network " + net + " --key " + (dir / "v1.key"));
  INFO(sign1.err);
  REQUIRE(sign1.rc == 0);
  CHECK_THAT(sign1.out, Catch::Contains("as validator 0") && Catch::Contains("1 of 2"));
  Run show1 = Loconet(dir, "network show --network " + net);
  CHECK_THAT(show1.out, Catch::Contains(pub1 + "  stake 700 (70.00%)  signature valid  (lead)"));
  CHECK_THAT(show1.out, Catch::Contains(pub2 + "  stake 300 (30.00%)  signature missing"));

  Run sign2 = Loconet(dir, "network sign --network " + net + " --key " + (dir / "v2.key"));
  REQUIRE(sign2.rc == 0);
  CHECK_THAT(sign2.out, Catch::Contains("as validator 1") && Catch::Contains("2 of 2"));

  Run show2 = Loconet(dir, "network show --network " + net);
  REQUIRE(show2.rc == 0);
  CHECK_THAT(show2.out, Catch::Contains("network  " + id));  // signing does not change the id
  CHECK_THAT(show2.out, Catch::Contains("name     devnet"));
  CHECK_THAT(show2.out, Catch::Contains("kappa                 40000"));
  CHECK_THAT(show2.out, Catch::Contains("epoch_rounds          3"));
  CHECK_THAT(show2.out, Catch::Contains("emission              5000 per epoch"));
  CHECK_THAT(show2.out, Catch::Contains("miner_share           32768"));
  CHECK_THAT(show2.out, Catch::Contains("signatures 2 of 2 valid: complete"));
  auto loaded = network::LoadNetworkFile(net);
  REQUIRE(loaded.ok());
  CHECK(network::NetworkId(*loaded).Hex() == id);
}

TEST_CASE("network commands refuse bad input with a message and exit code 1", "[network]") {
  TempDir dir;
  const std::string pub1 = Keygen(dir, "v1.key");
  Keygen(dir, "other.key");
  const std::string net = dir / "network.toml";

  Run dup = Loconet(
      dir, "network init --validator " + pub1 + ":1 --validator " + pub1 + ":2 --out " + net);
  CHECK(dup.rc == 1);
  CHECK_THAT(dup.err, Catch::Contains("listed twice"));
  CHECK_FALSE(std::filesystem::exists(net));

  Run zero = Loconet(dir, "network init --validator " + pub1 + ":0 --out " + net);
  CHECK(zero.rc == 1);
  CHECK_THAT(zero.err, Catch::Contains("zero stake"));

  Run no_stake = Loconet(dir, "network init --validator " + pub1 + " --out " + net);
  CHECK(no_stake.rc == 1);
  CHECK_THAT(no_stake.err, Catch::Contains("KEYFILE_OR_PUBHEX:STAKE"));

  Run missing_key =
      Loconet(dir, "network init --validator " + (dir / "nope.key") + ":5 --out " + net);
  CHECK(missing_key.rc == 1);
  CHECK_THAT(missing_key.err, Catch::Contains("nope.key"));

  REQUIRE(Loconet(dir, "network init --validator " + pub1 + ":5 --out " + net).rc == 0);
  Run again = Loconet(dir, "network init --validator " + pub1 + ":5 --out " + net);
  CHECK(again.rc == 1);
  CHECK_THAT(again.err, Catch::Contains("--force"));

  Run outsider = Loconet(dir, "network sign --network " + net + " --key " + (dir / "other.key"));
  CHECK(outsider.rc == 1);
  CHECK_THAT(outsider.err, Catch::Contains("unknown_key") &&
                               Catch::Contains("is not a validator of this network"));

  std::ofstream(dir / "broken.toml") << "version = 1\nname = \"x\"\nsurprise = true\n";
  Run broken = Loconet(dir, "network show --network " + (dir / "broken.toml"));
  CHECK(broken.rc == 1);
  CHECK_THAT(broken.err, Catch::Contains("unknown field 'surprise'"));
}
