// libloconet_spm.so: the only code that calls libsentencepiece (see spm_plugin.h for why).
#include "datasets/spm_plugin.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

char* Copy(const std::string& s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p) std::memcpy(p, s.c_str(), s.size() + 1);
  return p;
}

void SetErr(char** err, const std::string& msg) {
  if (err) *err = Copy(msg);
}

class VectorSentenceIterator : public sentencepiece::SentenceIterator {
 public:
  explicit VectorSentenceIterator(std::vector<std::string> sentences)
      : sentences_(std::move(sentences)) {}
  bool done() const override { return index_ >= sentences_.size(); }
  void Next() override { ++index_; }
  const std::string& value() const override { return sentences_[index_]; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  std::vector<std::string> sentences_;
  size_t index_ = 0;
};

}  // namespace

extern "C" {

__attribute__((visibility("default"))) int loconet_spm_train(
    const char* const* sentences, const size_t* lengths, size_t count, const char* const* keys,
    const char* const* values, size_t nargs, unsigned seed, char** model, size_t* model_len,
    char** err) {
  try {
    std::vector<std::string> in;
    in.reserve(count);
    for (size_t i = 0; i < count; ++i) in.emplace_back(sentences[i], lengths[i]);
    std::unordered_map<std::string, std::string> args;
    for (size_t i = 0; i < nargs; ++i) args[keys[i]] = values[i];
    sentencepiece::SetRandomGeneratorSeed(seed);
    VectorSentenceIterator it(std::move(in));
    std::string serialized;
    sentencepiece::util::Status st =
        sentencepiece::SentencePieceTrainer::Train(args, &it, &serialized);
    if (!st.ok()) {
      SetErr(err, st.ToString());
      return 1;
    }
    *model = static_cast<char*>(std::malloc(serialized.size() ? serialized.size() : 1));
    if (!*model) {
      SetErr(err, "out of memory");
      return 1;
    }
    std::memcpy(*model, serialized.data(), serialized.size());
    *model_len = serialized.size();
    return 0;
  } catch (const std::exception& e) {
    SetErr(err, e.what());
    return 1;
  }
}

__attribute__((visibility("default"))) void* loconet_spm_load(const char* bytes, size_t len,
                                                              char** err) {
  try {
    auto* sp = new sentencepiece::SentencePieceProcessor();
    sentencepiece::util::Status st =
        sp->LoadFromSerializedProto(std::string_view(bytes, len));
    if (!st.ok()) {
      SetErr(err, st.ToString());
      delete sp;
      return nullptr;
    }
    return sp;
  } catch (const std::exception& e) {
    SetErr(err, e.what());
    return nullptr;
  }
}

__attribute__((visibility("default"))) int loconet_spm_info(void* processor, int* pieces,
                                                            int* eos_id) {
  auto* sp = static_cast<sentencepiece::SentencePieceProcessor*>(processor);
  *pieces = sp->GetPieceSize();
  *eos_id = sp->eos_id();
  return 0;
}

__attribute__((visibility("default"))) int loconet_spm_is_control(void* processor, int id) {
  return static_cast<sentencepiece::SentencePieceProcessor*>(processor)->IsControl(id) ? 1 : 0;
}

__attribute__((visibility("default"))) int loconet_spm_encode(void* processor, const char* text,
                                                              size_t len, int** ids,
                                                              size_t* count) {
  try {
    std::vector<int> out;
    auto* sp = static_cast<sentencepiece::SentencePieceProcessor*>(processor);
    if (!sp->Encode(std::string_view(text, len), &out).ok()) return 1;
    *ids = static_cast<int*>(std::malloc((out.size() ? out.size() : 1) * sizeof(int)));
    if (!*ids) return 1;
    std::memcpy(*ids, out.data(), out.size() * sizeof(int));
    *count = out.size();
    return 0;
  } catch (...) {
    return 1;
  }
}

__attribute__((visibility("default"))) int loconet_spm_decode(void* processor, const int* ids,
                                                              size_t count, char** text,
                                                              size_t* len) {
  try {
    std::string out;
    auto* sp = static_cast<sentencepiece::SentencePieceProcessor*>(processor);
    if (!sp->Decode(std::vector<int>(ids, ids + count), &out).ok()) return 1;
    *text = static_cast<char*>(std::malloc(out.size() ? out.size() : 1));
    if (!*text) return 1;
    std::memcpy(*text, out.data(), out.size());
    *len = out.size();
    return 0;
  } catch (...) {
    return 1;
  }
}

__attribute__((visibility("default"))) void loconet_spm_free_processor(void* processor) {
  delete static_cast<sentencepiece::SentencePieceProcessor*>(processor);
}

__attribute__((visibility("default"))) void loconet_spm_free(void* buffer) { std::free(buffer); }

}  // extern "C"
