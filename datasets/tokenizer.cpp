#include "datasets/tokenizer.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <limits>
#include <mutex>
#include <utility>

#include "datasets/spm_plugin.h"

#include "core/files.h"

namespace loconet::datasets {

std::vector<uint32_t> ByteTokenizer::Encode(std::string_view text) const {
  std::vector<uint32_t> ids(text.size());
  for (size_t i = 0; i < text.size(); ++i) ids[i] = static_cast<unsigned char>(text[i]);
  return ids;
}

std::string ByteTokenizer::Decode(const std::vector<uint32_t>& ids) const {
  std::string out;
  out.reserve(ids.size());
  for (uint32_t id : ids) {
    if (id < 256) out.push_back(static_cast<char>(id));
  }
  return out;
}

namespace {

// SentencePiece skips training sentences longer than its max_sentence_length; pieces of a line
// that has no sentence end within this many bytes are cut at a space instead.
constexpr size_t kMaxSentenceBytes = 4000;

bool IsUtf8Continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Appends `line` to `out` as training sentences, cut after ". ", "? " and "! " and, where a
// piece is still too long, at the last space (or UTF-8 character boundary) before the limit.
void AppendSentences(std::string_view line, std::vector<std::string>* out) {
  size_t start = 0;
  auto emit = [&](size_t end) {
    std::string_view piece = line.substr(start, end - start);
    while (!piece.empty() && piece.front() == ' ') piece.remove_prefix(1);
    while (!piece.empty() && piece.back() == ' ') piece.remove_suffix(1);
    while (piece.size() > kMaxSentenceBytes) {
      size_t cut = piece.rfind(' ', kMaxSentenceBytes);
      if (cut == std::string_view::npos || cut == 0) {
        cut = kMaxSentenceBytes;
        while (cut > 0 && IsUtf8Continuation(piece[cut])) --cut;
        if (cut == 0) cut = kMaxSentenceBytes;
      }
      out->emplace_back(piece.substr(0, cut));
      piece.remove_prefix(cut);
      while (!piece.empty() && piece.front() == ' ') piece.remove_prefix(1);
    }
    if (!piece.empty()) out->emplace_back(piece);
    start = end;
  };
  for (size_t i = 0; i + 1 < line.size(); ++i) {
    char c = line[i];
    if ((c == '.' || c == '?' || c == '!') && line[i + 1] == ' ') emit(i + 1);
  }
  emit(line.size());
}

// The SentencePiece plugin's entry points, loaded once per process (see spm_plugin.h).
struct SpmApi {
  loconet_spm_train_fn train = nullptr;
  loconet_spm_load_fn load = nullptr;
  loconet_spm_info_fn info = nullptr;
  loconet_spm_is_control_fn is_control = nullptr;
  loconet_spm_encode_fn encode = nullptr;
  loconet_spm_decode_fn decode = nullptr;
  loconet_spm_free_processor_fn free_processor = nullptr;
  loconet_spm_free_fn free = nullptr;
};

std::string ExecutableDir() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  buf[n] = 0;
  std::string path(buf);
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

// Looks in $LOCONET_SPM_PLUGIN, beside the executable, then where the build put it.
Result<const SpmApi*> Spm() {
  static std::mutex mu;
  static SpmApi api;
  static std::string failure;
  std::lock_guard<std::mutex> lock(mu);
  if (api.train) return &api;
  if (!failure.empty()) return Error(Code::kUnavailable, failure);
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("LOCONET_SPM_PLUGIN")) candidates.push_back(env);
  candidates.push_back(ExecutableDir() + "/libloconet_spm.so");
  candidates.push_back(LOCONET_SPM_PLUGIN_PATH);
  std::string tried;
  void* handle = nullptr;
  for (const auto& path : candidates) {
    handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    if (handle) break;
    const char* e = ::dlerror();
    tried += "\n  " + path + ": " + (e ? e : "not loadable");
  }
  if (!handle) {
    failure = "cannot load the SentencePiece plugin libloconet_spm.so; tried:" + tried;
    return Error(Code::kUnavailable, failure);
  }
  auto sym = [&](const char* name) { return ::dlsym(handle, name); };
  api.load = reinterpret_cast<loconet_spm_load_fn>(sym("loconet_spm_load"));
  api.info = reinterpret_cast<loconet_spm_info_fn>(sym("loconet_spm_info"));
  api.is_control = reinterpret_cast<loconet_spm_is_control_fn>(sym("loconet_spm_is_control"));
  api.encode = reinterpret_cast<loconet_spm_encode_fn>(sym("loconet_spm_encode"));
  api.decode = reinterpret_cast<loconet_spm_decode_fn>(sym("loconet_spm_decode"));
  api.free_processor =
      reinterpret_cast<loconet_spm_free_processor_fn>(sym("loconet_spm_free_processor"));
  api.free = reinterpret_cast<loconet_spm_free_fn>(sym("loconet_spm_free"));
  auto train = reinterpret_cast<loconet_spm_train_fn>(sym("loconet_spm_train"));
  if (!train || !api.load || !api.info || !api.is_control || !api.encode || !api.decode ||
      !api.free_processor || !api.free) {
    failure = "the SentencePiece plugin lacks an entry point (a stale build?)";
    return Error(Code::kUnavailable, failure);
  }
  api.train = train;
  return &api;
}

std::string TakeError(const SpmApi* api, char* err) {
  std::string msg = err ? err : "unknown error";
  if (err) api->free(err);
  return msg;
}

}  // namespace

