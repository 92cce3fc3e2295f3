#include "network/network_file.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "tests/network/fixture.h"
#include "tests/temp_dir.h"

using namespace loconet;
using namespace loconet::network;
using loconet::testing::NetworkKey;
using loconet::testing::TempDir;
using loconet::testing::TwoValidators;

namespace {

Genesis Signed() {
  Genesis g = TwoValidators();
  REQUIRE(Sign(&g, NetworkKey(1)).ok());
  REQUIRE(Sign(&g, NetworkKey(2)).ok());
  return g;
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

std::string WriteText(const TempDir& dir, const std::string& text) {
  const std::string path = dir / "network.toml";
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("a network file parses back to the same genesis, signatures included", "[network]") {
  for (bool with_share : {false, true}) {
    Genesis g = TwoValidators();
    if (with_share) g.params.miner_share = 45000;
    REQUIRE(Sign(&g, NetworkKey(2)).ok());
    auto back = ParseNetworkFile(FormatNetworkFile(g), "test");
    REQUIRE(back.ok());
    CHECK(CanonicalBytes(*back) == CanonicalBytes(g));
    CHECK(back->params.miner_share == g.params.miner_share);
    CHECK_FALSE(back->validators[0].signature.has_value());
    CHECK(back->validators[1].signature == g.validators[1].signature);
  }
}

TEST_CASE("the file names its id, and layout and comments do not change it", "[network]") {
  const Genesis g = Signed();
  const std::string text = FormatNetworkFile(g);
  CHECK_THAT(text, Catch::Contains("# network id " + NetworkId(g).Hex()));
  std::string reordered = "# my notes\n" + Replace(text, "version = 1\n", "");
  reordered = Replace(reordered, "[consensus]\n", "version = 1   # first\n\n[consensus]\n");
  auto back = ParseNetworkFile(reordered, "test");
  REQUIRE(back.ok());
  CHECK(NetworkId(*back) == NetworkId(g));
}

TEST_CASE("LoadNetworkFile accepts a fully signed file and refuses a missing signature",
          "[network]") {
  TempDir dir;
  const std::string path = dir / "network.toml";
  Genesis g = TwoValidators();
  REQUIRE(WriteNetworkFile(path, g).ok());
  CHECK(ReadNetworkFile(path).ok());  // unsigned files can be read (for sign and show)
  auto unsigned_load = LoadNetworkFile(path);
  REQUIRE_FALSE(unsigned_load.ok());
  CHECK(unsigned_load.status().code() == Code::kBadSignature);
  CHECK_THAT(unsigned_load.status().message(),
             Catch::Contains(path) && Catch::Contains("has not signed"));

  REQUIRE(Sign(&g, NetworkKey(1)).ok());
  REQUIRE(WriteNetworkFile(path, g).ok());
  auto half = LoadNetworkFile(path);
  REQUIRE_FALSE(half.ok());
  CHECK_THAT(half.status().message(), Catch::Contains("validator 1"));

  REQUIRE(Sign(&g, NetworkKey(2)).ok());
  REQUIRE(WriteNetworkFile(path, g).ok());
  auto full = LoadNetworkFile(path);
  REQUIRE(full.ok());
  CHECK(NetworkId(*full) == NetworkId(g));
}

TEST_CASE("LoadNetworkFile refuses a signature made for another network", "[network]") {
  TempDir dir;
  const std::string text = FormatNetworkFile(Signed());
  // Same signatures, one parameter changed: the id changes, the signatures do not follow.
  const std::string path = WriteText(dir, Replace(text, "epoch_rounds = 10", "epoch_rounds = 11"));
  REQUIRE(ReadNetworkFile(path).ok());
  auto r = LoadNetworkFile(path);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kBadSignature);
  CHECK_THAT(r.status().message(), Catch::Contains("does not verify"));
}

TEST_CASE("a missing network file is an error naming it", "[network]") {
  TempDir dir;
  auto r = LoadNetworkFile(dir / "absent.toml");
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.status().message(), Catch::Contains("absent.toml"));
}

TEST_CASE("ParseNetworkFile refuses each kind of bad input with a clear reason", "[network]") {
  const std::string good = FormatNetworkFile(Signed());
  const std::string key0 = NetworkKey(1).public_key().Hex();
  const std::string key1 = NetworkKey(2).public_key().Hex();
  struct Case {
    const char* what;
    std::string text;
    Code code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"invalid TOML", good + "\n[[validator\n", Code::kParseError, "invalid TOML"},
      {"unknown top-level field", "extra = 1\n" + good, Code::kParseError,
       "unknown field 'extra'"},
      {"unknown consensus field", Replace(good, "[consensus]\n", "[consensus]\nkapa = 3\n"),
       Code::kParseError, "unknown field 'consensus.kapa'"},
      {"unknown validator field", Replace(good, "stake = 400\n", "stake = 400\nweight = 1\n"),
       Code::kParseError, "unknown field 'validator[1].weight'"},
      {"missing name", Replace(good, "name = \"testnet\"\n", ""), Code::kParseError,
       "field 'name' is missing"},
      {"missing version", Replace(good, "version = 1\n", ""), Code::kParseError,
       "field 'version' is missing"},
      {"version 2", Replace(good, "version = 1\n", "version = 2\n"), Code::kInvalidArgument,
       "version 2 is not supported"},
      {"missing consensus table", Replace(good, "[consensus]\n", "[other]\n"), Code::kParseError,
       "unknown field 'other'"},
      {"missing kappa", Replace(good, "kappa = 32767\n", ""), Code::kParseError,
       "field 'consensus.kappa' is missing"},
      {"kappa as a string", Replace(good, "kappa = 32767", "kappa = \"32767\""), Code::kParseError,
       "field 'consensus.kappa' must be an integer"},
      {"kappa as a float", Replace(good, "kappa = 32767", "kappa = 0.5"), Code::kParseError,
       "must be an integer"},
      {"kappa above u16", Replace(good, "kappa = 32767", "kappa = 65536"), Code::kInvalidArgument,
       "field 'consensus.kappa' is 65536"},
      {"kappa 0", Replace(good, "kappa = 32767", "kappa = 0"), Code::kInvalidArgument,
       "parameter kappa is 0"},
      {"negative stake", Replace(good, "stake = 400", "stake = -1"), Code::kInvalidArgument,
       "field 'validator[1].stake' is -1"},
      {"bonds_moving_average above 1e6",
       Replace(good, "bonds_moving_average = 900000", "bonds_moving_average = 1000001"),
       Code::kInvalidArgument, "parameter bonds_moving_average is 1000001"},
      {"bonds_penalty above u16", Replace(good, "bonds_penalty = 65535", "bonds_penalty = 65536"),
       Code::kInvalidArgument, "consensus.bonds_penalty"},
      {"epoch_rounds 0", Replace(good, "epoch_rounds = 10", "epoch_rounds = 0"),
       Code::kInvalidArgument, "parameter epoch_rounds is 0"},
      {"emission 0", Replace(good, "emission = 1000000000", "emission = 0"), Code::kInvalidArgument,
       "parameter emission is 0"},
      {"miner_share above u16",
       Replace(good, "emission = 1000000000\n", "emission = 1000000000\nminer_share = 70000\n"),
       Code::kInvalidArgument, "consensus.miner_share"},
      {"zero stake", Replace(good, "stake = 400", "stake = 0"), Code::kInvalidArgument,
       "zero stake"},
      {"duplicate validator", Replace(good, key1, key0), Code::kDuplicate, "listed twice"},
      {"bad key hex", Replace(good, key1, key1.substr(0, 62)), Code::kParseError,
       "validator[1].key"},
      {"bad signature hex", Replace(good, "signature = \"", "signature = \"zz"), Code::kParseError,
       "validator[0].signature"},
      {"validator not an array of tables",
       Replace(good.substr(0, good.find("[[validator]]")), "version = 1\n",
               "version = 1\nvalidator = 3\n"),
       Code::kParseError, "array of tables"},
      {"no validators", good.substr(0, good.find("[[validator]]")), Code::kParseError,
       "no [[validator]] entries"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    auto r = ParseNetworkFile(c.text, "net.toml");
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == c.code);
    CHECK_THAT(r.status().message(), Catch::Contains("net.toml") && Catch::Contains(c.message));
  }
}
