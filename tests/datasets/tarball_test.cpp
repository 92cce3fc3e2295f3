#include "datasets/tarball.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/files.h"
#include "tests/temp_dir.h"

using namespace loconet;
using namespace loconet::datasets;
using loconet::testing::TempDir;
namespace fs = std::filesystem;

namespace {

void WriteText(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// Runs a shell command (GNU tar makes the test tarballs) and requires it to succeed.
void Sh(const std::string& command) {
  INFO(command);
  REQUIRE(std::system(command.c_str()) == 0);
}

// A tarball of src/file under the member name `member` (-P keeps absolute and ".." names).
std::string TarballNaming(const TempDir& dir, const std::string& member) {
  WriteText(dir / "src/file", "payload");
  std::string tarball = dir / "named.tar";
  Sh("tar -cPf " + tarball + " -C " + (dir / "src") + " --transform 's,^file$," + member +
     ",' file");
  return tarball;
}

}  // namespace

TEST_CASE("a gzip tarball unpacks its files and directories with plain modes", "[datasets]") {
  TempDir dir;
  WriteText(dir / "src/package/data/a.txt", "first");
  WriteText(dir / "src/package/data/b.txt", "second");
  WriteText(dir / "src/package/package.json", "{}");
  ::chmod((dir / "src/package/data/a.txt").c_str(), 0600);
  Sh("tar -czf " + (dir / "t.tgz") + " -C " + (dir / "src") + " package");

  REQUIRE(ExtractTarball(dir / "t.tgz", dir / "out/x").ok());
  CHECK(*ReadFile(dir / "out/x/package/data/a.txt") == "first");
  CHECK(*ReadFile(dir / "out/x/package/data/b.txt") == "second");
  CHECK(*ReadFile(dir / "out/x/package/package.json") == "{}");
  struct stat st;
  REQUIRE(::stat((dir / "out/x/package/data/a.txt").c_str(), &st) == 0);
  CHECK((st.st_mode & 0400) != 0);
  CHECK((st.st_mode & 0111) == 0);
}

TEST_CASE("a tarball entry with a '..' component is refused and nothing escapes", "[datasets]") {
  for (const std::string member : {"../evil", "a/../../evil", "package/.."}) {
    TempDir dir;
    std::string tarball = TarballNaming(dir, member);
    Status s = ExtractTarball(tarball, dir / "out/x");
    INFO(s.ToString());
    CHECK(s.code() == Code::kCorrupt);
    CHECK(s.message().find("\"" + member + "\"") != std::string::npos);
    CHECK(s.message().find("'..' component") != std::string::npos);
    CHECK_FALSE(fs::exists(dir / "out/evil"));
    CHECK_FALSE(fs::exists(dir / "evil"));
  }
}

TEST_CASE("a tarball entry with an absolute path is refused", "[datasets]") {
  TempDir dir;
  std::string target = dir / "abs-evil";
  std::string tarball = TarballNaming(dir, target);
  Status s = ExtractTarball(tarball, dir / "out");
  CHECK(s.code() == Code::kCorrupt);
  CHECK(s.message().find("absolute path") != std::string::npos);
  CHECK_FALSE(fs::exists(target));
}

TEST_CASE("a tarball holding a symbolic link is refused and the link is not made", "[datasets]") {
  TempDir dir;
  WriteText(dir / "src/package/a.txt", "first");
  fs::create_symlink("/etc/passwd", dir / "src/package/link");
  Sh("tar -czf " + (dir / "t.tgz") + " -C " + (dir / "src") + " package/link");
  Status s = ExtractTarball(dir / "t.tgz", dir / "out");
  CHECK(s.code() == Code::kCorrupt);
  CHECK(s.message().find("\"package/link\"") != std::string::npos);
  CHECK(s.message().find("symbolic link") != std::string::npos);
  CHECK_FALSE(fs::is_symlink(dir / "out/package/link"));
}

TEST_CASE("a tarball holding a hard link is refused", "[datasets]") {
  TempDir dir;
  WriteText(dir / "src/a.txt", "first");
  fs::create_hard_link(dir / "src/a.txt", dir / "src/b.txt");
  Sh("tar -cf " + (dir / "t.tar") + " -C " + (dir / "src") + " a.txt b.txt");
  Status s = ExtractTarball(dir / "t.tar", dir / "out");
  CHECK(s.code() == Code::kCorrupt);
  CHECK(s.message().find("hard link") != std::string::npos);
}

TEST_CASE("a tarball that unpacks past the byte bound is too_large", "[datasets]") {
  TempDir dir;
  WriteText(dir / "src/a.txt", std::string(600, 'a'));
  WriteText(dir / "src/b.txt", std::string(600, 'b'));
  Sh("tar -czf " + (dir / "t.tgz") + " -C " + (dir / "src") + " a.txt b.txt");
  CHECK(ExtractTarball(dir / "t.tgz", dir / "ok", 1200).ok());
  Status s = ExtractTarball(dir / "t.tgz", dir / "out", 1000);
  CHECK(s.code() == Code::kTooLarge);
  CHECK(s.message().find("\"b.txt\"") != std::string::npos);
}

TEST_CASE("a missing, foreign or truncated tarball is refused with the reason", "[datasets]") {
  TempDir dir;
  CHECK(ExtractTarball(dir / "none.tgz", dir / "out").code() == Code::kNotFound);

  WriteText(dir / "text.tgz", std::string(2000, 'x'));
  Status foreign = ExtractTarball(dir / "text.tgz", dir / "out");
  CHECK(foreign.code() == Code::kCorrupt);
  CHECK(foreign.message().find("text.tgz") != std::string::npos);

  WriteText(dir / "src/a.txt", std::string(100000, 'a'));
  Sh("tar -cf " + (dir / "t.tar") + " -C " + (dir / "src") + " a.txt");
  std::string whole = *ReadFile(dir / "t.tar");
  WriteText(dir / "cut.tar", whole.substr(0, 50000));
  Status cut = ExtractTarball(dir / "cut.tar", dir / "out");
  CHECK(cut.code() == Code::kCorrupt);
  CHECK(cut.message().find("cut.tar") != std::string::npos);
}
