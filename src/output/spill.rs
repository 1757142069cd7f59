//! A list a report must sort before writing, kept to a few megabytes however long it grows.
//!
//! The HTML report lists forms by unit and ranks units by their totals, known only when the
//! run ends, so it keeps an entry for every form with findings: 40 bytes each, 110 MB at a
//! million forms once the vector had doubled past them. Here the entries are held up to a run
//! of them, then written to an unnamed temporary file; at the end each run is read back, sorted
//! and written in place, and the runs are merged (an external merge sort). Equal entries come
//! out in the order they were pushed, as from a stable sort of the whole list.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};

/// An entry that can be set aside on disk: a fixed number of bytes.
pub trait Record: Sized {
    const SIZE: usize;
    fn write(&self, out: &mut Vec<u8>);
    fn read(bytes: &[u8]) -> Self;
}

/// Entries held in memory up to this many (40-byte entries: under 3 MB), then set aside.
pub const RUN: usize = 1 << 16;

/// How many entries of each run the merge reads at a time.
const READ_AHEAD: usize = 1024;

pub struct Spill<T: Record> {
    held: Vec<T>,
    run: usize,
    /// The runs set aside: where each starts in the file and how many entries it holds.
    runs: Vec<(u64, usize)>,
    file: Option<File>,
    end: u64,
    len: usize,
}

impl<T: Record> Spill<T> {
    /// Held in memory up to `run` entries at a time; `usize::MAX` never touches the disk.
    pub fn new(run: usize) -> Spill<T> {
        Spill {
            held: Vec::new(),
            run: run.max(1),
            runs: Vec::new(),
            file: None,
            end: 0,
            len: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn push(&mut self, entry: T) -> io::Result<()> {
        if self.held.len() >= self.run {
            self.set_aside()?;
        }
        self.held.push(entry);
        self.len += 1;
        Ok(())
    }

    /// Writes the held entries as a run of their own, in the order they came.
    fn set_aside(&mut self) -> io::Result<()> {
        if self.held.is_empty() {
            return Ok(());
        }
        let file = match &mut self.file {
            Some(f) => f,
            None => self.file.insert(tempfile::tempfile()?),
        };
        let mut bytes = Vec::with_capacity(self.held.len() * T::SIZE);
        for e in &self.held {
            e.write(&mut bytes);
        }
        file.seek(SeekFrom::Start(self.end))?;
        file.write_all(&bytes)?;
        self.runs.push((self.end, self.held.len()));
        self.end += bytes.len() as u64;
        self.held.clear();
        Ok(())
    }

    /// Every entry, in the order of `key` (equal keys in the order pushed).
    pub fn sorted_by_key<K: Ord, F: Fn(&T) -> K>(mut self, key: F) -> io::Result<Sorted<T, K, F>> {
        if self.file.is_none() {
            // Never set aside: one stable sort in memory.
            self.held.sort_by_key(&key);
            return Ok(Sorted::Held(self.held.into_iter()));
        }
        self.set_aside()?;
        let mut file = self.file.take().expect("runs were set aside");
        drop(self.held);
        let mut bytes = Vec::new();
        for &(at, n) in &self.runs {
            bytes.resize(n * T::SIZE, 0);
            file.seek(SeekFrom::Start(at))?;
            file.read_exact(&mut bytes)?;
            let mut run: Vec<T> = bytes.chunks_exact(T::SIZE).map(T::read).collect();
            run.sort_by_key(&key);
            bytes.clear();
            for e in &run {
                e.write(&mut bytes);
            }
            file.seek(SeekFrom::Start(at))?;
            file.write_all(&bytes)?;
        }
        let mut merge = Merge {
            file,
            cursors: self
                .runs
                .iter()
                .map(|&(at, n)| Cursor {
                    at,
                    left: n,
                    ahead: Vec::new().into_iter(),
                })
                .collect(),
            heads: BinaryHeap::new(),
            key,
        };
        for i in 0..merge.cursors.len() {
            merge.advance(i)?;
        }
        Ok(Sorted::Merged(merge))
    }
}

/// A run being merged: what is left of it on disk and what has been read ahead.
struct Cursor<T> {
    at: u64,
    left: usize,
    ahead: std::vec::IntoIter<T>,
}

pub struct Merge<T, K, F> {
    file: File,
    cursors: Vec<Cursor<T>>,
    /// Each run's next entry, keyed; ties go to the earlier run, which was pushed first.
    heads: BinaryHeap<Reverse<(K, usize)>>,
    key: F,
}

impl<T: Record, K: Ord, F: Fn(&T) -> K> Merge<T, K, F> {
    /// Puts run `i`'s next entry among the heads, reading ahead when its buffer is empty.
    fn advance(&mut self, i: usize) -> io::Result<()> {
        let c = &mut self.cursors[i];
        if c.ahead.len() == 0 && c.left > 0 {
            let n = c.left.min(READ_AHEAD);
            let mut bytes = vec![0; n * T::SIZE];
            self.file.seek(SeekFrom::Start(c.at))?;
            self.file.read_exact(&mut bytes)?;
            c.at += bytes.len() as u64;
            c.left -= n;
            c.ahead = bytes
                .chunks_exact(T::SIZE)
                .map(T::read)
                .collect::<Vec<_>>()
                .into_iter();
        }
        if let Some(next) = c.ahead.as_slice().first() {
            self.heads.push(Reverse(((self.key)(next), i)));
        }
        Ok(())
    }

    fn next_entry(&mut self) -> io::Result<Option<T>> {
        let Some(Reverse((_, i))) = self.heads.pop() else {
            return Ok(None);
        };
        let entry = self.cursors[i].ahead.next().expect("a head is read ahead");
        self.advance(i)?;
        Ok(Some(entry))
    }
}

/// The entries in order: from memory, or merged from the runs on disk.
pub enum Sorted<T, K, F> {
    Held(std::vec::IntoIter<T>),
    Merged(Merge<T, K, F>),
}

impl<T: Record, K: Ord, F: Fn(&T) -> K> Iterator for Sorted<T, K, F> {
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
        const SIZE: usize = 8;
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
    }

    fn entries(n: u32) -> Vec<E> {
        // Few distinct keys, so most entries tie with others in other runs.
        (0..n).map(|i| E((i * 7919) % 13, i)).collect()
    }

    fn sorted(run: usize, input: &[E], key: impl Fn(&E) -> Reverse<u32>) -> Vec<E> {
        let mut s = Spill::new(run);
        for &e in input {
            s.push(e).unwrap();
        }
        assert_eq!(s.len(), input.len());
        s.sorted_by_key(key).unwrap().map(Result::unwrap).collect()
    }

    #[test]
    fn runs_on_disk_merge_into_a_stable_sort_of_the_whole() {
        for n in [0, 1, 5, 64, 1000, 4099] {
            let input = entries(n);
            let mut expected = input.clone();
            expected.sort_by_key(|e| Reverse(e.0));
            for run in [1, 2, 3, 64, 1000, 5000, usize::MAX] {
                assert_eq!(
                    sorted(run, &input, |e| Reverse(e.0)),
                    expected,
                    "{n} entries in runs of {run}"
                );
            }
        }
    }

    #[test]
    fn a_run_longer_than_its_read_ahead_is_read_in_parts() {
        let input = entries(3 * READ_AHEAD as u32 + 17);
        let mut expected = input.clone();
        expected.sort_by_key(|e| Reverse(e.0));
        assert_eq!(
            sorted(2 * READ_AHEAD + 5, &input, |e| Reverse(e.0)),
            expected
        );
    }
}
