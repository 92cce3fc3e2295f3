#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/files.h"
#include "tests/temp_dir.h"
#include "tests/trainer/fixture.h"
#include "trainer/checkpoint.h"
#include "trainer/export.h"
#include "trainer/local_trainer.h"
#include "trainer/params.h"
#include "trainer/training.h"

using namespace loconet;
using loconet::testing::TempDir;

static TrainOptions NanoOptions(const std::string& data_dir) {
  TrainOptions o;
  o.model.name = "nano";
  o.model.vocab_size = 0;
  o.model.context = 32;
  o.model.d_model = 32;
  o.model.layers = 2;
  o.model.heads = 2;
  o.data_dir = data_dir;
  o.steps = 60;
  o.batch = 8;
  o.schedule.peak = 1e-2;
  o.schedule.warmup_steps = 5;
  o.eval_every = 20;
  o.eval_batches = 4;
  o.threads = 1;
  return o;
}

// A synthetic corpus written into `dir`, and NanoOptions over it.
static TrainOptions NanoCorpus(const TempDir& dir) {
  REQUIRE(loconet::testing::WriteSyntheticCorpus(dir.path()));
  return NanoOptions(dir.path());
}

// The same, as a DiLoCo simulation of `workers` workers with H = local_steps.
static TrainOptions NanoDiLoCo(const TempDir& dir, int workers, int64_t local_steps) {
  TrainOptions o = NanoCorpus(dir);
  o.workers = workers;
  o.local_steps = local_steps;
  return o;
}

TEST_CASE("a short training run lowers the held-out loss", "[trainer]") {
  TempDir dir;
  auto summary = RunTraining(NanoCorpus(dir));
  REQUIRE(summary.ok());
  REQUIRE(summary->curve.size() >= 2);
  CHECK(summary->curve.back().heldout_loss < summary->curve.front().heldout_loss - 1.0);
  CHECK(summary->tokens == 60 * 8 * 32);
}

TEST_CASE("eval.batch measures runs of different batches on the same held-out rows",
          "[trainer]") {
  TempDir dir;
  TrainOptions small = NanoCorpus(dir);
  small.steps = 1;
  small.batch = 2;
  TrainOptions large = small;
  large.batch = 8;
  // The same initial model (same seed): the step-0 loss differs only if the held-out rows do.
  auto a = RunTraining(small);
  auto b = RunTraining(large);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->curve.front().heldout_loss != b->curve.front().heldout_loss);
  small.eval_batch = 8;
  large.eval_batch = 8;
  auto c = RunTraining(small);
  auto d = RunTraining(large);
  REQUIRE(c.ok());
  REQUIRE(d.ok());
  CHECK(c->curve.front().heldout_loss == d->curve.front().heldout_loss);
  CHECK(c->curve.front().heldout_loss == b->curve.front().heldout_loss);
}

TEST_CASE("resuming from a checkpoint reproduces an uninterrupted run exactly", "[trainer]") {
  TempDir dir;
  TrainOptions straight = NanoCorpus(dir);
  straight.steps = 40;
  auto full = RunTraining(straight);
  REQUIRE(full.ok());

  TrainOptions first = straight;
  first.checkpoint_path = dir / "ckpt.pt";
  first.stop_at_step = 20;
  auto half = RunTraining(first);
  REQUIRE(half.ok());
  TrainOptions second = first;
  second.stop_at_step = 0;
  second.resume = true;
  auto rest = RunTraining(second);
  REQUIRE(rest.ok());
  CHECK(rest->curve.back().step == 40);
  CHECK(rest->curve.back().heldout_loss == full->curve.back().heldout_loss);
  CHECK(rest->last_train_loss == full->last_train_loss);
}

TEST_CASE("a warm start begins where the checkpoint's model left off, in every mode",
          "[trainer]") {
  TempDir dir;
  TrainOptions pre = NanoCorpus(dir);
  pre.checkpoint_path = dir / "pre.pt";
  auto trained = RunTraining(pre);
  REQUIRE(trained.ok());
  const double pretrained = trained->curve.back().heldout_loss;
  const double fresh = trained->curve.front().heldout_loss;

  TrainOptions single = NanoOptions(dir.path());
  single.init_from = pre.checkpoint_path;
  single.steps = 10;
  TrainOptions diloco = single;
  diloco.workers = 2;
  diloco.local_steps = 5;
  TrainOptions sync_dp = single;
  sync_dp.workers = 2;
  sync_dp.sync_dp = true;
  for (const TrainOptions* o : {&single, &diloco, &sync_dp}) {
    auto r = RunTraining(*o);
    REQUIRE(r.ok());
    // The first evaluation is the pretrained model's (same held-out blocks), not a fresh one's.
    CHECK(r->curve.front().heldout_loss == pretrained);
    CHECK(r->curve.front().heldout_loss < fresh - 1.0);
  }
  // A checkpoint of another shape is refused, naming the file.
  TrainOptions wrong = single;
  wrong.model.d_model = 64;
  auto refused = RunTraining(wrong);
  CHECK(refused.status().code() == Code::kInvalidArgument);
  CHECK(refused.status().message().find("pre.pt") != std::string::npos);
}

