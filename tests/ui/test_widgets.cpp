// tests/ui/test_widgets.cpp — the widgets' two-way DOM mirror (ui/widgets.h), through real
// Dear ImGui frames with no window: what the mirror publishes for each widget, and that a
// press, typed text, a tick or a choice made on the DOM copy acts on the widget, even one
// scrolled out of view. Also: Escape while typing keeps the text.
#include <imgui.h>

#include <catch2/catch.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ui/widgets.h"

using namespace parley::ui;
using nlohmann::json;

namespace {

constexpr int kEscape = 27;
constexpr int kUp = 38;

// One Dear ImGui context for the file: 800x600, the default font, no renderer.
struct Gui {
  Gui() {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.DisplaySize = ImVec2(800, 600);
    io.DeltaTime = 1.0f / 60.0f;
    io.IniFilename = nullptr;
    io.KeyMap[ImGuiKey_Escape] = kEscape;
    io.Fonts->AddFontDefault();
    unsigned char* pixels = nullptr;
    int w = 0, h = 0;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
  }
  ~Gui() { ImGui::DestroyContext(); }

  // Draws `body` in a full-screen window as one frame and returns the published mirror.
  json frame(const std::function<void()>& body, const std::function<void()>& before = {}) {
    ImGui::NewFrame();
    if (before) before();
    begin_mirror("test");
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImGui::GetIO().DisplaySize);
    ImGui::Begin("root", nullptr, ImGuiWindowFlags_NoDecoration);
    body();
    ImGui::End();
    end_mirror();
    ImGui::Render();
    return json::parse(last_published_mirror());
  }
};

json item(const json& mirror, const std::string& label) {
  for (const auto& i : mirror["items"])
    if (i["label"] == label) return i;
  FAIL("no mirror item labelled " << label << " in " << mirror.dump());
  return {};
}

unsigned id_of(const json& mirror, const std::string& label) { return item(mirror, label)["id"].get<unsigned>(); }

}  // namespace

TEST_CASE("the mirror names each widget's role, value, kind, options and an id to act on", "[widgets][mirror]") {
  Gui gui;
  std::string name = "Sam Example", summary = "Two lines\nof prose", password = "abc";
  bool overdue = true;
  int stage = 1;
  json m = gui.frame([&] {
    heading("Raise a challenge");
    input_text("Name", name);
    input_text("Summary", summary, true);
    next_field_kind(FieldKind::Username);
    input_text("User name", name);
    input_secret("Password", password);
    checkbox("Overdue only", overdue);
    choice("Stage", stage, {"Stage 1", "Stage 2"});
    button("Save");
  });
  struct Row {
    const char* label;
    const char* role;
    const char* value;
    const char* kind;   // "" = none
  };
  const std::vector<Row> rows = {
      {"Raise a challenge", "heading", "", ""},
      {"Name", "textbox", "Sam Example", "name"},
      {"Summary", "textbox", "Two lines\nof prose", "prose multiline"},
      {"User name", "textbox", "Sam Example", "username"},
      {"Password", "textbox", "\u2022\u2022\u2022", "password secret"},   // never the secret itself
      {"Overdue only", "checkbox", "checked", ""},
      {"Stage", "combobox", "Stage 2", ""},
      {"Save", "button", "", ""},
  };
  for (const auto& row : rows) {
    INFO(row.label);
    json i = item(m, row.label);
    CHECK(i["role"] == row.role);
    CHECK(i["value"] == row.value);
    CHECK(i.value("kind", std::string()) == row.kind);
    // Text has nothing to act on; every control has an id.
    CHECK((i["id"].get<unsigned>() != 0) == (std::string(row.role) != "heading"));
  }
  CHECK(item(m, "Stage")["options"] == json::array({"Stage 1", "Stage 2"}));
  CHECK(m.dump().find("abc") == std::string::npos);
}

TEST_CASE("a press, text, a tick and a choice from the DOM copy act on the widget", "[widgets][mirror]") {
  Gui gui;
  std::string name;
  bool overdue = false;
  int stage = -1;
  int presses = 0;
  bool changed = false;
  auto draw = [&] {
    changed = false;
    changed |= input_text("Name", name);
    changed |= checkbox("Overdue only", overdue);
    changed |= choice("Stage", stage, {"Stage 1", "Stage 2", "Stage 3"});
    if (button("Save")) ++presses;
  };
  json m = gui.frame(draw);
  struct Row {
    const char* label;
    MirrorActionKind kind;
    std::string text;
    int number;
    std::function<bool()> applied;
  };
  const std::vector<Row> rows = {
      {"Name", MirrorActionKind::SetText, "Robin Example", 0, [&] { return name == "Robin Example"; }},
      {"Overdue only", MirrorActionKind::SetChecked, "", 1, [&] { return overdue; }},
      {"Stage", MirrorActionKind::SetIndex, "", 2, [&] { return stage == 2; }},
      {"Stage", MirrorActionKind::SetIndex, "", 9, [&] { return stage == 2; }},   // no such option: ignored
      {"Save", MirrorActionKind::Activate, "", 0, [&] { return presses == 1; }},
  };
  for (const auto& row : rows) {
    INFO(row.label << " " << row.number);
    mirror_action(id_of(m, row.label), row.kind, row.text, row.number);
    m = gui.frame(draw);
    CHECK(row.applied());
  }
  CHECK(item(m, "Name")["value"] == "Robin Example");
  CHECK(item(m, "Stage")["value"] == "Stage 3");
  // Nothing is applied twice.
  gui.frame(draw);
  CHECK(presses == 1);
  CHECK_FALSE(changed);
}

