// wasm/platform_web.cpp — the platform seam in the browser. Each function hands over to
// the JS bridge in wasm/pre.js (globalThis.parleyBridge), which owns IndexedDB, the DOM
// mirror, the aria-live region, the hidden text field, printing and the server probe.
#include <emscripten.h>

#include <deque>
#include <utility>

#include <nlohmann/json.hpp>

#include "ui/platform.h"

namespace {
// clang-format off
EM_JS(void, js_persist, (double generation), { parleyBridge.persist(generation); });
EM_JS(void, js_erase_local_storage, (), { parleyBridge.eraseLocalStorage(); });
EM_JS(void, js_announce, (const char* text), { parleyBridge.announce(UTF8ToString(text)); });
EM_JS(void, js_print, (const char* title, const char* html), { parleyBridge.print(UTF8ToString(title), UTF8ToString(html)); });
EM_JS(void, js_clipboard, (const char* text), { parleyBridge.clipboard(UTF8ToString(text)); });
EM_JS(void, js_text_input, (int active, float x, float y, float h, const char* label, const char* kind, const char* before), {
  parleyBridge.textInput(!!active, x, y, h, UTF8ToString(label), UTF8ToString(kind), UTF8ToString(before));
});
EM_JS(void, js_mirror, (const char* json), { parleyBridge.mirror(UTF8ToString(json)); });
EM_JS(char*, js_environment, (), {
  var s = JSON.stringify(parleyBridge.environment());
  var n = lengthBytesUTF8(s) + 1, p = _malloc(n);
  stringToUTF8(s, p, n);
  return p;
});
EM_JS(void, js_apply_update, (), { parleyBridge.applyUpdate(); });
// A download the person asked for: a Blob behind a clicked <a download>. The last one is
// also kept on globalThis.parleyLastDownload (name and text), as parleyLastPrint is.
EM_JS(void, js_save_file, (const char* name, const char* mime, const char* bytes, int length), {
  var n = UTF8ToString(name), type = UTF8ToString(mime);
  var data = HEAPU8.slice(bytes, bytes + length);
  var blob = new Blob([data], { type: type });
  try { globalThis.parleyLastDownload = { name: n, type: type, text: new TextDecoder().decode(data) }; } catch (e) {}
  var url = URL.createObjectURL(blob);
  var a = document.createElement('a');
  a.href = url;
  a.download = n;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  setTimeout(function () { URL.revokeObjectURL(url); a.remove(); }, 60000);
});
EM_JS(void, js_http, (double id, const char* method, const char* url, const char* body, const char* token), {
  parleyBridge.http(id, UTF8ToString(method), UTF8ToString(url), UTF8ToString(body), UTF8ToString(token));
});
EM_JS(char*, js_device_name, (), {
  var ua = navigator.userAgent, s = "Browser";
  if (ua.indexOf("iPad") >= 0 || ua.indexOf("iPhone") >= 0) s = "Safari on iPad or iPhone";
  else if (ua.indexOf("Android") >= 0) s = "Browser on Android";
  else if (ua.indexOf("Chrome") >= 0) s = "Chrome";
  else if (ua.indexOf("Firefox") >= 0) s = "Firefox";
  else if (ua.indexOf("Safari") >= 0) s = "Safari";
  var n = lengthBytesUTF8(s) + 1, p = _malloc(n);
  stringToUTF8(s, p, n);
  return p;
});
EM_JS(char*, js_origin, (), {
  var s = location.origin, n = lengthBytesUTF8(s) + 1, p = _malloc(n);
  stringToUTF8(s, p, n);
  return p;
});
// clang-format on
}  // namespace

namespace parley::ui::platform {

void request_persist(std::int64_t generation) { js_persist(static_cast<double>(generation)); }
void erase_local_storage() { js_erase_local_storage(); }
void announce(const std::string& text) { js_announce(text.c_str()); }
void open_print(const std::string& title, const std::string& html) { js_print(title.c_str(), html.c_str()); }
void set_clipboard(const std::string& text) { js_clipboard(text.c_str()); }
void text_input(bool active, float x, float y, float h, const std::string& label, const char* kind,
                const std::string& before_caret) {
  js_text_input(active ? 1 : 0, x, y, h, label.c_str(), kind, before_caret.c_str());
}
void publish_mirror(const std::string& json) { js_mirror(json.c_str()); }

Environment environment() {
  char* raw = js_environment();
  nlohmann::json j = nlohmann::json::parse(raw, nullptr, false);
  free(raw);
  Environment e;
  if (!j.is_object()) return e;
  e.online = j.value("online", false);
  e.persistent_storage = j.value("persisted", false);
  e.ios_safari_tab = j.value("iosTab", false);
  e.update_waiting = j.value("updateWaiting", false);
  e.storage_problem = j.value("storageProblem", "");
  return e;
}

void apply_update() { js_apply_update(); }

std::string save_file(const std::string& name, const std::string& mime, const std::string& bytes) {
  js_save_file(name.c_str(), mime.c_str(), bytes.data(), static_cast<int>(bytes.size()));
  return "Downloaded " + name + " (see your browser's downloads)";
}

std::deque<std::pair<std::uint64_t, HttpResponse>> g_http_done;   // filled by parley_http_response

void http_send(const std::string& base_url, const HttpRequest& request, const std::string& token) {
  js_http(static_cast<double>(request.id), request.method.c_str(), (base_url + request.path).c_str(),
          request.body.c_str(), token.c_str());
}

bool http_poll(std::uint64_t& request_id, HttpResponse& response) {
  if (g_http_done.empty()) return false;
  request_id = g_http_done.front().first;
  response = std::move(g_http_done.front().second);
  g_http_done.pop_front();
  return true;
}

std::string device_name() {
  char* raw = js_device_name();
  std::string s(raw);
  free(raw);
  return s;
}

std::string default_server() {
  char* raw = js_origin();
  std::string s(raw);
  free(raw);
  return s;
}

}  // namespace parley::ui::platform

// Called by pre.js when a fetch finished (status 0: it failed). Only queues the answer:
// the UI thread's next frame hands it to the sync engine.
extern "C" EMSCRIPTEN_KEEPALIVE void parley_http_response(double id, int status, const char* body) {
  parley::ui::platform::g_http_done.emplace_back(static_cast<std::uint64_t>(id),
                                                 parley::HttpResponse{status, body ? body : ""});
}
