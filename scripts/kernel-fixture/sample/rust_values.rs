// SPDX-License-Identifier: GPL-2.0

//! Formatter test sample (loadable module): every kernel Rust type krdb's formatters know, held
//! in memory at once, then a Rust panic so the dump has them all.
//!
//! Loaded by the kit's init with `krdb_values=1` (stage `boot_values`); built against the kit's
//! kernel and loaded into its committed bzImage, so the vmlinux and every other dump stay as
//! they are. What it holds (reachable from the module global [`VALUES`] and from the locals of
//! the panicking frame, `Values::inspect`):
//! - big containers: a `KVec<u32>` of 100,000 elements and a `List` of 10,000 entries (the
//!   formatter benchmark's inputs);
//! - corrupted ones, made on purpose: a `List` whose third node links back to its second (a
//!   cycle that never returns to the head), a `List` whose second node points at poison, and a
//!   `KVec` whose `len` claims 2^40 elements over a 4-element buffer;
//! - a `CondVar` with two waiters queued (wait-queue entries added as sleepers would add them)
//!   and one with none; a `workqueue::Work` item;
//! - `UniqueArc`, `ArcBorrow` (a local), `VBox`, `KVBox`, `VVec`, `Opaque<list_head>`, a `Mutex`
//!   and a `SpinLock` held during the panic, a `&dyn Shape` (a vtable in this module),
//!   `Error`s, `Result`s, niche `Option`s, a tuple, atomics, `Cell`, `ManuallyDrop`;
//! - Rust's own `&str`, `&[u16]`, `MaybeUninit`, an `ArcBorrow` and a `ListArc` held in fields,
//!   and the C types Rust holds: a `*mut task_struct`, `refcount_t`/`atomic_t`, `spinlock_t`.

use core::cell::Cell;
use core::mem::{ManuallyDrop, MaybeUninit};
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use kernel::prelude::*;
use kernel::{
    bindings, c_str,
    list::{impl_has_list_links, impl_list_arc_safe, impl_list_item, List, ListArc, ListLinks},
    new_condvar,
    sync::{new_mutex, new_spinlock, Arc, ArcBorrow, CondVar, Mutex, SpinLock, UniqueArc},
    types::Opaque,
    workqueue::{impl_has_work, new_work, Work, WorkItem},
};

module! {
    type: RustValues,
    name: "rust_values",
    author: "rust_crashme sample authors",
    description: "Formatter test sample: kernel Rust values held in memory, then a panic",
    license: "GPL",
}

/// Elements of the big vector and entries of the big list (the benchmark's sizes).
const BIG_VEC_LEN: u32 = 100_000;
const BIG_LIST_LEN: u32 = 10_000;
/// What the corrupted vector's `len` claims.
const HUGE_LEN: usize = 1 << 40;
/// A `next` pointer no kernel address maps (LIST_POISON1's value on x86-64).
const POISON: usize = 0xdead_0000_0000_0100;

/// An entry of the intrusive lists.
#[allow(dead_code)]
#[pin_data]
struct Entry {
    id: u32,
    #[pin]
    links: ListLinks<0>,
}

impl_has_list_links! {
    impl HasListLinks<0> for Entry { self.links }
}
impl_list_arc_safe! {
    impl ListArcSafe<0> for Entry { untracked; }
}
impl_list_item! {
    impl ListItem<0> for Entry { using ListLinks; }
}

/// Two condition variables: one with waiters queued, one without.
#[pin_data]
struct Waitable {
    #[pin]
    busy: CondVar,
    #[pin]
    idle: CondVar,
    waiters: u32,
}

/// A work item, initialised and never queued.
#[allow(dead_code)]
#[pin_data]
struct Job {
    id: u32,
    #[pin]
    work: Work<Job>,
}

impl_has_work! {
    impl HasWork<Self> for Job { self.work }
}

impl WorkItem for Job {
    type Pointer = Arc<Job>;
    fn run(this: Arc<Job>) {
        pr_info!("job {} ran\n", this.id);
    }
}

/// A trait object held through a `&dyn Shape` (its vtable is in this module).
trait Shape {
    fn area(&self) -> u32;
}

#[allow(dead_code)]
struct Rect {
    w: u32,
    h: u32,
}

impl Shape for Rect {
    fn area(&self) -> u32 {
        self.w * self.h
    }
}

#[allow(dead_code)]
#[derive(Clone, Copy)]
struct Pair {
    key: u32,
    weight: i16,
}

