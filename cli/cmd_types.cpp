// `krdb types --elf FILE NAME…`: the layout of a C or Rust type from DWARF — members with offsets
// and sizes, generic parameters, and for a Rust enum its variants with their discriminants.
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "commands.h"
#include "krdb/report/json_text.h"
#include "krdb/dwarf/debug_info.h"
#include "krdb/report/type_report.h"

namespace krdb::cli {
namespace {

struct TypesArgs {
  std::string elf;
  std::vector<std::string> names;
  std::string format = "text";
};

int run(const TypesArgs& args) {
  auto info = DebugInfo::open(args.elf);
  if (!info) {
    fmt::print(stderr, "krdb types: {}\n", info.error().describe());
    return kExitFailed;
  }
  if (!(*info)->has_dwarf()) {
    fmt::print(stderr, "krdb types: {} has no DWARF (types need debug info)\n", args.elf);
    return kExitFailed;
  }
  int status = kExitOk;
  nlohmann::json all = nlohmann::json::array();
  for (const auto& name : args.names) {
    auto id = (*info)->find_type(name);
    auto t = id ? (*info)->type(*id) : Expected<const Type*>(id.error());
    if (!t) {
      fmt::print(stderr, "krdb types: {}\n", t.error().describe());
      status = kExitFindings;
      continue;
    }
    if (args.format == "json") all.push_back(type_to_json(**info, **t));
    else fmt::print("{}", format_type_layout(**info, **t));
  }
  if (args.format == "json") fmt::print("{}\n", json_text(all));
  return status;
}

}  // namespace

void add_types_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<TypesArgs>();
  auto* cmd = app.add_subcommand("types", "Show the layout of C and Rust types from DWARF");
  cmd->add_option("--elf,-e", args->elf, "vmlinux, .ko, executable or library")->required();
  cmd->add_option("--format", args->format, "text or json")->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("names", args->names, "type names: task_struct, \"struct list_head\", a Rust path")
      ->required();
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace krdb::cli
