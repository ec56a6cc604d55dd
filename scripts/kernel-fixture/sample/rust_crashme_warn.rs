// SPDX-License-Identifier: GPL-2.0

//! Crash-dump test sample: a kernel WARNING raised from Rust (loadable module).
//!
//! With `rust_crashme=4` its init increments a `refcount_t` that is already 0 through the
//! kernel's C refcount API, as code touching a freed object would: lib/refcount.c prints
//! "refcount_t: addition on 0; use-after-free." and a `WARNING:` report whose stack is
//! `RustCrashmeWarn::init` (Rust, .ko) -> `refcount_warn_saturate` (C). The kernel goes on and
//! the module loads normally, so a console log can hold this report and the next ones.

use core::ffi::c_int;
use kernel::bindings;
use kernel::prelude::*;

module! {
    type: RustCrashmeWarn,
    name: "rust_crashme_warn",
    author: "rust_crashme sample authors",
    description: "Rust crash-dump test sample: a WARNING from Rust",
    license: "GPL",
}

extern "C" {
    fn rust_crashme_get_mode() -> c_int;
}

struct RustCrashmeWarn {
    _counter: KBox<bindings::refcount_t>,
}

impl kernel::Module for RustCrashmeWarn {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // SAFETY: Plain C getter exported by vmlinux.
        let mode = unsafe { rust_crashme_get_mode() };
        // SAFETY: REFCOUNT_INIT only builds the value.
        let mut counter = KBox::new(unsafe { bindings::REFCOUNT_INIT(0) }, GFP_KERNEL)?;
        if mode == 4 {
            // Deliberate: an increment from 0 is the refcount API's use-after-free warning.
            // SAFETY: `counter` is a valid, owned refcount_t.
            unsafe { bindings::refcount_inc(&mut *counter) };
        }
        pr_info!("mode {}: counter {}\n", mode, counter.refs.counter);
        Ok(RustCrashmeWarn { _counter: counter })
    }
}