TEST_CASE("a button far below the visible area is pressed from the DOM copy, and focus scrolls to it",
          "[widgets][mirror]") {
  Gui gui;
  int presses = 0;
  float scroll = 0;
  auto draw = [&] {
    ImGui::Dummy(ImVec2(10, 2000));   // the button is ~1400 px below the window's bottom
    if (button("Raise challenge")) ++presses;
    scroll = ImGui::GetScrollY();
  };
  json m = gui.frame(draw);
  unsigned id = id_of(m, "Raise challenge");
  CHECK(item(m, "Raise challenge")["y"].get<double>() > 600);
  mirror_action(id, MirrorActionKind::Activate, "", 0);
  gui.frame(draw);
  CHECK(presses == 1);
  CHECK(scroll == 0);   // pressed where it is, without scrolling
  // Keyboard focus on its DOM copy scrolls it into view (once) for a sighted keyboard user.
  mirror_focus(id);
  gui.frame(draw);
  m = gui.frame(draw);
  double y = item(m, "Raise challenge")["y"].get<double>();
  CHECK(y >= 0);
  CHECK(y < 600);
  mirror_focus(0);
}

TEST_CASE("a multi-line field far below the visible area takes text from the DOM copy", "[widgets][mirror]") {
  // Dear ImGui skips a clipped multi-line field's child window: its id must not depend on it.
  Gui gui;
  std::string summary;
  auto draw = [&] {
    ImGui::Dummy(ImVec2(10, 2000));
    input_text("Summary", summary, true);
  };
  json m = gui.frame(draw);
  unsigned id = id_of(m, "Summary");
  REQUIRE(id != 0);
  mirror_action(id, MirrorActionKind::SetText, "Discharge planned without an assessment", 0);
  m = gui.frame(draw);
  CHECK(summary == "Discharge planned without an assessment");
  CHECK(id_of(m, "Summary") == id);
}

TEST_CASE("an action for a widget that is no longer drawn is dropped, not applied later", "[widgets][mirror]") {
  Gui gui;
  int presses = 0;
  auto with_button = [&] {
    if (button("Escalate")) ++presses;
  };
  json m = gui.frame(with_button);
  mirror_action(id_of(m, "Escalate"), MirrorActionKind::Activate, "", 0);
  for (int i = 0; i < 6; ++i) gui.frame([] { text("Another screen"); });
  gui.frame(with_button);
  CHECK(presses == 0);
}

TEST_CASE("a list row drawn without the widgets is opened from the DOM copy", "[widgets][mirror]") {
  Gui gui;
  int opened = 0;
  auto draw = [&] {
    if (ImGui::Selectable("##row", false, 0, ImVec2(0, 44))) ++opened;
    mirror_last("link", "Sam Example — Demo Police", "CH-1");
  };
  json m = gui.frame(draw);
  mirror_action(id_of(m, "Sam Example — Demo Police"), MirrorActionKind::Activate, "", 0);
  for (int i = 0; i < 3; ++i) gui.frame(draw);   // Dear ImGui activates it a frame later
  CHECK(opened == 1);
}

TEST_CASE("Escape while typing ends the edit and keeps the text", "[widgets][keyboard]") {
  // Without the guard Dear ImGui puts the old text back: the second row shows the test
  // can tell the difference.
  struct Row {
    bool guard;
    const char* expected;
  };
  const std::vector<Row> rows = {{true, "Draft reply"}, {false, ""}};
  for (const auto& row : rows) {
    INFO("guard " << row.guard);
    Gui gui;
    std::string value;
    ImGuiIO& io = ImGui::GetIO();
    auto draw = [&] { input_text("Reply", value); };
    json m = gui.frame(draw);
    json field = item(m, "Reply");
    ImVec2 at(static_cast<float>(field["x"].get<double>() + 10), static_cast<float>(field["y"].get<double>() + 10));
    io.MousePos = at;
    io.MouseDown[0] = true;
    gui.frame(draw);
    io.MouseDown[0] = false;
    gui.frame(draw);
    REQUIRE(ImGui::GetIO().WantTextInput);
    io.AddInputCharactersUTF8("Draft reply");
    gui.frame(draw);
    REQUIRE(value == "Draft reply");
    io.KeysDown[kEscape] = true;
    gui.frame(draw, [&] {
      if (row.guard) keep_typing_on_escape();
    });
    io.KeysDown[kEscape] = false;
    gui.frame(draw);
    CHECK(value == row.expected);
    if (row.guard) CHECK_FALSE(ImGui::GetIO().WantTextInput);   // the edit has ended
  }
}

