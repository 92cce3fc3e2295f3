// Serves a metrics Registry over HTTP at http://HOST:PORT/metrics in the Prometheus text format,
// on two threads of its own, until destroyed. Torch-free.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "metrics/address.h"
#include "metrics/registry.h"

namespace loconet::metrics {

class Exporter {
 public:
  // Listens on `address` ("IPV4:PORT"; port 0 takes a free port) and serves `registry`'s
  // families (it keeps them alive while it serves). kInvalidArgument for a malformed address,
  // kUnavailable, with the system's reason ("Address already in use"), when it cannot be bound.
  static Result<std::unique_ptr<Exporter>> Start(const std::string& address,
                                                 const Registry& registry);
  // Stops listening and waits for the requests being answered.
  ~Exporter();
  Exporter(const Exporter&) = delete;
  Exporter& operator=(const Exporter&) = delete;

  // The address as bound: a port 0 resolved to the real one.
  const ListenAddress& address() const { return bound_; }
  std::string url() const { return "http://" + bound_.ToString() + "/metrics"; }

 private:
  struct Server;
  Exporter(std::unique_ptr<Server> server, ListenAddress bound);
  std::unique_ptr<Server> server_;
  ListenAddress bound_;
};

}  // namespace loconet::metrics
