#include "api/status_page.h"

#include "api/embedded_files.h"
#include "api/view_handler.h"
#include "base/gzip.h"
#include "cache/entry.h"

namespace queuemon::api {
namespace {

// The files are compressed once, at start-up: the smallest output is worth it.
constexpr int kGzipLevel = 9;

std::string ContentTypeOf(std::string_view name) {
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".png")) return "image/png";
  return "application/octet-stream";
}

// The page loads only its own files and talks only to this daemon.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

std::vector<StaticFile> BuildFiles() {
  std::vector<StaticFile> files;
  for (std::size_t i = 0; i < kEmbeddedFileCount; ++i) {
    const EmbeddedFile& embedded = kEmbeddedFiles[i];
    StaticFile file;
    file.path = "/ui/" + std::string(embedded.name);
    file.content_type = ContentTypeOf(embedded.name);
    file.body = std::string(embedded.content);
    file.gzip = base::Gzip(file.body, kGzipLevel);
    file.etag = cache::Entry::Make(file.body, {})->etag;  // "<hash>"
    file.gzip_etag = file.etag.substr(0, file.etag.size() - 1) + "-gzip\"";
    files.push_back(std::move(file));
  }
  return files;
}

}  // namespace

const std::vector<StaticFile>& StatusPageFiles() {
  static const std::vector<StaticFile> files = BuildFiles();
  return files;
}

const StaticFile* FindStatusPageFile(std::string_view path) {
  if (path == "/ui" || path == "/ui/") path = "/ui/index.html";
  for (const StaticFile& file : StatusPageFiles()) {
    if (file.path == path) return &file;
  }
  return nullptr;
}

http::Response StaticFileResponse(const StaticFile& file, const http::Request& request) {
  http::Response response;
  response.SetHeader("Content-Type", file.content_type);
  const std::string& etag = request.accepts_gzip ? file.gzip_etag : file.etag;
  response.SetHeader("ETag", etag);
  response.SetHeader("Cache-Control", "no-cache");
  response.SetHeader("Vary", "Accept, Accept-Encoding");
  if (file.content_type.starts_with("text/html")) {
    response.SetHeader("Content-Security-Policy", std::string(kContentSecurityPolicy));
  }
  response.SetHeader("X-Content-Type-Options", "nosniff");
  if (IfNoneMatchMatches(request.if_none_match, etag)) {
    response.status = 304;
    return response;
  }
  if (request.accepts_gzip) response.SetHeader("Content-Encoding", "gzip");
  // The files live as long as the process: a non-owning handle, no copy per request.
  response.body_owner = std::shared_ptr<const void>(std::shared_ptr<const void>(), &file);
  response.body_view = request.accepts_gzip ? file.gzip : file.body;
  return response;
}

}  // namespace queuemon::api
