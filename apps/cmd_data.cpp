#include <iostream>
#include <memory>

#include "apps/commands.h"
#include "datasets/corpus.h"

namespace loconet::apps {

namespace {

std::string SplitLine(const char* what, const datasets::SplitSummary& s, uint32_t page_tokens) {
  return std::to_string(s.documents.size()) + " " + what + " documents (" +
         std::to_string(s.tokens) + " tokens, " + std::to_string(s.pages) + " pages of " +
         std::to_string(page_tokens) + ")";
}

}  // namespace

void RegisterData(CLI::App& app, int* exit_code) {
  auto* data = app.add_subcommand("data", "Corpus preparation");
  data->require_subcommand(1);
  auto* prepare = data->add_subcommand(
      "prepare", "Fetch or read the corpus, train the tokenizer, write train and held-out shards");
  auto opts = std::make_shared<datasets::PrepareOptions>();
  opts->out_dir = "data/corpus";
  opts->cache_dir = "data/cache";
  prepare->add_option("--input", opts->input_dir,
                      "Directory of UTF-8 .txt files, one document each (default: the npm corpus)");
  prepare->add_option("--out", opts->out_dir, "Output directory")->capture_default_str();
  prepare->add_option("--cache", opts->cache_dir, "Download cache for the npm corpus")
      ->capture_default_str();
  prepare->add_option("--vocab", opts->vocab_size, "Tokenizer vocabulary size")
      ->capture_default_str();
  prepare->add_option("--page-tokens", opts->page_tokens, "Tokens per shard page")
      ->capture_default_str();
  prepare
      ->add_option("--heldout-fraction", opts->heldout_fraction,
                   "Share of documents held out for validators")
      ->capture_default_str();
  prepare->add_option("--seed", opts->seed, "Seed of the split and the tokenizer")
      ->capture_default_str();
  prepare->callback([=] {
    Result<datasets::CorpusSummary> r = datasets::PrepareCorpus(*opts);
    if (!r.ok()) {
      std::cerr << "loconet data prepare: " << r.status().ToString() << "\n";
      *exit_code = 1;
      return;
    }
    const datasets::CorpusSummary& s = *r;
    std::cout << "Corpus " << (s.reused ? "already prepared" : "prepared") << " in " << s.out_dir
              << " from " << s.source << ": " << SplitLine("training", s.train, s.page_tokens)
              << " and " << SplitLine("held-out", s.heldout, s.page_tokens)
              << ", SentencePiece vocabulary of " << s.vocab_size << "; files "
              << datasets::kTokenizerFile << ", " << datasets::kTrainShardFile << ", "
              << datasets::kHeldoutShardFile << ", " << datasets::kManifestFile << ".\n";
    *exit_code = 0;
  });
}

}  // namespace loconet::apps
