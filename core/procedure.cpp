// core/procedure.cpp — reading and validating procedure files (see procedure.h).
//
// The validator is strict: unknown keys are errors (a typo such as "timescales" must not
// silently drop a rule), every rule must quote its source sentence, and references
// between parts (contacts named by notifications, stages named by timescales) must exist.
#include "core/procedure.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "core/embedded.h"
#include "core/sha256.h"

namespace parley {
namespace {

// Walks a JSON value keeping the path for error messages.
class Reader {
 public:
  Reader(const Json& v, std::string path) : v_(v), path_(std::move(path)) {}

  [[noreturn]] void fail(const std::string& what) const { throw ProcedureError(path_ + ": " + what); }

  const Json& value() const { return v_; }
  const std::string& path() const { return path_; }

  void object(std::initializer_list<std::string_view> allowed) const {
    if (!v_.is_object()) fail("must be an object");
    for (auto it = v_.begin(); it != v_.end(); ++it) {
      if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end()) {
        std::string list;
        for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        Reader(*it, path_ + "." + it.key()).fail("unknown field (allowed here: " + list + ")");
      }
    }
  }
  bool has(const char* key) const { return v_.contains(key) && !v_[key].is_null(); }
  Reader at(const char* key) const {
    if (!v_.contains(key)) Reader(v_, path_ + "." + key).fail("missing");
    return Reader(v_[key], path_ + "." + key);
  }
  Reader at(std::size_t i) const { return Reader(v_[i], path_ + "[" + std::to_string(i) + "]"); }
  std::string text(const char* key, bool required = true) const {
    if (!has(key)) {
      if (required) Reader(v_, path_ + "." + key).fail("missing");
      return {};
    }
    const Json& s = v_[key];
    if (!s.is_string()) Reader(s, path_ + "." + key).fail("must be text");
    std::string out = s.get<std::string>();
    if (required && out.find_first_not_of(" \t\r\n") == std::string::npos)
      Reader(s, path_ + "." + key).fail("must not be empty");
    return out;
  }
  std::string one_of(const char* key, const std::vector<std::string>& options) const {
    std::string t = text(key);
    if (std::find(options.begin(), options.end(), t) == options.end()) {
      std::string list;
      for (const auto& o : options) list += (list.empty() ? "" : ", ") + o;
      Reader(v_[key], path_ + "." + key).fail("'" + t + "' is not one of " + list);
    }
    return t;
  }
  int integer(const char* key, int min, int max) const {
    Reader r = at(key);
    if (!r.v_.is_number_integer()) r.fail("must be a whole number");
    auto n = r.v_.get<std::int64_t>();
    if (n < min || n > max) r.fail("must be between " + std::to_string(min) + " and " + std::to_string(max));
    return static_cast<int>(n);
  }
  std::size_t array(const char* key, bool required = true) const {
    if (!has(key)) {
      if (required) Reader(v_, path_ + "." + key).fail("missing");
      return 0;
    }
    if (!v_[key].is_array()) Reader(v_[key], path_ + "." + key).fail("must be a list");
    return v_[key].size();
  }
  std::vector<std::string> strings(const char* key, const std::vector<std::string>* options) const {
    std::vector<std::string> out;
    std::size_t n = array(key);
    Reader list = at(key);
    for (std::size_t i = 0; i < n; ++i) {
      Reader item = list.at(i);
      if (!item.v_.is_string()) item.fail("must be text");
      std::string s = item.v_.get<std::string>();
      if (options && std::find(options->begin(), options->end(), s) == options->end()) {
        std::string all;
        for (const auto& o : *options) all += (all.empty() ? "" : ", ") + o;
        item.fail("'" + s + "' is not one of " + all);
      }
      out.push_back(s);
    }
    return out;
  }

