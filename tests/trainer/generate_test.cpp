// Text generation: trainer/sampler.h on a model in memory, trainer/generate.h on model files,
// and the `loconet generate` command.
#include "trainer/generate.h"

#include <sys/wait.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "core/files.h"
#include "datasets/corpus.h"
#include "tests/cli_run.h"
#include "tests/temp_dir.h"
#include "tests/trainer/fixture.h"
#include "trainer/checkpoint.h"
#include "trainer/export.h"
#include "trainer/params.h"
#include "trainer/sampler.h"
#include "trainer/training.h"

using namespace loconet;
using loconet::testing::TempDir;

namespace {

// A nano model (byte vocabulary, context 32) trained for a few steps on the synthetic corpus,
// saved once as a checkpoint and shared by the tests below.
struct Trained {
  std::string checkpoint;
  ModelConfig config;
};

TrainOptions NanoOptions(const std::string& data_dir) {
  TrainOptions o;
  o.model = loconet::testing::TinyModel("nano", 0, 32, 32, 2, 2);
  o.data_dir = data_dir;
  o.steps = 40;
  o.batch = 8;
  o.schedule.peak = 1e-2;
  o.schedule.warmup_steps = 5;
  o.eval_every = 40;
  o.eval_batches = 2;
  o.threads = 1;
  return o;
}

const Trained& TrainedNano() {
  static TempDir dir;
  static Trained t = [] {
    Trained r;
    REQUIRE(loconet::testing::WriteSyntheticCorpus(dir.path(), 2000, 300));
    TrainOptions o = NanoOptions(dir.path());
    o.checkpoint_path = dir / "nano.pt";
    REQUIRE(RunTraining(o).ok());
    r.checkpoint = o.checkpoint_path;
    auto cfg = ReadCheckpointConfig(r.checkpoint);
    REQUIRE(cfg.ok());
    r.config = *cfg;
    return r;
  }();
  return t;
}

GPT LoadNano() {
  GPT model(TrainedNano().config);
  REQUIRE(
      LoadCheckpoint(TrainedNano().checkpoint, CheckpointParts{&model, {}, nullptr}, nullptr).ok());
  return model;
}

std::vector<int64_t> Ids(const std::string& text) {
  std::vector<int64_t> out;
  for (unsigned char c : text) out.push_back(c);
  return out;
}

// Greedy decoding written out here, apart from the sampler: the argmax of the last position's
// logits over the last `context` tokens, n times.
std::vector<int64_t> Greedy(GPT& model, std::vector<int64_t> tokens, int n) {
  torch::NoGradGuard no_grad;
  const int64_t context = model->config().context;
  std::vector<int64_t> out;
  for (int i = 0; i < n; ++i) {
    const int64_t start = std::max<int64_t>(0, static_cast<int64_t>(tokens.size()) - context);
    std::vector<int64_t> window(tokens.begin() + start, tokens.end());
    auto logits = model->forward(torch::tensor(window).view({1, -1}));  // (1, T, V)
    const int64_t next = logits[0][-1].argmax().item<int64_t>();
    tokens.push_back(next);
    out.push_back(next);
  }
  return out;
}

GenerateRequest Request(const std::string& model_path, const std::string& prompt) {
  GenerateRequest r;
  r.model_path = model_path;
  r.prompt = prompt;
  r.sampling.max_tokens = 30;
  r.sampling.seed = 7;
  return r;
}

Status GenerateError(const GenerateRequest& r) {
  auto g = Generate(r, datasets::ByteTokenizer());
  REQUIRE_FALSE(g.ok());
  return g.status();
}

}  // namespace

TEST_CASE("sampling with the same seed gives the same tokens, another seed others", "[trainer]") {
  GPT model = LoadNano();
  SamplingOptions o;
  o.max_tokens = 40;
  o.seed = 11;
  auto a = SampleTokens(model, Ids("the cat "), o);
  auto b = SampleTokens(model, Ids("the cat "), o);
  o.seed = 12;
  auto c = SampleTokens(model, Ids("the cat "), o);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(c.ok());
  CHECK(a->size() == 40);
  CHECK(*a == *b);
  CHECK(*a != *c);
}

