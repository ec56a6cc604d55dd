#include "krdb/report/panic_report.h"

#include <fmt/format.h>

#include "krdb/report/address_report.h"
#include "krdb/report/variables_report.h"

namespace krdb {

std::string format_panic_text(const PanicReport& r, const BacktraceStyle& style) {
  std::string out;
  if (!r.title.empty()) out += fmt::format("CRASH    {}\n", r.title);
  out += fmt::format("PANIC    {}\n", r.panic_message.value_or("(no panic message in the kernel log)"));
  if (r.rust_panic)
    out += fmt::format("RUST     panicked at {}:{}:{}\n         {}\n", r.rust_panic->file, r.rust_panic->line,
               r.rust_panic->column, r.rust_panic->message);
  for (const auto& l : r.oops_lines) out += fmt::format("OOPS     {}\n", l);
  if (r.task)
    out += fmt::format("TASK     pid {} ({}) on CPU {}{}\n", r.task->pid, r.task->comm,
               r.cpu ? std::to_string(*r.cpu) : "?", r.taint ? " · " + *r.taint : "");
  if (r.backtrace && r.faulting_frame) {
    const KernelFrame& f = r.backtrace->frames[*r.faulting_frame];
    out += fmt::format("FAULT    {} at {} [{}], behind {}\n", f.where.function_name(style.form),
               f.where.frames.empty() ? "??" : format_location(f.where.frames.front().location),
               to_string(f.where.language), r.backtrace->frames[*r.faulting_frame - 1].trap);
  }
  if (r.backtrace && r.rust_frame) {
    const FrameInfo& fi = r.backtrace->frames[r.rust_frame->physical].where.frames[r.rust_frame->inlined];
    size_t number = r.backtrace->number_of(r.rust_frame->physical) + r.rust_frame->inlined -
                    r.backtrace->number_of(r.faulting_frame.value_or(0));
    out += fmt::format("RUST AT  {} at {} (frame #{} below)\n", fi.display_name(style.form),
               format_location(fi.location), number);
    if (!r.rust_variables.empty()) out += "LOCALS\n" + format_variables(r.rust_variables, "         ");
  }
  out += fmt::format("SIGNATURE {}\n\n", r.signature);
  if (r.backtrace) {
    KernelBacktrace from_fault = *r.backtrace;
    if (r.faulting_frame) {
      out += fmt::format("Stack from the faulting frame down (the {} frames above it are the panic path; "
                 "`krdb bt` shows them):\n", *r.faulting_frame);
      from_fault.frames.erase(from_fault.frames.begin(),
                              from_fault.frames.begin() + std::ptrdiff_t(*r.faulting_frame));
      from_fault.frames.front().pt_regs.reset();
    }
    out += format_backtrace(from_fault, style);
  }
  return out;
}

nlohmann::json panic_to_json(const PanicReport& r, const BacktraceStyle& style) {
  nlohmann::json j;
  if (r.panic_message) j["panic_message"] = *r.panic_message;
  if (r.rust_panic)
    j["rust_panic"] = {{"file", r.rust_panic->file}, {"line", r.rust_panic->line},
                       {"column", r.rust_panic->column}, {"message", r.rust_panic->message}};
  j["oops"] = r.oops_lines;
  if (r.taint) j["taint"] = *r.taint;
  if (r.cpu) j["cpu"] = *r.cpu;
  if (r.task) j["task"] = {{"pid", r.task->pid}, {"comm", r.task->comm}};
  if (r.backtrace) j["backtrace"] = backtrace_to_json(*r.backtrace, style);
  if (r.faulting_frame) j["faulting_frame"] = *r.faulting_frame;
  if (r.backtrace && r.rust_frame) {
    const FrameInfo& fi = r.backtrace->frames[r.rust_frame->physical].where.frames[r.rust_frame->inlined];
    j["rust_frame"] = {{"number", r.backtrace->number_of(r.rust_frame->physical) + r.rust_frame->inlined},
                       {"function", fi.display_name(style.form)},
                       {"variables", variables_json(r.rust_variables)}};
  }
  j["title"] = r.title;
  j["signature"] = r.signature;
  j["problems"] = r.problems;
  return j;
}

}  // namespace krdb
