// Validator scoring throughput: submissions fully measured per second (decode, improvement on
// the round's evaluation batches, the assigned-data check on the miner's own pages, and the
// contamination check when it is on) for rounds of 16, 64 and 256 submissions, with one scoring
// worker and with one per core, through the validator's own MeasureUpdates. Also checks that
// the two give the same bits, and prints the forward-pass work per submission beside the
// machine's measured matrix-multiply peak, which bounds what any scheduling can reach.
//
// The submissions are real int8-coded updates (the shipped codec): one pseudo-gradient of 30
// AdamW steps on the corpus, plus a small different perturbation per miner, so no two are equal;
// what a measurement costs does not depend on the values.
//
//   scoring_bench [--config configs/validator.toml] [--data data/corpus] [--counts 16,64,256]
//                 [--workers N]   (N <= 0: every core; the validator's `threads`)
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "datasets/assignment.h"
#include "datasets/loader.h"
#include "datasets/shard.h"
#include "sync/codec.h"
#include "trainer/local_trainer.h"
#include "trainer/params.h"
#include "trainer/threads.h"
#include "trainer/wire.h"
#include "validator/config.h"
#include "validator/score_workers.h"

using namespace loconet;
using Clock = std::chrono::steady_clock;

namespace {

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "scoring_bench: %s\n", what.c_str());
  std::exit(2);
}

template <typename T>
T Must(Result<T> r, const char* what) {
  if (!r.ok()) Die(std::string(what) + ": " + r.status().ToString());
  return std::move(*r);
}

PublicKey Miner(uint32_t i) {
  std::array<uint8_t, 32> seed{};
  std::memcpy(seed.data(), &i, sizeof(i));
  seed[31] = 0x5c;
  return Identity::FromSeed(seed).public_key();
}

