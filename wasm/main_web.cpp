// wasm/main_web.cpp — Parley in the browser: the same screens as the desktop, drawn with
// WebGL 2 into the page's canvas, over a SQLite database kept in memory and made durable
// in IndexedDB by the JS bridge (wasm/bridge.js, wasm/pre.js).
//
// Input does not go through Emscripten 3.1.6's GLFW: its touch handling leaves the cursor
// where the previous tap was and it has no high-DPI support (web-client brief items 8,
// 11). pre.js listens to the canvas and the hidden text field and calls the exported
// parley_* functions below; they queue input that each frame applies to Dear ImGui, at
// most one button change per frame so a tap is seen as move, press, release.
//
// Rendering happens only when something changed (input, a save finishing, a timer once a
// minute for deadlines) plus a few frames after, not 60 times a second (item 13).
#include <sqlite3.h>
#include <emscripten.h>
#include <emscripten/html5.h>
#include <GLES3/gl3.h>
#include <imgui.h>
#include <imgui_impl_opengl3.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <initializer_list>
#include <memory>
#include <string>

#include "ui/screens.h"
#include "ui/theme.h"
#include "ui/widgets.h"


// The page's #fragment: an email's link to a challenge ("#challenge=ID"). Freed by the caller.
EM_JS(char*, js_location_hash, (), {
  var s = location.hash || '';
  var n = lengthBytesUTF8(s) + 1, p = _malloc(n);
  stringToUTF8(s, p, n);
  return p;
});
namespace parley::ui {
App* g_web_app = nullptr;
}

namespace {

using namespace parley;

struct InputEvent {
  enum Kind { Move, Down, Up, Wheel, Key, Text, Offscreen, LongPress } kind;
  float x = 0, y = 0;          // device pixels
  int key = 0;
  bool down = false;
  std::string text;
};

struct WebState {
  std::unique_ptr<SystemClock> clock;
  std::unique_ptr<IdSource> ids;
  std::unique_ptr<ui::App> app;
  ui::Drafts drafts;
  EMSCRIPTEN_WEBGL_CONTEXT_HANDLE gl = 0;
  bool gl_ready = false;
  float css_w = 800, css_h = 600, dpr = 1;
  float applied_dpr = -1, applied_scale = -1;
  bool applied_contrast = false;
  int frames_left = 3;          // frames still to draw after the last change
  double last_draw = 0;
  double last_sync_tick = 0;
  std::deque<InputEvent> queue;
  std::string clipboard;
  std::string fatal;            // shown when the database could not be opened
};
WebState g;

// Modifier keys, beyond the ImGuiKey range.
constexpr int kCtrl = 1000, kShift = 1001, kAlt = 1002, kSuper = 1003;

void wake(int frames = 3) { g.frames_left = std::max(g.frames_left, frames); }

bool create_context() {
  EmscriptenWebGLContextAttributes attrs;
  emscripten_webgl_init_context_attributes(&attrs);
  attrs.majorVersion = 2;
  attrs.alpha = false;
  attrs.antialias = false;
  attrs.premultipliedAlpha = false;
  // Dear ImGui draws flat 2D triangles: no depth or stencil buffer, and none of WebGL 2's
  // extensions (enabling them all by default cost tens of ms at start-up).
  attrs.depth = false;
  attrs.stencil = false;
  attrs.enableExtensionsByDefault = false;
  g.gl = emscripten_webgl_create_context("#canvas", &attrs);
  if (g.gl <= 0) return false;
  emscripten_webgl_make_context_current(g.gl);
  ImGui_ImplOpenGL3_Init("#version 300 es");
  g.gl_ready = true;
  g.applied_dpr = -1;   // the font texture must be uploaded again
  return true;
}

EM_BOOL on_context_lost(int, const void*, void*) {
  // iPad Safari drops the context after backgrounding (item 6); nothing is lost: all data
  // is in the database, and the screen is redrawn from it when the context returns.
  g.gl_ready = false;
  return EM_TRUE;
}

EM_BOOL on_context_restored(int, const void*, void*) {
  ImGui_ImplOpenGL3_Shutdown();
  emscripten_webgl_make_context_current(g.gl);
  ImGui_ImplOpenGL3_Init("#version 300 es");
  g.gl_ready = true;
  g.applied_dpr = -1;
  wake();
  return EM_TRUE;
}

const char* clipboard_get(void*) { return g.clipboard.c_str(); }
void clipboard_set(void*, const char* text) {
  g.clipboard = text ? text : "";
  ui::platform::set_clipboard(g.clipboard);
}

// One frame's worth of queued input: moves and text up to and including at most one
// button or key transition.
void apply_input(ImGuiIO& io) {
  bool button_changed = false;
  ui::touch_state().long_press = false;   // true for one frame only
  while (!g.queue.empty()) {
    InputEvent& e = g.queue.front();
    // Dear ImGui 1.86 reads input as state each frame, so a press and its release must
    // land in different frames or the press is never seen: one transition per frame.
    bool transition = e.kind == InputEvent::Down || e.kind == InputEvent::Up || e.kind == InputEvent::Key;
    if (transition && button_changed) break;
    // Dear ImGui 1.86 reads input state (MousePos, MouseDown, KeysDown); the event-queue
    // API arrived in 1.87. KeyMap is the identity, so KeysDown is indexed by ImGuiKey.
    switch (e.kind) {
      case InputEvent::Move: io.MousePos = ImVec2(e.x, e.y); break;
      case InputEvent::Offscreen: io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX); break;
      case InputEvent::Down: io.MousePos = ImVec2(e.x, e.y); io.MouseDown[0] = true; button_changed = true; break;
      case InputEvent::Up: io.MouseDown[0] = false; button_changed = true; break;
      case InputEvent::Wheel: io.MouseWheel += e.y; break;
      case InputEvent::Key:
        if (e.key == kCtrl) io.KeyCtrl = e.down;
        else if (e.key == kShift) io.KeyShift = e.down;
        else if (e.key == kAlt) io.KeyAlt = e.down;
        else if (e.key == kSuper) io.KeySuper = e.down;
        else if (e.key >= 0 && e.key < ImGuiKey_COUNT) io.KeysDown[e.key] = e.down;
        button_changed = true;
        break;
      case InputEvent::Text: io.AddInputCharactersUTF8(e.text.c_str()); break;
      case InputEvent::LongPress:
        // A held finger: the item under it offers its secondary action (widgets.h
        // long_pressed); no click happens.
        io.MousePos = ImVec2(e.x, e.y);
        ui::touch_state().long_press = true;
        button_changed = true;
        break;
    }
    g.queue.pop_front();
    // Nothing more this frame after a press or release: a release must be seen where the
    // finger was, before the cursor moves off-screen (click-on-release widgets need it).
    if (button_changed) break;
  }
  if (!g.queue.empty()) wake(2);
}

