// tools/cli/main.cpp — the `parley` command-line tool: procedures, calendar, deadlines,
// challenges in a local database, and case bundles. Run as tools/parley from the
// repository root. Human-readable output by default, --json for scripts.
//
// Errors: one line on stderr saying what to fix, exit status 2 for a usage mistake and 1
// for anything else; a failed command writes nothing (a database file it had to create is
// removed again).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "core/agencies.h"
#include "core/engine.h"
#include "core/event_rules.h"
#include "sync/bundle.h"
#include "sync/client.h"
#include "sync/client_native.h"
#include "tools/cli/args.h"
#include "tools/cli/context.h"
#include "tools/cli/form_command.h"
#include "tools/common/prompt.h"

using namespace parley;
using parley::cli::Args;
using parley::cli::Context;
using parley::cli::Db;
using parley::cli::open_db;
using parley::cli::parse_time_arg;
using parley::cli::UsageError;

namespace {

const char* kUsage = R"(parley — professional challenge and escalation, as the Board's procedure says

Procedures and time
  parley procedures
  parley procedure show ID
  parley procedure validate FILE
  parley calendar add-working-days --region REGION --from YYYY-MM-DD --days N
  parley calendar holidays --region REGION --year YYYY
  parley deadline --procedure ID --stage N --from YYYY-MM-DD
      REGION: england-and-wales, scotland, northern-ireland

Challenges (all take --db FILE; recording commands take --at TIME and --as NAME
--as-agency AGENCY [--as-job-title T] [--as-role ROLE], or the saved identity)
  parley --db FILE identity set --name N --agency A [--job-title T] [--role R]
  parley --db FILE challenge open --procedure ID --imminent-risk yes|no
        --subject-name N [--subject-kind adult|child] [--subject-id SYSTEM:VALUE]...
        [--subject-dob YYYY-MM-DD] [--lacks-capacity yes|no] [--subject-views TEXT]
        --challenger-name N --challenger-agency A [--challenger-job-title T] [--challenger-role R]
        --challenged-agency A [--challenged-name N] [--challenged-job-title T] [--challenged-role R]
        --category C --summary TEXT [--agency-views TEXT] [--risk standard|at-risk] [--copied-to X]...
        [--agency-not-listed]
      --challenged-agency: as the Board's list of agencies names it (synced by 'parley sync');
      --agency-not-listed records one that is not in it, flagged to the Board's administrator
  parley --db FILE challenge record-discussion ID --with "NAME|JOB TITLE|AGENCY"... --method M
        --summary TEXT --agreed yes|no [--fulfils ACTION,...] [--subject-views TEXT]
  parley --db FILE challenge agree-action ID --description TEXT --owner NAME [--due YYYY-MM-DD]
  parley --db FILE challenge complete-action ID --action EVENT [--note TEXT]
  parley --db FILE challenge escalate ID --reason TEXT --tried TEXT [--override-reason TEXT]
  parley --db FILE challenge expedite ID --reason TEXT
  parley --db FILE challenge notify ID --to CONTACT --reason TEXT
  parley --db FILE challenge record-outcome ID --outcome TEXT [--agreed-actions TEXT] [--outstanding TEXT]
  parley --db FILE challenge feedback ID --to NAME --summary TEXT
  parley --db FILE challenge sign ID --side challenger|challenged --name N --job-title T --agency A --date D
  parley --db FILE challenge refer ID --route ROUTE [--note TEXT]
  parley --db FILE challenge close ID [--reason TEXT] [--override-reason TEXT]
      --override-reason: go ahead although a notification or required item is not done;
      the reason is recorded and printed on the record form
  parley --db FILE challenge learning ID --review none|single_agency|multi_agency --lessons TEXT
  parley --db FILE challenge views ID --views TEXT
  parley --db FILE challenge comment ID --text TEXT
  parley --db FILE challenge correct ID --event EVENT --reason TEXT [--set FIELD=VALUE]...
  parley --db FILE challenge settle ID --conflict CONFLICT --decision TEXT
  parley --db FILE challenge add-party ID --name N --agency A [--job-title T] [--role R] [--copied]
  parley --db FILE challenge show ID [--as-of TIME]
  parley --db FILE challenge list [--as-of TIME] [--missed]
      --as-of on show: only the events that had happened by then (their stated time);
      --missed: only challenges where a timescale was missed or is overdue
  parley --db FILE export ID [--out FILE]
  parley --db FILE form ID [--form FORM-ID] [--format text|html|pdf] [--out FILE] [--as-of TIME]
      the procedure's record form, filled from the events (default: its first form, as
      text; with --out the format follows the file's extension, .pdf or .html)
  parley --db FILE import FILE

Sync with the office server
  parley --db FILE login --server URL --user NAME [--password P | --password-stdin] [--device-name N]
  parley --db FILE sync [--server URL]
  parley --db FILE sync status

Global: --json (machine-readable output), --procedures DIR (a Board's own procedure
files; same id replaces the shipped one), --now TIME (or PARLEY_NOW: the clock).
TIME: YYYY-MM-DD, YYYY-MM-DDTHH:MM (UK local time) or YYYY-MM-DDTHH:MM:SSZ (UTC).
)";

Date parse_date_arg(const std::string& text, const std::string& option) {
  auto d = parse_date(text);
  if (!d) throw UsageError(option + ": '" + text + "' is not a real date written YYYY-MM-DD");
  return *d;
}

Region parse_region_arg(const std::string& text) {
  auto r = parse_region(text);
  if (!r) throw UsageError("--region: '" + text + "' is not one of england-and-wales, scotland, northern-ireland");
  return *r;
}