TEST_CASE("sampling does not touch the global torch generator", "[trainer]") {
  GPT model = LoadNano();
  torch::manual_seed(5);
  const double expected = torch::rand({1}).item<double>();
  torch::manual_seed(5);
  SamplingOptions o;
  o.max_tokens = 5;
  REQUIRE(SampleTokens(model, Ids("a dog"), o).ok());
  CHECK(torch::rand({1}).item<double>() == expected);
}

TEST_CASE("top-k 1 is greedy argmax decoding, whatever the seed", "[trainer]") {
  GPT model = LoadNano();
  const std::vector<int64_t> want = Greedy(model, Ids("the old man "), 25);
  for (uint64_t seed : {1, 2, 3}) {
    SamplingOptions o;
    o.max_tokens = 25;
    o.top_k = 1;
    o.temperature = 1.5;
    o.seed = seed;
    auto got = SampleTokens(model, Ids("the old man "), o);
    REQUIRE(got.ok());
    CHECK(*got == want);
  }
}

TEST_CASE("temperature 0 is greedy argmax decoding", "[trainer]") {
  GPT model = LoadNano();
  SamplingOptions o;
  o.max_tokens = 25;
  o.temperature = 0;
  auto got = SampleTokens(model, Ids("my sister "), o);
  REQUIRE(got.ok());
  CHECK(*got == Greedy(model, Ids("my sister "), 25));
}

TEST_CASE("top-k draws only among the k most likely tokens", "[trainer]") {
  GPT model = LoadNano();
  const std::vector<int64_t> prompt = Ids("the ship ");
  auto logits = model->forward(torch::tensor(prompt).view({1, -1}))[0][-1];
  auto top = std::get<1>(logits.topk(3));
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    SamplingOptions o;
    o.max_tokens = 1;
    o.top_k = 3;
    o.temperature = 5.0;  // flat: every one of the three is likely to come up
    o.seed = seed;
    auto got = SampleTokens(model, prompt, o);
    REQUIRE(got.ok());
    REQUIRE(got->size() == 1);
    CHECK((top == (*got)[0]).any().item<bool>());
  }
}

TEST_CASE("a prompt longer than the context is cropped to its last context tokens", "[trainer]") {
  GPT model = LoadNano();
  const std::string text = loconet::testing::SyntheticText(9, 10);
  const std::vector<int64_t> prompt = Ids(text);
  REQUIRE(prompt.size() > 3 * 32);
  const std::vector<int64_t> tail(prompt.end() - 32, prompt.end());
  SamplingOptions o;
  o.max_tokens = 20;
  o.seed = 4;
  auto full = SampleTokens(model, prompt, o);
  auto cropped = SampleTokens(model, tail, o);
  REQUIRE(full.ok());
  REQUIRE(cropped.ok());
  CHECK(*full == *cropped);

  auto g = Generate(Request(TrainedNano().checkpoint, text), datasets::ByteTokenizer());
  REQUIRE(g.ok());
  CHECK(g->prompt_cropped);
  CHECK(g->prompt_tokens == static_cast<int64_t>(prompt.size()));
  CHECK(g->text == text + g->continuation);
}

TEST_CASE("sampling stops at the stop token without returning it", "[trainer]") {
  GPT model = LoadNano();
  const std::vector<int64_t> greedy = Greedy(model, Ids("a dog "), 10);
  SamplingOptions o;
  o.max_tokens = 10;
  o.temperature = 0;
  o.stop_id = greedy[3];
  auto got = SampleTokens(model, Ids("a dog "), o);
  REQUIRE(got.ok());
  auto first = std::find(greedy.begin(), greedy.end(), greedy[3]);
  CHECK(*got == std::vector<int64_t>(greedy.begin(), first));
}

TEST_CASE("generating from a checkpoint decodes the prompt and its continuation", "[trainer]") {
  auto g = Generate(Request(TrainedNano().checkpoint, "the cat "), datasets::ByteTokenizer());
  REQUIRE(g.ok());
  CHECK(g->model.name == "nano");
  CHECK(g->prompt_tokens == 8);
  CHECK_FALSE(g->prompt_cropped);
  CHECK(g->tokens.size() == 30);
  CHECK(g->text == "the cat " + g->continuation);
  CHECK(g->continuation.size() == 30);
}

