//! A list that must be sorted before it is used, kept to a few megabytes however long it grows.
//!
//! Two lists of a run grow with its size: the HTML report lists forms by unit and ranks units
//! by their totals, known only when the run ends, so it keeps an entry for every form with
//! findings (110 MB at a million forms once the vector had doubled past them); and a folder's
//! files are linted in their names' order, which a walk can only give once it has seen them
//! all (27 bytes a file, kept compactly). Here the entries are held up to a budget, then written
//! to an unnamed temporary file; at the end each run is read back, sorted and written in place,
//! and the runs are merged (an external merge sort). Equal entries come out in the order they
//! were pushed, as from a stable sort of the whole list.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::sync::Arc;

/// An unnamed temporary file, gone when dropped. Its error says what failed, where, and what
/// to do: it reaches the user as the report's own (`无法把报告写到 …：无法创建临时文件…`), and
/// the system's words alone named no file.
pub fn temporary_file() -> io::Result<File> {
    tempfile::tempfile().map_err(|e| {
        let dir = std::env::temp_dir();
        let message = format!(
            "无法在 {} 创建临时文件：{e}（可用环境变量 TMPDIR 指定一个可写的目录）",
            dir.display()
        );
        io::Error::new(e.kind(), message)
    })
}

/// An entry that can be set aside on disk as bytes of its own length.
pub trait Record: Sized {
    fn write(&self, out: &mut Vec<u8>);
    /// The entry [`Record::write`] wrote as `bytes`.
    fn read(bytes: &[u8]) -> Self;
    /// What holding the entry costs in memory, in bytes: what the budget counts.
    fn weight(&self) -> usize;
}

/// Bytes of entries held in memory before they are set aside.
pub const BUDGET: usize = 3 << 20;

/// How many bytes of each run the merge reads at a time (at least one entry).
const READ_AHEAD: usize = 16 << 10;

pub struct Spill<T: Record> {
    held: Vec<T>,
    weight: usize,
    budget: usize,
    /// The runs set aside: where each starts in the file, its bytes and its entries.
    runs: Vec<Run>,
    file: Option<File>,
    end: u64,
    len: usize,
    /// The order each run is sorted in as it is set aside, if it is known from the start.
    runs_sorted: Option<fn(&T, &T) -> Ordering>,
}

#[derive(Clone, Copy)]
struct Run {
    at: u64,
    bytes: u64,
}

impl<T: Record> Spill<T> {
    /// Held in memory up to `budget` bytes at a time; `usize::MAX` never touches the disk.
    pub fn new(budget: usize) -> Spill<T> {
        Spill {
            held: Vec::new(),
            weight: 0,
            budget,
            runs: Vec::new(),
            file: None,
            end: 0,
            len: 0,
            runs_sorted: None,
        }
    }

    /// A spill whose runs are sorted by `cmp` as they are set aside: sealing it
    /// ([`Spill::seal`]) then reads nothing back.
    pub fn sorting(budget: usize, cmp: fn(&T, &T) -> Ordering) -> Spill<T> {
        Spill {
            runs_sorted: Some(cmp),
            ..Spill::new(budget)
        }
    }

