// The cost of encryption on the wire: request/reply round trips between a RouterServer and a
// DealerClient on 127.0.0.1, plain TCP against ZeroMQ CURVE, for payloads from a small control
// message to a whole mini-model int8 update. The server echoes a 64-byte reply, as the validator
// answers a submission. Prints a markdown table; the ratio column is CURVE time over plain time,
// measured in the same run.
//
//   transport_bench [--seconds-per-cell 1.5]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "core/keys.h"
#include "sync/transport.h"

using namespace loconet;
using Clock = std::chrono::steady_clock;

namespace {

// Median seconds per round trip of `payload_bytes` requests, over at least 5 round trips and
// about `budget` seconds.
double RoundTrip(size_t payload_bytes, const Identity* curve, double budget) {
  auto server = sync::RouterServer::Bind("tcp://127.0.0.1:0", "", size_t{64} << 20, curve);
  if (!server.ok()) {
    std::fprintf(stderr, "bind: %s\n", server.status().ToString().c_str());
    std::exit(1);
  }
  std::atomic<bool> stop{false};
  std::thread serve([&] {
    while (!stop) {
      auto r = (*server)->PollOnce(
          10, [](const Bytes&, const sync::Peer&) { return Bytes(64, 1); }, nullptr);
      if (!r.ok()) std::exit(1);
    }
  });
  const PublicKey* key = curve ? &curve->public_key() : nullptr;
  auto client =
      sync::DealerClient::Connect((*server)->router_endpoint(), sync::kDefaultMaxMessageBytes, key);
  if (!client.ok()) std::exit(1);
  Bytes payload(payload_bytes);
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<uint8_t>(i * 131 + 7);
  if (!(*client)->Request(payload, 10000).ok()) std::exit(1);  // connect and handshake
  std::vector<double> times;
  const auto start = Clock::now();
  while (times.size() < 5 || std::chrono::duration<double>(Clock::now() - start).count() < budget) {
    const auto t0 = Clock::now();
    if (!(*client)->Request(payload, 10000).ok()) std::exit(1);
    times.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  stop = true;
  serve.join();
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  double budget = 1.5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--seconds-per-cell") == 0) budget = std::atof(argv[i + 1]);
  }
  const Identity id = Identity::Generate();
  struct Size {
    const char* label;
    size_t bytes;
  };
  const Size sizes[] = {{"control message (200 B)", 200},
                        {"64 KiB", 64 << 10},
                        {"micro int8 update (1.3 MB)", 1300000},
                        {"mini int8 update (7.5 MB)", 7500000},
                        {"mini fp32 update (30 MB)", 30000000}};
  std::printf("## Transport: plain TCP vs CURVE (request + 64-byte reply, median round trip)\n\n");
  std::printf("| payload | plain ms | CURVE ms | CURVE / plain | CURVE MB/s |\n");
  std::printf("|---|---|---|---|---|\n");
  for (const Size& s : sizes) {
    const double plain = RoundTrip(s.bytes, nullptr, budget);
    const double curve = RoundTrip(s.bytes, &id, budget);
    std::printf("| %s | %.3f | %.3f | %.2fx | %.0f |\n", s.label, plain * 1e3, curve * 1e3,
                curve / plain, s.bytes / curve / 1e6);
    std::fflush(stdout);
  }
  return 0;
}
