// sync/static_files.h — serving the staged web client from a directory, and the --listen
// address, for both parley-server (the office server) and parley-serve (static only), as
// part of their applications on the HTTP layer (sync/http_server.h).
//
// Model: a directory of static files (tools/stage_web.py's output). GET and HEAD; the
// MIME types browsers insist on (application/wasm, application/manifest+json,
// text/javascript); an ETag so revalidation is a 304; `Cache-Control: no-cache` on the
// shell, the service worker and the emcc output, because the service worker, not the HTTP
// cache, decides which version a page gets. "dir/" serves dir/index.html. Dot-files, "..",
// empty segments and NUL are refused; symlinks leading out of the root are not followed.
#pragma once
#include <filesystem>
#include <string>

#include "sync/http_server.h"

namespace parley::server {
// Answers ex.req (a GET or HEAD of ex.path) from the canonical directory `root`.
void serve_file(const std::filesystem::path& root, Exchange& ex);

// Every request that is not the application's: GET and HEAD go to serve_file (a 404 for
// everything when `root` is empty), other methods get a 405 with "Allow: GET, HEAD".
void serve_static(const std::filesystem::path& root, Exchange& ex);

// --listen "HOST:PORT" or "[V6ADDR]:PORT" (port 0: any free port). Throws
// std::invalid_argument saying what is expected.
struct ListenAddress {
  std::string host;
  int port = 0;
};
ListenAddress parse_listen(const std::string& text);
}  // namespace parley::server