TEST_CASE("an exported safetensors file generates the same text as its checkpoint", "[trainer]") {
  TempDir dir;
  REQUIRE(ExportSafetensors(TrainedNano().checkpoint, dir / "nano.safetensors").ok());
  auto a = Generate(Request(TrainedNano().checkpoint, "the whale "), datasets::ByteTokenizer());
  auto b = Generate(Request(dir / "nano.safetensors", "the whale "), datasets::ByteTokenizer());
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->text == b->text);
}

TEST_CASE("a validator's state file exports and generates like a trainer's checkpoint",
          "[trainer]") {
  // What validator/commit.cpp writes: the global model and the outer momentum, no optimizers.
  TempDir dir;
  GPT model = LoadNano();
  OuterNesterov outer;
  outer.Step(ParameterList(*model), CloneParameters(*model));
  REQUIRE_FALSE(outer.buffers().empty());
  REQUIRE(
      SaveCheckpoint(dir / "state.pt", CheckpointParts{&model, {}, &outer}, TrainPosition{0, 3, 0})
          .ok());
  REQUIRE(ExportSafetensors(dir / "state.pt", dir / "state.safetensors").ok());
  auto a = Generate(Request(dir / "state.pt", "the cat "), datasets::ByteTokenizer());
  auto b = Generate(Request(dir / "state.safetensors", "the cat "), datasets::ByteTokenizer());
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->text == b->text);
  SamplingOptions o;
  o.max_tokens = 30;
  o.seed = 7;
  auto direct = SampleTokens(model, Ids("the cat "), o);
  REQUIRE(direct.ok());
  CHECK(std::vector<int64_t>(a->tokens.begin(), a->tokens.end()) == *direct);
}

TEST_CASE("a missing model file is refused as not found, naming it", "[trainer]") {
  TempDir dir;
  Status s = GenerateError(Request(dir / "absent.pt", "the cat"));
  CHECK(s.code() == Code::kNotFound);
  CHECK(s.message().find("absent.pt") != std::string::npos);
}

TEST_CASE("a damaged model file is refused as corrupt, naming it", "[trainer]") {
  TempDir dir;
  auto bytes = ReadFile(TrainedNano().checkpoint);
  REQUIRE(bytes.ok());
  REQUIRE(WriteFileAtomic(dir / "cut.pt", bytes->substr(0, bytes->size() / 2)).ok());
  REQUIRE(WriteFileAtomic(dir / "text.pt", std::string("not a checkpoint")).ok());
  REQUIRE(ExportSafetensors(TrainedNano().checkpoint, dir / "m.safetensors").ok());
  auto st = ReadFile(dir / "m.safetensors");
  REQUIRE(st.ok());
  REQUIRE(WriteFileAtomic(dir / "cut.safetensors", st->substr(0, st->size() - 100)).ok());
  for (const std::string name : {"cut.pt", "text.pt", "cut.safetensors"}) {
    INFO(name);
    Status s = GenerateError(Request(dir / name, "the cat"));
    CHECK(s.code() == Code::kCorrupt);
    CHECK(s.message().find(name) != std::string::npos);
  }
}

TEST_CASE("a checkpoint of another model config is refused", "[trainer]") {
  GenerateRequest r = Request(TrainedNano().checkpoint, "the cat");
  r.expect_model = loconet::testing::TinyModel("micro", 4096, 128, 128, 4, 4);
  Status s = GenerateError(r);
  CHECK(s.code() == Code::kShapeMismatch);
  CHECK(s.message().find("nano") != std::string::npos);
  CHECK(s.message().find("micro") != std::string::npos);

  r.expect_model = loconet::testing::TinyModel("nano", 0, 32, 32, 2, 2);  // any vocabulary
  CHECK(Generate(r, datasets::ByteTokenizer()).ok());
}

TEST_CASE("a tokenizer larger than the model's vocabulary is refused", "[trainer]") {
  // The nano model has the byte vocabulary (256); a tokenizer of 300 pieces is from another
  // corpus.
  struct Wide : datasets::ByteTokenizer {
    uint32_t vocab_size() const override { return 300; }
  };
  auto g = Generate(Request(TrainedNano().checkpoint, "the cat"), Wide());
  REQUIRE_FALSE(g.ok());
  CHECK(g.status().code() == Code::kShapeMismatch);
  CHECK(g.status().message().find("different corpora") != std::string::npos);
}

