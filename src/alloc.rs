//! Handing freed memory back to the system between large files.
//!
//! A large file is read and checked by every thread at once, and glibc keeps a heap (arena) per
//! thread: memory one thread freed after one file stays resident in its arena while the next
//! file's peak lands in another. Over dozens of 10 MB files the process held the sum of those
//! high-water marks, not one file's worth (docs/performance.md). `malloc_trim` returns the free
//! pages of every arena to the system.

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
