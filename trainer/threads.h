// Thread settings for LibTorch and OpenBLAS. Torch's intra-op threads and OpenBLAS threads
// multiply when a parallel torch kernel calls BLAS, so the plan keeps their product within the
// cores: matrix products run on OpenBLAS threads, everything else on torch's.
#pragma once

namespace loconet {

struct ThreadPlan {
  int torch_threads = 1;
  int blas_threads = 1;
};

// threads <= 0 means every core. Applies the plan process-wide and returns it.
ThreadPlan ConfigureThreads(int threads);

}  // namespace loconet