int parse_int_arg(const std::string& text, const std::string& option, int min, int max) {
  try {
    std::size_t used = 0;
    long v = std::stol(text, &used);
    if (used == text.size() && v >= min && v <= max) return static_cast<int>(v);
  } catch (...) {
  }
  throw UsageError(option + ": '" + text + "' must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
}

bool parse_yes_no(const std::string& text, const std::string& option) {
  if (text == "yes" || text == "true") return true;
  if (text == "no" || text == "false") return false;
  throw UsageError(option + ": answer yes or no, not '" + text + "'");
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path + ": check the path");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void print_json(const Json& j) { std::cout << j.dump(2) << "\n"; }

const Procedure& need_procedure(const Context& c, const std::string& id) {
  const Procedure* p = c.procedures.find(id);
  if (!p) {
    std::string ids;
    for (const auto* q : c.procedures.all()) ids += (ids.empty() ? "" : ", ") + q->id;
    throw UsageError("unknown procedure '" + id + "'; known: " + ids);
  }
  return *p;
}

std::string timescale_words(const std::optional<Timescale>& t) {
  if (!t) return "no timescale";
  std::string unit = t->unit == TimeUnit::WorkingDays ? "working days" : t->unit == TimeUnit::CalendarDays ? "days" : "hours";
  std::string from;
  switch (t->from.type) {
    case TimescaleFrom::Type::ChallengeRaised: from = "from the challenge being raised"; break;
    case TimescaleFrom::Type::StageStarted:
      from = t->from.stage ? "from the start of stage " + std::to_string(t->from.stage) : "from the start of the stage";
      break;
    case TimescaleFrom::Type::Event: {
      std::string k(to_string(t->from.kind));
      for (auto& ch : k) if (ch == '_') ch = ' ';
      from = std::string("from the ") + (t->from.last ? "last " : "first ") + k + " at stage " + std::to_string(t->from.stage);
      break;
    }
  }
  return std::to_string(t->amount) + " " + unit + " " + from;
}

// ---- procedures -----------------------------------------------------------------

int cmd_procedures(Context& c) {
  c.args.only("procedures", {});
  if (c.json) {
    Json out = Json::array();
    for (const auto* p : c.procedures.all())
      out.push_back({{"id", p->id}, {"board", p->board.name}, {"audience", p->board.audience},
                     {"region", to_string(p->board.region)}, {"stages", p->stages.size()}});
    print_json(out);
    return 0;
  }
  for (const auto* p : c.procedures.all()) {
    int timed = 0;
    for (const auto& s : p->stages) timed += s.timescale ? 1 : 0;
    std::printf("%-26s %s — %zu stages, %s, %s\n", p->id.c_str(), p->board.name.c_str(), p->stages.size(),
                timed ? (std::to_string(timed) + " with timescales").c_str() : "no numeric timescales",
                p->board.audience.c_str());
  }
  return 0;
}

void print_procedure(const Procedure& p) {
  std::printf("%s — %s\n%s\n", p.id.c_str(), p.board.name.c_str(), p.title.c_str());
  std::printf("Audience: %s. Bank holidays: %s.\n\n", p.board.audience.c_str(), to_string(p.board.region).c_str());
  std::printf("If anyone is at imminent risk: %s\n", p.emergency.text.c_str());
  for (const auto& id : p.emergency.contacts)
    if (const Contact* ct = p.contact(id)) std::printf("  %s: %s\n", ct->label.c_str(), contact_words(*ct).c_str());
  if (p.expedite_text) std::printf("Expedite: %s\n", p.expedite_text->c_str());
  std::printf("\nStages\n");
  for (const auto& s : p.stages) {
    std::printf("  %d. %s — %s\n", s.number, s.name.c_str(), timescale_words(s.timescale).c_str());
    std::printf("     Who: %s\n", s.who_description.c_str());
    for (const auto& ra : s.required_actions)
      std::printf("     - %s%s\n", ra.text.c_str(), ra.timescale ? (" (" + timescale_words(ra.timescale) + ")").c_str() : "");
  }
  std::printf("\nContacts\n");
  for (const auto& ct : p.board.contacts) std::printf("  %s (%s): %s\n", ct.label.c_str(), ct.id.c_str(), contact_words(ct).c_str());
  if (!p.routes.empty()) {
    std::printf("\nOther routes\n");
    for (const auto& r : p.routes) std::printf("  %s: %s\n", r.name.c_str(), r.text.c_str());
  }
  std::printf("\nRecord forms\n");
  for (const auto& f : p.forms) std::printf("  %s: %s\n", f.id.c_str(), f.title.c_str());
  std::printf("\nInterpretations (see docs/procedures.md)\n");
  for (const auto& i : p.interpretations) std::printf("  %s: %s\n", i.id.c_str(), i.decision.c_str());
}

int cmd_procedure(Context& c) {
  if (c.args.words.size() < 2) throw UsageError("say which: 'procedure show ID' or 'procedure validate FILE'");
  const std::string& sub = c.args.words[1];
  if (sub == "show") {
    c.args.only("procedure show", {});
    if (c.args.words.size() != 3) throw UsageError("usage: parley procedure show ID");
    const Procedure& p = need_procedure(c, c.args.words[2]);
    if (c.json) print_json(p.raw);
    else print_procedure(p);
    return 0;
  }
  if (sub == "validate") {
    c.args.only("procedure validate", {});
    if (c.args.words.size() != 3) throw UsageError("usage: parley procedure validate FILE");
    std::string path = c.args.words[2];
    Procedure p;
    try {
      p = parse_procedure(read_file(path));
    } catch (const ProcedureError& e) {
      throw std::runtime_error(path + ": " + e.what());
    }
    if (c.json) print_json({{"valid", true}, {"id", p.id}, {"stages", p.stages.size()}, {"digest", p.digest}});
    else std::printf("%s: valid procedure '%s' (%zu stages)\n", path.c_str(), p.id.c_str(), p.stages.size());
    return 0;
  }
  throw UsageError("unknown procedure command '" + sub + "' (show, validate)");
}

// ---- calendar and deadlines -------------------------------------------------------

int cmd_calendar(Context& c) {
  if (c.args.words.size() != 2) throw UsageError("say which: 'calendar add-working-days' or 'calendar holidays'");
  const std::string& sub = c.args.words[1];
  const Calendar& cal = Calendar::builtin();
  if (sub == "add-working-days") {
    c.args.only("calendar add-working-days", {"region", "from", "days"});
    Region r = parse_region_arg(c.args.need("region", "england-and-wales, scotland or northern-ireland"));
    Date from = parse_date_arg(c.args.need("from", "a date YYYY-MM-DD"), "--from");
    int n = parse_int_arg(c.args.need("days", "how many working days"), "--days", 0, 3650);
    Date d = cal.add_working_days(r, from, n);
    if (c.json) print_json({{"date", to_string(d)}, {"region", to_string(r)}, {"from", to_string(from)}, {"days", n}});
    else std::printf("%s\n", to_string(d).c_str());
    return 0;
  }
  if (sub == "holidays") {
    c.args.only("calendar holidays", {"region", "year"});
    Region r = parse_region_arg(c.args.need("region", "england-and-wales, scotland or northern-ireland"));
    int year = parse_int_arg(c.args.need("year", "a year"), "--year", 1900, 2200);
    auto hols = cal.holidays(r, year);
    if (c.json) {
      Json out = Json::array();
      for (const auto& h : hols)
        out.push_back({{"date", to_string(h.date)}, {"name", h.name}, {"substitute", h.substitute}, {"one_off", h.one_off}});
      print_json(out);
    } else {
      for (const auto& h : hols)
        std::printf("%s  %s  %s\n", to_string(h.date).c_str(), weekday_short(h.date).c_str(), h.name.c_str());
    }
    return 0;
  }
  throw UsageError("unknown calendar command '" + sub + "' (add-working-days, holidays)");
}

int cmd_deadline(Context& c) {
  c.args.only("deadline", {"procedure", "stage", "from"});
  const Procedure& p = need_procedure(c, c.args.need("procedure", "a procedure id"));
  int n = parse_int_arg(c.args.need("stage", "a stage number"), "--stage", 1, 50);
  const Stage* st = p.stage(n);
  if (!st) throw UsageError(p.id + " has stages 1 to " + std::to_string(p.last_stage()) + ", not " + std::to_string(n));
  Date from = parse_date_arg(c.args.need("from", "the date the timescale runs from, YYYY-MM-DD"), "--from");
  if (!st->timescale) {
    if (c.json) print_json({{"procedure", p.id}, {"stage", n}, {"timescale", nullptr}});
    else std::printf("Stage %d of %s (%s) sets no timescale: Parley shows the time elapsed instead.\n", n, p.id.c_str(), st->name.c_str());
    return 0;
  }
  Deadline d = make_deadline(*st->timescale, p.board.region, uk_start_of_day_utc_ms(from), c.clock->now_ms());
  if (c.json) {
    print_json({{"procedure", p.id}, {"stage", n}, {"from", to_string(from)}, {"date", to_string(d.due_date)},
                {"due", format_utc(d.due)}, {"words", d.words}, {"timescale", timescale_words(st->timescale)}});
  } else if (st->timescale->unit == TimeUnit::Hours) {
    std::printf("%s\n", d.words.substr(4, d.words.find(" (") - 4).c_str());
  } else {
    std::printf("%s\n", to_string(d.due_date).c_str());
  }
  return 0;
}

// ---- challenges -------------------------------------------------------------------

const std::set<std::string> kAuthorOptions = {"as", "as-agency", "as-job-title", "as-role", "at"};

Author author_from(Context& c, Store& store) {
  Author a;
  if (auto saved = store.meta("identity")) {
    Json j = Json::parse(*saved);
    a = {j.value("name", ""), j.value("job_title", ""), j.value("agency", ""), j.value("role", "")};
  }
  if (c.args.has("as")) a.name = c.args.get("as");
  if (c.args.has("as-agency")) a.agency = c.args.get("as-agency");
  if (c.args.has("as-job-title")) a.job_title = c.args.get("as-job-title");
  if (c.args.has("as-role")) a.role = c.args.get("as-role");
  if (a.name.empty() || a.agency.empty())
    throw UsageError("say who is recording this: --as NAME --as-agency AGENCY, or save it once with 'identity set'");
  return a;
}

std::optional<std::int64_t> at_from(Context& c) {
  if (!c.args.has("at")) return std::nullopt;
  return parse_time_arg(c.args.get("at"), "--at");
}

std::set<std::string> with_author(std::set<std::string> s) {
  s.insert(kAuthorOptions.begin(), kAuthorOptions.end());
  return s;
}

std::string challenge_word(Context& c, const std::string& command) {
  if (c.args.words.size() != 3) throw UsageError("usage: parley --db FILE challenge " + command + " CHALLENGE-ID ...");
  return c.args.words[2];
}

Json person_from(const std::string& spec) {
  // "Name|Job title|Agency" — the form a person is typed in one option.
  Json p = Json::object();
  std::vector<std::string> parts;
  std::string cur;
  for (char ch : spec) {
    if (ch == '|') { parts.push_back(cur); cur.clear(); }
    else cur += ch;
  }
  parts.push_back(cur);
  if (parts.size() > 3) throw UsageError("--with: give \"NAME|JOB TITLE|AGENCY\", not '" + spec + "'");
  p["name"] = parts[0];
  if (parts.size() > 1) p["job_title"] = parts[1];
  if (parts.size() > 2) p["agency"] = parts[2];
  return p;
}

void put_if(Json& j, const char* key, Context& c, const char* option) {
  if (c.args.has(option)) j[key] = c.args.get(option);
}

std::string short_id(const std::string& id) { return id.substr(0, 8); }

std::string local_time(std::int64_t ms) {
  std::int64_t local = ms + std::int64_t(uk_utc_offset_minutes(ms)) * 60000;
  Date d = uk_local_date(ms);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s %02d:%02d", to_string(d).c_str(), int((local / 60000) % 1440 / 60 + 24) % 24,
                int(((local / 60000) % 60 + 60) % 60));
  return buf;
}

