// Trainer throughput: tokens/s and achieved GFLOP/s (6 x parameters x tokens/s) of full AdamW
// training steps for nano, micro and mini, beside the machine's measured fp32 matrix-multiply
// peak, for several thread plans. Random tokens: the data pipeline is not what is measured.
//
//   trainer_bench [--models nano,micro,mini] [--batch 16] [--steps N] [--markdown]
//                 [--default-plan-only] [--plan TORCH,BLAS] [--precision fp32|bf16]
//
// With --precision bf16 the forward pass runs under bf16 autocast (trainer/precision.h) and the
// matmul peak column is the bf16 peak.
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <dlfcn.h>
#include <string>
#include <thread>
#include <vector>

#include "core/config.h"
#include "trainer/gpt.h"
#include "trainer/local_trainer.h"
#include "trainer/precision.h"
#include "trainer/threads.h"

using namespace loconet;
using Clock = std::chrono::steady_clock;

static double Seconds(Clock::time_point a) {
  return std::chrono::duration<double>(Clock::now() - a).count();
}

// The model sizes of configs/models/<name>.toml, with the default 4096-token vocabulary.
static ModelConfig Named(const std::string& name) {
  const std::string path = "configs/models/" + name + ".toml";
  auto config = Config::LoadFile(path);
  Result<ModelConfig> m = config.ok() ? ReadModelConfig(*config) : Result<ModelConfig>(config.status());
  if (!m.ok()) {
    std::fprintf(stderr, "trainer_bench: %s (run from the repository root)\n",
                 m.status().ToString().c_str());
    std::exit(2);
  }
  if (m->vocab_size == 0) m->vocab_size = 4096;
  return *m;
}

// Best of three runs of a square matrix product in `dtype`.
static double MatmulPeak(int n, torch::ScalarType dtype) {
  auto a = torch::randn({n, n}).to(dtype), b = torch::randn({n, n}).to(dtype);
  torch::mm(a, b);
  double best = 0;
  for (int rep = 0; rep < 3; ++rep) {
    const int iters = 10;
    auto t = Clock::now();
    for (int i = 0; i < iters; ++i) torch::mm(a, b);
    best = std::max(best, 2.0 * n * n * n * iters / Seconds(t) / 1e9);
  }
  return best;
}

static double TokensPerSecond(const ModelConfig& cfg, int batch, int steps, Precision precision) {
  torch::manual_seed(0);
  InnerOptions inner;
  inner.schedule.peak = 1e-3;
  inner.schedule.warmup_steps = 0;
  inner.schedule.total_steps = steps + 3;
  inner.precision = precision;
  LocalTrainer trainer(GPT(cfg), inner);
  auto block = torch::randint(0, cfg.vocab_size, {batch, cfg.context + 1}, torch::kLong);
  for (int i = 0; i < 3; ++i) (void)trainer.Step(block);  // warm-up
  auto t = Clock::now();
  for (int i = 0; i < steps; ++i) (void)trainer.Step(block);
  return static_cast<double>(batch) * cfg.context * steps / Seconds(t);
}

static void SetPlan(int torch_threads, int blas_threads) {
  at::set_num_threads(torch_threads);
  using SetFn = void (*)(int);
  if (auto fn = reinterpret_cast<SetFn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) {
    fn(blas_threads);
  }
}

int main(int argc, char** argv) {
  std::vector<std::string> models = {"nano", "micro", "mini"};
  int batch = 16, steps = 0;
  bool plans = true;
  std::pair<int, int> forced{0, 0};
  Precision precision = Precision::kFp32;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--models" && i + 1 < argc) {
      models.clear();
      std::string s = argv[++i];
      for (size_t p = 0; p != std::string::npos;) {
        size_t q = s.find(',', p);
        models.push_back(s.substr(p, q == std::string::npos ? q : q - p));
        p = q == std::string::npos ? q : q + 1;
      }
    } else if (a == "--batch" && i + 1 < argc) {
      batch = std::atoi(argv[++i]);
    } else if (a == "--steps" && i + 1 < argc) {
      steps = std::atoi(argv[++i]);
    } else if (a == "--default-plan-only") {
      plans = false;
    } else if (a == "--plan" && i + 1 < argc) {
      plans = false;
      std::string v = argv[++i];
      forced = {std::atoi(v.c_str()), std::atoi(v.substr(v.find(',') + 1).c_str())};
    } else if (a == "--precision" && i + 1 < argc) {
      auto p = ParsePrecision(argv[++i]);
      if (!p.ok()) {
        std::fprintf(stderr, "trainer_bench: %s\n", p.status().ToString().c_str());
        return 2;
      }
      precision = *p;
    } else {
      std::fprintf(stderr, "usage: trainer_bench [--models a,b] [--batch N] [--steps N] "
                           "[--default-plan-only] [--plan TORCH,BLAS] [--precision P]\n");
      return 2;
    }
  }
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  std::vector<std::pair<int, int>> thread_plans;
  ThreadPlan def = ConfigureCompute(0, precision);  // also sets the allocator, for every plan below
  thread_plans.push_back({def.torch_threads, def.blas_threads});
  if (forced.first > 0) thread_plans = {forced};
  if (plans) {
    for (auto p : std::vector<std::pair<int, int>>{{1, 1}, {1, cores}, {cores, 1}, {cores, cores}}) {
      if (p != thread_plans.front()) thread_plans.push_back(p);
    }
  }

  // The peak column is measured in the precision the steps' products run in.
  const torch::ScalarType matmul_dtype =
      precision == Precision::kBf16 ? torch::kBFloat16 : torch::kFloat;
  std::printf("## Trainer throughput (batch %d, AdamW, %s)\n\n", batch, PrecisionName(precision));
  std::printf("%d cores; LibTorch %s\n\n", cores, TORCH_VERSION);
  std::printf("| threads (torch x blas) | matmul peak GFLOP/s |");
  for (const auto& m : models) std::printf(" %s tok/s | %s GFLOP/s |", m.c_str(), m.c_str());
  std::printf("\n|---|---|");
  for (size_t i = 0; i < models.size(); ++i) std::printf("---|---|");
  std::printf("\n");
  for (size_t pi = 0; pi < thread_plans.size(); ++pi) {
    auto [tt, bt] = thread_plans[pi];
    SetPlan(tt, bt);
    std::printf("| %d x %d%s | %.0f |", tt, bt, pi == 0 ? " (default)" : "",
                MatmulPeak(1024, matmul_dtype));
    std::fflush(stdout);
    for (const auto& m : models) {
      ModelConfig cfg = Named(m);
      int n = steps > 0 ? steps : (m == "mini" ? 6 : 20);
      double tps = TokensPerSecond(cfg, batch, n, precision);
      std::printf(" %.0f | %.1f |", tps, 6.0 * cfg.ParameterCount() * tps / 1e9);
      std::fflush(stdout);
    }
    std::printf("\n");
  }
  std::printf("\nParameters:");
  for (const auto& m : models) std::printf(" %s %lld;", m.c_str(),
                                           static_cast<long long>(Named(m).ParameterCount()));
  std::printf("\n");
  return 0;
}
