// sync/static_files.cpp — see static_files.h.
#include "sync/static_files.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace fs = std::filesystem;

namespace parley::server {
namespace {

namespace http = boost::beast::http;

std::string lower_extension(const fs::path& p) {
  std::string ext = p.extension().string();
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

const char* mime_type(const fs::path& p) {
  static const std::pair<std::string_view, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".wasm", "application/wasm"},
      {".webmanifest", "application/manifest+json"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".css", "text/css; charset=utf-8"},
      {".txt", "text/plain; charset=utf-8"},
      {".png", "image/png"},
      {".svg", "image/svg+xml"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".ttf", "font/ttf"},
  };
  std::string ext = lower_extension(p);
  for (const auto& [e, type] : kTypes)
    if (ext == e) return type;
  return "application/octet-stream";
}

// The shell, the worker and the emcc output are revalidated on every fetch; the service
// worker holds the one consistent version. Images and fonts may be cached for an hour.
const char* cache_control(const fs::path& p) {
  std::string ext = lower_extension(p);
  if (ext == ".png" || ext == ".svg" || ext == ".ico" || ext == ".woff2" || ext == ".ttf") return "public, max-age=3600";
  return "no-cache";
}

// Maps a decoded URL path to a file under root. nullopt with status set when refused.
std::optional<fs::path> resolve(const fs::path& root, const std::string& url_path, int& status) {
  status = 404;
  if (url_path.empty() || url_path[0] != '/' || url_path.find('\0') != std::string::npos) {
    status = 400;
    return std::nullopt;
  }
  fs::path rel;
  std::string_view rest(url_path);
  rest.remove_prefix(1);
  bool dir_request = rest.empty() || rest.back() == '/';
  while (!rest.empty()) {
    auto slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (seg == "..") {
      status = 400;
      return std::nullopt;
    }
    if (seg.empty() && !rest.empty()) return std::nullopt;  // "//"
    if (seg.empty()) break;                                  // the trailing '/'
    if (seg[0] == '.') return std::nullopt;                   // dot-files, "."
    rel /= std::string(seg);
  }
  if (dir_request) rel /= "index.html";
  std::error_code ec;
  fs::path full = fs::canonical(root / rel, ec);
  if (ec) return std::nullopt;
  // Symlinks are followed only while they stay inside the root.
  auto [r, f] = std::mismatch(root.begin(), root.end(), full.begin(), full.end());
  if (r != root.end()) return std::nullopt;
  if (!fs::is_regular_file(full, ec)) return std::nullopt;
  return full;
}

// Sets a plain-text answer (errors and refusals of the static side).
void send_text(Response& res, unsigned status, const char* text) {
  res.result(status);
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.body() = text;
}

// parley.wasm is staged with a gzip copy beside it (tools/stage_web.py): sent to a
// browser that accepts gzip, it is ~920 KB on the wire instead of ~2.5 MB. Only a copy at
// least as new as the file itself: a parley.wasm replaced by hand must not be shadowed by
// the gzip of the version before it.
std::optional<fs::path> gzip_copy(const fs::path& file, const Request& req) {
  std::string accept = header(req, "Accept-Encoding");
  auto at = accept.find("gzip");
  bool refused = at != std::string::npos && accept.compare(at + 4, 4, ";q=0") == 0 &&
                 (accept.size() == at + 8 || accept[at + 8] == ',' || accept[at + 8] == ' ');
  if (at == std::string::npos || refused) return std::nullopt;
  fs::path gz = file;
  gz += ".gz";
  std::error_code ec;
  if (fs::is_regular_file(gz, ec) && fs::last_write_time(gz, ec) >= fs::last_write_time(file, ec) && !ec) return gz;
  return std::nullopt;
}

}  // namespace

void serve_file(const fs::path& root, Exchange& ex) {
  Response& res = ex.res;
  int status = 404;
  auto file = resolve(root, ex.path, status);
  if (!file) return send_text(res, status, status == 400 ? "400 Bad Request\n" : "404 Not Found\n");
  fs::path source = *file;
  std::optional<fs::path> gz;
  if (lower_extension(*file) == ".wasm") {
    res.set(http::field::vary, "Accept-Encoding");
    gz = gzip_copy(*file, ex.req);
    if (gz) source = *gz;
  }
  std::error_code ec;
  auto size = fs::file_size(source, ec);
  auto mtime = fs::last_write_time(source, ec);
  std::ostringstream tag;
  tag << '"' << std::hex << size << '-' << mtime.time_since_epoch().count() << (gz ? "-gz" : "") << '"';
  res.set(http::field::etag, tag.str());
  res.set(http::field::cache_control, cache_control(*file));
  if (header(ex.req, "If-None-Match") == tag.str()) {
    res.result(http::status::not_modified);
    return;
  }
  std::ifstream in(source, std::ios::binary);
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in && !in.eof()) return send_text(res, 500, "500 Internal Server Error\n");
  res.result(http::status::ok);
  if (gz) res.set(http::field::content_encoding, "gzip");
  res.set(http::field::content_type, mime_type(*file));
  res.body() = std::move(body);
}

void serve_static(const fs::path& root, Exchange& ex) {
  auto method = ex.req.method();
  if (method != http::verb::get && method != http::verb::head) {
    ex.res.set(http::field::allow, "GET, HEAD");
    return send_text(ex.res, 405, "405 Method Not Allowed\n");
  }
  if (root.empty()) return send_text(ex.res, 404, "404 Not Found\n");
  serve_file(root, ex);
}

ListenAddress parse_listen(const std::string& s) {
  std::string host, port;
  if (!s.empty() && s[0] == '[') {
    auto close = s.find("]:");
    if (close == std::string::npos) throw std::invalid_argument("--listen " + s + ": expected [V6ADDR]:PORT");
    host = s.substr(1, close - 1);
    port = s.substr(close + 2);
  } else {
    auto colon = s.rfind(':');
    if (colon == std::string::npos) throw std::invalid_argument("--listen " + s + ": expected HOST:PORT");
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
  }
  if (host.empty() || port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(port) > 65535)
    throw std::invalid_argument("--listen " + s + ": expected HOST:PORT with a port from 0 to 65535");
  return {host, std::stoi(port)};
}

}  // namespace parley::server
