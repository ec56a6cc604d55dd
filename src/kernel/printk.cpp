// The printk ring buffer reader. The logic follows kernel/printk/printk_ringbuffer.c (6.12):
// desc_read() for a descriptor's ID and state, desc_read_finalized_seq() for the seq check,
// get_data() for the text block (regular, wrapping, data-less) and copy_data() for text_len.
// Where the kernel would WARN_ON_ONCE and return "no data", the record is skipped with a reason.
#include "krdb/kernel/printk.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace krdb {
namespace {

// Constants of printk_ringbuffer.h that are macros, not types (so not in DWARF). They have not
// changed since the lockless ring buffer was introduced in 5.10 (commit b6cf8b3f3312).
constexpr uint64_t kDescReserved = 0x0, kDescCommitted = 0x1, kDescFinalized = 0x2,
                   kDescReusable = 0x3;  // enum desc_state
constexpr uint64_t kFailedLpos = 0x1;     // FAILED_LPOS: data lost / invalid
constexpr uint64_t kEmptyLineLpos = 0x3;  // EMPTY_LINE_LPOS: a record that is just "\n"

// Sanity bounds on ring geometry read from memory: log_buf_len is a u32 (so size_bits < 32),
// and descs_count = log_buf_len >> PRB_AVGBITS. Generous, only to refuse garbage before shifting.
constexpr uint64_t kMaxCountBits = 31, kMaxSizeBits = 40;

struct Layout {
  uint64_t rb_size = 0;
  Field count_bits, descs, infos, head_id, tail_id;  // printk_ringbuffer.desc_ring.*
  Field size_bits, data;                             // printk_ringbuffer.text_data_ring.*
  uint64_t desc_size = 0;
  Field state_var, lpos_begin, lpos_next;            // prb_desc.*
  uint64_t info_size = 0;
  Field seq, ts_nsec, text_len, facility, caller_id; // printk_info.*
  Field flags, level;                                // printk_info bitfields :5 / :3
  uint64_t block_header = 0;  // offsetof(struct prb_data_block, data): the block's ID
  Field block_id;             // prb_data_block.id
};

// A field inside a buffer read from the target; sizes were checked by scalar().
uint64_t get(const std::vector<uint8_t>& buf, const Field& f) { return f.extract(buf); }

// field() that also insists on a scalar size (1, 2, 4 or 8 bytes).
Expected<Field> scalar(KernelProgram& p, const char* type, const char* path) {
  auto f = p.field(type, path);
  if (!f) return f.error();
  if (f->size != 1 && f->size != 2 && f->size != 4 && f->size != 8)
    return Error(ErrorKind::Unsupported,
                 fmt::format("{}.{} is {} bytes in the DWARF, not a scalar", type, path, f->size));
  return *f;
}

Expected<Layout> load_layout(KernelProgram& p) {
  Layout l;
#define KRDB_FIELD(dst, type, path) \
  {                                 \
    auto f_ = scalar(p, type, path); \
    if (!f_) return f_.error();     \
    dst = *f_;                      \
  }
#define KRDB_SIZE(dst, type)          \
  {                                   \
    auto s_ = p.size_of(type);        \
    if (!s_) return s_.error();       \
    dst = *s_;                        \
  }
  KRDB_SIZE(l.rb_size, "printk_ringbuffer");
  KRDB_FIELD(l.count_bits, "printk_ringbuffer", "desc_ring.count_bits");
  KRDB_FIELD(l.descs, "printk_ringbuffer", "desc_ring.descs");
  KRDB_FIELD(l.infos, "printk_ringbuffer", "desc_ring.infos");
  KRDB_FIELD(l.head_id, "printk_ringbuffer", "desc_ring.head_id");
  KRDB_FIELD(l.tail_id, "printk_ringbuffer", "desc_ring.tail_id");
  KRDB_FIELD(l.size_bits, "printk_ringbuffer", "text_data_ring.size_bits");
  KRDB_FIELD(l.data, "printk_ringbuffer", "text_data_ring.data");
  KRDB_SIZE(l.desc_size, "prb_desc");
  KRDB_FIELD(l.state_var, "prb_desc", "state_var");
  KRDB_FIELD(l.lpos_begin, "prb_desc", "text_blk_lpos.begin");
  KRDB_FIELD(l.lpos_next, "prb_desc", "text_blk_lpos.next");
  KRDB_SIZE(l.info_size, "printk_info");
  KRDB_FIELD(l.seq, "printk_info", "seq");
  KRDB_FIELD(l.ts_nsec, "printk_info", "ts_nsec");
  KRDB_FIELD(l.text_len, "printk_info", "text_len");
  KRDB_FIELD(l.facility, "printk_info", "facility");
  KRDB_FIELD(l.caller_id, "printk_info", "caller_id");
  KRDB_FIELD(l.block_id, "prb_data_block", "id");
  KRDB_FIELD(l.flags, "printk_info", "flags");  // bitfields :5 and :3
  KRDB_FIELD(l.level, "printk_info", "level");
#undef KRDB_FIELD
#undef KRDB_SIZE
  auto data = p.field("prb_data_block", "data");
  if (!data) return data.error();
  l.block_header = data->offset;
  for (const Field* f : {&l.count_bits, &l.descs, &l.infos, &l.head_id, &l.tail_id, &l.size_bits, &l.data})
    if (f->offset + f->size > l.rb_size)
      return Error(ErrorKind::BadData, "printk_ringbuffer field lies outside the struct in the DWARF");
  for (const Field* f : {&l.state_var, &l.lpos_begin, &l.lpos_next})
    if (f->offset + f->size > l.desc_size)
      return Error(ErrorKind::BadData, "prb_desc field lies outside the struct in the DWARF");
  for (const Field* f : {&l.seq, &l.ts_nsec, &l.text_len, &l.facility, &l.caller_id})
    if (f->offset + f->size > l.info_size)
      return Error(ErrorKind::BadData, "printk_info field lies outside the struct in the DWARF");
  return l;
}

// `prb` is missing from a kernel with the pre-5.10 log_buf layout: say so plainly.
Expected<void> check_not_old_layout(KernelProgram& p) {
  if (p.symbol_address("prb") || !p.symbol_address("log_first_idx")) return {};
  return Error(ErrorKind::Unsupported,
               "this kernel has the pre-5.10 printk log_buf layout (log_first_idx, no 'prb'); "
               "krdb reads only the lockless printk ring buffer of Linux 5.10 and later",
               p.debug_info().elf().path());
}

// One ring as read from printk_ringbuffer, plus the derived geometry.
struct Ring {
  uint64_t descs = 0, infos = 0, data = 0;
  uint64_t count = 0;        // DESCS_COUNT
  uint64_t data_size = 0;    // DATA_SIZE
  uint64_t size_bits = 0;
  uint64_t id_mask = 0;      // DESC_ID_MASK
  unsigned state_shift = 0;  // DESC_FLAGS_SHIFT
  uint64_t head_id = 0, tail_id = 0;
};

class Reader {
 public:
  Reader(KernelProgram& p, const Layout& l, const Ring& r, PrintkLog& log)
      : p_(p), l_(l), r_(r), log_(log) {}