void print_view(const ChallengeView& v) {
  const auto& s = v.state;
  const Json& b = s.opened_body;
  auto person = [](const Json& p) {
    if (!p.is_object()) return std::string("-");
    std::string out = p.value("name", "");
    for (const char* k : {"job_title", "agency"})
      if (!p.value(k, "").empty()) out += (out.empty() ? "" : ", ") + p.value(k, "");
    return out;
  };
  std::printf("%s  %s (%s)\n", s.id.c_str(), v.procedure->board.name.c_str(), v.procedure->id.c_str());
  std::printf("Subject:     %s\n", person(b.value("subject", Json::object())).c_str());
  std::printf("Challenger:  %s\n", person(b.value("challenger", Json::object())).c_str());
  std::printf("Challenged:  %s\n", person(b.value("challenged", Json::object())).c_str());
  std::printf("Category:    %s%s\n", b.value("category", "").c_str(), v.expedited ? "   EXPEDITED (someone at risk of harm)" : "");
  std::printf("Summary:     %s\n", b.value("summary", "").c_str());
  std::printf("Status:      %s — stage %d of %d: %s\n", std::string(to_string(v.status)).c_str(), v.stage, v.procedure->last_stage(), v.stage_name.c_str());
  if (v.deadline)
    std::printf("Deadline:    stage %d %s, measured from %s%s\n", v.stage, v.deadline->words.c_str(),
                v.deadline->measured_from.c_str(), v.deadline->overdue ? " — OVERDUE" : "");
  else if (!v.deadline_pending.empty())
    std::printf("Deadline:    %s\n", v.deadline_pending.c_str());
  else
    std::printf("Deadline:    none set by the procedure; %d working days at this stage\n", v.working_days_at_stage);
  if (s.resolution_stage)
    std::printf("Resolution:  at stage %d, %d working days (%d calendar days) after it was raised\n", *s.resolution_stage,
                v.working_days_taken.value_or(0), v.calendar_days_taken.value_or(0));
  for (const auto& w : v.warnings) std::printf("Note:        %s\n", w.c_str());
  std::printf("Stages and timescales%s:\n", v.missed_timescale ? " (a timescale was missed)" : "");
  for (const auto& r : v.stage_history) std::printf("  %s\n", r.words.c_str());
  for (const auto& t : v.timescales)
    if (t.id.rfind("stage-", 0) != 0) std::printf("  %s\n", t.words.c_str());
  bool any_route = false;
  for (const auto& r : v.routes) any_route = any_route || r.available;
  if (any_route) {
    std::printf("Other routes (challenge refer --route KIND):\n");
    for (const auto& r : v.routes)
      std::printf("  %s%s (%s)%s\n", r.suggested ? "* " : "", r.route->name.c_str(), r.route->kind.c_str(),
                  r.words.empty() ? "" : (" — " + r.words).c_str());
  }
  if (!v.checklist.empty()) {
    std::printf("Required at this stage:\n");
    for (const auto& item : v.checklist)
      std::printf("  [%s] %s%s\n", item.done ? "x" : " ", item.text.c_str(),
                  item.deadline ? (" — " + item.deadline->words + (item.deadline->overdue ? " OVERDUE" : "")).c_str() : "");
  }
  if (!s.actions.empty()) {
    std::printf("Agreed actions:\n");
    for (const auto& a : s.actions)
      std::printf("  [%s] %s — %s%s  (%s)\n", a.completed ? "x" : " ", a.description.c_str(), a.owner.c_str(),
                  a.due.empty() ? "" : (", due " + a.due).c_str(), short_id(a.event_id).c_str());
  }
  if (s.needs_review() || !s.conflicts.empty()) {
    std::printf("Needs review:\n");
    for (const auto& c : s.conflicts)
      std::printf("  %s %s: %s\n", c.settled ? "(settled)" : "[open]", c.id.c_str(), c.description.c_str());
  }
  std::printf("Timeline:\n");
  for (const auto& e : s.events) {
    std::string kind(to_string(e.kind));
    auto corr = s.corrections.find(e.id);
    std::printf("  %s  stage %d  %-28s by %s  (%s)%s\n", local_time(e.at).c_str(), s.event_stage.at(e.id), kind.c_str(),
                e.author.value("name", "").c_str(), short_id(e.id).c_str(), corr != s.corrections.end() ? "  [corrected]" : "");
  }
}

