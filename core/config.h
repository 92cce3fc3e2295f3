// TOML configuration (toml++), validated on load.
//
// Reads are typed and range-checked. A missing key yields the caller's default; a key of the
// wrong type or out of range records an error that names the file, the key and what was
// expected. Finish() returns the first such error, or an error for any key in the file that no
// one read (a typo must not be silently ignored).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/status.h"

namespace toml {
inline namespace v3 {
class table;
}
}  // namespace toml

namespace loconet {

class Config {
 public:
  static Result<Config> LoadFile(const std::string& path);
  static Result<Config> Parse(const std::string& text, const std::string& source_name);

  Config(Config&&) noexcept;
  Config& operator=(Config&&) noexcept;
  ~Config();

  const std::string& source() const { return source_; }
  bool Has(const std::string& key) const;

  // `key` is a dotted path ("model.d_model"). `fallback` is used when the key is absent; with
  // std::nullopt the key is required.
  int64_t Int(const std::string& key, std::optional<int64_t> fallback, int64_t min, int64_t max);
  double Real(const std::string& key, std::optional<double> fallback, double min, double max);
  bool Bool(const std::string& key, std::optional<bool> fallback);
  // With a non-empty `allowed`, the value must be one of them.
  std::string Str(const std::string& key, std::optional<std::string> fallback,
                  const std::vector<std::string>& allowed = {});
  // The names of the tables directly under table `key` (e.g. "peers" for [peers.a] and
  // [peers.b]: {"a", "b"}, in file order); empty if `key` is absent or not a table.
  std::vector<std::string> Subtables(const std::string& key) const;
  // Marks every key under `prefix` as read (for sections another component reads).
  void Skip(const std::string& prefix);

  // First error recorded by the reads above (OK if none); does not check for unknown keys.
  Status FirstError() const { return first_error_; }
  // First error recorded by the reads above, else an error naming unread keys, else OK.
  Status Finish() const;

 private:
  Config();
  void Fail(const std::string& key, const std::string& expected, const std::string& found);
  std::string source_;
  std::unique_ptr<toml::table> table_;
  std::set<std::string> read_;
  std::set<std::string> skipped_prefixes_;
  Status first_error_;
};

}  // namespace loconet