 private:
  const Json& v_;
  std::string path_;
};

const std::vector<std::string> kRuleKinds = {"same_agency_refused", "board_mediates_only"};

const std::regex kSlug("^[a-z0-9]+(-[a-z0-9]+)*$");

std::string slug(const Reader& r, const char* key) {
  std::string s = r.text(key);
  if (!std::regex_match(s, kSlug))
    Reader(r.value()[key], r.path() + "." + key).fail("'" + s + "' must be lower-case letters and digits joined by '-'");
  return s;
}

const std::vector<std::string> kUnits = {"working_days", "calendar_days", "hours"};
const std::vector<std::string> kFromTypes = {"challenge_raised", "stage_started", "event"};
const std::vector<std::string> kAudiences = {"adults", "children", "both"};
const std::vector<std::string> kRegions = {"england-and-wales", "scotland", "northern-ireland"};
const std::vector<std::string> kFormSources = {
    "subject.name", "summary", "agreed_outcome", "copied_to", "resolution_stage", "time_taken", "notes",
    "signature.challenger", "signature.challenged", "stages", "discussions", "actions", "timeline", "views",
    "stage_history", "correspondence"};

std::vector<std::string> kind_names() {
  std::vector<std::string> out;
  for (auto k : all_event_kinds()) out.emplace_back(to_string(k));
  return out;
}

EventMatch read_match(const Reader& r);

Timescale read_timescale(const Reader& r, int this_stage) {
  r.object({"amount", "unit", "from", "source", "note", "met_by"});
  Timescale t;
  t.amount = r.integer("amount", 1, 365);
  std::string unit = r.one_of("unit", kUnits);
  t.unit = unit == "working_days" ? TimeUnit::WorkingDays : unit == "calendar_days" ? TimeUnit::CalendarDays : TimeUnit::Hours;
  Reader from = r.at("from");
  from.object({"type", "stage", "kind", "which"});
  std::string type = from.one_of("type", kFromTypes);
  if (type == "challenge_raised") {
    t.from.type = TimescaleFrom::Type::ChallengeRaised;
    if (from.has("stage") || from.has("kind")) from.fail("challenge_raised takes no stage or kind");
  } else if (type == "stage_started") {
    t.from.type = TimescaleFrom::Type::StageStarted;
    if (from.has("stage")) {
      t.from.stage = from.integer("stage", 1, 50);
      if (this_stage > 0 && t.from.stage > this_stage)
        from.at("stage").fail("a timescale cannot run from a later stage (" + std::to_string(t.from.stage) + ")");
    }
  } else {
    t.from.type = TimescaleFrom::Type::Event;
    t.from.kind = *parse_event_kind(from.one_of("kind", kind_names()));
    t.from.stage = from.integer("stage", 1, 50);
    if (this_stage > 0 && t.from.stage > this_stage)
      from.at("stage").fail("a timescale cannot run from an event at a later stage");
    if (from.has("which")) t.from.last = from.one_of("which", {"first", "last"}) == "last";
  }
  t.source = r.text("source");
  std::size_t nm = r.array("met_by", false);
  for (std::size_t i = 0; i < nm; ++i) t.met_by.push_back(read_match(r.at("met_by").at(i)));
  return t;
}

EventMatch read_match(const Reader& r) {
  r.object({"kind", "method", "to", "route"});
  EventMatch m;
  m.kind = *parse_event_kind(r.one_of("kind", kind_names()));
  if (r.has("method")) {
    if (m.kind != EventKind::DiscussionRecorded) r.at("method").fail("only discussion_recorded has a method");
    m.methods = r.strings("method", &discussion_methods());
  }
  if (r.has("to")) {
    if (m.kind != EventKind::NotificationSent) r.at("to").fail("only notification_sent has a recipient");
    m.to = r.text("to");
  }
  if (r.has("route")) {
    if (m.kind != EventKind::Referred) r.at("route").fail("only referred has a route");
    m.route = r.one_of("route", route_kinds());
  }
  return m;
}

RequiredAction read_required_action(const Reader& a, int stage, std::set<std::string>& action_ids,
                                    const std::set<std::string>& contact_ids) {
  a.object({"id", "text", "satisfied_by", "timescale", "source"});
  RequiredAction ra;
  ra.id = slug(a, "id");
  if (!action_ids.insert(ra.id).second) a.at("id").fail("required action id '" + ra.id + "' is used twice");
  ra.text = a.text("text");
  ra.source = a.text("source");
  std::size_t nm = a.array("satisfied_by");
  for (std::size_t m = 0; m < nm; ++m) {
    ra.satisfied_by.push_back(read_match(a.at("satisfied_by").at(m)));
    const auto& to = ra.satisfied_by.back().to;
    if (!to.empty() && !contact_ids.count(to))
      a.at("satisfied_by").at(m).at("to").fail("no board contact has id '" + to + "'");
  }
  if (a.has("timescale")) ra.timescale = read_timescale(a.at("timescale"), stage);
  return ra;
}

void read_rules(const Reader& r, Procedure& p) {
  std::size_t n = r.array("rules", false);
  std::set<std::string> ids;
  for (std::size_t i = 0; i < n; ++i) {
    Reader rule = r.at("rules").at(i);
    rule.object({"id", "kind", "source"});
    BoardRule b;
    b.id = slug(rule, "id");
    if (!ids.insert(b.id).second) rule.at("id").fail("rule id '" + b.id + "' is used twice");
    std::string kind = rule.one_of("kind", kRuleKinds);
    b.kind = kind == "same_agency_refused" ? RuleKind::SameAgencyRefused : RuleKind::BoardMediatesOnly;
    b.source = rule.text("source");
    p.rules.push_back(std::move(b));
  }
}

const std::vector<std::string> kWhen = {"stage_entered", "outcome_agreed", "event_recorded", "timescale_due",
                                        "timescale_missed"};

bool read_include(const Reader& r) {
  if (!r.has("include")) return false;
  for (const auto& i : r.strings("include", nullptr))
    if (i != "actions_taken") r.at("include").fail("'" + i + "' is not something a message can include (actions_taken)");
  return true;
}

MessageRule notification_message(const Reader& n, const RequiredAction& ra, int stage) {
  MessageRule m;
  m.id = ra.id;
  m.when = MessageRule::When::StageEntered;
  m.stage = stage;
  m.to = {"contact:" + ra.notify};
  m.asks = ra.text;
  m.source = ra.source;
  m.actions_taken = read_include(n);
  return m;
}

void check_recipients(const Reader& r, const std::vector<std::string>& to, const std::set<std::string>& contact_ids) {
  if (to.empty()) r.at("to").fail("name at least one recipient");
  for (const auto& t : to) {
    if (t == "raiser" || t == "acting" || t == "acting:challenger" || t == "acting:challenged") continue;
    if (t.rfind("contact:", 0) == 0 && contact_ids.count(t.substr(8))) continue;
    r.at("to").fail("'" + t + "' is not a recipient: give contact:ID (a board contact), raiser, acting, "
                    "acting:challenger or acting:challenged");
  }
}

MessageRule read_message(const Reader& r, const std::set<std::string>& contact_ids, int stages) {
  r.object({"id", "when", "to", "asks", "include", "source"});
  MessageRule m;
  m.id = slug(r, "id");
  Reader when = r.at("when");
  when.object({"type", "stage", "kind"});
  std::string type = when.one_of("type", kWhen);
  m.when = static_cast<MessageRule::When>(std::find(kWhen.begin(), kWhen.end(), type) - kWhen.begin());
  if (when.has("stage")) m.stage = when.integer("stage", 1, stages);
  if (m.when == MessageRule::When::StageEntered && m.stage == 0) when.fail("stage_entered needs a stage");
  if (m.when == MessageRule::When::EventRecorded) m.kind = *parse_event_kind(when.one_of("kind", kind_names()));
  else if (when.has("kind")) when.at("kind").fail("only event_recorded takes a kind");
  m.to = r.strings("to", nullptr);
  check_recipients(r, m.to, contact_ids);
  m.asks = r.text("asks");
  m.actions_taken = read_include(r);
  m.source = r.text("source");
  return m;
}

// Reminders and missed timescales go to the people acting at the stage unless the file
// says otherwise; the raiser also hears of a missed timescale.
void add_default_messages(Procedure& p) {
  auto has = [&](MessageRule::When w) {
    return std::any_of(p.messages.begin(), p.messages.end(), [&](const MessageRule& m) { return m.when == w; });
  };
  if (!has(MessageRule::When::TimescaleDue))
    p.messages.push_back({"reminder", MessageRule::When::TimescaleDue, 0, EventKind::Comment, {"acting"},
                          "act before the deadline below", "", false});
  if (!has(MessageRule::When::TimescaleMissed))
    p.messages.push_back({"missed", MessageRule::When::TimescaleMissed, 0, EventKind::Comment, {"acting", "raiser"},
                          "the timescale below was missed: agree what happens next, or escalate", "", false});
}

void read_messages(const Reader& r, Procedure& p, const std::set<std::string>& contact_ids) {
  std::set<std::string> ids;
  for (const auto& m : p.messages) ids.insert(m.id);
  std::size_t n = r.array("messages", false);
  for (std::size_t i = 0; i < n; ++i) {
    Reader m = r.at("messages").at(i);
    p.messages.push_back(read_message(m, contact_ids, p.last_stage()));
    if (!ids.insert(p.messages.back().id).second) m.at("id").fail("message id '" + p.messages.back().id + "' is used twice");
  }
  add_default_messages(p);
}

// Fills `c` from a Board's contact entry: only the fields it gives (the document's own
// words stay); marks it configured when it gave an address.
void merge_contact(Contact& c, const Reader& in) {
  for (auto [key, field] : {std::pair<const char*, std::string Contact::*>{"label", &Contact::label},
                            {"phone", &Contact::phone}, {"email", &Contact::email}, {"url", &Contact::url},
                            {"address", &Contact::address}, {"note", &Contact::note}}) {
    std::string v = in.text(key, false);
    if (!v.empty()) c.*field = v;
  }
  for (const char* k : {"phone", "email", "url", "address"}) c.configured = c.configured || !in.text(k, false).empty();
}

}  // namespace

