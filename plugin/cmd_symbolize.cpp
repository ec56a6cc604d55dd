// `krdb symbolize ADDR…` and `krdb types NAME…` in LLDB: the core DWARF layer on the target's
// modules (addresses are load addresses; LLDB's slides — KASLR, modules — are undone first).
#include <fmt/format.h>

#include "debug_info_cache.h"
#include "krdb/base/number.h"
#include "krdb/report/address_report.h"
#include "krdb/report/type_report.h"
#include "plugin.h"

namespace krdb::plugin {

namespace {

// LLDB's reading of an address argument: 0x… is hex and plain digits are decimal (what a
// backtick expression such as `$pc` expands to, and what `image lookup -a` takes); digits with
// a-f and no prefix (copied from an oops: ffffffff81234567) are hex.
std::optional<uint64_t> parse_lldb_address(const std::string& text) {
  bool all_decimal = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
  if (all_decimal) return parse_unsigned(text, 10);
  return parse_hex_address(text);
}

bool do_symbolize(lldb::SBDebugger& debugger, const std::vector<std::string>& args,
                  lldb::SBCommandReturnObject& result) {
  DemangleForm form = DemangleForm::Short;
  std::vector<uint64_t> addresses;
  for (size_t i = 0; i < args.size(); ++i) {
    if (auto taken = take_form_option(args, i, form, result)) {
      if (!*taken) return false;
    } else if (auto a = parse_lldb_address(args[i])) {
      addresses.push_back(*a);
    } else {
      result.SetError(fmt::format("not an address: '{}' (0x-prefixed hex, decimal, or hex with a-f digits)", args[i]).c_str());
      return false;
    }
  }
  if (addresses.empty()) {
    result.SetError("usage: krdb symbolize [-f full|short|verbose] ADDRESS...");
    return false;
  }
  lldb::SBTarget target = debugger.GetSelectedTarget();
  for (uint64_t a : addresses) {
    auto r = resolve_load_address(target, a);
    if (!r) { result.SetError(r.error().describe().c_str()); return false; }
    AddressInfo info = r->info->symbolize(r->file_address);
    std::string text = format_address_text(info, form);
    if (r->file_address != a) text = fmt::format("{:#x} (file {:#x}) {}", a, r->file_address, text.substr(text.find(':') + 2));
    result.Printf("%s", text.c_str());
  }
  result.SetStatus(lldb::eReturnStatusSuccessFinishResult);
  return true;
}

bool do_types(lldb::SBDebugger& debugger, const std::vector<std::string>& args,
              lldb::SBCommandReturnObject& result) {
  if (args.empty()) {
    result.SetError("usage: krdb types NAME...   (C: task_struct; Rust: a path or a name)");
    return false;
  }
  lldb::SBTarget target = debugger.GetSelectedTarget();
  if (!target.IsValid() || target.GetNumModules() == 0) {
    result.SetError("no target: create one with `target create vmlinux` first");
    return false;
  }
  auto info = debug_info_for(module_path(target.GetModuleAtIndex(0)));
  if (!info) { result.SetError(info.error().describe().c_str()); return false; }
  std::string errors;  // said once at the end; the other names still print
  for (const auto& name : args) {
    auto id = (*info)->find_type(name);
    auto t = id ? (*info)->type(*id) : Expected<const Type*>(id.error());
    if (!t) {
      errors += (errors.empty() ? "" : "\n") + name + ": " + t.error().describe();
      continue;
    }
    result.Printf("%s", format_type_layout(**info, **t).c_str());
  }
  if (!errors.empty()) {
    result.SetError(errors.c_str());
    return false;
  }
  result.SetStatus(lldb::eReturnStatusSuccessFinishResult);
  return true;
}

}  // namespace

void add_symbolize_commands(lldb::SBCommand& krdb) {
  krdb.AddCommand("symbolize", new Command(do_symbolize),
                  "Address -> function, inlined frames, file:line:col and language (C/Rust).",
                  "krdb symbolize [-f full|short|verbose] ADDRESS...");
  krdb.AddCommand("types", new Command(do_types),
                  "Layout of a C or Rust type from DWARF; Rust enums with their real discriminants.",
                  "krdb types NAME...");
}

}  // namespace krdb::plugin