  // Reads the descriptor with `id` into the log (a record, a skip with reason, or lost).
  void read(uint64_t id);

 private:
  void skip(uint64_t id, std::optional<uint64_t> seq, std::string reason) {
    log_.skipped.push_back({id, seq, std::move(reason)});
  }
  Expected<void> read_buf(uint64_t address, std::vector<uint8_t>& buf) {
    return p_.memory().read(address, {buf.data(), buf.size()});
  }
  // get_data() + copy_data(): the text of a record, or why there is none (nullopt = lost).
  Expected<std::optional<std::string>> text(uint64_t id, uint64_t begin, uint64_t next,
                                            uint64_t text_len);

  KernelProgram& p_;
  const Layout& l_;
  const Ring& r_;
  PrintkLog& log_;
};

Expected<std::optional<std::string>> Reader::text(uint64_t id, uint64_t begin, uint64_t next,
                                                  uint64_t text_len) {
  auto wraps = [&](uint64_t lpos) { return lpos >> r_.size_bits; };
  auto index = [&](uint64_t lpos) { return lpos & (r_.data_size - 1); };
  const uint64_t header = l_.block_header;
  if ((begin & 1) && (next & 1)) {  // BLK_DATALESS
    if (begin == kEmptyLineLpos && next == kEmptyLineLpos) return std::optional<std::string>("");
    if (begin == kFailedLpos && next == kFailedLpos) return std::optional<std::string>();
    return Error(ErrorKind::BadData,
                 fmt::format("data-less text block with unknown lpos {:#x}/{:#x}", begin, next));
  }
  uint64_t offset = 0, size = 0;
  if (wraps(begin) == wraps(next) && begin < next) {  // regular block
    offset = index(begin);
    size = next - begin;
  } else if (wraps(begin + r_.data_size) == wraps(next)) {  // wrapped: the data is at index 0
    offset = 0;
    size = index(next);
  } else {
    return Error(ErrorKind::BadData,
                 fmt::format("illegal text block lpos begin {:#x} next {:#x} (ring of {:#x} bytes)",
                             begin, next, r_.data_size));
  }
  if (header == 0 || begin % header || next % header)
    return Error(ErrorKind::BadData,
                 fmt::format("text block lpos {:#x}/{:#x} not aligned to its ID", begin, next));
  if (size < header)
    return Error(ErrorKind::BadData, fmt::format("text block of {} bytes has no room for its ID", size));
  if (size - header < text_len)
    return Error(ErrorKind::BadData,
                 fmt::format("text_len {} larger than its block ({} bytes)", text_len, size - header));
  if (text_len > p_.limits().max_string_bytes)
    return Error(ErrorKind::LimitHit, fmt::format("text_len {} over max_string_bytes", text_len));
  std::vector<uint8_t> buf(header + text_len);
  uint64_t address = r_.data + offset;
  if (auto rd = read_buf(address, buf); !rd)
    return rd.error().within(fmt::format("text block at {:#x}", address));
  uint64_t block_id = get(buf, l_.block_id);
  if ((block_id & r_.id_mask) != id)
    return Error(ErrorKind::BadData,
                 fmt::format("text block at lpos {:#x} belongs to descriptor {:#x}", begin, block_id));
  return std::optional<std::string>(std::string(buf.begin() + header, buf.end()));
}

void Reader::read(uint64_t id) {
  const uint64_t index = id & (r_.count - 1);
  std::vector<uint8_t> desc(l_.desc_size);
  uint64_t desc_address = r_.descs + index * l_.desc_size;
  if (auto rd = read_buf(desc_address, desc); !rd)
    return skip(id, {}, rd.error().within(fmt::format("prb_desc at {:#x}", desc_address)).describe());
  uint64_t sv = get(desc, l_.state_var);
  uint64_t desc_id = sv & r_.id_mask;
  uint64_t state = (sv >> r_.state_shift) & 3;
  if (desc_id != id)  // desc_miss
    return skip(id, {}, fmt::format("descriptor {} holds ID {:#x}, not {:#x} (overwritten, or being "
                                    "reserved when the dump was taken)", index, desc_id, id));
  if (state == kDescReserved)
    return skip(id, {}, "reserved: being written when the dump was taken");
  if (state == kDescReusable) {  // freed: its data may already be gone (as desc_read_finalized_seq)
    // DESC0_ID: the initial tail of a ring that never wrapped, a placeholder with no record.
    // The macro negates _DESCS_COUNT(), an unsigned int: on 64-bit it is 0xffffefff for 4096
    // descriptors, not 0x3fff…efff.
    uint64_t desc0_id = uint64_t(uint32_t(0u - uint32_t(r_.count + 1))) & r_.id_mask;
    if (id != desc0_id) ++log_.lost;
    return;
  }
  // Committed or finalized. The kernel's reader waits for finalized; in a dump nothing will
  // finalize the last committed record, so it is shown (as drgn does).
  if (state != kDescCommitted && state != kDescFinalized)
    return skip(id, {}, fmt::format("unknown descriptor state {}", state));
  std::vector<uint8_t> info(l_.info_size);
  uint64_t info_address = r_.infos + index * l_.info_size;
  if (auto rd = read_buf(info_address, info); !rd)
    return skip(id, {}, rd.error().within(fmt::format("printk_info at {:#x}", info_address)).describe());
  PrintkRecord rec;
  rec.seq = get(info, l_.seq);
  if ((rec.seq & (r_.count - 1)) != index)  // to_info(seq) and to_info(id) must be the same slot
    return skip(id, rec.seq, fmt::format("printk_info.seq {} does not belong to descriptor {}", rec.seq, index));
  rec.ts_nsec = get(info, l_.ts_nsec);
  rec.facility = uint8_t(get(info, l_.facility));
  rec.caller_id = uint32_t(get(info, l_.caller_id));
  rec.flags = uint8_t(get(info, l_.flags));
  rec.level = uint8_t(get(info, l_.level));
  auto t = text(id, get(desc, l_.lpos_begin), get(desc, l_.lpos_next), get(info, l_.text_len));
  if (!t) return skip(id, rec.seq, t.error().describe());
  if (!*t) {
    ++log_.lost;
    return;
  }
  rec.text = std::move(**t);
  log_.records.push_back(std::move(rec));
}

}  // namespace

