#pragma once
// The status page's files, compiled into the binary (cmake/embed_files.cmake generates the
// definitions from api/status_page/): nothing to install, nothing fetched at run time.

#include <cstddef>
#include <string_view>

namespace queuemon::api {

struct EmbeddedFile {
  std::string_view name;     // relative to api/status_page/, e.g. "app.js"
  std::string_view content;
};

extern const EmbeddedFile kEmbeddedFiles[];
extern const std::size_t kEmbeddedFileCount;

}  // namespace queuemon::api
