#pragma once
// The status page (issue 14): a plain HTML/CSS/JS dashboard compiled into the binary that polls
// the public JSON API like any client. This file only serves it: GET / to a browser (Accept:
// text/html) and /ui/<file>; each file gzipped once (zlib) for clients that accept gzip, with a
// strong ETag (304 on If-None-Match), `Cache-Control: no-cache` (revalidated, so an upgrade
// shows at once), and a Content-Security-Policy that allows only the page's own files and API.
//
// Thread-safety: the files are built once (thread-safe static) and immutable after.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace queuemon::api {

struct StaticFile {
  std::string path;          // "/ui/app.js"
  std::string content_type;  // "text/javascript; charset=utf-8"
  std::string body;
  std::string gzip;          // body gzip-compressed (base::Gzip, level 9)
  std::string etag;          // strong, of the body
  std::string gzip_etag;     // strong, of the gzip body (each coding its own validator)
};

// Every file of the page, under /ui/ (index.html also as /ui/).
const std::vector<StaticFile>& StatusPageFiles();
// The file at `path` ("/ui/app.js", "/ui/" = index.html), or null.
const StaticFile* FindStatusPageFile(std::string_view path);

// 200 with the file (gzip when the request accepts it) or 304 when If-None-Match matches.
http::Response StaticFileResponse(const StaticFile& file, const http::Request& request);

}  // namespace queuemon::api
