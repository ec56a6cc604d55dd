// C types and the plain cases of both languages: integers, bools, chars, floats, pointers,
// arrays (char arrays as strings), C enums (enumerator names), C structs and unions, and the
// errno names Error prints.
#include <libdwarf/dwarf.h>

#include <cstring>

#include <fmt/format.h>

#include "format_context.h"

namespace krdb {

namespace {

std::string base(FormatContext& c, const ValueRef& v, const Type& t) {
  uint64_t size = t.size.value_or(0);
  if (size == 0) return "()";
  if (size > 8) {
    auto b = c.bytes(v.address, size);
    if (!b) return FormatContext::read_error(v.address, size);
    std::string hex = "0x";
    for (size_t i = b->size(); i-- > 0;) hex += fmt::format("{:02x}", (*b)[i]);
    return hex;
  }
  auto raw = c.uint_at(v.address, size);
  if (!raw) return FormatContext::read_error(v.address, size);
  uint64_t u = *raw;
  switch (t.encoding) {
    case DW_ATE_boolean: return u == 0 ? "false" : u == 1 ? "true" : fmt::format("<invalid bool {}>", u);
    case DW_ATE_signed: case DW_ATE_signed_char: {
      int64_t s = int64_t(u << (64 - 8 * size)) >> (64 - 8 * size);
      return std::to_string(s);
    }
    case DW_ATE_float: {
      if (size == 8) { double d; std::memcpy(&d, &u, 8); return fmt::format("{}", d); }
      if (size == 4) { float f; uint32_t w = uint32_t(u); std::memcpy(&f, &w, 4); return fmt::format("{}", f); }
      return fmt::format("{:#x}", u);
    }
    case DW_ATE_UTF:  // Rust char
      if (u < 0x80 && u >= 0x20) return fmt::format("'{}'", char(u));
      return fmt::format("'\\u{{{:x}}}'", u);
    default:
      // Rust u8 is DW_ATE_unsigned_char too: a number, as Rust's Debug prints it.
      return u > 0xffff && size == 8 ? fmt::format("{:#x}", u) : std::to_string(u);
  }
}

std::string array(FormatContext& c, const ValueRef& v, const Type& t) {
  uint64_t count = t.count.value_or(0);
  const Type* et = c.resolved(t.target);
  auto esize = c.size_of(t.target);
  if (!et || !esize) return fmt::format("[{} × ?]", count);
  bool chars = et->kind == TypeKind::Base && *esize == 1 && t.language != Language::Rust &&
               (et->encoding == DW_ATE_signed_char || et->encoding == DW_ATE_unsigned_char);
  if (chars) {  // C char[N]: the string up to the first NUL
    uint64_t n = std::min(count, c.opt().max_string_bytes);
    auto b = c.bytes(v.address, n);
    if (!b) return FormatContext::read_error(v.address, n);
    size_t end = 0;
    while (end < b->size() && (*b)[end] != 0) ++end;
    return quoted({reinterpret_cast<const char*>(b->data()), end}, end);
  }
  std::vector<std::string> items;
  for (uint64_t i = 0; i < count && i < c.opt().max_children; ++i)
    items.push_back(c.value({t.target, v.address + i * *esize}));
  return c.join(items, count, "[", "]");
}

std::string c_enum(FormatContext& c, const ValueRef& v, const Type& t) {
  uint64_t size = t.size.value_or(4);
  auto raw = c.uint_at(v.address, std::min<uint64_t>(size, 8));
  if (!raw) return FormatContext::read_error(v.address, size);
  for (const Enumerator& e : t.enumerators) {
    uint64_t mask = size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
    if ((e.value & mask) == *raw) {
      // A Rust fieldless enum prints as its variant; a C enum as its enumerator.
      std::string name = e.name;
      if (size_t cut = name.rfind("::"); cut != std::string::npos) name = name.substr(cut + 2);
      return name;
    }
  }
  return fmt::format("<invalid {} {}>", t.name.empty() ? "enum" : t.name, *raw);
}

std::string c_struct(FormatContext& c, const ValueRef& v, const Type& t) {
  std::vector<std::string> parts;
  uint64_t shown = 0;
  for (const Member& m : t.members) {
    if (shown++ >= c.opt().max_children) break;
    std::string value;
    if (m.bit_size) {
      auto raw = c.uint_at(v.address + m.offset, 8);
      value = raw ? std::to_string((*raw >> m.bit_offset) & ((m.bit_size >= 64) ? ~0ull : (1ull << m.bit_size) - 1))
                  : FormatContext::read_error(v.address + m.offset, 8);
    } else {
      value = c.value({m.type, v.address + m.offset});
    }
    parts.push_back((m.name.empty() ? std::string("<anon>") : m.name) + " = " + value);
  }
  return c.join(parts, t.members.size(), "{", "}");
}

}  // namespace

std::string format_c_or_plain(FormatContext& c, const ValueRef& v, const Type& t) {
  switch (t.kind) {
    case TypeKind::Base: return base(c, v, t);
    case TypeKind::Pointer: case TypeKind::Reference: {
      auto a = c.uint_at(v.address, 8);
      if (!a) return FormatContext::read_error(v.address, 8);
      if (*a == 0) return "NULL";
      // A C `char *` shows its string too, as LLDB and GDB print it.
      if (const Type* p = c.resolved(t.target); p && p->kind == TypeKind::Base && p->size == 1 &&
                                                 p->language != Language::Rust && p->name.find("char") != std::string::npos) {
        auto s = c.memory().read_cstring(*a, c.opt().max_string_bytes);
        if (s) return fmt::format("{:#x} {}", *a, quoted(*s, s->size()));
        if (s.error().kind == ErrorKind::LimitHit) return fmt::format("{:#x} \"…\"", *a);
        return fmt::format("{:#x} <error: cannot read the string>", *a);
      }
      return fmt::format("{:#x}", *a);
    }
    case TypeKind::Array: return array(c, v, t);
    case TypeKind::Enum: return c_enum(c, v, t);
    case TypeKind::Struct: case TypeKind::Union: return c_struct(c, v, t);
    case TypeKind::Void: return "void";
    case TypeKind::Function: return "<function>";
    default: return fmt::format("<{}>", to_string(t.kind));
  }
}

std::optional<std::string_view> errno_name(int64_t value) {
  // include/uapi/asm-generic/errno-base.h and errno.h (x86-64 uses the generic numbers), and the
  // kernel-internal ones of include/linux/errno.h.
  static constexpr std::pair<int, std::string_view> kNames[] = {
      {1, "EPERM"}, {2, "ENOENT"}, {3, "ESRCH"}, {4, "EINTR"}, {5, "EIO"}, {6, "ENXIO"},
      {7, "E2BIG"}, {8, "ENOEXEC"}, {9, "EBADF"}, {10, "ECHILD"}, {11, "EAGAIN"}, {12, "ENOMEM"},
      {13, "EACCES"}, {14, "EFAULT"}, {15, "ENOTBLK"}, {16, "EBUSY"}, {17, "EEXIST"}, {18, "EXDEV"},
      {19, "ENODEV"}, {20, "ENOTDIR"}, {21, "EISDIR"}, {22, "EINVAL"}, {23, "ENFILE"}, {24, "EMFILE"},
      {25, "ENOTTY"}, {26, "ETXTBSY"}, {27, "EFBIG"}, {28, "ENOSPC"}, {29, "ESPIPE"}, {30, "EROFS"},
      {31, "EMLINK"}, {32, "EPIPE"}, {33, "EDOM"}, {34, "ERANGE"}, {35, "EDEADLK"},
      {36, "ENAMETOOLONG"}, {37, "ENOLCK"}, {38, "ENOSYS"}, {39, "ENOTEMPTY"}, {40, "ELOOP"},
      {42, "ENOMSG"}, {43, "EIDRM"}, {61, "ENODATA"}, {62, "ETIME"}, {71, "EPROTO"},
      {74, "EBADMSG"}, {75, "EOVERFLOW"}, {84, "EILSEQ"}, {95, "EOPNOTSUPP"}, {98, "EADDRINUSE"},
      {99, "EADDRNOTAVAIL"}, {100, "ENETDOWN"}, {101, "ENETUNREACH"}, {103, "ECONNABORTED"},
      {104, "ECONNRESET"}, {105, "ENOBUFS"}, {110, "ETIMEDOUT"}, {111, "ECONNREFUSED"},
      {113, "EHOSTUNREACH"}, {114, "EALREADY"}, {115, "EINPROGRESS"}, {116, "ESTALE"},
      {122, "EDQUOT"}, {125, "ECANCELED"}, {130, "EOWNERDEAD"}, {512, "ERESTARTSYS"},
      {513, "ERESTARTNOINTR"}, {514, "ERESTARTNOHAND"}, {515, "ENOIOCTLCMD"}, {516, "ERESTART_RESTARTBLOCK"},
      {517, "EPROBE_DEFER"}, {518, "EOPENSTALE"}, {519, "ENOPARAM"}, {521, "EBADHANDLE"},
      {524, "ENOTSUPP"}, {526, "ESERVERFAULT"}, {528, "EJUKEBOX"}, {529, "EIOCBQUEUED"},
  };
  for (const auto& [n, name] : kNames)
    if (n == value) return name;
  return std::nullopt;
}

}  // namespace krdb