int cmd_identity(Context& c) {
  if (c.args.words.size() != 2 || c.args.words[1] != "set") throw UsageError("usage: parley --db FILE identity set --name N --agency A");
  c.args.only("identity set", {"name", "agency", "job-title", "role"});
  Author a{c.args.need("name", "your name"), c.args.get("job-title"), c.args.need("agency", "your agency"), c.args.get("role")};
  if (!a.role.empty() && std::find(role_levels().begin(), role_levels().end(), a.role) == role_levels().end())
    throw UsageError("--role: '" + a.role + "' is not one of practitioner, line_manager, safeguarding_lead, senior_manager, director, board");
  Db db = open_db(c, true);
  db.store->transaction([&] { db.store->set_meta("identity", a.to_json().dump()); });
  if (c.json) print_json(a.to_json());
  else std::printf("Recording as %s, %s\n", a.name.c_str(), a.agency.c_str());
  return 0;
}

int cmd_challenge_open(Context& c) {
  c.args.only("challenge open",
              with_author({"procedure", "imminent-risk", "subject-name", "subject-kind", "subject-id", "subject-dob",
                           "lacks-capacity", "subject-views", "challenger-name", "challenger-agency",
                           "challenger-job-title", "challenger-role", "challenged-agency", "challenged-name",
                           "challenged-job-title", "challenged-role", "category", "summary", "agency-views", "risk",
                           "copied-to", "agency-not-listed"}));
  if (c.args.words.size() != 2) throw UsageError("usage: parley --db FILE challenge open --procedure ID ...");
  const Procedure& p = need_procedure(c, c.args.need("procedure", "which Board procedure applies"));
  if (!c.args.has("imminent-risk"))
    throw UsageError("--imminent-risk yes|no is required: is anyone at imminent risk of harm? (if yes, call 999 first)");
  bool imminent = parse_yes_no(c.args.get("imminent-risk"), "--imminent-risk");
  Json body = {{"procedure", p.id}, {"imminent_risk", imminent}};
  Json subject = Json::object();
  put_if(subject, "name", c, "subject-name");
  put_if(subject, "kind", c, "subject-kind");
  put_if(subject, "date_of_birth", c, "subject-dob");
  put_if(subject, "views", c, "subject-views");
  if (c.args.has("lacks-capacity")) subject["lacks_capacity"] = parse_yes_no(c.args.get("lacks-capacity"), "--lacks-capacity");
  Json ids = Json::array();
  for (const auto& spec : c.args.all("subject-id")) {
    auto colon = spec.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size())
      throw UsageError("--subject-id: give SYSTEM:VALUE (for example 'LAS:12345'), not '" + spec + "'");
    ids.push_back({{"system", spec.substr(0, colon)}, {"value", spec.substr(colon + 1)}});
  }
  if (!ids.empty()) subject["identifiers"] = ids;
  body["subject"] = subject;
  Json challenger = Json::object(), challenged = Json::object();
  put_if(challenger, "name", c, "challenger-name");
  put_if(challenger, "agency", c, "challenger-agency");
  put_if(challenger, "job_title", c, "challenger-job-title");
  put_if(challenger, "role", c, "challenger-role");
  put_if(challenged, "name", c, "challenged-name");
  put_if(challenged, "agency", c, "challenged-agency");
  put_if(challenged, "job_title", c, "challenged-job-title");
  put_if(challenged, "role", c, "challenged-role");
  body["challenger"] = challenger;
  body["challenged"] = challenged;
  put_if(body, "category", c, "category");
  put_if(body, "summary", c, "summary");
  put_if(body, "agency_views", c, "agency-views");
  if (c.args.has("risk")) {
    std::string r = c.args.get("risk");
    body["risk"] = r == "at-risk" ? "at_risk" : r;
  }
  if (c.args.has("copied-to")) body["copied_to"] = c.args.all("copied-to");
  if (c.args.has("agency-not-listed")) body[kAgencyNotListed] = true;
  auto at = at_from(c);
  Db db = open_db(c, true);
  // The author is the challenger; when this database's identity is that person (after
  // `identity set` or `login`), it is the identity, whose role the server checks too.
  Author author = c.args.has("as") ? author_from(c, *db.store)
                                   : Author{challenger.value("name", ""), challenger.value("job_title", ""),
                                            challenger.value("agency", ""), challenger.value("role", "")};
  if (!c.args.has("as"))
    if (auto saved = db.store->meta("identity")) {
      Json me = Json::parse(*saved, nullptr, false);
      if (me.is_object() && me.value("name", "") == author.name && me.value("agency", "") == author.agency)
        author = Author{author.name, me.value("job_title", author.job_title), author.agency, me.value("role", author.role)};
    }
  std::string id;
  try {
    id = db.engine->open(body, author, at);
  } catch (const RuleError& e) {
    // The Board's directory rule (core/agencies.h) said no: say which flag records it anyway.
    if (e.field != "body.challenged.agency" || body.contains(kAgencyNotListed)) throw;
    const std::string typed = challenged.value("agency", "");
    std::string close;
    for (const auto& name : close_agencies(db.store->agencies(), typed))
      close += (close.empty() ? "" : ", ") + ("'" + name + "'");
    throw CommandError("--challenged-agency: '" + typed + "' is not in the Board's list of agencies" +
                       (close.empty() ? "" : " (close matches: " + close + ")") +
                       ". Give the name as the list has it, or pass --agency-not-listed to record it as typed: it "
                       "is flagged to the Board's administrator, and that agency will not see the challenge until "
                       "the administrator adds it");
  }
  if (c.json) {
    print_json({{"challenge", id}, {"imminent_risk_guidance_shown", imminent}, {"agency_not_listed", marked_not_listed(db.engine->state(id).opened_body)}});
    return 0;
  }
  if (imminent) {
    std::printf("IMMINENT RISK — %s\n", p.emergency.text.c_str());
    for (const auto& cid : p.emergency.contacts)
      if (const Contact* ct = p.contact(cid)) std::printf("  %s: %s\n", ct->label.c_str(), contact_words(*ct).c_str());
    std::printf("(Recorded that this guidance was shown.)\n");
  }
  std::printf("Opened %s\n", id.c_str());
  return 0;
}

