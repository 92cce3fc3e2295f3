#include "trainer/threads.h"

#include <dlfcn.h>
#include <malloc.h>
#include <torch/torch.h>

#include <thread>

namespace loconet {

static void SetBlasThreads(int n) {
  // OpenBLAS is reached through the libblas.so.3 alternative; look the setter up at run time so
  // that another BLAS (without it) still works.
  using SetFn = void (*)(int);
  if (auto fn = reinterpret_cast<SetFn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) fn(n);
}

static int BlasThreads() {
  using GetFn = int (*)();
  if (auto fn = reinterpret_cast<GetFn>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"))) {
    return fn();
  }
  return 1;
}

ThreadPlan CurrentThreadPlan() { return ThreadPlan{at::get_num_threads(), BlasThreads()}; }

void ApplyThreadPlan(const ThreadPlan& plan) {
  at::set_num_threads(plan.torch_threads);
  SetBlasThreads(plan.blas_threads);
}

ThreadPlan ConfigureCompute(int threads, Precision precision) {
  static const bool allocator_set = [] {
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_TOP_PAD, 64 << 20);
    return true;
  }();
  (void)allocator_set;
  int cores = static_cast<int>(std::thread::hardware_concurrency());
  if (cores <= 0) cores = 1;
  if (threads <= 0) threads = cores;
  ThreadPlan plan;
  plan.torch_threads = precision == Precision::kBf16 ? threads : 1;
  plan.blas_threads = precision == Precision::kBf16 ? 1 : threads;
  at::set_num_threads(plan.torch_threads);
  SetBlasThreads(plan.blas_threads);
  return plan;
}

}  // namespace loconet
