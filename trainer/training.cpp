#include "trainer/training.h"

#include <torch/torch.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/bytes.h"
#include "core/config.h"
#include "core/files.h"
#include "core/hash.h"
#include "core/keys.h"
#include "core/log.h"
#include "datasets/assignment.h"
#include "datasets/loader.h"
#include "datasets/shard.h"
#include "parallel/group.h"
#include "trainer/checkpoint.h"
#include "trainer/local_trainer.h"
#include "trainer/outer_optimizer.h"
#include "trainer/params.h"
#include "trainer/threads.h"
#include "trainer/wire.h"

namespace loconet {

using datasets::AllPages;
using datasets::AssignPages;
using datasets::BlockLoader;
using datasets::ShardReader;

Result<TrainOptions> LoadTrainOptions(const std::string& path) {
  LOCONET_ASSIGN_OR_RETURN(Config c, Config::LoadFile(path));
  TrainOptions o;
  std::string model_file = c.Str("model", std::nullopt);
  o.data_dir = c.Str("data.dir", o.data_dir);
  o.steps = c.Int("train.steps", o.steps, 1, int64_t{1} << 40);
  o.batch = c.Int("train.batch", o.batch, 1, 4096);
  o.schedule.peak = c.Real("train.lr", 3e-3, 1e-8, 1.0);
  o.schedule.min_ratio = c.Real("train.min_lr_ratio", 0.1, 0.0, 1.0);
  o.schedule.warmup_steps = c.Int("train.warmup_steps", 100, 0, int64_t{1} << 40);
  o.weight_decay = c.Real("train.weight_decay", o.weight_decay, 0.0, 10.0);
  o.beta1 = c.Real("train.beta1", o.beta1, 0.0, 0.99999);
  o.beta2 = c.Real("train.beta2", o.beta2, 0.0, 0.99999);
  o.grad_clip = c.Real("train.grad_clip", o.grad_clip, 1e-6, 1e6);
  o.seed = static_cast<uint64_t>(c.Int("train.seed", 1, 0, INT64_MAX));
  o.threads = static_cast<int>(c.Int("train.threads", 0, 0, 1024));
  const std::string precision = c.Str("train.precision", std::string("fp32"));
  o.eval_every = c.Int("eval.every", o.eval_every, 1, int64_t{1} << 40);
  o.eval_batches = c.Int("eval.batches", o.eval_batches, 1, 100000);
  o.eval_batch = c.Int("eval.batch", 0, 0, 4096);
  o.workers = static_cast<int>(c.Int("diloco.workers", 1, 1, 1024));
  o.local_steps = c.Int("diloco.local_steps", 0, 0, int64_t{1} << 40);
  o.outer_lr = c.Real("diloco.outer_lr", o.outer_lr, 0.0, 10.0);
  o.outer_momentum = c.Real("diloco.outer_momentum", o.outer_momentum, 0.0, 0.9999);
  o.pages_per_worker = c.Int("diloco.pages_per_worker", 0, 0, int64_t{1} << 40);
  o.codec.name = c.Str("diloco.codec", o.codec.name);
  o.codec.chunk = static_cast<uint32_t>(c.Int("diloco.codec_chunk", o.codec.chunk, 1, 1 << 24));
  o.codec.bits = static_cast<uint32_t>(c.Int("diloco.codec_bits", o.codec.bits, 1, 16));
  o.codec.topk_fraction = c.Real("diloco.topk_fraction", o.codec.topk_fraction, 0.0, 1.0);
  o.codec.ef_beta = c.Real("diloco.ef_beta", o.codec.ef_beta, 0.0, 1.0);
  o.sync_dp = c.Bool("diloco.sync_dp", false);
  o.checkpoint_path = c.Str("checkpoint.path", std::string());
  o.checkpoint_every = c.Int("checkpoint.every", 0, 0, int64_t{1} << 40);
  o.init_from = c.Str("train.init_from", std::string());
  LOCONET_RETURN_IF_ERROR(c.Finish());
  LOCONET_RETURN_IF_ERROR(o.codec.Validate().WithContext(path + ": diloco.codec"));
  Result<Precision> parsed = ParsePrecision(precision);
  if (!parsed.ok()) return parsed.status().WithContext(path + ": train.precision");
  o.precision = *parsed;

  std::filesystem::path model_path(model_file);
  if (model_path.is_relative()) model_path = std::filesystem::path(path).parent_path() / model_path;
  LOCONET_ASSIGN_OR_RETURN(Config mc, Config::LoadFile(model_path.string()));
  LOCONET_ASSIGN_OR_RETURN(o.model, ReadModelConfig(mc));
  return o;
}

namespace {

torch::Tensor ToTensor(const std::vector<int64_t>& rows, int64_t batch, int64_t width) {
  return torch::from_blob(const_cast<int64_t*>(rows.data()), {batch, width}, torch::kLong).clone();
}

// A fixed held-out set: the first `batches` batches of a loader over every held-out page.
Result<std::vector<torch::Tensor>> HeldOutBlocks(const ShardReader& shard, int64_t batch,
                                                 int64_t ctx, int64_t batches, uint64_t seed) {
  LOCONET_ASSIGN_OR_RETURN(BlockLoader loader,
                           BlockLoader::Create(shard, AllPages(shard), batch, ctx, seed));
  std::vector<torch::Tensor> out;
  std::vector<int64_t> rows;
  for (int64_t i = 0; i < batches; ++i) {
    loader.Next(&rows);
    out.push_back(ToTensor(rows, batch, ctx + 1));
  }
  return out;
}

// Per-round seed and per-worker identity of the simulation, derived from the config seed.
Hash256 RoundSeed(uint64_t seed, int64_t round) {
  ByteWriter w;
  w.Raw("loconet.sim.round", 17);
  w.U64(seed);
  w.I64(round);
  return Blake2b256(w.bytes());
}

PublicKey WorkerKey(uint64_t seed, int worker) {
  ByteWriter w;
  w.Raw("loconet.sim.worker", 18);
  w.U64(seed);
  w.U32(static_cast<uint32_t>(worker));
  return Identity::FromSeed(Blake2b256(w.bytes()).bytes).public_key();
}

std::string FormatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const int s = static_cast<int>(seconds);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%dh%02dm", s / 3600, (s / 60) % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%dm%02ds", s / 60, s % 60);
  }
  return buf;
}

