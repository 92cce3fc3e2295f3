#include "datasets/tarball.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <memory>
#include <string_view>

#include "core/files.h"

namespace loconet::datasets {

namespace fs = std::filesystem;

namespace {

struct ReadFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct WriteFree {
  void operator()(archive* a) const { archive_write_free(a); }
};

std::string ArchiveError(archive* a) {
  const char* e = archive_error_string(a);
  return e != nullptr ? e : "unknown libarchive error";
}

// An entry name for an error message: control and non-ASCII bytes become '?', so that a hostile
// name cannot forge log lines.
std::string Printable(std::string_view s) {
  std::string out(s.substr(0, 200));
  for (char& c : out) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7e) c = '?';
  }
  return out;
}

// Why an entry's path is unsafe to join to the destination, or "" if it is safe.
std::string UnsafePath(std::string_view path) {
  if (path.empty()) return "empty path";
  if (path.front() == '/') return "absolute path";
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (path.substr(start, end - start) == "..") return "path with a '..' component";
    start = end + 1;
  }
  return "";
}

const char* TypeName(mode_t type) {
  switch (type) {
    case AE_IFLNK:
      return "symbolic link";
    case AE_IFCHR:
      return "character device";
    case AE_IFBLK:
      return "block device";
    case AE_IFIFO:
      return "FIFO";
    case AE_IFSOCK:
      return "socket";
    default:
      return "entry of unknown type";
  }
}

}  // namespace

Status ExtractTarball(const std::string& tarball, const std::string& dest_dir, uint64_t max_bytes) {
  LOCONET_RETURN_IF_ERROR(MakeDirs(dest_dir));
  // Resolved, so that the on-disk symlink check below never trips on a link above dest_dir.
  std::error_code ec;
  const fs::path root = fs::canonical(dest_dir, ec);
  if (ec) return Error(Code::kIoError, dest_dir + ": cannot resolve: " + ec.message());

  std::unique_ptr<archive, ReadFree> in(archive_read_new());
  std::unique_ptr<archive, WriteFree> out(archive_write_disk_new());
  if (!in || !out) return Error(Code::kInternal, tarball + ": cannot start libarchive");
  archive_read_support_filter_gzip(in.get());
  archive_read_support_format_tar(in.get());
  // Defence in depth: our own checks below already refuse what these flags refuse.
  archive_write_disk_set_options(out.get(),
                                 ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS);
  if (archive_read_open_filename(in.get(), tarball.c_str(), 64 * 1024) != ARCHIVE_OK) {
    // libarchive reports a format it does not know as EILSEQ and its own errors as -1 or
    // EINVAL; anything else is the system's.
    const int e = archive_errno(in.get());
    Code code = e == ENOENT                           ? Code::kNotFound
                : e > 0 && e != EILSEQ && e != EINVAL ? Code::kIoError
                                                      : Code::kCorrupt;
    return Error(code, tarball + ": cannot open it as a tarball: " + ArchiveError(in.get()));
  }

  uint64_t total = 0;
  for (;;) {
    archive_entry* entry = nullptr;
    int rc = archive_read_next_header(in.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) {
      return Error(Code::kCorrupt, tarball + ": not a readable tarball: " + ArchiveError(in.get()));
    }
    const char* raw_name = archive_entry_pathname(entry);
    const std::string name = raw_name != nullptr ? raw_name : "";
    auto refuse = [&](Code code, const std::string& why) {
      return Error(code, tarball + ": entry \"" + Printable(name) + "\": " + why +
                             "; refusing to unpack the tarball");
    };
    if (std::string why = UnsafePath(name); !why.empty()) return refuse(Code::kCorrupt, why);
    if (archive_entry_hardlink(entry) != nullptr) {
      return refuse(Code::kCorrupt,
                    "a hard link (only regular files and directories are unpacked)");
    }
    const mode_t type = archive_entry_filetype(entry);
    const int64_t declared = archive_entry_size(entry);
    if (type == AE_IFREG) {
      if (declared < 0 || static_cast<uint64_t>(declared) > max_bytes - total) {
        return refuse(Code::kTooLarge, "the files would unpack to more than " +
                                           std::to_string(max_bytes) + " bytes");
      }
      total += static_cast<uint64_t>(declared);
      archive_entry_set_perm(entry, 0644);
    } else if (type == AE_IFDIR) {
      archive_entry_set_perm(entry, 0755);
    } else {
      return refuse(Code::kCorrupt, std::string("a ") + TypeName(type) +
                                        " (only regular files and directories are unpacked)");
    }

    archive_entry_set_pathname(entry, (root / name).c_str());
    if (archive_write_header(out.get(), entry) < ARCHIVE_WARN) {
      return refuse(Code::kIoError, "cannot create it: " + ArchiveError(out.get()));
    }
    if (type == AE_IFREG) {
      const void* block = nullptr;
      size_t size = 0;
      la_int64_t offset = 0;
      while ((rc = archive_read_data_block(in.get(), &block, &size, &offset)) == ARCHIVE_OK) {
        // Blocks stay within the declared size, so the bound above holds for what is written.
        if (offset < 0 || static_cast<uint64_t>(offset) + size > static_cast<uint64_t>(declared)) {
          return refuse(Code::kCorrupt, "data beyond its declared size");
        }
        if (archive_write_data_block(out.get(), block, size, offset) < ARCHIVE_OK) {
          return refuse(Code::kIoError, "cannot write it: " + ArchiveError(out.get()));
        }
      }
      if (rc != ARCHIVE_EOF) {
        return refuse(Code::kCorrupt, "truncated or corrupt data: " + ArchiveError(in.get()));
      }
    }
    if (archive_write_finish_entry(out.get()) < ARCHIVE_WARN) {
      return refuse(Code::kIoError, "cannot finish it: " + ArchiveError(out.get()));
    }
  }
  if (archive_write_close(out.get()) < ARCHIVE_WARN) {
    return Error(Code::kIoError, tarball + ": cannot finish unpacking into " + dest_dir + ": " +
                                     ArchiveError(out.get()));
  }
  return Status::Ok();
}

}  // namespace loconet::datasets
