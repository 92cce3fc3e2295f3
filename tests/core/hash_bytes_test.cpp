#include <catch2/catch.hpp>
#include <cctype>
#include <string>

#include "core/bytes.h"
#include "core/hash.h"

using namespace loconet;

TEST_CASE("BLAKE2b-256 of the empty string matches the reference value", "[core]") {
  CHECK(Blake2b256(std::string_view("")).Hex() ==
        "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
}

TEST_CASE("incremental hashing equals one-shot hashing", "[core]") {
  Hasher h;
  h.Update("hello ", 6);
  h.Update("world", 5);
  CHECK(h.Final() == Blake2b256(std::string_view("hello world")));
}

TEST_CASE("bytes written little-endian read back exactly", "[core]") {
  ByteWriter w;
  w.U8(1);
  w.U16(0x0203);
  w.U32(0x04050607);
  w.U64(0x08090a0b0c0d0e0fULL);
  w.F32(1.5f);
  w.Blob("abc");
  Bytes b = w.Take();
  CHECK(b[1] == 0x03);
  ByteReader r(b);
  uint8_t a;
  uint16_t c;
  uint32_t d;
  uint64_t e;
  float f;
  std::string s;
  REQUIRE(r.U8(&a));
  REQUIRE(r.U16(&c));
  REQUIRE(r.U32(&d));
  REQUIRE(r.U64(&e));
  REQUIRE(r.F32(&f));
  REQUIRE(r.Blob(&s, 16));
  CHECK(a == 1);
  CHECK(c == 0x0203);
  CHECK(d == 0x04050607);
  CHECK(e == 0x08090a0b0c0d0e0fULL);
  CHECK(f == 1.5f);
  CHECK(s == "abc");
  CHECK(r.Finish("test").ok());
}

TEST_CASE("a reader refuses to read past the end and reports trailing bytes", "[core]") {
  Bytes b = {1, 2, 3};
  ByteReader r(b);
  uint32_t v;
  CHECK_FALSE(r.U32(&v));
  CHECK(r.Finish("x").code() == Code::kDecodeError);
  ByteReader r2(b);
  uint8_t u;
  REQUIRE(r2.U8(&u));
  CHECK(r2.Finish("x").message().find("2 trailing bytes") != std::string::npos);
}

TEST_CASE("a blob longer than its limit is refused", "[core]") {
  ByteWriter w;
  w.Blob("abcdef");
  Bytes b = w.Take();
  ByteReader r(b);
  std::string s;
  CHECK_FALSE(r.Blob(&s, 3));
}

TEST_CASE("hex parsing rejects bad digits and wrong lengths", "[core]") {
  uint8_t out[2];
  CHECK(FromHex("0aFf", out, 2).ok());
  CHECK(out[1] == 0xff);
  CHECK_FALSE(FromHex("0aF", out, 2).ok());
  CHECK_FALSE(FromHex("0aFg", out, 2).ok());
}

TEST_CASE("hex encoding is lower case and round-trips every byte value", "[core]") {
  Bytes all(256);
  for (int i = 0; i < 256; ++i) all[i] = static_cast<uint8_t>(i);
  std::string hex = ToHex(all);
  REQUIRE(hex.size() == 512);
  CHECK(hex.substr(0, 8) == "00010203");
  CHECK(hex.substr(504) == "fcfdfeff");
  Bytes back(256);
  REQUIRE(FromHex(hex, back.data(), back.size()).ok());
  CHECK(back == all);
  CHECK(ToHex(nullptr, 0).empty());
  CHECK(FromHex("", nullptr, 0).ok());
}

TEST_CASE("hex parsing names the length or the offending character", "[core]") {
  uint8_t out[4];
  Status odd = FromHex("0aFf1", out, 4);
  CHECK(odd.code() == Code::kParseError);
  CHECK(odd.message() == "expected 8 hex characters, found 5 (an odd count)");
  Status short_ = FromHex("0aFf", out, 4);
  CHECK(short_.message() == "expected 8 hex characters, found 4");
  CHECK(FromHex("0aFf0aFf00", out, 4).message() == "expected 8 hex characters, found 10");
  // A bad character at the start and at the end of a byte, a sign, a space, a NUL, "0x".
  CHECK(FromHex("0aFfg011", out, 4).message() == "character 4 is not a hex digit");
  CHECK(FromHex("0aFf0g11", out, 4).message() == "character 5 is not a hex digit");
  CHECK(FromHex("-aFf0011", out, 4).message() == "character 0 is not a hex digit");
  CHECK(FromHex("0aFf001 ", out, 4).message() == "character 7 is not a hex digit");
  CHECK(FromHex(std::string_view("0a\0f0011", 8), out, 4).message() ==
        "character 2 is not a hex digit");
  CHECK(FromHex("0x0aFf00", out, 4).message() == "character 1 is not a hex digit");
}

TEST_CASE("a hash or key from hex is refused with what it was", "[core]") {
  auto h = ParseHash256(std::string(63, 'a'));
  REQUIRE_FALSE(h.ok());
  CHECK(h.status().code() == Code::kParseError);
  CHECK(h.status().message() == "hash: expected 64 hex characters, found 63 (an odd count)");
  std::string good = Blake2b256(std::string_view("x")).Hex();
  auto back = ParseHash256(good);
  REQUIRE(back.ok());
  CHECK(back->Hex() == good);
  std::string upper = good;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(ParseHash256(upper).ok());
  good[10] = 'z';
  CHECK(ParseHash256(good).status().message() == "hash: character 10 is not a hex digit");
}
