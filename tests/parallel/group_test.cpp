// The data-parallel group on c10d Gloo, two ranks as threads of one process over loopback:
// averages and broadcasts agree bit for bit on every rank, bad addresses and ranks are refused,
// and a rank that never comes makes the others fail within the timeout instead of hanging.
#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <thread>

#include "parallel/group.h"

using namespace loconet;
using loconet::parallel::Group;
using loconet::parallel::GroupOptions;

namespace {

// A port for one test: ephemeral ports are above 32767 here, so these stay clear of them.
int TestPort() {
  static int next = 21000 + static_cast<int>(std::chrono::steady_clock::now().time_since_epoch()
                                                 .count() % 4000);
  return next++;
}

GroupOptions Options(int rank, int world, int port, double timeout = 20) {
  GroupOptions o;
  o.rank = rank;
  o.world = world;
  o.store_port = port;
  o.timeout_seconds = timeout;
  return o;
}

}  // namespace

TEST_CASE("two ranks average and broadcast to the same bytes", "[parallel]") {
  const int port = TestPort();
  auto run = [&](int rank) {
    auto g = Group::Join(Options(rank, 2, port));
    REQUIRE(g.ok());
    CHECK((*g)->rank() == rank);
    CHECK((*g)->world() == 2);
    torch::Tensor a = torch::full({3, 2}, static_cast<float>(rank + 1));
    torch::Tensor b = torch::arange(5, torch::kFloat) * static_cast<float>(rank * 2 + 1);
    REQUIRE((*g)->Average({a, b}).ok());
    torch::Tensor c = torch::full({4}, static_cast<float>(10 * rank + 7));
    REQUIRE((*g)->Broadcast({c}, 1).ok());
    return std::vector<torch::Tensor>{a, b, c};
  };
  auto other = std::async(std::launch::async, run, 1);
  std::vector<torch::Tensor> mine = run(0);
  std::vector<torch::Tensor> theirs = other.get();
  CHECK(torch::equal(mine[0], torch::full({3, 2}, 1.5f)));
  CHECK(torch::allclose(mine[1], torch::arange(5, torch::kFloat) * 2.0f));
  CHECK(torch::equal(mine[2], torch::full({4}, 17.0f)));
  for (size_t i = 0; i < mine.size(); ++i) CHECK(torch::equal(mine[i], theirs[i]));
}

TEST_CASE("a rank that never joins makes the group fail within its timeout", "[parallel]") {
  const auto start = std::chrono::steady_clock::now();
  auto g = Group::Join(Options(0, 2, TestPort(), 2));
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  REQUIRE_FALSE(g.ok());
  CHECK(g.status().code() == Code::kUnavailable);
  CHECK(g.status().message().find("cannot join") != std::string::npos);
  CHECK(waited < 30);
}

TEST_CASE("bad group options and store addresses are refused", "[parallel]") {
  CHECK(Group::Join(Options(2, 2, 1234)).status().code() == Code::kInvalidArgument);
  CHECK(Group::Join(Options(-1, 2, 1234)).status().code() == Code::kInvalidArgument);
  CHECK(Group::Join(Options(0, 2, 0)).status().code() == Code::kInvalidArgument);
  CHECK(Group::Join(Options(0, 2, 1234, 0)).status().code() == Code::kInvalidArgument);
  GroupOptions o;
  for (const char* bad : {"", "host", ":80", "host:", "host:0", "host:65536", "host:8x",
                          "host:99999999999"}) {
    INFO(bad);
    CHECK(parallel::ParseStoreAddress(bad, &o).code() == Code::kInvalidArgument);
  }
  REQUIRE(parallel::ParseStoreAddress("10.0.0.2:29500", &o).ok());
  CHECK(o.store_host == "10.0.0.2");
  CHECK(o.store_port == 29500);
}
