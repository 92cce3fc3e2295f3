// A data-parallel group: K processes (on one host or several) that train one model as one, on
// LibTorch's c10d: a TCPStore for the rendezvous and ProcessGroupGloo for the collectives. Rank 0
// hosts the store; every rank joins it at HOST:PORT. A rank that dies or stops answering makes
// every collective of the others fail with kUnavailable within the timeout, never hang.
#pragma once

#include <torch/torch.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace loconet::parallel {

struct GroupOptions {
  int world = 1;                         // number of ranks
  int rank = 0;                          // this process, 0 .. world-1
  std::string store_host = "127.0.0.1";  // where rank 0's TCPStore listens
  int store_port = 0;
  double timeout_seconds = 60;           // rendezvous and every collective
};

// Parses "HOST:PORT" into o->store_host and o->store_port.
Status ParseStoreAddress(const std::string& address, GroupOptions* o);

class Group {
 public:
  // Joins the group: rank 0 opens the store, every rank waits for all the others.
  static Result<std::unique_ptr<Group>> Join(const GroupOptions& options);
  ~Group();
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;

  int rank() const;
  int world() const;

  // In place: every tensor becomes the mean of its values over the ranks, in one all-reduce of
  // one flat fp32 buffer. Every rank ends with the same bytes. Tensors must be contiguous fp32
  // of the same shapes on every rank.
  Status Average(const std::vector<torch::Tensor>& tensors);
  // In place: every rank gets rank `root`'s values.
  Status Broadcast(const std::vector<torch::Tensor>& tensors, int root);

  // Messages through rank 0's store, for ranks that may idle longer than any collective's
  // timeout (a miner's ranks between rounds): Post sets `key`; Await waits for it without a
  // time limit, until `stop` (kUnavailable "stopped") or until the store is gone because
  // rank 0 died (kUnavailable).
  Status Post(const std::string& key, const std::string& value);
  Result<std::string> Await(const std::string& key, const std::atomic<bool>& stop);

 private:
  struct Impl;
  explicit Group(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace loconet::parallel
