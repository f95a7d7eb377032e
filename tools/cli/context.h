// tools/cli/context.h — what every `parley` command is given (the parsed command line,
// the clock, the procedures) and the two helpers commands outside main.cpp share with it:
// reading a TIME option and opening the --db database (encrypted: tools/common/passphrase.h). Kept to these so that a command in
// its own file (form_command.cpp) says "usage" and opens databases exactly as the rest.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "core/engine.h"
#include "tools/cli/args.h"
#include "tools/common/passphrase.h"

namespace parley::cli {

struct Context {
  Args args;
  bool json = false;
  std::unique_ptr<Clock> clock;
  ProcedureLibrary procedures;
  IdSource ids;
};

// A TIME option (YYYY-MM-DD, YYYY-MM-DDTHH:MM UK local, or ...Z UTC) as UTC ms; throws
// UsageError naming `option`.
inline std::int64_t parse_time_arg(const std::string& text, const std::string& option) {
  std::int64_t ms = 0;
  if (!parse_time(text, ms))
    throw UsageError(option + ": '" + text + "' is not a date or time (use YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SSZ)");
  return ms;
}

struct Db {
  std::unique_ptr<Store> store;
  std::unique_ptr<Engine> engine;
};

// The --db database and an engine over it; `create` makes the file when missing. Throws
// UsageError without --db.
inline Db open_db(Context& c, bool create) {
  std::string path = c.args.get("db");
  if (path.empty()) throw UsageError("--db FILE is required for this command");
  Db db;
  db.store = tools::open_store_with_passphrase(path, create);
  db.engine = std::make_unique<Engine>(*db.store, c.procedures, *c.clock, c.ids);
  return db;
}

}  // namespace parley::cli
