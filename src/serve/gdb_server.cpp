#include "krdb/serve/gdb_server.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "krdb/base/number.h"
#include "krdb/serve/packet.h"

namespace krdb::serve {

namespace {

// GDB's amd64 register layout (features/i386/64bit-core.xml, 64bit-sse.xml, 64bit-segments.xml):
// GDB validates the core feature's names; LLDB falls back to the first 24 when it has no XML.
// Registers are matched to krdb's DWARF-numbered Reg by name (rbx/rdx differ in number).
struct GdbRegister {
  const char* name;
  unsigned bits;
  const char* type;
  const char* group;
  const char* feature;
};

constexpr const char* kCore = "org.gnu.gdb.i386.core";
constexpr const char* kSse = "org.gnu.gdb.i386.sse";
constexpr const char* kSegments = "org.gnu.gdb.i386.segments";

std::vector<GdbRegister> make_registers() {
  std::vector<GdbRegister> r;
  for (const char* n : {"rax", "rbx", "rcx", "rdx", "rsi", "rdi"}) r.push_back({n, 64, "int64", "general", kCore});
  r.push_back({"rbp", 64, "data_ptr", "general", kCore});
  r.push_back({"rsp", 64, "data_ptr", "general", kCore});
  for (const char* n : {"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"}) r.push_back({n, 64, "int64", "general", kCore});
  r.push_back({"rip", 64, "code_ptr", "general", kCore});
  r.push_back({"eflags", 32, "int32", "general", kCore});
  for (const char* n : {"cs", "ss", "ds", "es", "fs", "gs"}) r.push_back({n, 32, "int32", "general", kCore});
  for (const char* n : {"st0", "st1", "st2", "st3", "st4", "st5", "st6", "st7"}) r.push_back({n, 80, "i387_ext", "float", kCore});
  for (const char* n : {"fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop"}) r.push_back({n, 32, "int", "float", kCore});
  for (const char* n : {"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
                        "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"})
    r.push_back({n, 128, "uint128", "vector", kSse});
  r.push_back({"mxcsr", 32, "int", "vector", kSse});
  r.push_back({"fs_base", 64, "int64", "general", kSegments});
  r.push_back({"gs_base", 64, "int64", "general", kSegments});
  return r;
}

const std::vector<GdbRegister>& registers() {
  static const std::vector<GdbRegister> r = make_registers();
  return r;
}

std::optional<uint64_t> register_value(const RegisterSet& regs, uint64_t regnum) {
  if (regnum >= registers().size()) return std::nullopt;
  auto reg = reg_by_name(registers()[regnum].name);
  if (!reg) return std::nullopt;
  return regs.get(*reg);
}

std::string le_hex(uint64_t v, unsigned bytes) {
  std::string raw(bytes, '\0');
  std::memcpy(raw.data(), &v, std::min<size_t>(bytes, 8));
  return to_hex(raw);
}

std::optional<uint64_t> parse_hex(std::string_view s) { return parse_unsigned(s, 16); }

// A thread id as GDB/LLDB send it: hex, "-1" (all) or "0" (any).
std::optional<int64_t> parse_tid(std::string_view s) {
  if (s == "-1") return -1;
  auto v = parse_hex(s);
  return v ? std::optional<int64_t>(int64_t(*v)) : std::nullopt;
}

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += (uint8_t(c) < 0x20 || uint8_t(c) >= 0x7f) ? '?' : c;  // ASCII only: XML stays valid
    }
  }
  return out;
}

// Space for one reply's data: hex doubles bytes, 'm'/'l' and framing take a few more.
constexpr size_t kMaxReplyData = kMaxPacketBytes - 16;
constexpr size_t kPage = 4096;

}  // namespace