TEST_CASE("repeated buttons get the name of what they act on", "[widgets][mirror]") {
  Gui gui;
  json m = gui.frame([] {
    next_accessible_name("Mark done: Notify the designated safeguarding lead");
    button("Mark done##1");
    next_accessible_name("Mark done: Send the record form");
    button("Mark done##2");
    button("Mark done##3");   // the name applies to the next widget only
  });
  CHECK(item(m, "Mark done: Notify the designated safeguarding lead")["role"] == "button");
  CHECK(item(m, "Mark done: Send the record form")["role"] == "button");
  CHECK(item(m, "Mark done")["role"] == "button");
}

namespace {
// Presses and releases the mouse on a mirrored item, as a tap does.
void tap_item(Gui& gui, const json& it, const std::function<void()>& draw) {
  ImGuiIO& io = ImGui::GetIO();
  io.MousePos = ImVec2(static_cast<float>(it["x"].get<double>() + 10), static_cast<float>(it["y"].get<double>() + 10));
  io.MouseDown[0] = true;
  gui.frame(draw);
  io.MouseDown[0] = false;
  gui.frame(draw);
  io.MousePos = ImVec2(-1, -1);
}
}  // namespace

TEST_CASE("the field being typed into is scrolled back into view when the display shrinks under it",
          "[widgets][keyboard]") {
  // An on-screen keyboard shortens the canvas (VisualViewport): the focused field, near the
  // bottom, must not be left under it.
  Gui gui;
  std::string views;
  auto draw = [&] {
    ImGui::Dummy(ImVec2(10, 450));
    input_text("Views of each agency", views, true);
    ImGui::Dummy(ImVec2(10, 400));
  };
  json m = gui.frame(draw);
  tap_item(gui, item(m, "Views of each agency"), draw);
  REQUIRE(ImGui::GetIO().WantTextInput);
  ImGui::GetIO().DisplaySize = ImVec2(800, 300);
  for (int i = 0; i < 3; ++i) m = gui.frame(draw);
  json field = item(m, "Views of each agency");
  CHECK(field["y"].get<double>() >= 0);
  CHECK(field["y"].get<double>() + field["h"].get<double>() <= 300);
  CHECK(ImGui::GetIO().WantTextInput);   // still being typed into
}

TEST_CASE("a multi-line field grows with its text and wraps it while it is typed; a tap puts the caret where it lands",
          "[widgets][text]") {
  Gui gui;
  ImGuiIO& io = ImGui::GetIO();
  io.KeyMap[ImGuiKey_UpArrow] = kUp;
  // A long summary (the review's 343 characters showed as one line scrolled sideways).
  std::string summary;
  while (summary.size() < 900) summary += "Discharge went ahead without the agreed assessment. ";
  summary.resize(900);
  std::string empty;
  auto draw = [&] {
    input_text("Summary", summary, true);
    input_text("Views", empty, true);
  };
  json m = gui.frame(draw);
  double grown = item(m, "Summary")["h"].get<double>(), base = item(m, "Views")["h"].get<double>();
  float line = ImGui::GetTextLineHeight();
  // At 800 px the text wraps onto several lines, each needing room: taller than an empty field.
  float lines = ImGui::CalcTextSize(summary.c_str(), nullptr, false, 760).y / line;
  CHECK(lines >= 8);
  CHECK(grown > base);
  CHECK(grown >= (lines + 1) * line);
  // A tap below the text puts the caret after it: what is typed is added, not put in front.
  json field = item(m, "Summary");
  ImVec2 below(static_cast<float>(field["x"].get<double>() + 40),
               static_cast<float>(field["y"].get<double>() + field["h"].get<double>() - 4));
  auto tap_at = [&](ImVec2 at) {
    io.MousePos = at;
    io.MouseDown[0] = true;
    gui.frame(draw);
    io.MouseDown[0] = false;
    gui.frame(draw);
  };
  tap_at(below);
  REQUIRE(io.WantTextInput);
  io.AddInputCharactersUTF8(" More.");
  gui.frame(draw);
  CHECK(summary.size() == 906);
  CHECK(summary.substr(900) == " More.");
  // Up from the end goes to the wrapped line above, not to the start of the paragraph: the
  // editor wraps as the display does.
  io.KeysDown[kUp] = true;
  gui.frame(draw);
  io.KeysDown[kUp] = false;
  io.AddInputCharactersUTF8("^");
  gui.frame(draw);
  std::size_t at = summary.find('^');
  REQUIRE(at != std::string::npos);
  CHECK(at > 906 - 160);
  CHECK(at < 906 - 20);
  // A tap at the start of the first line puts the caret there.
  tap_at(ImVec2(static_cast<float>(field["x"].get<double>() + 5), static_cast<float>(field["y"].get<double>() + 6)));
  io.AddInputCharactersUTF8("1. ");
  gui.frame(draw);
  CHECK(summary.rfind("1. Discharge", 0) == 0);
}
