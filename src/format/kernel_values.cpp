#include "krdb/format/kernel_values.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace krdb {
namespace {

// What the expression needs a file to define: its leading variable, or the type of a cast.
struct NeededName {
  std::string name;
  bool is_type = false;
};

NeededName needed_name(const std::string& expression) {
  std::string lead = ValueFormatter::leading_name(expression);
  if (!lead.empty()) return {lead, false};
  std::string type = ValueFormatter::cast_type(expression);
  return {type, !type.empty()};
}

bool defines(DebugInfo& info, const NeededName& needed) {
  return needed.is_type ? info.find_type(needed.name).has_value() : info.variable_address(needed.name).has_value();
}

// "rust_values" of "rust_values::VALUES"; empty for a C name.
std::string crate_of(const std::string& name) {
  size_t sep = name.find("::");
  return sep == std::string::npos ? std::string() : name.substr(0, sep);
}

Expected<KernelValue> value_in(KernelProgram& program, DebugInfo& info, const LoadMap& load, const std::string& module,
                               const std::string& expression, FormatOptions options) {
  ValueFormatter formatter(info, program.memory(), load, options);
  auto v = formatter.evaluate(expression);
  if (!v) return v.error();
  return KernelValue{formatter.format(*v), formatter.type_name(v->type), v->address, module};
}

}  // namespace

Expected<KernelValue> kernel_global_value(KernelProgram& program, KernelUnwinder& unwinder,
                                          const std::string& expression, FormatOptions options) {
  NeededName needed = needed_name(expression);
  DebugInfo& vmlinux = program.debug_info();
  if (needed.name.empty() || defines(vmlinux, needed))
    return value_in(program, vmlinux, program.kaslr_offset(), "", expression, options);
  // A module's name uses '_' where its crate may not; the crate named by a Rust path goes first.
  auto modules = unwinder.module_debug_files();
  std::string crate = crate_of(needed.name);
  std::stable_partition(modules.begin(), modules.end(),
                        [&](const KernelUnwinder::ModuleDebug& m) { return !crate.empty() && m.name == crate; });
  std::vector<std::string> searched, without;
  for (const auto& m : modules) {
    if (!m.info) {
      without.push_back(m.name);
      continue;
    }
    if (defines(*m.info, needed)) return value_in(program, *m.info, m.load, m.name, expression, options);
    searched.push_back(m.name);
  }
  std::string where = searched.empty() ? "the vmlinux" : fmt::format("the vmlinux and module(s) {}", fmt::join(searched, ", "));
  std::string hint = without.empty() ? std::string()
                                     : fmt::format("; no debug info for module(s) {} (give the .ko: --module, --modules)",
                                                   fmt::join(without, ", "));
  return Error(ErrorKind::NotFound,
               fmt::format("no {} named '{}' in {}{}", needed.is_type ? "type" : "global", needed.name, where, hint),
               expression);
}

}  // namespace krdb
