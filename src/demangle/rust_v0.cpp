// The Rust v0 mangling grammar: one method per production, each with its rule as a comment.
// Structure and output follow rustc-demangle 0.1.21 (src/v0.rs), the implementation rustfilt
// uses, so that our Full form matches it byte for byte, including its handling of bad input:
//  - the parser's first error is sticky: the printer shows "{invalid syntax}" (or
//    "{recursion limit reached}") once, then "?" for every later production;
//  - backreferences only point backwards and are not followed while output is off (validation);
//  - depth is bounded (max_depth), and every write goes through the bounded Output.
// Written by hand because no packaged C/C++ library demangles Rust names exactly as rustfilt
// does (LLVM's rustDemangle differs in details and has no legacy scheme, libiberty keeps hashes).
#include "rust_v0.h"

#include <optional>

#include "output.h"

namespace krdb::demangle_detail {
namespace {

enum class ParseError { None, Invalid, RecursedTooDeep };

const char* message_of(ParseError e) {
  return e == ParseError::RecursedTooDeep ? "{recursion limit reached}" : "{invalid syntax}";
}

// <basic-type> tags.
const char* basic_type(uint8_t tag) {
  switch (tag) {
    case 'b': return "bool";  case 'c': return "char";  case 'e': return "str";
    case 'u': return "()";    case 'a': return "i8";    case 's': return "i16";
    case 'l': return "i32";   case 'x': return "i64";   case 'n': return "i128";
    case 'i': return "isize"; case 'h': return "u8";    case 't': return "u16";
    case 'm': return "u32";   case 'y': return "u64";   case 'o': return "u128";
    case 'j': return "usize"; case 'f': return "f32";   case 'd': return "f64";
    case 'z': return "!";     case 'p': return "_";     case 'v': return "...";
    default: return nullptr;
  }
}

struct Ident {
  std::string_view ascii, punycode;
  bool empty() const { return ascii.empty() && punycode.empty(); }
};

// RFC 3492 Punycode into at most 128 characters (rustc-demangle's SMALL_PUNYCODE_LEN);
// nullopt when it does not decode or does not fit.
std::optional<std::u32string> punycode_decode(const Ident& id) {
  if (id.punycode.empty()) return std::nullopt;
  constexpr size_t kMaxChars = 128;
  std::u32string out;
  for (char c : id.ascii) {
    if (out.size() >= kMaxChars) return std::nullopt;
    out.push_back(uint8_t(c));
  }
  const size_t base = 36, t_min = 1, t_max = 26, skew = 38;
  size_t damp = 700, bias = 72, i = 0, n = 0x80;
  size_t pos = 0;
  const auto& p = id.punycode;
  for (;;) {
    size_t delta = 0, w = 1, k = 0, t = 0;
    for (;;) {
      k += base;
      size_t kb = k > bias ? k - bias : 0;
      t = kb < t_min ? t_min : (kb > t_max ? t_max : kb);
      if (pos >= p.size()) return std::nullopt;
      uint8_t c = p[pos++];
      size_t d;
      if (c >= 'a' && c <= 'z') d = c - 'a';
      else if (c >= '0' && c <= '9') d = 26 + (c - '0');
      else return std::nullopt;
      size_t dw;
      if (__builtin_mul_overflow(d, w, &dw) || __builtin_add_overflow(delta, dw, &delta))
        return std::nullopt;
      if (d < t) break;
      if (__builtin_mul_overflow(w, base - t, &w)) return std::nullopt;
    }
    size_t len = out.size() + 1;
    if (__builtin_add_overflow(i, delta, &i)) return std::nullopt;
    if (__builtin_add_overflow(n, i / len, &n)) return std::nullopt;
    i %= len;
    if (n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) return std::nullopt;
    if (out.size() >= kMaxChars) return std::nullopt;
    out.insert(out.begin() + i, char32_t(n));
    i += 1;
    if (pos >= p.size()) return out;
    delta /= damp;
    damp = 2;
    delta += delta / len;
    k = 0;
    while (delta > ((base - t_min) * t_max) / 2) {
      delta /= base - t_min;
      k += base;
    }
    bias = k + ((base - t_min + 1) * delta) / (delta + skew);
  }
}

bool print_ident(Output& out, const Ident& id) {
  if (auto chars = punycode_decode(id)) {
    for (char32_t c : *chars)
      if (!out.write_char(c)) return false;
    return true;
  }
  if (id.punycode.empty()) return out.write(id.ascii);
  if (!out.write("punycode{")) return false;
  if (!id.ascii.empty() && !(out.write(id.ascii) && out.write("-"))) return false;
  return out.write(id.punycode) && out.write("}");
}

// Hex digits of a constant, between the tag and '_'.
struct HexNibbles {
  std::string_view nibbles;
  std::optional<uint64_t> to_uint() const {
    auto s = nibbles;
    while (!s.empty() && s.front() == '0') s.remove_prefix(1);
    if (s.size() > 16) return std::nullopt;
    uint64_t v = 0;
    for (char c : s) v = (v << 4) | uint64_t(c <= '9' ? c - '0' : c - 'a' + 10);
    return v;
  }
  // The nibbles as UTF-8 bytes decoded to characters; nullopt if not valid UTF-8.
  std::optional<std::u32string> to_chars() const {
    if (nibbles.size() % 2) return std::nullopt;
    std::string bytes;
    for (size_t i = 0; i < nibbles.size(); i += 2) {
      auto half = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
      bytes += char((half(nibbles[i]) << 4) | half(nibbles[i + 1]));
    }
    std::u32string out;
    for (size_t i = 0; i < bytes.size();) {
      uint8_t b = bytes[i];
      size_t len = b < 0x80 ? 1 : b < 0xc0 ? 0 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : b < 0xf8 ? 4 : 0;
      if (len == 0 || i + len > bytes.size()) return std::nullopt;
      char32_t c = len == 1 ? b : b & (0x7f >> len);
      for (size_t j = 1; j < len; ++j) {
        uint8_t cont = bytes[i + j];
        if ((cont & 0xc0) != 0x80) return std::nullopt;
        c = (c << 6) | (cont & 0x3f);
      }
      // Reject overlong forms, surrogates and values past U+10FFFF, as str::from_utf8 does.
      static const char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
      if (c < kMin[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) return std::nullopt;
      out.push_back(c);
      i += len;
    }
    return out;
  }
};

// Lexing primitives over the mangled bytes, with the sticky-depth of rustc-demangle's Parser.
struct Parser {
  std::string_view sym;
  size_t next = 0;
  unsigned depth = 0;
  unsigned max_depth = 500;

