// `krdb symbolize --elf FILE [ADDR…]`: address -> function, inlined frames, file:line:col and
// language, from DWARF (ELF symbols as fallback). With no ADDR, reads addresses from standard
// input, one per line (like addr2line). `--format addr2line` prints exactly what
// `addr2line -f -i -C` prints, for scripts built around it. For a .ko, write SECTION+OFFSET
// (".text+0x40") to name a place in a section.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "commands.h"
#include "form_option.h"
#include "krdb/report/json_text.h"
#include "krdb/base/number.h"
#include "krdb/dwarf/debug_info.h"
#include "krdb/report/address_report.h"

namespace krdb::cli {
namespace {

struct SymbolizeArgs {
  std::string elf;
  std::vector<std::string> addresses;
  std::string format = "text";
  DemangleForm form = DemangleForm::Short;
};

// "ffffffff81000000", "0x…", or ".text+0x40" (relocatable files).
Expected<uint64_t> parse_address(DebugInfo& info, const std::string& text) {
  std::string s = text;
  uint64_t base = 0;
  if (auto plus = s.find('+'); plus != std::string::npos && !s.empty() && s[0] == '.') {
    auto section = info.section_address(s.substr(0, plus));
    if (!section) return Error(ErrorKind::Usage, "no allocated section " + s.substr(0, plus) +
                                                     " in this relocatable file", info.elf().path());
    base = *section;
    s = s.substr(plus + 1);
  }
  auto offset = parse_hex_address(s);
  if (!offset) return Error(ErrorKind::Usage, "not a hex address: '" + text + "'");
  return base + *offset;
}

void print_one(DebugInfo& info, const SymbolizeArgs& args, const std::string& text, int& status) {
  auto addr = parse_address(info, text);
  if (!addr) {
    fmt::print(stderr, "krdb symbolize: {}\n", addr.error().describe());
    status = kExitUsage;
    return;
  }
  AddressInfo ai = info.symbolize(*addr);
  std::string out;
  if (args.format == "addr2line") out = format_address_addr2line(ai, true);
  else if (args.format == "json") out = json_text(address_to_json(ai, args.form), -1) + "\n";
  else out = format_address_text(ai, args.form);
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (ai.frames.empty() && !ai.symbol && status == kExitOk) status = kExitFindings;
}

int run(const SymbolizeArgs& args) {
  std::ios::sync_with_stdio(false);  // std::cin buffers: a batch is what it already holds
  auto info = DebugInfo::open(args.elf);
  if (!info) {
    fmt::print(stderr, "krdb symbolize: {}\n", info.error().describe());
    return kExitFailed;
  }
  int status = kExitOk;
  if (!(*info)->has_dwarf())
    fmt::print(stderr, "krdb symbolize: note: {} has no usable DWARF; using ELF symbols only\n",
               args.elf);
  for (const Error& e : (*info)->unit_errors())
    fmt::print(stderr, "krdb symbolize: warning: {}\n", e.describe());
  if (!args.addresses.empty()) {
    for (const auto& a : args.addresses) print_one(**info, args, a, status);
  } else {
    // What stdin already holds is read as one batch and prefetched on every core; a co-process
    // writing one address at a time still gets each answer at once (a batch of one).
    constexpr size_t kBatch = 4096;
    std::vector<std::string> batch;
    std::vector<uint64_t> addresses;
    for (std::string line; std::getline(std::cin, line);) {
      batch.assign(1, line);
      while (batch.size() < kBatch && std::cin.rdbuf()->in_avail() > 0 && std::getline(std::cin, line))
        batch.push_back(line);
      addresses.clear();
      for (const auto& b : batch)
        if (auto a = parse_address(**info, b)) addresses.push_back(*a);
      (*info)->prefetch(addresses);
      for (const auto& b : batch) {
        if (b.empty()) continue;
        print_one(**info, args, b, status);
      }
      std::fflush(stdout);  // answers of a batch at once, for co-process use (as addr2line)
    }
  }
  return status;
}

}  // namespace

void add_symbolize_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<SymbolizeArgs>();
  auto* cmd = app.add_subcommand(
      "symbolize", "Address -> function, inlined frames, file:line:col, language (addr2line-like)");
  cmd->add_option("--elf,-e", args->elf, "vmlinux, .ko, executable or library")->required();
  cmd->add_option("--format", args->format, "text, json or addr2line (as addr2line -f -i -C)")
      ->check(CLI::IsMember({"text", "json", "addr2line"}));
  add_form_option(cmd, args->form, "how Rust names are shown: short (default), full, verbose");
  cmd->add_option("addresses", args->addresses,
                  "hex addresses, or SECTION+OFFSET in a .ko (none: read stdin, one per line)");
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace krdb::cli
