#include "metrics/exporter.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <thread>

namespace loconet::metrics {

namespace {

constexpr size_t kThreads = 2;
constexpr time_t kTimeoutSeconds = 5;  // to read a request, to write a reply, between requests

// SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, which would let a second process bind
// the same port and take some of the scrapes.
void SocketOptions(int fd) {
  const int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
}

// Why `a` cannot be bound, as the system says it; empty if a bind succeeds now.
std::string BindError(const ListenAddress& a) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return std::strerror(errno);
  SocketOptions(fd);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(a.port);
  std::string why;
  if (inet_pton(AF_INET, a.host.c_str(), &addr.sin_addr) != 1) {
    why = "not an IPv4 address";
  } else if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
             ::listen(fd, 1) != 0) {
    why = std::strerror(errno);
  }
  ::close(fd);
  return why;
}

}  // namespace

struct Exporter::Server {
  httplib::Server http;
  std::thread thread;
  std::atomic<bool> ended{false};  // the serving thread has returned
};

Exporter::Exporter(std::unique_ptr<Server> server, ListenAddress bound)
    : server_(std::move(server)), bound_(std::move(bound)) {}

Exporter::~Exporter() {
  server_->http.stop();
  if (server_->thread.joinable()) server_->thread.join();
}

Result<std::unique_ptr<Exporter>> Exporter::Start(const std::string& address,
                                                  const Registry& registry) {
  LOCONET_ASSIGN_OR_RETURN(ListenAddress bound, ParseListenAddress(address));
  auto server = std::make_unique<Server>();
  httplib::Server& http = server->http;
  http.new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
  http.set_socket_options(SocketOptions);
  http.set_read_timeout(kTimeoutSeconds);
  http.set_write_timeout(kTimeoutSeconds);
  http.set_keep_alive_timeout(kTimeoutSeconds);
  http.set_payload_max_length(1 << 16);  // a scrape has no body
  http.Get("/metrics",
           [families = registry.shared()](const httplib::Request&, httplib::Response& res) {
             res.set_content(prometheus::TextSerializer().Serialize(families->Collect()),
                             "text/plain; version=0.0.4; charset=utf-8");
           });
  bool listening = false;
  if (bound.port == 0) {
    const int port = http.bind_to_any_port(bound.host);
    listening = port > 0 && port <= 65535;
    if (listening) bound.port = static_cast<uint16_t>(port);
  } else {
    listening = http.bind_to_port(bound.host, bound.port);
  }
  if (!listening) {
    // The HTTP library only says that it failed; a bind of our own tells why.
    const std::string why = BindError(bound);
    return Error(Code::kUnavailable, "metrics: cannot listen on " + bound.ToString() + ": " +
                                         (why.empty() ? "bind failed" : why));
  }
  server->thread = std::thread([s = server.get(), url = bound.ToString()] {
    try {
      if (!s->http.listen_after_bind()) spdlog::error("metrics on {}: stopped serving", url);
    } catch (const std::exception& e) {
      spdlog::error("metrics on {}: {}", url, e.what());
    }
    s->ended = true;
  });
  // Until the thread is in its accept loop, httplib's stop() would not reach it.
  while (!http.is_running() && !server->ended) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return std::unique_ptr<Exporter>(new Exporter(std::move(server), std::move(bound)));
}

}  // namespace loconet::metrics