  ParseError push_depth() {
    ++depth;
    return depth > max_depth ? ParseError::RecursedTooDeep : ParseError::None;
  }
  void pop_depth() { --depth; }
  int peek() const { return next < sym.size() ? uint8_t(sym[next]) : -1; }
  bool eat(uint8_t b) {
    if (peek() != b) return false;
    ++next;
    return true;
  }
  ParseError next_byte(uint8_t& b) {
    if (next >= sym.size()) return ParseError::Invalid;
    b = sym[next++];
    return ParseError::None;
  }
  // <hex-nibbles> = {<0-9a-f>} "_"
  ParseError hex_nibbles(HexNibbles& h) {
    size_t start = next;
    for (;;) {
      uint8_t c;
      if (next_byte(c) != ParseError::None) return ParseError::Invalid;
      if (c == '_') break;
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return ParseError::Invalid;
    }
    h.nibbles = sym.substr(start, next - 1 - start);
    return ParseError::None;
  }
  bool digit_10(uint8_t& d) {
    int c = peek();
    if (c < '0' || c > '9') return false;
    d = c - '0';
    ++next;
    return true;
  }
  // <base-62-number> = {<0-9a-zA-Z>} "_"   ("_" is 0, "N_" is N+1)
  ParseError integer_62(uint64_t& out) {
    if (eat('_')) {
      out = 0;
      return ParseError::None;
    }
    uint64_t x = 0;
    while (!eat('_')) {
      int c = peek();
      uint64_t d;
      if (c >= '0' && c <= '9') d = c - '0';
      else if (c >= 'a' && c <= 'z') d = 10 + (c - 'a');
      else if (c >= 'A' && c <= 'Z') d = 36 + (c - 'A');
      else return ParseError::Invalid;
      ++next;
      if (__builtin_mul_overflow(x, 62, &x) || __builtin_add_overflow(x, d, &x))
        return ParseError::Invalid;
    }
    if (x == UINT64_MAX) return ParseError::Invalid;
    out = x + 1;
    return ParseError::None;
  }
  // [<tag> <base-62-number>]: 0 when absent, else the number + 1.
  ParseError opt_integer_62(uint8_t tag, uint64_t& out) {
    if (!eat(tag)) {
      out = 0;
      return ParseError::None;
    }
    if (auto e = integer_62(out); e != ParseError::None) return e;
    if (out == UINT64_MAX) return ParseError::Invalid;
    ++out;
    return ParseError::None;
  }
  // <disambiguator> = "s" <base-62-number>
  ParseError disambiguator(uint64_t& out) { return opt_integer_62('s', out); }
  // <namespace> = "C" | "S" | … (upper case: special) | lower case: plain
  ParseError namespace_(char& ns) {
    uint8_t c;
    if (next_byte(c) != ParseError::None) return ParseError::Invalid;
    if (c >= 'A' && c <= 'Z') {
      ns = char(c);
      return ParseError::None;
    }
    if (c >= 'a' && c <= 'z') {
      ns = 0;
      return ParseError::None;
    }
    return ParseError::Invalid;
  }
  // <backref> = "B" <base-62-number>: a position strictly before the "B".
  ParseError backref(Parser& target) {
    size_t s_start = next - 1;
    uint64_t i;
    if (auto e = integer_62(i); e != ParseError::None) return e;
    if (i >= s_start) return ParseError::Invalid;
    target = Parser{sym, size_t(i), depth, max_depth};
    return target.push_depth();
  }
  // <identifier> = [<disambiguator>] <undisambiguated-identifier>
  // <undisambiguated-identifier> = ["u"] <decimal-number> ["_"] <bytes>
  ParseError ident(Ident& id) {
    bool is_punycode = eat('u');
    uint8_t d;
    if (!digit_10(d)) return ParseError::Invalid;
    size_t len = d;
    if (len != 0) {
      while (digit_10(d)) {
        if (__builtin_mul_overflow(len, size_t(10), &len) || __builtin_add_overflow(len, size_t(d), &len))
          return ParseError::Invalid;
      }
    }
    eat('_');
    size_t start = next;
    if (__builtin_add_overflow(next, len, &next) || next > sym.size()) return ParseError::Invalid;
    auto text = sym.substr(start, len);
    if (is_punycode) {
      auto us = text.rfind('_');
      id = us == std::string_view::npos ? Ident{"", text}
                                        : Ident{text.substr(0, us), text.substr(us + 1)};
      if (id.punycode.empty()) return ParseError::Invalid;
    } else {
      id = Ident{text, ""};
    }
    return ParseError::None;
  }
};

// Printer: walks the grammar once; with out == nullptr it only validates.
class Printer {
 public:
  Printer(Parser p, Output* out, bool verbose) : parser_(p), out_(out), verbose_(verbose) {}