// The body of a recording command, read from the flags its kind's description names
// (core/event_rules.h): the CLI adds how a value is typed, never which fields exist or
// what they must hold — the engine checks that and says what to fix.
Json body_from_flags(Context& c, const KindRule& rule, std::set<std::string>& allowed) {
  Json body = Json::object();
  for (const auto& f : rule.fields) {
    if (f.set_by_engine) continue;
    if (f.type == FieldType::Person) {   // add-party: one person from several flags
      Json person = Json::object();
      for (const auto& [key, flag] : {std::pair<const char*, const char*>{"name", "name"}, {"agency", "agency"},
                                      {"job_title", "job-title"}, {"role", "role"}}) {
        allowed.insert(flag);
        put_if(person, key, c, flag);
      }
      body[f.name] = person;
      continue;
    }
    if (f.flag.empty()) continue;
    allowed.insert(f.flag);
    if (f.type == FieldType::People) {
      Json people = Json::array();
      for (const auto& spec : c.args.all(f.flag)) people.push_back(person_from(spec));
      body[f.name] = people;
    } else if (f.type == FieldType::Bool && f.flag == "copied") {
      body[f.name] = c.args.has(f.flag);   // a flag with no value
    } else if (f.type == FieldType::Bool) {
      if (c.args.has(f.flag)) body[f.name] = parse_yes_no(c.args.get(f.flag), "--" + f.flag);
    } else {
      put_if(body, f.name.c_str(), c, f.flag.c_str());
    }
  }
  if (rule.may_fulfil) allowed.insert("fulfils");
  return body;
}