// Progress: a redrawn bar on a terminal, plain log lines otherwise; optional JSON lines.
class Progress {
 public:
  Progress(const TrainOptions& o, int64_t total_steps, int64_t start_step)
      : bar_(o.progress_bar), total_(total_steps), start_step_(start_step),
        start_(std::chrono::steady_clock::now()) {
    if (!o.metrics_path.empty()) {
      metrics_.open(o.metrics_path, std::ios::app);
    }
  }
  bool metrics_ok() const { return !metrics_.is_open() || metrics_.good(); }

  double Elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

  void Update(int64_t step, int64_t round, double train_loss, double heldout, double lr,
              int64_t tokens, bool eval_point) {
    const double elapsed = Elapsed();
    const double tps = elapsed > 0 ? tokens / elapsed : 0;
    const double done = static_cast<double>(step - start_step_);
    const double eta = done > 0 ? elapsed / done * (total_ - step) : NAN;
    if (bar_) {
      const int width = 24;
      const int filled = static_cast<int>(width * static_cast<double>(step) / total_);
      std::string bar(filled, '#');
      bar.resize(width, '.');
      std::fprintf(stderr, "\r[%s] step %lld/%lld  loss %.4f  held-out %.4f  %.0f tok/s  ETA %s   ",
                   bar.c_str(), static_cast<long long>(step), static_cast<long long>(total_),
                   train_loss, heldout, tps, FormatDuration(eta).c_str());
      if (step == total_) std::fprintf(stderr, "\n");
      std::fflush(stderr);
    } else if (eval_point) {
      std::string where = "step " + std::to_string(step) + "/" + std::to_string(total_);
      if (round > 0) where += " round " + std::to_string(round);
      if (std::isnan(train_loss)) {
        spdlog::info("{} held-out {:.4f}", where, heldout);
      } else {
        spdlog::info("{} loss {:.4f} held-out {:.4f} lr {:.2e} {:.0f} tok/s ETA {}", where,
                     train_loss, heldout, lr, tps, FormatDuration(eta));
      }
    }
    if (eval_point && metrics_.is_open()) {
      nlohmann::json j = {{"step", step},          {"round", round},
                          {"train_loss", train_loss}, {"heldout_loss", heldout},
                          {"lr", lr},              {"tokens", tokens},
                          {"tokens_per_s", tps},   {"elapsed_s", elapsed}};
      metrics_ << j.dump() << "\n";
      metrics_.flush();
    }
  }

