//! The allocator's side of [`super`] on glibc: `malloc_trim` and `mallopt`, and the cache of
//! small freed blocks per thread ([`super::ThreadCache`]) in front of its `malloc`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;
use std::ptr;

/// Returns the free pages of every arena to the system.
pub fn trim() {
    extern "C" {
        fn malloc_trim(pad: usize) -> std::ffi::c_int;
    }
    // SAFETY: malloc_trim takes no pointers and only releases memory no allocation owns;
    // glibc documents it as safe to call at any time from any thread.
    unsafe {
        malloc_trim(0);
    }
}

/// Sets `M_MMAP_THRESHOLD` (glibc's `malloc.h`): blocks of this size or more are mapped on
/// their own. Setting it also turns off glibc's raising of it as such blocks are freed.
pub fn set_mmap_threshold(bytes: i32) {
    const M_MMAP_THRESHOLD: i32 = -3;
    set_malloc_option(M_MMAP_THRESHOLD, bytes);
}

/// Sets `M_TRIM_THRESHOLD` (glibc's `malloc.h`): the free room at a heap's top past which it
/// is handed back.
pub fn set_trim_threshold(bytes: i32) {
    const M_TRIM_THRESHOLD: i32 = -1;
    set_malloc_option(M_TRIM_THRESHOLD, bytes);
}

fn set_malloc_option(param: i32, value: i32) {
    extern "C" {
        fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
    }
    // SAFETY: mallopt takes no pointers; glibc documents it as safe to call at any time, and it
    // is called before any other thread exists.
    unsafe {
        mallopt(param, value);
    }
}

/// The sizes the cache keeps: those glibc gives a block of (a chunk of a multiple of sixteen
/// bytes, less its eight-byte header), from 24 bytes to [`SMALL_MAX`]. Rounded to a multiple of
/// sixteen instead, a request of 24 bytes would take a chunk of 48, not 32.
const STEP: usize = 16;
const SIZES: usize = 63;
/// The largest block the cache keeps.
const SMALL_MAX: usize = SIZES * STEP + 8;

/// The bytes of freed blocks a thread keeps at most; past it, freed blocks go back to glibc.
/// Over 3,000 generated forms, 256 KB saved 4.0% of the instructions, 512 KB 5.4% and 1 MB no
/// more; the 10 MB workbook of 8,500 sheets, whose peak is nearest the 64 MB line, peaked
/// 0.8 MB higher at 512 KB and 2.3 MB higher at 1 MB (docs/performance.md).
const CACHED_MAX: usize = 512 << 10;

/// A thread's freed blocks: per size, a list linked through the blocks' first word.
struct Lists {
    heads: [*mut u8; SIZES],
    bytes: usize,
    /// Whether the thread keeps no freed blocks for now ([`super::uncached`]).
    off: bool,
}

struct Cache(UnsafeCell<Lists>);

impl Drop for Cache {
    fn drop(&mut self) {
        drain(self.0.get_mut());
    }
}

/// Hands this thread's freed blocks back to glibc.
pub fn hand_back() {
    // SAFETY: the lists are this thread's alone, and no reference to them outlives this
    // call.
    let _ = CACHE.try_with(|c| drain(unsafe { &mut *c.0.get() }));
}

/// Frees every block of `lists` to `System`, and empties them.
fn drain(lists: &mut Lists) {
    for (class, head) in lists.heads.iter_mut().enumerate() {
        let mut at = std::mem::replace(head, ptr::null_mut());
        while !at.is_null() {
            // SAFETY: every block in a list was allocated by `System` with its size's
            // layout, and holds the next block's address in its first word.
            unsafe {
                let next = *at.cast::<*mut u8>();
                System.dealloc(at, size_layout(class));
                at = next;
            }
        }
    }
    lists.bytes = 0;
}

thread_local! {
    static CACHE: Cache = const {
        Cache(UnsafeCell::new(Lists { heads: [ptr::null_mut(); SIZES], bytes: 0, off: false }))
    };
}

/// The size (an index) a block of `layout` is rounded to, if the cache keeps such blocks:
/// size `class` is `bytes(class)` long.
#[inline]
pub fn size_of(layout: &Layout) -> Option<usize> {
    let n = layout.size();
    (n != 0 && n <= SMALL_MAX && layout.align() <= STEP).then(|| (n.max(24) + 7) / STEP - 1)
}

/// The bytes of a block of size `class`: 24, 40, 56 … [`SMALL_MAX`].
#[inline]
pub fn bytes(class: usize) -> usize {
    (class + 1) * STEP + 8
}

/// The layout every block of a size is allocated from `System` with.
#[inline]
fn size_layout(class: usize) -> Layout {
    // SAFETY: no larger than SMALL_MAX, aligned to sixteen (a power of two).
    unsafe { Layout::from_size_align_unchecked(bytes(class), STEP) }
}

