// English-like text from a fixed word list, for tokenizer and corpus tests: deterministic for a
// given seed (the generator is spelled out here, not taken from <random>).
#pragma once

#include <cstdint>
#include <string>

namespace loconet::testing {

inline std::string SyntheticText(uint64_t seed, int sentences) {
  static const char* const kWords[] = {
      "the",     "whale",  "ship",    "sea",     "captain", "sailed", "across",   "a",
      "quiet",   "harbor", "under",   "grey",    "skies",   "and",    "every",    "sailor",
      "spoke",   "of",     "distant", "islands", "where",   "wind",   "carried",  "salt",
      "over",    "long",   "wooden",  "decks",   "nation",  "people", "congress", "year",
      "we",      "must",   "build",   "new",     "roads",   "for",    "our",      "children",
      "freedom", "labor",  "trade",   "peace",   "morning", "night",  "stars",    "rope"};
  constexpr uint64_t kNumWords = sizeof(kWords) / sizeof(kWords[0]);
  uint64_t state = seed;
  auto next = [&state] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return state >> 33;
  };
  std::string out;
  for (int s = 0; s < sentences; ++s) {
    uint64_t len = 4 + next() % 10;
    for (uint64_t w = 0; w < len; ++w) {
      std::string word = kWords[next() % kNumWords];
      if (w == 0) word[0] = static_cast<char>(word[0] - 'a' + 'A');
      out += word;
      out += w + 1 == len ? (next() % 4 == 0 ? "? " : ". ") : (next() % 7 == 0 ? ", " : " ");
    }
    if (next() % 5 == 0) out += "\n";
  }
  return out;
}

}  // namespace loconet::testing