 private:
  bool bar_;
  int64_t total_, start_step_;
  std::chrono::steady_clock::time_point start_;
  std::ofstream metrics_;
};

struct Data {
  ShardReader train;
  ShardReader heldout;
};

Result<Data> OpenData(const TrainOptions& o, ModelConfig* model) {
  LOCONET_ASSIGN_OR_RETURN(ShardReader train, ShardReader::Open(o.data_dir + "/train.shard"));
  LOCONET_ASSIGN_OR_RETURN(ShardReader heldout, ShardReader::Open(o.data_dir + "/heldout.shard"));
  if (model->vocab_size == 0) model->vocab_size = train.vocab_size();
  if (train.vocab_size() > model->vocab_size || heldout.vocab_size() > model->vocab_size) {
    return Error(Code::kInvalidArgument,
                 o.data_dir + ": the shards use a vocabulary of " +
                     std::to_string(train.vocab_size()) + " tokens but model '" + model->name +
                     "' has " + std::to_string(model->vocab_size));
  }
  return Data{std::move(train), std::move(heldout)};
}

// The checkpoint at `path` holds a model of the shape of `model`.
Status CheckShape(const std::string& path, const ModelConfig& model) {
  LOCONET_ASSIGN_OR_RETURN(ModelConfig saved, ReadCheckpointConfig(path));
  if (saved.vocab_size != model.vocab_size || saved.context != model.context ||
      saved.d_model != model.d_model || saved.layers != model.layers ||
      saved.heads != model.heads) {
    return Error(Code::kInvalidArgument, path + ": holds a '" + saved.name +
                                             "' model whose shape differs from the config's '" +
                                             model.name + "'");
  }
  return Status::Ok();
}

Status CheckResumable(const TrainOptions& o, const ModelConfig& model) {
  return CheckShape(o.checkpoint_path, model);
}

// Loads the parameters of o.init_from into `model` (a warm start).
Status WarmStart(const TrainOptions& o, const ModelConfig& cfg, GPT* model) {
  LOCONET_RETURN_IF_ERROR(CheckShape(o.init_from, cfg));
  TrainPosition ignored;
  LOCONET_RETURN_IF_ERROR(
      LoadCheckpoint(o.init_from, CheckpointParts{model, {}, nullptr}, &ignored));
  spdlog::info("warm start from the parameters of {}", o.init_from);
  return Status::Ok();
}

InnerOptions MakeInner(const TrainOptions& o) {
  InnerOptions in;
  in.schedule = o.schedule;
  in.schedule.total_steps = o.steps;
  in.weight_decay = o.weight_decay;
  in.beta1 = o.beta1;
  in.beta2 = o.beta2;
  in.grad_clip = o.grad_clip;
  in.precision = o.precision;
  return in;
}

