#include "krdb/report/triage_report.h"

#include <fmt/format.h>

#include "krdb/report/variables_report.h"

namespace krdb {

namespace {

std::string where(const TriageSource& s) {
  if (!s.line) return {};
  std::string file = s.file.substr(s.file.rfind('/') == std::string::npos ? 0 : s.file.rfind('/') + 1);
  return s.column ? fmt::format("{}:{}:{}", file, s.line, s.column) : fmt::format("{}:{}", file, s.line);
}

// The line in the frame's own function (the outermost of its inline chain).
std::string where(const TriageFrame& f) { return f.source.empty() ? "" : where(f.source.back()); }

std::string language(Language l) { return l == Language::Unknown ? "" : std::string(to_string(l)); }

std::string frame_label(const TriageFrame& f) {
  std::string s = f.function;
  if (!f.symbol.empty()) s += fmt::format("+{:#x}", f.offset);
  if (!f.module.empty()) s += " [" + f.module + "]";
  return s;
}

std::string who(const TriageReport& r) {
  std::vector<std::string> parts{to_string(r.kind)};
  if (!r.taint.empty()) parts.push_back(r.taint);
  if (!r.release.empty()) parts.push_back(r.release);
  if (r.pid) parts.push_back(fmt::format("pid {}{}{}", *r.pid, r.comm.empty() ? "" : " (" + r.comm + ")",
                                         r.cpu ? fmt::format(" on CPU {}", *r.cpu) : ""));
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : " · ") + p;
  return out;
}

nlohmann::json frame_json(const TriageFrame& f) {
  nlohmann::json j{{"function", f.function}, {"symbol", f.symbol}, {"normalized", f.normalized},
                   {"module", f.module}, {"offset", f.offset}, {"size", f.size},
                   {"unreliable", f.unreliable}, {"rip", f.is_rip}, {"context", f.context},
                   {"language", std::string(to_string(f.language))}};
  nlohmann::json src = nlohmann::json::array();
  for (const TriageSource& s : f.source)
    src.push_back({{"function", s.function}, {"file", s.file}, {"line", s.line}, {"column", s.column},
                   {"inlined", s.inlined}, {"language", std::string(to_string(s.language))}});
  j["source"] = src;
  return j;
}

}  // namespace

std::string format_triage_text(const TriageResult& result, bool stacks) {
  std::string out;
  if (result.error) return fmt::format("ERROR    {}: {}\n", result.path, result.error->describe());
  if (!result.crashed()) {
    out = fmt::format("OK       no crash report in {}\n", result.path);
  }
  for (size_t i = 0; i < result.reports.size(); ++i) {
    const TriageReport& r = result.reports[i];
    if (i > 0) out += fmt::format("\n-- report {} of {} (lines {}–{}) --\n", i + 1, result.reports.size(),
                                  r.first_line, r.last_line);
    out += fmt::format("CRASH    {}\n", r.title);
    out += fmt::format("KIND     {}\n", who(r));
    if (r.rust_panic)
      out += fmt::format("RUST     panicked at {}:{}:{}: {}\n", r.rust_panic->file, r.rust_panic->line,
                         r.rust_panic->column, r.rust_panic->message);
    if (r.panic_message) out += fmt::format("PANIC    {}\n", *r.panic_message);
    if (r.guilty) {
      const TriageFrame& g = r.frames[*r.guilty];
      std::string at = where(g);
      out += fmt::format("GUILTY   {}{}{}\n", frame_label(g), at.empty() ? "" : " at " + at,
                         g.language == Language::Unknown ? "" : fmt::format(" [{}]", to_string(g.language)));
    }
    out += fmt::format("SIGNATURE {} {}\n", r.signature.hash, r.signature.text);
    if (r.rust_variables)
      out += fmt::format("LOCALS   of {} (frame #{} on the panicking CPU)\n{}", r.rust_variables->function,
                         r.rust_variables->frame, format_variables(r.rust_variables->values, "         "));
    if (!r.modules.empty()) {
      std::string m;
      for (const auto& name : r.modules) m += (m.empty() ? "" : " ") + name;
      out += fmt::format("MODULES  {}\n", m);
    }
    if (stacks && !r.frames.empty()) {
      out += "STACK\n";
      std::string context;
      for (size_t k = 0; k < r.frames.size(); ++k) {
        const TriageFrame& f = r.frames[k];
        if (f.context != context && !f.context.empty()) out += fmt::format("  <{}>\n", f.context);
        context = f.context;
        std::string mark = f.is_rip ? "RIP" : f.unreliable ? "?" : "";
        out += fmt::format("  {:>3} {:<5}{:<4} {}{}\n", fmt::format("#{}", k), language(f.language),
                           r.guilty && *r.guilty == k ? "==>" : mark, frame_label(f),
                           where(f).empty() ? "" : " at " + where(f));
        // Functions inlined into this frame, outermost first, down to the instruction's line.
        for (size_t s = f.source.size(); s-- > 1;)
          out += fmt::format("               inlined: {} at {}\n", f.source[s - 1].function,
                             where(f.source[s - 1]));
      }
    }
    for (const auto& p : r.problems) out += fmt::format("note: {}\n", p);
  }
  for (const auto& p : result.problems) out += fmt::format("note: {}\n", p);
  return out;
}

