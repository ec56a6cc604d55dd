#include "krdb/base/limits.h"

#include "krdb/base/number.h"


namespace krdb {

const std::vector<LimitInfo>& limit_table() {
  static const std::vector<LimitInfo> table = {
      {"max_frames", &Limits::max_frames, "stack frames in one backtrace"},
      {"max_list_steps", &Limits::max_list_steps, "nodes visited in one list/tree/ring walk"},
      {"max_type_depth", &Limits::max_type_depth, "nesting depth of types while decoding"},
      {"max_dwarf_chain", &Limits::max_dwarf_chain, "abstract_origin/specification hops"},
      {"max_dwarf_ops", &Limits::max_dwarf_ops, "operations in one DWARF expression/CFI program"},
      {"max_location_stack", &Limits::max_location_stack, "entries on a DWARF location expression's stack"},
      {"max_die_depth", &Limits::max_die_depth, "nesting of DIEs walked in one compile unit"},
      {"max_string_bytes", &Limits::max_string_bytes, "bytes read for one target string"},
      {"demangle_depth", &Limits::demangle_depth, "recursion depth of the Rust demangler"},
      {"demangle_output", &Limits::demangle_output, "output bytes for one demangled name"},
      {"max_printk_records", &Limits::max_printk_records, "printk records read from the ring"},
      {"max_cpus", &Limits::max_cpus, "CPUs read from nr_cpu_ids and the dump's notes"},
      {"max_module_symbols", &Limits::max_module_symbols, "symbols read from one module's kallsyms"},
      {"max_orc_entries", &Limits::max_orc_entries, "entries of one module's ORC table read from memory"},
      {"max_section_bytes", &Limits::max_section_bytes, "bytes of one decompressed ELF section"},
      {"max_log_bytes", &Limits::max_log_bytes, "bytes of one console log read by triage"},
      {"max_log_reports", &Limits::max_log_reports, "crash reports kept from one console log"},
      {"max_reads", &Limits::max_reads, "target memory reads by one command, all walks together"},
      {"format_children", &Limits::format_children, "children shown per printed container (KVec, List, …)"},
      {"format_string_bytes", &Limits::format_string_bytes, "bytes shown per printed string"},
      {"format_depth", &Limits::format_depth, "nesting of printed values inside values"},
      {"format_nodes", &Limits::format_nodes, "list/tree nodes visited per printed structure"},
      {"format_value_bytes", &Limits::format_value_bytes, "bytes read for one printed value"},
  };
  return table;
}

Expected<void> set_limit(Limits& limits, std::string_view name, uint64_t value) {
  for (const auto& info : limit_table()) {
    if (info.name == name) {
      limits.*(info.field) = value;
      return {};
    }
  }
  return Error(ErrorKind::Usage, "unknown limit '" + std::string(name) + "'",
               "known limits: `krdb version --limits` (in LLDB: `krdb limits`)");
}

Expected<void> set_limit(Limits& limits, std::string_view assignment) {
  auto eq = assignment.find('=');
  if (eq == std::string_view::npos)
    return Error(ErrorKind::Usage, "limit must be NAME=NUMBER", std::string(assignment));
  auto num = assignment.substr(eq + 1);
  auto parsed = parse_unsigned(num, 10);
  uint64_t value = parsed.value_or(0);
  if (value == 0)
    return Error(ErrorKind::Usage, "limit value must be a positive whole number",
                 std::string(assignment));
  return set_limit(limits, assignment.substr(0, eq), value);
}

Limits& default_limits() {
  static Limits limits;
  return limits;
}

}  // namespace krdb
