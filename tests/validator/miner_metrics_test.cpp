// A miner's metrics split its time between training and waiting, and report its last step, read
// over HTTP from a real endpoint on 127.0.0.1.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <thread>

#include "metrics/exporter.h"
#include "metrics/registry.h"
#include "miner/metrics.h"
#include "tests/http_client.h"

using namespace loconet;
using loconet::testing::Sample;

namespace {

void Sleep(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

}  // namespace

TEST_CASE("a miner's time is split between training and waiting, adding up to the time it ran",
          "[validator]") {
  const auto start = std::chrono::steady_clock::now();
  metrics::Registry registry;
  MinerMetrics m(&registry);
  auto exporter = metrics::Exporter::Start("127.0.0.1:0", registry);
  REQUIRE(exporter.ok());
  Sleep(100);  // waiting
  m.BeginTraining(7);
  Sleep(100);
  m.Step(2.5, 1000);
  Sleep(100);
  m.Step(2.25, 1000);
  m.EndTraining();
  Sleep(100);  // waiting
  m.SetRoundLag(9, 7);
  m.AddSentBytes(1234);
  m.CountSubmission(Code::kLate);
  const double ran =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const auto reply =
      loconet::testing::HttpGet("127.0.0.1", (*exporter)->address().port, "/metrics");
  REQUIRE(reply.status == 200);
  const std::string& text = reply.body;
  INFO(text);
  const double training = Sample(text, "loconet_miner_training_seconds_total").value_or(-1);
  const double waiting = Sample(text, "loconet_miner_waiting_seconds_total").value_or(-1);
  CHECK(training >= 0.2);
  CHECK(waiting >= 0.2);
  CHECK(training + waiting <= ran);
  // 2000 tokens in at least 0.2 s of training.
  const double rate = Sample(text, "loconet_miner_tokens_per_second").value_or(-1);
  CHECK(rate > 0);
  CHECK(rate <= 2000 / 0.2);
  CHECK(Sample(text, "loconet_miner_inner_loss") == 2.25);
  CHECK(Sample(text, "loconet_miner_round") == 7.0);
  CHECK(Sample(text, "loconet_miner_round_lag") == 2.0);
  CHECK(Sample(text, "loconet_miner_sent_bytes_total") == 1234.0);
  CHECK(Sample(text, "loconet_miner_submissions_total{reason=\"late\"}") == 1.0);
  CHECK(Sample(text, "loconet_miner_submissions_total{reason=\"ok\"}") == 0.0);
}

TEST_CASE("a miner ahead of the validator's round reports no lag", "[validator]") {
  metrics::Registry registry;
  MinerMetrics m(&registry);
  auto exporter = metrics::Exporter::Start("127.0.0.1:0", registry);
  REQUIRE(exporter.ok());
  m.SetRoundLag(4, 5);
  const auto reply =
      loconet::testing::HttpGet("127.0.0.1", (*exporter)->address().port, "/metrics");
  REQUIRE(reply.status == 200);
  CHECK(Sample(reply.body, "loconet_miner_round_lag") == 0.0);
}
