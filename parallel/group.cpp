#include "parallel/group.h"

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <chrono>
#include <exception>
#include <thread>

namespace loconet::parallel {

namespace {

std::chrono::milliseconds Millis(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

bool Loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host.rfind("127.", 0) == 0;
}

// c10d reports failures as exceptions (a peer's closed connection, a timeout): one message.
std::string What(const std::exception& e) {
  std::string s = e.what();
  const size_t end = s.find('\n');
  return end == std::string::npos ? s : s.substr(0, end);
}

// The tensors as one flat buffer (a copy), and back into them.
torch::Tensor Flatten(const std::vector<torch::Tensor>& tensors) {
  std::vector<torch::Tensor> parts;
  for (const auto& t : tensors) parts.push_back(t.reshape({-1}));
  return torch::cat(parts);
}

void Unflatten(const torch::Tensor& flat, const std::vector<torch::Tensor>& tensors) {
  int64_t offset = 0;
  for (const auto& t : tensors) {
    const int64_t n = t.numel();
    t.copy_(flat.narrow(0, offset, n).view_as(t));
    offset += n;
  }
}

}  // namespace

Status ParseStoreAddress(const std::string& address, GroupOptions* o) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) {
    return Error(Code::kInvalidArgument,
                 "data-parallel store address '" + address + "' is not HOST:PORT");
  }
  int port = 0;
  for (size_t i = colon + 1; i < address.size(); ++i) {
    const char c = address[i];
    if (c < '0' || c > '9' || port > 65535) {
      return Error(Code::kInvalidArgument,
                   "data-parallel store address '" + address + "' has no valid port");
    }
    port = port * 10 + (c - '0');
  }
  if (port < 1 || port > 65535) {
    return Error(Code::kInvalidArgument,
                 "data-parallel store address '" + address + "' has no valid port");
  }
  o->store_host = address.substr(0, colon);
  o->store_port = port;
  return Status::Ok();
}

struct Group::Impl {
  GroupOptions options;
  c10::intrusive_ptr<c10d::TCPStore> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
};

Group::Group(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Group::~Group() = default;

int Group::rank() const { return impl_->options.rank; }
int Group::world() const { return impl_->options.world; }

Result<std::unique_ptr<Group>> Group::Join(const GroupOptions& o) {
  if (o.world < 1 || o.rank < 0 || o.rank >= o.world) {
    return Error(Code::kInvalidArgument, "data-parallel rank " + std::to_string(o.rank) +
                                             " is outside a group of " + std::to_string(o.world));
  }
  if (o.store_port < 1 || o.store_port > 65535) {
    return Error(Code::kInvalidArgument,
                 "data-parallel store port " + std::to_string(o.store_port) + " is not a port");
  }
  if (!(o.timeout_seconds > 0)) {
    return Error(Code::kInvalidArgument, "data-parallel timeout must be positive");
  }
  auto impl = std::make_unique<Impl>();
  impl->options = o;
  try {
    c10d::TCPStoreOptions so;
    so.port = static_cast<uint16_t>(o.store_port);
    so.isServer = o.rank == 0;
    so.numWorkers = o.world;
    so.waitWorkers = true;
    so.timeout = Millis(o.timeout_seconds);
    impl->store = c10::make_intrusive<c10d::TCPStore>(o.store_host, so);
    auto go = c10d::ProcessGroupGloo::Options::create(Millis(o.timeout_seconds));
    // Ranks on one host talk over loopback; across hosts over the interface of this host name.
    go->devices.push_back(Loopback(o.store_host)
                              ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                              : c10d::ProcessGroupGloo::createDefaultDevice());
    impl->group = c10::make_intrusive<c10d::ProcessGroupGloo>(impl->store, o.rank, o.world, go);
  } catch (const std::exception& e) {
    return Error(Code::kUnavailable, "rank " + std::to_string(o.rank) + " of " +
                                         std::to_string(o.world) + " cannot join the group at " +
                                         o.store_host + ":" + std::to_string(o.store_port) +
                                         ": " + What(e));
  }
  return std::unique_ptr<Group>(new Group(std::move(impl)));
}

Status Group::Average(const std::vector<torch::Tensor>& tensors) {
  if (world() == 1 || tensors.empty()) return Status::Ok();
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> buffer{Flatten(tensors)};
  try {
    impl_->group->allreduce(buffer)->wait();
  } catch (const std::exception& e) {
    return Error(Code::kUnavailable, "data-parallel all-reduce failed on rank " +
                                         std::to_string(rank()) + " (a rank died or stopped "
                                         "answering): " + What(e));
  }
  buffer[0].div_(static_cast<double>(world()));
  Unflatten(buffer[0], tensors);
  return Status::Ok();
}

Status Group::Broadcast(const std::vector<torch::Tensor>& tensors, int root) {
  if (world() == 1 || tensors.empty()) return Status::Ok();
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> buffer{Flatten(tensors)};
  try {
    c10d::BroadcastOptions bo;
    bo.rootRank = root;
    impl_->group->broadcast(buffer, bo)->wait();
  } catch (const std::exception& e) {
    return Error(Code::kUnavailable, "data-parallel broadcast failed on rank " +
                                         std::to_string(rank()) + ": " + What(e));
  }
  Unflatten(buffer[0], tensors);
  return Status::Ok();
}

Status Group::Post(const std::string& key, const std::string& value) {
  try {
    impl_->store->set(key, std::vector<uint8_t>(value.begin(), value.end()));
  } catch (const std::exception& e) {
    return Error(Code::kUnavailable, "data-parallel store: cannot set " + key + ": " + What(e));
  }
  return Status::Ok();
}

Result<std::string> Group::Await(const std::string& key, const std::atomic<bool>& stop) {
  try {
    while (!impl_->store->check({key})) {
      if (stop.load()) return Error(Code::kUnavailable, "stopped while waiting for " + key);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    const std::vector<uint8_t> value = impl_->store->get(key);
    return std::string(value.begin(), value.end());
  } catch (const std::exception& e) {
    return Error(Code::kUnavailable, "data-parallel store gone while waiting for " + key +
                                         " (rank 0 stopped?): " + What(e));
  }
}

}  // namespace loconet::parallel