std::string_view to_string(RuleKind k) {
  return k == RuleKind::SameAgencyRefused ? "same_agency_refused" : "board_mediates_only";
}

std::string_view to_string(MessageRule::When w) {
  static const char* const names[] = {"stage_entered", "outcome_agreed", "event_recorded", "timescale_due",
                                      "timescale_missed"};
  return names[static_cast<int>(w)];
}

std::string contact_words(const Contact& c) {
  std::string out;
  auto add = [&](const char* label, const std::string& v) {
    if (!v.empty()) out += (out.empty() ? "" : " · ") + std::string(label) + v;
  };
  add("phone ", c.phone);
  add("email ", c.email);
  add("web ", c.url);
  add("address ", c.address);
  if (out.empty())
    return "no address is published in the procedure and the Board has not configured one: ask the Board's "
           "business unit, or an administrator adds it in a Board contacts file (docs/procedures.md)";
  return out + (c.configured ? " (from the Board's configuration)" : "");
}

const std::vector<std::string>& role_levels() {
  static const std::vector<std::string> v = {"practitioner", "line_manager", "safeguarding_lead",
                                             "senior_manager", "director", "board"};
  return v;
}
const std::vector<std::string>& discussion_methods() {
  static const std::vector<std::string> v = {"face_to_face", "phone", "email", "meeting", "letter", "video", "other"};
  return v;
}
const std::vector<std::string>& route_kinds() {
  static const std::vector<std::string> v = {"complaints", "court_of_protection", "mca_best_interests",
                                             "safeguarding_referral", "emergency_services",
                                             "own_agency_procedure", "care_provider", "education"};
  return v;
}

