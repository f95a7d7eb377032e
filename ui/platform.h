// ui/platform.h — the one seam between the screens and the platform they run on.
//
// One implementation per platform, chosen in CMake: wasm/platform_web.cpp (browser:
// IndexedDB, DOM, aria-live, print window) and ui/platform_desktop.cpp (GLFW window on an
// office PC). Screens never contain #ifdefs.
#pragma once
#include <cstdint>
#include <string>

#include "sync/client.h"

namespace parley::ui::platform {

// Make the database durable. Web: copy the committed SQLite file into IndexedDB, one write
// in flight at a time, then call App::on_persisted(generation, ok, message). Desktop: the
// SQLite file is already durable when a transaction commits, so it reports at once.
void request_persist(std::int64_t generation);

// After the store was erased (core/encryption.h erase_store): remove whatever else this
// platform keeps for Parley. Web: the IndexedDB database, the app's Cache Storage and its
// localStorage; desktop: nothing else is kept.
void erase_local_storage();

// Tell assistive technology (web: an aria-live region) about "Saved", "Offline", errors.
void announce(const std::string& text);

// Open a printable HTML document (web: a new window with the print dialog; desktop: a
// file opened in the default browser). Works with no network.
void open_print(const std::string& title, const std::string& html);

void set_clipboard(const std::string& text);

// Saves a file the person asked for (a report download). Web: the browser's own download
// (a Blob behind an <a download> click); desktop: written whole, readable by this user only
// (0600), into ~/Downloads (or the current directory), never replacing an earlier file.
// Returns a sentence saying where it went, for the status bar; throws std::runtime_error
// saying why it could not be saved.
std::string save_file(const std::string& name, const std::string& mime, const std::string& bytes);

// Where the on-screen keyboard's hidden text field should sit (web), in CSS pixels, the
// field's name (what a screen reader announces), its kind (widgets.h FieldKind: the
// keyboard, autocorrect and autofill it gets) and the text before the caret, which the
// hidden field holds so the keyboard's capitals, suggestions and autocorrect see what was
// written (empty for a secret); or that no text field is active.
void text_input(bool active, float x, float y, float height, const std::string& label = {},
                const char* kind = "prose", const std::string& before_caret = {});

// A JSON description of the current screen's fields and actions, for the hidden DOM
// mirror that screen readers (and the end-to-end tests) use. Desktop: ignored.
void publish_mirror(const std::string& json);

// Facts the status bar shows.
struct Environment {
  bool online = true;                    // server reachable (probed, not navigator.onLine)
  bool persistent_storage = true;        // navigator.storage.persist() granted
  bool ios_safari_tab = false;           // iPad/iPhone Safari tab not installed to Home Screen
  bool update_waiting = false;           // a new version is downloaded and waiting
  std::string storage_problem;           // non-empty: the stored database was missing/unreadable
};
Environment environment();

// Office-server requests of the sync engine. http_send starts one request to `base_url`
// (with "Authorization: Bearer <token>" when `token` is not empty) and returns at once;
// its answer is picked up later by http_poll, on the UI thread (web: fetch; desktop: a
// worker thread running the blocking native driver). A failed or timed-out request comes
// back with status 0.
void http_send(const std::string& base_url, const HttpRequest& request, const std::string& token);
bool http_poll(std::uint64_t& request_id, HttpResponse& response);
// The office server this client came from (web: the page's origin), or "" when unknown
// (desktop: the user types it when signing in).
std::string default_server();
// A name for this device the server lists for its administrator ("Chrome on Android").
std::string device_name();

// Apply a waiting update (web: reload into the new version). Called only after a flush.
void apply_update();

}  // namespace parley::ui::platform
