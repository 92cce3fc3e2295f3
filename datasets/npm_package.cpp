#include "datasets/npm_package.h"

#include <fcntl.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/files.h"
#include "core/hash.h"
#include "datasets/tarball.h"

extern char** environ;

namespace loconet::datasets {

namespace fs = std::filesystem;

namespace {

std::string Join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

// The last `n` bytes of a log file, on one line, for error messages.
std::string LogTail(const std::string& path, size_t n) {
  Result<std::string> text = ReadFile(path);
  if (!text.ok()) return "";
  std::string tail = text->size() > n ? text->substr(text->size() - n) : *text;
  for (char& c : tail) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return tail;
}

// Runs argv[0] (looked up on PATH) with stdin from /dev/null and stdout and stderr written to
// log_path, and waits for it. Not found: kNotFound; non-zero exit: kUnavailable with the log's
// tail.
Status RunCommand(const std::vector<std::string>& argv, const std::string& log_path) {
  std::string line = Join(argv, " ");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc == ENOENT) {
    return Error(Code::kNotFound, argv[0] + " not found on PATH (running: " + line + ")");
  }
  if (rc != 0) return Error(Code::kIoError, "cannot run " + line + ": " + std::strerror(rc));
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0) {
    if (errno != EINTR) {
      return Error(Code::kIoError, "waiting for " + line + ": " + std::strerror(errno));
    }
  }
  if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) return Status::Ok();
  std::string how = WIFEXITED(wstatus) ? "exit status " + std::to_string(WEXITSTATUS(wstatus))
                                       : "signal " + std::to_string(WTERMSIG(wstatus));
  return Error(Code::kUnavailable, line + " failed (" + how + "): " + LogTail(log_path, 600) +
                                       " (log: " + log_path + ")");
}

}  // namespace

Result<std::vector<std::string>> FetchNpmPackages(const std::vector<NpmPackage>& packages,
                                                  const std::string& cache_dir) {
  LOCONET_RETURN_IF_ERROR(MakeDirs(cache_dir));
  std::vector<std::string> missing;
  for (const NpmPackage& pkg : packages) {
    if (!fs::exists(fs::path(cache_dir) / pkg.tarball)) missing.push_back(pkg.spec);
  }
  if (!missing.empty()) {
    spdlog::info("fetching {} with npm pack into {}", Join(missing, ", "), cache_dir);
    std::vector<std::string> argv = {"npm", "pack", "--ignore-scripts"};
    argv.insert(argv.end(), missing.begin(), missing.end());
    argv.push_back("--pack-destination");
    argv.push_back(cache_dir);
    LOCONET_RETURN_IF_ERROR(RunCommand(argv, (fs::path(cache_dir) / "npm-pack.log").string()));
  } else {
    spdlog::info("using cached npm tarballs in {}", cache_dir);
  }

  std::vector<std::string> dirs;
  for (const NpmPackage& pkg : packages) {
    const std::string tarball = (fs::path(cache_dir) / pkg.tarball).string();
    LOCONET_ASSIGN_OR_RETURN(std::string bytes, ReadFile(tarball));
    const Hash256 hash = Blake2b256(bytes);
    if (hash.Hex() != pkg.blake2b) {
      std::error_code ec;
      fs::remove(tarball, ec);
      return Error(Code::kCorrupt, tarball + ": BLAKE2b-256 is " + hash.Hex() + ", expected " +
                                       pkg.blake2b + "; removed it, run again to fetch it anew");
    }
    const fs::path dir = fs::path(cache_dir) / pkg.dir;
    std::error_code ec;
    fs::remove_all(dir, ec);
    LOCONET_RETURN_IF_ERROR(MakeDirs(dir.string()));
    LOCONET_RETURN_IF_ERROR(ExtractTarball(tarball, dir.string()));
    dirs.push_back(dir.string());
  }
  return dirs;
}

}  // namespace loconet::datasets
