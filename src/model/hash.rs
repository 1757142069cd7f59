//! A quick keyed hash for the run's own lookup tables.
//!
//! std's `HashMap` hashes with SipHash-1-3: some 20 instructions a byte and a fixed cost per
//! key that made hashing 3% of a run (a grid label looked up per cell, a value per indicator,
//! a remembered row per rule group). The keys here are short (labels, values, names, one
//! `u64`), so this folds eight bytes at a time into a word with one multiplication, seeded per
//! process so that a file cannot be written against a known function. It is not SipHash:
//! a determined adversary might still find keys that collide, so it is used only for tables
//! whose size is bounded (the value memo's 1,024 texts, the row memory's 2,048 keys, the
//! names of one form, the bigrams of one name, the fixed vocabulary), where collisions can
//! lengthen a lookup but never make a run's work grow without bound.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hasher};
use std::sync::OnceLock;

pub type QuickMap<K, V> = HashMap<K, V, QuickState>;
pub type QuickSet<K> = HashSet<K, QuickState>;

/// Odd constants with well-mixed bits (the fractional parts of the golden ratio and of π).
const K1: u64 = 0x9e37_79b9_7f4a_7c15;
const K2: u64 = 0x243f_6a88_85a3_08d3;

#[derive(Clone, Copy, Debug)]
pub struct QuickState {
    seed: u64,
}

impl Default for QuickState {
    fn default() -> Self {
        static SEED: OnceLock<u64> = OnceLock::new();
        // std's own random keys, drawn once per process.
        let seed =
            *SEED.get_or_init(|| std::collections::hash_map::RandomState::new().hash_one(K1));
        QuickState { seed }
    }
}

impl BuildHasher for QuickState {
    type Hasher = QuickHasher;

    fn build_hasher(&self) -> QuickHasher {
        QuickHasher(self.seed)
    }
}

pub struct QuickHasher(u64);

/// A hash of the bytes, the same on every run: the quick hash from a fixed seed, eight bytes
/// at a time (every file read is hashed whole), the length last. Only ever compared within
/// one process: a file's before and after `--fix`, a form's text between two edits, a
/// remembered row's cells. Each step is a bijection of the state, so two texts of the same
/// length that differ in one word never collide.
pub fn fingerprint(bytes: &[u8]) -> u64 {
    let mut h = QuickHasher(K2);
    h.write(bytes);
    h.write_usize(bytes.len());
    h.finish()
}

impl QuickHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0 ^ word).wrapping_mul(K1).rotate_left(29);
    }
}

/// The last one to seven bytes of a key as one word, every byte of them in it: for a given
/// length, two tails that differ give words that differ. Read with two loads that may
/// overlap, not copied into a zeroed buffer: the copy was a call to `memcpy` for most keys
/// (labels are looked up some eighty times a form), and cost more than the hash.
#[inline]
fn tail(rest: &[u8]) -> u64 {
    let n = rest.len();
    debug_assert!((1..8).contains(&n));
    if n >= 4 {
        // Bytes 0–3 and n-4–n-1: together, all of them.
        let word = |at: usize| {
            u64::from(u32::from_le_bytes(
                rest[at..at + 4].try_into().expect("four bytes"),
            ))
        };
        word(0) | (word(n - 4) << 32)
    } else {
        // Bytes 0, n/2 and n-1: all of them, for one to three.
        u64::from(rest[0]) | (u64::from(rest[n / 2]) << 8) | (u64::from(rest[n - 1]) << 16)
    }
}

impl Hasher for QuickHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            self.add(u64::from_le_bytes(w.try_into().expect("chunks of eight")));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            // The length tells `ab` from `ab\0`.
            self.add(tail(rest) ^ ((rest.len() as u64) << 59));
        }
    }

    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n) | 0x100);
    }

    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    /// The last word's bits spread to the top (hashbrown's tag) and the bottom (its slot).
    #[inline]
    fn finish(&self) -> u64 {
        let h = self.0.wrapping_mul(K2);
        h ^ (h >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash<T: std::hash::Hash + ?Sized>(s: &QuickState, t: &T) -> u64 {
        s.hash_one(t)
    }

    /// A key's last one to seven bytes are all in the word they make: changing any one of
    /// them, to any other value, changes the word.
    #[test]
    fn every_byte_of_a_tail_is_in_its_word() {
        for n in 1..8 {
            let base: Vec<u8> = (0..n).map(|i| 0x41 + i as u8).collect();
            let word = tail(&base);
            for i in 0..n {
                for v in 0..=255u8 {
                    let mut other = base.clone();
                    other[i] = v;
                    if v != base[i] {
                        assert_ne!(tail(&other), word, "byte {i} of {n} set to {v}");
                    }
                }
            }
        }
    }

    #[test]
    fn equal_keys_hash_equal_and_near_keys_apart() {
        let s = QuickState::default();
        assert_eq!(hash(&s, "成本指标"), hash(&s, &String::from("成本指标")));
        let keys = [
            "",
            "a",
            "ab",
            "ab\0",
            "ba",
            "12345678",
            "123456789",
            "成本指标",
            "成本指标 ",
            "100%",
            "10%",
            "≥95%",
        ];
        let mut seen = std::collections::HashSet::new();
        for k in keys {
            assert!(seen.insert(hash(&s, k)), "{k:?} collides");
        }
        assert_ne!(hash(&s, &(1u64, 2u64)), hash(&s, &(2u64, 1u64)));
        assert_ne!(hash(&s, &('a', 'b')), hash(&s, &('b', 'a')));
    }

    #[test]
    fn a_map_works_with_it() {
        let mut m: QuickMap<Box<str>, usize> = QuickMap::default();
        for i in 0..10_000 {
            m.insert(format!("值{i}").into(), i);
        }
        assert_eq!(m.len(), 10_000);
        assert!((0..10_000).all(|i| m.get(format!("值{i}").as_str()) == Some(&i)));
    }
}
