#include "core/config.h"

#include <toml++/toml.h>

#include <sstream>

#include "core/files.h"

namespace loconet {

Config::Config() : table_(std::make_unique<toml::table>()) {}
Config::Config(Config&&) noexcept = default;
Config& Config::operator=(Config&&) noexcept = default;
Config::~Config() = default;

Result<Config> Config::Parse(const std::string& text, const std::string& source_name) {
  Config c;
  c.source_ = source_name;
  try {
    *c.table_ = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << source_name << ":" << e.source().begin.line << ":" << e.source().begin.column
        << ": invalid TOML: " << e.description();
    return Error(Code::kConfigError, msg.str());
  }
  return c;
}

Result<Config> Config::LoadFile(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return Error(Code::kConfigError, "config " + text.status().message());
  return Parse(*text, path);
}

bool Config::Has(const std::string& key) const {
  return static_cast<bool>(table_->at_path(key));
}

void Config::Fail(const std::string& key, const std::string& expected, const std::string& found) {
  if (!first_error_.ok()) return;
  first_error_ = Error(Code::kConfigError,
                       source_ + ": key '" + key + "': expected " + expected + ", found " + found);
}

static std::string Describe(const toml::node& n) {
  std::ostringstream s;
  switch (n.type()) {
    case toml::node_type::string: s << '"' << *n.value<std::string>() << '"'; break;
    case toml::node_type::integer: s << *n.value<int64_t>(); break;
    case toml::node_type::floating_point: s << *n.value<double>(); break;
    case toml::node_type::boolean: s << (*n.value<bool>() ? "true" : "false"); break;
    case toml::node_type::table: s << "a table"; break;
    case toml::node_type::array: s << "an array"; break;
    default: s << "a date or time"; break;
  }
  return s.str();
}

int64_t Config::Int(const std::string& key, std::optional<int64_t> fallback, int64_t min,
                    int64_t max) {
  read_.insert(key);
  std::string expected =
      "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  toml::node_view<toml::node> n = table_->at_path(key);
  if (!n) {
    if (!fallback) Fail(key, expected, "nothing (the key is required)");
    return fallback.value_or(min);
  }
  auto v = n.value_exact<int64_t>();
  if (!v) {
    Fail(key, expected, Describe(*n.node()));
    return fallback.value_or(min);
  }
  if (*v < min || *v > max) {
    Fail(key, expected, std::to_string(*v));
    return fallback.value_or(min);
  }
  return *v;
}

double Config::Real(const std::string& key, std::optional<double> fallback, double min,
                    double max) {
  read_.insert(key);
  std::ostringstream e;
  e << "a number in [" << min << ", " << max << "]";
  toml::node_view<toml::node> n = table_->at_path(key);
  if (!n) {
    if (!fallback) Fail(key, e.str(), "nothing (the key is required)");
    return fallback.value_or(min);
  }
  std::optional<double> v;
  if (n.is_floating_point()) v = n.value_exact<double>();
  if (n.is_integer()) v = static_cast<double>(*n.value_exact<int64_t>());
  if (!v) {
    Fail(key, e.str(), Describe(*n.node()));
    return fallback.value_or(min);
  }
  if (!(*v >= min && *v <= max)) {
    Fail(key, e.str(), Describe(*n.node()));
    return fallback.value_or(min);
  }
  return *v;
}

bool Config::Bool(const std::string& key, std::optional<bool> fallback) {
  read_.insert(key);
  toml::node_view<toml::node> n = table_->at_path(key);
  if (!n) {
    if (!fallback) Fail(key, "true or false", "nothing (the key is required)");
    return fallback.value_or(false);
  }
  auto v = n.value_exact<bool>();
  if (!v) {
    Fail(key, "true or false", Describe(*n.node()));
    return fallback.value_or(false);
  }
  return *v;
}

std::string Config::Str(const std::string& key, std::optional<std::string> fallback,
                        const std::vector<std::string>& allowed) {
  read_.insert(key);
  std::string expected = "a string";
  if (!allowed.empty()) {
    expected = "one of";
    for (size_t i = 0; i < allowed.size(); ++i) expected += (i ? ", \"" : " \"") + allowed[i] + "\"";
  }
  toml::node_view<toml::node> n = table_->at_path(key);
  if (!n) {
    if (!fallback) Fail(key, expected, "nothing (the key is required)");
    return fallback.value_or("");
  }
  auto v = n.value_exact<std::string>();
  if (!v) {
    Fail(key, expected, Describe(*n.node()));
    return fallback.value_or("");
  }
  if (!allowed.empty()) {
    bool found = false;
    for (const auto& a : allowed) found = found || a == *v;
    if (!found) {
      Fail(key, expected, Describe(*n.node()));
      return fallback.value_or("");
    }
  }
  return *v;
}

std::vector<std::string> Config::Subtables(const std::string& key) const {
  std::vector<std::string> out;
  const toml::table* t = table_->at_path(key).as_table();
  if (!t) return out;
  for (const auto& [k, v] : *t) {
    if (v.is_table()) out.emplace_back(k.str());
  }
  return out;
}

void Config::Skip(const std::string& prefix) { skipped_prefixes_.insert(prefix); }

static void CollectLeaves(const toml::table& t, const std::string& prefix,
                          std::vector<std::string>* out) {
  for (const auto& [k, v] : t) {
    std::string path = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (const toml::table* sub = v.as_table()) {
      CollectLeaves(*sub, path, out);
    } else {
      out->push_back(path);
    }
  }
}

Status Config::Finish() const {
  if (!first_error_.ok()) return first_error_;
  std::vector<std::string> leaves;
  CollectLeaves(*table_, "", &leaves);
  for (const auto& leaf : leaves) {
    if (read_.count(leaf)) continue;
    bool skipped = false;
    for (const auto& p : skipped_prefixes_) {
      skipped = skipped || leaf == p || leaf.rfind(p + ".", 0) == 0;
    }
    if (!skipped) {
      return Error(Code::kConfigError, source_ + ": unknown key '" + leaf + "'");
    }
  }
  return Status::Ok();
}

}  // namespace loconet
