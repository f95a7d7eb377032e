// sync/client_native.cpp — cpp-httplib driver for the sync engine (see client_native.h).
#include "sync/client_native.h"

#include <httplib.h>

namespace parley {
namespace {

std::int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// "https://host:8443/prefix" -> {"https://host:8443", "/prefix"}: httplib's Client takes
// the origin only, and an office may serve Parley under a path.
std::pair<std::string, std::string> split_url(const std::string& url) {
  auto scheme = url.find("://");
  auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (slash == std::string::npos) return {url, ""};
  std::string prefix = url.substr(slash);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  return {url.substr(0, slash), prefix};
}

}  // namespace

HttpResponse send_request(const std::string& base_url, const HttpRequest& request, const std::string& token,
                          std::chrono::milliseconds timeout) {
  auto [origin, prefix] = split_url(base_url);
  httplib::Client client(origin);
  if (!client.is_valid()) return HttpResponse{0, ""};
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  client.set_write_timeout(timeout);
  if (request.needs_auth && !token.empty()) client.set_bearer_token_auth(token);
  std::string path = prefix + request.path;
  httplib::Result result = request.method == "POST" ? client.Post(path, request.body, "application/json")
                                                    : client.Get(path);
  if (!result) return HttpResponse{0, ""};
  return HttpResponse{result->status, result->body};
}

SyncStatus run_round(SyncEngine& engine, const std::string& base_url, std::chrono::milliseconds timeout,
                     std::int64_t (*now_ms)()) {
  if (!now_ms) now_ms = system_now_ms;
  engine.request_sync();
  // A round is finite (the outbox and the feed are); the cap only guards against a
  // server that never says "no more".
  for (int steps = 0; steps < 1'000'000; ++steps) {
    std::optional<HttpRequest> request = engine.next(now_ms());
    if (!request) break;
    HttpResponse response = send_request(base_url, *request, engine.token(), timeout);
    engine.on_response(*request, response, now_ms());
  }
  return engine.status();
}

Json sign_in(SyncEngine& engine, const std::string& base_url, const std::string& username, const std::string& password,
             const std::string& device_name, std::chrono::milliseconds timeout) {
  engine.set_server(base_url);
  HttpRequest request = engine.login_request(username, password, device_name);
  return engine.on_login_response(send_request(engine.server(), request, "", timeout), system_now_ms());
}

}  // namespace parley
