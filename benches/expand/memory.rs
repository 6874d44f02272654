//! Memory: the allocator the binaries ship, counting on demand, and the report of the heap
//! use per size (`cargo bench --bench expand -- --memory`).

use super::case::Case;
use super::{FITTING, SIZES};
use compose_to_ecs::macro_;
use mimalloc::MiMalloc as Inner;
use serde_json::Map;
use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering::Relaxed};

/// The allocator the binaries ship (mimalloc), counting while `COUNTING` is set (one relaxed load otherwise, so
/// the timings are not affected).
struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static CURRENT: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static ALLOCATED: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = CURRENT.fetch_add(by as isize, Relaxed) + by as isize;
    PEAK.fetch_max(now, Relaxed);
}

// SAFETY: every call is forwarded to `Inner` unchanged; only counters are updated.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { Inner.alloc(layout) };
        if !p.is_null() && COUNTING.load(Relaxed) {
            ALLOCATIONS.fetch_add(1, Relaxed);
            ALLOCATED.fetch_add(layout.size(), Relaxed);
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { Inner.dealloc(ptr, layout) };
        if COUNTING.load(Relaxed) {
            CURRENT.fetch_sub(layout.size() as isize, Relaxed);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { Inner.realloc(ptr, layout, new_size) };
        if !p.is_null() && COUNTING.load(Relaxed) {
            ALLOCATIONS.fetch_add(1, Relaxed);
            if new_size > layout.size() {
                ALLOCATED.fetch_add(new_size - layout.size(), Relaxed);
                grew(new_size - layout.size());
            } else {
                CURRENT.fetch_sub((layout.size() - new_size) as isize, Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Heap use of one call: the peak above what was live before it, the number of
/// allocations (reallocations included) and the bytes they asked for.
struct Usage {
    peak: usize,
    allocations: usize,
    allocated: usize,
}

fn measure<T>(f: impl FnOnce() -> T) -> Usage {
    CURRENT.store(0, Relaxed);
    PEAK.store(0, Relaxed);
    ALLOCATIONS.store(0, Relaxed);
    ALLOCATED.store(0, Relaxed);
    COUNTING.store(true, Relaxed);
    let out = f();
    COUNTING.store(false, Relaxed);
    drop(out);
    Usage {
        peak: PEAK.load(Relaxed).max(0) as usize,
        allocations: ALLOCATIONS.load(Relaxed),
        allocated: ALLOCATED.load(Relaxed),
    }
}

fn mib(bytes: usize) -> String {
    format!("{:.2} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// Prints, per size: the event and response sizes, then the heap use of the floor, of the
/// macro handler (`handle_bytes`: the Lambda's work per event; past the resource limit it
/// does all the work and answers with the limit error) and of `pipeline`.
pub fn memory_report() {
    println!("| services | resources | event | response | what | peak heap | allocations | bytes allocated |");
    println!("|---:|---:|---:|---:|---|---:|---:|---:|");
    let mut sizes: Vec<usize> = SIZES.iter().chain(FITTING).copied().collect();
    sizes.sort_unstable();
    sizes.dedup();
    for n in sizes {
        let case = Case::new(n);
        let response_len = serde_json::to_string(&case.response).unwrap().len();
        let resources = case.response["fragment"]["Resources"]
            .as_object()
            .map_or(0, Map::len);
        let rows = [
            ("floor", measure(|| case.floor())),
            (
                "handle_bytes",
                measure(|| macro_::handle_bytes(case.text.as_bytes())),
            ),
            ("pipeline", measure(|| case.pipeline())),
        ];
        for (what, u) in rows {
            println!(
                "| {n} | {resources} | {} | {} | {what} | {} | {} | {} |",
                mib(case.text.len()),
                mib(response_len),
                mib(u.peak),
                u.allocations,
                mib(u.allocated),
            );
        }
    }
}