// One synchronous data-parallel step, read like LocalTrainer::Step: each worker's micro-batch
// adds its gradient scaled by 1/M (so the accumulated gradient is the workers' average, what an
// all-reduce would deliver), then one clip and one AdamW step. Returns the mean loss. A non-finite
// loss or gradient norm returns kNonFiniteLoss before the parameters or the optimizer change.
Result<double> DataParallelStep(LocalTrainer& trainer, const InnerOptions& in,
                                const std::vector<torch::Tensor>& blocks) {
  const double lr = in.schedule.At(trainer.step());
  for (auto& group : trainer.optimizer().param_groups()) {
    static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
  }
  trainer.optimizer().zero_grad();
  const double scale = 1.0 / static_cast<double>(blocks.size());
  double sum = 0;
  for (const auto& block : blocks) {  // block: (B, T+1), one worker's batch
    auto loss = trainer.TrainingLoss(block);
    const double value = loss.item<double>();
    if (!std::isfinite(value)) {
      trainer.optimizer().zero_grad();
      return Error(Code::kNonFiniteLoss, "loss is " + std::to_string(value) + " at step " +
                                             std::to_string(trainer.step()) +
                                             "; training stopped before the update");
    }
    (loss * scale).backward();
    sum += value;
  }
  const double norm =
      torch::nn::utils::clip_grad_norm_(ParameterList(*trainer.model()), in.grad_clip);
  if (!std::isfinite(norm)) {
    trainer.optimizer().zero_grad();
    return Error(Code::kNonFiniteLoss, "gradient norm is " + std::to_string(norm) + " at step " +
                                           std::to_string(trainer.step()) +
                                           "; training stopped before the update");
  }
  trainer.optimizer().step();
  trainer.set_step(trainer.step() + 1);
  return sum * scale;
}

// Every rank of a group starts from the same place: rank 0's parameters and its (step, data
// position); a rank that would start elsewhere (a resume without the checkpoint) is an error.
Status AlignRanks(parallel::Group& group, LocalTrainer& trainer, TrainPosition* pos) {
  torch::Tensor where = torch::tensor(
      {static_cast<double>(pos->step), static_cast<double>(pos->data_position)}, torch::kDouble);
  torch::Tensor mine = where.clone();
  LOCONET_RETURN_IF_ERROR(group.Broadcast({where}, 0));
  if (!torch::equal(where, mine)) {
    return Error(Code::kInvalidArgument,
                 "rank " + std::to_string(group.rank()) + " starts at step " +
                     std::to_string(pos->step) + " but rank 0 at step " +
                     std::to_string(static_cast<int64_t>(where[0].item<double>())) +
                     ": every rank needs the same checkpoint to resume");
  }
  return group.Broadcast(ParameterList(*trainer.model()), 0);
}

// The workers' error-feedback buffers live beside a DiLoCo checkpoint, in `checkpoint.ef`, so a
// lossy codec resumes exactly: "loconet.ef", i64 round, u32 workers, then per worker u32 buffer
// count and per buffer u64 length and f32le values. Written after the checkpoint; the round ties
// the two, so a crash between the writes is caught on resume rather than silently diverging.
std::string FeedbackPath(const std::string& checkpoint) { return checkpoint + ".ef"; }

Status SaveFeedback(const std::string& path, int64_t round,
                    const std::vector<sync::ErrorFeedback>& feedback) {
  ByteWriter w;
  w.Raw("loconet.ef", 10);
  w.I64(round);
  w.U32(static_cast<uint32_t>(feedback.size()));
  for (const sync::ErrorFeedback& f : feedback) {
    w.U32(static_cast<uint32_t>(f.num_buffers()));
    for (size_t i = 0; i < f.num_buffers(); ++i) {
      const std::vector<float>& b = f.buffer(i);
      w.U64(b.size());
      for (float v : b) w.F32(v);
    }
  }
  return WriteFileAtomic(path, w.bytes().data(), w.bytes().size());
}

