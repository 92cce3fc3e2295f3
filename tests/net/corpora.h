// Byte-token corpora whose pages differ, for the multi-process tests that need the validator's
// assigned-data check and work factor to see real training: a topic corpus and a language corpus
// with page topics. The same on every run.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "datasets/shard.h"

namespace loconet::testing {

// xorshift64, so that the corpora below are the same on every run.
struct XorShift {
  uint64_t x;
  uint64_t operator()(uint64_t n) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x % n;
  }
};

// `count` words of min_len + next(spread) letters from `first` to `first` + 25.
inline std::vector<std::string> Words(XorShift& next, int count, uint64_t min_len,
                                      uint64_t spread, char first) {
  std::vector<std::string> words;
  for (int i = 0; i < count; ++i) {
    std::string w;
    for (uint64_t j = 0, len = min_len + next(spread); j < len; ++j) {
      w += static_cast<char>(first + next(26));
    }
    words.push_back(w);
  }
  return words;
}

// train.shard (600 pages) and heldout.shard (60 pages) of 256 byte tokens, each page the first
// 256 bytes of what `page` returns (at least that many).
inline bool WritePages(const std::string& dir, const std::function<std::string()>& page) {
  auto make = [&](size_t pages) {
    std::vector<uint32_t> tokens;
    for (size_t p = 0; p < pages; ++p) {
      const std::string text = page();
      for (size_t i = 0; i < 256; ++i) tokens.push_back(static_cast<unsigned char>(text[i]));
    }
    return tokens;
  };
  return datasets::WriteShard(dir + "/train.shard", make(600), 256, 256).ok() &&
         datasets::WriteShard(dir + "/heldout.shard", make(60), 256, 256).ok();
}

// A corpus whose pages differ: each 256-token page draws its words from its own small set, so
// training on one's assigned pages is measurably better on them than on other pages (what the
// validator's assigned-data check looks for). Byte tokens.
inline bool WriteTopicCorpus(const std::string& dir) {
  XorShift next{0x1234567};
  const std::vector<std::string> pool = Words(next, 200, 3, 5, 'a');
  return WritePages(dir, [&] {
    std::vector<std::string> words;
    for (int i = 0; i < 6; ++i) words.push_back(pool[next(pool.size())]);
    std::string page;
    while (page.size() < 256) page += words[next(words.size())] + (next(6) == 0 ? ". " : " ");
    return page;
  });
}

// A corpus with a shared language and page topics: every word is followed by one of its three
// successors in one fixed table (the language, which training on any page teaches), except that
// about half of the words are the page's own six topic words (which only training on that
// page teaches). Honest training then helps unseen pages, and its own pages more: the structure
// the evaluation pages and the work factor rely on. Byte tokens.
inline bool WriteLanguageCorpus(const std::string& dir) {
  XorShift next{0x7654321};
  const std::vector<std::string> pool = Words(next, 120, 2, 5, 'a');
  std::vector<std::array<size_t, 3>> successors(pool.size());
  for (auto& s : successors) s = {next(pool.size()), next(pool.size()), next(pool.size())};
  return WritePages(dir, [&] {
    const std::vector<std::string> topic = Words(next, 6, 3, 4, 'A');
    size_t word = next(pool.size());
    std::string page;
    while (page.size() < 256) {
      if (next(2) == 0) {
        page += topic[next(topic.size())] + " ";
      } else {
        word = successors[word][next(3)];
        page += pool[word] + " ";
      }
    }
    return page;
  });
}

}  // namespace loconet::testing
