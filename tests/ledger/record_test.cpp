#include "ledger/record.h"

#include <catch2/catch.hpp>

#include "tests/ledger/fixture.h"

using namespace loconet;
using namespace loconet::ledger;
using loconet::ledger::testing::Validator;

static Record Sample() {
  Hash256 prev = Blake2b256(std::string("previous"));
  return SignRecord(Validator(1), 5, prev, 42, RecordKind::kReveal, Bytes{1, 2, 3, 4, 5},
                    1700000000123);
}

TEST_CASE("a signed record verifies and survives serialize and parse", "[ledger]") {
  Record rec = Sample();
  CHECK(rec.VerifySignature());
  Bytes wire = rec.Serialize();
  CHECK(wire.size() == rec.CanonicalBytes().size() + 64);
  auto back = Record::Parse(wire);
  REQUIRE(back.ok());
  CHECK(back->author == rec.author);
  CHECK(back->height == 5);
  CHECK(back->prev == rec.prev);
  CHECK(back->round == 42);
  CHECK(back->kind == RecordKind::kReveal);
  CHECK(back->body == rec.body);
  CHECK(back->timestamp_ms == 1700000000123);
  CHECK(back->signature == rec.signature);
  CHECK(back->Hash() == rec.Hash());
  CHECK(back->VerifySignature());
}

TEST_CASE("canonical bytes have the documented layout", "[ledger]") {
  Record rec = Sample();
  Bytes c = rec.CanonicalBytes();
  REQUIRE(c.size() == 1 + 32 + 8 + 32 + 8 + 1 + 8 + 4 + 5);
  CHECK(c[0] == kRecordVersion);
  CHECK(std::equal(rec.author.bytes.begin(), rec.author.bytes.end(), c.begin() + 1));
  CHECK(c[33] == 5);   // height, little-endian
  CHECK(c[73] == 42);  // round
  CHECK(c[81] == static_cast<uint8_t>(RecordKind::kReveal));
  CHECK(c[90] == 5);  // body length
  CHECK(rec.Hash() == Blake2b256(c));
}

TEST_CASE("changing any signed field breaks the signature", "[ledger]") {
  Record rec = Sample();
  Record r = rec;
  r.height += 1;
  CHECK_FALSE(r.VerifySignature());
  r = rec;
  r.round += 1;
  CHECK_FALSE(r.VerifySignature());
  r = rec;
  r.body[0] ^= 1;
  CHECK_FALSE(r.VerifySignature());
  r = rec;
  r.timestamp_ms += 1;
  CHECK_FALSE(r.VerifySignature());
  r = rec;
  r.prev.bytes[0] ^= 1;
  CHECK_FALSE(r.VerifySignature());
  r = rec;
  r.kind = RecordKind::kRound;
  CHECK_FALSE(r.VerifySignature());
  r = rec;
  r.author = Validator(2).public_key();
  CHECK_FALSE(r.VerifySignature());
}

TEST_CASE("parse rejects every truncation of a record", "[ledger]") {
  Bytes wire = Sample().Serialize();
  for (size_t n = 0; n < wire.size(); ++n) {
    auto r = Record::Parse(wire.data(), n);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kDecodeError);
  }
}

TEST_CASE("parse rejects trailing bytes, another version and unknown kinds", "[ledger]") {
  Bytes wire = Sample().Serialize();
  Bytes longer = wire;
  longer.push_back(0);
  CHECK(Record::Parse(longer).status().code() == Code::kDecodeError);

  Bytes version = wire;
  version[0] = 2;
  CHECK(Record::Parse(version).status().code() == Code::kDecodeError);

  for (uint8_t kind : {uint8_t{0}, uint8_t{10}, uint8_t{255}}) {
    Bytes bad = wire;
    bad[81] = kind;
    auto r = Record::Parse(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kDecodeError);
    CHECK(r.status().message().find("unknown kind") != std::string::npos);
  }
}

TEST_CASE("parse rejects a body length beyond the input or the limit", "[ledger]") {
  Bytes wire = Sample().Serialize();
  Bytes huge = wire;
  huge[90] = 0xff;
  huge[91] = 0xff;
  huge[92] = 0xff;
  huge[93] = 0xff;
  CHECK(Record::Parse(huge).status().code() == Code::kDecodeError);
  Bytes longer = wire;
  longer[90] = 6;  // one more body byte than there is before the signature
  CHECK(Record::Parse(longer).status().code() == Code::kDecodeError);
}

TEST_CASE("parse never accepts random garbage", "[ledger]") {
  uint64_t x = 0x9e3779b97f4a7c15ULL;
  for (int i = 0; i < 2000; ++i) {
    Bytes junk(static_cast<size_t>(i % 300));
    for (uint8_t& b : junk) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      b = static_cast<uint8_t>(x);
    }
    if (!junk.empty()) junk[0] = kRecordVersion;
    auto r = Record::Parse(junk);
    if (r.ok()) CHECK_FALSE(r->VerifySignature());
  }
}
