//! Handing freed memory back to the system between large files, and a cache of small freed
//! blocks per thread in front of glibc's allocator ([`ThreadCache`]).
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
//!
//! All of it is glibc's: `glibc.rs` holds the calls into it and the cache, and on any other
//! allocator (`portable.rs`) each function here does nothing and the binary's allocator is the
//! system's own.

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod glibc;
#[cfg(all(target_os = "linux", target_env = "gnu"))]
use glibc as platform;

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
mod portable;
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
use portable as platform;

/// Returns freed heap pages to the system, where the allocator allows it; elsewhere nothing.
/// The calling thread's cached blocks go back to glibc first ([`hand_back_cached`]).
pub fn release_free_memory() {
    hand_back_cached();
    platform::trim();
}

/// Serves every block of 1 MB or more from its own mapping, returned to the system when freed,
/// where the allocator allows it; elsewhere nothing. Called once, before any thread starts.
pub fn map_large_blocks() {
    platform::set_mmap_threshold(1 << 20);
}

/// Lets each heap keep up to 1 MB of free room at its top, where the allocator allows it;
/// elsewhere nothing. Called once, before any thread starts.
pub fn keep_free_room() {
    platform::set_trim_threshold(1 << 20);
}

/// The global allocator of the `kpilint` binary: glibc's, with a cache of small freed blocks
/// per thread in front of it.
///
/// A reader allocates a block of forms' models, the rules judge them, and the block is freed
/// together: tens of thousands of small allocations, then as many frees. glibc's own cache per
/// thread keeps seven blocks of a size; the rest go through its arena's bins, and each vector
/// of a kilobyte or more that a form allocates makes it merge its fast bins first. Sampled,
/// the allocator was 14% of reading's time; with glibc's cache made large enough for a block
/// (`GLIBC_TUNABLES`), reading took 10% less time (docs/performance.md, the fifty-ninth session).
///
/// Blocks of up to 1,016 bytes (`SMALL_MAX` in `glibc.rs`) are rounded up to a size glibc gives
/// and kept, once freed, in a list per size on the thread that freed them, up to 512 KB a thread
/// (`CACHED_MAX`), and a thread's cache goes back to glibc when the thread ends. Kept blocks are
/// glibc's to no other size, and among them glibc cannot merge free room: workbooks, whose peak
/// that raised, are read with the cache off ([`uncached`]). Larger blocks go to glibc as they
/// are. Elsewhere than on glibc, every block goes to the system's allocator as it is.
pub struct ThreadCache;

/// Hands the freed blocks the calling thread keeps ([`ThreadCache`]) back to glibc, where they
/// can be merged with their neighbours again: asked of every thread after a file linted alone,
/// and before freed pages are returned to the system ([`release_free_memory`]). Not after each
/// text file: their peak does not grow for the blocks kept, and 2,000 one-form files would
/// keep little of what the cache saves them (4.7% of the instructions; 1.5% handing back after
/// each file).
pub fn hand_back_cached() {
    platform::hand_back();
}

/// Runs `f` with the calling thread keeping no freed blocks ([`ThreadCache`]), its cache handed
/// back to glibc before and after. A workbook is linted so: calamine's buffers of many sizes,
/// allocated among small blocks the cache keeps, made the peak of 10,000 one-form workbooks
/// some 9 MB higher (43 MB against 33–35 MB), and handing the cache back after each workbook
/// did not bring it down; read uncached, 36–38 MB (docs/performance.md, fifty-ninth session).
/// Since the check hands freed memory back every 2 MB of workbooks (`cli::check`), uncached
/// they peak at 28–30 MB however many; with the cache on they still grew, 35–37 MB after
/// 10,000 and 39–41 MB after 30,000 (sixtieth session).
///
/// Scopes nest: a thread waiting inside one may run another file's work that rayon hands it,
/// and the cache stays off until the outer scope ends. A scope left by a panic (a reader's,
/// caught for its file alone) restores the cache too, so the thread's later files keep theirs.
pub fn uncached<T>(f: impl FnOnce() -> T) -> T {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            platform::set_cache_off(self.0);
        }
    }
    let _restore = Restore(platform::set_cache_off(true));
    f()
}
