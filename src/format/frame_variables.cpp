// Frame variables: locate each variable of a frame (dwarf/location.h), then print it with the
// formatter layer. A value that is not in memory (a register, a stack value, pieces) is put in
// an overlay at an address no x86-64 kernel or user pointer can have, so the formatters read
// it like any other value.
#include "krdb/format/frame_variables.h"

#include <cstring>
#include <memory>

#include <fmt/format.h>

namespace krdb {
namespace {

uint64_t value_size(DebugInfo& info, TypeId type) {
  auto t = info.strip_typedefs(type);
  if (!t) return 8;
  if ((*t)->size) return *(*t)->size;
  return 8;  // pointers and references without DW_AT_byte_size
}

}  // namespace

std::string unavailable_text(const Error& error) {
  bool optimised = error.message.find("optimised out") != std::string::npos;
  return optimised ? "<optimised out>" : "<unavailable: " + error.message + ">";
}

FrameContext frame_context(const Backtrace& backtrace, size_t physical_index, LoadMap load, Memory& memory) {
  FrameContext c;
  const Frame& f = backtrace.frames.at(physical_index);
  c.pc = lookup_address(f);
  c.load = std::move(load);
  c.registers = &f.regs;
  c.memory = &memory;
  // x86-64: the CFA is the caller's sp once this frame returned, i.e. the next frame's sp — unless
  // that frame was reached through a pt_regs (its sp is the interrupted context's, not ours).
  if (physical_index + 1 < backtrace.frames.size()) {
    const Frame& outer = backtrace.frames[physical_index + 1];
    if (!outer.pt_regs && outer.method != "pt_regs") c.cfa = outer.sp;
  }
  return c;
}

std::vector<FrameVariableValue> frame_variables(ValueFormatter& formatter, const FrameInfo& frame,
                                                const FrameContext& context) {
  std::vector<FrameVariableValue> out;
  FrameContext c = context;
  c.frame_base = &frame.frame_base;
  for (const Variable& v : frame.variables) {
    FrameVariableValue value;
    value.name = v.name.empty() ? "<unnamed>" : v.name;
    value.parameter = v.parameter;
    value.type = v.type ? formatter.type_name(v.type) : "?";
    uint64_t size = v.type ? value_size(formatter.debug_info(), v.type) : 8;
    auto where = evaluate_location(v.location, size, c);
    if (!where) {
      value.text = unavailable_text(where.error());
    } else if (!v.type) {
      value.text = "<no type in DWARF>";
    } else if (where->in_memory()) {
      value.address = where->address;
      value.text = formatter.format({v.type, *where->address});
      value.available = true;
    } else {
      OverlayMemory overlay(formatter.memory(), std::move(where->bytes));
      ValueFormatter in_overlay(formatter.debug_info(), overlay, formatter.load(), formatter.options());
      value.text = in_overlay.format({v.type, kOverlayBase});
      value.available = true;
    }
    out.push_back(std::move(value));
  }
  return out;
}

Expected<std::string> frame_expression(ValueFormatter& formatter, const FrameInfo& frame,
                                       const FrameContext& context, const std::string& expression) {
  std::string name = ValueFormatter::leading_name(expression);
  const Variable* var = nullptr;
  for (const Variable& v : frame.variables)  // innermost last: the one the source sees at the pc
    if (!name.empty() && v.name == name) var = &v;
  if (!var) {  // a global, or a cast
    auto v = formatter.evaluate(expression);
    if (!v && v.error().kind == ErrorKind::NotFound && !name.empty() && name == ValueFormatter::leading_name(expression))
      return Error(ErrorKind::NotFound,
                   fmt::format("'{}' is not a variable of {} and {}", name, frame.display_name(), v.error().message),
                   v.error().context);
    if (!v) return v.error();
    return formatter.format(*v);
  }
  if (!var->type) return Error(ErrorKind::NotFound, name + " has no type in DWARF", expression);
  FrameContext c = context;
  c.frame_base = &frame.frame_base;
  auto where = evaluate_location(var->location, value_size(formatter.debug_info(), var->type), c);
  if (!where) return Error(ErrorKind::NotFound, fmt::format("{} is {} here", name, unavailable_text(where.error())), expression);
  auto print = [&](ValueFormatter& f, uint64_t address) -> Expected<std::string> {
    auto v = f.evaluate(expression, [&](const std::string& n) -> std::optional<ValueRef> {
      if (n == name) return ValueRef{var->type, address};
      return std::nullopt;
    });
    if (!v) return v.error();
    return f.format(*v);
  };
  if (where->in_memory()) return print(formatter, *where->address);
  OverlayMemory overlay(formatter.memory(), std::move(where->bytes));
  ValueFormatter in_overlay(formatter.debug_info(), overlay, formatter.load(), formatter.options());
  return print(in_overlay, kOverlayBase);
}

namespace {

// DW_OP_entry_value(DW_OP_regN) in the frame below `caller_index`: what the caller passed in
// register N, from the call site its DWARF records at the return address (evaluated in the
// caller's frame, without entry values of its own: one level).
Expected<uint64_t> entry_register_value(KernelProgram& program, KernelUnwinder& unwinder, const Backtrace& backtrace,
                                        size_t caller_index, unsigned dwarf_register) {
  const Frame& caller = backtrace.frames[caller_index];
  auto place = unwinder.debug_place(lookup_address(caller));
  if (!place) return Error(ErrorKind::NotFound, "no DWARF covers the caller");
  AddressInfo where = place->info->symbolize(place->file_address, {.variables = true});
  if (where.frames.empty()) return Error(ErrorKind::NotFound, "no DWARF function covers the caller");
  const FrameInfo& function = where.frames.back();  // the concrete function the call is in
  auto values = place->info->call_site_values(function.die_offset, place->load.file(caller.pc));
  if (!values) return values.error();
  for (const auto& v : *values) {
    if (v.dwarf_register != dwarf_register) continue;
    FrameContext context = frame_context(backtrace, caller_index, place->load, program.memory());
    context.frame_base = &function.frame_base;
    auto value = evaluate_location(v.value, 8, context, program.limits());
    if (!value) return value.error();
    if (value->in_memory()) return *value->address;  // a value expression: its result
    if (value->bytes.size() < 8) return Error(ErrorKind::BadData, "call-site value shorter than a register");
    uint64_t out = 0;
    std::memcpy(&out, value->bytes.data(), 8);
    return out;
  }
  return Error(ErrorKind::NotFound, fmt::format("the caller's call site does not record what it passed in register {}", dwarf_register));
}

// A kernel frame's DWARF function, typed by the file that describes its pc (the vmlinux, or the
// module's .ko as the unwinder found it), with a formatter over that file at its slide.
struct KernelFrame {
  std::unique_ptr<ValueFormatter> formatter;
  FrameInfo function;
  FrameContext context;
};

Expected<KernelFrame> kernel_frame(KernelProgram& program, KernelUnwinder& unwinder,
                                   const Backtrace& backtrace, FrameNumber number, FormatOptions options) {
  if (number.physical >= backtrace.frames.size()) return Error(ErrorKind::Usage, "no such frame");
  const Frame& f = backtrace.frames[number.physical];
  uint64_t lookup = lookup_address(f);
  auto place = unwinder.debug_place(lookup);
  if (!place)
    return Error(ErrorKind::NotFound,
                 f.module.empty() ? std::string("no DWARF covers this frame's pc")
                                  : "no debug info for module " + f.module + " (give its .ko: --module, --modules)",
                 fmt::format("{:#x}", f.pc));
  AddressInfo where = place->info->symbolize(place->file_address, {.variables = true});
  if (number.inlined >= where.frames.size())
    return Error(ErrorKind::NotFound, "no DWARF function covers this frame's pc", fmt::format("{:#x}", f.pc));
  // The concrete function (the outermost of those inlined at the pc) is the one entered by a call.
  bool called = number.inlined + 1 == where.frames.size();
  KernelFrame k;
  k.formatter = std::make_unique<ValueFormatter>(*place->info, program.memory(), place->load, options);
  k.function = std::move(where.frames[number.inlined]);
  k.context = frame_context(backtrace, number.physical, place->load, program.memory());
  // Parameters whose registers were reused: what the caller passed (C: gcc records call sites).
  size_t caller = number.physical + 1;
  if (called && caller < backtrace.frames.size() && !backtrace.frames[caller].pt_regs &&
      backtrace.frames[caller].method != "pt_regs")
    k.context.entry_register = [&program, &unwinder, &backtrace, caller](unsigned reg) {
      return entry_register_value(program, unwinder, backtrace, caller, reg);
    };
  return k;
}

}  // namespace

Expected<std::vector<FrameVariableValue>> kernel_frame_variables(KernelProgram& program, KernelUnwinder& unwinder,
                                                                 const Backtrace& backtrace, FrameNumber number,
                                                                 FormatOptions options) {
  auto k = kernel_frame(program, unwinder, backtrace, number, options);
  if (!k) return k.error();
  return frame_variables(*k->formatter, k->function, k->context);
}

Expected<std::string> kernel_frame_expression(KernelProgram& program, KernelUnwinder& unwinder,
                                              const Backtrace& backtrace, FrameNumber number,
                                              const std::string& expression, FormatOptions options) {
  auto k = kernel_frame(program, unwinder, backtrace, number, options);
  if (!k) return k.error();
  return frame_expression(*k->formatter, k->function, k->context, expression);
}

}  // namespace krdb
