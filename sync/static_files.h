// sync/static_files.h — serving the staged web client from a directory, for the office
// server (the same rules as tools/serve's parley-serve, which predates it).
//
// Model: a directory of static files (tools/stage_web.py's output). GET and HEAD; the
// MIME types browsers insist on (application/wasm, application/manifest+json,
// text/javascript); an ETag so revalidation is a 304; `Cache-Control: no-cache` on the
// shell, the service worker and the emcc output, because the service worker, not the HTTP
// cache, decides which version a page gets. "dir/" serves dir/index.html. Dot-files, "..",
// empty segments and NUL are refused; symlinks leading out of the root are not followed.
#pragma once
#include <httplib.h>

#include <filesystem>

namespace parley::server {
// Answers req (a GET or HEAD of req.path) from the canonical directory `root`.
void serve_file(const std::filesystem::path& root, const httplib::Request& req, httplib::Response& res);
}  // namespace parley::server
