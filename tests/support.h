// tests/support.h — helpers shared by the test suites: temporary files, a pinned clock,
// and a scripted challenge builder. Kept small: tests should read as tables.
#pragma once
#include <string>

#include "core/engine.h"

namespace parley::test {

// A fresh path in the temp folder, removed (with its journal) by the destructor.
struct TempFile {
  std::string path;
  explicit TempFile(const std::string& stem);
  ~TempFile();
};

std::int64_t at(const std::string& time);     // parse_time or throw
Author practitioner(const std::string& agency = "Northshire Council Adult Social Care");

// Minimal valid challenge_opened body for a procedure (synthetic people only).
Json open_body(const std::string& procedure, bool imminent_risk = false);

// One device: its own database file, pinned clock, seeded ids and the shipped procedures.
struct Device {
  TempFile file;
  Store store;
  FixedClock clock;
  IdSource ids;
  ProcedureLibrary procedures;
  Engine engine;
  Device(const std::string& name, std::uint64_t seed, std::int64_t now);
  // Copies every event of `challenge` from `other` into this device (a sync).
  std::size_t pull(Device& other, const std::string& challenge);
};

}  // namespace parley::test