std::string_view to_string(TimeUnit u) {
  switch (u) {
    case TimeUnit::WorkingDays: return "working_days";
    case TimeUnit::CalendarDays: return "calendar_days";
    case TimeUnit::Hours: return "hours";
  }
  return "working_days";
}

const Stage* Procedure::stage(int number) const {
  for (const auto& s : stages)
    if (s.number == number) return &s;
  return nullptr;
}

const BoardRule* Procedure::rule(RuleKind kind) const {
  for (const auto& r : rules)
    if (r.kind == kind) return &r;
  return nullptr;
}

const Contact* Procedure::contact(std::string_view id) const {
  for (const auto& c : board.contacts)
    if (c.id == id) return &c;
  return nullptr;
}

Procedure parse_procedure(std::string_view json_text) {
  Json doc;
  try {
    doc = Json::parse(json_text);
  } catch (const Json::exception& e) {   // parse_error, or out_of_range for a number like 1e456
    throw ProcedureError(std::string("procedure file is not valid JSON: ") + e.what());
  }
  Reader r(doc, "procedure");
  r.object({"$schema", "format", "version", "id", "title", "source_document", "board", "emergency_guidance",
            "expedite", "stages", "after_resolution", "resolution_timescale", "rules", "messages", "routes",
            "forms", "interpretations"});
  if (r.text("format") != "parley-procedure") r.at("format").fail("must be \"parley-procedure\"");
  if (r.integer("version", 1, 1000) != 1) r.at("version").fail("this Parley reads version 1 procedure files");

  Procedure p;
  p.raw = doc;
  p.digest = sha256_hex(json_text);
  p.id = slug(r, "id");
  p.title = r.text("title");
  p.source_document = r.text("source_document");

  Reader board = r.at("board");
  board.object({"name", "short_name", "region", "audience", "contacts"});
  p.board.name = board.text("name");
  p.board.short_name = board.text("short_name");
  p.board.region = *parse_region(board.one_of("region", kRegions));
  p.board.audience = board.one_of("audience", kAudiences);
  std::size_t nc = board.array("contacts");
  std::set<std::string> contact_ids;
  for (std::size_t i = 0; i < nc; ++i) {
    Reader c = board.at("contacts").at(i);
    c.object({"id", "label", "phone", "email", "url", "address", "note", "source"});
    Contact ct{slug(c, "id"), c.text("label"), c.text("phone", false), c.text("email", false),
               c.text("url", false), c.text("address", false), c.text("note", false), c.text("source")};
    if (!contact_ids.insert(ct.id).second) c.at("id").fail("contact id '" + ct.id + "' is used twice");
    if (ct.phone.empty() && ct.email.empty() && ct.url.empty() && ct.address.empty() && ct.note.empty())
      c.fail("a contact needs a phone, email, url, address, or a note saying what the Board must configure");
    p.board.contacts.push_back(std::move(ct));
  }

  Reader em = r.at("emergency_guidance");
  em.object({"text", "contacts", "source"});
  p.emergency.text = em.text("text");
  p.emergency.source = em.text("source");
  p.emergency.contacts = em.strings("contacts", nullptr);
  for (std::size_t i = 0; i < p.emergency.contacts.size(); ++i)
    if (!contact_ids.count(p.emergency.contacts[i]))
      em.at("contacts").at(i).fail("no board contact has id '" + p.emergency.contacts[i] + "'");

  if (r.has("expedite")) {
    Reader ex = r.at("expedite");
    ex.object({"text", "source"});
    p.expedite_text = ex.text("text");
    ex.text("source");
  }

  std::size_t ns = r.array("stages");
  if (ns == 0) r.at("stages").fail("a procedure needs at least one stage");
  std::set<std::string> action_ids;
  for (std::size_t i = 0; i < ns; ++i) {
    Reader s = r.at("stages").at(i);
    s.object({"number", "name", "who", "timescale", "required_actions", "notifications", "source"});
    Stage st;
    st.number = s.integer("number", 1, 50);
    if (st.number != static_cast<int>(i) + 1)
      s.at("number").fail("stages must be numbered 1, 2, 3 ... in order; expected " + std::to_string(i + 1));
    st.name = s.text("name");
    st.source = s.text("source");
    Reader who = s.at("who");
    who.object({"challenger", "challenged", "description"});
    st.challenger_roles = who.strings("challenger", &role_levels());
    st.challenged_roles = who.strings("challenged", &role_levels());
    st.who_description = who.text("description");
    if (s.has("timescale")) st.timescale = read_timescale(s.at("timescale"), st.number);
    std::size_t na = s.array("required_actions", false);
    for (std::size_t k = 0; k < na; ++k)
      st.required_actions.push_back(read_required_action(s.at("required_actions").at(k), st.number, action_ids, contact_ids));
    std::size_t nn = s.array("notifications", false);
    for (std::size_t k = 0; k < nn; ++k) {
      Reader n = s.at("notifications").at(k);
      n.object({"id", "to", "text", "include", "source"});
      RequiredAction ra;
      ra.id = slug(n, "id");
      if (!action_ids.insert(ra.id).second) n.at("id").fail("id '" + ra.id + "' is used twice");
      ra.notify = n.text("to");
      if (!contact_ids.count(ra.notify)) n.at("to").fail("no board contact has id '" + ra.notify + "'");
      ra.text = n.text("text");
      ra.source = n.text("source");
      EventMatch m;
      m.kind = EventKind::NotificationSent;
      m.to = ra.notify;
      ra.satisfied_by.push_back(m);
      p.messages.push_back(notification_message(n, ra, st.number));
      st.required_actions.push_back(std::move(ra));
    }
    p.stages.push_back(std::move(st));
  }

  std::size_t nar = r.array("after_resolution", false);
  for (std::size_t i = 0; i < nar; ++i)
    p.after_resolution.push_back(read_required_action(r.at("after_resolution").at(i), 0, action_ids, contact_ids));
  if (r.has("resolution_timescale")) p.resolution_timescale = read_timescale(r.at("resolution_timescale"), 0);
  read_rules(r, p);
  read_messages(r, p, contact_ids);

  std::size_t nr = r.array("routes", false);
  for (std::size_t i = 0; i < nr; ++i) {
    Reader rt = r.at("routes").at(i);
    rt.object({"id", "kind", "name", "text", "available_from_stage", "contacts", "offered_when", "source"});
    Route route{slug(rt, "id"), rt.one_of("kind", route_kinds()), rt.text("name"), rt.text("text"), rt.text("source"), 1, {}};
    if (rt.has("contacts")) route.contacts = rt.strings("contacts", nullptr);
    for (std::size_t k = 0; k < route.contacts.size(); ++k)
      if (!contact_ids.count(route.contacts[k]))
        rt.at("contacts").at(k).fail("no board contact has id '" + route.contacts[k] + "'");
    if (rt.has("offered_when")) route.when_lacks_capacity = rt.one_of("offered_when", {"subject_lacks_capacity"}) != "";
    if (rt.has("available_from_stage")) route.available_from_stage = rt.integer("available_from_stage", 1, static_cast<int>(ns));
    p.routes.push_back(std::move(route));
  }

  std::size_t nf = r.array("forms");
  if (nf == 0) r.at("forms").fail("a procedure needs at least one record form");
  for (std::size_t i = 0; i < nf; ++i) {
    Reader f = r.at("forms").at(i);
    f.object({"id", "title", "fields", "note", "source"});
    Form form{slug(f, "id"), f.text("title"), f.text("note", false), f.text("source"), {}};
    std::size_t nfl = f.array("fields");
    for (std::size_t k = 0; k < nfl; ++k) {
      Reader fl = f.at("fields").at(k);
      fl.object({"id", "label", "from", "source"});
      form.fields.push_back({fl.text("id"), fl.text("label"), fl.one_of("from", kFormSources), fl.text("source", false)});
    }
    p.forms.push_back(std::move(form));
  }

  std::size_t ni = r.array("interpretations", false);
  for (std::size_t i = 0; i < ni; ++i) {
    Reader in = r.at("interpretations").at(i);
    in.object({"id", "decision", "source"});
    p.interpretations.push_back({slug(in, "id"), in.text("decision"), in.text("source")});
  }
  return p;
}