// Argon2id needs 64 MiB (core/encryption.h default_kdf). Growing the wasm heap to that
// and touching it costs a few hundred ms the first time, so it is done once while the lock
// screen is up, after its first frame, rather than on the Unlock tap (docs/performance.md).
void grow_heap_for_unlocking() {
  static bool done = false;
  if (done || !g.app || g.app->is_open()) return;
  done = true;
  std::size_t bytes = static_cast<std::size_t>(default_kdf().mem) + (8u << 20);
  if (void* p = std::malloc(bytes)) {
    std::memset(p, 0, bytes);
    std::free(p);
  }
}

void frame() {
  double now = emscripten_get_now();
  // A timer once a minute keeps deadlines and "overdue" current without input.
  if (now - g.last_draw > 60000) wake(1);
  // Sync runs on the UI thread between frames (it owns the store): answers that arrived
  // are applied and the next request sent, four times a second, drawing only on a change.
  if (g.app && now - g.last_sync_tick > 250) {
    g.last_sync_tick = now;
    if (g.app->tick_sync()) wake(1);
    if (ui::lock_if_due(*g.app, g.drafts)) wake();   // idle with nothing drawn still locks
  }
  if (g.frames_left <= 0 || !g.gl_ready) {
    if (g.last_draw > 0) grow_heap_for_unlocking();   // idle after the first frame
    return;
  }
  --g.frames_left;
  g.last_draw = now;
  ImGuiIO& io = ImGui::GetIO();
  ui::App* app = g.app.get();
  float scale = app ? app->settings.font_scale : 1.0f;
  bool contrast = app ? app->settings.high_contrast : false;
  if (g.applied_dpr != g.dpr || g.applied_scale != scale || g.applied_contrast != contrast) {
    g.applied_dpr = g.dpr;
    g.applied_scale = scale;
    g.applied_contrast = contrast;
    ui::load_fonts("/fonts/ui.ttf", g.dpr, scale);
    ImGui_ImplOpenGL3_DestroyFontsTexture();
    // ImGui 1.86 recreates GPU objects only when the shader is missing, so the font
    // texture must be rebuilt here or every later frame draws nothing.
    ImGui_ImplOpenGL3_CreateFontsTexture();
    ui::apply_theme(contrast, g.dpr, scale);
  }
  int fb_w = static_cast<int>(std::lround(g.css_w * g.dpr)), fb_h = static_cast<int>(std::lround(g.css_h * g.dpr));
  io.DisplaySize = ImVec2(static_cast<float>(fb_w), static_cast<float>(fb_h));
  io.DisplayFramebufferScale = ImVec2(1, 1);
  io.DeltaTime = 1.0f / 60.0f;
  apply_input(io);
  ImGui_ImplOpenGL3_NewFrame();
  ImGui::NewFrame();
  bool text_before = io.WantTextInput;
  if (app) {
    ui::draw_frame(*app, g.drafts);
  } else {
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(io.DisplaySize);
    ImGui::Begin("Parley", nullptr, ImGuiWindowFlags_NoDecoration);
    ui::heading("Parley could not open your records on this device");
    ui::warning(g.fatal);
    ui::text("Nothing has been changed or sent. Keep this page, and contact your Board's business unit or IT support "
             "with the message above.");
    ImGui::End();
  }
  if (text_before && !io.WantTextInput) ui::platform::text_input(false, 0, 0, 0);
  ImGui::Render();
  glViewport(0, 0, fb_w, fb_h);
  glClearColor(0.97f, 0.97f, 0.96f, 1);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

// Events at one finger position, then the cursor off-screen so no hover lingers (item 8).
void queue_at(float x, float y, std::initializer_list<InputEvent::Kind> kinds) {
  for (auto kind : kinds) g.queue.push_back({kind, x * g.dpr, y * g.dpr});
  g.queue.push_back({InputEvent::Offscreen});
  wake(6);
}

}  // namespace

