// Compute settings for LibTorch on CPU: threads and the allocator.
//
// Threads: matrix products run on OpenBLAS threads, everything else on torch's intra-op
// threads; when a parallel torch kernel calls BLAS they multiply. Measured on 2 cores
// (docs/benchmarks.md), 1 torch thread x N BLAS threads is fastest by far, so that is the plan.
//
// Allocator: glibc serves blocks above 32 MiB (logits, their gradients) with fresh mmap pages
// and unmaps them on free, so every step pays page faults on them; that halved throughput. The
// plan keeps freed memory in the heap instead (mallopt), which is process-wide.
#pragma once

#include "trainer/precision.h"

namespace loconet {

struct ThreadPlan {
  int torch_threads = 1;
  int blas_threads = 1;
};

// threads <= 0 means every core. Applies the plan process-wide and returns it.
// With bf16 (trainer/precision.h) the matrix products run in oneDNN on torch's threads, so the
// plan is the other way round: `threads` torch threads x 1 OpenBLAS thread.
ThreadPlan ConfigureCompute(int threads, Precision precision = Precision::kFp32);

// The plan in force (torch's intra-op threads of the calling thread, OpenBLAS's threads).
ThreadPlan CurrentThreadPlan();
// Sets torch's intra-op threads (of the calling thread, under OpenMP) and OpenBLAS's threads.
void ApplyThreadPlan(const ThreadPlan& plan);

}  // namespace loconet