TEST_CASE("two simulated DiLoCo workers lower the held-out loss", "[trainer]") {
  TempDir dir;
  TrainOptions o = NanoDiLoCo(dir, 2, 10);
  o.steps = 50;
  o.eval_every = 10;
  auto summary = RunTraining(o);
  REQUIRE(summary.ok());
  CHECK(summary->curve.size() == 6);
  CHECK(summary->curve.back().heldout_loss < summary->curve.front().heldout_loss - 1.0);
  CHECK(summary->tokens == 2 * 50 * 8 * 32);
}

TEST_CASE("a DiLoCo simulation resumes exactly at a round boundary", "[trainer]") {
  TempDir dir;
  TrainOptions o = NanoDiLoCo(dir, 2, 5);
  o.steps = 20;
  auto full = RunTraining(o);
  REQUIRE(full.ok());
  o.checkpoint_path = dir / "ckpt.pt";
  o.stop_at_step = 10;
  REQUIRE(RunTraining(o).ok());
  o.stop_at_step = 0;
  o.resume = true;
  auto rest = RunTraining(o);
  REQUIRE(rest.ok());
  CHECK(rest->curve.back().heldout_loss == full->curve.back().heldout_loss);
}

TEST_CASE("DiLoCo with the fp32 codec counts 4 bytes per parameter per round", "[trainer]") {
  TempDir dir;
  TrainOptions o = NanoDiLoCo(dir, 2, 10);
  o.steps = 30;
  auto summary = RunTraining(o);
  REQUIRE(summary.ok());
  CHECK(summary->bytes_sent_per_worker == 3 * 4 * summary->parameters);
}

TEST_CASE("int8 and top-k DiLoCo lower the held-out loss and send fewer bytes than fp32",
          "[trainer]") {
  TempDir dir;
  TrainOptions o = NanoDiLoCo(dir, 2, 10);
  o.steps = 50;
  auto fp32 = RunTraining(o);
  REQUIRE(fp32.ok());

  TrainOptions int8 = o;
  int8.codec.name = sync::kCodecInt8;
  auto i8 = RunTraining(int8);
  REQUIRE(i8.ok());
  CHECK(i8->curve.back().heldout_loss < i8->curve.front().heldout_loss - 1.0);
  CHECK(i8->bytes_sent_per_worker * 3 < fp32->bytes_sent_per_worker);

  // SparseLoCo's setting: error feedback in place of outer momentum, outer lr 1.
  TrainOptions topk = o;
  topk.codec.name = "topk";
  topk.codec.bits = 2;
  topk.codec.topk_fraction = 0.05;
  topk.outer_lr = 1.0;
  topk.outer_momentum = 0;
  auto tk = RunTraining(topk);
  REQUIRE(tk.ok());
  CHECK(tk->curve.back().heldout_loss < tk->curve.front().heldout_loss - 0.5);
  CHECK(tk->bytes_sent_per_worker * 20 < fp32->bytes_sent_per_worker);
}

TEST_CASE("a DiLoCo simulation with a lossy codec resumes exactly, error feedback included",
          "[trainer]") {
  TempDir dir;
  TrainOptions o = NanoDiLoCo(dir, 2, 5);
  o.steps = 20;
  o.codec.name = sync::kCodecInt8;
  o.codec.chunk = 64;
  auto full = RunTraining(o);
  REQUIRE(full.ok());
  o.checkpoint_path = dir / "ckpt.pt";
  o.stop_at_step = 10;
  REQUIRE(RunTraining(o).ok());
  CHECK(std::filesystem::exists(o.checkpoint_path + ".ef"));
  o.stop_at_step = 0;
  o.resume = true;
  auto rest = RunTraining(o);
  REQUIRE(rest.ok());
  CHECK(rest->curve.back().heldout_loss == full->curve.back().heldout_loss);
}