ProcedureLibrary ProcedureLibrary::builtin() {
  ProcedureLibrary lib;
  for (const auto& f : embedded_files()) {
    if (f.path.rfind("procedures/", 0) != 0 || f.path.find(".schema.") != std::string_view::npos) continue;
    try {
      lib.add(parse_procedure(f.content));
    } catch (const ProcedureError& e) {
      throw ProcedureError(std::string(f.path) + ": " + e.what());
    }
  }
  return lib;
}

void ProcedureLibrary::add(Procedure p) {
  std::string id = p.id;
  procedures_.insert_or_assign(std::move(id), std::move(p));
}

void ProcedureLibrary::add_directory(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw ProcedureError(dir + ": not a directory of procedure files");
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().extension() == ".json" && entry.path().filename().string().find(".schema.") == std::string::npos)
      files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  std::vector<std::string> contacts_files;
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    try {
      Json head = Json::parse(ss.str(), nullptr, false);
      if (head.is_object() && head.value("format", "") == "parley-board-contacts") contacts_files.push_back(ss.str());
      else add(parse_procedure(ss.str()));
    } catch (const ProcedureError& e) {
      throw ProcedureError(path.string() + ": " + e.what());
    }
  }
  // Contacts after procedures, so a Board's file may name a procedure from the same folder.
  for (std::size_t i = 0; i < contacts_files.size(); ++i) add_contacts(contacts_files[i]);
}

