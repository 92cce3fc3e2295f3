#include <catch2/catch.hpp>

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
