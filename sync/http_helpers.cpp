// sync/http_helpers.cpp — the small pieces of HTTP both servers' applications and the
// layer share (see the end of http_server.h): URL decoding, query parameters, header
// lookup, log timestamps, and gzip for answers worth compressing.
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <ctime>

#include "sync/http_server.h"

namespace parley::server {
namespace {

namespace http = boost::beast::http;

// Answers smaller than this gain little or grow when compressed (a no-op pull is ~100 B).
constexpr std::size_t kMinCompressBytes = 1024;

bool compressible(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  return type.rfind("text/", 0) == 0 || type == "application/json" || type == "application/javascript" ||
         type == "application/manifest+json" || type == "image/svg+xml";
}

// True when Accept-Encoding names gzip without refusing it (";q=0").
bool accepts_gzip(const std::string& accept) {
  auto at = accept.find("gzip");
  if (at == std::string::npos) return false;
  std::string_view rest = std::string_view(accept).substr(at + 4);
  auto end = rest.find(',');
  std::string_view params = rest.substr(0, end);
  auto q = params.find("q=");
  if (q == std::string_view::npos) return true;
  std::string_view value = params.substr(q + 2);
  return value.find_first_of("123456789") != std::string_view::npos;
}

// gzip of `in`; empty on failure. Level 1 (as nginx's default): on a 100-event pull page
// (87 KB of JSON) it takes 0.57 ms for 21.7 KB, where zlib's default level 6 takes 2.1 ms
// for 19.3 KB — 3.7 times the CPU for 11 % fewer bytes (docs/performance.md "HTTP layer
// under slow and many clients").
std::string gzip(const std::string& in) {
  z_stream z{};
  if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::string out(deflateBound(&z, static_cast<uLong>(in.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return rc == Z_STREAM_END ? out : std::string();
}

}  // namespace

void compress_for_client(Exchange& ex) {
  Response& res = ex.res;
  if (res.result() != http::status::ok || res.body().size() < kMinCompressBytes) return;
  if (res.find(http::field::content_encoding) != res.end()) return;   // already encoded (parley.wasm.gz)
  if (!compressible(res[http::field::content_type])) return;
  res.set(http::field::vary, "Accept-Encoding");
  if (!accepts_gzip(header(ex.req, "Accept-Encoding"))) return;
  std::string packed = gzip(res.body());
  if (packed.empty() || packed.size() >= res.body().size()) return;
  res.body() = std::move(packed);
  res.set(http::field::content_encoding, "gzip");
}

bool is_api_path(std::string_view path) { return path == "/api" || path.rfind("/api/", 0) == 0; }

std::string url_decode(std::string_view text, bool plus_is_space) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
      i += 2;
    } else {
      out += plus_is_space && c == '+' ? ' ' : c;
    }
  }
  return out;
}

std::string query_param(std::string_view target, std::string_view name) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    auto eq = pair.find('=');
    if (url_decode(pair.substr(0, eq), true) == name)
      return eq == std::string_view::npos ? std::string() : url_decode(pair.substr(eq + 1), true);
  }
  return {};
}

std::string header(const Request& req, std::string_view name) {
  auto it = req.find(name);
  return it == req.end() ? std::string() : std::string(it->value());
}

std::string utc_timestamp() {
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

}  // namespace parley::server