void ProcedureLibrary::add_contacts(std::string_view json_text) {
  Json doc;
  try {
    doc = Json::parse(json_text);
  } catch (const Json::exception& e) {
    throw ProcedureError(std::string("Board contacts file is not valid JSON: ") + e.what());
  }
  Reader r(doc, "contacts");
  r.object({"$schema", "format", "version", "procedure", "contacts"});
  if (r.text("format") != "parley-board-contacts") r.at("format").fail("must be \"parley-board-contacts\"");
  if (r.integer("version", 1, 1000) != 1) r.at("version").fail("this Parley reads version 1 Board contacts files");
  std::string id = r.text("procedure");
  auto it = procedures_.find(id);
  if (it == procedures_.end()) r.at("procedure").fail("no procedure '" + id + "' is loaded");
  Procedure& p = it->second;
  std::size_t n = r.array("contacts");
  for (std::size_t i = 0; i < n; ++i) {
    Reader c = r.at("contacts").at(i);
    c.object({"id", "label", "phone", "email", "url", "address", "note"});
    std::string cid = slug(c, "id");
    auto existing = std::find_if(p.board.contacts.begin(), p.board.contacts.end(), [&](const Contact& k) { return k.id == cid; });
    if (existing == p.board.contacts.end()) {
      Contact fresh;
      fresh.id = cid;
      fresh.label = c.text("label");
      fresh.source = "Added by the Board's contacts file.";
      p.board.contacts.push_back(fresh);
      existing = std::prev(p.board.contacts.end());
    }
    merge_contact(*existing, c);
  }
}

const Procedure* ProcedureLibrary::find(std::string_view id) const {
  auto it = procedures_.find(id);
  return it == procedures_.end() ? nullptr : &it->second;
}

std::vector<const Procedure*> ProcedureLibrary::all() const {
  std::vector<const Procedure*> out;
  for (const auto& [id, p] : procedures_) out.push_back(&p);
  return out;
}

std::int64_t timescale_end(const Timescale& t, Region region, std::int64_t from_ms, const Calendar& calendar) {
  switch (t.unit) {
    case TimeUnit::Hours:
      return from_ms + std::int64_t(t.amount) * 3600 * 1000;
    case TimeUnit::CalendarDays:
      return uk_end_of_day_utc_ms(add_days(uk_local_date(from_ms), t.amount));
    case TimeUnit::WorkingDays:
      return uk_end_of_day_utc_ms(calendar.add_working_days(region, uk_local_date(from_ms), t.amount));
  }
  return from_ms;
}

}  // namespace parley