double Seconds(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Best of three 1024^3 fp32 products under the current thread plan, in GFLOP/s.
double MatmulPeak() {
  torch::NoGradGuard g;
  auto a = torch::randn({1024, 1024}), b = torch::randn({1024, 1024});
  (void)torch::mm(a, b);
  double best = 0;
  for (int r = 0; r < 3; ++r) {
    const auto t0 = Clock::now();
    for (int i = 0; i < 10; ++i) (void)torch::mm(a, b);
    best = std::max(best, 10 * 2.0 * 1024 * 1024 * 1024 / Seconds(t0) / 1e9);
  }
  return best;
}

bool SameBits(const std::vector<Measured>& a, const std::vector<Measured>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::memcmp(&a[i].improvement, &b[i].improvement, sizeof(double)) != 0 ||
        std::memcmp(&a[i].own_gain, &b[i].own_gain, sizeof(double)) != 0 ||
        std::memcmp(&a[i].random_gain, &b[i].random_gain, sizeof(double)) != 0 ||
        std::memcmp(&a[i].contamination_z, &b[i].contamination_z, sizeof(double)) != 0 ||
        a[i].verdict != b[i].verdict) {
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path = "configs/validator.toml", data = "data/corpus", counts_arg =
                                                                             "16,64,256";
  int workers = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    if (k == "--config") config_path = argv[i + 1];
    else if (k == "--data") data = argv[i + 1];
    else if (k == "--counts") counts_arg = argv[i + 1];
    else if (k == "--workers") workers = std::atoi(argv[i + 1]);
    else Die("unknown flag " + k);
  }
  std::vector<uint32_t> counts;
  std::stringstream cs(counts_arg);
  for (std::string c; std::getline(cs, c, ',');) counts.push_back(static_cast<uint32_t>(std::stoul(c)));
  if (counts.empty()) Die("--counts is empty");

  ValidatorConfig cfg = Must(LoadValidatorConfig(config_path), "validator config");
  auto train = Must(datasets::ShardReader::Open(data + "/train.shard"), "train shard");
  auto heldout = Must(datasets::ShardReader::Open(data + "/heldout.shard"), "held-out shard");
  if (cfg.model.vocab_size == 0) cfg.model.vocab_size = train.vocab_size();
  const uint32_t max_count = *std::max_element(counts.begin(), counts.end());
  if (cfg.pages_per_miner == 0) {
    cfg.pages_per_miner = datasets::PagesToCover(cfg.local_steps, cfg.batch,
                                                 static_cast<uint32_t>(cfg.model.context),
                                                 train.page_tokens(), train.num_pages());
  }
  // Leave half the training pages unassigned for the evaluation pages, however many miners:
  // what a measurement costs does not depend on how many pages a miner was given.
  const uint32_t fit = static_cast<uint32_t>(train.num_pages() / (2ull * max_count));
  if (fit < 1) Die("the corpus has too few pages for " + std::to_string(max_count) + " miners");
  if (cfg.pages_per_miner > fit) {
    std::printf("pages per miner lowered from %u to %u so that %u miners leave half the %llu "
                "training pages for evaluation\n",
                cfg.pages_per_miner, fit, max_count,
                static_cast<unsigned long long>(train.num_pages()));
    cfg.pages_per_miner = fit;
  }
  const ThreadPlan plan = ConfigureCompute(0);
  const int cores = plan.blas_threads;
  if (workers <= 0) workers = cores;
  const double peak = MatmulPeak();

  // One real pseudo-gradient: 30 AdamW steps on some training pages.
  torch::manual_seed(cfg.seed);
  GPT model(cfg.model);
  const int64_t params = [&] {
    int64_t n = 0;
    for (const auto& p : ParameterList(*model)) n += p.numel();
    return n;
  }();
  Update base_delta;
  {
    torch::manual_seed(cfg.seed);
    GPT local(cfg.model);
    InnerOptions opt;
    opt.schedule.peak = 3e-3;
    opt.schedule.warmup_steps = 5;
    opt.schedule.total_steps = 30;
    LocalTrainer trainer(local, opt);
    std::vector<uint64_t> pages;
    for (uint64_t p = 0; p < std::min<uint64_t>(16, train.num_pages()); ++p) pages.push_back(p);
    auto loader = Must(datasets::BlockLoader::Create(train, pages, static_cast<int>(cfg.batch),
                                                     static_cast<int>(cfg.model.context), 1),
                       "loader");
    std::vector<int64_t> rows;
    for (int h = 0; h < 30; ++h) {
      loader.Next(&rows);
      auto block = torch::from_blob(rows.data(),
                                    {static_cast<int64_t>(cfg.batch), cfg.model.context + 1},
                                    torch::kLong)
                       .clone();
      if (!trainer.Step(block).ok()) Die("training the reference update failed");
    }
    auto a = ParameterList(*model), b = ParameterList(*local);
    for (size_t i = 0; i < a.size(); ++i) base_delta.push_back((a[i] - b[i]).detach());
  }
  auto codec = Must(sync::MakeCodec(cfg.codec), "codec");
  std::vector<google::protobuf::RepeatedPtrField<proto::EncodedTensor>> encoded(max_count);
  for (uint32_t i = 0; i < max_count; ++i) {
    torch::manual_seed(100 + i);
    Update d;
    for (const auto& t : base_delta) d.push_back(t + torch::randn_like(t) * t.std() * 0.1);
    sync::ErrorFeedback none(0.0);
    EncodeDeltas(*model, d, *codec, none, &encoded[i]);
  }

  // The round's evaluation material, as CloseRound draws it.
  Hash256 round_seed, secret;
  round_seed.bytes[0] = 1;
  secret.bytes[0] = 2;
  std::set<PublicKey> miners;
  for (uint32_t i = 0; i < max_count; ++i) miners.insert(Miner(i));
  const auto eval_pages = EvaluationPages(round_seed, secret, miners, train.num_pages(),
                                          cfg.pages_per_miner, cfg.eval_pages);
  if (eval_pages.empty()) {
    Die("every training page is assigned to one of " + std::to_string(max_count) +
        " miners; lower --counts or use a larger corpus");
  }
  RoundEvaluation ev = EvaluationSettings(cfg, train, round_seed, secret);
  ev.blocks = Must(DrawBlocks(train, eval_pages, cfg.batch, cfg.model.context, SeedFrom(secret),
                              cfg.eval_batches),
                   "evaluation blocks");
  if (cfg.contamination_z > 0) {
    std::vector<uint64_t> all;
    for (uint64_t p = 0; p < heldout.num_pages(); ++p) all.push_back(p);
    ev.heldout_blocks = Must(DrawBlocks(heldout, all, cfg.batch, cfg.model.context,
                                        SeedFrom(secret) + 1, cfg.eval_batches),
                             "held-out blocks");
  }

  const uint64_t forward_rows =
      (ev.blocks.size() + 2ull * cfg.data_batches + ev.heldout_blocks.size()) * cfg.batch;
  const double gflop = 2.0 * static_cast<double>(params) *
                       static_cast<double>(forward_rows * cfg.model.context) / 1e9;
  std::printf("model %s (%lld parameters), batch %u x context %lld; per submission: %u evaluation "
              "+ 2 x %u own-page + %zu held-out batches = %.1f GFLOP of forward passes "
              "(2 x parameters x tokens)\n",
              cfg.model.name.c_str(), static_cast<long long>(params), cfg.batch,
              static_cast<long long>(cfg.model.context), cfg.eval_batches, cfg.data_batches,
              ev.heldout_blocks.size(), gflop);
  std::printf("matmul peak %.0f GFLOP/s (%d BLAS threads); at that peak at most %.2f submissions/s; "
              "goal 8/s\n\n",
              peak, cores, peak / gflop);
  std::printf("| submissions | workers | seconds | submissions/s | GFLOP/s | same bits as 1 worker |\n");
  std::printf("|---|---|---|---|---|---|\n");
  std::vector<Measured> reference;  // one worker, the first count
  for (size_t c = 0; c < counts.size(); ++c) {
    std::vector<PendingUpdate> pending;
    for (uint32_t i = 0; i < counts[c]; ++i) {
      pending.push_back({Miner(i), i, [&, i](GPT& m) -> Result<Update> {
                           return DecodeDeltas(*m, encoded[i], *codec);
                         }});
    }
    std::vector<int> plans = {workers};
    if (c == 0 && workers != 1) plans.insert(plans.begin(), 1);
    for (int w : plans) {
      const auto t0 = Clock::now();
      auto r = Must(MeasureUpdates(model, pending, ev, w), "measuring");
      const double s = Seconds(t0);
      std::string same = "(reference)";
      if (c == 0 && w == 1) {
        reference = r.measured;
      } else {
        std::vector<Measured> head(r.measured.begin(),
                                   r.measured.begin() + std::min(r.measured.size(), reference.size()));
        same = SameBits(head, reference) ? "yes" : "NO";
      }
      std::printf("| %u | %d | %.1f | %.2f | %.1f | %s |\n", counts[c], w, s, counts[c] / s,
                  counts[c] * gflop / s, same.c_str());
      std::fflush(stdout);
    }
  }
  return 0;
}
