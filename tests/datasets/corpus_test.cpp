#include "datasets/corpus.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "datasets/shard.h"
#include "datasets/tokenizer.h"
#include "tests/datasets/synthetic_text.h"
#include "tests/temp_dir.h"

using namespace loconet;
using namespace loconet::datasets;
using loconet::testing::SyntheticText;
using loconet::testing::TempDir;

namespace {

void WriteText(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// Eight documents, two of them in a subdirectory.
void WriteCorpus(const TempDir& dir) {
  for (int i = 0; i < 8; ++i) {
    std::string name = (i < 6 ? "in/doc" : "in/sub/doc") + std::to_string(i) + ".txt";
    WriteText(dir / name, "[Applause] " + SyntheticText(100 + i, 120));
  }
  WriteText(dir / "in/notes.md", "not a .txt file");
}

PrepareOptions SmallOptions(const TempDir& dir) {
  PrepareOptions o;
  o.input_dir = dir / "in";
  o.out_dir = dir / "out";
  o.vocab_size = 320;
  o.page_tokens = 64;
  o.heldout_fraction = 0.25;
  o.seed = 3;
  return o;
}

}  // namespace

TEST_CASE("preparing a directory writes disjoint train and held-out shards", "[datasets]") {
  TempDir dir;
  WriteCorpus(dir);
  auto r = PrepareCorpus(SmallOptions(dir));
  REQUIRE(r.ok());
  const CorpusSummary& s = *r;
  CHECK_FALSE(s.reused);
  CHECK(s.train.documents.size() + s.heldout.documents.size() == 8);
  CHECK_FALSE(s.train.documents.empty());
  CHECK_FALSE(s.heldout.documents.empty());
  for (const std::string& d : s.heldout.documents) {
    CHECK(std::find(s.train.documents.begin(), s.train.documents.end(), d) ==
          s.train.documents.end());
  }
  CHECK(std::count(s.train.documents.begin(), s.train.documents.end(), "sub/doc6.txt") +
            std::count(s.heldout.documents.begin(), s.heldout.documents.end(), "sub/doc6.txt") ==
        1);

  auto train = ShardReader::Open(dir / "out/train.shard");
  auto heldout = ShardReader::Open(dir / "out/heldout.shard");
  REQUIRE(train.ok());
  REQUIRE(heldout.ok());
  CHECK(train->vocab_size() == s.vocab_size);
  CHECK(train->page_tokens() == 64);
  CHECK(train->num_pages() == s.train.pages);
  CHECK(heldout->num_pages() == s.heldout.pages);
  CHECK(train->checksum() == s.train.checksum);
  CHECK(s.train.shard_tokens == s.train.pages * 64);
  CHECK(s.train.tokens >= s.train.shard_tokens);

  // The shard decodes back to the cleaned documents, separated by the end-of-document id.
  auto tok = SentencePieceTokenizer::Load(dir / "out/tokenizer.model");
  REQUIRE(tok.ok());
  std::vector<uint32_t> first(train->Page(0), train->Page(0) + 64);
  std::string text = (*tok)->Decode(first);
  const std::string& name = s.train.documents[0];
  int index = std::stoi(name.substr(name.find("doc") + 3));
  std::string cleaned = CleanText("[Applause] " + SyntheticText(100 + index, 120));
  CHECK(text.size() > 64);
  CHECK(cleaned.compare(0, text.size(), text) == 0);

  auto m = ReadCorpusManifest(dir / "out");
  REQUIRE(m.ok());
  CHECK(m->train.documents == s.train.documents);
  CHECK(m->heldout.checksum == s.heldout.checksum);
}

TEST_CASE("preparing again with the same options and documents reuses the corpus", "[datasets]") {
  TempDir dir;
  WriteCorpus(dir);
  REQUIRE(PrepareCorpus(SmallOptions(dir)).ok());
  auto again = PrepareCorpus(SmallOptions(dir));
  REQUIRE(again.ok());
  CHECK(again->reused);

  PrepareOptions other = SmallOptions(dir);
  other.seed = 4;
  auto reseeded = PrepareCorpus(other);
  REQUIRE(reseeded.ok());
  CHECK_FALSE(reseeded->reused);

  WriteText(dir / "in/doc0.txt", SyntheticText(555, 120));
  auto changed = PrepareCorpus(other);
  REQUIRE(changed.ok());
  CHECK_FALSE(changed->reused);
}

TEST_CASE("the split is deterministic", "[datasets]") {
  TempDir a, b;
  WriteCorpus(a);
  WriteCorpus(b);
  auto ra = PrepareCorpus(SmallOptions(a));
  auto rb = PrepareCorpus(SmallOptions(b));
  REQUIRE(ra.ok());
  REQUIRE(rb.ok());
  CHECK(ra->heldout.documents == rb->heldout.documents);
  CHECK(ra->train.checksum == rb->train.checksum);
  CHECK(ra->heldout.checksum == rb->heldout.checksum);
}

TEST_CASE("a document that is not UTF-8 is refused, naming the file", "[datasets]") {
  TempDir dir;
  WriteCorpus(dir);
  WriteText(dir / "in/sub/latin1.txt", "caf\xe9 au lait");
  auto r = PrepareCorpus(SmallOptions(dir));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kParseError);
  CHECK(r.status().message().find("latin1.txt") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "out/manifest.json"));
}

TEST_CASE("fewer than two documents are refused", "[datasets]") {
  TempDir dir;
  WriteText(dir / "in/only.txt", SyntheticText(1, 100));
  auto r = PrepareCorpus(SmallOptions(dir));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kInvalidArgument);
}

TEST_CASE("a missing input directory is not_found", "[datasets]") {
  TempDir dir;
  auto r = PrepareCorpus(SmallOptions(dir));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kNotFound);
}

TEST_CASE("cleaning removes short bracketed markers and normalizes whitespace", "[datasets]") {
  CHECK(CleanText("We will win. [Applause] And [laughter]  we\tcan.\r\n") ==
        "We will win. And we can.");
  CHECK(CleanText("\xEF\xBB\xBF  one\r\n\r\n\r\n\n two  \n\n\n") == "one\n\ntwo");
  CHECK(CleanText("a\nb") == "a\nb");
  CHECK(CleanText("no\xC2\xA0"
                  "break") == "no break");
  std::string stage = "[Sudden, repeated flashes of lightning; the nine flames leap lengthwise.]";
  CHECK(CleanText(stage) == stage);
  CHECK(CleanText("[unclosed bracket") == "[unclosed bracket");
}
