#include "validator/payload_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "core/bytes.h"
#include "core/files.h"

namespace loconet {

namespace {

Bytes EncodeRecord(uint64_t round, const Hash256& h) {
  ByteWriter w;
  w.U64(round);
  w.Raw(h.bytes.data(), 32);
  const Hash256 check = Blake2b256(w.bytes());
  w.Raw(check.bytes.data(), 8);
  return w.bytes();
}

Status WriteAll(int fd, const Bytes& b, const std::string& path) {
  size_t off = 0;
  while (off < b.size()) {
    ssize_t n = ::write(fd, b.data() + off, b.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error(Code::kIoError, path + ": write failed: " + std::strerror(errno));
    off += static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace

PayloadLog::PayloadLog(PayloadLog&& o) noexcept { *this = std::move(o); }

PayloadLog& PayloadLog::operator=(PayloadLog&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(o.path_);
    window_ = o.window_;
    fd_ = std::exchange(o.fd_, -1);
    records_in_file_ = o.records_in_file_;
    dropped_ = o.dropped_;
    round_of_ = std::move(o.round_of_);
    by_round_ = std::move(o.by_round_);
  }
  return *this;
}

PayloadLog::~PayloadLog() {
  if (fd_ >= 0) ::close(fd_);
}

Result<PayloadLog> PayloadLog::Open(const std::string& path, uint64_t window_rounds) {
  PayloadLog log;
  log.path_ = path;
  log.window_ = window_rounds;
  std::string data;
  auto read = ReadFile(path);
  if (read.ok()) {
    data = std::move(read).value();
  } else if (read.status().code() != Code::kNotFound) {
    return read.status();
  }
  size_t good = 0;
  for (size_t off = 0; off + kRecordBytes <= data.size(); off += kRecordBytes) {
    const auto* p = reinterpret_cast<const uint8_t*>(data.data() + off);
    ByteReader r(p, kRecordBytes);
    uint64_t round = 0;
    Hash256 h;
    if (!r.U64(&round)) break;
    std::memcpy(h.bytes.data(), p + 8, 32);
    if (EncodeRecord(round, h) != Bytes(p, p + kRecordBytes)) break;
    log.round_of_[h] = round;
    log.by_round_.emplace(round, h);
    good = off + kRecordBytes;
  }
  log.records_in_file_ = good / kRecordBytes;
  log.dropped_ = (data.size() - good + kRecordBytes - 1) / kRecordBytes;
  log.fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (log.fd_ < 0) {
    return Error(Code::kIoError, path + ": cannot open: " + std::strerror(errno));
  }
  // Cut a torn or corrupt tail, so the next record follows the last good one.
  if (::ftruncate(log.fd_, static_cast<off_t>(good)) != 0 ||
      ::lseek(log.fd_, static_cast<off_t>(good), SEEK_SET) < 0 || ::fdatasync(log.fd_) != 0) {
    return Error(Code::kIoError, path + ": cannot truncate: " + std::strerror(errno));
  }
  return log;
}

Status PayloadLog::Remember(uint64_t round, const Hash256& h) {
  LOCONET_RETURN_IF_ERROR(WriteAll(fd_, EncodeRecord(round, h), path_));
  if (::fdatasync(fd_) != 0) {
    return Error(Code::kIoError, path_ + ": fdatasync failed: " + std::strerror(errno));
  }
  ++records_in_file_;
  round_of_[h] = round;
  by_round_.emplace(round, h);
  return Status::Ok();
}

Status PayloadLog::Prune(uint64_t current_round) {
  if (current_round < window_) return Status::Ok();
  const uint64_t first_kept = current_round - window_;
  while (!by_round_.empty() && by_round_.begin()->first < first_kept) {
    round_of_.erase(by_round_.begin()->second);
    by_round_.erase(by_round_.begin());
  }
  if (records_in_file_ <= 2 * by_round_.size() + 64) return Status::Ok();
  Bytes all;
  for (const auto& [round, h] : by_round_) {
    Bytes rec = EncodeRecord(round, h);
    all.insert(all.end(), rec.begin(), rec.end());
  }
  LOCONET_RETURN_IF_ERROR(WriteFileAtomic(path_, all.data(), all.size()));
  int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) return Error(Code::kIoError, path_ + ": cannot reopen: " + std::strerror(errno));
  ::close(fd_);
  fd_ = fd;
  records_in_file_ = by_round_.size();
  return Status::Ok();
}

}  // namespace loconet
