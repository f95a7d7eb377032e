// sync/server_http.cpp — routes, body reading, errors and the request log (see
// server_http.h).
#include "sync/server_http.h"

#include <sqlite3.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <string>

#include "sync/static_files.h"

namespace parley::server {
namespace {

using Clock = std::chrono::steady_clock;

// What the request log needs to know about the request this thread is answering. httplib
// runs the pre-routing handler, the route and the logger on one worker thread.
struct RequestLog {
  Clock::time_point start{};
  std::int64_t user = 0;
  std::string device;
};
thread_local RequestLog t_log;

bool is_api(const std::string& path) { return path == "/api" || path.rfind("/api/", 0) == 0; }

void send_json(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(body, "application/json");
}

void send_error(httplib::Response& res, const ApiError& e) { send_json(res, e.status, e.to_json().dump()); }

const char* code_for_status(int status) {
  switch (status) {
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "bad_request";
    case 408: return "timeout";
    case 413: case 414: case 431: return "too_large";
    case 415: return "bad_content_type";
    case 429: case 503: return "busy";
    default: return status >= 500 ? "internal" : "bad_request";
  }
}

std::string message_for_status(int status) {
  switch (status) {
    case 404: return "no such endpoint; see docs/sync-protocol.md";
    case 408: return "the request body arrived too slowly; try again";
    case 413: return "the request is larger than the server accepts (4 MiB); send fewer events per request";
    case 414: case 431: return "the request line or headers are too long";
    default: return status >= 500 ? "the server failed; try again later" : "the request could not be read";
  }
}

std::string bearer_token(const httplib::Request& req) {
  std::string h = req.get_header_value("Authorization");
  if (h.size() < 7) return {};
  std::string scheme = h.substr(0, 7);
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "bearer ") return {};
  std::string t = h.substr(7);
  while (!t.empty() && t.front() == ' ') t.erase(t.begin());
  while (!t.empty() && t.back() == ' ') t.pop_back();
  return t;
}

bool is_json_content_type(const std::string& value) {
  std::string v;
  for (char c : value) {
    if (c == ';') break;
    if (c != ' ' && c != '\t') v += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return v == "application/json";
}

std::string utc_now() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char date[24], frac[8];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(frac, sizeof frac, ".%03dZ", static_cast<int>(ms));
  return std::string(date) + frac;
}

struct Routes {
  ServerStore& store;
  HttpOptions opt;

