#include <iostream>

#include "apps/commands.h"
#include "core/config.h"
#include "datasets/corpus.h"
#include "trainer/generate.h"

namespace loconet::apps {

void RegisterGenerate(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("generate", "Sample text from a trained model");
  struct Args {
    std::string checkpoint, prompt, data = "data/corpus", tokenizer, model;
    int64_t max_tokens = 100, top_k = 0;
    double temperature = 1.0;
    uint64_t seed = 1;
    int threads = 1;
    bool no_eos = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--checkpoint", a->checkpoint,
                  "Model file: a checkpoint (a validator's state file, `loconet train "
                  "--checkpoint`) or a `loconet export` .safetensors file")
      ->required();
  cmd->add_option("--prompt", a->prompt, "Text to continue")->required();
  cmd->add_option("--max-tokens", a->max_tokens, "New tokens to generate")->capture_default_str();
  cmd->add_option("--temperature", a->temperature, "Softmax temperature (0: greedy)")
      ->capture_default_str();
  auto* top_k = cmd->add_option("--top-k", a->top_k,
                                "Draw from the k most likely tokens only (default: all)");
  cmd->add_option("--seed", a->seed, "Seed of the draws (same seed, same text)")
      ->capture_default_str();
  cmd->add_option("--data", a->data, "Corpus folder whose tokenizer.model to use")
      ->capture_default_str();
  cmd->add_option("--tokenizer", a->tokenizer, "Tokenizer file (default: <data>/tokenizer.model)");
  cmd->add_option("--model", a->model,
                  "Model config (configs/models/*.toml) the checkpoint must match");
  cmd->add_option("--threads", a->threads, "Compute threads (0: every core)")
      ->capture_default_str();
  cmd->add_flag("--no-eos", a->no_eos, "Keep going past an end-of-document token");
  cmd->callback([=] {
    auto fail = [&](const Status& s) {
      std::cerr << "loconet generate: " << s.ToString() << "\n";
      *exit_code = 1;
    };
    GenerateRequest r;
    r.model_path = a->checkpoint;
    r.tokenizer_path =
        a->tokenizer.empty() ? a->data + "/" + datasets::kTokenizerFile : a->tokenizer;
    r.prompt = a->prompt;
    r.sampling.max_tokens = a->max_tokens;
    r.sampling.temperature = a->temperature;
    if (top_k->count() > 0) r.sampling.top_k = a->top_k;
    r.sampling.seed = a->seed;
    r.stop_at_eos = !a->no_eos;
    r.threads = a->threads;
    if (!a->model.empty()) {
      auto config = Config::LoadFile(a->model);
      if (!config.ok()) return fail(config.status());
      auto model = ReadModelConfig(*config);
      if (!model.ok()) return fail(model.status());
      r.expect_model = *model;
    }
    auto g = Generate(r);
    if (!g.ok()) return fail(g.status());
    if (g->prompt_cropped) {
      std::cerr << "loconet generate: the prompt's " << g->prompt_tokens
                << " tokens exceed the model's context; it sees the last " << g->model.context
                << "\n";
    }
    std::cout << g->text << "\n";
    *exit_code = 0;
  });
}

}  // namespace loconet::apps
