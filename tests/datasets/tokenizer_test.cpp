#include "datasets/tokenizer.h"

#include <catch2/catch.hpp>
#include <fstream>

#include "tests/datasets/synthetic_text.h"
#include "tests/temp_dir.h"

using namespace loconet;
using namespace loconet::datasets;
using loconet::testing::SyntheticText;
using loconet::testing::TempDir;

namespace {

// A small model trained once and shared by the tests below (training takes about a second).
const Tokenizer& SmallModel() {
  static TempDir dir;
  static std::unique_ptr<Tokenizer> tok = [] {
    std::vector<std::string> docs;
    for (uint64_t seed = 1; seed <= 8; ++seed) docs.push_back(SyntheticText(seed, 200));
    SentencePieceOptions opts;
    opts.vocab_size = 400;
    Status s = SentencePieceTokenizer::Train(docs, dir / "t.model", opts);
    REQUIRE(s.ok());
    auto r = SentencePieceTokenizer::Load(dir / "t.model");
    REQUIRE(r.ok());
    return std::move(r).value();
  }();
  return *tok;
}

}  // namespace

TEST_CASE("a trained SentencePiece model decodes what it encodes", "[datasets]") {
  const Tokenizer& tok = SmallModel();
  CHECK(tok.vocab_size() > 259);
  CHECK(tok.vocab_size() <= 400);
  CHECK(tok.eos_id() == 2);
  for (const std::string& s :
       {SyntheticText(99, 20), std::string("The whale sailed.\n\nAnd  two spaces, a\ttab."),
        std::string(" leading space and trailing "),
        std::string("Unseen: na\xC3\xAFve caf\xC3\xA9 \xE2\x80\x94 1776 \xF0\x9F\x90\x8B!"),
        std::string("")}) {
    std::vector<uint32_t> ids = tok.Encode(s);
    for (uint32_t id : ids) REQUIRE(id < tok.vocab_size());
    CHECK(tok.Decode(ids) == s);
  }
}

TEST_CASE("a trained SentencePiece model compresses text it was trained on", "[datasets]") {
  const Tokenizer& tok = SmallModel();
  std::string text = SyntheticText(123, 50);
  CHECK(tok.Encode(text).size() * 2 < text.size());
}

TEST_CASE("training the same documents with the same seed gives the same model", "[datasets]") {
  TempDir dir;
  std::vector<std::string> docs = {SyntheticText(5, 300), SyntheticText(6, 300)};
  SentencePieceOptions opts;
  opts.vocab_size = 350;
  REQUIRE(SentencePieceTokenizer::Train(docs, dir / "a.model", opts).ok());
  REQUIRE(SentencePieceTokenizer::Train(docs, dir / "b.model", opts).ok());
  std::ifstream a(dir / "a.model", std::ios::binary), b(dir / "b.model", std::ios::binary);
  std::string sa((std::istreambuf_iterator<char>(a)), {}),
      sb((std::istreambuf_iterator<char>(b)), {});
  CHECK(!sa.empty());
  CHECK(sa == sb);
}

TEST_CASE("decoding skips ids outside the vocabulary", "[datasets]") {
  const Tokenizer& tok = SmallModel();
  std::vector<uint32_t> ids = tok.Encode("the sea");
  ids.insert(ids.begin() + 1, tok.vocab_size() + 5);
  CHECK(tok.Decode(ids) == "the sea");
}

TEST_CASE("loading a file that is not a SentencePiece model names the file", "[datasets]") {
  TempDir dir;
  std::ofstream(dir / "bad.model") << "this is not a protobuf";
  auto r = SentencePieceTokenizer::Load(dir / "bad.model");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kCorrupt);
  CHECK(r.status().message().find(dir / "bad.model") != std::string::npos);
  auto missing = SentencePieceTokenizer::Load(dir / "missing.model");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == Code::kNotFound);
}

TEST_CASE("training refuses a vocabulary that cannot hold the byte fallback", "[datasets]") {
  TempDir dir;
  SentencePieceOptions opts;
  opts.vocab_size = 100;
  Status s = SentencePieceTokenizer::Train({SyntheticText(1, 10)}, dir / "m.model", opts);
  CHECK(s.code() == Code::kInvalidArgument);
}

TEST_CASE("the byte tokenizer maps each byte to one id and back", "[datasets]") {
  ByteTokenizer tok;
  std::string s("any bytes\n\x00\xff\xC3", 13);
  std::vector<uint32_t> ids = tok.Encode(s);
  REQUIRE(ids.size() == s.size());
  CHECK(ids[0] == 'a');
  CHECK(ids[11] == 0xff);
  CHECK(tok.Decode(ids) == s);
  CHECK(tok.vocab_size() == 256);
  CHECK(tok.eos_id() == -1);
}
