// ui/screen_unlock.cpp — the PIN prompt when Parley opens on a device that has one.
#include <imgui.h>

#include "ui/screens.h"
#include "ui/widgets.h"

namespace parley::ui {

void screen_unlock(App& app, Drafts& d) {
  heading("Unlock Parley");
  text("Signed in on this device as " + app.profile.author.name + ", " + app.profile.author.agency + ".");
  input_secret("PIN", d.pin);
  if (button("Unlock", true, -1) || (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Enter)) && !d.pin.empty())) {
    if (app.check_pin(d.pin)) {
      app.unlocked = true;
      app.screen = Screen::Home;
      app.set_message("");
    } else {
      app.set_error("That PIN is not right. Try again.");
    }
    d.pin.clear();
  }
}

}  // namespace parley::ui