const std::string& target_description() {
  static const std::string xml = [] {
    std::string x = "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
                    "<target version=\"1.0\"><architecture>i386:x86-64</architecture>";
    const char* open = nullptr;
    for (size_t i = 0; i < registers().size(); ++i) {
      const GdbRegister& r = registers()[i];
      if (!open || std::strcmp(open, r.feature) != 0) {
        if (open) x += "</feature>";
        x += fmt::format("<feature name=\"{}\">", r.feature);
        open = r.feature;
      }
      x += fmt::format("<reg name=\"{}\" bitsize=\"{}\" type=\"{}\" group=\"{}\" regnum=\"{}\"/>", r.name, r.bits,
                       r.type, r.group, i);
    }
    x += "</feature></target>\n";
    return x;
  }();
  return xml;
}

GdbServer::GdbServer(Memory& memory, KernelThreads threads, ServeTarget target)
    : memory_(memory), threads_(std::move(threads)), target_(std::move(target)) {
  threads_xml_ = "<?xml version=\"1.0\"?>\n<threads>\n";
  for (const KernelThread& t : threads_.threads)
    threads_xml_ += fmt::format("<thread id=\"{:x}\" name=\"{}\">{}</thread>\n", t.tid,
                                xml_escape(t.task ? t.task->comm : t.name), xml_escape(t.name));
  threads_xml_ += "</threads>\n";
  libraries_xml_ = "<library-list>\n";
  for (const ServedModule& m : target_.modules) {
    libraries_xml_ += fmt::format("<library name=\"{}\">", xml_escape(m.path));
    for (const auto& [name, address] : m.sections) libraries_xml_ += fmt::format("<section address=\"{:#x}\"/>", address);
    libraries_xml_ += "</library>\n";
  }
  libraries_xml_ += "</library-list>\n";
  reset_connection();
}

void GdbServer::reset_connection() {
  no_ack_ = false;
  close_ = false;
  list_cursor_ = 0;
  const KernelThread* stop = stop_thread();
  current_tid_ = stop ? stop->tid : 0;
}

const KernelThread* GdbServer::stop_thread() const {
  if (threads_.stop) return &threads_.threads[*threads_.stop];
  return threads_.threads.empty() ? nullptr : &threads_.threads.front();
}

// The thread a request is about: its ";thread:TID;" suffix (LLDB), else the one Hg selected.
const KernelThread* GdbServer::selected(std::string_view request) const {
  if (auto at = request.find(";thread:"); at != std::string_view::npos) {
    std::string_view rest = request.substr(at + 8);
    auto tid = parse_tid(rest.substr(0, rest.find(';')));
    if (!tid || *tid <= 0) return stop_thread();
    return threads_.find(uint64_t(*tid));
  }
  const KernelThread* t = threads_.find(current_tid_);
  return t ? t : stop_thread();
}

std::string GdbServer::stop_reply(const KernelThread& t, bool with_lists) {
  const KernelThread* stop = stop_thread();
  bool is_stop = stop && stop->tid == t.tid;
  std::string r = fmt::format("T{}thread:{:x};hexname:{};", is_stop || t.trap ? "05" : "00", t.tid, to_hex(t.name));
  if (t.registers)
    for (uint64_t regnum : {16, 7, 6})  // rip, rsp, rbp: expedited, saves a round trip each
      if (auto v = register_value(*t.registers, regnum)) r += fmt::format("{:02x}:{};", regnum, le_hex(*v, 8));
  if (is_stop)
    r += "reason:exception;description:" + to_hex(target_.stop_description.empty() ? "kernel panic" : target_.stop_description) + ";";
  else if (t.trap)
    r += "reason:exception;description:" + to_hex(*t.trap) + ";";
  if (with_lists) {
    std::string tids = "threads:", pcs = "thread-pcs:";
    for (const KernelThread& o : threads_.threads) {
      tids += fmt::format("{:x},", o.tid);
      pcs += fmt::format("{:x},", o.registers && o.registers->has(Reg::rip) ? o.registers->pc() : 0);
    }
    tids.back() = ';';
    pcs.back() = ';';
    if (r.size() + tids.size() + pcs.size() < kMaxReplyData) r += tids + pcs;  // else LLDB asks per thread
  }
  return r;
}

