// Helpers for tests that run loconet processes: start one with its output in a log file, read a
// file whole, write a validator's and a miner's config.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <vector>

namespace loconet::testing {

// Starts argv[0] with `argv`, stdout and stderr appended to `log`.
inline pid_t Spawn(const std::vector<std::string>& argv, const std::string& log) {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    _exit(127);
  }
  return pid;
}

// A TCP port on 127.0.0.1 that was free a moment ago.
inline int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A validator config in `dir` (key file "key" already there) for the nano model on `data`,
// rounds of `seconds`, never stopping on its own.
inline void WriteValidatorConfig(const std::string& dir, const std::string& data,
                                 const std::string& router, const std::string& pub, double seconds,
                                 int min_miners) {
  std::ofstream(dir + "/validator.toml")
      << "model = \"" << LOCONET_SOURCE_DIR << "/configs/models/nano.toml\"\n[validator]\n"
      << "key = \"key\"\ndb = \"ledger\"\nstate = \"state.pt\"\nstatus_file = \"status.jsonl\"\n"
      << "endpoints_file = \"endpoints.json\"\n"
      << "data = \"" << data << "\"\nrouter = \"" << router << "\"\npub = \"" << pub
      << "\"\nthreads = 1\n[round]\ncount = 0\nmin_miners = " << min_miners
      << "\nseconds = " << seconds << "\nlocal_steps = 4\nbatch = 4\npages_per_miner = 4\n"
      << "[registration]\npow_bits = 4\npow_memory_kib = 64\n"
      << "[rewards]\nepoch_rounds = 3\n";
}

// A miner config in `dir` (key file "key" already there) for the validator at router/pub.
inline void WriteMinerConfig(const std::string& dir, const std::string& name,
                             const std::string& data, const std::string& router,
                             const std::string& pub, const std::string& validator_key_hex,
                             int request_timeout_ms) {
  std::ofstream(dir + "/miner.toml")
      << "model = \"" << LOCONET_SOURCE_DIR << "/configs/models/nano.toml\"\n[miner]\n"
      << "key = \"key\"\nname = \"" << name << "\"\nvalidator = \"" << router
      << "\"\nvalidator_pub = \"" << pub << "\"\nvalidator_key = \"" << validator_key_hex
      << "\"\ndata = \"" << data << "\"\nlog_file = \"rounds.jsonl\"\nthreads = 1\nrounds = 0\n"
      << "request_timeout_ms = " << request_timeout_ms << "\n"
      << "[train]\nlr = 0.01\nwarmup_steps = 2\ntotal_steps = 100000\n";
}

}  // namespace loconet::testing