/// A freed block of `class` this thread keeps, if it has one.
#[inline]
fn take(class: usize) -> *mut u8 {
    CACHE
        .try_with(|c| {
            // SAFETY: the lists are this thread's alone, and no reference to them outlives
            // this call; a block in a list holds the next one's address.
            unsafe {
                let lists = &mut *c.0.get();
                let head = lists.heads[class];
                if !head.is_null() {
                    lists.heads[class] = *head.cast::<*mut u8>();
                    lists.bytes -= bytes(class);
                }
                head
            }
        })
        // The thread's cache is gone (the thread is ending): none.
        .unwrap_or(ptr::null_mut())
}

/// Turns this thread's cache off (its blocks handed back) or on again: whether it was off.
pub fn set_cache_off(off: bool) -> bool {
    // SAFETY: as in `hand_back`.
    CACHE
        .try_with(|c| {
            let lists = unsafe { &mut *c.0.get() };
            drain(lists);
            std::mem::replace(&mut lists.off, off)
        })
        // The thread's cache is gone: it keeps nothing.
        .unwrap_or(true)
}

/// The bytes of freed blocks this thread keeps.
#[cfg(test)]
pub fn cached_bytes() -> usize {
    // SAFETY: read on the thread the lists are of, with no reference to them alive.
    CACHE.with(|c| unsafe { (*c.0.get()).bytes })
}

/// Keeps the freed block `p` of `class` on this thread, unless the thread keeps enough:
/// whether it did.
#[inline]
fn keep(class: usize, p: *mut u8) -> bool {
    CACHE
        .try_with(|c| {
            // SAFETY: as in `take`; `p` is a block of `class` no one uses any more, at
            // least a word long and aligned to one.
            unsafe {
                let lists = &mut *c.0.get();
                let size = bytes(class);
                if lists.off || lists.bytes + size > CACHED_MAX {
                    return false;
                }
                *p.cast::<*mut u8>() = lists.heads[class];
                lists.heads[class] = p;
                lists.bytes += size;
                true
            }
        })
        .unwrap_or(false)
}