std::string GdbServer::read_register(const KernelThread* t, uint64_t regnum) {
  if (!t || !t->registers) return "E0e";
  auto v = register_value(*t->registers, regnum);
  if (!v) return "E0e";  // unknown: LLDB shows "unavailable" (never `xx`, see gdb-remote.md)
  return le_hex(*v, registers()[regnum].bits / 8);
}

std::string GdbServer::read_all_registers(const KernelThread* t) {
  std::string out;
  for (uint64_t i = 0; i < registers().size(); ++i) {
    std::optional<uint64_t> v = t && t->registers ? register_value(*t->registers, i) : std::nullopt;
    unsigned bytes = registers()[i].bits / 8;
    out += v ? le_hex(*v, bytes) : std::string(2 * bytes, 'x');
  }
  return out;
}

// m ADDR,LEN: the readable prefix (page by page after a failed whole read), E14 if none.
std::string GdbServer::read_memory(std::string_view args) {
  auto comma = args.find(',');
  if (comma == std::string_view::npos) return "E01";
  auto address = parse_hex(args.substr(0, comma));
  auto length = parse_hex(args.substr(comma + 1));
  if (!address || !length) return "E01";
  uint64_t n = std::min<uint64_t>(*length, kMaxReplyData / 2);
  std::string buf(n, '\0');
  auto span = std::span<uint8_t>(reinterpret_cast<uint8_t*>(buf.data()), n);
  if (memory_.read(*address, span)) return to_hex(buf);
  uint64_t done = 0;
  while (done < n) {
    uint64_t chunk = std::min(n - done, kPage - ((*address + done) % kPage));
    if (!memory_.read(*address + done, span.subspan(done, chunk))) break;
    done += chunk;
  }
  if (done == 0) return "E14";
  buf.resize(done);
  return to_hex(buf);
}

std::string GdbServer::thread_list(bool first) {
  if (first) list_cursor_ = 0;
  if (list_cursor_ >= threads_.threads.size()) return "l";
  std::string r = "m";
  while (list_cursor_ < threads_.threads.size()) {
    std::string id = fmt::format("{:x}", threads_.threads[list_cursor_].tid);
    if (r.size() + id.size() + 1 > kMaxReplyData) break;
    if (r.size() > 1) r += ',';
    r += id;
    ++list_cursor_;
  }
  return r;
}

// qXfer:OBJECT:read:ANNEX:OFFSET,LENGTH
std::string GdbServer::xfer(std::string_view object, std::string_view annex, std::string_view range) {
  const std::string* doc = nullptr;
  std::string exec = target_.vmlinux_path;
  if (object == "features" && annex == "target.xml") doc = &target_description();
  else if (object == "threads") doc = &threads_xml_;
  else if (object == "libraries") doc = &libraries_xml_;
  else if (object == "exec-file") doc = &exec;
  if (!doc) return "E00";
  auto comma = range.find(',');
  if (comma == std::string_view::npos) return "E01";
  auto offset = parse_hex(range.substr(0, comma));
  auto length = parse_hex(range.substr(comma + 1));
  if (!offset || !length) return "E01";
  if (*offset >= doc->size()) return "l";
  uint64_t n = std::min<uint64_t>({*length, kMaxReplyData, doc->size() - *offset});
  bool last = *offset + n >= doc->size();
  return (last ? "l" : "m") + doc->substr(*offset, n);
}

