// ui/main_desktop.cpp — Parley on an office PC: the same screens in a GLFW window with
// OpenGL 3, over a SQLite file. Renders only after input or a timer (like the browser).
//
// Usage: parley-desktop [--db FILE] [--screenshot PNG --frames N]  (the last two are for
// the Xvfb smoke test: draw N frames, save the framebuffer, exit). The store is encrypted:
// the lock screen asks for its passphrase, or PARLEY_PASSPHRASE_FILE names a file with it.
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "tools/common/passphrase.h"
#include "ui/screens.h"
#include "ui/theme.h"
#include "ui/widgets.h"

namespace parley::ui {
extern App* g_desktop_app;
}

namespace {
// Writes the framebuffer as a binary PPM (P6); tools convert it to PNG for viewing.
bool save_ppm(const std::string& path, int w, int h) {
  std::vector<unsigned char> px(static_cast<std::size_t>(w) * h * 3);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(0, 0, w, h, GL_RGB, GL_UNSIGNED_BYTE, px.data());
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return false;
  std::fprintf(f, "P6\n%d %d\n255\n", w, h);
  for (int y = h - 1; y >= 0; --y) std::fwrite(&px[static_cast<std::size_t>(y) * w * 3], 1, static_cast<std::size_t>(w) * 3, f);
  std::fclose(f);
  return true;
}
// For scripts and tests: PARLEY_PASSPHRASE_FILE unlocks (or creates) the store without the
// lock screen. A store an older Parley wrote still asks on screen (its old PIN guards that).
void unlock_from_file(parley::ui::App& app) {
  auto passphrase = parley::tools::passphrase_from_file();
  if (!passphrase) return;
  bool ok = app.door() == parley::ui::Door::New      ? app.create_store(*passphrase, *passphrase)
            : app.door() == parley::ui::Door::Locked ? app.unlock(*passphrase)
                                                     : true;
  if (!ok) std::fprintf(stderr, "parley-desktop: %s\n", app.door_error.c_str());
}
}  // namespace

int main(int argc, char** argv) {
  std::string db = "parley-desktop.db", shot;
  int frames = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--db")) db = argv[i + 1];
    else if (!std::strcmp(argv[i], "--screenshot")) shot = argv[i + 1];
    else if (!std::strcmp(argv[i], "--frames")) frames = std::atoi(argv[i + 1]);
  }
  if (!glfwInit()) {
    std::fprintf(stderr, "parley-desktop: no display (is DISPLAY set?)\n");
    return 1;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  GLFWwindow* window = glfwCreateWindow(1280, 800, "Parley", nullptr, nullptr);
  if (!window) {
    std::fprintf(stderr, "parley-desktop: could not open an OpenGL 3 window\n");
    return 1;
  }
  glfwMakeContextCurrent(window);
  glfwSwapInterval(1);
  if (!parley::ui::zero_memory_when_freed()) std::fprintf(stderr, "parley-desktop: could not set SQLite's allocator\n");
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;
  ImGui::GetIO().ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;
  ImGui_ImplGlfw_InitForOpenGL(window, true);
  ImGui_ImplOpenGL3_Init("#version 130");

  parley::SystemClock clock;
  parley::IdSource ids;
  try {
    parley::ui::App app(db, clock, ids);
    app.kdf = parley::tools::new_store_kdf();
    parley::ui::g_desktop_app = &app;
    unlock_from_file(app);
    glfwSetWindowUserPointer(window, &app);
    // Minimised counts as hidden for auto-lock (docs/security.md).
    glfwSetWindowIconifyCallback(window, [](GLFWwindow* w, int iconified) {
      static_cast<parley::ui::App*>(glfwGetWindowUserPointer(w))->set_hidden(iconified != 0);
    });
    parley::ui::Drafts drafts;
    float xscale = 1, yscale = 1;
    glfwGetWindowContentScale(window, &xscale, &yscale);
    float applied_scale = -1;
    bool applied_contrast = false;
    int rendered = 0;
    while (!glfwWindowShouldClose(window)) {
      // Sleep until input, or at most a quarter second (deadlines and the clock move on,
      // and sync answers are applied here: this thread owns the store).
      if (frames == 0) glfwWaitEventsTimeout(0.25);
      else glfwPollEvents();
      app.tick_sync();
      parley::ui::lock_if_due(app, drafts);
      if (applied_scale != app.settings.font_scale || applied_contrast != app.settings.high_contrast) {
        applied_scale = app.settings.font_scale;
        applied_contrast = app.settings.high_contrast;
        parley::ui::load_fonts(PARLEY_UI_FONT, xscale, applied_scale);
        ImGui_ImplOpenGL3_DestroyFontsTexture();
        // ImGui 1.86 recreates GPU objects only when the shader is missing, so the font
        // texture must be rebuilt here or every later frame draws nothing.
        ImGui_ImplOpenGL3_CreateFontsTexture();
        parley::ui::apply_theme(applied_contrast, xscale, applied_scale);
      }
      ImGui_ImplOpenGL3_NewFrame();
      ImGui_ImplGlfw_NewFrame();
      ImGui::NewFrame();
      parley::ui::draw_frame(app, drafts);
      ImGui::Render();
      int w, h;
      glfwGetFramebufferSize(window, &w, &h);
      glViewport(0, 0, w, h);
      glClearColor(0.97f, 0.97f, 0.96f, 1);
      glClear(GL_COLOR_BUFFER_BIT);
      ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
      if (frames > 0 && ++rendered >= frames) {
        bool ok = shot.empty() || save_ppm(shot, w, h);
        glfwSwapBuffers(window);
        std::printf("rendered %d frames%s\n", rendered, shot.empty() ? "" : (" and saved " + shot).c_str());
        glfwSetWindowShouldClose(window, ok ? 1 : 0);
        if (!ok) return 1;
        break;
      }
      glfwSwapBuffers(window);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parley-desktop: %s\n", e.what());
    return 1;
  }
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
  return 0;
}