TEST_CASE("synchronous data parallel matches one model on the workers' combined batch",
          "[trainer]") {
  TempDir dir;
  TrainOptions one = NanoCorpus(dir);
  one.steps = 20;
  one.batch = 8;
  one.eval_batches = 4;
  auto single = RunTraining(one);
  REQUIRE(single.ok());

  TrainOptions dp = one;
  dp.sync_dp = true;
  dp.workers = 2;
  dp.batch = 4;
  dp.eval_batches = 8;  // the same held-out rows in blocks of 4
  auto parallel = RunTraining(dp);
  REQUIRE(parallel.ok());
  CHECK(parallel->tokens == single->tokens);
  CHECK(parallel->bytes_sent_per_worker == 20 * 4 * parallel->parameters);
  CHECK(parallel->last_train_loss == Approx(single->last_train_loss).epsilon(1e-4));
  CHECK(parallel->curve.back().heldout_loss ==
        Approx(single->curve.back().heldout_loss).epsilon(1e-4));
}

TEST_CASE("a non-finite loss stops the step before any state changes", "[trainer]") {
  ModelConfig c;
  c.vocab_size = 16;
  c.context = 8;
  c.d_model = 16;
  c.layers = 1;
  c.heads = 2;
  torch::manual_seed(3);
  LocalTrainer trainer(GPT(c), InnerOptions{});
  {
    torch::NoGradGuard g;
    ParameterList(*trainer.model()).front().index_put_({0, 0}, NAN);
  }
  auto before = CloneParameters(*trainer.model());
  auto block = torch::zeros({2, 9}, torch::kLong);
  auto r = trainer.Step(block);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kNonFiniteLoss);
  CHECK(trainer.step() == 0);
  auto after = CloneParameters(*trainer.model());
  for (size_t i = 1; i < before.size(); ++i) CHECK(torch::equal(before[i], after[i]));
}

TEST_CASE("a training run that hits a non-finite loss keeps the previous checkpoint",
          "[trainer]") {
  TempDir dir;
  TrainOptions o = NanoCorpus(dir);
  o.steps = 10;
  o.checkpoint_path = dir / "ckpt.pt";
  REQUIRE(RunTraining(o).ok());
  auto saved = ReadFile(o.checkpoint_path);
  REQUIRE(saved.ok());
  // A learning rate this large drives the loss to infinity within a few steps.
  o.schedule.peak = 1e30;
  o.schedule.warmup_steps = 0;
  o.grad_clip = 1e6;
  o.resume = false;
  o.steps = 200;
  auto r = RunTraining(o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kNonFiniteLoss);
  auto after = ReadFile(o.checkpoint_path);
  REQUIRE(after.ok());
  CHECK(*after == *saved);
}

TEST_CASE("a damaged checkpoint is refused with its path", "[trainer]") {
  TempDir dir;
  REQUIRE(WriteFileAtomic(dir / "bad.pt", std::string("not a checkpoint")).ok());
  auto r = ReadCheckpointConfig(dir / "bad.pt");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kCorrupt);
  CHECK(r.status().message().find("bad.pt") != std::string::npos);
}

TEST_CASE("safetensors export has a valid header and the exact parameter bytes", "[trainer]") {
  TempDir dir;
  TrainOptions o = NanoCorpus(dir);
  o.steps = 2;
  o.checkpoint_path = dir / "ckpt.pt";
  REQUIRE(RunTraining(o).ok());
  REQUIRE(ExportSafetensors(o.checkpoint_path, dir / "model.safetensors").ok());
  auto file = ReadFile(dir / "model.safetensors");
  REQUIRE(file.ok());
  const std::string& s = *file;
  REQUIRE(s.size() > 8);
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<uint64_t>(static_cast<uint8_t>(s[i])) << (8 * i);
  REQUIRE(8 + n <= s.size());
  CHECK((8 + n) % 8 == 0);
  auto header = nlohmann::json::parse(s.substr(8, n));
  CHECK(header["__metadata__"]["loconet.model"] == "nano");

  auto cfg = ReadCheckpointConfig(o.checkpoint_path);
  REQUIRE(cfg.ok());
  GPT model(*cfg);
  REQUIRE(LoadCheckpoint(o.checkpoint_path, CheckpointParts{&model, {}, nullptr}, nullptr).ok());
  size_t total = 0;
  for (auto& p : model->named_parameters()) {
    auto entry = header[p.key()];
    REQUIRE(entry["dtype"] == "F32");
    CHECK(entry["shape"].get<std::vector<int64_t>>() == p.value().sizes().vec());
    size_t begin = entry["data_offsets"][0], end = entry["data_offsets"][1];
    REQUIRE(end - begin == static_cast<size_t>(p.value().numel()) * 4);
    CHECK(std::memcmp(s.data() + 8 + n + begin, p.value().data_ptr<float>(), end - begin) == 0);
    total += end - begin;
  }
  CHECK(8 + n + total == s.size());
}
