// demangle/: the API contract beyond rustfilt agreement — schemes, C++, invalid input returned
// unchanged, limits, the text filter and the short form.
#include <catch2/catch.hpp>

#include <string>

#include "krdb/demangle/demangle.h"

using namespace krdb;

TEST_CASE("demangle reports the scheme and keeps invalid input unchanged", "[demangle]") {
  auto v0 = demangle("_RNvNtCs1234_6kernel5print11call_printk");
  CHECK(v0.ok);
  CHECK(v0.scheme == SymbolScheme::RustV0);
  CHECK(v0.text == "kernel::print::call_printk");
  auto legacy = demangle("_ZN4core3fmt5write17h0123456789abcdefE");
  CHECK(legacy.scheme == SymbolScheme::RustLegacy);
  CHECK(legacy.text == "core::fmt::write");
  auto cxx = demangle("_ZN3foo3barEv");
  CHECK(cxx.scheme == SymbolScheme::Cxx);
  CHECK(cxx.text == "foo::bar()");
  auto c = demangle("rust_crashme_c_walk");
  CHECK_FALSE(c.ok);
  CHECK(c.text == "rust_crashme_c_walk");
  auto bad = demangle("_RNvC3foo3ba");
  CHECK_FALSE(bad.ok);
  CHECK(bad.text == "_RNvC3foo3ba");
}

TEST_CASE("demangle is bounded: recursion depth and output size", "[demangle]") {
  std::string deep = "_RINvC3foo3bar" + std::string(100000, 'R') + "hE";
  auto d = demangle(deep);
  CHECK_FALSE(d.ok);  // over the depth limit while validating: not a valid name
  DemangleOptions small;
  small.max_output = 64;
  auto capped = demangle("_RINvC3foo3barhtmyojaslhtmyojaslhtmyojaslhtmyojaslE", small);
  CHECK(capped.ok);
  CHECK(capped.text.size() <= 64 + std::string("{size limit reached}").size());
  CHECK(capped.text.find("{size limit reached}") != std::string::npos);
}

TEST_CASE("demangle_in_text rewrites names inside text and keeps the rest byte-exact",
          "[demangle]") {
  std::string oops =
      " ? _RNvCsfgHYwM92fyn_7___rustc17rust_begin_unwind+0x3f/0x40\r\n"
      "  rust_crashme_c_walk+0x43/0x70 MAX_RETRIES=_ZN3foo3barE\n";
  CHECK(demangle_in_text(oops) ==
        " ? __rustc::rust_begin_unwind+0x3f/0x40\r\n"
        "  rust_crashme_c_walk+0x43/0x70 MAX_RETRIES=foo::bar\n");
  CHECK(demangle_in_text("") == "");
  CHECK(demangle_in_text("_") == "_");
  CHECK(demangle_in_text("x_R") == "x_R");
}

TEST_CASE("short form elides well-known crate paths and collapses deep generics", "[demangle]") {
  DemangleOptions opt;
  opt.form = DemangleForm::Short;
  auto s = [&](const char* full) { return shorten_rust_name(full, opt.short_form); };
  CHECK(s("core::ptr::drop_in_place::<alloc::sync::Arc<kernel::sync::lock::Mutex<u32>>>") ==
        "drop_in_place::<Arc<…>>");
  CHECK(s("<alloc::sync::Arc<kernel::sync::lock::Mutex<u32>> as core::ops::drop::Drop>::drop") ==
        "<Arc<Mutex<…>> as Drop>::drop");
  CHECK(s("core::fmt::Formatter::write_str") == "Formatter::write_str");
  CHECK(s("core::panicking::panic_fmt") == "panic_fmt");
  CHECK(s("kernel::init::pin_init::{closure#0}") == "pin_init::{closure#0}");
  CHECK(s("rust_crashme::CrashmeState::check") == "rust_crashme::CrashmeState::check");
  CHECK(s("fn(&str) -> core::option::Option<u8>") == "fn(&str) -> Option<u8>");
  opt.short_form.elided_crates = {"core"};
  CHECK(shorten_rust_name("kernel::print::call_printk", opt.short_form) == "kernel::print::call_printk");
  CHECK(demangle("_RNvNtCs1234_6kernel5print11call_printk", opt).text == "kernel::print::call_printk");
}

TEST_CASE("demangle: v0 pattern types as rustc-demangle prints them", "[demangle]") {
  // Expected text from rustc-demangle 0.1.26's own tests (demangle_pat_ty): Debian's rustfilt
  // (rustc-demangle 0.1.21) predates pattern types, so it is no oracle for them.
  CHECK(demangle_text("_RMC0WmRm1_m9_") == "<u32 is 1..=9>");
  CHECK(demangle_text("_RMC0WmORm1_m2_Rm5_m6_E") == "<u32 is 1..=2 | 5..=6>");
  CHECK(demangle_text("_RMC0WmN") == "<u32 is !null>");
  // The non-alternate form ({} in rustc-demangle, rustfilt --hash) suffixes integer constants.
  CHECK(demangle_text("_RMC0WmRm1_m9_", DemangleForm::Verbose) == "<u32 is 1u32..=9u32>");
  // An or-pattern without its closing E is invalid, as in rustc-demangle; so is an unknown tag.
  CHECK_FALSE(demangle("_RMC0WmORm1_m2_Rm5_m6_").ok);
  CHECK_FALSE(demangle("_RMC0WmX").ok);
  // Nested or-patterns are bounded by the recursion limit.
  std::string deep = "_RMC0Wm" + std::string(1000, 'O') + "N" + std::string(1000, 'E');
  CHECK_FALSE(demangle(deep).ok);
}

TEST_CASE("demangle: the limits come from Limits (demangle_depth, demangle_output)", "[demangle]") {
  const std::string nested = "_RINvC3foo3bar" + std::string(40, 'R') + "hE";  // depth 40
  CHECK(demangle(nested).ok);
  Limits saved = default_limits();
  REQUIRE(set_limit(default_limits(), "demangle_depth", 20));
  CHECK_FALSE(demangle(nested).ok);  // over the depth set by name
  REQUIRE(set_limit(default_limits(), "demangle_depth", 500));
  REQUIRE(set_limit(default_limits(), "demangle_output", 16));
  auto capped = demangle("_RNvNtCs1234_6kernel5print11call_printk");
  CHECK(capped.text.find("{size limit reached}") != std::string::npos);
  default_limits() = saved;
  CHECK(demangle("_RNvNtCs1234_6kernel5print11call_printk").text == "kernel::print::call_printk");
}