// ---- Called from JavaScript (pre.js) ----------------------------------------------------
extern "C" {

EMSCRIPTEN_KEEPALIVE void parley_resize(float css_w, float css_h, float dpr) {
  g.css_w = css_w;
  g.css_h = css_h;
  g.dpr = dpr > 0 ? dpr : 1;
  emscripten_set_canvas_element_size("#canvas", static_cast<int>(std::lround(css_w * g.dpr)),
                                     static_cast<int>(std::lround(css_h * g.dpr)));
  wake();
}

// Pointer in CSS pixels relative to the canvas. kind: 0 move, 1 down, 2 up, 3 leave.
EMSCRIPTEN_KEEPALIVE void parley_pointer(int kind, float x, float y) {
  InputEvent e{kind == 0 ? InputEvent::Move : kind == 1 ? InputEvent::Down : kind == 2 ? InputEvent::Up : InputEvent::Offscreen,
               x * g.dpr, y * g.dpr};
  g.queue.push_back(e);
  wake();
}

// A finger tap: move, press, release, each in its own frame.
EMSCRIPTEN_KEEPALIVE void parley_tap(float x, float y) {
  queue_at(x, y, {InputEvent::Move, InputEvent::Down, InputEvent::Up});
}

// A finger held still for half a second: the secondary action of what is under it
// (item 9), with no click.
EMSCRIPTEN_KEEPALIVE void parley_long_press(float x, float y) {
  queue_at(x, y, {InputEvent::Move, InputEvent::LongPress, InputEvent::Move});
}

// Finger drag: scroll the window under the finger by dy CSS pixels (item 9).
EMSCRIPTEN_KEEPALIVE void parley_drag(float x, float y, float dy, int active) {
  auto& t = ui::touch_state();
  t.dragging = active != 0;
  t.delta_y += dy * g.dpr;
  g.queue.push_back({active ? InputEvent::Move : InputEvent::Offscreen, x * g.dpr, y * g.dpr});
  wake();
}

EMSCRIPTEN_KEEPALIVE void parley_wheel(float dy) {
  g.queue.push_back({InputEvent::Wheel, 0, dy});
  wake();
}

EMSCRIPTEN_KEEPALIVE void parley_key(int imgui_key, int down) {
  InputEvent e{InputEvent::Key};
  e.key = imgui_key;
  e.down = down != 0;
  g.queue.push_back(e);
  wake();
}

EMSCRIPTEN_KEEPALIVE void parley_text(const char* utf8) {
  InputEvent e{InputEvent::Text};
  e.text = utf8 ? utf8 : "";
  g.queue.push_back(e);
  wake();
}

// Pasted text is delivered as typed text. (Keyboard pastes reach here asynchronously,
// after navigator.clipboard.readText(), by which time Ctrl has normally been released;
// Dear ImGui ignores characters typed while Ctrl is held.)
void queue_paste(const std::string& text) { parley_text(text.c_str()); }

EMSCRIPTEN_KEEPALIVE void parley_paste(const char* utf8) {
  g.clipboard = utf8 ? utf8 : "";
  queue_paste(g.clipboard);
}

// Ctrl+V with no DOM paste event (no system clipboard, or permission refused): paste
// what was last copied inside Parley.
EMSCRIPTEN_KEEPALIVE void parley_paste_own() { queue_paste(g.clipboard); }

EMSCRIPTEN_KEEPALIVE void parley_persisted(double generation, int ok, const char* detail) {
  if (g.app) g.app->on_persisted(static_cast<std::int64_t>(generation), ok != 0, detail ? detail : "");
  wake();
}

EMSCRIPTEN_KEEPALIVE void parley_wake() { wake(); }

// The accessible DOM copy of the screen (ui/widgets.h): what a screen reader, a keyboard or
// a password manager did there. kind: 0 activate, 1 set text, 2 set checked, 3 set index.
// The id is a double because Dear ImGui's ids are unsigned 32-bit.
EMSCRIPTEN_KEEPALIVE void parley_mirror_action(double id, int kind, const char* text, int number) {
  if (kind < 0 || kind > 3) return;
  ui::mirror_action(static_cast<unsigned>(id), static_cast<ui::MirrorActionKind>(kind), text ? text : "", number);
  if (g.app) g.app->note_activity();
  wake(6);
}
EMSCRIPTEN_KEEPALIVE void parley_mirror_focus(double id) {
  ui::mirror_focus(static_cast<unsigned>(id));
  if (g.app) g.app->note_activity();
  wake();
}
// The server became reachable (pre.js's probe): start a sync round now.
EMSCRIPTEN_KEEPALIVE void parley_sync_now() {
  if (g.app && g.app->is_open()) g.app->sync().request_sync();
}

// The page was hidden or shown (visibilitychange): hidden time counts toward auto-lock.
EMSCRIPTEN_KEEPALIVE void parley_visibility(int hidden) {
  if (g.app) g.app->set_hidden(hidden != 0);
  wake();
}
// While hidden no frames are drawn, so pre.js asks on a timer whether it is time to lock.
EMSCRIPTEN_KEEPALIVE void parley_lock_if_due() {
  if (g.app && ui::lock_if_due(*g.app, g.drafts)) wake();
}

// Benchmark hooks (bench/web_bench.mjs): draw n frames back to back and return the CPU
// milliseconds they took; and record one comment on the first listed challenge, returning
// the generation whose durability the caller then waits for.
EMSCRIPTEN_KEEPALIVE double parley_bench_frames(int n) {
  double start = emscripten_get_now();
  for (int i = 0; i < n; ++i) {
    g.frames_left = 1;
    frame();
  }
  return emscripten_get_now() - start;
}

EMSCRIPTEN_KEEPALIVE double parley_bench_save() {
  if (!g.app || !g.app->is_open() || g.app->rows().empty()) return -1;
  std::string id = g.app->rows().front().id;
  bool ok = g.app->run([&] {
    g.app->engine().record(id, EventKind::Comment, {{"text", "benchmark note"}}, g.app->profile.author);
  }, "Comment saved");
  return ok ? static_cast<double>(g.app->generation()) : -1;
}

// Benchmark hook (bench/web_bench.mjs section 5): the last unlock's Argon2id and
// store-opening times, in ms.
EMSCRIPTEN_KEEPALIVE double parley_bench_unlock_kdf_ms() { return g.app ? g.app->last_unlock.kdf : -1; }
EMSCRIPTEN_KEEPALIVE double parley_bench_unlock_open_ms() { return g.app ? g.app->last_unlock.open : -1; }

// ImGuiKey values the JS keyboard map needs (they are an enum inside imgui.h).
EMSCRIPTEN_KEEPALIVE int parley_imgui_key(const char* name) {
  std::string n = name;
  static const std::pair<const char*, int> keys[] = {
      {"Tab", ImGuiKey_Tab}, {"ArrowLeft", ImGuiKey_LeftArrow}, {"ArrowRight", ImGuiKey_RightArrow},
      {"ArrowUp", ImGuiKey_UpArrow}, {"ArrowDown", ImGuiKey_DownArrow}, {"PageUp", ImGuiKey_PageUp},
      {"PageDown", ImGuiKey_PageDown}, {"Home", ImGuiKey_Home}, {"End", ImGuiKey_End}, {"Delete", ImGuiKey_Delete},
      {"Backspace", ImGuiKey_Backspace}, {"Enter", ImGuiKey_Enter}, {"Escape", ImGuiKey_Escape},
      {"Space", ImGuiKey_Space}, {"Control", kCtrl}, {"Shift", kShift},
      {"Alt", kAlt}, {"Meta", kSuper}, {"KeyA", ImGuiKey_A}, {"KeyC", ImGuiKey_C},
      {"KeyV", ImGuiKey_V}, {"KeyX", ImGuiKey_X}, {"KeyZ", ImGuiKey_Z}, {"KeyY", ImGuiKey_Y}};
  for (const auto& [k, v] : keys)
    if (n == k) return v;
  return -1;
}

}  // extern "C"

