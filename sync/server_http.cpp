// sync/server_http.cpp — routes, errors and the request log of parley-server (see
// server_http.h). Runs on the HTTP layer's worker threads; the store serialises itself.
#include "sync/server_http.h"

#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <string>

#include "core/sqlite.h"
#include "sync/static_files.h"

namespace parley::server {
namespace {

namespace http = boost::beast::http;

void send_json(Response& res, int status, std::string body) {
  res.result(static_cast<unsigned>(status));
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() = std::move(body);
}

void send_error(Response& res, const ApiError& e) {
  send_json(res, e.status, e.to_json().dump());
  if (e.retry_after > 0) res.set(http::field::retry_after, std::to_string(e.retry_after));
}

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
    case 400: return "the request could not be read (malformed, or its body ended before its Content-Length); send it again";
    case 404: return "no such endpoint; see docs/sync-protocol.md";
    case 408: return "the request body arrived too slowly; try again";
    case 413: return "the request is larger than the server accepts (4 MiB); send fewer events per request";
    case 414: case 431: return "the request line or headers are too long";
    case 503: return "the server is busy; try again in a second";
    default: return status >= 500 ? "the server failed; try again later" : "the request could not be read";
  }
}

ApiError status_error(int status) { return ApiError(status, code_for_status(status), message_for_status(status)); }

