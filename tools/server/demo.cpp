// tools/server/demo.cpp — the synthetic demo Board, agencies and users (`serve --demo`),
// and opening the data directory.
#include <cstdio>
#include <filesystem>

#include "tools/server/args.h"

namespace fs = std::filesystem;
using namespace parley::server;

namespace parley::server_tool {

std::unique_ptr<ServerStore> open_store(const Args& a, bool create) {
  fs::path dir = a.need("data", "the server's data directory");
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    if (!create) throw UsageError{"--data " + dir.string() + ": not a directory (start the server once to create it)"};
    fs::create_directories(dir, ec);
    if (ec) throw UsageError{"--data " + dir.string() + ": cannot create it: " + ec.message()};
  }
  // Every agency's records are in there: the server's own user only (0700).
  auto perms = fs::status(dir, ec).permissions();
  if (!ec && (perms & (fs::perms::group_all | fs::perms::others_all)) != fs::perms::none) {
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    if (ec) throw UsageError{"--data " + dir.string() + ": cannot make it private (chmod 700): " + ec.message()};
    std::fprintf(stderr, "parley-server: %s was readable by others; now 0700\n", dir.string().c_str());
  }
  return std::make_unique<ServerStore>((dir / "server.db").string());
}

// The demo's one password: synthetic users on a loopback demo server, printed at start.
// Long enough for the password policy (kMinPasswordLength).
const char* const kDemoPassword = "parley-demo-2026";

// Synthetic people only: nothing here is, or resembles, a real person's record.
void create_demo(ServerStore& store) {
  const std::string board = "Demo Safeguarding Adults Board";
  store.set_board(board);
  struct Agency {
    std::string name, key;
  };
  const std::vector<Agency> agencies = {{"Demo Adult Social Care", "asc"},
                                        {"Demo Housing Trust", "housing"},
                                        {"Demo Police", "police"},
                                        {"Demo Community Health", "health"}};
  std::fprintf(stderr, "parley-server: demo data (synthetic) — sign in as:\n");
  auto user = [&](const std::string& username, const std::string& password, const std::string& name,
                  const std::string& job, const std::string& agency, const std::string& role) {
    store.add_user(username, password, name, job, agency, role);
    std::fprintf(stderr, "  %-18s password %-16s %s, %s (%s)\n", username.c_str(), password.c_str(), name.c_str(),
                 agency.c_str(), role.c_str());
  };
  for (const auto& a : agencies) {
    store.add_agency(a.name);
    user(a.key + "-practitioner", kDemoPassword, "Demo Practitioner (" + a.key + ")", "Practitioner", a.name, "practitioner");
    user(a.key + "-lead", kDemoPassword, "Demo Safeguarding Lead (" + a.key + ")", "Safeguarding Lead", a.name,
         "safeguarding_lead");
    // Later stages are decided by senior roles (Shropshire's stage 5 by an Assistant
    // Director): someone in each agency who may act at every stage.
    user(a.key + "-director", kDemoPassword, "Demo Director (" + a.key + ")", "Assistant Director", a.name, "director");
  }
  store.add_agency(board);
  user("board", kDemoPassword, "Demo Board Manager", "Board Business Manager", board, "board");
}

}  // namespace parley::server_tool
