// krdb::Error and krdb::Expected<T>: the core library reports failures as values, never by
// throwing. An Error has a kind (what went wrong), a message (what, in words a user can act on)
// and a context (where: a file and offset, an address, a structure). Expected<T> holds a T or an
// Error, with the std::expected API subset krdb uses (GCC 12 has std::expected only in C++23).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace krdb {

enum class ErrorKind {
  Fault,        // memory at an address could not be read (not in the dump, filtered out, unmapped)
  BadData,      // input bytes are malformed (file + offset in context)
  LimitHit,     // a walk stopped at a named limit (see limits.h)
  NotFound,     // a symbol, type, field or file does not exist
  Unsupported,  // valid input that krdb does not handle (yet)
  Io,           // the operating system refused (open, read, mmap)
  Usage,        // the caller asked for something impossible (bad option, bad argument)
};

const char* to_string(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::BadData;
  std::string message;  // what went wrong, and what the user can do
  std::string context;  // where: "vmlinux: .debug_info+0x1234", "task_struct at 0xffff…"

  Error() = default;
  Error(ErrorKind k, std::string msg, std::string ctx = {})
      : kind(k), message(std::move(msg)), context(std::move(ctx)) {}

  // "message (context)", the form shown to users.
  std::string describe() const;
  // A copy with more context prepended: "outer: inner".
  Error within(const std::string& outer) const;
};

// Marks a value as an error when building an Expected: `return Unexpected(Error{…});`.
struct Unexpected {
  Error error;
  explicit Unexpected(Error e) : error(std::move(e)) {}
};

template <typename T>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Expected(Unexpected u) : v_(std::in_place_index<1>, std::move(u.error)) {}
  Expected(Error e) : v_(std::in_place_index<1>, std::move(e)) {}

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }
  template <typename U>
  T value_or(U&& fallback) const {
    return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<T, Error> v_;
};

// Expected<void>: success or an Error.
template <>
class [[nodiscard]] Expected<void> {
 public:
  Expected() = default;
  Expected(Unexpected u) : err_(std::move(u.error)), ok_(false) {}
  Expected(Error e) : err_(std::move(e)), ok_(false) {}
  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return err_; }

 private:
  Error err_;
  bool ok_ = true;
};

// Propagates an error out of a function returning Expected<…>.
#define KRDB_TRY(var, expr)                        \
  auto var##_result_ = (expr);                     \
  if (!var##_result_) return var##_result_.error(); \
  auto& var = *var##_result_

// Returns the error of an Expected<void> (or any Expected) to the caller.
#define KRDB_CHECK(expr)                                    \
  do {                                                      \
    if (auto krdb_check_ = (expr); !krdb_check_) return krdb_check_.error(); \
  } while (0)

}  // namespace krdb