int cmd_challenge_record(Context& c, const std::string& sub) {
  const KindRule* rule = kind_rule_for_command(sub);
  if (!rule || rule->kind == EventKind::ChallengeOpened)
    throw UsageError("unknown challenge command '" + sub + "' (see 'parley help')");
  const EventKind kind = rule->kind;
  std::set<std::string> allowed;
  Json body = body_from_flags(c, *rule, allowed);
  if (kind == EventKind::ActionCompleted) allowed.insert("action");
  if (kind == EventKind::Correction) {
    allowed.insert({"event", "set"});
    Json changes = Json::object();
    for (const auto& kv : c.args.all("set")) {
      auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) throw UsageError("--set: give FIELD=VALUE, not '" + kv + "'");
      changes[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    if (!changes.empty()) body["changes"] = changes;
  }
  c.args.only("challenge " + sub, with_author(allowed));
  std::string challenge = challenge_word(c, sub);
  if (c.args.has("fulfils")) {
    Json list = Json::array();
    std::stringstream ss(c.args.get("fulfils"));
    for (std::string item; std::getline(ss, item, ',');)
      if (!item.empty()) list.push_back(item);
    body["fulfils"] = list;
  }
  auto at = at_from(c);
  Db db = open_db(c, false);
  if (kind == EventKind::ActionCompleted)
    body["action"] = db.engine->resolve_event(challenge, c.args.need("action", "the id of the agreed action"));
  if (kind == EventKind::Correction)
    body["corrects"] = db.engine->resolve_event(challenge, c.args.need("event", "the id of the event being corrected"));
  Author author = author_from(c, *db.store);
  std::string id = db.engine->record(challenge, kind, body, author, at);
  ChallengeView v = db.engine->view(challenge, c.clock->now_ms());
  if (c.json) {
    print_json({{"challenge", challenge}, {"event", id}, {"stage", v.stage}, {"status", std::string(to_string(v.status))}});
  } else {
    std::printf("Recorded %s on %s (%s). Now: %s, stage %d: %s\n", std::string(to_string(kind)).c_str(), challenge.c_str(),
                short_id(id).c_str(), std::string(to_string(v.status)).c_str(), v.stage, v.stage_name.c_str());
  }
  return 0;
}

int cmd_challenge(Context& c) {
  if (c.args.words.size() < 2) throw UsageError("say which challenge command (see 'parley help')");
  const std::string sub = c.args.words[1];
  if (sub == "open") return cmd_challenge_open(c);
  if (sub == "show") {
    c.args.only("challenge show", {"as-of"});
    std::string id = challenge_word(c, "show");
    std::int64_t as_of = c.args.has("as-of") ? parse_time_arg(c.args.get("as-of"), "--as-of") : c.clock->now_ms();
    Db db = open_db(c, false);
    // --as-of: the challenge as it stood then, from the events that had happened by then.
    ChallengeView v = c.args.has("as-of") ? db.engine->view_as_of(id, as_of) : db.engine->view(id, as_of);
    if (c.json) {
      Json j = to_json(v);
      j["as_of"] = format_utc(as_of);
      print_json(j);
    } else {
      print_view(v);
    }
    return 0;
  }
  if (sub == "list") {
    c.args.only("challenge list", {"as-of", "missed"});
    const bool missed_only = c.args.has("missed");
    if (c.args.words.size() != 2) throw UsageError("usage: parley --db FILE challenge list");
    std::int64_t as_of = c.args.has("as-of") ? parse_time_arg(c.args.get("as-of"), "--as-of") : c.clock->now_ms();
    Db db = open_db(c, false);
    auto rows = db.store->challenges();
    Json out = Json::array();
    for (const auto& r : rows) {
      bool overdue = is_overdue(r.status, r.deadline, as_of);
      if (missed_only && !r.missed && !overdue) continue;
      if (c.json) {
        out.push_back({{"id", r.id}, {"procedure", r.procedure}, {"stage", r.stage}, {"status", std::string(to_string(r.status))},
                       {"expedited", r.expedited}, {"needs_review", r.needs_review}, {"overdue", overdue},
                       {"missed_timescale", r.missed || overdue},
                       {"deadline", r.deadline ? Json(format_utc(*r.deadline)) : Json(nullptr)},
                       {"subject", r.subject_name}, {"challenger_agency", r.challenger_agency},
                       {"challenged_agency", r.challenged_agency}, {"category", r.category}});
      } else {
        std::string due = r.deadline ? to_string(uk_local_date(*r.deadline)) : "-";
        std::printf("%-16s %-8s stage %d  due %-10s %s%s%s %s: %s v %s\n", r.id.c_str(), std::string(to_string(r.status)).c_str(), r.stage,
                    due.c_str(), r.expedited ? "EXPEDITED " : "", overdue ? "OVERDUE " : "",
                    r.needs_review ? "NEEDS-REVIEW " : "", r.subject_name.c_str(), r.challenger_agency.c_str(),
                    r.challenged_agency.c_str());
      }
    }
    if (c.json) print_json(out);
    else if (rows.empty()) std::printf("No challenges yet.\n");
    return 0;
  }
  return cmd_challenge_record(c, sub);
}

int cmd_export(Context& c) {
  c.args.only("export", {"out"});
  if (c.args.words.size() != 2) throw UsageError("usage: parley --db FILE export CHALLENGE-ID [--out FILE]");
  Db db = open_db(c, false);
  std::string text = to_text(export_bundle(*db.engine, c.args.words[1]));
  if (c.args.has("out")) {
    std::string path = c.args.get("out"), tmp = path + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary);
      out << text;
      if (!out.flush()) throw std::runtime_error("cannot write " + path + ": check the folder exists and is writable");
    }
    std::filesystem::rename(tmp, path);   // whole file or nothing
    std::fprintf(stderr, "Wrote %s\n", path.c_str());
  } else {
    std::cout << text;
  }
  return 0;
}

