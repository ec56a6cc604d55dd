// The kernel log (dmesg) read from the printk ring buffer of a crashed or live kernel: the
// lockless `prb` of Linux 5.10+ (kernel/printk/printk_ringbuffer.c), read as the kernel's own
// reader does — descriptors from tail_id to head_id, each checked for its ID and state
// (committed or finalized), its printk_info sequence number, and its text block (blk_lpos
// begin/next, including the block that wraps to the start of the text data ring).
// Contract:
// - Every offset and size comes from DWARF through KernelProgram (printk_ringbuffer, prb_desc_ring,
//   prb_data_ring, prb_desc, prb_data_blk_lpos, printk_info, prb_data_block); a missing type or
//   field is a NotFound error naming it. A kernel with the pre-5.10 log_buf layout (no `prb`) is
//   an Unsupported error.
// - Bounded: at most Limits::max_printk_records records (the newest are kept), each text at most
//   the ring's size and printk_info.text_len. Never loops on corrupt head/tail IDs.
// - A descriptor that cannot be read or does not make sense is skipped with a reason
//   (PrintkLog::skipped); a failure that ends the walk early sets PrintkLog::truncated. Records
//   read before the failure are kept.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "krdb/base/error.h"
#include "krdb/kernel/program.h"

namespace krdb {

struct PrintkRecord {
  uint64_t seq = 0;       // printk_info.seq
  uint64_t ts_nsec = 0;   // local_clock() at printk time
  uint8_t level = 0;      // syslog level 0 (emerg) … 7 (debug)
  uint8_t facility = 0;   // syslog facility (0 = kernel)
  uint8_t flags = 0;      // printk_info.flags (LOG_NEWLINE 2, LOG_CONT 8)
  uint32_t caller_id = 0; // task id, or CPU id with bit 31 set (as CONFIG_PRINTK_CALLER prints)
  std::string text;       // raw bytes, without the trailing newline; multi-line records keep '\n'

  bool caller_is_cpu() const { return (caller_id & 0x80000000u) != 0; }
  uint32_t caller_number() const { return caller_id & 0x7fffffffu; }
};

struct SkippedRecord {
  uint64_t id = 0;                  // descriptor ID in the desc ring
  std::optional<uint64_t> seq;      // when it could be read
  std::string reason;               // "state reserved: …", "text block … outside the ring"
};

struct PrintkLog {
  std::vector<PrintkRecord> records;  // oldest first, by seq
  std::vector<SkippedRecord> skipped; // descriptors between tail and head that were not read
  std::optional<Error> truncated;     // set when the walk stopped early (limit, unreadable ring)
  // Records whose text the ring itself had already given up (FAILED_LPOS, reusable descriptors):
  // not corruption, but not shown either — as the kernel's reader.
  uint64_t lost = 0;
  uint64_t first_seq = 0, next_seq = 0;  // seq range covered by the walk [first, next)
};

// Reads the whole printk ring buffer of `program`.
Expected<PrintkLog> read_printk(KernelProgram& program);

struct DmesgStyle {
  bool timestamps = true;   // "[    1.234567] " as the console with printk.time=1
  bool caller = false;      // "[    T1] " / "[    C0] " as CONFIG_PRINTK_CALLER prints
  bool syslog = false;      // "<6>" prefix: (facility << 3) | level, as /proc/kmsg and dmesg -r
  // Only records with level < console_loglevel, as the console prints them (0 = all records).
  unsigned console_loglevel = 0;
};

// The records as the kernel console prints them (record_print_text()): one output line per text
// line, each with the record's prefix, each ending in '\n'.
std::string format_dmesg(const PrintkLog& log, DmesgStyle style = {});
// One record's prefix ("[    1.234567] " by default).
std::string dmesg_prefix(const PrintkRecord& record, const DmesgStyle& style);

// {"records":[{seq, ts_nsec, timestamp, level, facility, flags, caller, text}], "skipped":[…],
//  "lost", "truncated"}. Text bytes that are not valid UTF-8 are written as "\xNN", so dump()
// never throws.
nlohmann::json printk_to_json(const PrintkLog& log);

}  // namespace krdb