std::string GdbServer::handle(std::string_view q) {
  if (q.empty()) return "";
  if (q.starts_with("qSupported"))
    return fmt::format("PacketSize={:x};qXfer:features:read+;qXfer:threads:read+;qXfer:exec-file:read+;"
                       "qXfer:libraries:read+;QStartNoAckMode+;vContSupported+",
                       kMaxPacketBytes);
  if (q == "QStartNoAckMode") { no_ack_ = true; return "OK"; }
  if (q == "QThreadSuffixSupported" || q == "QListThreadsInStopReply" || q == "QEnableErrorStrings") return "OK";
  if (q == "qProcessInfo") {
    std::string r = "pid:1;endian:little;ptrsize:8;";
    if (target_.build_id) r += "main-binary-uuid:" + *target_.build_id + ";";
    r += fmt::format("main-binary-slide:{:x};", target_.kaslr_offset);
    return r;
  }
  if (q == "qOffsets") {
    if (!target_.text_segment || !target_.data_segment) return "";
    return fmt::format("TextSeg={:x};DataSeg={:x}", *target_.text_segment + target_.kaslr_offset,
                       *target_.data_segment + target_.kaslr_offset);
  }
  if (q == "?") {
    const KernelThread* t = stop_thread();
    return t ? stop_reply(*t, true) : "W00";
  }
  if (q.starts_with("qThreadStopInfo")) {
    auto tid = parse_tid(q.substr(15));
    const KernelThread* t = tid ? threads_.find(uint64_t(*tid)) : nullptr;
    return t ? stop_reply(*t, false) : "E01";
  }
  if (q == "qfThreadInfo") return thread_list(true);
  if (q == "qsThreadInfo") return thread_list(false);
  if (q == "qC") { const KernelThread* t = stop_thread(); return t ? fmt::format("QC{:x}", t->tid) : ""; }
  if (q == "qAttached") return "1";
  if (q.starts_with("qSymbol")) return "OK";
  if (q[0] == 'H' && q.size() >= 2) {
    auto tid = parse_tid(q.substr(2));
    if (!tid) return "E01";
    if (q[1] == 'g' && *tid > 0) {
      if (!threads_.find(uint64_t(*tid))) return "E01";
      current_tid_ = uint64_t(*tid);
    }
    return "OK";
  }
  if (q[0] == 'T') {
    auto tid = parse_tid(q.substr(1));
    return tid && threads_.find(uint64_t(*tid)) ? "OK" : "E01";
  }
  if (q[0] == 'p') {
    auto regnum = parse_hex(q.substr(1, q.find(';') - 1));
    if (!regnum) return "E01";
    return read_register(selected(q), *regnum);
  }
  if (q[0] == 'g' && (q.size() == 1 || q[1] == ';')) return read_all_registers(selected(q));
  if (q[0] == 'm') return read_memory(q.substr(1));
  if (q.starts_with("qXfer:")) {
    // qXfer:OBJECT:read:ANNEX:OFFSET,LENGTH
    std::string_view rest = q.substr(6);
    auto c1 = rest.find(':');
    if (c1 == std::string_view::npos || rest.substr(c1 + 1, 5) != "read:") return "";
    std::string_view object = rest.substr(0, c1);
    std::string_view after = rest.substr(c1 + 6);
    auto c2 = after.find(':');
    if (c2 == std::string_view::npos) return "E01";
    return xfer(object, after.substr(0, c2), after.substr(c2 + 1));
  }
  if (q == "vCont?") return "vCont;c;C;s;S";
  if (q[0] == 'c' || q[0] == 's' || q[0] == 'C' || q[0] == 'S' || q.starts_with("vCont;")) {
    // A dump cannot run: the stop comes back at once, and says why.
    const KernelThread* t = stop_thread();
    if (!t) return "W00";
    std::string r = stop_reply(*t, true);
    auto at = r.find("description:");
    if (at != std::string::npos) {
      auto end = r.find(';', at);
      r.replace(at, end - at, "description:" + to_hex("dump: cannot resume (" +
                                                     (target_.stop_description.empty() ? std::string("kernel panic")
                                                                                       : target_.stop_description) + ")"));
    }
    return r;
  }
  if (q[0] == 'Z' || q[0] == 'z' || q[0] == 'M' || q[0] == 'X' || q[0] == 'G' || q[0] == 'P' ||
      q.starts_with("_M") || q.starts_with("QSaveRegisterState"))
    return "E01";  // read-only: an error, never empty (LLDB would write int3 through M)
  if (q == "k") { close_ = true; return "X09"; }
  if (q.starts_with("vKill")) { close_ = true; return "OK"; }
  if (q[0] == 'D') { close_ = true; return "OK"; }
  return "";  // unsupported (qHostInfo, x, jThreadsInfo, qMemoryRegionInfo, vMustReplyEmpty, …)
}

}  // namespace krdb::serve
