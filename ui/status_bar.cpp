// ui/status_bar.cpp — always visible at the bottom: saved or not, online or not, what
// exists only on this device and since when, storage persistence, the iPad Safari warning,
// and the last message (errors say what to fix).
//
// It must not be missed (issue 12): each state has a colour and an icon drawn with ImGui
// primitives (the UI font has no check marks, ui/theme.h), records only on this device
// sit in a filled badge, and the words are not all grey. The pieces flow onto as many
// lines as the width needs, most important first, in a region that scrolls if the
// reserved height is too short (largest text on a phone). Screen readers and the browser
// tests read the whole state as one mirrored line, "<save state>  ·  Online|Offline  ·
// ...", as before.
#include <imgui.h>

#include <algorithm>
#include <cstdio>

#include "ui/screens.h"
#include "ui/theme.h"
#include "ui/widgets.h"

namespace parley::ui {

namespace {
enum class Icon { None, Tick, Cross, Dot, Ring, Up, Pencil };

// One piece of the status line: an icon and words in one colour, on a filled badge when
// `badge` is set.
struct Piece {
  std::string words;
  Icon icon = Icon::None;
  ImVec4 ink;
  bool badge = false;
  ImVec4 fill;
};

void draw_icon(ImDrawList* dl, Icon icon, ImVec2 p, float s, ImU32 col) {
  float w = std::max(1.5f, s / 7);
  ImVec2 c(p.x + s / 2, p.y + s / 2);
  switch (icon) {
    case Icon::None: break;
    case Icon::Tick: {
      ImVec2 pts[3] = {{p.x + s * 0.12f, p.y + s * 0.52f}, {p.x + s * 0.40f, p.y + s * 0.80f}, {p.x + s * 0.90f, p.y + s * 0.20f}};
      dl->AddPolyline(pts, 3, col, false, w * 1.3f);
      break;
    }
    case Icon::Cross:
      dl->AddLine({p.x + s * 0.18f, p.y + s * 0.18f}, {p.x + s * 0.82f, p.y + s * 0.82f}, col, w * 1.3f);
      dl->AddLine({p.x + s * 0.82f, p.y + s * 0.18f}, {p.x + s * 0.18f, p.y + s * 0.82f}, col, w * 1.3f);
      break;
    case Icon::Dot: dl->AddCircleFilled(c, s * 0.36f, col); break;
    case Icon::Ring: dl->AddCircle(c, s * 0.32f, col, 0, w); break;
    case Icon::Up:   // an arrow leaving a tray: waiting to go up to the office
      dl->AddTriangleFilled({c.x, p.y + s * 0.05f}, {p.x + s * 0.85f, p.y + s * 0.45f}, {p.x + s * 0.15f, p.y + s * 0.45f}, col);
      dl->AddLine({c.x, p.y + s * 0.40f}, {c.x, p.y + s * 0.72f}, col, w * 1.4f);
      dl->AddLine({p.x + s * 0.10f, p.y + s * 0.92f}, {p.x + s * 0.90f, p.y + s * 0.92f}, col, w * 1.4f);
      break;
    case Icon::Pencil:
      dl->AddLine({p.x + s * 0.28f, p.y + s * 0.72f}, {p.x + s * 0.85f, p.y + s * 0.15f}, col, w * 2.2f);
      dl->AddTriangleFilled({p.x + s * 0.08f, p.y + s * 0.92f}, {p.x + s * 0.14f, p.y + s * 0.62f}, {p.x + s * 0.38f, p.y + s * 0.86f}, col);
      break;
  }
}

// Draws a piece as one item, beside the previous one when it fits, else on the next line;
// its words wrap at spaces when even a line of their own is too narrow.
void draw_piece(const Piece& piece, bool first) {
  const Metrics& m = metrics();
  float line = ImGui::GetTextLineHeight(), icon = piece.icon == Icon::None ? 0 : line * 0.9f;
  float gap = icon > 0 ? m.gap() * 0.6f : 0, pad_x = piece.badge ? m.gap() : 0, pad_y = piece.badge ? m.dpr : 0;
  float room = std::max(line, ImGui::GetContentRegionAvail().x - icon - gap - pad_x * 2);
  if (!first) room = std::max(line, ImGui::GetWindowContentRegionMax().x - ImGui::GetWindowContentRegionMin().x - icon - gap - pad_x * 2);
  ImVec2 words = ImGui::CalcTextSize(piece.words.c_str(), nullptr, false, room);
  ImVec2 size(icon + gap + words.x + pad_x * 2, std::max(words.y, line) + pad_y * 2);
  if (!first) same_line_if_fits(size.x);
  ImGui::Dummy(size);
  ImVec2 p = ImGui::GetItemRectMin();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  ImU32 ink = ImGui::GetColorU32(piece.ink);
  if (piece.badge) dl->AddRectFilled(p, ImVec2(p.x + size.x, p.y + size.y), ImGui::GetColorU32(piece.fill), line * 0.3f);
  draw_icon(dl, piece.icon, ImVec2(p.x + pad_x, p.y + pad_y + (line - icon) / 2), icon, ink);
  dl->AddText(ImGui::GetFont(), ImGui::GetFontSize(), ImVec2(p.x + pad_x + icon + gap, p.y + pad_y), ink,
              piece.words.c_str(), nullptr, room);
}

void show_message(App& app) {
  if (app.message.empty()) return;
  if (app.message_is_error) warning(app.message);
  else muted(app.message);
}

// What the records on this device are doing: the first words of the status line.
Piece save_piece(App& app, const Drafts& d) {
  const ImVec4* c = ImGui::GetStyle().Colors;
  const Palette& p = palette();
  // With the stored records missing or unreadable nothing is being saved: never say "All
  // saved" over that.
  if (app.screen == Screen::StorageProblem)
    return {"Nothing is being saved until the storage problem is dealt with", Icon::Cross, c[ImGuiCol_PlotLinesHovered]};
  switch (app.save_state()) {
    case App::SaveState::Failed: return {"NOT SAVED", Icon::Cross, c[ImGuiCol_PlotLinesHovered]};
    case App::SaveState::Saving: return {"Saving…", Icon::Ring, c[ImGuiCol_Text]};
    case App::SaveState::Idle:
    case App::SaveState::Saved: break;
  }
  // Everything stored is durable, but text typed into a challenge being raised or into an
  // action form is not stored until its button is pressed: "Saved" there would be read as
  // covering it.
  if ((app.screen == Screen::Raise && d.raise_typed()) || (app.screen == Screen::Challenge && d.action_typed()))
    return {"Draft not saved yet", Icon::Pencil, p.draft};
  return {app.save_state() == App::SaveState::Saved ? "Saved" : "All saved on this device", Icon::Tick, p.ok};
}

std::string last_synced_words(App& app, const SyncStatus& sync) {
  if (app.sync().server().empty() || !app.signed_in()) return "Not syncing (not signed in)";
  std::string words = "Last synced: " + (!sync.last_ok ? std::string("never")
                                        : uk_local_date(*sync.last_ok) == uk_local_date(app.now()) ? clock_words(*sync.last_ok)
                                                                                                   : when_words(*sync.last_ok));
  if (sync.state == SyncState::Syncing) words += " (syncing…)";
  return words;
}

std::string device_only_words(App& app, std::int64_t pending) {
  std::string words = count_words(pending, "record", "records") + " only on this device";
  if (auto since = app.device_only_since()) {
    Date d = uk_local_date(*since);
    words += " since " + std::to_string(d.day) + " " + month_short(d.month);
  }
  return words;
}

// The status pieces, most important first, and the one line they are mirrored as.
void draw_status(App& app, const Drafts& d, const platform::Environment& env) {
  const ImVec4* c = ImGui::GetStyle().Colors;
  const Palette& p = palette();
  const SyncStatus& sync = app.sync_status();
  // Online means the office server answers: the browser probes it; a signed-in client
  // also knows from its last sync request (the only signal on the desktop).
  bool online = env.online && !(app.signed_in() && sync.state == SyncState::Offline);
  std::vector<Piece> pieces = {save_piece(app, d)};
  pieces.push_back(online ? Piece{"Online", Icon::Dot, p.ok} : Piece{"Offline", Icon::Ring, c[ImGuiCol_Text]});
  std::int64_t pending = app.device_only_count();
  std::size_t after_badge = pieces.size();
  if (pending > 0) {
    pieces.push_back({device_only_words(app, pending), Icon::Up, p.on_pending, true, p.pending});
    after_badge = pieces.size();
  }
  pieces.push_back({last_synced_words(app, sync), Icon::None, c[ImGuiCol_TextDisabled]});
  pieces.push_back({env.persistent_storage ? "Storage: kept" : "Storage: may be cleared by the browser", Icon::None,
                    c[ImGuiCol_TextDisabled]});
  ImGui::BeginGroup();
  for (std::size_t i = 0; i < pieces.size(); ++i) draw_piece(pieces[i], i == 0);
  ImGui::EndGroup();
  // One line for screen readers and the tests, in the order it has always had.
  std::string line = pieces[0].words + "  ·  " + pieces[1].words + "  ·  " + pieces[after_badge].words;
  if (pending > 0) line += "  ·  " + pieces[2].words;
  line += "  ·  " + pieces.back().words;
  mirror_last(app.save_state() == App::SaveState::Failed ? "alert" : "text", line);
}
}  // namespace

float status_bar(App& app, const Drafts& drafts) {
  platform::Environment env = platform::environment();
  // Pieces sit closer than other items. The frame gives the region the height it needed
  // last frame (up to a limit); beyond that it scrolls instead of being cut off.
  ImGui::BeginChild("status", ImVec2(0, 0), false, ImGuiWindowFlags_NoBackground);
  ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(metrics().gap() * 1.5f, metrics().gap() * 0.25f));
  if (!app.is_open()) {
    // Locked: nothing of the store is read. Only what the device itself says.
    const char* state = app.screen == Screen::StorageProblem
                            ? "Nothing is being saved until the storage problem is dealt with"
                        : app.door() == Door::Locked  ? "Locked"
                        : app.door() == Door::Upgrade ? "Records not yet encrypted"
                                                      : "Not set up yet";
    muted(std::string(state) + "  ·  " + (env.online ? "Online" : "Offline") +
          (env.persistent_storage ? "  ·  Storage: kept" : "  ·  Storage: may be cleared by the browser"));
  } else {
    draw_status(app, drafts, env);
    const SyncStatus& sync = app.sync_status();
    // Not reaching the server while offline is expected (the line above says Offline and
    // how much waits on this device): warn only about what needs a person.
    if (app.signed_in() && !sync.last_error.empty() && sync.state != SyncState::Idle && sync.state != SyncState::Syncing &&
        sync.state != SyncState::Offline)
      warning("Sync: " + sync.last_error);
    if (env.ios_safari_tab)
      warning("Add Parley to your Home Screen: in a Safari tab, records can be deleted after 7 days without use.");
    if (env.update_waiting && app.save_state() != App::SaveState::Saving) {
      if (button("Reload to update")) platform::apply_update();
      ImGui::SameLine();
    }
  }
  show_message(app);
  ImGui::PopStyleVar();
  float needed = ImGui::GetCursorPosY();   // content coordinates: the height drawn
  touch_scroll();
  ImGui::EndChild();
  return needed;
}

}  // namespace parley::ui
