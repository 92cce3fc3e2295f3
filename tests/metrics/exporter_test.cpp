// The metrics exporter: a real HTTP endpoint on 127.0.0.1 read over a socket, and the addresses
// it refuses.
#include "metrics/exporter.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "metrics/address.h"
#include "metrics/registry.h"
#include "tests/http_client.h"

using namespace loconet;
using loconet::testing::HttpGet;

namespace {

// A socket listening on 127.0.0.1 at a free port, held until destroyed.
struct Listener {
  int fd = -1;
  int port = 0;
  Listener() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd, 1) == 0);
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port = ntohs(addr.sin_port);
  }
  ~Listener() { ::close(fd); }
};

}  // namespace

TEST_CASE("an exporter on port 0 serves its registry's metrics over HTTP", "[metrics]") {
  metrics::Registry registry;
  const auto events = registry.AddCounter("loconet_test_events_total", "Events seen.");
  const auto level = registry.AddGauge("loconet_test_level", "The current level.");
  const auto replies =
      registry.AddLabelledCounter("loconet_test_replies_total", "Replies by reason.", "reason");
  const auto took =
      registry.AddHistogram("loconet_test_work_seconds", "Time per piece of work.", {0.1, 1, 10});
  events.Increment(3);
  level.Set(-2.5);
  replies.With("ok").Increment();
  replies.With("ok").Increment();
  replies.With("late").Increment();
  took.Observe(0.5);
  took.Observe(20);

  auto exporter = metrics::Exporter::Start("127.0.0.1:0", registry);
  INFO(exporter.status().ToString());
  REQUIRE(exporter.ok());
  const metrics::ListenAddress& bound = (*exporter)->address();
  CHECK(bound.host == "127.0.0.1");
  REQUIRE(bound.port != 0);
  CHECK((*exporter)->url() == "http://127.0.0.1:" + std::to_string(bound.port) + "/metrics");

  const auto reply = HttpGet("127.0.0.1", bound.port, "/metrics");
  INFO(reply.error << "\n" << reply.body);
  REQUIRE(reply.status == 200);
  const std::string& text = reply.body;
  CHECK(text.find("# HELP loconet_test_events_total Events seen.\n") != std::string::npos);
  CHECK(text.find("# TYPE loconet_test_events_total counter\n") != std::string::npos);
  CHECK(text.find("\nloconet_test_events_total 3\n") != std::string::npos);
  CHECK(text.find("\nloconet_test_level -2.5\n") != std::string::npos);
  CHECK(text.find("\nloconet_test_replies_total{reason=\"ok\"} 2\n") != std::string::npos);
  CHECK(text.find("\nloconet_test_replies_total{reason=\"late\"} 1\n") != std::string::npos);
  CHECK(text.find("\nloconet_test_work_seconds_bucket{le=\"1\"} 1\n") != std::string::npos);
  CHECK(text.find("\nloconet_test_work_seconds_bucket{le=\"+Inf\"} 2\n") != std::string::npos);
  CHECK(text.find("\nloconet_test_work_seconds_sum 20.5\n") != std::string::npos);

  // Later changes show in the next scrape.
  events.Increment();
  CHECK(HttpGet("127.0.0.1", bound.port, "/metrics").body.find("\nloconet_test_events_total 4\n") !=
        std::string::npos);
}

TEST_CASE("a malformed metrics address is refused before anything listens", "[metrics]") {
  metrics::Registry registry;
  for (const std::string bad :
       {"", "127.0.0.1", "127.0.0.1:", ":9464", "localhost:9464", "127.1:9464", "[::1]:9464",
        "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:94x4", "127.0.0.1:9464 "}) {
    INFO("'" << bad << "'");
    auto exporter = metrics::Exporter::Start(bad, registry);
    REQUIRE_FALSE(exporter.ok());
    CHECK(exporter.status().code() == Code::kInvalidArgument);
    CHECK(exporter.status().message().find("expected IPV4:PORT") != std::string::npos);
  }
}

TEST_CASE("a metrics port that is taken is refused, saying why", "[metrics]") {
  metrics::Registry registry;
  Listener taken;
  auto exporter = metrics::Exporter::Start("127.0.0.1:" + std::to_string(taken.port), registry);
  REQUIRE_FALSE(exporter.ok());
  CHECK(exporter.status().code() == Code::kUnavailable);
  INFO(exporter.status().message());
  CHECK(exporter.status().message().find("in use") != std::string::npos);

  // And so is the port of a running exporter.
  auto first = metrics::Exporter::Start("127.0.0.1:0", registry);
  REQUIRE(first.ok());
  auto second = metrics::Exporter::Start((*first)->address().ToString(), registry);
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == Code::kUnavailable);
}

TEST_CASE("a metrics address that is not this machine's is refused", "[metrics]") {
  metrics::Registry registry;
  // 192.0.2.0/24 is reserved for documentation: no machine holds it.
  auto exporter = metrics::Exporter::Start("192.0.2.1:0", registry);
  REQUIRE_FALSE(exporter.ok());
  CHECK(exporter.status().code() == Code::kUnavailable);
  INFO(exporter.status().message());
  CHECK(exporter.status().message().find("192.0.2.1:0") != std::string::npos);
}

TEST_CASE("a configured metrics address must be loopback unless made public", "[metrics]") {
  using metrics::CheckConfiguredAddress;
  CHECK(CheckConfiguredAddress("", false, "m", "m_public").ok());
  CHECK(CheckConfiguredAddress("127.0.0.1:9464", false, "m", "m_public").ok());
  CHECK(CheckConfiguredAddress("127.0.0.2:0", false, "m", "m_public").ok());
  CHECK(CheckConfiguredAddress("0.0.0.0:9464", true, "m", "m_public").ok());
  CHECK(CheckConfiguredAddress("10.1.2.3:9464", true, "m", "m_public").ok());

  Status open =
      CheckConfiguredAddress("0.0.0.0:9464", false, "miner.metrics", "miner.metrics_public");
  CHECK(open.code() == Code::kConfigError);
  CHECK(open.message().find("key 'miner.metrics'") != std::string::npos);
  CHECK(open.message().find("miner.metrics_public = true") != std::string::npos);

  Status malformed = CheckConfiguredAddress("localhost:9464", true, "miner.metrics", "p");
  CHECK(malformed.code() == Code::kConfigError);
  CHECK(malformed.message().find("key 'miner.metrics'") != std::string::npos);
}