TEST_CASE("a tokenizer smaller than the model's vocabulary gets only ids it can decode",
          "[trainer]") {
  struct Narrow : datasets::ByteTokenizer {
    uint32_t vocab_size() const override { return 120; }  // ASCII letters and punctuation
  };
  GenerateRequest r = Request(TrainedNano().checkpoint, "the cat ");
  r.sampling.max_tokens = 200;
  r.sampling.temperature = 3.0;  // flat, so that ids above 120 would be likely without the limit
  auto g = Generate(r, Narrow());
  REQUIRE(g.ok());
  REQUIRE(g->tokens.size() == 200);
  for (uint32_t id : g->tokens) CHECK(id < 120);

  GPT model = LoadNano();
  SamplingOptions o;
  o.vocab_limit = 257;
  CHECK(SampleTokens(model, Ids("a"), o).status().code() == Code::kInvalidArgument);
  o.vocab_limit = 120;
  o.top_k = 121;
  CHECK(SampleTokens(model, Ids("a"), o).status().code() == Code::kInvalidArgument);
}

TEST_CASE("an empty prompt is refused", "[trainer]") {
  Status s = GenerateError(Request(TrainedNano().checkpoint, ""));
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK(s.message().find("prompt") != std::string::npos);
  GPT model = LoadNano();
  CHECK(SampleTokens(model, {}, SamplingOptions()).status().code() == Code::kInvalidArgument);
}

TEST_CASE("a negative or non-finite temperature is refused", "[trainer]") {
  for (double t : {-0.5, std::nan(""), std::numeric_limits<double>::infinity()}) {
    GenerateRequest r = Request(TrainedNano().checkpoint, "the cat");
    r.sampling.temperature = t;
    Status s = GenerateError(r);
    CHECK(s.code() == Code::kInvalidArgument);
    CHECK(s.message().find("temperature") != std::string::npos);
  }
}

TEST_CASE("top-k 0 or above the vocabulary is refused", "[trainer]") {
  for (int64_t k : {0, -1, 257}) {
    GenerateRequest r = Request(TrainedNano().checkpoint, "the cat");
    r.sampling.top_k = k;
    Status s = GenerateError(r);
    CHECK(s.code() == Code::kInvalidArgument);
    CHECK(s.message().find("top-k") != std::string::npos);
  }
  GenerateRequest r = Request(TrainedNano().checkpoint, "the cat");
  r.sampling.top_k = 256;  // the whole byte vocabulary
  CHECK(Generate(r, datasets::ByteTokenizer()).ok());
}

TEST_CASE("max tokens below 1 and prompt ids outside the vocabulary are refused", "[trainer]") {
  GPT model = LoadNano();
  SamplingOptions o;
  o.max_tokens = 0;
  CHECK(SampleTokens(model, Ids("a"), o).status().code() == Code::kInvalidArgument);
  CHECK(SampleTokens(model, {1, 256}, SamplingOptions()).status().code() == Code::kInvalidArgument);
  CHECK(SampleTokens(model, {-1}, SamplingOptions()).status().code() == Code::kInvalidArgument);
}

TEST_CASE("an unreadable tokenizer is refused, naming it", "[trainer]") {
  TempDir dir;
  REQUIRE(WriteFileAtomic(dir / "garbage.model", std::string("not a sentencepiece model")).ok());
  for (const std::string name : {"absent.model", "garbage.model"}) {
    INFO(name);
    GenerateRequest r = Request(TrainedNano().checkpoint, "the cat");
    r.tokenizer_path = dir / name;
    auto g = Generate(r);
    REQUIRE_FALSE(g.ok());
    CHECK(g.status().message().find(name) != std::string::npos);
    CHECK(g.status().message().find("tokenizer") != std::string::npos);
  }
}

// ---- the command

