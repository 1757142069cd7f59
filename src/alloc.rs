//! Handing freed memory back to the system between large files.
//!
//! A large file is read and checked by every thread at once, and glibc keeps a heap (arena) per
//! thread: memory one thread freed after one file stays resident in its arena while the next
//! file's peak lands in another. Over dozens of 10 MB files the process held the sum of those
//! high-water marks, not one file's worth (docs/performance.md). `malloc_trim` returns the free
//! pages of every arena to the system.
//!
//! glibc also raises its threshold for serving a block from its own `mmap` each time such a
//! block is freed, up to 32 MB: after the first 10 MB file, every later file's text and
//! large vectors came from the arenas, and their freed space there stayed resident. The
//! threshold is set once, at 1 MB (thirty 10 MB files: 62.5 MB → 59.5 MB at peak, in the same
//! time; files of ordinary size allocate nothing that large).
//!
//! And glibc hands the free top of a heap back to the system as soon as it passes 128 KB: a
//! file of ordinary size (a few hundred kilobytes of text) freed at the top of its thread's heap
//! was handed back, and the next file's text faulted in again, page by page. Over 100,000 forms
//! in 1,000 files that was 36,000–56,000 page faults and 0.1–0.3 s of system time. The
//! threshold is raised to 1 MB (`keep_free_room`), the size from which blocks are mapped on
//! their own: what a heap serves fits in the room it keeps. 512 KB spared as many faults; 4 MB
//! added a megabyte to the peak of a 10 MB workbook, 1 MB a third of one (docs/performance.md).

/// Returns freed heap pages to the system, where the allocator allows it; elsewhere nothing.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: malloc_trim takes no pointers and only releases memory no allocation owns;
        // glibc documents it as safe to call at any time from any thread.
        unsafe {
            malloc_trim(0);
        }
    }
}

/// Serves every block of 1 MB or more from its own mapping, returned to the system when freed,
/// where the allocator allows it; elsewhere nothing. Called once, before any thread starts.
pub fn map_large_blocks() {
    /// `M_MMAP_THRESHOLD` in glibc's `malloc.h`. Setting it also turns off its dynamic raising.
    const M_MMAP_THRESHOLD: i32 = -3;
    set_malloc_option(M_MMAP_THRESHOLD, 1 << 20);
}

/// Lets each heap keep up to 1 MB of free room at its top, where the allocator allows it;
/// elsewhere nothing. Called once, before any thread starts.
pub fn keep_free_room() {
    /// `M_TRIM_THRESHOLD` in glibc's `malloc.h`: the free room at a heap's top past which it
    /// is handed back.
    const M_TRIM_THRESHOLD: i32 = -1;
    set_malloc_option(M_TRIM_THRESHOLD, 1 << 20);
}

/// glibc's `mallopt`; elsewhere nothing.
#[cfg_attr(
    not(all(target_os = "linux", target_env = "gnu")),
    allow(unused_variables)
)]
fn set_malloc_option(param: i32, value: i32) {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
        }
        // SAFETY: mallopt takes no pointers; glibc documents it as safe to call at any time,
        // and it is called before any other thread exists.
        unsafe {
            mallopt(param, value);
        }
    }
}
