// LLDB's variable views of kernel Rust values: the `krdb` type category. A summary is a C++
// callback printing the formatter layer's one-line text (the same as `krdb print`); children
// come from a thin Python shim (krdb_formatters.py: LLDB 19 and 22 take synthetic children
// from Python only) that asks krdb_lldb_children() here what to show and replays a type path
// to type each child. The layout knowledge stays in src/format/.
#include <dlfcn.h>

#include <filesystem>
#include <mutex>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "debug_info_cache.h"
#include "krdb/dwarf/location.h"
#include "krdb/dwarf/type_path.h"
#include "krdb/format/frame_variables.h"
#include "krdb/format/value.h"
#include "lldb_memory.h"
#include "plugin.h"

namespace krdb::plugin {

namespace {

// A value LLDB hands us, as the core library sees it.
struct ValueSite {
  DebugInfo* info = nullptr;
  TypeId type = 0;
  uint64_t address = 0;
  std::vector<uint8_t> bytes;  // the value's bytes when it is not in memory (a register)
};

// The Rust type krdb's DWARF has under LLDB's name for it; nullopt when the type is not Rust
// (C, or not in the file) — LLDB's own display is kept then.
std::optional<std::pair<DebugInfo*, TypeId>> rust_type(const std::string& module, const std::string& name) {
  if (module.empty() || name.empty()) return std::nullopt;
  auto info = debug_info_for(module);
  if (!info) return std::nullopt;
  auto id = (*info)->find_type(name);
  if (!id) return std::nullopt;
  auto t = (*info)->strip_typedefs(*id);
  if (!t || (*t)->language != Language::Rust) return std::nullopt;
  if ((*t)->kind != TypeKind::Struct && (*t)->kind != TypeKind::Union) return std::nullopt;
  return std::make_pair(*info, *id);
}

// The type in the module that defines it: LLDB knows the module of a variable's type but hands
// the recognizer (and the shim) a type without one; then each module of the target is asked
// (vmlinux first, then the .ko files `krdb core open` placed).
std::optional<std::pair<DebugInfo*, TypeId>> rust_type_in(lldb::SBTarget target, const std::string& module,
                                                          const std::string& name) {
  if (!module.empty())
    if (auto found = rust_type(module, name)) return found;
  for (uint32_t i = 0; target.IsValid() && i < target.GetNumModules(); ++i)
    if (auto found = rust_type(module_path(target.GetModuleAtIndex(i)), name)) return found;
  return std::nullopt;
}

// Where the formatters read a value: at its address when its bytes are there, else from its
// bytes in an overlay. LLDB's load address of a value held in a register is the register's
// content (SBValue::GetLoadAddress takes a scalar for an address), so the address is believed
// only when memory there holds the value's bytes — and when it does, either reading is the same.
void place(ValueSite& site, Memory& memory, uint64_t address, std::vector<uint8_t> bytes) {
  if (address != 0 && address != LLDB_INVALID_ADDRESS && !bytes.empty()) {
    std::vector<uint8_t> there(bytes.size());
    if (memory.read(address, there) && there == bytes) {
      site.address = address;
      return;
    }
  }
  site.address = kOverlayBase;
  site.bytes = std::move(bytes);
}

// A frame's own variable (not a member or child of one): LLDB gives a member its parent's value
// type, so the value must also be the whole of its expression path.
bool is_frame_variable(lldb::SBValue value) {
  auto kind = value.GetValueType();
  if (kind != lldb::eValueTypeVariableLocal && kind != lldb::eValueTypeVariableArgument) return false;
  if (!value.GetName() || !value.GetFrame().IsValid()) return false;
  lldb::SBStream path;
  return value.GetExpressionPath(path) && path.GetData() && std::string_view(path.GetData()) == value.GetName();
}

// A frame variable located by krdb's own DWARF location evaluator over LLDB's registers of that
// frame: LLDB reads an optimised-out piece as zeros (an Option<u32> whose tag piece is empty
// and whose payload is the constant 2 reads as None), krdb says it is optimised out.
// nullopt: krdb does not find the variable at this pc (LLDB's bytes are used then).
std::optional<Expected<ValueSite>> frame_variable_site(lldb::SBFrame frame, const std::string& name,
                                                       const ValueSite& typed, Memory& memory) {
  lldb::SBThread thread = frame.GetThread();
  // LLDB lists the functions inlined at a pc as frames of their own, innermost first, sharing
  // the concrete frame's pc and CFA: this frame's depth in that group is its index in krdb's
  // inline chain.
  uint32_t depth = 0, id = frame.GetFrameID();
  while (depth < id) {
    lldb::SBFrame inner = thread.GetFrameAtIndex(id - depth - 1);
    if (inner.GetPC() != frame.GetPC() || inner.GetCFA() != frame.GetCFA()) break;
    ++depth;
  }
  uint64_t lookup = id - depth == 0 ? frame.GetPC() : frame.GetPC() - 1;  // a return address: the call
  auto place = resolve_load_address(frame.GetThread().GetProcess().GetTarget(), lookup);
  if (!place || place->info != typed.info) return std::nullopt;
  AddressInfo where = place->info->symbolize(place->file_address, {.variables = true});
  if (depth >= where.frames.size()) return std::nullopt;
  const FrameInfo& function = where.frames[depth];
  const Variable* variable = nullptr;
  for (const Variable& v : function.variables)  // outermost scope first: the innermost one wins
    if (v.name == name) variable = &v;
  if (!variable || !variable->type) return std::nullopt;
  RegisterSet registers = frame_registers(frame);
  FrameContext context;
  context.pc = lookup;
  context.load = load_map(frame.GetThread().GetProcess().GetTarget(), *place->info);
  context.registers = &registers;
  context.cfa = frame.GetCFA();
  context.frame_base = &function.frame_base;
  context.memory = &memory;
  auto t = place->info->strip_typedefs(variable->type);
  uint64_t size = t && (*t)->size ? *(*t)->size : 8;
  auto location = evaluate_location(variable->location, size, context);
  if (!location) return Expected<ValueSite>(location.error());
  ValueSite site{typed.info, variable->type, 0, {}};
  if (location->in_memory()) {
    site.address = *location->address;
  } else {
    site.address = kOverlayBase;
    site.bytes = std::move(location->bytes);
  }
  return Expected<ValueSite>(std::move(site));
}

std::optional<ValueSite> site_of(lldb::SBValue value, Memory& memory) {
  lldb::SBType type = value.GetType().GetUnqualifiedType();
  auto found = rust_type_in(value.GetTarget(), module_path(type.GetModule()), type.GetName() ? type.GetName() : "");
  if (!found) return std::nullopt;
  ValueSite site{found->first, found->second, 0, {}};
  lldb::SBData data = value.GetData();
  lldb::SBError error;
  std::vector<uint8_t> bytes(data.GetByteSize());
  if (!bytes.empty() && data.ReadRawData(error, 0, bytes.data(), bytes.size()) != bytes.size()) bytes.clear();
  place(site, memory, value.GetLoadAddress(), std::move(bytes));
  return site;
}

// Formatting runs under LLDB's formatter machinery, possibly on several threads; the DWARF
// readers are not thread-safe. Recursive: reading a frame's registers through the SB API formats
// those register values, which asks the recognizer (krdb_lldb_is_rust) on the same thread.
std::recursive_mutex& format_lock() {
  static std::recursive_mutex lock;
  return lock;
}

bool rust_summary(lldb::SBValue value, lldb::SBTypeSummaryOptions, lldb::SBStream& stream) {
  try {
    std::lock_guard<std::recursive_mutex> hold(format_lock());
    LldbMemory target_memory(value.GetTarget());
    auto site = site_of(value, target_memory);
    if (!site) return false;
    if (is_frame_variable(value))
      if (auto own = frame_variable_site(value.GetFrame(), value.GetName(), *site, target_memory)) {
        if (!*own) {
          stream.Printf("%s", unavailable_text(own->error()).c_str());
          return true;
        }
        site = std::move(**own);
      }
    OverlayMemory memory(target_memory, site->bytes);
    ValueFormatter formatter(*site->info, memory, load_map(value.GetTarget(), *site->info));
    ValueView view = formatter.view({site->type, site->address});
    if (!view.special) return false;  // a plain struct: LLDB's own {field = …} display
    std::string text = formatter.render(view);
    stream.Printf("%s", text.c_str());
    return true;
  } catch (...) {
    return false;  // never into lldb
  }
}

nlohmann::json path_json(const std::vector<TypeStep>& steps) {
  nlohmann::json out = nlohmann::json::array();
  for (const TypeStep& s : steps) {
    switch (s.kind) {
      case TypeStep::Kind::Member: out.push_back({"member", s.name}); break;
      case TypeStep::Kind::Target: out.push_back({"target"}); break;
      case TypeStep::Kind::TemplateArg: out.push_back({"arg", s.index}); break;
      case TypeStep::Kind::Variant: out.push_back({"variant", s.name}); break;
    }
  }
  return out;
}

std::string hex_of(std::span<const uint8_t> bytes) {
  std::string out;
  for (uint8_t b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

std::vector<uint8_t> bytes_of_hex(std::string_view hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    auto nibble = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
    out.push_back(uint8_t(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  }
  return out;
}

// What the shim shows under a value: {"special": false} for a type LLDB shows natively, else
// the children with, for each, the steps from the value's type to the child's type.
nlohmann::json children_of(lldb::SBTarget target, const std::string& module, const std::string& type_name,
                           uint64_t address, std::string_view data_hex, lldb::SBFrame frame,
                           const std::string& variable) {
  auto found = rust_type_in(target, module, type_name);
  if (!found) return {{"special", false}};
  auto [info, type] = *found;
  LldbMemory target_memory(target);
  ValueSite site{info, type, 0, {}};
  place(site, target_memory, address, bytes_of_hex(data_hex));
  if (frame.IsValid() && !variable.empty())
    if (auto own = frame_variable_site(frame, variable, site, target_memory)) {
      if (!*own) return {{"special", true}, {"children", nlohmann::json::array()}, {"total", 0}};
      site = std::move(**own);
    }
  OverlayMemory memory(target_memory, site.bytes);
  ValueFormatter formatter(*info, memory, load_map(target, *info));
  ValueView view = formatter.view({type, site.address});
  if (!view.special) return {{"special", false}};
  nlohmann::json children = nlohmann::json::array();
  // Children mostly share a type (a KVec's elements): one path search per type, not per child.
  std::unordered_map<TypeId, std::pair<nlohmann::json, std::string>> typed;
  for (const ValueChild& child : view.children) {
    if (!child.value.type) continue;  // no DWARF type to show it with
    auto known = typed.find(child.value.type);
    if (known == typed.end()) {
      auto steps = type_path(*info, type, child.value.type);
      known = typed.emplace(child.value.type, std::make_pair(steps ? path_json(*steps) : nlohmann::json(),
                                                             formatter.type_name(child.value.type))).first;
    }
    nlohmann::json c = {{"name", view.shape == ValueShape::Map ? "[" + child.name + "]" : child.name},
                        {"address", child.value.address}};
    if (!known->second.first.is_null()) c["path"] = known->second.first;
    c["type"] = known->second.second;
    if (child.value.address - kOverlayBase < site.bytes.size()) {  // inside a value held outside memory
      auto t = info->strip_typedefs(child.value.type);
      uint64_t size = t && (*t)->size ? *(*t)->size : 8;
      std::vector<uint8_t> b(size);
      if (memory.read(child.value.address, b)) c["data"] = hex_of(b);
    }
    children.push_back(std::move(c));
  }
  return {{"special", true}, {"children", children}, {"total", view.total}};
}

std::string& answer_buffer() {
  thread_local std::string buffer;
  return buffer;
}

// The plugin's own file, to find the shim beside it.
std::string plugin_file() {
  Dl_info where{};
  if (dladdr(reinterpret_cast<void*>(&rust_summary), &where) == 0 || !where.dli_fname) return {};
  return std::filesystem::weakly_canonical(where.dli_fname).string();
}

}  // namespace

std::string register_formatters(lldb::SBDebugger& debugger) {
  lldb::SBTypeCategory category = debugger.GetCategory("krdb");
  if (!category.IsValid()) category = debugger.CreateCategory("krdb");
  if (!category.IsValid()) return "krdb: could not create the `krdb` type category";
  std::string so = plugin_file();
  std::string shim = (std::filesystem::path(so).parent_path() / "krdb_formatters.py").string();
  lldb::SBCommandReturnObject imported;
  bool python = std::filesystem::exists(shim);
  if (python) {
    debugger.GetCommandInterpreter().HandleCommand(
        fmt::format("command script import '{}'", shim).c_str(), imported);
    python = imported.Succeeded();
  }
  lldb::SBTypeSummary summary = lldb::SBTypeSummary::CreateWithCallback(
      rust_summary, 0, "krdb: kernel Rust values as their source reads them");
  std::string note;
  if (python) {
    lldb::SBCommandReturnObject init;
    debugger.GetCommandInterpreter().HandleCommand(
        fmt::format("script krdb_formatters.attach('{}')", so).c_str(), init);
    lldb::SBTypeNameSpecifier rust("krdb_formatters.is_rust_type", lldb::eFormatterMatchCallback);
    category.AddTypeSummary(rust, summary);
    category.AddTypeSynthetic(rust, lldb::SBTypeSynthetic::CreateWithClassName("krdb_formatters.Children"));
  } else {
    // No Python in this lldb: summaries only, on the paths of the kernel's and Rust's own crates.
    category.AddTypeSummary(lldb::SBTypeNameSpecifier("^(core|alloc|kernel)::|^&|^\\(", true), summary);
    note = fmt::format("krdb: no Python shim ({}): Rust values get summaries but no synthetic children", shim);
  }
  // Rust's u8 (and the kernel's C u8) is a number, not a character: LLDB shows `unsigned char`
  // as 'x' (llvm-project#65076), which makes Green(42) read Green('*').
  category.AddTypeFormat(lldb::SBTypeNameSpecifier("unsigned char"), lldb::SBTypeFormat(lldb::eFormatDecimal));
  category.SetEnabled(true);
  return note;
}

}  // namespace krdb::plugin

// How many times `krdb limits` changed the caps: the shim asks again when it moved.
extern "C" __attribute__((visibility("default"))) uint64_t krdb_lldb_limits_generation() {
  return krdb::plugin::limits_generation();
}

// The shim's way in (ctypes): answers are JSON, valid until the next call on the same thread.
extern "C" __attribute__((visibility("default"))) int krdb_lldb_is_rust(uint64_t debugger_id, uint32_t target_index,
                                                                      const char* module, const char* type_name) {
  try {
    std::lock_guard<std::recursive_mutex> hold(krdb::plugin::format_lock());
    lldb::SBTarget target = lldb::SBDebugger::FindDebuggerWithID(int(debugger_id)).GetTargetAtIndex(target_index);
    return krdb::plugin::rust_type_in(target, module ? module : "", type_name ? type_name : "") ? 1 : 0;
  } catch (...) {
    return 0;
  }
}

// frame_id and variable name a frame's own variable (thread_index_id 0: not one).
extern "C" __attribute__((visibility("default"))) const char* krdb_lldb_children(
    uint64_t debugger_id, uint32_t target_index, const char* module, const char* type_name, uint64_t address,
    const char* data_hex, uint32_t thread_index_id, uint32_t frame_id, const char* variable) {
  std::string& out = krdb::plugin::answer_buffer();
  try {
    std::lock_guard<std::recursive_mutex> hold(krdb::plugin::format_lock());
    lldb::SBDebugger debugger = lldb::SBDebugger::FindDebuggerWithID(int(debugger_id));
    lldb::SBTarget target = debugger.GetTargetAtIndex(target_index);
    lldb::SBFrame frame;
    if (thread_index_id)
      frame = target.GetProcess().GetThreadByIndexID(thread_index_id).GetFrameAtIndex(frame_id);
    out = krdb::plugin::children_of(target, module ? module : "", type_name ? type_name : "", address,
                                    data_hex ? data_hex : "", frame, variable ? variable : "")
              .dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
  } catch (const std::exception& e) {
    out = nlohmann::json{{"special", false}, {"error", e.what()}}.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
  } catch (...) {
    out = R"({"special": false, "error": "krdb internal error"})";
  }
  return out.c_str();
}