  bool print_path(bool in_value);
  bool ok() const { return err_ == ParseError::None; }
  ParseError error() const { return err_; }
  const Parser& parser() const { return parser_; }

 private:
  bool print(std::string_view s) { return !out_ || out_->write(s); }
  bool print_char(char32_t c) { return !out_ || out_->write_char(c); }
  bool print_u64(uint64_t v) { return !out_ || out_->write_u64(v); }
  bool print_ident(const Ident& id) { return !out_ || demangle_detail::print_ident(*out_, id); }
  bool eat(uint8_t b) { return ok() && parser_.eat(b); }

  // rustc-demangle's parse!/invalid! macros: on a parse error print its message once and make
  // the error sticky; once failed, print "?" instead of parsing.
  enum class Step { Go, Return, Abort };  // Abort = output exhausted
  Step fail(ParseError e) {
    if (!print(message_of(e))) return Step::Abort;
    err_ = e;
    return Step::Return;
  }
  template <typename F>
  Step parse(F&& f) {
    if (!ok()) return print("?") ? Step::Return : Step::Abort;
    ParseError e = f(parser_);
    return e == ParseError::None ? Step::Go : fail(e);
  }
  Step invalid() { return fail(ParseError::Invalid); }

  bool print_generic_arg();
  bool print_type();
  bool print_const(bool in_value);
  bool print_const_uint(uint8_t ty_tag);
  bool print_const_str_literal();
  bool print_pat();
  bool print_dyn_trait();
  bool print_path_maybe_open_generics(bool& open);
  bool print_lifetime_from_index(uint64_t lt);
  bool print_quoted_escaped_chars(char32_t quote, const std::u32string& chars);
  template <typename F>
  bool print_sep_list(F&& f, std::string_view sep, size_t* count = nullptr);
  template <typename F>
  bool print_backref(F&& f);
  template <typename F>
  bool in_binder(F&& f);
  template <typename F>
  bool skipping_printing(F&& f) {
    Output* saved = out_;
    out_ = nullptr;
    f();
    out_ = saved;
    return true;
  }
  void pop_depth() {
    if (ok()) parser_.pop_depth();
  }

