#include "krdb/report/address_report.h"

#include <fmt/format.h>

namespace krdb {

std::string format_location(const SourceLocation& loc) {
  if (!loc.known()) return "??";
  if (loc.column) return fmt::format("{}:{}:{}", loc.file, loc.line, loc.column);
  return fmt::format("{}:{}", loc.file, loc.line);
}

std::string format_address_text(const AddressInfo& info, DemangleForm form) {
  std::string out = fmt::format("{:#x}: ", info.address);
  if (info.frames.empty()) {
    if (info.symbol)
      out += fmt::format("{}+{:#x} (no debug info) [{}]\n", info.function_name(form),
                         info.symbol_offset, to_string(info.language));
    else
      out += "?? (no symbol)\n";
    return out;
  }
  for (size_t i = 0; i < info.frames.size(); ++i) {
    const FrameInfo& f = info.frames[i];
    if (i > 0) out += "    inlined into ";
    out += fmt::format("{} at {} [{}{}]\n", f.display_name(form), format_location(f.location),
                       to_string(f.language), f.inlined ? ", inlined" : "");
  }
  for (const Error& w : info.warnings) out += "    warning: " + w.describe() + "\n";
  return out;
}

std::string format_address_addr2line(const AddressInfo& info, bool demangle_names) {
  DemangleForm form = DemangleForm::Full;
  if (info.frames.empty()) {
    std::string name = "??";
    if (info.symbol) name = demangle_names ? info.function_name(form) : *info.symbol;
    return name + (info.symbol ? "\n??:?\n" : "\n??:0\n");
  }
  std::string out;
  for (const FrameInfo& f : info.frames) {
    std::string name = demangle_names ? f.display_name(form)
                                      : (f.linkage_name.empty() ? f.name : f.linkage_name);
    if (name.empty()) name = "??";
    out += name + "\n";
    // As addr2line: "file:line", "file:?" for line 0, "??:?" without a file.
    std::string file = f.location.file.empty() ? "??" : f.location.file;
    out += f.location.line ? fmt::format("{}:{}\n", file, f.location.line) : file + ":?\n";
  }
  return out;
}

nlohmann::json address_to_json(const AddressInfo& info, DemangleForm form) {
  nlohmann::json j;
  j["address"] = fmt::format("{:#x}", info.address);
  j["language"] = to_string(info.language);
  j["function"] = info.function_name(form);
  if (info.symbol) {
    j["symbol"] = *info.symbol;
    j["symbol_offset"] = info.symbol_offset;
  }
  if (info.unit) j["compile_unit"] = info.unit->name;
  j["frames"] = nlohmann::json::array();
  for (const FrameInfo& f : info.frames) {
    nlohmann::json fj;
    fj["function"] = f.display_name(form);
    if (!f.linkage_name.empty()) fj["linkage_name"] = f.linkage_name;
    fj["inlined"] = f.inlined;
    fj["language"] = to_string(f.language);
    if (f.location.known() || !f.location.file.empty())
      fj["location"] = {{"file", f.location.file}, {"line", f.location.line}, {"column", f.location.column}};
    j["frames"].push_back(fj);
  }
  for (const Error& w : info.warnings) j["warnings"].push_back(w.describe());
  return j;
}

}  // namespace krdb
