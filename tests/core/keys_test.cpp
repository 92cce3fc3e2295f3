#include "core/keys.h"

#include <sodium.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "core/files.h"
#include "tests/temp_dir.h"

using namespace loconet;
using loconet::testing::TempDir;

TEST_CASE("a saved key loads back with the same public key and mode 0600", "[core]") {
  TempDir dir;
  Identity id = Identity::Generate();
  REQUIRE(id.Save(dir / "k.key").ok());
  struct stat st;
  REQUIRE(::stat((dir / "k.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto loaded = Identity::Load(dir / "k.key");
  REQUIRE(loaded.ok());
  CHECK(loaded->public_key() == id.public_key());
}

TEST_CASE("saving refuses to overwrite an existing key file", "[core]") {
  TempDir dir;
  REQUIRE(Identity::Generate().Save(dir / "k.key").ok());
  Status s = Identity::Generate().Save(dir / "k.key");
  CHECK(s.code() == Code::kAlreadyExists);
}

TEST_CASE("a signature verifies for the signed bytes only", "[core]") {
  Identity id = Identity::Generate();
  Bytes msg = {1, 2, 3, 4};
  Signature sig = id.Sign(msg);
  CHECK(Verify(id.public_key(), msg, sig));
  Bytes other = {1, 2, 3, 5};
  CHECK_FALSE(Verify(id.public_key(), other, sig));
  sig[0] ^= 1;
  CHECK_FALSE(Verify(id.public_key(), msg, sig));
  CHECK_FALSE(Verify(Identity::Generate().public_key(), msg, id.Sign(msg)));
}

TEST_CASE("keys derived from the same seed are identical", "[core]") {
  std::array<uint8_t, 32> seed{};
  seed[0] = 7;
  CHECK(Identity::FromSeed(seed).public_key() == Identity::FromSeed(seed).public_key());
}

static void WriteRaw(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream(path) << text;
  ::chmod(path.c_str(), mode);
}

TEST_CASE("a key file readable by others is refused, naming the file", "[core]") {
  TempDir dir;
  REQUIRE(Identity::Generate().Save(dir / "k.key").ok());
  ::chmod((dir / "k.key").c_str(), 0644);
  auto r = Identity::Load(dir / "k.key");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kPermissionDenied);
  CHECK(r.status().message().find(dir / "k.key") != std::string::npos);
  CHECK(r.status().message().find("0644") != std::string::npos);
}

TEST_CASE("a key file of the wrong length is refused", "[core]") {
  TempDir dir;
  WriteRaw(dir / "short.key", "abcd\n", 0600);
  auto r = Identity::Load(dir / "short.key");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kCorrupt);
  CHECK(r.status().message().find("wrong length") != std::string::npos);
  CHECK(r.status().message().find("short.key") != std::string::npos);
}

TEST_CASE("a key file holding garbage is refused", "[core]") {
  TempDir dir;
  WriteRaw(dir / "junk.key", std::string(64, 'z'), 0600);
  auto r = Identity::Load(dir / "junk.key");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kCorrupt);
  CHECK(r.status().message().find("not a key") != std::string::npos);
}

TEST_CASE("a public key parses from its hex and bad hex is refused with the reason", "[core]") {
  PublicKey k = Identity::Generate().public_key();
  auto back = ParsePublicKey(k.Hex());
  REQUIRE(back.ok());
  CHECK(*back == k);
  auto wrong_length = ParsePublicKey(k.Hex().substr(2));
  REQUIRE_FALSE(wrong_length.ok());
  CHECK(wrong_length.status().code() == Code::kParseError);
  CHECK(wrong_length.status().message() == "public key: expected 64 hex characters, found 62");
  std::string bad = k.Hex();
  bad[63] = 'q';
  CHECK(ParsePublicKey(bad).status().message() == "public key: character 63 is not a hex digit");
}

TEST_CASE("a missing key file is reported as not found", "[core]") {
  TempDir dir;
  auto r = Identity::Load(dir / "nope.key");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kNotFound);
}

TEST_CASE("an identity's X25519 key pair matches its ed25519 public key", "[core]") {
  Identity id = Identity::Generate();
  auto pub = ToCurvePublicKey(id.public_key());
  REQUIRE(pub.ok());
  CurveKey derived;
  const CurveKey secret = id.CurveSecretKey();
  REQUIRE(crypto_scalarmult_base(derived.data(), secret.data()) == 0);
  CHECK(derived == *pub);
  CHECK(*ToCurvePublicKey(Identity::Generate().public_key()) != *pub);
}

TEST_CASE("a public key that is not a valid ed25519 point has no X25519 key", "[core]") {
  PublicKey identity_point;  // y = 1: the neutral element, of small order
  identity_point.bytes[0] = 1;
  CHECK(ToCurvePublicKey(identity_point).status().code() == Code::kInvalidArgument);
}
