// Tokenizers: text to token ids and back.
//
// Every tokenizer maps text to ids in [0, vocab_size()) and back. Encode and Decode are const
// and may be called from several threads at once on the same object. Two implementations:
// SentencePieceTokenizer (a trained subword model, used for the real corpus) and ByteTokenizer
// (one token per byte, no training, used by tests).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"


namespace loconet::datasets {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // Every id returned is < vocab_size().
  virtual std::vector<uint32_t> Encode(std::string_view text) const = 0;
  // Ids >= vocab_size() and control ids (such as the end-of-document id) decode to nothing.
  virtual std::string Decode(const std::vector<uint32_t>& ids) const = 0;
  virtual uint32_t vocab_size() const = 0;
  // The id that separates documents in a shard, or -1 if the vocabulary has none.
  virtual int32_t eos_id() const = 0;
};

// One token per byte: vocab_size() is 256 and Decode(Encode(s)) == s for any bytes s.
class ByteTokenizer : public Tokenizer {
 public:
  std::vector<uint32_t> Encode(std::string_view text) const override;
  std::string Decode(const std::vector<uint32_t>& ids) const override;
  uint32_t vocab_size() const override { return 256; }
  int32_t eos_id() const override { return -1; }
};

struct SentencePieceOptions {
  uint32_t vocab_size = 4096;
  // "bpe" or "unigram". BPE training is single-threaded and so reproducible bit for bit.
  std::string model_type = "bpe";
  // Seeds SentencePiece's sentence sampling (a process-wide generator in libsentencepiece).
  uint32_t seed = 1;
  int num_threads = 2;
  // At most this many training sentences are sampled (bounds training time).
  uint64_t max_sentences = 300000;
};

// A SentencePiece model with the settings loconet trains it with: identity normalization (no
// Unicode rewriting, whitespace kept as is) and byte fallback, so that Decode(Encode(s)) == s for
// any valid UTF-8 string s. Ids 0, 1 and 2 are <unk>, <s> and </s>; </s> is the eos_id().
class SentencePieceTokenizer : public Tokenizer {
 public:
  // Trains a model on `documents` and writes it atomically to `model_path` (the standard
  // SentencePiece .model file, loadable by any SentencePiece library). Documents are cut into
  // training sentences at line breaks and, for long lines, at sentence ends; nothing is written
  // on error. Training runs on the calling thread and libsentencepiece's own worker threads.
  static Status Train(const std::vector<std::string>& documents, const std::string& model_path,
                      const SentencePieceOptions& options);
  // Loads a .model file; an unreadable or malformed file is an error naming the path.
  static Result<std::unique_ptr<Tokenizer>> Load(const std::string& model_path);

  ~SentencePieceTokenizer() override;

  std::vector<uint32_t> Encode(std::string_view text) const override;
  std::string Decode(const std::vector<uint32_t>& ids) const override;
  uint32_t vocab_size() const override { return vocab_size_; }
  int32_t eos_id() const override { return eos_id_; }

 private:
  SentencePieceTokenizer(void* processor, uint32_t vocab_size, int32_t eos_id);
  void* processor_;  // owned; a SentencePieceProcessor inside the plugin (datasets/spm_plugin.h)
  uint32_t vocab_size_ = 0;
  int32_t eos_id_ = -1;
};

}  // namespace loconet::datasets
