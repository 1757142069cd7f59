//! The allocator's side of [`super`] elsewhere than on glibc: nothing to tune or trim, and the
//! binary's allocator is the system's own.

use std::alloc::{GlobalAlloc, Layout, System};

pub fn trim() {}

pub fn set_mmap_threshold(_bytes: i32) {}

pub fn set_trim_threshold(_bytes: i32) {}

pub fn hand_back() {}

/// No cache to turn off: it keeps nothing, as if always off.
pub fn set_cache_off(_off: bool) -> bool {
    true
}

// SAFETY: every call is the system allocator's own.
unsafe impl GlobalAlloc for super::ThreadCache {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        System.alloc_zeroed(layout)
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        System.dealloc(p, layout)
    }
    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        System.realloc(p, layout, new_size)
    }
}
