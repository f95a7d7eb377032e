// wasm/platform_web.cpp — the platform seam in the browser. Each function hands over to
// the JS bridge in wasm/pre.js (globalThis.parleyBridge), which owns IndexedDB, the DOM
// mirror, the aria-live region, the hidden text field, printing and the server probe.
#include <emscripten.h>

#include <nlohmann/json.hpp>

#include "ui/platform.h"

namespace {
// clang-format off
EM_JS(void, js_persist, (double generation), { parleyBridge.persist(generation); });
EM_JS(void, js_announce, (const char* text), { parleyBridge.announce(UTF8ToString(text)); });
EM_JS(void, js_print, (const char* title, const char* html), { parleyBridge.print(UTF8ToString(title), UTF8ToString(html)); });
EM_JS(void, js_clipboard, (const char* text), { parleyBridge.clipboard(UTF8ToString(text)); });
EM_JS(void, js_text_input, (int active, float x, float y, float h), { parleyBridge.textInput(!!active, x, y, h); });
EM_JS(void, js_mirror, (const char* json), { parleyBridge.mirror(UTF8ToString(json)); });
EM_JS(char*, js_environment, (), {
  var s = JSON.stringify(parleyBridge.environment());
  var n = lengthBytesUTF8(s) + 1, p = _malloc(n);
  stringToUTF8(s, p, n);
  return p;
});
EM_JS(void, js_apply_update, (), { parleyBridge.applyUpdate(); });
// clang-format on
}  // namespace

namespace parley::ui::platform {

void request_persist(std::int64_t generation) { js_persist(static_cast<double>(generation)); }
void announce(const std::string& text) { js_announce(text.c_str()); }
void open_print(const std::string& title, const std::string& html) { js_print(title.c_str(), html.c_str()); }
void set_clipboard(const std::string& text) { js_clipboard(text.c_str()); }
void text_input(bool active, float x, float y, float h) { js_text_input(active ? 1 : 0, x, y, h); }
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

}  // namespace parley::ui::platform
