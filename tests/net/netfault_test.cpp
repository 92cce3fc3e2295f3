// Network faults on a real link: a miner in its own network namespace, joined to the
// validator's by a veth pair. Its link is slowed to a crawl (tc tbf), so its submission arrives
// after the deadline, then cut (link down); rounds go on without it, it gets `late`, then
// `missed`, and when the link comes back it rejoins and is accepted again. Needs root and
// network namespaces; skipped with a message elsewhere.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "core/keys.h"
#include "tests/net/process.h"
#include "tests/temp_dir.h"
#include "tests/trainer/fixture.h"

using namespace loconet;
using namespace loconet::testing;

namespace {

int Run(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()); }

// A namespace and a veth pair named after this process, removed on destruction.
struct TestHost {
  std::string ns, host_if, ns_if, host_ip, ns_ip;
  bool ok = false;

  TestHost() {
    const std::string id = std::to_string(::getpid() % 100000);
    ns = "lcn" + id;
    host_if = "lch" + id;
    ns_if = "lcm" + id;
    const int octet = static_cast<int>(::getpid() % 200) + 20;
    host_ip = "10.213." + std::to_string(octet) + ".1";
    ns_ip = "10.213." + std::to_string(octet) + ".2";
    ok = ::geteuid() == 0 && Run("ip netns add " + ns) == 0 &&
         Run("ip link add " + host_if + " type veth peer name " + ns_if) == 0 &&
         Run("ip link set " + ns_if + " netns " + ns) == 0 &&
         Run("ip addr add " + host_ip + "/24 dev " + host_if) == 0 &&
         Run("ip link set " + host_if + " up") == 0 &&
         Run(In("ip addr add " + ns_ip + "/24 dev " + ns_if)) == 0 &&
         Run(In("ip link set " + ns_if + " up")) == 0 && Run(In("ip link set lo up")) == 0;
  }
  ~TestHost() {
    Run("ip link del " + host_if);
    Run("ip netns del " + ns);
  }
  std::string In(const std::string& cmd) const { return "ip netns exec " + ns + " " + cmd; }
};

// The status lines the validator has written so far.
std::vector<nlohmann::json> StatusLines(const std::string& path) {
  std::vector<nlohmann::json> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded()) out.push_back(j);
  }
  return out;
}

// The reason the validator gave `miner` (short key) in a status line, or "" if it has none.
std::string ReasonOf(const nlohmann::json& status, const std::string& miner) {
  for (const auto& m : status["miners"]) {
    if (m["miner"] == miner) return m["reason"];
  }
  return "";
}

// Waits (up to `seconds`) for a round after `after` in which `miner` got `reason`; returns its
// round number, or -1.
int64_t WaitForReason(const std::string& status_file, const std::string& miner,
                      const std::string& reason, int64_t after, int seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < until) {
    for (const auto& s : StatusLines(status_file)) {
      if (s["round"].get<int64_t>() > after && ReasonOf(s, miner) == reason) {
        return s["round"].get<int64_t>();
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return -1;
}

}  // namespace

TEST_CASE("a miner whose link is slowed is late, cut is missed, and rejoins when it returns",
          "[net][slow]") {
  TestHost host;
  if (!host.ok) {
    WARN("skipped: needs root and network namespaces (ip netns, veth) to build its test hosts");
    return;
  }
  TempDir dir;
  REQUIRE(WriteSyntheticCorpus(dir.path(), 6000, 800));
  const Identity validator_id = Identity::Generate();
  const std::string vdir = dir / "validator";
  std::filesystem::create_directories(vdir);
  REQUIRE(validator_id.Save(vdir + "/key").ok());
  WriteValidatorConfig(vdir, dir.path(), "tcp://" + host.host_ip + ":0",
                       "tcp://" + host.host_ip + ":0", 3, 2);
  pid_t validator =
      Spawn({LOCONET_BINARY, "validator", "--config", vdir + "/validator.toml"}, vdir + "/log.txt");
  nlohmann::json ep;
  for (int i = 0; i < 200 && ep.is_null(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto j = nlohmann::json::parse(ReadAll(vdir + "/endpoints.json"), nullptr, false);
    if (!j.is_discarded() && j.contains("router")) ep = j;
  }
  REQUIRE_FALSE(ep.is_null());
  // Miner 0 on this host, miner 1 inside the namespace behind the veth.
  std::vector<pid_t> miners;
  std::string remote_short;
  for (int i = 0; i < 2; ++i) {
    const std::string mdir = dir / ("miner-" + std::to_string(i));
    std::filesystem::create_directories(mdir);
    const Identity key = Identity::Generate();
    if (i == 1) remote_short = key.public_key().Short();
    REQUIRE(key.Save(mdir + "/key").ok());
    WriteMinerConfig(mdir, "m" + std::to_string(i), dir.path(), ep["router"], ep["pub"],
                     validator_id.public_key().Hex(), 1500);
    std::vector<std::string> argv = {LOCONET_BINARY, "miner", "--config", mdir + "/miner.toml"};
    if (i == 1) argv.insert(argv.begin(), {"ip", "netns", "exec", host.ns});
    miners.push_back(Spawn(argv, mdir + "/log.txt"));
  }
  auto stop_all = [&] {
    for (pid_t p : miners) ::kill(p, SIGTERM);
    ::kill(validator, SIGTERM);
    for (pid_t p : miners) ::waitpid(p, nullptr, 0);
    ::waitpid(validator, nullptr, 0);
  };
  const std::string status = vdir + "/status.jsonl";
  INFO(ReadAll(dir / "miner-1/log.txt"));

  // Healthy: the remote miner is accepted.
  const int64_t healthy = WaitForReason(status, remote_short, "ok", -1, 60);
  CHECK(healthy >= 0);
  // Slowed to 64 kbit/s: its ~35 KB submission takes about 5 s, past the 3 s deadline.
  REQUIRE(Run(host.In("tc qdisc add dev " + host.ns_if +
                      " root tbf rate 64kbit burst 1600 latency 30s")) == 0);
  const int64_t late = WaitForReason(status, remote_short, "late", healthy, 60);
  CHECK(late > healthy);
  // Cut: rounds go on without it.
  REQUIRE(Run(host.In("ip link set " + host.ns_if + " down")) == 0);
  REQUIRE(Run(host.In("tc qdisc del dev " + host.ns_if + " root")) == 0);
  const int64_t missed = WaitForReason(status, remote_short, "missed", std::max(late, healthy), 60);
  CHECK(missed > healthy);
  // Back: it rejoins and is accepted again.
  REQUIRE(Run(host.In("ip link set " + host.ns_if + " up")) == 0);
  const int64_t rejoined = WaitForReason(status, remote_short, "ok", missed, 90);
  CHECK(rejoined > missed);
  stop_all();
  std::printf("netfault: healthy in round %lld, late in %lld, missed in %lld, rejoined in %lld\n",
              static_cast<long long>(healthy), static_cast<long long>(late),
              static_cast<long long>(missed), static_cast<long long>(rejoined));
}
