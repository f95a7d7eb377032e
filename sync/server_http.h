// sync/server_http.h — the office sync server's HTTP face: the routes of
// docs/sync-protocol.md on a cpp-httplib server, over a ServerStore.
//
// Model: every /api/ answer is JSON, errors included ({"error": {code, message, field}});
// request bodies are read here (size limit, read timeout → 408, truncated → 400), checked
// for Content-Type (415), UTF-8 and JSON (400), and the caller is authenticated from
// "Authorization: Bearer <token>" before the store is asked. Everything else is a static
// file from the web root (sync/static_files.h). One structured JSON line per request on
// stderr: time, method, path (never the query), status, ms, user id, device id — never
// names, tokens, bodies or subject details.
#pragma once
#include <httplib.h>

#include <filesystem>
#include <functional>

#include "sync/server_store.h"

namespace parley::server {

struct HttpOptions {
  std::filesystem::path root;      // canonical web root; empty: no static files (404)
  int read_timeout_seconds = 10;   // a request body slower than this is refused with 408
  std::function<std::int64_t()> now_ms;   // the clock; the system clock when empty
};

// Installs every route, the error handler and the logger on `server`.
void install_routes(httplib::Server& server, ServerStore& store, const HttpOptions& options);

}  // namespace parley::server
