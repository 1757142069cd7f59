//! Panics inside the third-party spreadsheet readers, told apart from kpilint's own.
//!
//! calamine indexes past the end of damaged `.xls` records without checking (the `ingest`
//! fuzz target found three places in its container reader within two minutes, and a fourth in
//! the record that places a sheet), and later releases still do. Such a panic is the file's
//! damage: the workbook reader catches it and reports the file as unreadable (`I007`), and the
//! run goes on.
//! But Rust's panic hook prints every panic, caught or not: a user linting a folder with one
//! damaged workbook got a page of backtrace on stderr above a clean finding, and a fuzzer,
//! whose hook aborts on any panic, could not tell the file's damage from a kpilint bug.
//!
//! [`install_hook`] puts a hook in front of the one there was (Rust's own, or a fuzzer's) that
//! stays silent for a panic raised inside a reader crate while [`reading`] runs, and notes it;
//! every other panic goes on to the earlier hook as before. [`reading`] then turns the reader's
//! panic into `None`, and lets any other carry on unwinding: a panic in kpilint's own code is
//! kpilint's, and the linter's net reports it as such (`I012`).

use std::cell::Cell;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;

/// The crates whose panics inside [`reading`] are the input's fault: calamine and the two it
/// reads workbooks with.
const READERS: &[&str] = &["calamine", "zip", "quick-xml"];

thread_local! {
    /// How many calls of [`reading`] the thread is inside.
    static READING: Cell<u32> = const { Cell::new(0) };
    /// Whether a reader crate panicked inside the innermost of them.
    static READER_PANICKED: Cell<bool> = const { Cell::new(false) };
}

static INSTALLED: AtomicBool = AtomicBool::new(false);

/// Installs the hook (once; later calls do nothing). The binary does it first thing; a
/// library user that does not keeps Rust's hook, and [`reading`] takes any panic inside it for
/// the reader's, as it cannot tell.
pub fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let earlier = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if READING.get() > 0 && info.location().is_some_and(|l| in_reader(l.file())) {
                READER_PANICKED.set(true);
                return;
            }
            earlier(info);
        }));
        INSTALLED.store(true, Ordering::Release);
    });
}

/// Whether a source path is a reader crate's: a folder `calamine-0.32.0` (as Cargo unpacks a
/// crate) on the way to it. Standard-library panics on a reader's behalf (an index out of
/// range, an `unwrap`) are located at the reader's call, which is where they are told.
fn in_reader(file: &str) -> bool {
    file.split(['/', '\\']).any(|part| {
        READERS.iter().any(|name| {
            part.strip_prefix(name)
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(|version| version.starts_with(|c: char| c.is_ascii_digit()))
        })
    })
}

/// Runs `read`, which calls into a reader crate: its result, or `None` if the reader panicked
/// on the input. A panic raised elsewhere (kpilint's own code) carries on unwinding.
pub fn reading<R>(read: impl FnOnce() -> R) -> Option<R> {
    let outer = READER_PANICKED.replace(false);
    READING.set(READING.get() + 1);
    let result = catch_unwind(AssertUnwindSafe(read));
    READING.set(READING.get() - 1);
    let reader_panicked = READER_PANICKED.replace(outer);
    match result {
        Ok(r) => Some(r),
        Err(_) if reader_panicked || !INSTALLED.load(Ordering::Acquire) => None,
        Err(payload) => resume_unwind(payload),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_crates_are_told_by_their_unpacked_folder() {
        for file in [
            "/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/calamine-0.32.0/src/utils.rs",
            r"C:\Users\a\.cargo\registry\src\index\zip-2.4.2\src\read.rs",
            "/home/a/.cargo/registry/src/x/quick-xml-0.37.5/src/reader/mod.rs",
        ] {
            assert!(in_reader(file), "{file}");
        }
        for file in [
            "src/ingest/sheet.rs",
            "/work/main/src/ingest/sheet.rs",
            // Another crate whose name starts like a reader's.
            "/root/.cargo/registry/src/x/zipper-1.0.0/src/lib.rs",
            "/root/.cargo/registry/src/x/calamine-extras/src/lib.rs",
            "/rustc/59807616e1fa/library/core/src/slice/index.rs",
        ] {
            assert!(!in_reader(file), "{file}");
        }
    }

    /// Inside `reading`, a reader's panic is `None` and says nothing; kpilint's own still
    /// unwinds to whoever catches it, and nothing is left set for the next call.
    #[test]
    fn a_readers_panic_is_the_inputs_and_kpilints_own_carries_on() {
        install_hook();
        assert_eq!(reading(|| 7), Some(7));
        // calamine's own panic, on a workbook the checks before it let through.
        let book = crate::ingest::xls_extent::tests::boundsheet_cut_short();
        let open = || calamine::open_workbook_auto_from_rs(std::io::Cursor::new(&book[..])).is_ok();
        assert!(reading(open).is_none());
        let own = catch_unwind(|| reading(|| panic!("kpilint's own")));
        let message = own.err().and_then(|p| p.downcast_ref::<&str>().copied());
        assert_eq!(message, Some("kpilint's own"));
        assert_eq!(READING.get(), 0);
        assert!(!READER_PANICKED.get());
    }
}
