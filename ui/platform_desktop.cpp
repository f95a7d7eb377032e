// ui/platform_desktop.cpp — the platform seam on an office PC (GLFW window). The SQLite
// file is durable when a transaction commits, so persistence reports at once; printing
// writes the HTML to a temporary file and opens it in the default browser.
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>


#include "sync/client_native.h"
#include "tools/common/private_file.h"

#include "ui/app.h"
#include "ui/platform.h"

namespace parley::ui {
App* g_desktop_app = nullptr;   // set by main_desktop.cpp
}

namespace parley::ui::platform {

void request_persist(std::int64_t generation) {
  if (g_desktop_app) g_desktop_app->on_persisted(generation, true, "");
}

void erase_local_storage() {}   // the store file was all there was

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

// Written whole or not at all, 0600 (tools/common/private_file.h): reports hold
// pseudonymised rows about real cases. Never over an earlier download: "name (2).csv".
std::string save_file(const std::string& name, const std::string&, const std::string& bytes) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path dir = fs::current_path(ec);
  if (const char* home = std::getenv("HOME"); home && *home && fs::is_directory(fs::path(home) / "Downloads", ec))
    dir = fs::path(home) / "Downloads";
  fs::path leaf = fs::path(name).filename();   // never a path the name could smuggle in
  fs::path target = dir / leaf;
  for (int n = 2; fs::exists(target, ec) && n < 1000; ++n)
    target = dir / (leaf.stem().string() + " (" + std::to_string(n) + ")" + leaf.extension().string());
  tools::write_private_file(target.string(), bytes);
  return "Saved " + target.string();
}
void text_input(bool, float, float, float, const std::string&, const char*, const std::string&) {}
void publish_mirror(const std::string&) {}
Environment environment() { return {}; }

namespace {
std::mutex g_http_mutex;
std::deque<std::pair<std::uint64_t, HttpResponse>> g_http_done;
}  // namespace

// One short-lived thread per request: the engine has at most one in flight, and the
// thread touches only the network and this queue, never the store (the UI thread owns it).
void http_send(const std::string& base_url, const HttpRequest& request, const std::string& token) {
  std::thread([base_url, request, token] {
    HttpResponse r = send_request(base_url, request, token, std::chrono::seconds(30));
    std::lock_guard<std::mutex> lock(g_http_mutex);
    g_http_done.emplace_back(request.id, std::move(r));
  }).detach();
}

bool http_poll(std::uint64_t& request_id, HttpResponse& response) {
  std::lock_guard<std::mutex> lock(g_http_mutex);
  if (g_http_done.empty()) return false;
  request_id = g_http_done.front().first;
  response = std::move(g_http_done.front().second);
  g_http_done.pop_front();
  return true;
}

std::string device_name() {
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) != 0 || !host[0]) return "Parley desktop";
  return std::string("Parley desktop on ") + host;
}

std::string default_server() {
  const char* env = std::getenv("PARLEY_SERVER");
  return env ? env : "";
}
void apply_update() {}

}  // namespace parley::ui::platform
