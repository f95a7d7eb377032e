// sync/client_native.h — the blocking driver of the sync engine for native programs (the
// CLI and the desktop client), over cpp-httplib. Native only: the browser drives the same
// engine with fetch (wasm/).
//
// Model: the engine decides everything (sync/client.h); this file only carries its
// requests to the server and the answers back, timing each out. A round is run to its end
// and returns: it never sleeps through a backoff (the caller's loop or timer does that).
#pragma once
#include <chrono>
#include <string>

#include "sync/client.h"

namespace parley {

// Sends one request to `base_url` ("http://host:port" or "https://host[/prefix]"). A
// connection failure or timeout comes back as status 0, as the engine expects.
HttpResponse send_request(const std::string& base_url, const HttpRequest& request, const std::string& token,
                          std::chrono::milliseconds timeout);

// Runs the engine's requests until it has nothing more to send now (the round ended,
// failed and is backing off, or needs a person) and returns its status. `now_ms` is read
// before each step (tests pin it).
SyncStatus run_round(SyncEngine& engine, const std::string& base_url, std::chrono::milliseconds timeout,
                     std::int64_t (*now_ms)() = nullptr);

// Signs in: remembers `base_url` as the server, sends the login request and stores the
// token. Returns the user profile; throws std::runtime_error saying what went wrong.
Json sign_in(SyncEngine& engine, const std::string& base_url, const std::string& username, const std::string& password,
             const std::string& device_name, std::chrono::milliseconds timeout);

}  // namespace parley
