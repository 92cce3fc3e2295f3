// `loconet train --dp 2` as processes: two ranks with batch B end with the parameters one rank
// reaches with batch 2B, and a rank killed mid-run makes the other fail with a clear error
// instead of hanging.
#include <catch2/catch.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "tests/temp_dir.h"
#include "tests/trainer/fixture.h"
#include "trainer/checkpoint.h"
#include "trainer/params.h"

using namespace loconet;
using loconet::testing::TempDir;

namespace {

// A nano training config over `data` with `batch` rows per rank.
std::string WriteConfig(const TempDir& dir, const std::string& name, int batch, int steps) {
  const std::string path = dir / (name + ".toml");
  std::ofstream f(path);
  f << "model = \"" << LOCONET_SOURCE_DIR << "/configs/models/nano.toml\"\n"
    << "[data]\ndir = \"" << dir.path() << "\"\n"
    << "[train]\nsteps = " << steps << "\nbatch = " << batch
    << "\nlr = 1e-2\nwarmup_steps = 2\nthreads = 1\n"
    << "[eval]\nevery = 4\nbatches = 2\n"
    << "[checkpoint]\npath = \"" << (dir / (name + ".pt")) << "\"\n";
  return path;
}

std::string Run(const std::string& args, const std::string& log, int* rc) {
  const std::string cmd = std::string(LOCONET_BINARY) + " train " + args + " > " + log + " 2>&1";
  *rc = std::system(cmd.c_str());
  std::ifstream in(log);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<torch::Tensor> Parameters(const std::string& checkpoint) {
  auto cfg = ReadCheckpointConfig(checkpoint);
  REQUIRE(cfg.ok());
  GPT model(*cfg);
  REQUIRE(LoadCheckpoint(checkpoint, CheckpointParts{&model, {}, nullptr}, nullptr).ok());
  return CloneParameters(*model);
}

}  // namespace

TEST_CASE("two data-parallel ranks of batch 4 match one trainer of batch 8", "[parallel]") {
  TempDir dir;
  REQUIRE(loconet::testing::WriteSyntheticCorpus(dir.path()));
  int rc = 0;
  const std::string one = Run("--config " + WriteConfig(dir, "one", 8, 8), dir / "one.log", &rc);
  INFO(one);
  REQUIRE(rc == 0);
  const std::string two =
      Run("--dp 2 --config " + WriteConfig(dir, "two", 4, 8), dir / "two.log", &rc);
  INFO(two);
  REQUIRE(rc == 0);
  CHECK(two.find("rank 0 of 2") != std::string::npos);
  // The group trains as many tokens as the single trainer.
  CHECK(two.find("on 2048 tokens") != std::string::npos);
  CHECK(one.find("on 2048 tokens") != std::string::npos);
  const auto a = Parameters(dir / "one.pt");
  const auto b = Parameters(dir / "two.pt");
  REQUIRE(a.size() == b.size());
  // The same update up to float rounding: the mean of two half-batch means and their averaged
  // gradients against the full batch's, over 8 AdamW steps. An error in the sharding (ranks on
  // the same rows, or rows dropped) moves parameters by about the learning rate, 1e-2.
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    worst = std::max(worst, (a[i] - b[i]).abs().max().item<double>());
  }
  INFO("largest parameter difference " << worst);
  CHECK(worst < 1e-4);
  // And it is not the same as training on one rank's rows alone.
  const std::string half =
      Run("--config " + WriteConfig(dir, "half", 4, 8), dir / "half.log", &rc);
  REQUIRE(rc == 0);
  const auto c = Parameters(dir / "half.pt");
  double apart = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    apart = std::max(apart, (a[i] - c[i]).abs().max().item<double>());
  }
  CHECK(apart > 1e-3);
}

TEST_CASE("a data-parallel rank that dies makes the other fail with a clear error",
          "[parallel]") {
  TempDir dir;
  REQUIRE(loconet::testing::WriteSyntheticCorpus(dir.path()));
  const std::string config = WriteConfig(dir, "long", 4, 100000);
  // Two ranks joined explicitly, as on two hosts: rank 0 hosts the store.
  const int port = 23000 + static_cast<int>(::getpid() % 5000);
  const std::string store = "127.0.0.1:" + std::to_string(port);
  auto start = [&](int rank) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      const std::string log = dir / ("rank" + std::to_string(rank) + ".log");
      const std::string cmd = std::string(LOCONET_BINARY) + " train --no-progress --config " +
                              config + " --dp 2 --dp-timeout 20 --dp-rank " +
                              std::to_string(rank) + " --dp-store " + store + " > " + log +
                              " 2>&1";
      ::execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    return pid;
  };
  const pid_t rank0 = start(0);
  const pid_t rank1 = start(1);
  // Let them train a while: rank 0 logs its evaluations every 4 steps.
  std::ifstream log0;
  bool training = false;
  for (int i = 0; i < 600 && !training; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::ifstream in(dir / "rank0.log");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    training = text.find("step 8/") != std::string::npos;
  }
  REQUIRE(training);
  ::kill(rank1, SIGKILL);
  ::waitpid(rank1, nullptr, 0);
  const auto killed = std::chrono::steady_clock::now();
  int status = 0;
  bool ended = false;
  while (!ended && std::chrono::steady_clock::now() - killed < std::chrono::seconds(60)) {
    ended = ::waitpid(rank0, &status, WNOHANG) == rank0;
    if (!ended) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!ended) {
    ::kill(rank0, SIGKILL);
    ::waitpid(rank0, nullptr, 0);
  }
  std::ifstream in(dir / "rank0.log");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  INFO(text);
  REQUIRE(ended);  // not hung
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 1);
  CHECK(text.find("data-parallel all-reduce failed on rank 0") != std::string::npos);
}

TEST_CASE("train --dp refuses DiLoCo workers and half-given join options", "[parallel]") {
  TempDir dir;
  REQUIRE(loconet::testing::WriteSyntheticCorpus(dir.path()));
  const std::string config = WriteConfig(dir, "c", 4, 4);
  int rc = 0;
  std::string out = Run("--dp 2 --workers 2 --config " + config, dir / "a.log", &rc);
  CHECK(rc != 0);
  CHECK(out.find("does not combine") != std::string::npos);
  out = Run("--dp 2 --dp-rank 1 --config " + config, dir / "b.log", &rc);
  CHECK(rc != 0);
  CHECK(out.find("go together") != std::string::npos);
  out = Run("--dp 2 --dp-rank 2 --dp-store 127.0.0.1:1 --config " + config, dir / "c.log", &rc);
  CHECK(rc != 0);
  out = Run("--dp 2 --dp-rank 1 --dp-store nowhere --config " + config, dir / "d.log", &rc);
  CHECK(rc != 0);
  CHECK(out.find("HOST:PORT") != std::string::npos);
}
