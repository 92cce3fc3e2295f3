#include "network/genesis.h"

#include <catch2/catch.hpp>
#include <functional>
#include <string>
#include <vector>

#include "tests/network/fixture.h"

using namespace loconet;
using namespace loconet::network;
using loconet::testing::NetworkKey;
using loconet::testing::TwoValidators;

TEST_CASE("the network id is the BLAKE2b-256 of the canonical bytes and is stable", "[network]") {
  const Genesis g = TwoValidators();
  CHECK(NetworkId(g) == Blake2b256(CanonicalBytes(g)));
  CHECK(NetworkId(g) == NetworkId(TwoValidators()));
  // Pinned: a change of the canonical encoding must be deliberate (docs/formats.md).
  CHECK(NetworkId(g).Hex() == "f0e7ae536a3667c6402dca90f22aad577ab49f41f4b3d5d27d40b8b8aca569dd");
}

TEST_CASE("the canonical bytes are the documented layout", "[network]") {
  const Genesis g = TwoValidators();
  ByteWriter w;
  w.Blob(std::string_view("loconet/network/v1"));
  w.U32(1);
  w.Blob(std::string_view("testnet"));
  w.U16(32767);
  w.U64(900000);
  w.U16(65535);
  w.U64(10);
  w.U64(1000000000);
  w.U8(0);
  w.U16(0);
  w.U32(2);
  for (const auto& v : g.validators) {
    w.Raw(v.key.bytes.data(), 32);
    w.U64(v.stake);
  }
  CHECK(CanonicalBytes(g) == w.bytes());
}

TEST_CASE("the network id changes with every field", "[network]") {
  const Hash256 base = NetworkId(TwoValidators());
  const std::vector<std::pair<const char*, std::function<void(Genesis*)>>> edits = {
      {"version", [](Genesis* g) { g->version = 2; }},
      {"name", [](Genesis* g) { g->name = "testnet2"; }},
      {"kappa", [](Genesis* g) { g->params.kappa = 32768; }},
      {"bonds_moving_average", [](Genesis* g) { g->params.bonds_moving_average = 900001; }},
      {"bonds_penalty", [](Genesis* g) { g->params.bonds_penalty = 0; }},
      {"epoch_rounds", [](Genesis* g) { g->params.epoch_rounds = 11; }},
      {"emission", [](Genesis* g) { g->params.emission = 999999999; }},
      {"miner_share set to 0", [](Genesis* g) { g->params.miner_share = 0; }},
      {"miner_share", [](Genesis* g) { g->params.miner_share = 40000; }},
      {"a key", [](Genesis* g) { g->validators[1].key = NetworkKey(3).public_key(); }},
      {"a stake", [](Genesis* g) { g->validators[0].stake = 601; }},
      {"the lead order", [](Genesis* g) { std::swap(g->validators[0], g->validators[1]); }},
      {"a validator more",
       [](Genesis* g) {
         g->validators.push_back({NetworkKey(3).public_key(), 1, std::nullopt});
       }},
      {"a validator less", [](Genesis* g) { g->validators.pop_back(); }},
  };
  std::vector<Hash256> seen = {base};
  for (const auto& [what, edit] : edits) {
    Genesis g = TwoValidators();
    edit(&g);
    INFO(what);
    const Hash256 id = NetworkId(g);
    CHECK(id != base);
    for (const Hash256& other : seen) CHECK(id != other);
    seen.push_back(id);
  }
}

TEST_CASE("signatures are not part of the network id", "[network]") {
  Genesis g = TwoValidators();
  const Hash256 before = NetworkId(g);
  REQUIRE(Sign(&g, NetworkKey(1)).ok());
  CHECK(NetworkId(g) == before);
}

TEST_CASE("a valid genesis passes CheckContents", "[network]") {
  CHECK(CheckContents(TwoValidators()).ok());
  Genesis g = TwoValidators();
  g.params.miner_share = 65535;
  g.params.bonds_moving_average = 1000000;
  g.params.kappa = 1;
  CHECK(CheckContents(g).ok());
}