/// Everything the sample holds.
#[allow(dead_code)]
struct Values {
    big: KVec<u32>,
    entries: List<Entry>,
    cyclic: List<Entry>,
    broken: List<Entry>,
    huge: ManuallyDrop<KVec<u64>>,
    wait: Pin<KBox<Waitable>>,
    job: Arc<Job>,
    unique: UniqueArc<Pair>,
    vbox: VBox<Pair>,
    kvbox: KVBox<Pair>,
    vvec: VVec<u16>,
    head: Opaque<bindings::list_head>,
    locked: Arc<Mutex<u32>>,
    spin: Pin<KBox<SpinLock<u64>>>,
    shape: &'static dyn Shape,
    errors: [Error; 3],
    results: (Result<u32, Error>, Result<u32, Error>),
    maybe: (Option<NonNull<u8>>, Option<u32>, Option<KBox<Pair>>),
    hits: AtomicU64,
    cell: Cell<u32>,
    name: &'static CStr,
    text: &'static str,
    slice: &'static [u16],
    uninit: MaybeUninit<u64>,
    borrow: ArcBorrow<'static, Job>,
    single: ListArc<Entry>,
    task: *mut bindings::task_struct,
    count: Opaque<bindings::refcount_t>,
    raw_lock: Opaque<bindings::spinlock_t>,
}

/// What `Values::slice` borrows.
static PRIMES: [u16; 5] = [2, 3, 5, 7, 11];

/// The live `Values` (null before init). Read at the end of init, so it is kept.
static VALUES: AtomicPtr<Values> = AtomicPtr::new(ptr::null_mut());

/// A list of `ids.len()` entries.
fn list_of(ids: impl Iterator<Item = u32>) -> Result<List<Entry>> {
    let mut list = List::new();
    for id in ids {
        let entry = ListArc::pin_init(
            try_pin_init!(Entry { id, links <- ListLinks::new() }? Error),
            GFP_KERNEL,
        )?;
        list.push_back(entry);
    }
    Ok(list)
}

/// The `next` slot of the links of the list entry with this `id` (the first field of
/// `ListLinks`' C-layout fields: `next`, then `prev`).
fn next_slot(list: &List<Entry>, id: u32) -> Option<*mut usize> {
    let entry = list.iter().find(|e| e.id == id)?;
    Some(ptr::addr_of!(entry.links).cast::<usize>().cast_mut())
}

/// Queues a wait-queue entry for the current task on `cond`, as a sleeper's
/// `prepare_to_wait` would, without sleeping.
fn add_waiter(cond: &CondVar) -> Result<KBox<Opaque<bindings::wait_queue_entry>>> {
    let entry = KBox::new(Opaque::<bindings::wait_queue_entry>::uninit(), GFP_KERNEL)?;
    // SAFETY: `entry` is a fresh allocation that outlives the queue (it is leaked below);
    // `CondVar` starts with its `wait_queue_head` (a `#[pin]` `Opaque`, its only sized field).
    unsafe {
        bindings::init_wait_entry(entry.get(), 0);
        bindings::add_wait_queue(ptr::from_ref(cond).cast::<bindings::wait_queue_head>().cast_mut(), entry.get());
    }
    Ok(entry)
}