// SAFETY: every block is `System`'s: a small one allocated with its size's layout (from the
// cache or anew), freed into the cache or to `System` with that layout; a large one allocated,
// grown and freed by `System` with the caller's layout.
unsafe impl GlobalAlloc for super::ThreadCache {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match size_of(&layout) {
            None => System.alloc(layout),
            Some(class) => {
                let p = take(class);
                if p.is_null() {
                    System.alloc(size_layout(class))
                } else {
                    p
                }
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        match size_of(&layout) {
            None => System.alloc_zeroed(layout),
            Some(_) => {
                let p = self.alloc(layout);
                if !p.is_null() {
                    std::ptr::write_bytes(p, 0, layout.size());
                }
                p
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        match size_of(&layout) {
            None => System.dealloc(p, layout),
            Some(class) => {
                if !keep(class, p) {
                    System.dealloc(p, size_layout(class));
                }
            }
        }
    }

    #[inline]
    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        match (size_of(&layout), size_of(&new_layout)) {
            (None, None) => System.realloc(p, layout, new_size),
            // The block already has room for the new size.
            (Some(a), Some(b)) if a == b => p,
            _ => {
                let q = self.alloc(new_layout);
                if !q.is_null() {
                    std::ptr::copy_nonoverlapping(p, q, layout.size().min(new_size));
                    self.dealloc(p, layout);
                }
                q
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{bytes, cached_bytes, size_of, CACHED_MAX, SMALL_MAX};
    use crate::alloc::{uncached, ThreadCache};
    use std::alloc::{GlobalAlloc, Layout};

    fn layout(size: usize) -> Layout {
        Layout::from_size_align(size, 8).unwrap()
    }

    #[test]
    fn sizes_are_those_glibc_gives() {
        // A request is rounded up to the next chunk glibc would give it anyway.
        let of = |n: usize| bytes(size_of(&layout(n)).unwrap());
        assert_eq!(of(1), 24);
        assert_eq!(of(24), 24);
        assert_eq!(of(25), 40);
        assert_eq!(of(40), 40);
        assert_eq!(of(41), 56);
        assert_eq!(of(SMALL_MAX), SMALL_MAX);
        assert_eq!(size_of(&layout(SMALL_MAX + 1)), None);
        // Alignments past sixteen are glibc's to honour.
        assert_eq!(size_of(&Layout::from_size_align(64, 32).unwrap()), None);
        // Never less than asked, never a step more than glibc's smallest chunk needs.
        for n in 1..=SMALL_MAX {
            assert!(
                of(n) >= n && of(n) < n.max(24) + 16,
                "{n} bytes rounded to {}",
                of(n)
            );
        }
    }

    #[test]
    fn a_freed_small_block_is_kept_and_handed_out_again() {
        let before = cached_bytes();
        unsafe {
            let p = ThreadCache.alloc(layout(100));
            ThreadCache.dealloc(p, layout(100));
            assert_eq!(cached_bytes(), before + 104);
            // Any request of the same size takes it back.
            let q = ThreadCache.alloc(layout(90));
            assert_eq!(q, p);
            assert_eq!(cached_bytes(), before);
            ThreadCache.dealloc(q, layout(90));
            // A large block is glibc's alone.
            let big = ThreadCache.alloc(layout(SMALL_MAX + 1));
            ThreadCache.dealloc(big, layout(SMALL_MAX + 1));
            assert_eq!(cached_bytes(), before + 104);
        }
    }

    #[test]
    fn a_thread_keeps_no_more_than_its_bound() {
        let n = CACHED_MAX / SMALL_MAX + 50;
        unsafe {
            let blocks: Vec<*mut u8> = (0..n)
                .map(|_| ThreadCache.alloc(layout(SMALL_MAX)))
                .collect();
            for &p in &blocks {
                ThreadCache.dealloc(p, layout(SMALL_MAX));
            }
            let kept = cached_bytes();
            assert!(
                kept <= CACHED_MAX && kept > CACHED_MAX - SMALL_MAX,
                "{kept} bytes kept"
            );
            // Taken back, and the rest allocated anew.
            let again: Vec<*mut u8> = (0..n)
                .map(|_| ThreadCache.alloc(layout(SMALL_MAX)))
                .collect();
            assert!(cached_bytes() < SMALL_MAX);
            for p in again {
                ThreadCache.dealloc(p, layout(SMALL_MAX));
            }
        }
    }

    #[test]
    fn a_thread_reading_uncached_keeps_nothing_and_then_keeps_again() {
        unsafe {
            let p = ThreadCache.alloc(layout(64));
            ThreadCache.dealloc(p, layout(64));
            assert!(cached_bytes() > 0);
            uncached(|| {
                // What was kept went back; what is freed now is not kept.
                assert_eq!(cached_bytes(), 0);
                let q = ThreadCache.alloc(layout(64));
                ThreadCache.dealloc(q, layout(64));
                assert_eq!(cached_bytes(), 0);
                // An inner scope (another workbook's work run while this one waits) leaves the
                // cache off for the rest of the outer one.
                uncached(|| ());
                let q = ThreadCache.alloc(layout(64));
                ThreadCache.dealloc(q, layout(64));
                assert_eq!(cached_bytes(), 0);
            });
            let r = ThreadCache.alloc(layout(64));
            ThreadCache.dealloc(r, layout(64));
            assert_eq!(cached_bytes(), 64 + 8);
        }
    }

    #[test]
    fn a_scope_left_by_a_panic_turns_the_cache_back_on() {
        let caught = std::panic::catch_unwind(|| uncached(|| panic!("a reader's panic")));
        assert!(caught.is_err());
        unsafe {
            let before = cached_bytes();
            let p = ThreadCache.alloc(layout(64));
            ThreadCache.dealloc(p, layout(64));
            assert_eq!(cached_bytes(), before + 64 + 8);
        }
    }

    #[test]
    fn zeroed_blocks_are_zero_even_when_reused() {
        unsafe {
            let p = ThreadCache.alloc(layout(200));
            std::ptr::write_bytes(p, 0xff, 200);
            ThreadCache.dealloc(p, layout(200));
            let q = ThreadCache.alloc_zeroed(layout(200));
            assert_eq!(q, p, "the freed block is the one handed out");
            assert!(std::slice::from_raw_parts(q, 200).iter().all(|&b| b == 0));
            ThreadCache.dealloc(q, layout(200));
        }
    }

    #[test]
    fn realloc_keeps_the_bytes_whatever_the_sizes() {
        // Within a size, to a larger one, past the cache's sizes, back into them, and between
        // two large sizes.
        let sizes = [10, 20, 30, 500, 1016, 5000, 900, 7, 70_000, 3000];
        unsafe {
            let mut size = 5;
            let p = ThreadCache.alloc(layout(size));
            for i in 0..size {
                *p.add(i) = i as u8;
            }
            let mut p = p;
            for &next in &sizes {
                p = ThreadCache.realloc(p, layout(size), next);
                assert!(!p.is_null());
                let kept = size.min(next);
                for i in 0..kept {
                    assert_eq!(*p.add(i), i as u8, "byte {i} after {size} → {next}");
                }
                for i in kept..next {
                    *p.add(i) = i as u8;
                }
                size = next;
            }
            ThreadCache.dealloc(p, layout(size));
        }
    }

    #[test]
    fn a_thread_keeps_its_blocks_until_it_ends() {
        let kept = std::thread::spawn(|| unsafe {
            let blocks: Vec<*mut u8> = (0..100).map(|_| ThreadCache.alloc(layout(64))).collect();
            for p in blocks {
                ThreadCache.dealloc(p, layout(64));
            }
            cached_bytes()
        })
        .join()
        .unwrap();
        // The thread kept them until it ended; its cache then freed each (a block freed twice
        // or a list walked wrong would abort the test run).
        assert_eq!(kept, 100 * bytes(size_of(&layout(64)).unwrap()));
    }
}
