// sync/server_http.h — the office sync server's HTTP face: the routes of
// docs/sync-protocol.md over a ServerStore, as an application of the HTTP layer
// (sync/http_server.h, which owns connections, deadlines and caps).
//
// Model: every /api/ answer is JSON with `Cache-Control: no-store`, errors included
// ({"error": {code, message, field}}, plus Retry-After when the store says when to come
// back); request bodies arrive whole from the layer (its refusals — 408 slow, 413 too
// large, 400 cut short, 431 headers — get the same JSON shape here), are checked for
// Content-Type (415), UTF-8 and JSON (400), and the caller is authenticated from
// "Authorization: Bearer <token>" before the store is asked (a token of a device marked
// for wipe: 410 wipe_requested on every endpoint; /api/health never reads a token, so it
// tells a stranger nothing). A busy database is 503 "busy" with Retry-After: 1.
// Everything else is a static file from the web root (sync/static_files.h). One
// structured JSON line per request on stderr: time, method, path (never the query),
// status, ms, user id, device id — never names, tokens, bodies or subject details.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>

#include "sync/http_server.h"
#include "sync/server_store.h"

namespace parley::server {

struct HttpOptions {
  std::filesystem::path root;      // canonical web root; empty: no static files (404)
  std::function<std::int64_t()> now_ms;   // the clock; the system clock when empty
};

// The routes, error answers and request log of parley-server over `store`, which must
// outlive the returned application.
HttpApp api_app(ServerStore& store, const HttpOptions& options);

}  // namespace parley::server