    /// Room for `entries` more held entries, as far as the budget goes: a list that will grow
    /// to hundreds of entries is not grown to them by doubling, each step a copy of all it
    /// holds (and, at these sizes, a new block the allocator sorts its free lists to find).
    /// Room past what is written is address space, not memory.
    pub fn reserve(&mut self, entries: usize) {
        let most = self.budget / std::mem::size_of::<T>().max(1);
        self.held.reserve(entries.min(most));
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn push(&mut self, entry: T) -> io::Result<()> {
        let weight = entry.weight();
        if !self.held.is_empty() && self.weight.saturating_add(weight) > self.budget {
            self.set_aside()?;
        }
        self.weight += weight;
        self.held.push(entry);
        self.len += 1;
        Ok(())
    }

    /// Writes the held entries as a run of their own, in the order they came: each as its
    /// length (four bytes) and its bytes.
    fn set_aside(&mut self) -> io::Result<()> {
        if self.held.is_empty() {
            return Ok(());
        }
        if let Some(cmp) = self.runs_sorted {
            self.held.sort_by(cmp);
        }
        let file = match &mut self.file {
            Some(f) => f,
            None => self.file.insert(temporary_file()?),
        };
        file.seek(SeekFrom::Start(self.end))?;
        // Written through a buffer, not encoded whole first: a run of findings was 5 MB more
        // at the moment it was set aside.
        let mut out = io::BufWriter::with_capacity(READ_AHEAD, &mut *file);
        let (mut entry, mut bytes) = (Vec::new(), 0u64);
        for e in &self.held {
            entry.clear();
            e.write(&mut entry);
            let len = u32::try_from(entry.len()).map_err(io::Error::other)?;
            out.write_all(&len.to_le_bytes())?;
            out.write_all(&entry)?;
            bytes += 4 + u64::from(len);
        }
        out.flush()?;
        drop(out);
        self.runs.push(Run {
            at: self.end,
            bytes,
        });
        self.end += bytes;
        // Emptied, not kept at its high-water mark between runs: the budget is the bound.
        self.held = Vec::new();
        self.weight = 0;
        Ok(())
    }

    /// Every entry, in the order of `cmp` (equal entries in the order pushed).
    pub fn sorted_by<F: Fn(&T, &T) -> Ordering>(mut self, cmp: F) -> io::Result<Sorted<T, F>> {
        if self.file.is_none() {
            // Never set aside: one stable sort in memory.
            self.held.sort_by(&cmp);
            return Ok(Sorted::Held(self.held.into_iter()));
        }
        let sealed = self.seal(&cmp)?;
        Ok(Sorted::Merged(sealed.merge(cmp)?))
    }

    /// Whether entries have been set aside: [`Spill::seal`] would take them all to disk.
    pub fn on_disk(&self) -> bool {
        self.file.is_some()
    }

    /// The entries held in memory, not those set aside: for a spill that never reached the
    /// disk ([`Spill::on_disk`]), every entry, in the order pushed.
    pub fn into_held(self) -> Vec<T> {
        self.held
    }

    /// Every entry set aside and each run sorted by `cmp` on disk (unless they were sorted by
    /// it as they were set aside: [`Spill::sorting`]), to be merged as many times as it is
    /// read ([`Sealed::merge`]).
    pub fn seal<F: Fn(&T, &T) -> Ordering>(mut self, cmp: &F) -> io::Result<Sealed> {
        self.set_aside()?;
        let Some(mut file) = self.file.take() else {
            return Ok(Sealed {
                file: None,
                runs: Vec::new(),
                len: 0,
            });
        };
        // Runs sorted as they were set aside are read by the merge alone.
        let unsorted = if self.runs_sorted.is_some() {
            &[][..]
        } else {
            &self.runs[..]
        };
        let mut bytes = Vec::new();
        for run in unsorted {
            bytes.resize(usize::try_from(run.bytes).map_err(io::Error::other)?, 0);
            file.seek(SeekFrom::Start(run.at))?;
            file.read_exact(&mut bytes)?;
            let mut entries: Vec<T> = decode(&bytes)?;
            entries.sort_by(cmp);
            // The same entries: the same bytes in all, written where they were.
            let sorted = encode(&entries)?;
            file.seek(SeekFrom::Start(run.at))?;
            file.write_all(&sorted)?;
        }
        Ok(Sealed {
            file: Some(file),
            runs: self.runs,
            len: self.len,
        })
    }
}

/// Entries set aside in sorted runs, merged afresh each time they are read: what is read
/// twice (a report's findings are counted, then written) is not held in between.
pub struct Sealed {
    file: Option<File>,
    runs: Vec<Run>,
    len: usize,
}

impl Sealed {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The file the runs are in, for tests that damage it.
    #[cfg(test)]
    pub(crate) fn file(&self) -> Option<&File> {
        self.file.as_ref()
    }

    /// The entries in the order the runs were sorted by, which `cmp` must be.
    pub fn merge<T: Record, F: Fn(&T, &T) -> Ordering>(&self, cmp: F) -> io::Result<Merge<T, F>> {
        // A handle of its own shares the file's offset, but every read seeks first. (No file:
        // nothing was pushed, and there are no runs to read.)
        let file = self.file.as_ref().map(File::try_clone).transpose()?;
        let mut merge = Merge {
            file,
            cursors: self
                .runs
                .iter()
                .map(|r| Cursor {
                    at: r.at,
                    left: r.bytes,
                    buf: Vec::new(),
                    pos: 0,
                })
                .collect(),
            heads: BinaryHeap::new(),
            cmp: Arc::new(cmp),
        };
        for i in 0..merge.cursors.len() {
            merge.advance(i)?;
        }
        Ok(merge)
    }
}

fn encode<T: Record>(entries: &[T]) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut entry = Vec::new();
    for e in entries {
        entry.clear();
        e.write(&mut entry);
        let len = u32::try_from(entry.len()).map_err(io::Error::other)?;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&entry);
    }
    Ok(out)
}

fn decode<T: Record>(mut bytes: &[u8]) -> io::Result<Vec<T>> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let (entry, rest) = split_entry(bytes).ok_or_else(truncated)?;
        out.push(T::read(entry));
        bytes = rest;
    }
    Ok(out)
}

/// The first entry of `bytes` and what follows it, if `bytes` holds it whole.
fn split_entry(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let len = u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
    let end = 4usize.checked_add(len)?;
    Some((bytes.get(4..end)?, &bytes[end..]))
}