int main() {
  if (!ui::zero_memory_when_freed()) EM_ASM({ console.warn("Parley: SQLite's allocator was not replaced"); });
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;
  io.ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;
  io.ConfigInputTextCursorBlink = false;   // a blinking caret would force redraws (item 13)
  io.MouseDragThreshold = 12.0f;           // fingers wobble
  io.GetClipboardTextFn = clipboard_get;
  io.SetClipboardTextFn = clipboard_set;
  io.BackendPlatformName = "parley_web";
  for (int k = 0; k < ImGuiKey_COUNT; ++k) io.KeyMap[k] = k;
  if (!create_context()) {
    EM_ASM({ parleyFatal("This browser could not start WebGL 2, which Parley needs to draw its screens."); });
    return 1;
  }
  emscripten_set_webglcontextlost_callback("#canvas", nullptr, EM_TRUE, on_context_lost);
  emscripten_set_webglcontextrestored_callback("#canvas", nullptr, EM_TRUE, on_context_restored);
  g.clock = std::make_unique<SystemClock>();
  g.ids = std::make_unique<IdSource>();
  std::string problem = ui::platform::environment().storage_problem;
  try {
    g.app = std::make_unique<ui::App>("/data/parley.db", *g.clock, *g.ids);
    ui::g_web_app = g.app.get();
    // In the browser the file lives in memory and the durable copy is the one pre.js
    // writes to IndexedDB after each commit, so an on-"disk" rollback journal and syncs
    // only cost time: keep the journal in memory (rollback still works) and skip syncs.
    g.app->on_store_open = [](Store& store) {
      sqlite3_exec(store.handle(), "PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF", nullptr, nullptr, nullptr);
    };
    if (!problem.empty()) g.app->screen = ui::Screen::StorageProblem;
    // Opened from an email's link (https://office/#challenge=ID).
    char* hash = js_location_hash();
    g.app->follow_link(hash);
    std::free(hash);
  } catch (const std::exception& e) {
    // Unreadable stored database: say so, never start empty over it (item 5).
    g.fatal = e.what();
    EM_ASM({ parleyStorageUnreadable(); });
  }
  EM_ASM({ parleyReady(); });
  emscripten_set_main_loop(frame, 0, false);
  return 0;
}
