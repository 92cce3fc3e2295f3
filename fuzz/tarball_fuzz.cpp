// libFuzzer target: datasets::ExtractTarball on a hostile tarball. The input is written to a
// per-process file and unpacked into a per-process sandbox with a 1 MiB bound. Whatever the
// outcome, nothing may appear beside the output directory, and the output directory may hold
// only regular files and directories.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "datasets/tarball.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace loconet;
  namespace fs = std::filesystem;
  static const fs::path base = fs::path(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") /
                               ("loconet_tarball_fuzz." + std::to_string(getpid()));
  static const fs::path sandbox = base / "sandbox";
  static const fs::path out = sandbox / "out";
  static const fs::path input = base / "input.tar";
  fs::create_directories(sandbox);

  std::FILE* f = std::fopen(input.c_str(), "wb");
  FUZZ_CHECK(f != nullptr);
  FUZZ_CHECK(size == 0 || std::fwrite(data, 1, size, f) == size);
  FUZZ_CHECK(std::fclose(f) == 0);

  Status s = datasets::ExtractTarball(input.string(), out.string(), 1 << 20);
  if (!s.ok()) {
    FUZZ_CHECK(s.code() == Code::kCorrupt || s.code() == Code::kTooLarge ||
               s.code() == Code::kIoError);
  }
  for (const fs::directory_entry& e : fs::directory_iterator(base)) {
    FUZZ_CHECK(e.path() == sandbox || e.path() == input);
  }
  for (const fs::directory_entry& e : fs::directory_iterator(sandbox)) FUZZ_CHECK(e.path() == out);
  for (const fs::directory_entry& e : fs::recursive_directory_iterator(out)) {
    fs::file_status st = e.symlink_status();
    FUZZ_CHECK(fs::is_regular_file(st) || fs::is_directory(st));
  }
  fs::remove_all(base);
  return 0;
}
