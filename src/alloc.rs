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
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
        }
        /// `M_MMAP_THRESHOLD` in glibc's `malloc.h`. Setting it also turns off its dynamic
        /// raising.
        const M_MMAP_THRESHOLD: std::ffi::c_int = -3;
        // SAFETY: mallopt takes no pointers; glibc documents it as safe to call at any time,
        // and it is called before any other thread exists.
        unsafe {
            mallopt(M_MMAP_THRESHOLD, 1 << 20);
        }
    }
}
