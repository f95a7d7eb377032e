// ui/platform_desktop.cpp — the platform seam on an office PC (GLFW window). The SQLite
// file is durable when a transaction commits, so persistence reports at once; printing
// writes the HTML to a temporary file and opens it in the default browser.
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "ui/app.h"
#include "ui/platform.h"

namespace parley::ui {
App* g_desktop_app = nullptr;   // set by main_desktop.cpp
}

namespace parley::ui::platform {

void request_persist(std::int64_t generation) {
  if (g_desktop_app) g_desktop_app->on_persisted(generation, true, "");
}

void announce(const std::string&) {}

void open_print(const std::string& title, const std::string& html) {
  std::string safe;
  for (char c : title) safe += (std::isalnum(static_cast<unsigned char>(c)) ? c : '-');
  auto path = std::filesystem::temp_directory_path() / ("parley-" + safe + ".html");
  std::ofstream(path) << html;
  std::string cmd = "xdg-open '" + path.string() + "' >/dev/null 2>&1 &";
  if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "Record form written to %s\n", path.string().c_str());
}

void set_clipboard(const std::string&) {}   // GLFW's clipboard is used through ImGui's backend
void text_input(bool, float, float, float) {}
void publish_mirror(const std::string&) {}
Environment environment() { return {}; }
void apply_update() {}

}  // namespace parley::ui::platform
