// ui/screen_storage_problem.cpp — shown instead of an empty app when the stored database
// was missing or unreadable at start (web-client brief item 5), or part of it failed its
// integrity check (docs/security.md): says what happened and what to do, and never syncs
// an empty store as if it were the truth.
#include "ui/screens.h"
#include "ui/widgets.h"

namespace parley::ui {

void screen_storage_problem(App& app, Drafts&) {
  platform::Environment env = platform::environment();
  heading("Your records on this device could not be opened");
  warning(app.storage_problem.empty() ? env.storage_problem : app.storage_problem);
  text("Parley has not started an empty record book in their place, and will not send anything to the office "
       "until this is sorted out.");
  text("What to do: if you have used Parley on this device before, do not clear the browser's data. Contact your "
       "Board's business unit or IT support, and say the message above. Records already sent to the office are safe there.");
  if (button("Start afresh on this device (records not yet sent will be lost)")) {
    // What cannot be read is erased (never left half-trusted); the lock screen then asks
    // for a passphrase for the new store, and signing in brings the synced records back.
    app.storage_problem.clear();
    app.erase_device("Started afresh on this device. Sign in to get the records the office has.");
  }
}

}  // namespace parley::ui