Status SentencePieceTokenizer::Train(const std::vector<std::string>& documents,
                                     const std::string& model_path,
                                     const SentencePieceOptions& options) {
  if (options.model_type != "bpe" && options.model_type != "unigram") {
    return Error(Code::kInvalidArgument,
                 "tokenizer model type '" + options.model_type + "': expected bpe or unigram");
  }
  if (options.vocab_size < 300 || options.vocab_size > 65536) {
    return Error(Code::kInvalidArgument, "tokenizer vocabulary size " +
                                             std::to_string(options.vocab_size) +
                                             ": expected 300 to 65536 (byte fallback uses 259)");
  }
  std::vector<std::string> sentences;
  for (const std::string& doc : documents) {
    size_t start = 0;
    while (start <= doc.size()) {
      size_t end = doc.find('\n', start);
      if (end == std::string::npos) end = doc.size();
      if (end > start) {
        AppendSentences(std::string_view(doc).substr(start, end - start), &sentences);
      }
      start = end + 1;
    }
  }
  if (sentences.empty()) return Error(Code::kInvalidArgument, "no text to train a tokenizer on");

  LOCONET_ASSIGN_OR_RETURN(const SpmApi* api, Spm());
  // The generator seed std::numeric_limits<unsigned>::max() means "from std::random_device".
  unsigned seed = options.seed == std::numeric_limits<unsigned>::max() ? 0u : options.seed;
  const std::vector<std::pair<std::string, std::string>> args = {
      {"model_type", options.model_type},
      {"vocab_size", std::to_string(options.vocab_size)},
      {"character_coverage", "1.0"},
      {"byte_fallback", "true"},
      {"split_digits", "true"},
      {"normalization_rule_name", "identity"},
      {"remove_extra_whitespaces", "false"},
      {"max_sentence_length", std::to_string(kMaxSentenceBytes + 1)},
      {"input_sentence_size", std::to_string(options.max_sentences)},
      {"shuffle_input_sentence", "true"},
      {"num_threads", std::to_string(options.num_threads > 0 ? options.num_threads : 1)},
      {"hard_vocab_limit", "false"},
      {"minloglevel", "2"},
  };
  std::vector<const char*> keys, values, texts;
  std::vector<size_t> lengths;
  for (const auto& [k, v] : args) {
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  for (const auto& sentence : sentences) {
    texts.push_back(sentence.data());
    lengths.push_back(sentence.size());
  }
  char* model = nullptr;
  size_t model_len = 0;
  char* err = nullptr;
  if (api->train(texts.data(), lengths.data(), texts.size(), keys.data(), values.data(),
                 keys.size(), seed, &model, &model_len, &err) != 0) {
    return Error(Code::kInvalidArgument,
                 model_path + ": SentencePiece training failed: " + TakeError(api, err));
  }
  std::string serialized(model, model_len);
  api->free(model);
  return WriteFileAtomic(model_path, serialized);
}

Result<std::unique_ptr<Tokenizer>> SentencePieceTokenizer::Load(const std::string& model_path) {
  LOCONET_ASSIGN_OR_RETURN(std::string bytes, ReadFile(model_path));
  LOCONET_ASSIGN_OR_RETURN(const SpmApi* api, Spm());
  char* err = nullptr;
  void* sp = api->load(bytes.data(), bytes.size(), &err);
  if (!sp) {
    return Error(Code::kCorrupt,
                 model_path + ": not a SentencePiece model: " + TakeError(api, err));
  }
  int pieces = 0, eos = -1;
  api->info(sp, &pieces, &eos);
  if (pieces <= 0 || pieces > 65536) {
    api->free_processor(sp);
    return Error(Code::kCorrupt, model_path + ": SentencePiece model has " +
                                     std::to_string(pieces) + " pieces, expected 1 to 65536");
  }
  return std::unique_ptr<Tokenizer>(new SentencePieceTokenizer(sp, static_cast<uint32_t>(pieces), eos));
}

SentencePieceTokenizer::SentencePieceTokenizer(void* processor, uint32_t vocab_size,
                                               int32_t eos_id)
    : processor_(processor), vocab_size_(vocab_size), eos_id_(eos_id) {}

SentencePieceTokenizer::~SentencePieceTokenizer() {
  auto api = Spm();
  if (api.ok() && processor_) (*api)->free_processor(processor_);
}

std::vector<uint32_t> SentencePieceTokenizer::Encode(std::string_view text) const {
  const SpmApi* api = *Spm();  // loaded: this object exists
  int* ids = nullptr;
  size_t n = 0;
  if (api->encode(processor_, text.data(), text.size(), &ids, &n) != 0) return {};
  // SentencePiece ids are in [0, GetPieceSize()).
  std::vector<uint32_t> out(ids, ids + n);
  api->free(ids);
  return out;
}

std::string SentencePieceTokenizer::Decode(const std::vector<uint32_t>& ids) const {
  const SpmApi* api = *Spm();
  std::vector<int> in;
  in.reserve(ids.size());
  for (uint32_t id : ids) {
    if (id < vocab_size_ && !api->is_control(processor_, static_cast<int>(id))) {
      in.push_back(static_cast<int>(id));
    }
  }
  char* text = nullptr;
  size_t len = 0;
  if (api->decode(processor_, in.data(), in.size(), &text, &len) != 0) return {};
  std::string out(text, len);
  api->free(text);
  return out;
}

}  // namespace loconet::datasets
