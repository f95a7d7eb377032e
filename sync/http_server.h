// sync/http_server.h — the HTTP/1.1 layer both servers run on (parley-server and
// parley-serve): connections, deadlines, caps, TLS, worker threads and graceful stop, on
// Boost.Beast/Asio. What a request means is the application's (HttpApp); this file only
// promises that slow, numerous or oversized clients cannot stop it from answering others.
//
// Model (docs/design.md "HTTP layer: Boost.Beast"):
//   - Event-driven I/O on a few threads: a connection costs memory, never a thread, so a
//     client that sends slowly holds nothing another client needs.
//   - Deadlines are overall, never reset per read: the headers of a request must arrive
//     within header_deadline of its first byte (or of the accept), its body within
//     body_deadline (408), a response be taken within write_deadline; a kept-alive
//     connection may idle for `idle` between requests and serve at most
//     max_requests_per_connection.
//   - Caps: header bytes and fields (431), body bytes (413), connections in all and per
//     client address. Over a connection cap the request is answered 503 "busy" with
//     Retry-After: 1 and the connection closed: never queued, never left hanging.
//   - The application's handler runs on a small worker pool (it may block on SQLite);
//     requests it marks light (health) run on a lane of their own, so they never queue
//     behind store work. I/O threads never block.
//   - stop(): no new connections; idle ones close; requests in flight finish.
#pragma once
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace parley::server {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

struct HttpLimits {
  std::chrono::seconds header_deadline{10};   // a request's headers, from its first byte
  std::chrono::seconds body_deadline{10};     // its whole body (--read-timeout); then 408
  std::chrono::seconds write_deadline{30};    // a response, to a client that reads slowly
  std::chrono::seconds idle{5};               // between requests on a kept-alive connection
  int max_requests_per_connection = 1000;     // a sync round is many requests on one
  std::uint32_t header_bytes = 16 * 1024;     // request line and fields; then 431
  int header_fields = 100;                    // then 431
  std::uint64_t body_bytes = 4 * 1024 * 1024; // then 413
  int max_connections = 1024;                 // then 503 busy
  int max_connections_per_address = 64;       // then 503 busy
  int io_threads = 2;
  int worker_threads = 4;
};

// One request and its answer, as the application sees them.
struct Exchange {
  Request req;          // the whole request, body included (partial for layer errors)
  std::string path;     // the target's path, percent-decoded, without the query
  std::string peer;     // the client's IP address as text ("127.0.0.1", "::1")
  Response res;         // the application fills this in
  // For the request log; the application sets user and device when it knows them.
  std::int64_t user = 0;
  std::string device;
  double ms = 0;        // from the end of the headers to the end of the answer
};

struct HttpApp {
  // Answers ex.req into ex.res. Runs on a worker thread; may block (SQLite). A HEAD is
  // answered like a GET: the layer sends the headers with the body's length, no body.
  std::function<void(Exchange&)> handle;
  // Requests answered on the light lane instead (quick ones that must never queue behind
  // store work: /api/health). May be empty.
  std::function<bool(const Exchange&)> light;
  // The answer to a request the layer refused (400, 408, 413, 431) or the handler threw
  // for (500). Runs on a worker thread. ex.req may hold only part of the request.
  std::function<void(Exchange&, int status)> error;
  // One line on stderr per answered request. Runs on an I/O thread; must not block.
  std::function<void(const Exchange&)> log;
};

class HttpServer {
 public:
  HttpServer(HttpApp app, HttpLimits limits);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Serves HTTPS with this PEM certificate (chain) and private key. Throws
  // std::runtime_error when they cannot be loaded or do not match.
  void use_tls(const std::string& cert_file, const std::string& key_file);
  bool tls() const;
  // Binds HOST:PORT (port 0: any free port) and returns the port. Throws
  // std::system_error when it cannot.
  int listen(const std::string& host, int port);
  // Starts the I/O and worker threads. `on_failure` runs (once, on an I/O thread) if the
  // server stops accepting without being asked to.
  void start(std::function<void()> on_failure);
  // Stops accepting, closes idle connections, lets requests in flight finish (for at most
  // `grace`), then ends every thread.
  void stop(std::chrono::seconds grace = std::chrono::seconds(30));

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---- small helpers the applications and the layer share (sync/http_helpers.cpp) ----

// Gzips a 200 answer of a text type (JSON, JavaScript, HTML, ...) of 1 KiB or more when
// the request accepts gzip and the answer is not encoded already; sets Vary. The layer
// calls it on the worker thread after the handler.
void compress_for_client(Exchange& ex);

// "/api" and everything under "/api/": the JSON namespace.
bool is_api_path(std::string_view path);
// Percent-decodes `text`; with `plus_is_space` (query strings) '+' is a space.
std::string url_decode(std::string_view text, bool plus_is_space = false);
// The first value of `name` in the target's query string, decoded; "" when absent.
std::string query_param(std::string_view target, std::string_view name);
// A header's value, "" when absent.
std::string header(const Request& req, std::string_view name);
// "2025-01-31T12:00:00.123Z", for log lines.
std::string utc_timestamp();

}  // namespace parley::server
