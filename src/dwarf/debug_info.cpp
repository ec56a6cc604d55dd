#include "krdb/dwarf/debug_info.h"

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

#include "debug_info_impl.h"
#include "separate_debug.h"

namespace krdb {

namespace {

// libdwarf calls this instead of abort() when an error has no Dwarf_Error to go to; krdb reads
// such values as absent and reports the CU-level failure where it is detected.
// The error object stays libdwarf's: freeing it here double-frees (libdwarf 20210528 tracks it
// on the Dwarf_Debug). Errors without a Dwarf_Debug leak a few bytes each; LeakSanitizer is
// told so in src/dump/dump.cpp's suppression list.
std::string debug_root() {
  const char* env = std::getenv("KRDB_DEBUG_ROOT");
  return env && *env ? env : "/usr/lib/debug";
}

}  // namespace

DebugInfo::Impl::~Impl() {
  if (cache_writer.joinable()) cache_writer.join();
  if (dbg) dwarf_object_finish(dbg, nullptr);
}

Expected<std::unique_ptr<DebugInfo>> DebugInfo::open(const std::string& path, const Limits& limits) {
  auto elf = ElfFile::open(path);
  if (!elf) return elf.error();
  std::unique_ptr<DebugInfo> info(new DebugInfo());
  info->impl_ = std::make_unique<Impl>();
  Impl& impl = *info->impl_;
  impl.limits = limits;
  impl.elf = std::move(*elf);
  impl.debug_path = path;
  if (!impl.elf->section(".debug_info")) {
    if (auto separate = dw::find_separate_debug_file(*impl.elf, debug_root())) {
      auto debug = ElfFile::open(*separate);
      if (debug) {
        impl.debug_elf = std::move(*debug);
        impl.debug_path = *separate;
      }
    }
  }
  if (!impl.dwarf_elf().section(".debug_info")) return info;  // symbols only

  impl.access = std::make_unique<dw::ObjectAccess>(impl.dwarf_elf());
  if (auto valid = impl.access->validate_tables(); !valid) {
    impl.unit_errors.push_back(valid.error());
    impl.access.reset();
    return info;  // symbols only; unit_errors() says why
  }
  auto dbg = dw::init_dwarf(impl.access->interface(), "DWARF", impl.debug_path);
  if (!dbg) return dbg.error();
  impl.dbg = *dbg;
  KRDB_CHECK(impl.load_units());
  return info;
}

DebugInfo::~DebugInfo() = default;

const ElfFile& DebugInfo::elf() const { return *impl_->elf; }
const std::string& DebugInfo::debug_path() const { return impl_->debug_path; }
bool DebugInfo::has_dwarf() const { return impl_->dbg != nullptr; }
const std::vector<CompileUnit>& DebugInfo::units() const { return impl_->units; }

const std::vector<Error>& DebugInfo::unit_errors() const {
  if (impl_->access)
    for (const auto& w : impl_->access->warnings())
      if (std::find_if(impl_->unit_errors.begin(), impl_->unit_errors.end(), [&](const Error& e) {
            return e.message == w.message && e.context == w.context;
          }) == impl_->unit_errors.end())
        impl_->unit_errors.push_back(w);
  return impl_->unit_errors;
}

std::optional<uint64_t> DebugInfo::section_address(const std::string& section) const {
  if (impl_->access) return impl_->access->section_address(section);
  return std::nullopt;
}

std::string FrameInfo::display_name(DemangleForm form) const {
  if (!linkage_name.empty()) {
    DemangleOptions options;
    options.form = form;
    Demangled d = demangle(linkage_name, options);
    // Unmangled linkage names (#[no_mangle] Rust, C) are the symbol users see in oopses.
    return d.text;
  }
  // rustc omits DW_AT_linkage_name only for #[no_mangle] functions, whose name is the symbol.
  if (!name.empty()) return name;
  if (!qualified.empty()) return qualified;
  // A frame with no DIE (an assembly unit's line rows): no name, printers say "??" as addr2line.
  // A DIE with no name at all (corrupt DWARF): say which, never print an empty name.
  if (die_offset == 0) return {};
  return fmt::format("<unnamed DIE {:#x}>", die_offset);
}

std::string AddressInfo::function_name(DemangleForm form) const {
  if (!frames.empty()) {
    std::string n = frames.front().display_name(form);
    if (!n.empty()) return n;
  }
  if (symbol) {
    DemangleOptions options;
    options.form = form;
    return demangle(*symbol, options).text;
  }
  return "??";
}

}  // namespace krdb
