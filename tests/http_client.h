// A GET for tests that read a metrics endpoint or Prometheus' API on 127.0.0.1, through
// cpp-httplib's client (the library the nodes serve with), and a reader of Prometheus text.
#pragma once

#include <httplib.h>

#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>

namespace loconet::testing {

struct HttpReply {
  int status = 0;  // 0: no reply (see error)
  std::string body;
  std::string error;
};

inline HttpReply HttpGet(const std::string& host, int port, const std::string& target,
                         int timeout_ms = 5000) {
  httplib::Client client(host, port);
  client.set_connection_timeout(timeout_ms / 1000, (timeout_ms % 1000) * 1000);
  client.set_read_timeout(timeout_ms / 1000, (timeout_ms % 1000) * 1000);
  HttpReply out;
  auto res = client.Get(target);
  if (!res) {
    out.error = "GET http://" + host + ":" + std::to_string(port) + target + ": " +
                httplib::to_string(res.error());
    return out;
  }
  out.status = res->status;
  out.body = res->body;
  return out;
}

// The value of the sample whose line starts with `series` ("name" or "name{labels}") in
// Prometheus text, if present.
inline std::optional<double> Sample(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.compare(0, series.size() + 1, series + " ") == 0) {
      return std::strtod(line.c_str() + series.size() + 1, nullptr);
    }
  }
  return std::nullopt;
}

}  // namespace loconet::testing