Expected<PrintkLog> read_printk(KernelProgram& p) {
  KRDB_CHECK(check_not_old_layout(p));
  // The layout first: without DWARF, the error names the missing type.
  auto layout = load_layout(p);
  if (!layout) return layout.error().within("printk ring buffer");
  auto prb_var = p.symbol_address("prb");
  if (!prb_var) return prb_var.error();
  const Layout& l = *layout;
  auto prb = p.read_pointer(*prb_var);
  if (!prb) return prb.error().within(fmt::format("prb at {:#x}", *prb_var));
  std::vector<uint8_t> rb(l.rb_size);
  if (auto rd = p.memory().read(*prb, {rb.data(), rb.size()}); !rd)
    return rd.error().within(fmt::format("printk_ringbuffer at {:#x}", *prb));

  Ring r;
  uint64_t count_bits = get(rb, l.count_bits);
  r.size_bits = get(rb, l.size_bits);
  if (count_bits == 0 || count_bits > kMaxCountBits || r.size_bits > kMaxSizeBits ||
      r.size_bits < count_bits)
    return Error(ErrorKind::BadData,
                 fmt::format("implausible ring geometry: desc_ring.count_bits {}, "
                             "text_data_ring.size_bits {}", count_bits, r.size_bits),
                 fmt::format("printk_ringbuffer at {:#x}", *prb));
  r.count = uint64_t(1) << count_bits;
  r.data_size = uint64_t(1) << r.size_bits;
  r.descs = get(rb, l.descs);
  r.infos = get(rb, l.infos);
  r.data = get(rb, l.data);
  unsigned sv_bits = unsigned(l.state_var.size * 8);  // DESC_SV_BITS = BITS_PER_LONG
  r.state_shift = sv_bits - 2;
  r.id_mask = ~(uint64_t(3) << r.state_shift) & (sv_bits == 64 ? ~uint64_t(0) : (uint64_t(1) << sv_bits) - 1);
  r.head_id = get(rb, l.head_id) & r.id_mask;
  r.tail_id = get(rb, l.tail_id) & r.id_mask;

  PrintkLog log;
  // Descriptors tail_id … head_id (IDs wrap within id_mask). A distance beyond the ring's count
  // means head or tail is corrupt: read the newest `count` descriptors and say so.
  uint64_t span = ((r.head_id - r.tail_id) & r.id_mask) + 1;
  if (span > r.count) {
    log.truncated = Error(ErrorKind::BadData,
                          fmt::format("head_id {:#x} and tail_id {:#x} are {} descriptors apart, "
                                      "more than the ring's {}: read the newest {} only",
                                      r.head_id, r.tail_id, span, r.count, r.count),
                          fmt::format("printk_ringbuffer at {:#x}", *prb));
    span = r.count;
  }
  uint64_t limit = p.limits().max_printk_records;
  if (span > limit) {
    log.truncated = Error(ErrorKind::LimitHit,
                          fmt::format("{} descriptors in the ring, max_printk_records is {}: "
                                      "the oldest {} were not read", span, limit, span - limit));
    span = limit;
  }
  const uint64_t first = (r.head_id - span + 1) & r.id_mask;
  Reader reader(p, l, r, log);
  for (uint64_t i = 0; i < span; ++i) reader.read((first + i) & r.id_mask);

  // In ring order seqs rise by one; a record whose seq repeats one already read is corrupt.
  std::stable_sort(log.records.begin(), log.records.end(),
                   [](const PrintkRecord& a, const PrintkRecord& b) { return a.seq < b.seq; });
  std::vector<PrintkRecord> unique;
  unique.reserve(log.records.size());
  for (auto& rec : log.records) {
    if (!unique.empty() && unique.back().seq == rec.seq) {
      log.skipped.push_back({0, rec.seq, fmt::format("second record with seq {}", rec.seq)});
      continue;
    }
    unique.push_back(std::move(rec));
  }
  log.records = std::move(unique);
  if (!log.records.empty()) {
    log.first_seq = log.records.front().seq;
    log.next_seq = log.records.back().seq + 1;
  }
  return log;
}