namespace {

using loconet::testing::Loconet;
using loconet::testing::Run;

// A corpus folder as `loconet data prepare` leaves it (tokenizer.model, train.shard,
// heldout.shard) over synthetic text, and a nano model trained on it for a few steps.
void WriteCorpusAndModel(const TempDir& dir) {
  std::vector<std::string> docs;
  for (uint64_t seed = 1; seed <= 6; ++seed)
    docs.push_back(loconet::testing::SyntheticText(seed, 300));
  datasets::SentencePieceOptions so;
  so.vocab_size = 300;
  REQUIRE(datasets::SentencePieceTokenizer::Train(docs, dir / datasets::kTokenizerFile, so).ok());
  auto tok = datasets::SentencePieceTokenizer::Load(dir / datasets::kTokenizerFile);
  REQUIRE(tok.ok());
  std::vector<uint32_t> train, heldout;
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    auto ids = (*tok)->Encode(docs[seed - 1]);
    (seed == 6 ? heldout : train)
        .insert((seed == 6 ? heldout : train).end(), ids.begin(), ids.end());
  }
  REQUIRE(
      datasets::WriteShard(dir / datasets::kTrainShardFile, train, (*tok)->vocab_size(), 128).ok());
  REQUIRE(
      datasets::WriteShard(dir / datasets::kHeldoutShardFile, heldout, (*tok)->vocab_size(), 128)
          .ok());
  TrainOptions o = NanoOptions(dir.path());
  o.steps = 20;
  o.eval_every = 20;
  o.checkpoint_path = dir / "nano.pt";
  REQUIRE(RunTraining(o).ok());
}

}  // namespace

TEST_CASE(
    "loconet generate samples the same text for the same seed, from a checkpoint and its "
    "export, and refuses bad input with a non-zero exit",
    "[trainer]") {
  TempDir dir;
  WriteCorpusAndModel(dir);
  const std::string base = "generate --checkpoint " + (dir / "nano.pt") + " --data " + dir.path() +
                           " --prompt 'the cat sees' --max-tokens 20 --top-k 50 --seed 3";
  Run a = Loconet(dir, base);
  INFO(a.err);
  REQUIRE(a.rc == 0);
  CHECK(a.out.rfind("the cat sees", 0) == 0);
  CHECK(a.out.size() > std::string("the cat sees\n").size());
  Run b = Loconet(dir, base);
  CHECK(b.rc == 0);
  CHECK(b.out == a.out);

  Run exported = Loconet(
      dir, "export --checkpoint " + (dir / "nano.pt") + " --out " + (dir / "nano.safetensors"));
  REQUIRE(exported.rc == 0);
  Run c = Loconet(dir, "generate --checkpoint " + (dir / "nano.safetensors") + " --tokenizer " +
                           (dir / datasets::kTokenizerFile) +
                           " --prompt 'the cat sees' --max-tokens 20 --top-k 50 --seed 3");
  CHECK(c.rc == 0);
  CHECK(c.out == a.out);

  Run greedy = Loconet(
      dir, base + " --temperature 0 --model " + LOCONET_SOURCE_DIR + "/configs/models/nano.toml");
  CHECK(greedy.rc == 0);

  const std::pair<std::string, std::string> bad[] = {
      {base + " --temperature -1", "temperature"},
      {base + " --top-k 0", "top-k"},
      {base + " --top-k 100000", "top-k"},
      {"generate --checkpoint " + (dir / "absent.pt") + " --data " + dir.path() + " --prompt x",
       "absent.pt"},
      {"generate --checkpoint " + (dir / "train.shard") + " --data " + dir.path() + " --prompt x",
       "train.shard"},
      {"generate --checkpoint " + (dir / "nano.pt") + " --data " + dir.path() + " --prompt ''",
       "prompt"},
      {"generate --checkpoint " + (dir / "nano.pt") + " --data " + (dir / "nowhere") +
           " --prompt x",
       "tokenizer"},
      {base + " --model " + LOCONET_SOURCE_DIR + "/configs/models/micro.toml", "micro"},
  };
  for (const auto& [args, word] : bad) {
    Run r = Loconet(dir, args);
    INFO(args);
    INFO(r.err);
    CHECK(r.rc != 0);
    CHECK(r.out.empty());
    CHECK(r.err.find(word) != std::string::npos);
  }
}
