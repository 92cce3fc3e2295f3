// The metrics endpoints of a running validator and miner (real processes on 127.0.0.1): what
// they serve passes `promtool check metrics`, and a real Prometheus server scrapes both and
// answers queries about them.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "core/keys.h"
#include "tests/http_client.h"
#include "tests/net/process.h"
#include "tests/temp_dir.h"
#include "tests/trainer/fixture.h"

using namespace loconet;
using loconet::testing::FreePort;
using loconet::testing::Sample;
using loconet::testing::HttpGet;
using loconet::testing::ReadAll;
using loconet::testing::Spawn;
using loconet::testing::TempDir;

namespace {

using Clock = std::chrono::steady_clock;

// The full path of `name` on PATH, or empty.
std::string FindProgram(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// A child process, stopped (SIGTERM, then SIGKILL after 10 s) when it goes out of scope, so a
// failed assertion leaves nothing running.
struct Child {
  pid_t pid = -1;
  explicit Child(pid_t p) : pid(p) {}
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() { Stop(); }
  // The exit status as waitpid reports it; -1 if already stopped.
  int Stop() {
    if (pid <= 0) return -1;
    ::kill(pid, SIGTERM);
    int status = 0;
    const auto until = Clock::now() + std::chrono::seconds(10);
    while (::waitpid(pid, &status, WNOHANG) == 0) {
      if (Clock::now() > until) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    pid = -1;
    return status;
  }
  bool Running() const { return pid > 0 && ::waitpid(pid, nullptr, WNOHANG) == 0; }
};

// Polls `done` every 200 ms until it returns true or `seconds` pass.
bool WaitFor(double seconds, const std::function<bool()>& done) {
  const auto until = Clock::now() + std::chrono::milliseconds(static_cast<int>(seconds * 1000));
  while (Clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return done();
}

void Replace(std::string* s, const std::string& from, const std::string& to) {
  const auto at = s->find(from);
  REQUIRE(at != std::string::npos);
  s->replace(at, from.size(), to);
}

std::string Scrape(int port) {
  const auto reply = HttpGet("127.0.0.1", port, "/metrics");
  return reply.status == 200 ? reply.body : "";
}

// Runs `promtool check metrics` on `text`; its output, and whether it passed.
std::pair<bool, std::string> PromtoolCheck(const std::string& promtool, const TempDir& dir,
                                           const std::string& name, const std::string& text) {
  const std::string in = dir / (name + ".prom"), out = dir / (name + ".promtool");
  std::ofstream(in) << text;
  const std::string cmd = promtool + " check metrics < " + in + " > " + out + " 2>&1";
  const int rc = std::system(cmd.c_str());
  return {rc == 0, ReadAll(out)};
}

}  // namespace

TEST_CASE("a validator's and a miner's metrics pass promtool and are scraped by Prometheus",
          "[net][slow]") {
  const std::string prometheus = FindProgram("prometheus");
  const std::string promtool = FindProgram("promtool");
  if (prometheus.empty() || promtool.empty()) {
    FAIL(
        "prometheus and promtool are needed (Debian package `prometheus`): run "
        "scripts/install-deps.sh");
  }
  TempDir dir;
  REQUIRE(loconet::testing::WriteSyntheticCorpus(dir.path()));

  // A validator with its metrics on a port of its choosing (0), reported in endpoints.json.
  const std::string vdir = dir / "validator";
  std::filesystem::create_directories(vdir);
  const Identity validator_id = Identity::Generate();
  REQUIRE(validator_id.Save(vdir + "/key").ok());
  loconet::testing::WriteValidatorConfig(vdir, dir.path(), "tcp://127.0.0.1:0", "tcp://127.0.0.1:0",
                                         30, 1);
  std::string vconfig = ReadAll(vdir + "/validator.toml");
  Replace(&vconfig, "threads = 1\n", "threads = 1\nmetrics = \"127.0.0.1:0\"\n");
  std::ofstream(vdir + "/validator.toml") << vconfig;
  // The processes' logs as they are now, for a failure's report.
  const auto logs = [&] {
    return "validator log:\n" + ReadAll(vdir + "/log.txt") + "\nminer log:\n" +
           ReadAll(dir / "miner/log.txt");
  };
  Child validator(Spawn({LOCONET_BINARY, "validator", "--config", vdir + "/validator.toml"},
                        vdir + "/log.txt"));
  nlohmann::json endpoints;
  const bool started = WaitFor(30, [&] {
    const std::string text = ReadAll(vdir + "/endpoints.json");
    if (text.empty()) return false;
    endpoints = nlohmann::json::parse(text);
    return true;
  });
  if (!started || !endpoints.contains("metrics")) {
    INFO(logs());
    REQUIRE(started);
    REQUIRE(endpoints.contains("metrics"));
  }
  const std::string vmetrics = endpoints["metrics"];
  REQUIRE(vmetrics.rfind("127.0.0.1:", 0) == 0);
  const int vport = std::stoi(vmetrics.substr(vmetrics.find(':') + 1));
  REQUIRE(vport > 0);
  CHECK(ReadAll(vdir + "/log.txt").find("metrics on http://" + vmetrics + "/metrics") !=
        std::string::npos);

  // A miner with its metrics on a free port.
  const std::string mdir = dir / "miner";
  std::filesystem::create_directories(mdir);
  REQUIRE(Identity::Generate().Save(mdir + "/key").ok());
  loconet::testing::WriteMinerConfig(mdir, "m0", dir.path(), endpoints["router"], endpoints["pub"],
                                     validator_id.public_key().Hex(), 5000);
  const int mport = FreePort();
  std::string mconfig = ReadAll(mdir + "/miner.toml");
  Replace(&mconfig, "rounds = 0\n",
          "rounds = 0\nmetrics = \"127.0.0.1:" + std::to_string(mport) + "\"\n");
  std::ofstream(mdir + "/miner.toml") << mconfig;
  Child miner(
      Spawn({LOCONET_BINARY, "miner", "--config", mdir + "/miner.toml"}, mdir + "/log.txt"));

  // Wait until a round has closed with the miner's update accepted and scored.
  std::string vtext, mtext;
  const bool scored = WaitFor(40, [&] {
    vtext = Scrape(vport);
    const auto scored = Sample(vtext, "loconet_validator_scoring_seconds_count");
    return scored && *scored >= 1 && Sample(vtext, "loconet_validator_round").value_or(0) >= 1;
  });
  const bool submitted =
      scored && WaitFor(10, [&] {
        mtext = Scrape(mport);
        return Sample(mtext, "loconet_miner_submissions_total{reason=\"ok\"}").value_or(0) >= 1;
      });
  INFO("validator metrics:\n" << vtext);
  INFO("miner metrics:\n" << mtext);
  if (!submitted) {
    INFO(logs());
    REQUIRE(submitted);
  }

  // Every metric is there with its help text, and what the network did shows.
  for (const std::string name :
       {"loconet_validator_round", "loconet_validator_registered_miners",
        "loconet_validator_submissions_total", "loconet_validator_scoring_seconds",
        "loconet_validator_round_close_seconds", "loconet_validator_heldout_loss",
        "loconet_validator_received_bytes_total"}) {
    CHECK(vtext.find("# HELP " + name + " ") != std::string::npos);
  }
  CHECK(Sample(vtext, "loconet_validator_registered_miners") == 1);
  CHECK(Sample(vtext, "loconet_validator_submissions_total{reason=\"ok\"}").value_or(0) >= 1);
  CHECK(Sample(vtext, "loconet_validator_received_bytes_total").value_or(0) > 1000);
  CHECK(Sample(vtext, "loconet_validator_round_close_seconds").value_or(0) > 0);
  const double loss = Sample(vtext, "loconet_validator_heldout_loss").value_or(0);
  CHECK(loss > 0);
  CHECK(loss < 10);
  for (const std::string name :
       {"loconet_miner_round", "loconet_miner_tokens_per_second", "loconet_miner_inner_loss",
        "loconet_miner_round_lag", "loconet_miner_training_seconds_total",
        "loconet_miner_waiting_seconds_total", "loconet_miner_sent_bytes_total",
        "loconet_miner_submissions_total", "loconet_miner_utilization"}) {
    CHECK(mtext.find("# HELP " + name + " ") != std::string::npos);
  }
  CHECK(Sample(mtext, "loconet_miner_tokens_per_second").value_or(0) > 0);
  CHECK(Sample(mtext, "loconet_miner_inner_loss").value_or(0) > 0);
  CHECK(Sample(mtext, "loconet_miner_round_lag") == 0);
  CHECK(Sample(mtext, "loconet_miner_training_seconds_total").value_or(0) > 0);
  CHECK(Sample(mtext, "loconet_miner_waiting_seconds_total").value_or(0) > 0);
  CHECK(Sample(mtext, "loconet_miner_sent_bytes_total").value_or(0) > 1000);
  const double utilization = Sample(mtext, "loconet_miner_utilization").value_or(-1);
  CHECK(utilization > 0);
  CHECK(utilization <= 1);

  // Both pass Prometheus' own checker (format and naming conventions).
  const auto [vok, vreport] = PromtoolCheck(promtool, dir, "validator", vtext);
  INFO("promtool on the validator's metrics:\n" << vreport);
  CHECK(vok);
  const auto [mok, mreport] = PromtoolCheck(promtool, dir, "miner", mtext);
  INFO("promtool on the miner's metrics:\n" << mreport);
  CHECK(mok);

  // A real Prometheus scrapes both every second; its query API reads the values back.
  const int pport = FreePort();
  std::ofstream(dir / "prometheus.yml")
      << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
      << "scrape_configs:\n"
      << "  - job_name: validator\n    static_configs:\n      - targets: ['" << vmetrics << "']\n"
      << "  - job_name: miner\n    static_configs:\n      - targets: ['127.0.0.1:" << mport
      << "']\n";
  const std::string plog = dir / "prometheus.log";
  Child server(Spawn({prometheus, "--config.file=" + (dir / "prometheus.yml"),
                      "--storage.tsdb.path=" + (dir / "tsdb"),
                      "--web.listen-address=127.0.0.1:" + std::to_string(pport)},
                     plog));
  // The value Prometheus holds for `query` (one series), once it has one.
  const auto query = [&](const std::string& q) -> std::optional<double> {
    const auto reply = HttpGet("127.0.0.1", pport, "/api/v1/query?query=" + q);
    if (reply.status != 200) return std::nullopt;
    const auto j = nlohmann::json::parse(reply.body, nullptr, false);
    if (j.is_discarded() || j.value("status", "") != "success") return std::nullopt;
    const auto& result = j["data"]["result"];
    if (!result.is_array() || result.size() != 1) return std::nullopt;
    return std::stod(result[0]["value"][1].get<std::string>());
  };
  std::optional<double> round;
  const bool read = WaitFor(60, [&] {
    round = query("loconet_validator_round");
    return round.has_value() && server.Running();
  });
  if (!read) {
    INFO(logs());
    INFO("prometheus log:\n" << ReadAll(plog));
    REQUIRE(read);
  }
  // The round read back lies between what the endpoint served before and what it serves now.
  const double before = *Sample(vtext, "loconet_validator_round");
  const auto now = Sample(Scrape(vport), "loconet_validator_round");
  REQUIRE(now);
  CHECK(*round >= before);
  CHECK(*round <= *now);
  // Both targets are up, and the miner's series arrive too.
  const bool both = WaitFor(10, [&] {
    return query("up%7Bjob%3D%22validator%22%7D") == 1.0 &&
           query("up%7Bjob%3D%22miner%22%7D") == 1.0 &&
           query("loconet_miner_training_seconds_total").value_or(0) > 0;
  });
  server.Stop();
  INFO(logs());
  CHECK(both);
  CHECK(miner.Running());
  CHECK(validator.Running());
}
