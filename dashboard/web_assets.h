// The dashboard's own page, script and style sheet (dashboard/web/), compiled into the binary by
// embed.cmake so that `loconet dashboard` needs no files beside it.
#pragma once

#include <string>

namespace loconet::dashboard {

struct WebAsset {
  const char* content_type;
  std::string body;
};

// The asset served at `path` ("/", "/app.js", "/style.css"); nullptr for any other path.
const WebAsset* FindWebAsset(const std::string& path);

}  // namespace loconet::dashboard