int cmd_import(Context& c) {
  c.args.only("import", {});
  if (c.args.words.size() != 2) throw UsageError("usage: parley --db FILE import BUNDLE-FILE");
  std::string path = c.args.words[1];
  Bundle b;
  try {
    b = parse_bundle(read_file(path));
  } catch (const CommandError& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
  Db db = open_db(c, true);
  ImportResult r = import_bundle(*db.engine, b);
  if (c.json) print_json({{"challenge", r.challenge}, {"received", r.received}, {"added", r.added}});
  else std::printf("Imported %s: %zu events received, %zu new\n", r.challenge.c_str(), r.received, r.added);
  return 0;
}

// ---- sync ---------------------------------------------------------------------------

constexpr std::chrono::milliseconds kHttpTimeout{30'000};

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string when(std::optional<std::int64_t> ms) {
  if (!ms) return "never";
  return format_utc(*ms);
}

Json status_json(SyncEngine& sync, const SyncStatus& s) {
  Json j = {{"server", sync.server()}, {"state", to_string(s.state)}, {"pending", s.pending}};
  j["oldest_pending"] = s.oldest_pending ? Json(*s.oldest_pending) : Json();
  j["last_ok"] = s.last_ok ? Json(*s.last_ok) : Json();
  j["last_error"] = s.last_error;
  return j;
}

void print_status(SyncEngine& sync, const SyncStatus& s) {
  std::printf("Server: %s\nState: %s\nOnly on this device: %lld event(s)%s\nLast synced: %s\n",
              sync.server().empty() ? "(none: use 'parley login')" : sync.server().c_str(), to_string(s.state),
              static_cast<long long>(s.pending),
              s.oldest_pending ? (", oldest " + format_utc(*s.oldest_pending)).c_str() : "", when(s.last_ok).c_str());
  if (!s.last_error.empty()) std::printf("Last error: %s\n", s.last_error.c_str());
}

int cmd_login(Context& c) {
  if (c.args.has("password"))
    throw UsageError("--password is not accepted: a password on the command line is seen by other users and kept in "
                     "shell history; use --password-stdin, or type it when asked");
  c.args.only("login", {"server", "user", "password-stdin", "device-name"});
  if (c.args.words.size() != 1) throw UsageError("usage: parley --db FILE login --server URL --user NAME [--password-stdin]");
  std::string server = c.args.need("server", "the office server's address, e.g. https://parley.example.org");
  if (server.rfind("http://", 0) != 0 && server.rfind("https://", 0) != 0)
    throw UsageError("--server: '" + server + "' must start with http:// or https://");
  std::string user = c.args.need("user", "your username on the server");
  std::string password;
  try {
    password = c.args.has("password-stdin") ? tools::read_line_from_stdin() : tools::ask_unseen("Password for " + user + ": ");
  } catch (const std::runtime_error& e) {
    throw UsageError(std::string("--password-stdin: ") + e.what());
  }
  std::string device_name = c.args.get("device-name", "Parley command line");
  Db db = open_db(c, true);
  SyncEngine sync(*db.engine);
  Json user_profile = sign_in(sync, server, user, password, device_name, kHttpTimeout);
  if (c.json) {
    print_json({{"server", sync.server()}, {"device", db.store->device_id()}, {"user", user_profile}});
  } else {
    std::printf("Signed in to %s as %s (%s, %s); this database is device %s\n", sync.server().c_str(),
                user_profile.value("name", user).c_str(), user_profile.value("job_title", "").c_str(),
                user_profile.value("agency", "").c_str(), db.store->device_id().c_str());
  }
  return 0;
}

int cmd_sync(Context& c) {
  bool status_only = c.args.words.size() == 2 && c.args.words[1] == "status";
  if (c.args.words.size() != 1 && !status_only) throw UsageError("usage: parley --db FILE sync [--server URL] | sync status");
  c.args.only(status_only ? "sync status" : "sync", status_only ? std::set<std::string>{} : std::set<std::string>{"server"});
  Db db = open_db(c, false);
  SyncEngine sync(*db.engine);
  if (status_only) {
    SyncStatus s = sync.status();
    // Bundles that failed checks are kept on the device, not dropped; the count is here
    // because an encrypted store cannot be inspected with the sqlite3 shell.
    std::int64_t quarantined = db.store->quarantine_count();
    if (c.json) {
      Json j = status_json(sync, s);
      j["quarantined"] = quarantined;
      print_json(j);
    } else {
      print_status(sync, s);
      if (quarantined) std::printf("Kept aside: %lld bundle(s) that failed checks\n", static_cast<long long>(quarantined));
    }
    return 0;
  }
  if (c.args.has("server")) sync.set_server(c.args.get("server"));
  if (sync.server().empty() || sync.token().empty())
    throw std::runtime_error("this database is not signed in to a server: run 'parley --db " + db.store->path() +
                             " login --server URL --user NAME' first");
  SyncStatus s = run_round(sync, sync.server(), kHttpTimeout, wall_ms);
  const SyncCounts& n = sync.counts();
  if (c.json) {
    Json j = status_json(sync, s);
    j["pushed"] = n.pushed;
    j["acked"] = n.acked;
    j["pulled"] = n.pulled;
    j["quarantined"] = n.quarantined;
    print_json(j);
  } else {
    std::printf("Pushed %lld, acknowledged %lld, pulled %lld new event(s)%s\n", static_cast<long long>(n.pushed),
                static_cast<long long>(n.acked), static_cast<long long>(n.pulled),
                n.quarantined ? (", " + std::to_string(n.quarantined) + " bundle(s) quarantined").c_str() : "");
    print_status(sync, s);
  }
  if (s.state != SyncState::Idle) {
    std::string why = s.last_error.empty() ? std::string("sync did not finish (") + to_string(s.state) + ")" : s.last_error;
    if (s.state == SyncState::NeedsSignIn && s.last_error.empty()) why = "sign in again with 'parley login'";
    std::fprintf(stderr, "parley: %s\n", why.c_str());
    return 1;
  }
  return 0;
}

int run(Context& c) {
  if (c.args.words.empty() || c.args.words[0] == "help") {
    std::fputs(kUsage, stdout);
    return c.args.words.empty() ? 2 : 0;
  }
  const std::string& cmd = c.args.words[0];
  if (cmd == "procedures") return cmd_procedures(c);
  if (cmd == "procedure") return cmd_procedure(c);
  if (cmd == "calendar") return cmd_calendar(c);
  if (cmd == "deadline") return cmd_deadline(c);
  if (cmd == "identity") return cmd_identity(c);
  if (cmd == "challenge") return cmd_challenge(c);
  if (cmd == "export") return cmd_export(c);
  if (cmd == "form") return parley::cli::cmd_form(c);
  if (cmd == "import") return cmd_import(c);
  if (cmd == "login") return cmd_login(c);
  if (cmd == "sync") return cmd_sync(c);
  throw UsageError("unknown command '" + cmd + "' (see 'parley help')");
}

}  // namespace

// A failed command writes nothing: not even the empty database it had to create.
void remove_created(const std::string& db_path, bool existed) {
  if (existed) return;
  std::error_code ec;
  std::filesystem::remove(db_path, ec);
  std::filesystem::remove(db_path + "-journal", ec);
}

int main(int argc, char** argv) {
  Context c;
  std::string db_path;
  bool db_existed = true;
  try {
    c.args = Args::parse(argc, argv, {"json", "copied", "password-stdin", "missed", "agency-not-listed"});
    c.json = c.args.has("json");
    db_path = c.args.get("db");
    db_existed = db_path.empty() || std::filesystem::exists(db_path);
    std::string now = c.args.get("now", std::getenv("PARLEY_NOW") ? std::getenv("PARLEY_NOW") : "");
    if (!now.empty()) c.clock = std::make_unique<FixedClock>(parse_time_arg(now, "--now / PARLEY_NOW"));
    else c.clock = std::make_unique<SystemClock>();
    c.procedures = ProcedureLibrary::builtin();
    if (c.args.has("procedures")) c.procedures.add_directory(c.args.get("procedures"));
    return run(c);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "parley: %s\n", e.what());
    remove_created(db_path, db_existed);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parley: %s\n", e.what());
    remove_created(db_path, db_existed);
    return 1;
  }
}
