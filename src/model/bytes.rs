//! Where one byte value lies in a short run of bytes: the tabs of a line, the line ends of a
//! form's text.
//!
//! `memchr` is built for long searches: each call sets up its vector search afresh, and on the
//! runs these files are made of (a line of fifty to a hundred bytes and a few cells, a form of
//! some thirty lines) that set-up was most of its cost, some fifty instructions a tab and some
//! eighty a line. Here sixteen bytes cost some ten instructions and each byte found a few.

/// The positions of byte `B` in a run of bytes, in order, found sixteen bytes at a time (eight
/// where the machine has no SSE2). `B` is never 0: the last bytes of a run are padded with
/// zeros, which must not be found.
///
/// A second byte `W` other than 0 is watched for in the same bytes ([`Spots::watched`]): a
/// line's cells are cut at its tabs, and a cell holding a `<` may hold HTML. A `memchr` for
/// `<` over each line before splitting it cost as much again as finding the line's end.
pub struct Spots<'l, const B: u8, const W: u8 = 0> {
    bytes: &'l [u8],
    /// Where the next bytes to look at start.
    next: usize,
    /// Where the bytes of `found` start.
    base: usize,
    /// A bit for each byte from `base` that is `B` and not yet given, the first byte lowest.
    found: u64,
    /// Whether a `W` was among the bytes looked at.
    watched: bool,
}

impl<'l, const B: u8, const W: u8> Spots<'l, B, W> {
    pub fn new(bytes: &'l [u8]) -> Self {
        const { assert!(B != 0, "the padding would be found") };
        Spots {
            bytes,
            next: 0,
            base: 0,
            found: 0,
            watched: false,
        }
    }

    /// Whether a `W` was among the bytes looked at so far: every byte before the last
    /// position given, and once none is left, every byte of the run. False where `W` is 0.
    pub fn watched(&self) -> bool {
        self.watched
    }
}

/// The bytes [`Spots`] looks at at once.
#[cfg(target_arch = "x86_64")]
const CHUNK: usize = 16;
#[cfg(not(target_arch = "x86_64"))]
const CHUNK: usize = 8;

/// A bit for each byte of `chunk` that is `needle`, the first byte lowest. SSE2 is part of
/// every x86-64 processor: one comparison and one mask for sixteen bytes.
#[cfg(target_arch = "x86_64")]
#[inline]
fn spots_in(chunk: &[u8; CHUNK], needle: u8) -> u64 {
    use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8};
    // SAFETY: the unaligned load reads exactly the sixteen bytes of `chunk`, and SSE2, which
    // all four need, is in the x86-64 baseline every build for this target assumes.
    let mask = unsafe {
        let word = _mm_loadu_si128(chunk.as_ptr().cast());
        _mm_movemask_epi8(_mm_cmpeq_epi8(word, _mm_set1_epi8(needle as i8)))
    };
    // The low sixteen bits, one a byte.
    u64::from(mask as u16)
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn spots_in(chunk: &[u8; CHUNK], needle: u8) -> u64 {
    spots_in_word(chunk, needle)
}

/// [`spots_in`] for eight bytes, in a word: the portable way, tested on every machine.
#[cfg(any(test, not(target_arch = "x86_64")))]
fn spots_in_word(chunk: &[u8; 8], needle: u8) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let x = u64::from_le_bytes(*chunk) ^ u64::from_le_bytes([needle; 8]);
    // The high bit of each byte of `x` that is zero, exactly: adding 0x7f to a byte's low
    // seven bits sets its high bit unless they are all zero, and no carry crosses into the
    // next byte (the classic `(x - 0x01..) & !x` flags bytes after a zero too).
    let high = !(((x & LOW7) + LOW7) | x | LOW7);
    // The eight high bits gathered into the low byte, the first byte's lowest: each lands on
    // a bit of its own in the top byte of the product, and no two sums carry.
    ((high >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) & 0xff
}

impl<const B: u8, const W: u8> Iterator for Spots<'_, B, W> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.found == 0 {
            let rest = self.bytes.get(self.next..).filter(|r| !r.is_empty())?;
            let chunk = match rest.first_chunk::<CHUNK>() {
                Some(whole) => *whole,
                // The last bytes, padded with zeros (which are not `B`).
                None => {
                    let mut chunk = [0u8; CHUNK];
                    chunk[..rest.len()].copy_from_slice(rest);
                    chunk
                }
            };
            self.found = spots_in(&chunk, B);
            if W != 0 && spots_in(&chunk, W) != 0 {
                self.watched = true;
            }
            self.base = self.next;
            self.next += CHUNK;
        }
        let at = self.base + self.found.trailing_zeros() as usize;
        self.found &= self.found - 1;
        Some(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes next to each other, at the ends, differing from a tab or a line feed in one bit,
    /// the padding's zero, and bytes of UTF-8 text.
    fn bytes() -> impl proptest::strategy::Strategy<Value = u8> {
        proptest::sample::select(vec![
            b'\t', b'\t', b'\n', b'\n', b'\r', b'a', 0u8, 0x08, 0x0b, 0x19, 0x1a, 0x89, 0x8a, 0xe9,
            0xff,
        ])
    }

    proptest::proptest! {
        /// The portable search finds the bytes `memchr` finds, on machines whose own search
        /// is the other one too.
        #[test]
        fn eight_bytes_hold_what_memchr_finds(
            chunk in proptest::array::uniform8(bytes())
        ) {
            for needle in [b'\t', b'\n'] {
                let found = spots_in_word(&chunk, needle);
                let slow: u64 = memchr::memchr_iter(needle, &chunk).map(|i| 1 << i).sum();
                proptest::prop_assert_eq!(found, slow);
            }
        }

        /// Tabs and line feeds are found where `memchr` finds them, in runs of any length.
        #[test]
        fn spots_are_where_memchr_finds_them(
            run in proptest::collection::vec(bytes(), 0..70)
        ) {
            let tabs: Vec<usize> = Spots::<b'\t'>::new(&run).collect();
            proptest::prop_assert_eq!(tabs, memchr::memchr_iter(b'\t', &run).collect::<Vec<_>>());
            let ends: Vec<usize> = Spots::<b'\n'>::new(&run).collect();
            proptest::prop_assert_eq!(ends, memchr::memchr_iter(b'\n', &run).collect::<Vec<_>>());
        }
    }

    proptest::proptest! {
        /// What is watched for is seen once the bytes before each position given were looked
        /// at, and over the whole run once nothing is left; never in a run without one.
        #[test]
        fn a_watched_byte_is_seen_by_the_position_after_it(
            run in proptest::collection::vec(
                proptest::sample::select(vec![b'\t', b'<', b'a', 0u8, 0x3d, 0xe9]), 0..70)
        ) {
            let mut spots = Spots::<b'\t', b'<'>::new(&run);
            let first_lt = run.iter().position(|&b| b == b'<');
            while let Some(at) = spots.next() {
                if first_lt.is_some_and(|lt| lt < at) {
                    proptest::prop_assert!(spots.watched());
                }
            }
            proptest::prop_assert_eq!(spots.watched(), first_lt.is_some());
        }
    }

    #[test]
    fn nothing_is_found_in_nothing() {
        assert_eq!(Spots::<b'\n'>::new(b"").next(), None);
        assert_eq!(Spots::<b'\n'>::new(b"abc").next(), None);
        let long = [b'\n'; 40];
        assert_eq!(Spots::<b'\n'>::new(&long).count(), 40);
    }
}