std::string format_triage_markdown(const TriageResult& result) {
  std::string out;
  if (result.error) return fmt::format("**krdb triage**: `{}` could not be read: {}\n", result.path, result.error->describe());
  if (!result.crashed()) return fmt::format("**krdb triage**: no crash report in `{}`\n", result.path);
  for (const TriageReport& r : result.reports) {
    out += fmt::format("### {}\n\n", r.title);
    out += fmt::format("- kind: `{}`\n- signature: `{}` ({})\n", to_string(r.kind), r.signature.hash, r.signature.text);
    if (!r.release.empty()) out += fmt::format("- kernel: {} · {}\n", r.release, r.taint);
    if (r.rust_panic)
      out += fmt::format("- Rust panic at `{}:{}:{}`: {}\n", r.rust_panic->file, r.rust_panic->line,
                         r.rust_panic->column, r.rust_panic->message);
    if (r.guilty) out += fmt::format("- guilty frame: `{}` {}\n", frame_label(r.frames[*r.guilty]), where(r.frames[*r.guilty]));
    if (r.rust_variables)
      out += fmt::format("- locals of `{}`:\n\n```\n{}```\n", r.rust_variables->function,
                         format_variables(r.rust_variables->values, ""));
    out += "\n```\n";
    for (const TriageFrame& f : r.frames)
      out += fmt::format("{}{}{}\n", f.unreliable ? "? " : "", frame_label(f), where(f).empty() ? "" : "  " + where(f));
    out += "```\n\n";
  }
  return out;
}

nlohmann::json triage_to_json(const TriageResult& result) {
  nlohmann::json j{{"schema", kTriageSchema}, {"source", result.source}, {"path", result.path},
                   {"crashed", result.crashed()}, {"problems", result.problems}};
  if (result.error) j["error"] = result.error->describe();
  nlohmann::json reports = nlohmann::json::array();
  for (const TriageReport& r : result.reports) {
    nlohmann::json o{{"kind", to_string(r.kind)}, {"title", r.title}, {"header", r.header},
                     {"signature", {{"hash", r.signature.hash}, {"text", r.signature.text}}},
                     {"detail", r.detail}, {"access", r.access}, {"location", r.location},
                     {"taint", r.taint}, {"release", r.release}, {"comm", r.comm},
                     {"modules", r.modules}, {"lines", {{"first", r.first_line}, {"last", r.last_line}}},
                     {"truncated", r.truncated}, {"excerpt", r.excerpt}, {"problems", r.problems}};
    o["pid"] = r.pid ? nlohmann::json(*r.pid) : nlohmann::json(nullptr);
    o["cpu"] = r.cpu ? nlohmann::json(*r.cpu) : nlohmann::json(nullptr);
    o["panic_message"] = r.panic_message ? nlohmann::json(*r.panic_message) : nlohmann::json(nullptr);
    o["rust_panic"] = r.rust_panic ? nlohmann::json{{"file", r.rust_panic->file}, {"line", r.rust_panic->line},
                                                    {"column", r.rust_panic->column},
                                                    {"message", r.rust_panic->message}}
                                   : nlohmann::json(nullptr);
    o["guilty_frame"] = r.guilty ? nlohmann::json(*r.guilty) : nlohmann::json(nullptr);
    o["rust_variables"] = r.rust_variables
                              ? nlohmann::json{{"function", r.rust_variables->function},
                                               {"frame", r.rust_variables->frame},
                                               {"variables", variables_json(r.rust_variables->values)}}
                              : nlohmann::json(nullptr);
    nlohmann::json frames = nlohmann::json::array();
    for (const TriageFrame& f : r.frames) frames.push_back(frame_json(f));
    o["frames"] = frames;
    reports.push_back(o);
  }
  j["reports"] = reports;
  return j;
}

}  // namespace krdb