Status LoadFeedback(const std::string& path, int64_t round,
                    std::vector<sync::ErrorFeedback>* feedback) {
  LOCONET_ASSIGN_OR_RETURN(std::string data, ReadFile(path));
  ByteReader r(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  char magic[10] = {};
  int64_t saved_round = 0;
  uint32_t workers = 0;
  if (!r.Raw(magic, sizeof magic) || std::memcmp(magic, "loconet.ef", sizeof magic) != 0 ||
      !r.I64(&saved_round) || !r.U32(&workers)) {
    return Error(Code::kCorrupt, path + ": not an error-feedback file");
  }
  if (saved_round != round || workers != feedback->size()) {
    return Error(Code::kCorrupt, path + ": holds round " + std::to_string(saved_round) + " of " +
                                     std::to_string(workers) + " workers, the checkpoint round " +
                                     std::to_string(round) + " of " +
                                     std::to_string(feedback->size()));
  }
  for (sync::ErrorFeedback& f : *feedback) {
    uint32_t count = 0;
    if (!r.U32(&count)) break;
    for (uint32_t i = 0; i < count; ++i) {
      uint64_t n = 0;
      if (!r.U64(&n) || n > r.remaining() / sizeof(float)) {
        return Error(Code::kCorrupt, path + ": truncated error-feedback file");
      }
      std::vector<float> values(n);
      for (float& v : values) r.F32(&v);
      f.SetBuffer(i, std::move(values));
    }
  }
  Status s = r.Finish(path);
  if (!s.ok()) return Error(Code::kCorrupt, s.message());
  return Status::Ok();
}

Result<TrainSummary> RunSingle(const TrainOptions& o, const ModelConfig& cfg, Data& data,
                               const std::vector<torch::Tensor>& eval, parallel::Group* group) {
  torch::manual_seed(o.seed);
  LocalTrainer trainer(GPT(cfg), MakeInner(o));
  // A group reads the global batch of world x batch rows that one trainer would read, and each
  // rank trains on its own `batch` of them.
  const int64_t world = group ? group->world() : 1;
  const int64_t rank = group ? group->rank() : 0;
  const bool lead = rank == 0;
  LOCONET_ASSIGN_OR_RETURN(BlockLoader loader,
                           BlockLoader::Create(data.train, AllPages(data.train), o.batch * world,
                                               cfg.context, o.seed));
  TrainPosition pos;
  const bool resuming = o.resume && !o.checkpoint_path.empty() &&
                        std::filesystem::exists(o.checkpoint_path);
  if (resuming) {
    LOCONET_RETURN_IF_ERROR(CheckResumable(o, cfg));
    torch::optim::Optimizer* opt = &trainer.optimizer();
    LOCONET_RETURN_IF_ERROR(LoadCheckpoint(o.checkpoint_path,
                                           CheckpointParts{&trainer.model(), {opt}, nullptr}, &pos));
    trainer.set_step(pos.step);
    loader.Seek(static_cast<uint64_t>(pos.data_position));
    spdlog::info("resumed from {} at step {}", o.checkpoint_path, pos.step);
  } else if (!o.init_from.empty()) {
    LOCONET_RETURN_IF_ERROR(WarmStart(o, cfg, &trainer.model()));
  }
  if (group) LOCONET_RETURN_IF_ERROR(AlignRanks(*group, trainer, &pos));

  TrainSummary summary;
  summary.parameters = cfg.ParameterCount();
  // Synchronous data parallel: every step takes one batch per worker from the loader.
  const int64_t micro_batches = o.sync_dp ? o.workers : world;
  const int64_t tokens_per_step = micro_batches * o.batch * cfg.context;
  const InnerOptions inner = MakeInner(o);
  // Only rank 0 of a group reports: progress, metrics, evaluations, checkpoints.
  TrainOptions reporting = o;
  if (!lead) {
    reporting.metrics_path.clear();
    reporting.progress_bar = false;
  }
  Progress progress(reporting, o.steps, pos.step);
  double heldout = lead ? trainer.Evaluate(eval) : NAN;
  summary.curve.push_back({pos.step, heldout});
  if (lead) progress.Update(pos.step, 0, NAN, heldout, 0, 0, true);
  std::vector<int64_t> rows;
  std::vector<torch::Tensor> blocks;
  double loss_sum = 0;
  int64_t loss_n = 0;
  auto save = [&]() -> Status {
    if (o.checkpoint_path.empty() || !lead) return Status::Ok();
    TrainPosition p{trainer.step(), 0, static_cast<int64_t>(loader.position())};
    torch::optim::Optimizer* opt = &trainer.optimizer();
    return SaveCheckpoint(o.checkpoint_path, CheckpointParts{&trainer.model(), {opt}, nullptr}, p);
  };
  const int64_t stop = o.stop_at_step > 0 ? std::min(o.stop_at_step, o.steps) : o.steps;
  while (trainer.step() < stop) {
    Result<double> loss = 0.0;
    if (o.sync_dp) {
      blocks.clear();
      for (int64_t m = 0; m < micro_batches; ++m) {
        loader.Next(&rows);
        blocks.push_back(ToTensor(rows, o.batch, cfg.context + 1));  // (B, T+1)
      }
      loss = DataParallelStep(trainer, inner, blocks);
      // An fp32 all-reduce of the gradients: one full gradient per worker per step.
      summary.bytes_sent_per_worker += 4 * summary.parameters;
    } else {
      // world x batch rows of (T+1) tokens; this rank trains its own (B, T+1) block of them (a
      // single process: all of them) and, in a group, all-reduces its gradient.
      loader.Next(&rows);
      loss = trainer.Step(RankBlock(rows, o.batch, cfg.context + 1, rank), group);
      if (group) summary.bytes_sent_per_worker += 4 * summary.parameters;  // as --sync-dp counts
    }
    if (!loss.ok()) return loss.status();
    loss_sum += *loss;
    ++loss_n;
    summary.tokens += tokens_per_step;
    const int64_t step = trainer.step();
    const bool eval_point = step % o.eval_every == 0 || step == stop;
    if (eval_point) {
      if (lead) heldout = trainer.Evaluate(eval);
      summary.curve.push_back({step, heldout});
      summary.last_train_loss = loss_sum / loss_n;
      loss_sum = 0;
      loss_n = 0;
    }
    if (lead) {
      progress.Update(step, 0, summary.last_train_loss, heldout, inner.schedule.At(step - 1),
                      summary.tokens, eval_point);
    }
    if (o.checkpoint_every > 0 && step % o.checkpoint_every == 0) LOCONET_RETURN_IF_ERROR(save());
  }
  summary.tokens_per_second = summary.tokens / std::max(1e-9, progress.Elapsed());
  LOCONET_RETURN_IF_ERROR(save());
  return summary;
}

Result<TrainSummary> RunDiLoCo(const TrainOptions& o, const ModelConfig& cfg, Data& data,
                               const std::vector<torch::Tensor>& eval) {
  const int64_t H = o.local_steps > 0 ? o.local_steps : 50;
  const int64_t rounds = (o.steps + H - 1) / H;
  const uint64_t num_pages = data.train.num_pages();
  const uint64_t share = o.pages_per_worker > 0 ? static_cast<uint64_t>(o.pages_per_worker)
                                                 : std::max<uint64_t>(1, num_pages / o.workers);
  torch::manual_seed(o.seed);
  GPT global(cfg);
  std::vector<torch::Tensor> global_params = ParameterList(*global);
  std::vector<std::unique_ptr<LocalTrainer>> workers;
  for (int k = 0; k < o.workers; ++k) {
    workers.push_back(std::make_unique<LocalTrainer>(GPT(cfg), MakeInner(o)));
  }
  OuterNesterov outer(o.outer_lr, o.outer_momentum);
  LOCONET_ASSIGN_OR_RETURN(std::unique_ptr<sync::Codec> codec, sync::MakeCodec(o.codec));
  std::vector<sync::ErrorFeedback> feedback(o.workers, sync::ErrorFeedback(o.codec.ef_beta));
  std::vector<torch::optim::Optimizer*> opts;
  for (auto& w : workers) opts.push_back(&w->optimizer());
  CheckpointParts parts{&global, opts, &outer};

  TrainPosition pos;
  if (o.resume && !o.checkpoint_path.empty() && std::filesystem::exists(o.checkpoint_path)) {
    LOCONET_RETURN_IF_ERROR(CheckResumable(o, cfg));
    LOCONET_RETURN_IF_ERROR(LoadCheckpoint(o.checkpoint_path, parts, &pos));
    if (!codec->lossless()) {
      LOCONET_RETURN_IF_ERROR(LoadFeedback(FeedbackPath(o.checkpoint_path), pos.round, &feedback));
    }
    spdlog::info("resumed from {} at round {}", o.checkpoint_path, pos.round);
  } else if (!o.init_from.empty()) {
    LOCONET_RETURN_IF_ERROR(WarmStart(o, cfg, &global));
  }
  for (auto& w : workers) w->set_step(pos.round * H);

  TrainSummary summary;
  summary.parameters = cfg.ParameterCount();
  Progress progress(o, rounds * H, pos.round * H);
  double heldout = EvaluateLoss(global, eval);
  summary.curve.push_back({pos.round * H, heldout});
  progress.Update(pos.round * H, pos.round, NAN, heldout, 0, 0, true);
  std::vector<int64_t> rows;
  int64_t bytes_sent = 0;  // all workers
  const int64_t stop_round =
      o.stop_at_step > 0 ? std::min(rounds, (o.stop_at_step + H - 1) / H) : rounds;
  for (int64_t r = pos.round; r < stop_round; ++r) {
    const Hash256 round_seed = RoundSeed(o.seed, r);
    std::vector<torch::Tensor> delta_sum;
    double loss_sum = 0;
    for (int k = 0; k < o.workers; ++k) {
      LocalTrainer& w = *workers[k];
      std::vector<torch::Tensor> wparams = ParameterList(*w.model());
      CopyParameters(wparams, global_params);
      std::vector<uint64_t> pages = AssignPages(round_seed, WorkerKey(o.seed, k), num_pages, share);
      uint64_t loader_seed = 0;
      std::memcpy(&loader_seed, round_seed.bytes.data(), 8);
      LOCONET_ASSIGN_OR_RETURN(BlockLoader loader,
                               BlockLoader::Create(data.train, pages, o.batch, cfg.context,
                                                   loader_seed + static_cast<uint64_t>(k)));
      for (int64_t h = 0; h < H; ++h) {
        loader.Next(&rows);
        Result<double> loss = w.Step(ToTensor(rows, o.batch, cfg.context + 1));
        if (!loss.ok()) return loss.status().WithContext("worker " + std::to_string(k));
        loss_sum += *loss;
      }
      // Pseudo-gradient of worker k, theta_global - theta_k, sent through the codec with the
      // worker's own error feedback; what arrives is decoded and summed over workers.
      torch::NoGradGuard no_grad;
      std::vector<torch::Tensor> delta;
      for (size_t i = 0; i < wparams.size(); ++i) delta.push_back(global_params[i] - wparams[i]);
      google::protobuf::RepeatedPtrField<proto::EncodedTensor> sent;
      EncodeDeltas(*global, delta, *codec, feedback[k], &sent);
      for (const proto::EncodedTensor& t : sent) {
        bytes_sent += static_cast<int64_t>(t.data().size());
      }
      Result<std::vector<torch::Tensor>> received = DecodeDeltas(*global, sent, *codec);
      if (!received.ok()) return received.status().WithContext("worker " + std::to_string(k));
      for (size_t i = 0; i < received->size(); ++i) {
        if (delta_sum.size() <= i) {
          delta_sum.push_back((*received)[i]);
        } else {
          delta_sum[i].add_((*received)[i]);
        }
      }
      summary.tokens += H * o.batch * cfg.context;
    }
    for (auto& d : delta_sum) d.div_(static_cast<double>(o.workers));
    outer.Step(global_params, delta_sum);
    const int64_t step = (r + 1) * H;
    const bool eval_point = step % o.eval_every < H || r + 1 == stop_round;
    summary.last_train_loss = loss_sum / static_cast<double>(H * o.workers);
    if (eval_point) {
      heldout = EvaluateLoss(global, eval);
      summary.curve.push_back({step, heldout});
    }
    progress.Update(step, r + 1, summary.last_train_loss, heldout, MakeInner(o).schedule.At(step - 1),
                    summary.tokens, eval_point);
    const bool save_now = !o.checkpoint_path.empty() &&
                          ((o.checkpoint_every > 0 && (r + 1) % o.checkpoint_every == 0) ||
                           r + 1 == stop_round);
    if (save_now) {
      LOCONET_RETURN_IF_ERROR(SaveCheckpoint(o.checkpoint_path, parts, TrainPosition{step, r + 1, 0}));
      if (!codec->lossless()) {
        LOCONET_RETURN_IF_ERROR(SaveFeedback(FeedbackPath(o.checkpoint_path), r + 1, feedback));
      }
    }
  }
  summary.tokens_per_second = summary.tokens / std::max(1e-9, progress.Elapsed());
  summary.bytes_sent_per_worker = bytes_sent / o.workers;
  return summary;
}

}  // namespace