std::string dmesg_prefix(const PrintkRecord& rec, const DmesgStyle& style) {
  std::string out;
  if (style.syslog) out += fmt::format("<{}>", (unsigned(rec.facility) << 3) | rec.level);
  if (style.timestamps)  // print_time(): "[%5lu.%06lu]"
    out += fmt::format("[{:5}.{:06}]", rec.ts_nsec / 1000000000, (rec.ts_nsec % 1000000000) / 1000);
  if (style.caller)  // print_caller(): "[%6s]" of "T<pid>" / "C<cpu>"
    out += fmt::format("[{:>6}]", fmt::format("{}{}", rec.caller_is_cpu() ? 'C' : 'T', rec.caller_number()));
  if (style.timestamps || style.caller) out += ' ';
  return out;
}

std::string format_dmesg(const PrintkLog& log, DmesgStyle style) {
  std::string out;
  for (const PrintkRecord& rec : log.records) {
    if (style.console_loglevel && rec.level >= style.console_loglevel) continue;
    std::string prefix = dmesg_prefix(rec, style);
    size_t start = 0;
    for (;;) {  // record_print_text(): every line gets the prefix, the last one a '\n'
      size_t nl = rec.text.find('\n', start);
      size_t end = nl == std::string::npos ? rec.text.size() : nl;
      out += prefix;
      out.append(rec.text, start, end - start);
      out += '\n';
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
  }
  return out;
}

namespace {

// Valid UTF-8 kept; any other byte written as "\xNN" (as /dev/kmsg escapes unprintables).
std::string utf8_or_escaped(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    auto c = uint8_t(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = n != 0 && i + n <= s.size() && !(n == 2 && c < 0xc2);
    for (size_t k = 1; ok && k < n; ++k) ok = (uint8_t(s[i + k]) & 0xc0) == 0x80;
    if (ok && n == 3) {
      auto c1 = uint8_t(s[i + 1]);
      ok = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0);  // overlong, surrogates
    }
    if (ok && n == 4) {
      auto c1 = uint8_t(s[i + 1]);
      ok = !(c == 0xf0 && c1 < 0x90) && !(c == 0xf4 && c1 >= 0x90) && c <= 0xf4;
    }
    if (ok) {
      out.append(s, i, n);
      i += n;
    } else {
      out += fmt::format("\\x{:02x}", c);
      ++i;
    }
  }
  return out;
}

}  // namespace