impl Values {
    fn build() -> Result<KBox<Values>> {
        let mut big = KVec::with_capacity(BIG_VEC_LEN as usize, GFP_KERNEL)?;
        for i in 0..BIG_VEC_LEN {
            big.push(i * 3, GFP_KERNEL)?;
        }
        let entries = list_of(0..BIG_LIST_LEN)?;

        // 1 -> 2 -> 3 -> back to 2: a cycle that never returns to the head.
        let cyclic = list_of(1..=4)?;
        if let (Some(third), Some(second)) = (next_slot(&cyclic, 3), next_slot(&cyclic, 2)) {
            // SAFETY: both are live entries of `cyclic`, which is never walked by Rust again.
            unsafe { third.write(second as usize) };
        }
        // 1 -> 2 -> poison.
        let broken = list_of(1..=3)?;
        if let Some(second) = next_slot(&broken, 2) {
            // SAFETY: as above; `broken` is never walked or dropped by Rust again.
            unsafe { second.write(POISON) };
        }

        let mut huge = KVec::with_capacity(4, GFP_KERNEL)?;
        for i in 0..4u64 {
            huge.push(0x7700 + i, GFP_KERNEL)?;
        }
        // SAFETY: none, on purpose: the vector claims more than it holds and is never read or
        // dropped by Rust again (ManuallyDrop).
        unsafe { huge.set_len(HUGE_LEN) };

        let wait = KBox::pin_init(
            pin_init!(Waitable {
                busy <- new_condvar!("rust_values::busy"),
                idle <- new_condvar!("rust_values::idle"),
                waiters: 2,
            }),
            GFP_KERNEL,
        )?;
        for _ in 0..2 {
            // The entries stay queued: leak them with the sample.
            KBox::leak(add_waiter(&wait.busy)?);
        }

        let job = Arc::pin_init(pin_init!(Job { id: 7, work <- new_work!("rust_values::job") }), GFP_KERNEL)?;

        let mut vvec = VVec::new();
        for i in 0..1000u16 {
            vvec.push(i, GFP_KERNEL)?;
        }
        let spin = KBox::pin_init(new_spinlock!(0x5151u64, "rust_values::spin"), GFP_KERNEL)?;
        // 6.12's `KBox` does not coerce to `KBox<dyn …>`: a leaked box gives the `&dyn`.
        let shape: &'static dyn Shape = KBox::leak(KBox::new(Rect { w: 6, h: 7 }, GFP_KERNEL)?);
        // A second reference to the job, leaked, so a field can hold an ArcBorrow<'static>.
        let job_ref: &'static Arc<Job> = KBox::leak(KBox::new(job.clone(), GFP_KERNEL)?);
        let single = ListArc::pin_init(try_pin_init!(Entry { id: 77, links <- ListLinks::new() }? Error), GFP_KERNEL)?;
        // The task that loads the module: `Task` wraps `task_struct` (repr(transparent)).
        let task = ptr::from_ref(current!()).cast::<bindings::task_struct>().cast_mut();

        let values = KBox::new(
            Values {
                big,
                entries,
                cyclic,
                broken,
                huge: ManuallyDrop::new(huge),
                wait,
                job,
                unique: UniqueArc::new(Pair { key: 11, weight: -11 }, GFP_KERNEL)?,
                vbox: VBox::new(Pair { key: 22, weight: -22 }, GFP_KERNEL)?,
                kvbox: KVBox::new(Pair { key: 33, weight: -33 }, GFP_KERNEL)?,
                vvec,
                head: Opaque::new(bindings::list_head { next: ptr::null_mut(), prev: ptr::null_mut() }),
                locked: Arc::pin_init(new_mutex!(41u32, "rust_values::locked"), GFP_KERNEL)?,
                spin,
                shape,
                errors: [EINVAL, ENOENT, EAGAIN],
                results: (Ok(5), Err(EBUSY)),
                maybe: (NonNull::new(0x1000 as *mut u8), None, Some(KBox::new(Pair { key: 44, weight: 4 }, GFP_KERNEL)?)),
                hits: AtomicU64::new(0x1234_5678_9abc),
                cell: Cell::new(99),
                name: c_str!("rust_values"),
                text: "kernel rust",
                slice: &PRIMES,
                uninit: MaybeUninit::new(0xfeed),
                borrow: job_ref.as_arc_borrow(),
                single,
                task,
                count: Opaque::new(bindings::refcount_t { refs: bindings::atomic_t { counter: 3 } }),
                // SAFETY: an all-zero spinlock_t is an unlocked one (what spin_lock_init leaves).
                raw_lock: Opaque::new(unsafe { core::mem::zeroed() }),
            },
            GFP_KERNEL,
        )?;
        // SAFETY: the `list_head` is ours and pinned in the box: point it at itself (empty).
        unsafe {
            let head = values.head.get();
            (*head).next = head;
            (*head).prev = head;
        }
        Ok(values)
    }

    /// Holds the mutex and the spin lock, borrows the `Arc`, then panics: the dump's panicking
    /// frame has the values, a lock guard and an `ArcBorrow` among its locals.
    #[inline(never)]
    fn inspect(&self) {
        let borrowed: ArcBorrow<'_, Job> = self.job.as_arc_borrow();
        let guard = self.locked.lock();
        let spun = self.spin.lock();
        let area = self.shape.area();
        panic!(
            "rust_values: {} values held (vec {}, list {}, job {}, locked {}, spin {:#x}, area {})",
            self.name.to_str().unwrap_or("?"),
            self.big.len(),
            BIG_LIST_LEN,
            borrowed.id,
            *guard,
            *spun,
            area
        );
    }
}

struct RustValues;

impl kernel::Module for RustValues {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let values = Values::build()?;
        let raw = KBox::into_raw(values);
        VALUES.store(raw, Ordering::Release);
        // SAFETY: `raw` came from `KBox::into_raw` just above and is never freed.
        let values = unsafe { &*VALUES.load(Ordering::Acquire) };
        values.inspect();
        Ok(RustValues)
    }
}
