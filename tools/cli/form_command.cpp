// tools/cli/form_command.cpp — `parley form` (see form_command.h).
//
// The rows are core/report.h's fill_form, the same the client shows and prints; this file
// only chooses the form and the format and writes the result. A form holds personal data,
// so a file is written as the export is — whole or not at all (temporary file, then
// rename) — and readable by its owner only (0600).
#include "tools/cli/form_command.h"


#include <cstdio>
#include <filesystem>
#include <iostream>

#include "core/report.h"
#include "tools/common/form_pdf.h"
#include "tools/common/private_file.h"

namespace parley::cli {
namespace {

enum class Format { Text, Html, Pdf };

const char* kUsage = "usage: parley --db FILE form CHALLENGE-ID [--form FORM-ID] [--format text|html|pdf] [--out FILE] [--as-of TIME]";

Format parse_format(const std::string& text) {
  if (text == "text") return Format::Text;
  if (text == "html") return Format::Html;
  if (text == "pdf") return Format::Pdf;
  throw UsageError("--format: '" + text + "' is not one of text, html, pdf");
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// --format, else the --out file's extension, else text on the terminal.
Format choose_format(const Args& args) {
  if (args.has("format")) return parse_format(args.get("format"));
  if (!args.has("out")) return Format::Text;
  std::string ext = std::filesystem::path(args.get("out")).extension().string();
  for (auto& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (ext == ".pdf") return Format::Pdf;
  if (ext == ".html" || ext == ".htm") return Format::Html;
  if (ext == ".txt") return Format::Text;
  throw UsageError("--out: cannot tell the format from '" + args.get("out") + "'; name it .pdf, .html or .txt, or add --format");
}

// The --form named, or the procedure's first; an unknown id is refused with the list.
const Form& choose_form(const Procedure& p, const Args& args) {
  if (p.forms.empty()) throw std::runtime_error("procedure " + p.id + " defines no record form");
  if (!args.has("form")) return p.forms.front();
  std::string ids;
  for (const auto& f : p.forms) {
    if (f.id == args.get("form")) return f;
    ids += (ids.empty() ? "" : ", ") + f.id;
  }
  throw UsageError("--form: '" + args.get("form") + "' is not a form of " + p.id + "; its forms: " + ids);
}

std::string as_text(const ChallengeView& v, const Form& form, std::int64_t printed_at) {
  std::string out = form.title + "\n" + form_subtitle(v) + "\n";
  for (const auto& row : fill_form(v, form)) {
    out += "\n" + row.label + "\n";
    std::size_t start = 0;
    for (std::size_t nl; (nl = row.value.find('\n', start)) != std::string::npos; start = nl + 1)
      out += "  " + row.value.substr(start, nl - start) + "\n";
    out += "  " + row.value.substr(start) + "\n";
  }
  if (!form.note.empty()) out += "\n" + form.note + "\n";
  return out + "\n" + form_footer(v, printed_at) + "\n";
}

Json as_json(const ChallengeView& v, const Form& form) {
  Json rows = Json::array();
  for (const auto& row : fill_form(v, form)) rows.push_back({{"label", row.label}, {"value", row.value}});
  return {{"form", form.id}, {"title", form.title}, {"challenge", v.state.id}, {"rows", rows}};
}

}  // namespace

int cmd_form(Context& c) {
  c.args.only("form", {"form", "format", "out", "as-of"});
  if (c.args.words.size() != 2) throw UsageError(kUsage);
  const Format format = choose_format(c.args);
  if (c.json && (format != Format::Text || c.args.has("out")))
    throw UsageError("--json prints the form's rows on the terminal; leave out --out and --format, or --json");
  if (format == Format::Pdf && !c.args.has("out"))
    throw UsageError("--format pdf needs --out FILE.pdf (a PDF is not printed on the terminal)");
  const std::int64_t now = c.clock->now_ms();
  std::optional<std::int64_t> as_of;
  if (c.args.has("as-of")) as_of = parse_time_arg(c.args.get("as-of"), "--as-of");

  Db db = open_db(c, false);
  const std::string& id = c.args.words[1];
  // As of a time: only what had happened by then (engine.h), as the record stood.
  ChallengeView v = as_of ? db.engine->view_as_of(id, *as_of) : db.engine->view(id, now);
  const Form& form = choose_form(*v.procedure, c.args);

  if (c.json) {
    std::cout << as_json(v, form).dump(2) << "\n";
    return 0;
  }
  std::string bytes = format == Format::Pdf    ? tools::form_pdf(v, form, now)
                      : format == Format::Html ? form_html(v, form, now)
                                               : as_text(v, form, now);
  if (!c.args.has("out")) {
    std::cout << bytes;
    return 0;
  }
  tools::write_private_file(c.args.get("out"), bytes);
  std::fprintf(stderr, "Wrote %s (%s, challenge %s)\n", c.args.get("out").c_str(), form.title.c_str(), id.c_str());
  return 0;
}

}  // namespace parley::cli