  Parser parser_;
  ParseError err_ = ParseError::None;
  Output* out_;
  bool verbose_;
  uint32_t bound_lifetime_depth_ = 0;
};

#define KRDB_STEP(expr)                      \
  do {                                       \
    switch (expr) {                          \
      case Step::Go: break;                  \
      case Step::Return: return true;        \
      case Step::Abort: return false;        \
    }                                        \
  } while (0)
#define KRDB_PRINT(expr) \
  do {                   \
    if (!(expr)) return false; \
  } while (0)

template <typename F>
bool Printer::print_sep_list(F&& f, std::string_view sep, size_t* count) {
  size_t i = 0;
  while (ok() && !eat('E')) {
    if (i > 0) KRDB_PRINT(print(sep));
    KRDB_PRINT(f());
    ++i;
  }
  if (count) *count = i;
  return true;
}

// <backref>: print what the earlier position holds, then resume after the backref.
template <typename F>
bool Printer::print_backref(F&& f) {
  Parser target;
  KRDB_STEP(parse([&](Parser& p) { return p.backref(target); }));
  if (!out_) return true;  // never followed while only validating
  Parser saved_parser = parser_;
  ParseError saved_err = err_;
  parser_ = target;
  bool r = f();
  parser_ = saved_parser;
  err_ = saved_err;
  return r;
}

// <binder> = "G" <base-62-number>: for<'a, 'b, …>
template <typename F>
bool Printer::in_binder(F&& f) {
  uint64_t bound = 0;
  KRDB_STEP(parse([&](Parser& p) { return p.opt_integer_62('G', bound); }));
  if (!out_) return f();
  if (bound > 0) {
    KRDB_PRINT(print("for<"));
    for (uint64_t i = 0; i < bound; ++i) {
      if (i > 0) KRDB_PRINT(print(", "));
      ++bound_lifetime_depth_;
      KRDB_PRINT(print_lifetime_from_index(1));
    }
    KRDB_PRINT(print("> "));
  }
  bool r = f();
  bound_lifetime_depth_ -= uint32_t(bound);
  return r;
}

bool Printer::print_lifetime_from_index(uint64_t lt) {
  if (!out_) return true;
  KRDB_PRINT(print("'"));
  if (lt == 0) return print("_");
  if (lt > bound_lifetime_depth_) {
    KRDB_STEP(invalid());
    return true;
  }
  uint64_t depth = bound_lifetime_depth_ - lt;
  if (depth < 26) return print_char(char32_t('a' + depth));
  return print("_") && print_u64(depth);
}

bool Printer::print_quoted_escaped_chars(char32_t quote, const std::u32string& chars) {
  if (!out_) return true;
  KRDB_PRINT(out_->write_char(quote));
  for (char32_t c : chars) {
    if ((quote == '\'' && c == '"') || (quote == '"' && c == '\'')) {
      KRDB_PRINT(out_->write_char(c));
      continue;
    }
    KRDB_PRINT(write_escape_debug(*out_, c));
  }
  return out_->write_char(quote);
}

// <path> = "C" <identifier>                    // crate root
//        | "M" <impl-path> <type>              // <T> (inherent impl)
//        | "X" <impl-path> <type> <path>       // <T as Trait> (trait impl)
//        | "Y" <type> <path>                   // <T as Trait> (trait definition)
//        | "N" <namespace> <path> <identifier> // ...::ident
//        | "I" <path> {<generic-arg>} "E"      // ...<T, U>
//        | <backref>
bool Printer::print_path(bool in_value) {
  KRDB_STEP(parse([](Parser& p) { return p.push_depth(); }));
  uint8_t tag = 0;
  KRDB_STEP(parse([&](Parser& p) { return p.next_byte(tag); }));
  switch (tag) {
    case 'C': {
      uint64_t dis = 0;
      Ident name;
      KRDB_STEP(parse([&](Parser& p) { return p.disambiguator(dis); }));
      KRDB_STEP(parse([&](Parser& p) { return p.ident(name); }));
      KRDB_PRINT(print_ident(name));
      if (out_ && verbose_) KRDB_PRINT(print("[") && out_->write_hex(dis) && print("]"));
      break;
    }
    case 'N': {
      char ns = 0;
      KRDB_STEP(parse([&](Parser& p) { return p.namespace_(ns); }));
      KRDB_PRINT(print_path(in_value));
      if (!ok()) KRDB_PRINT(print("::"));
      uint64_t dis = 0;
      Ident name;
      KRDB_STEP(parse([&](Parser& p) { return p.disambiguator(dis); }));
      KRDB_STEP(parse([&](Parser& p) { return p.ident(name); }));
      if (ns) {
        KRDB_PRINT(print("::{"));
        if (ns == 'C') KRDB_PRINT(print("closure"));
        else if (ns == 'S') KRDB_PRINT(print("shim"));
        else KRDB_PRINT(print_char(char32_t(ns)));
        if (!name.empty()) KRDB_PRINT(print(":") && print_ident(name));
        KRDB_PRINT(print("#") && print_u64(dis) && print("}"));
      } else if (!name.empty()) {
        KRDB_PRINT(print("::") && print_ident(name));
      }
      break;
    }
    case 'M':
    case 'X':
    case 'Y': {
      if (tag != 'Y') {
        uint64_t dis = 0;
        KRDB_STEP(parse([&](Parser& p) { return p.disambiguator(dis); }));
        skipping_printing([&] { return print_path(false); });  // <impl-path>
      }
      KRDB_PRINT(print("<"));
      KRDB_PRINT(print_type());
      if (tag != 'M') KRDB_PRINT(print(" as ") && print_path(false));
      KRDB_PRINT(print(">"));
      break;
    }
    case 'I': {
      KRDB_PRINT(print_path(in_value));
      if (in_value) KRDB_PRINT(print("::"));
      KRDB_PRINT(print("<"));
      KRDB_PRINT(print_sep_list([&] { return print_generic_arg(); }, ", "));
      KRDB_PRINT(print(">"));
      break;
    }
    case 'B':
      KRDB_PRINT(print_backref([&] { return print_path(in_value); }));
      break;
    default:
      KRDB_STEP(invalid());
  }
  pop_depth();
  return true;
}

// <generic-arg> = <lifetime> | <type> | "K" <const>     <lifetime> = "L" <base-62-number>
bool Printer::print_generic_arg() {
  if (eat('L')) {
    uint64_t lt = 0;
    KRDB_STEP(parse([&](Parser& p) { return p.integer_62(lt); }));
    return print_lifetime_from_index(lt);
  }
  if (eat('K')) return print_const(false);
  return print_type();
}

// <type> = <basic-type> | <path> | "A" <type> <const> | "S" <type> | "T" {<type>} "E"
//        | "R" [<lifetime>] <type> | "Q" [<lifetime>] <type> | "P" <type> | "O" <type>
//        | "F" <fn-sig> | "D" <dyn-bounds> <lifetime> | "W" <type> <pattern> | <backref>
bool Printer::print_type() {
  uint8_t tag = 0;
  KRDB_STEP(parse([&](Parser& p) { return p.next_byte(tag); }));
  if (const char* ty = basic_type(tag)) return print(ty);
  KRDB_STEP(parse([](Parser& p) { return p.push_depth(); }));
  switch (tag) {
    case 'R':
    case 'Q': {
      KRDB_PRINT(print("&"));
      if (eat('L')) {
        uint64_t lt = 0;
        KRDB_STEP(parse([&](Parser& p) { return p.integer_62(lt); }));
        if (lt != 0) KRDB_PRINT(print_lifetime_from_index(lt) && print(" "));
      }
      if (tag != 'R') KRDB_PRINT(print("mut "));
      KRDB_PRINT(print_type());
      break;
    }
    case 'P':
    case 'O':
      KRDB_PRINT(print("*") && print(tag != 'P' ? "mut " : "const ") && print_type());
      break;
    case 'A':
    case 'S':
      KRDB_PRINT(print("[") && print_type());
      if (tag == 'A') KRDB_PRINT(print("; ") && print_const(true));
      KRDB_PRINT(print("]"));
      break;
    case 'T': {
      KRDB_PRINT(print("("));
      size_t count = 0;
      KRDB_PRINT(print_sep_list([&] { return print_type(); }, ", ", &count));
      if (count == 1) KRDB_PRINT(print(","));
      KRDB_PRINT(print(")"));
      break;
    }
    // <fn-sig> = [<binder>] ["U"] ["K" <abi>] {<type>} "E" <type>
    case 'F':
      KRDB_PRINT(in_binder([&]() -> bool {
        bool is_unsafe = eat('U');
        std::optional<std::string_view> abi;
        if (eat('K')) {
          if (eat('C')) {
            abi = "C";
          } else {
            Ident id;
            KRDB_STEP(parse([&](Parser& p) { return p.ident(id); }));
            if (id.ascii.empty() || !id.punycode.empty()) {
              KRDB_STEP(invalid());
              return true;
            }
            abi = id.ascii;
          }
        }
        if (is_unsafe) KRDB_PRINT(print("unsafe "));
        if (abi) {
          KRDB_PRINT(print("extern \""));
          std::string_view rest = *abi;
          for (bool first = true;; first = false) {
            auto us = rest.find('_');
            if (!first) KRDB_PRINT(print("-"));
            KRDB_PRINT(print(rest.substr(0, us)));
            if (us == std::string_view::npos) break;
            rest.remove_prefix(us + 1);
          }
          KRDB_PRINT(print("\" "));
        }
        KRDB_PRINT(print("fn("));
        KRDB_PRINT(print_sep_list([&] { return print_type(); }, ", "));
        KRDB_PRINT(print(")"));
        if (!eat('u')) KRDB_PRINT(print(" -> ") && print_type());
        return true;
      }));
      break;
    // <dyn-bounds> = [<binder>] {<dyn-trait>} "E"
    case 'D': {
      KRDB_PRINT(print("dyn "));
      KRDB_PRINT(in_binder([&] { return print_sep_list([&] { return print_dyn_trait(); }, " + "); }));
      if (!eat('L')) {
        KRDB_STEP(invalid());
        return true;
      }
      uint64_t lt = 0;
      KRDB_STEP(parse([&](Parser& p) { return p.integer_62(lt); }));
      if (lt != 0) KRDB_PRINT(print(" + ") && print_lifetime_from_index(lt));
      break;
    }
    case 'B':
      KRDB_PRINT(print_backref([&] { return print_type(); }));
      break;
    // "W" <type> <pattern>: a pattern type (`u32 is 1..=2 | 5..=6`), rustc-demangle 0.1.25.
    case 'W':
      KRDB_PRINT(print_type() && print(" is ") && print_pat());
      break;
    default:
      if (ok()) parser_.next -= 1;
      KRDB_PRINT(print_path(false));
  }
  pop_depth();
  return true;
}

// <pattern> = "R" <const> <const> (a range start..=end) | "O" {<pattern>} "E" (an or-pattern)
//           | "N" (the `!null` pattern)
bool Printer::print_pat() {
  uint8_t tag = 0;
  KRDB_STEP(parse([&](Parser& p) { return p.next_byte(tag); }));
  switch (tag) {
    case 'R':
      KRDB_PRINT(print_const(false) && print("..=") && print_const(false));
      break;
    case 'O':
      KRDB_STEP(parse([](Parser& p) { return p.push_depth(); }));
      KRDB_PRINT(print_pat());
      while (!eat('E')) {
        // Out of input (or failed): eat() stays false, so stop instead of looping.
        if (!ok() || parser_.next >= parser_.sym.size()) {
          KRDB_STEP(invalid());
          return true;
        }
        KRDB_PRINT(print(" | ") && print_pat());
      }
      pop_depth();
      break;
    case 'N':
      KRDB_PRINT(print("!null"));
      break;
    default:
      KRDB_STEP(invalid());
  }
  return true;
}

bool Printer::print_path_maybe_open_generics(bool& open) {
  if (eat('B')) {
    open = false;
    return print_backref([&] { return print_path_maybe_open_generics(open); });
  }
  if (eat('I')) {
    KRDB_PRINT(print_path(false) && print("<"));
    KRDB_PRINT(print_sep_list([&] { return print_generic_arg(); }, ", "));
    open = true;
    return true;
  }
  open = false;
  return print_path(false);
}

// <dyn-trait> = <path> {<dyn-trait-assoc-binding>}
// <dyn-trait-assoc-binding> = "p" <undisambiguated-identifier> <type>
bool Printer::print_dyn_trait() {
  bool open = false;
  KRDB_PRINT(print_path_maybe_open_generics(open));
  while (eat('p')) {
    KRDB_PRINT(print(open ? ", " : "<"));
    open = true;
    Ident name;
    KRDB_STEP(parse([&](Parser& p) { return p.ident(name); }));
    KRDB_PRINT(print_ident(name) && print(" = ") && print_type());
  }
  if (open) KRDB_PRINT(print(">"));
  return true;
}

// <const> = <type> <const-data> | "p" | <backref>, with structured constants
// ("A" array, "T" tuple, "V" variant, "R"/"Q" references, "e" str) as rustc-demangle 0.1.21.
bool Printer::print_const(bool in_value) {
  uint8_t tag = 0;
  KRDB_STEP(parse([&](Parser& p) { return p.next_byte(tag); }));
  KRDB_STEP(parse([](Parser& p) { return p.push_depth(); }));
  bool opened_brace = false;
  auto open_brace_if_outside_expr = [&]() -> bool {
    if (in_value) return true;
    opened_brace = true;
    return print("{");
  };
  switch (tag) {
    case 'p':
      KRDB_PRINT(print("_"));
      break;
    case 'h': case 't': case 'm': case 'y': case 'o': case 'j':
      KRDB_PRINT(print_const_uint(tag));
      break;
    case 'a': case 's': case 'l': case 'x': case 'n': case 'i':
      if (eat('n')) KRDB_PRINT(print("-"));
      KRDB_PRINT(print_const_uint(tag));
      break;
    case 'b': {
      HexNibbles h;
      KRDB_STEP(parse([&](Parser& p) { return p.hex_nibbles(h); }));
      auto v = h.to_uint();
      if (v && *v == 0) KRDB_PRINT(print("false"));
      else if (v && *v == 1) KRDB_PRINT(print("true"));
      else { KRDB_STEP(invalid()); return true; }
      break;
    }
    case 'c': {
      HexNibbles h;
      KRDB_STEP(parse([&](Parser& p) { return p.hex_nibbles(h); }));
      auto v = h.to_uint();
      if (!v || *v > 0x10ffff || (*v >= 0xd800 && *v <= 0xdfff)) {
        KRDB_STEP(invalid());
        return true;
      }
      KRDB_PRINT(print_quoted_escaped_chars('\'', std::u32string(1, char32_t(*v))));
      break;
    }
    case 'e':
      KRDB_PRINT(open_brace_if_outside_expr() && print("*"));
      KRDB_PRINT(print_const_str_literal());
      break;
    case 'R':
    case 'Q':
      if (tag == 'R' && eat('e')) {
        KRDB_PRINT(print_const_str_literal());
      } else {
        KRDB_PRINT(open_brace_if_outside_expr() && print("&"));
        if (tag != 'R') KRDB_PRINT(print("mut "));
        KRDB_PRINT(print_const(true));
      }
      break;
    case 'A':
      KRDB_PRINT(open_brace_if_outside_expr() && print("["));
      KRDB_PRINT(print_sep_list([&] { return print_const(true); }, ", "));
      KRDB_PRINT(print("]"));
      break;
    case 'T': {
      KRDB_PRINT(open_brace_if_outside_expr() && print("("));
      size_t count = 0;
      KRDB_PRINT(print_sep_list([&] { return print_const(true); }, ", ", &count));
      if (count == 1) KRDB_PRINT(print(","));
      KRDB_PRINT(print(")"));
      break;
    }
    case 'V': {
      KRDB_PRINT(open_brace_if_outside_expr());
      KRDB_PRINT(print_path(true));
      uint8_t kind = 0;
      KRDB_STEP(parse([&](Parser& p) { return p.next_byte(kind); }));
      if (kind == 'U') {
      } else if (kind == 'T') {
        KRDB_PRINT(print("("));
        KRDB_PRINT(print_sep_list([&] { return print_const(true); }, ", "));
        KRDB_PRINT(print(")"));
      } else if (kind == 'S') {
        KRDB_PRINT(print(" { "));
        KRDB_PRINT(print_sep_list(
            [&]() -> bool {
              uint64_t dis = 0;
              Ident name;
              KRDB_STEP(parse([&](Parser& p) { return p.disambiguator(dis); }));
              KRDB_STEP(parse([&](Parser& p) { return p.ident(name); }));
              return print_ident(name) && print(": ") && print_const(true);
            },
            ", "));
        KRDB_PRINT(print(" }"));
      } else {
        KRDB_STEP(invalid());
        return true;
      }
      break;
    }
    case 'B':
      KRDB_PRINT(print_backref([&] { return print_const(in_value); }));
      break;
    default:
      KRDB_STEP(invalid());
      return true;
  }
  if (opened_brace) KRDB_PRINT(print("}"));
  pop_depth();
  return true;
}

bool Printer::print_const_uint(uint8_t ty_tag) {
  HexNibbles h;
  KRDB_STEP(parse([&](Parser& p) { return p.hex_nibbles(h); }));
  if (auto v = h.to_uint()) KRDB_PRINT(print_u64(*v));
  else KRDB_PRINT(print("0x") && print(h.nibbles));
  if (out_ && verbose_) KRDB_PRINT(print(basic_type(ty_tag)));
  return true;
}

bool Printer::print_const_str_literal() {
  HexNibbles h;
  KRDB_STEP(parse([&](Parser& p) { return p.hex_nibbles(h); }));
  auto chars = h.to_chars();
  if (!chars) {
    KRDB_STEP(invalid());
    return true;
  }
  return print_quoted_escaped_chars('"', *chars);
}

#undef KRDB_STEP
#undef KRDB_PRINT

}  // namespace

// <symbol-name> = "_R" [<decimal-number>] <path> [<instantiating-crate>] [<vendor-specific-suffix>]
V0Result v0_parse(std::string_view s, unsigned max_depth) {
  V0Result r;
  std::string_view inner;
  if (s.size() > 2 && s.substr(0, 2) == "_R") inner = s.substr(2);
  else if (s.size() > 1 && s[0] == 'R') inner = s.substr(1);
  else if (s.size() > 3 && s.substr(0, 3) == "__R") inner = s.substr(3);
  else return r;
  if (!(inner[0] >= 'A' && inner[0] <= 'Z')) return r;
  for (char c : inner)
    if (uint8_t(c) & 0x80) return r;
  Parser p{inner, 0, 0, max_depth};
  for (int pass = 0; pass < 2; ++pass) {
    Printer validate(p, nullptr, false);
    validate.print_path(false);
    if (!validate.ok()) return r;
    p = validate.parser();
    // An optional second path: the instantiating crate.
    if (pass == 0 && !(p.peek() >= 'A' && p.peek() <= 'Z')) break;
  }
  r.valid = true;
  r.inner = inner;
  r.suffix = inner.substr(p.next);
  return r;
}

bool v0_print(std::string_view inner, bool verbose, unsigned max_depth, Output& out) {
  Printer printer(Parser{inner, 0, 0, max_depth}, &out, verbose);
  return printer.print_path(true);
}

}  // namespace krdb::demangle_detail