fn truncated() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "临时文件中的记录不完整")
}

/// A run being merged: where the rest of it is on disk, and what has been read ahead.
struct Cursor {
    at: u64,
    left: u64,
    buf: Vec<u8>,
    pos: usize,
}

impl Cursor {
    /// The run's next entry's bytes, reading ahead as needed; `None` at its end.
    fn next<'b>(&'b mut self, file: &mut File) -> io::Result<Option<&'b [u8]>> {
        loop {
            if let Some((entry, _)) = split_entry(&self.buf[self.pos..]) {
                let start = self.pos + 4;
                self.pos = start + entry.len();
                return Ok(Some(&self.buf[start..self.pos]));
            }
            if self.left == 0 {
                return if self.pos == self.buf.len() {
                    Ok(None)
                } else {
                    Err(truncated())
                };
            }
            // Keep the partial entry, and read at least enough to finish it.
            self.buf.drain(..self.pos);
            self.pos = 0;
            let need = match self.buf.get(..4) {
                Some(len) => 4 + u32::from_le_bytes(len.try_into().expect("4 bytes")) as usize,
                None => 4,
            };
            let n = (self.left.min(READ_AHEAD.max(need) as u64)) as usize;
            let from = self.buf.len();
            self.buf.resize(from + n, 0);
            file.seek(SeekFrom::Start(self.at))?;
            file.read_exact(&mut self.buf[from..])?;
            self.at += n as u64;
            self.left -= n as u64;
        }
    }
}

/// A run's next entry, ordered for the heap: the least entry first, and of equal entries the
/// one of the earlier run, which was pushed first.
struct Head<T, F> {
    entry: T,
    run: usize,
    cmp: Arc<F>,
}

impl<T, F: Fn(&T, &T) -> Ordering> Ord for Head<T, F> {
    fn cmp(&self, other: &Self) -> Ordering {
        // `BinaryHeap` pops its greatest: reversed.
        (other.cmp)(&other.entry, &self.entry).then(other.run.cmp(&self.run))
    }
}

impl<T, F: Fn(&T, &T) -> Ordering> PartialOrd for Head<T, F> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T, F: Fn(&T, &T) -> Ordering> PartialEq for Head<T, F> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl<T, F: Fn(&T, &T) -> Ordering> Eq for Head<T, F> {}

pub struct Merge<T, F> {
    /// `None` only with no runs to read.
    file: Option<File>,
    cursors: Vec<Cursor>,
    heads: BinaryHeap<Head<T, F>>,
    cmp: Arc<F>,
}

impl<T: Record, F: Fn(&T, &T) -> Ordering> Merge<T, F> {
    /// Puts run `i`'s next entry among the heads.
    fn advance(&mut self, i: usize) -> io::Result<()> {
        let Some(file) = self.file.as_mut() else {
            return Ok(());
        };
        if let Some(bytes) = self.cursors[i].next(file)? {
            self.heads.push(Head {
                entry: T::read(bytes),
                run: i,
                cmp: Arc::clone(&self.cmp),
            });
        }
        Ok(())
    }

    pub fn next_entry(&mut self) -> io::Result<Option<T>> {
        let Some(head) = self.heads.pop() else {
            return Ok(None);
        };
        self.advance(head.run)?;
        Ok(Some(head.entry))
    }
}

/// The entries in order: from memory, or merged from the runs on disk.
pub enum Sorted<T, F> {
    Held(std::vec::IntoIter<T>),
    Merged(Merge<T, F>),
}

impl<T: Record, F: Fn(&T, &T) -> Ordering> Iterator for Sorted<T, F> {
    type Item = io::Result<T>;