nlohmann::json printk_to_json(const PrintkLog& log) {
  nlohmann::json j;
  j["records"] = nlohmann::json::array();
  for (const PrintkRecord& rec : log.records) {
    j["records"].push_back({
        {"seq", rec.seq},
        {"ts_nsec", rec.ts_nsec},
        {"timestamp", fmt::format("{}.{:06}", rec.ts_nsec / 1000000000, (rec.ts_nsec % 1000000000) / 1000)},
        {"level", rec.level},
        {"facility", rec.facility},
        {"flags", rec.flags},
        {"caller", fmt::format("{}{}", rec.caller_is_cpu() ? 'C' : 'T', rec.caller_number())},
        {"text", utf8_or_escaped(rec.text)},
    });
  }
  j["skipped"] = nlohmann::json::array();
  for (const SkippedRecord& s : log.skipped) {
    nlohmann::json sj = {{"id", s.id}, {"reason", utf8_or_escaped(s.reason)}};
    if (s.seq) sj["seq"] = *s.seq;
    j["skipped"].push_back(std::move(sj));
  }
  j["lost"] = log.lost;
  j["truncated"] = log.truncated ? nlohmann::json(utf8_or_escaped(log.truncated->describe()))
                                 : nlohmann::json(nullptr);
  return j;
}

}  // namespace krdb