  std::int64_t now() const {
    if (opt.now_ms) return opt.now_ms();
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  Caller authenticate(const httplib::Request& req) {
    Caller c = store.authenticate(bearer_token(req), now());
    t_log.user = c.user_id;
    t_log.device = c.device;
    return c;
  }

  // Reads the body through httplib's reader: at most kMaxBodyBytes, refused when it
  // stalls past the read timeout (408) or ends before its Content-Length (400).
  std::string read_body(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
    std::string body;
    bool too_big = false;
    auto t0 = Clock::now();
    bool ok = reader([&](const char* data, std::size_t n) {
      if (body.size() + n > kMaxBodyBytes) {
        too_big = true;
        return false;
      }
      body.append(data, n);
      return true;
    });
    if (!ok) {
      // The stream is in an unknown state: never read another request from it.
      res.set_header("Connection", "close");
      if (too_big || res.status == 413)
        throw ApiError(413, "too_large", message_for_status(413));
      auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
      if (waited >= opt.read_timeout_seconds * 1000 - 250)
        throw ApiError(408, "timeout", message_for_status(408));
      throw ApiError(400, "bad_request", "the request body ended before its Content-Length; send it again");
    }
    if (!is_json_content_type(req.get_header_value("Content-Type")))
      throw ApiError(415, "bad_content_type", "send the body as Content-Type: application/json");
    return body;
  }

  // Runs an endpoint, turning every failure into a JSON error.
  template <typename F>
  void guard(httplib::Response& res, F&& f, bool record_refusals = false, std::size_t* bytes = nullptr,
             const Caller* const* caller = nullptr) {
    try {
      f();
    } catch (const ApiError& e) {
      send_error(res, e);
      if (record_refusals && e.status != 401) {
        try {
          store.record_refusal(e, caller ? *caller : nullptr, bytes ? *bytes : 0, now());
        } catch (const std::exception&) {   // the refusal stands even if it cannot be noted
        }
      }
    } catch (const std::exception& e) {
      std::string what = e.what();
      bool busy = what.find("locked") != std::string::npos || what.find("busy") != std::string::npos;
      int status = busy ? 503 : 500;
      send_error(res, ApiError(status, code_for_status(status), message_for_status(status)));
      // The log line carries no body or names; this message is the database's or ours.
      std::fprintf(stderr, "{\"time\":\"%s\",\"error\":%s}\n", utc_now().c_str(),
                   Json(what).dump(-1, ' ', false, Json::error_handler_t::replace).c_str());
    }
  }
};

}  // namespace

void install_routes(httplib::Server& svr, ServerStore& store, const HttpOptions& options) {
  auto routes = std::make_shared<Routes>(Routes{store, options});
  Routes& r = *routes;
  svr.set_payload_max_length(kMaxBodyBytes);
  svr.set_read_timeout(options.read_timeout_seconds, 0);
  svr.set_write_timeout(30, 0);
  svr.set_keep_alive_timeout(5);
  // Small JSON answers on a kept-alive connection otherwise wait ~40 ms for the client's
  // delayed ACK (Nagle): measured by bench/sync_bench.mjs. And a sync round is many
  // requests on one connection: don't close it every 5.
  svr.set_tcp_nodelay(true);
  svr.set_keep_alive_max_count(1000);
  svr.set_default_headers({{"X-Content-Type-Options", "nosniff"}});

  svr.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    t_log = RequestLog{Clock::now(), 0, {}};
    return httplib::Server::HandlerResponse::Unhandled;
  });

  // ---- no authentication ----
  svr.Get("/api/health", [routes](const httplib::Request&, httplib::Response& res) {
    routes->guard(res, [&] { send_json(res, 200, routes->store.health().dump()); });
  });
  svr.Post("/api/login", [routes](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& rd) {
    routes->guard(res, [&] {
      Json body = parse_request_body(routes->read_body(req, res, rd));
      Json out = routes->store.login(body, routes->now());
      t_log.device = out.value("device", "");
      send_json(res, 200, out.dump());
    });
  });

  // ---- signed in ----
  svr.Post("/api/logout", [routes](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& rd) {
    routes->guard(res, [&] {
      routes->read_body(req, res, rd);   // any JSON (usually {}); read so the connection stays usable
      Caller c = routes->authenticate(req);
      send_json(res, 200, routes->store.logout(c).dump());
    });
  });
  svr.Post("/api/push", [routes](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& rd) {
    std::size_t bytes = 0;
    Caller caller;
    const Caller* known = nullptr;
    routes->guard(
        res,
        [&] {
          std::string text = routes->read_body(req, res, rd);
          bytes = text.size();
          caller = routes->authenticate(req);
          known = &caller;
          Json body = parse_request_body(text);
          send_json(res, 200, routes->store.push(caller, body, bytes, routes->now()).dump());
        },
        true, &bytes, &known);
  });
  svr.Get("/api/pull", [routes](const httplib::Request& req, httplib::Response& res) {
    routes->guard(res, [&] {
      Caller c = routes->authenticate(req);
      send_json(res, 200,
                routes->store.pull_text(c, req.get_param_value("cursor"), req.get_param_value("limit"),
                                        req.get_param_value("epoch")));
    });
  });
  svr.Get("/api/procedures", [routes](const httplib::Request& req, httplib::Response& res) {
    routes->guard(res, [&] {
      routes->authenticate(req);
      // A client that already holds this version gets a short answer (it asks every few
      // hours), not the whole ~150 KB again.
      std::string version = routes->store.procedures_version();
      if (req.get_param_value("version") == version)
        send_json(res, 200, Json{{"version", version}, {"unchanged", true}}.dump());
      else
        send_json(res, 200, routes->store.procedures_text());
    });
  });
  svr.Get("/api/me", [routes](const httplib::Request& req, httplib::Response& res) {
    routes->guard(res, [&] { send_json(res, 200, routes->store.me(routes->authenticate(req)).dump()); });
  });
  svr.Get("/api/aggregates", [routes](const httplib::Request& req, httplib::Response& res) {
    routes->guard(res, [&] { send_json(res, 200, routes->store.aggregates(routes->authenticate(req)).dump()); });
  });

  // ---- anything else under /api/ is a JSON 404 (a body is read first so keep-alive works) ----
  auto api_not_found = [](const httplib::Request&, httplib::Response& res) {
    send_error(res, ApiError(404, "not_found", message_for_status(404)));
  };
  auto api_not_found_body = [](const httplib::Request&, httplib::Response& res, const httplib::ContentReader& rd) {
    rd([](const char*, std::size_t) { return true; });
    send_error(res, ApiError(404, "not_found", message_for_status(404)));
  };
  const char* api_pattern = R"(/api(/.*)?)";
  svr.Get(api_pattern, api_not_found);
  svr.Post(api_pattern, api_not_found_body);
  svr.Put(api_pattern, api_not_found_body);
  svr.Patch(api_pattern, api_not_found_body);
  svr.Delete(api_pattern, api_not_found);
  svr.Options(api_pattern, api_not_found);

  // ---- static files ----
  add_static_routes(svr, options.root);

  // Errors httplib produces itself (malformed request, body over the limit) get a body too;
  // under /api/ it is the JSON error shape.
  svr.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    if (is_api(req.path)) {
      send_error(res, ApiError(res.status, code_for_status(res.status), message_for_status(res.status)));
    } else {
      res.set_content(std::to_string(res.status) + "\n", "text/plain; charset=utf-8");
    }
    return httplib::Server::HandlerResponse::Handled;
  }));

  svr.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    double ms = t_log.start == Clock::time_point{}
                    ? 0.0
                    : std::chrono::duration<double, std::milli>(Clock::now() - t_log.start).count();
    Json line = {{"time", utc_now()}, {"method", req.method}, {"path", req.path},
                 {"status", res.status}, {"ms", std::round(ms * 10) / 10}};
    if (t_log.user) line["user"] = t_log.user;
    if (!t_log.device.empty()) line["device"] = t_log.device;
    std::string text = line.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
    std::fputs(text.c_str(), stderr);
    t_log = RequestLog{};
  });
  (void)r;
}

}  // namespace parley::server