    fn next(&mut self) -> Option<io::Result<T>> {
        match self {
            Sorted::Held(it) => it.next().map(Ok),
            Sorted::Merged(m) => m.next_entry().transpose(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key and the order it was pushed in, to see that equal keys keep it.
    #[derive(Debug, Clone, Copy, PartialEq)]
    struct E(u32, u32);

    impl Record for E {
        fn write(&self, out: &mut Vec<u8>) {
            out.extend_from_slice(&self.0.to_le_bytes());
            out.extend_from_slice(&self.1.to_le_bytes());
        }
        fn read(b: &[u8]) -> E {
            E(
                u32::from_le_bytes(b[..4].try_into().unwrap()),
                u32::from_le_bytes(b[4..8].try_into().unwrap()),
            )
        }
        fn weight(&self) -> usize {
            8
        }
    }

    fn entries(n: u32) -> Vec<E> {
        // Few distinct keys, so most entries tie with others in other runs.
        (0..n).map(|i| E((i * 7919) % 13, i)).collect()
    }

    fn sorted<T: Record + Clone>(
        budget: usize,
        input: &[T],
        cmp: impl Fn(&T, &T) -> Ordering,
    ) -> Vec<T> {
        let mut s = Spill::new(budget);
        for e in input {
            s.push(e.clone()).unwrap();
        }
        assert_eq!(s.len(), input.len());
        s.sorted_by(cmp).unwrap().map(Result::unwrap).collect()
    }

    #[test]
    fn runs_on_disk_merge_into_a_stable_sort_of_the_whole() {
        let descending = |a: &E, b: &E| b.0.cmp(&a.0);
        for n in [0, 1, 5, 64, 1000, 4099] {
            let input = entries(n);
            let mut expected = input.clone();
            expected.sort_by(descending);
            // Budgets of one entry, a few, many, more than all, and no disk.
            for budget in [0, 8, 24, 512, 8000, 40_000, usize::MAX] {
                assert_eq!(
                    sorted(budget, &input, descending),
                    expected,
                    "{n} entries, {budget} bytes held"
                );
                // Each run sorted as it is set aside: sealing reads none back.
                let mut s = Spill::sorting(budget, descending);
                for e in &input {
                    s.push(*e).unwrap();
                }
                let merged: Vec<E> = s
                    .sorted_by(descending)
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                assert_eq!(
                    merged, expected,
                    "sorting, {n} entries, {budget} bytes held"
                );
            }
        }
    }

    /// Room is made as far as the budget goes, not for whatever a file's size suggests.
    #[test]
    fn room_made_at_the_start_stays_within_the_budget() {
        let mut s: Spill<E> = Spill::new(800);
        s.reserve(10);
        assert!(s.held.capacity() >= 10);
        let mut s: Spill<E> = Spill::new(800);
        s.reserve(1 << 40);
        assert_eq!(s.held.capacity(), 800 / std::mem::size_of::<E>());
        for e in entries(200) {
            s.push(e).unwrap();
        }
        assert!(
            s.on_disk(),
            "past the budget, entries are set aside as before"
        );
        assert_eq!(s.len(), 200);
    }

    /// Runs that come back shorter than they were written (the disk is not the process's to
    /// trust) end the merge with an error, never a panic or a wrong entry.
    #[test]
    fn a_run_cut_short_is_an_error() {
        let mut s = Spill::sorting(16, |a: &E, b: &E| a.0.cmp(&b.0));
        for e in entries(40) {
            s.push(e).unwrap();
        }
        let sealed = s.seal(&|a: &E, b: &E| a.0.cmp(&b.0)).unwrap();
        let whole: Vec<E> = std::iter::from_fn({
            let mut m = sealed.merge(|a: &E, b: &E| a.0.cmp(&b.0)).unwrap();
            move || m.next_entry().unwrap()
        })
        .collect();
        assert_eq!(whole.len(), 40);
        let file = sealed.file.as_ref().unwrap();
        file.set_len(file.metadata().unwrap().len() - 3).unwrap();
        // The merge reads each run's first entry as it starts, so the error may come then.
        let mut read = 0;
        let failed = match sealed.merge(|a: &E, b: &E| a.0.cmp(&b.0)) {
            Err(e) => e.kind() == io::ErrorKind::UnexpectedEof,
            Ok(mut m) => loop {
                match m.next_entry() {
                    Ok(Some(_)) => read += 1,
                    Ok(None) => break false,
                    Err(e) => break e.kind() == io::ErrorKind::UnexpectedEof,
                }
            },
        };
        assert!(failed && read < 40, "{read} entries, then no error");
    }

    impl Record for Vec<u8> {
        fn write(&self, out: &mut Vec<u8>) {
            out.extend_from_slice(self);
        }
        fn read(b: &[u8]) -> Vec<u8> {
            b.to_vec()
        }
        fn weight(&self) -> usize {
            24 + self.len()
        }
    }

    /// Entries of every length, some longer than the merge reads ahead at a time, and empty
    /// ones, sorted by a comparison that ties many of them.
    #[test]
    fn entries_of_any_length_are_read_back_whole() {
        let input: Vec<Vec<u8>> = (0..300u32)
            .map(|i| {
                let len = match i % 7 {
                    0 => 0,
                    1 => READ_AHEAD + 3 * i as usize,
                    _ => (i as usize * 37) % 200,
                };
                (0..len).map(|j| (i as usize + j) as u8).collect()
            })
            .collect();
        let by_length = |a: &Vec<u8>, b: &Vec<u8>| (a.len() / 50).cmp(&(b.len() / 50));
        let mut expected = input.clone();
        expected.sort_by(by_length);
        for budget in [0, 100, 5000, 3 * READ_AHEAD, usize::MAX] {
            assert!(
                sorted(budget, &input, by_length) == expected,
                "{budget} bytes held"
            );
        }
    }
}
