// A minimal HTTP/1.0 GET for tests that read a metrics endpoint or Prometheus' API on
// 127.0.0.1: one request per connection, the whole reply read until the server closes.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace loconet::testing {

struct HttpReply {
  int status = 0;  // 0: no reply (see error)
  std::string body;
  std::string error;
};

inline HttpReply HttpGet(const std::string& host, int port, const std::string& target,
                         int timeout_ms = 5000) {
  HttpReply out;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    out.error = std::strerror(errno);
    return out;
  }
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    out.error = "connect " + host + ":" + std::to_string(port) + ": " + std::strerror(errno);
    ::close(fd);
    return out;
  }
  // HTTP/1.0: the server closes after the reply and sends no chunked encoding.
  const std::string req = "GET " + target + " HTTP/1.0\r\nHost: " + host + "\r\n\r\n";
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    out.error = std::string("send: ") + std::strerror(errno);
    ::close(fd);
    return out;
  }
  std::string raw;
  char buf[8192];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) raw.append(buf, static_cast<size_t>(n));
  if (n < 0) out.error = std::string("recv: ") + std::strerror(errno);
  ::close(fd);
  const size_t head_end = raw.find("\r\n\r\n");
  if (raw.compare(0, 5, "HTTP/") != 0 || head_end == std::string::npos) {
    if (out.error.empty()) out.error = "not an HTTP reply: " + raw.substr(0, 200);
    return out;
  }
  const size_t space = raw.find(' ');
  out.status = std::atoi(raw.c_str() + space + 1);
  out.body = raw.substr(head_end + 4);
  return out;
}

}  // namespace loconet::testing
