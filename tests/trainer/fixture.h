// Synthetic training data for trainer tests: English-like sentences from a seeded generator,
// byte-tokenized into train and held-out shards of 256-token pages.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "datasets/shard.h"
#include "datasets/tokenizer.h"
#include "trainer/model_config.h"

namespace loconet::testing {

using datasets::ByteTokenizer;
using datasets::WriteShard;

inline std::string SyntheticText(uint64_t seed, size_t sentences) {
  static const char* kSubjects[] = {"the cat", "a dog", "the old man", "my sister", "the ship"};
  static const char* kVerbs[] = {"sees", "follows", "paints", "finds", "leaves"};
  static const char* kObjects[] = {"the sea", "a red house", "the whale", "an open door",
                                   "the long road"};
  uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 1;
  auto next = [&x](uint64_t n) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x % n;
  };
  std::string out;
  for (size_t i = 0; i < sentences; ++i) {
    out += kSubjects[next(5)];
    out += ' ';
    out += kVerbs[next(5)];
    out += ' ';
    out += kObjects[next(5)];
    out += ". ";
  }
  return out;
}

// A small model config for tests.
inline ModelConfig TinyModel(const std::string& name, int64_t vocab_size, int64_t context,
                             int64_t d_model, int64_t layers, int64_t heads) {
  ModelConfig c;
  c.name = name;
  c.vocab_size = vocab_size;
  c.context = context;
  c.d_model = d_model;
  c.layers = layers;
  c.heads = heads;
  return c;
}

// Writes dir/train.shard and dir/heldout.shard; returns false on failure.
inline bool WriteSyntheticCorpus(const std::string& dir, size_t train_sentences = 4000,
                                 size_t heldout_sentences = 600) {
  ByteTokenizer tok;
  Status a = WriteShard(dir + "/train.shard", tok.Encode(SyntheticText(1, train_sentences)),
                        tok.vocab_size(), 256);
  Status b = WriteShard(dir + "/heldout.shard", tok.Encode(SyntheticText(2, heldout_sentences)),
                        tok.vocab_size(), 256);
  return a.ok() && b.ok();
}

}  // namespace loconet::testing