TEST_CASE("CheckContents refuses each kind of bad genesis with its reason", "[network]") {
  struct Case {
    const char* what;
    std::function<void(Genesis*)> edit;
    Code code;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"version", [](Genesis* g) { g->version = 2; }, Code::kInvalidArgument, "version 2"},
      {"empty name", [](Genesis* g) { g->name.clear(); }, Code::kInvalidArgument, "name"},
      {"long name", [](Genesis* g) { g->name = std::string(65, 'a'); }, Code::kInvalidArgument,
       "name"},
      {"name with a space", [](Genesis* g) { g->name = "a b"; }, Code::kInvalidArgument, "name"},
      {"kappa 0", [](Genesis* g) { g->params.kappa = 0; }, Code::kInvalidArgument, "kappa"},
      {"bonds_moving_average", [](Genesis* g) { g->params.bonds_moving_average = 1000001; },
       Code::kInvalidArgument, "bonds_moving_average"},
      {"epoch_rounds 0", [](Genesis* g) { g->params.epoch_rounds = 0; }, Code::kInvalidArgument,
       "epoch_rounds"},
      {"epoch_rounds too many", [](Genesis* g) { g->params.epoch_rounds = 1000001; },
       Code::kInvalidArgument, "epoch_rounds"},
      {"emission 0", [](Genesis* g) { g->params.emission = 0; }, Code::kInvalidArgument,
       "emission"},
      {"emission 2^63", [](Genesis* g) { g->params.emission = uint64_t{1} << 63; },
       Code::kInvalidArgument, "emission"},
      {"no validators", [](Genesis* g) { g->validators.clear(); }, Code::kInvalidArgument,
       "no validators"},
      {"too many validators",
       [](Genesis* g) {
         g->validators.clear();
         for (int i = 0; i < 257; ++i) {
           g->validators.push_back({NetworkKey(static_cast<uint8_t>(i)).public_key(), 1, {}});
           g->validators.back().key.bytes[31] ^= static_cast<uint8_t>(i >> 8);
         }
       },
       Code::kInvalidArgument, "257 validators"},
      {"duplicate validator", [](Genesis* g) { g->validators[1].key = g->validators[0].key; },
       Code::kDuplicate, "listed twice"},
      {"zero stake", [](Genesis* g) { g->validators[1].stake = 0; }, Code::kInvalidArgument,
       "zero stake"},
      {"stake overflow",
       [](Genesis* g) {
         g->validators[0].stake = uint64_t{1} << 62;
         g->validators[1].stake = uint64_t{1} << 62;
       },
       Code::kInvalidArgument, "2^63"},
  };
  for (const Case& c : cases) {
    Genesis g = TwoValidators();
    c.edit(&g);
    INFO(c.what);
    Status s = CheckContents(g);
    REQUIRE_FALSE(s.ok());
    CHECK(s.code() == c.code);
    CHECK_THAT(s.message(), Catch::Contains(c.message));
  }
}

TEST_CASE("a genesis is valid only when every listed validator has signed", "[network]") {
  Genesis g = TwoValidators();
  Status none = CheckSignatures(g);
  CHECK(none.code() == Code::kBadSignature);
  CHECK_THAT(none.message(), Catch::Contains("validator 0") && Catch::Contains("has not signed"));

  REQUIRE(Sign(&g, NetworkKey(1)).ok());
  Status one = CheckSignatures(g);
  CHECK(one.code() == Code::kBadSignature);
  CHECK_THAT(one.message(), Catch::Contains("validator 1") && Catch::Contains("has not signed"));
  CHECK(StateOf(g.validators[0], NetworkId(g)) == SignatureState::kValid);
  CHECK(StateOf(g.validators[1], NetworkId(g)) == SignatureState::kMissing);

  REQUIRE(Sign(&g, NetworkKey(2)).ok());
  CHECK(CheckSignatures(g).ok());
}

TEST_CASE("a signature for another genesis or by another key is invalid", "[network]") {
  Genesis g = TwoValidators();
  REQUIRE(Sign(&g, NetworkKey(1)).ok());
  REQUIRE(Sign(&g, NetworkKey(2)).ok());

  Genesis changed = g;  // signatures carried over to a different network
  changed.params.emission += 1;
  Status s = CheckSignatures(changed);
  CHECK(s.code() == Code::kBadSignature);
  CHECK_THAT(s.message(), Catch::Contains("does not verify"));
  CHECK(StateOf(changed.validators[0], NetworkId(changed)) == SignatureState::kInvalid);

  Genesis swapped = g;  // validator 1's signature on validator 0's entry
  swapped.validators[0].signature = g.validators[1].signature;
  CHECK(CheckSignatures(swapped).code() == Code::kBadSignature);

  // A signature of the bare id (without the domain prefix) does not count.
  Genesis bare = g;
  bare.validators[0].signature =
      NetworkKey(1).Sign(Bytes(NetworkId(g).bytes.begin(), NetworkId(g).bytes.end()));
  CHECK(CheckSignatures(bare).code() == Code::kBadSignature);
}

TEST_CASE("only a listed validator can sign", "[network]") {
  Genesis g = TwoValidators();
  Status s = Sign(&g, NetworkKey(9));
  CHECK(s.code() == Code::kUnknownKey);
  CHECK_THAT(s.message(), Catch::Contains(NetworkKey(9).public_key().Hex()));
}

TEST_CASE("the lead index is the position in the genesis; unlisted keys are observers",
          "[network]") {
  const Genesis g = TwoValidators();
  CHECK(LeadIndex(g, NetworkKey(1).public_key()) == std::optional<size_t>(0));
  CHECK(LeadIndex(g, NetworkKey(2).public_key()) == std::optional<size_t>(1));
  CHECK_FALSE(LeadIndex(g, NetworkKey(3).public_key()).has_value());
}

TEST_CASE("signing bytes are the domain prefix then the id", "[network]") {
  const Hash256 id = NetworkId(TwoValidators());
  ByteWriter w;
  w.Blob(std::string_view("loconet/network/sign/v1"));
  w.Raw(id.bytes.data(), 32);
  CHECK(SigningBytes(id) == w.bytes());
}