Result<TrainSummary> RunTraining(const TrainOptions& options) {
  if (options.workers < 1) {
    return Error(Code::kInvalidArgument, "workers is " + std::to_string(options.workers) +
                                             ", must be at least 1");
  }
  if (options.dp_world > 1 && (options.diloco() || options.sync_dp)) {
    return Error(Code::kInvalidArgument,
                 "data parallel across processes (--dp) trains one model: it does not combine "
                 "with simulated DiLoCo workers or --sync-dp");
  }
  // Ranks on one host share its cores; never more compute threads than cores.
  int threads = options.threads;
  if (threads <= 0 && options.dp_world > 1) {
    threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / options.dp_world);
  }
  ThreadPlan plan = ConfigureCompute(threads, options.precision);
  spdlog::info("compute: {} x {} threads (torch x OpenBLAS), {} forward pass", plan.torch_threads,
               plan.blas_threads, PrecisionName(options.precision));
  ModelConfig cfg = options.model;
  for (const std::string& file : {options.checkpoint_path, options.metrics_path}) {
    const std::string dir = std::filesystem::path(file).parent_path().string();
    if (!file.empty() && !dir.empty()) LOCONET_RETURN_IF_ERROR(MakeDirs(dir));
  }
  LOCONET_ASSIGN_OR_RETURN(Data data, OpenData(options, &cfg));
  if (data.train.page_tokens() < static_cast<uint64_t>(cfg.context + 1)) {
    return Error(Code::kInvalidArgument, "pages of " + std::to_string(data.train.page_tokens()) +
                                             " tokens are shorter than the model context + 1");
  }
  LOCONET_ASSIGN_OR_RETURN(std::vector<torch::Tensor> eval,
                           HeldOutBlocks(data.heldout,
                                         options.eval_batch > 0 ? options.eval_batch : options.batch,
                                         cfg.context,
                                         options.eval_batches, options.seed ^ 0x5eed));
  spdlog::info("model {}: {} parameters; {} training pages, {} held-out pages", cfg.name,
               cfg.ParameterCount(), data.train.num_pages(), data.heldout.num_pages());
  if (options.diloco()) {
    spdlog::info("DiLoCo: {} workers, H {}, outer lr {} momentum {}, codec {}", options.workers,
                 options.local_steps, options.outer_lr, options.outer_momentum,
                 options.codec.ToString());
    return RunDiLoCo(options, cfg, data, eval);
  }
  if (options.sync_dp) spdlog::info("synchronous data parallel: {} workers", options.workers);
  std::unique_ptr<parallel::Group> group;
  if (options.dp_world > 1) {
    parallel::GroupOptions g;
    g.world = options.dp_world;
    g.rank = options.dp_rank;
    g.timeout_seconds = options.dp_timeout_seconds;
    LOCONET_RETURN_IF_ERROR(parallel::ParseStoreAddress(options.dp_store, &g));
    LOCONET_ASSIGN_OR_RETURN(group, parallel::Group::Join(g));
    spdlog::info("data parallel: rank {} of {} (c10d Gloo, store {}), {} compute threads",
                 g.rank, g.world, options.dp_store, std::max(plan.torch_threads, plan.blas_threads));
  }
  return RunSingle(options, cfg, data, eval, group.get());
}

}  // namespace loconet
