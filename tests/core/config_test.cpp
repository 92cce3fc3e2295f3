#include <catch2/catch.hpp>

#include "core/config.h"

using namespace loconet;

TEST_CASE("config values are read with their types and defaults", "[core]") {
  auto c = Config::Parse("[train]\nsteps = 10\nlr = 0.5\nname = \"x\"\nfast = true\n", "t.toml");
  REQUIRE(c.ok());
  CHECK(c->Int("train.steps", 1, 1, 100) == 10);
  CHECK(c->Real("train.lr", 1.0, 0.0, 1.0) == 0.5);
  CHECK(c->Str("train.name", "y") == "x");
  CHECK(c->Bool("train.fast", false));
  CHECK(c->Int("train.missing", 42, 0, 100) == 42);
  CHECK(c->Finish().ok());
}

TEST_CASE("an out-of-range value names the file, the key and the expectation", "[core]") {
  auto c = Config::Parse("[train]\nsteps = 1000\n", "t.toml");
  REQUIRE(c.ok());
  c->Int("train.steps", 1, 1, 100);
  Status s = c->Finish();
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == Code::kConfigError);
  CHECK(s.message().find("t.toml") != std::string::npos);
  CHECK(s.message().find("train.steps") != std::string::npos);
  CHECK(s.message().find("[1, 100]") != std::string::npos);
  CHECK(s.message().find("1000") != std::string::npos);
}

TEST_CASE("a value of the wrong type is an error", "[core]") {
  auto c = Config::Parse("steps = \"ten\"\n", "t.toml");
  REQUIRE(c.ok());
  c->Int("steps", 1, 1, 100);
  Status s = c->Finish();
  REQUIRE_FALSE(s.ok());
  CHECK(s.message().find("\"ten\"") != std::string::npos);
}

TEST_CASE("a missing required key is an error", "[core]") {
  auto c = Config::Parse("", "t.toml");
  REQUIRE(c.ok());
  c->Str("model", std::nullopt);
  CHECK(c->Finish().message().find("required") != std::string::npos);
}

TEST_CASE("a string outside its allowed set is an error", "[core]") {
  auto c = Config::Parse("codec = \"zip\"\n", "t.toml");
  REQUIRE(c.ok());
  c->Str("codec", "fp32", {"fp32", "int8"});
  CHECK(c->Finish().message().find("one of") != std::string::npos);
}

TEST_CASE("an unknown key is an error", "[core]") {
  auto c = Config::Parse("[train]\nstesp = 10\n", "t.toml");
  REQUIRE(c.ok());
  c->Int("train.steps", 1, 1, 100);
  CHECK(c->Finish().message().find("unknown key 'train.stesp'") != std::string::npos);
}

TEST_CASE("invalid TOML is refused with a line number", "[core]") {
  auto c = Config::Parse("a = = 1\n", "bad.toml");
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().message().find("bad.toml:1:") != std::string::npos);
}

TEST_CASE("a missing config file is a config error naming it", "[core]") {
  auto c = Config::LoadFile("/nonexistent/x.toml");
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().message().find("/nonexistent/x.toml") != std::string::npos);
}