std::string bearer_token(const Request& req) {
  std::string h = header(req, "Authorization");
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

bool is_get(const Exchange& ex) { return ex.req.method() == http::verb::get || ex.req.method() == http::verb::head; }

struct Routes {
  Routes(ServerStore& s, HttpOptions o) : store(s), opt(std::move(o)) {}
  ServerStore& store;
  HttpOptions opt;
  std::mutex health_mutex;
  bool health_asking = false;   // a probe is waiting for the store
  std::string health_last;      // the store's last health answer

  std::int64_t now() const {
    if (opt.now_ms) return opt.now_ms();
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  Caller authenticate(Exchange& ex) {
    Caller c = store.authenticate(bearer_token(ex.req), now());
    ex.user = c.user_id;
    ex.device = c.device;
    return c;
  }

  // The body has arrived whole (the layer enforced size and time); it must say it is JSON.
  static const std::string& json_body(const Exchange& ex) {
    if (!is_json_content_type(header(ex.req, "Content-Type")))
      throw ApiError(415, "bad_content_type", "send the body as Content-Type: application/json");
    return ex.req.body();
  }

  void note_refusal(const ApiError& e, const Caller* caller, std::size_t bytes) {
    try {
      store.record_refusal(e, caller, bytes, now());
    } catch (const std::exception&) {   // the refusal stands even if it cannot be noted
    }
  }

  // Runs an endpoint, turning every failure into a JSON error. A busy database is told
  // apart by its type (core/sqlite.h), never by its message.
  template <typename F>
  void guard(Exchange& ex, F&& f, bool record_refusals = false, std::size_t bytes = 0,
             const Caller* const* caller = nullptr) {
    try {
      f();
    } catch (const WipeRequested& e) {
      send_error(ex.res, e);
      ex.user = e.user_id;   // the log line names the device told to erase
      ex.device = e.device;
      // A push at the first telling carried changes the erase will lose: noted once per
      // device, so the administrator sees it (list-quarantine) and a revoked token cannot
      // fill the table.
      if (record_refusals && e.first_time) {
        Caller told;
        told.user_id = e.user_id;
        told.device = e.device;
        note_refusal(e, &told, bytes);
      }
    } catch (const ApiError& e) {
      send_error(ex.res, e);
      if (record_refusals && e.status != 401) note_refusal(e, caller ? *caller : nullptr, bytes);
    } catch (const sql::DatabaseBusy&) {
      send_error(ex.res, ApiError(503, "busy", message_for_status(503), {}, 1));
    } catch (const std::exception& e) {
      send_error(ex.res, status_error(500));
      // The log line carries no body or names; this message is the database's or ours.
      std::fprintf(stderr, "{\"time\":\"%s\",\"error\":%s}\n", utc_timestamp().c_str(),
                   Json(e.what()).dump(-1, ' ', false, Json::error_handler_t::replace).c_str());
    }
  }

  // ---- endpoints ----
  // A health probe must not wait behind a push: the store's one mutex is held for a whole
  // push (~0.8 s for 2,000 events). One probe at a time asks the store; one that arrives
  // meanwhile gets the last answer (only `admin new-epoch` changes it, and a client on the
  // old epoch is told so by its next push or pull).
  void health(Exchange& ex) {
    {
      std::lock_guard lock(health_mutex);
      if (health_asking && !health_last.empty()) return send_json(ex.res, 200, health_last);
      health_asking = true;
    }
    std::string answer;
    guard(ex, [&] {
      answer = store.health().dump();
      send_json(ex.res, 200, answer);
    });
    std::lock_guard lock(health_mutex);
    health_asking = false;
    if (!answer.empty()) health_last = answer;
  }
  void login(Exchange& ex) {
    guard(ex, [&] {
      Json out = store.login(parse_request_body(json_body(ex)), now(), ex.peer);
      ex.device = out.value("device", "");
      send_json(ex.res, 200, out.dump());
    });
  }
  void logout(Exchange& ex) {
    guard(ex, [&] {
      json_body(ex);   // any JSON (usually {})
      send_json(ex.res, 200, store.logout(authenticate(ex)).dump());
    });
  }
  void push(Exchange& ex) {
    const std::string& text = ex.req.body();
    Caller caller;
    const Caller* known = nullptr;
    guard(
        ex,
        [&] {
          json_body(ex);
          caller = authenticate(ex);
          known = &caller;
          Json body = parse_request_body(text);
          send_json(ex.res, 200, store.push(caller, body, text.size(), now()).dump());
        },
        true, text.size(), &known);
  }
  void pull(Exchange& ex) {
    guard(ex, [&] {
      Caller c = authenticate(ex);
      std::string_view target = ex.req.target();
      send_json(ex.res, 200,
                store.pull_text(c, query_param(target, "cursor"), query_param(target, "limit"),
                                query_param(target, "epoch")));
    });
  }
  void procedures(Exchange& ex) {
    guard(ex, [&] {
      authenticate(ex);
      // A client that already holds this version gets a short answer (it asks every few
      // hours), not the whole ~150 KB again.
      std::string version = store.procedures_version();
      if (query_param(ex.req.target(), "version") == version)
        send_json(ex.res, 200, Json{{"version", version}, {"unchanged", true}}.dump());
      else
        send_json(ex.res, 200, store.procedures_text());
    });
  }
  // The Board's agency directory (core/agencies.h), asked for on every sync round: a
  // device already holding this version gets a short answer.
  void agencies(Exchange& ex) {
    guard(ex, [&] {
      authenticate(ex);
      Json directory = store.agency_directory();
      if (query_param(ex.req.target(), "version") == directory["version"].get<std::string>())
        send_json(ex.res, 200, Json{{"version", directory["version"]}, {"unchanged", true}}.dump());
      else
        send_json(ex.res, 200, directory.dump());
    });
  }
  void me(Exchange& ex) {
    guard(ex, [&] { send_json(ex.res, 200, store.me(authenticate(ex)).dump()); });
  }
  // ?from=YYYY-MM-DD&to=YYYY-MM-DD (both days included, UK time) &agency=NAME
  static BoardFilter board_filter(std::string_view target) {
    try {
      return parley::board_filter(query_param(target, "from"), query_param(target, "to"), query_param(target, "agency"));
    } catch (const BoardFilterError& e) {
      throw ApiError(400, "bad_request", e.what(), e.field);
    }
  }
  void board_dashboard(Exchange& ex) {
    guard(ex, [&] {
      Caller c = authenticate(ex);
      send_json(ex.res, 200, store.board_dashboard(&c, board_filter(ex.req.target()), now()).dump());
    });
  }
  void board_report(Exchange& ex) {
    guard(ex, [&] {
      Caller c = authenticate(ex);
      std::string what = query_param(ex.req.target(), "what");
      std::string csv = store.board_csv(&c, board_filter(ex.req.target()), what.empty() ? "figures" : what);
      ex.res.result(200);
      ex.res.set(http::field::content_type, "text/csv; charset=utf-8");
      ex.res.set(http::field::cache_control, "no-store");
      ex.res.set(http::field::content_disposition,
                 "attachment; filename=\"board-" + std::string(what.empty() ? "figures" : what) + ".csv\"");
      ex.res.body() = std::move(csv);
    });
  }
  void aggregates(Exchange& ex) {
    guard(ex, [&] { send_json(ex.res, 200, store.aggregates(authenticate(ex)).dump()); });
  }

  // ---- the application ----
  void handle(Exchange& ex) {
    if (!is_api_path(ex.path)) return serve_static(opt.root, ex);
    struct Route {
      bool post;
      const char* path;
      void (Routes::*run)(Exchange&);
    };
    static const Route kRoutes[] = {
        {false, "/api/health", &Routes::health},         {true, "/api/login", &Routes::login},
        {true, "/api/logout", &Routes::logout},          {true, "/api/push", &Routes::push},
        {false, "/api/pull", &Routes::pull},             {false, "/api/procedures", &Routes::procedures},
        {false, "/api/me", &Routes::me},                 {false, "/api/aggregates", &Routes::aggregates},
        {false, "/api/agencies", &Routes::agencies},
        {false, "/api/board/dashboard", &Routes::board_dashboard},
        {false, "/api/board/report.csv", &Routes::board_report},
    };
    bool post = ex.req.method() == http::verb::post;
    for (const auto& r : kRoutes)
      if (ex.path == r.path && (r.post ? post : is_get(ex))) return (this->*r.run)(ex);
    send_error(ex.res, status_error(404));   // any other /api/ path or method
  }

  // A request the HTTP layer refused, or a handler that failed outright.
  void error(Exchange& ex, int status) {
    if (!is_api_path(ex.path)) {
      ex.res.result(static_cast<unsigned>(status));
      ex.res.set(http::field::content_type, "text/plain; charset=utf-8");
      ex.res.body() = std::to_string(status) + "\n";
      return;
    }
    ApiError e = status_error(status);
    send_error(ex.res, e);
    // A push refused for its body (too slow, too large, cut short) is a refusal to note.
    bool body_refused = status == 400 || status == 408 || status == 413;
    if (ex.path == "/api/push" && ex.req.method() == http::verb::post && body_refused) note_refusal(e, nullptr, 0);
  }

  static void log(const Exchange& ex) {
    Json line = {{"time", utc_timestamp()},
                 {"method", std::string(ex.req.method_string())},
                 {"path", ex.path},
                 {"status", ex.res.result_int()},
                 {"ms", std::round(ex.ms * 10) / 10}};
    if (ex.user) line["user"] = ex.user;
    if (!ex.device.empty()) line["device"] = ex.device;
    std::string text = line.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
    std::fputs(text.c_str(), stderr);
  }
};

}  // namespace

HttpApp api_app(ServerStore& store, const HttpOptions& options) {
  auto routes = std::make_shared<Routes>(store, options);
  HttpApp app;
  app.handle = [routes](Exchange& ex) { routes->handle(ex); };
  app.light = [](const Exchange& ex) { return ex.path == "/api/health" && is_get(ex); };
  app.error = [routes](Exchange& ex, int status) { routes->error(ex, status); };
  app.log = &Routes::log;
  return app;
}

}  // namespace parley::server
