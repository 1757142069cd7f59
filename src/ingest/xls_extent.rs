//! How many cells an Excel 97–2003 workbook (`.xls`) is laid out as, counted before calamine
//! lays it out.
//!
//! calamine reads every sheet of an `.xls` as the workbook is opened, and makes each a dense
//! range from its first written row and column to its last: a 5 KB file with one number in A1
//! and one at row 65,536, column 65,536 asked for 137 GB, and the allocation's failure aborted
//! the whole run (an abort, not a panic: nothing catches it). A sheet's DIMENSIONS record is
//! also taken at its word, as room reserved for that many cells. The file's `Workbook` stream is
//! read here first (the compound file's sectors followed by hand), each sheet's DIMENSIONS and
//! the place of every cell record counted as calamine 0.32 lays them out (`xls.rs`), and a
//! workbook past [`MAX_DENSE_CELLS`] is refused with the sheet that makes it so.
//!
//! A container whose `Workbook` stream cannot be followed is refused too: calamine 0.32's own
//! reader indexes past the end of such a file's sector table (a panic) or follows a looping
//! chain for ever. Records that cannot be read end the count where they start, and calamine
//! reports them.

use super::ods_extent::MAX_DENSE_CELLS;

/// What [`measure`] found of a file.
#[derive(Debug, PartialEq, Eq)]
pub enum Extent {
    /// Not a compound file: not an `.xls` (calamine says what it is not).
    NotCompound,
    /// A compound file whose `Workbook` stream cannot be followed (a sector past the end, a
    /// chain that loops): calamine's own reader panicked on such files, or would follow the
    /// loop for ever, so it is not given them.
    Damaged,
    /// The sheet that takes the workbook past [`MAX_DENSE_CELLS`], and the cells counted up to
    /// and through it.
    TooMany(String, u64),
    Fits,
}

/// Whether the bytes start as a compound file (`.xls`) does.
pub fn is_compound(bytes: &[u8]) -> bool {
    const SIGNATURE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    bytes.get(..8) == Some(&SIGNATURE[..])
}

/// Measures an `.xls` workbook before calamine opens it.
pub fn measure(bytes: &[u8]) -> Extent {
    if !is_compound(bytes) {
        return Extent::NotCompound;
    }
    let Some(stream) = workbook_stream(bytes) else {
        return Extent::Damaged;
    };
    let mut total: u64 = 0;
    for (i, (pos, name)) in sheets(&stream).into_iter().enumerate() {
        let Some(sheet) = stream.get(pos..) else {
            return Extent::Damaged;
        };
        total = total.saturating_add(sheet_cells(sheet));
        if total > MAX_DENSE_CELLS {
            let name = name.unwrap_or_else(|| format!("第 {} 个", i + 1));
            return Extent::TooMany(name, total);
        }
    }
    Extent::Fits
}

/// The BIFF records of a stream: type and data, up to where a record no longer fits.
fn records(stream: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    let mut at = 0usize;
    std::iter::from_fn(move || {
        let head = stream.get(at..at + 4)?;
        let typ = u16::from_le_bytes([head[0], head[1]]);
        let len = usize::from(u16::from_le_bytes([head[2], head[3]]));
        let data = stream.get(at + 4..at + 4 + len)?;
        at += 4 + len;
        Some((typ, data))
    })
}

fn u16_at(d: &[u8], at: usize) -> Option<u32> {
    d.get(at..at + 2)
        .map(|b| u32::from(u16::from_le_bytes([b[0], b[1]])))
}

fn u32_at(d: &[u8], at: usize) -> Option<u32> {
    d.get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// The sheets the workbook globals list (BOUNDSHEET), in order: where each starts in the
/// stream, and its name where it can be read. None of an encrypted workbook (FILEPASS): its
/// records are not what they say, and calamine reports the encryption itself.
fn sheets(stream: &[u8]) -> Vec<(usize, Option<String>)> {
    let mut out = Vec::new();
    for (typ, d) in records(stream) {
        match typ {
            0x002F => return Vec::new(),
            0x0085 => {
                let Some(pos) = u32_at(d, 0) else { continue };
                out.push((pos as usize, sheet_name(d)));
            }
            0x000A => break,
            _ => {}
        }
    }
    out
}

/// A BIFF8 sheet name: a count of characters, a flag for two bytes a character, the characters.
fn sheet_name(d: &[u8]) -> Option<String> {
    let (count, flags) = (usize::from(*d.get(6)?), *d.get(7)?);
    let chars = d.get(8..)?;
    if flags & 1 == 1 {
        let units: Vec<u16> = chars
            .chunks_exact(2)
            .take(count)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .collect();
        Some(String::from_utf16_lossy(&units))
    } else {
        Some(chars.iter().take(count).map(|&b| char::from(b)).collect())
    }
}

/// The cells calamine lays out for the sheet whose records start `sheet`: the room its
/// DIMENSIONS record asks for, or the rectangle from its first written cell to its last,
/// whichever is more.
fn sheet_cells(sheet: &[u8]) -> u64 {
    let mut reserved: u64 = 0;
    let (mut r0, mut r1, mut c0, mut c1) = (u32::MAX, 0u32, u32::MAX, 0u32);
    let mut any = false;
    let mut put = |row: u32, first: u32, last: u32| {
        any = true;
        (r0, r1) = (r0.min(row), r1.max(row));
        (c0, c1) = (c0.min(first), c1.max(last));
    };
    for (typ, d) in records(sheet) {
        match typ {
            0x0200 => reserved = reserved.max(dimensions(d)),
            // Number, Label, BoolErr, Rk, LabelSst, Formula: a row and a column first.
            0x0203 | 0x0204 | 0x0205 | 0x027E | 0x00FD | 0x0006 => {
                if let (Some(r), Some(c)) = (u16_at(d, 0), u16_at(d, 2)) {
                    put(r, c, c);
                }
            }
            // MulRk: a row, the first column, and the last column at its end.
            0x00BD if d.len() >= 6 => {
                if let (Some(r), Some(first), Some(last)) =
                    (u16_at(d, 0), u16_at(d, 2), u16_at(d, d.len() - 2))
                {
                    put(r, first, last.max(first));
                }
            }
            0x000A => break,
            _ => {}
        }
    }
    let laid = if any {
        u64::from(r1 - r0 + 1).saturating_mul(u64::from(c1 - c0 + 1))
    } else {
        0
    };
    laid.max(reserved)
}

/// The cells a DIMENSIONS record reserves room for, as calamine reads it.
fn dimensions(d: &[u8]) -> u64 {
    let (rf, rl, cf, cl) = match d.len() {
        10 => (u16_at(d, 0), u16_at(d, 2), u16_at(d, 4), u16_at(d, 6)),
        14 => (u32_at(d, 0), u32_at(d, 4), u16_at(d, 8), u16_at(d, 10)),
        _ => return 0,
    };
    let (Some(rf), Some(rl), Some(mut cf), Some(cl)) = (rf, rl, cf, cl) else {
        return 0;
    };
    if cf > 0xFF || cl < cf {
        cf = 0;
    }
    if rl < 1 || cl < 1 {
        return 1;
    }
    // calamine: rows `(rl - 1) - rf + 1` and columns `(cl - 1) - cf + 1` in u32, which wrap
    // in a release build: a first row past the last asks for four billion rows.
    let rows = u64::from(rl.wrapping_sub(rf));
    let cols = u64::from(cl.wrapping_sub(cf));
    rows.saturating_mul(cols)
}

/// The `Workbook` (or BIFF5 `Book`) stream of a compound file, its sectors followed by hand.
fn workbook_stream(bytes: &[u8]) -> Option<Vec<u8>> {
    let shift = u16_at(bytes, 30)?;
    if !(9..=12).contains(&shift) {
        return None;
    }
    let size = 1usize << shift;
    let mini_size = 1usize << u16_at(bytes, 32)?.min(12);
    let sector = |i: u32| -> Option<&[u8]> {
        let start = (i as usize).checked_add(1)?.checked_mul(size)?;
        bytes.get(start..start.checked_add(size)?)
    };
    // Each sector at most once, in any chain: a loop in a chain ends it.
    let max_steps = bytes.len() / size + 1;
    // What calamine reserves room for before it reads it, each taken from the file's own
    // word: more than the file holds is a damaged file, not a request to honour (a 5 KB
    // file declared a 2 GB stream, found by fuzzing).
    let within = |count: u32, unit: usize| (count as usize).saturating_mul(unit) <= bytes.len();
    if !within(u32_at(bytes, 44)?, size)
        || !within(u32_at(bytes, 40)?, size)
        || !within(u32_at(bytes, 64)?, size)
    {
        return None;
    }
    // The FAT's sectors: the first 109 in the header, the rest in a chain of DIFAT sectors.
    let mut fat_sectors: Vec<u32> = (0..109)
        .filter_map(|k| u32_at(bytes, 76 + 4 * k))
        .filter(|&s| s < 0xFFFF_FFFA)
        .collect();
    let mut next = u32_at(bytes, 68)?;
    for _ in 0..max_steps {
        if next >= 0xFFFF_FFFA {
            break;
        }
        let s = sector(next)?;
        let n = size / 4 - 1;
        fat_sectors.extend(
            (0..n)
                .filter_map(|k| u32_at(s, 4 * k))
                .filter(|&x| x < 0xFFFF_FFFA),
        );
        next = u32_at(s, 4 * n)?;
    }
    // calamine follows the DIFAT chain until it ends: one that does not end is refused.
    if next < 0xFFFF_FFFA {
        return None;
    }
    fat_sectors.truncate(max_steps);
    let mut fat: Vec<u32> = Vec::with_capacity(fat_sectors.len() * size / 4);
    for &s in &fat_sectors {
        let s = sector(s)?;
        fat.extend((0..size / 4).filter_map(|k| u32_at(s, 4 * k)));
    }
    let chain = |start: u32| -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let mut at = start;
        for _ in 0..max_steps {
            if at >= 0xFFFF_FFFA {
                return Some(out);
            }
            out.extend_from_slice(sector(at)?);
            at = *fat.get(at as usize)?;
        }
        None
    };
    let dir = chain(u32_at(bytes, 48)?)?;
    let entries: Vec<&[u8]> = dir.chunks_exact(128).collect();
    let name_of = |e: &[u8]| -> String {
        let len = (u16_at(e, 64).unwrap_or(0) as usize).min(64);
        let units: Vec<u16> = e[..len.saturating_sub(2)]
            .chunks_exact(2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    };
    // The entry calamine takes: the first of that exact name, whatever its type.
    let entry = ["Workbook", "Book"]
        .iter()
        .find_map(|want| entries.iter().find(|e| name_of(e) == *want))?;
    let (start, len) = (u32_at(entry, 116)?, u32_at(entry, 120)? as usize);
    let root_len = u32_at(entries.first()?, 120)?;
    if len > bytes.len() || !within(root_len, 1) {
        return None;
    }
    let cutoff = u32_at(bytes, 56)? as usize;
    let mut stream = if len < cutoff {
        // A small stream lives in the mini stream, the root entry's, in 64-byte sectors.
        let root = entries.first()?;
        let mini = chain(u32_at(root, 116)?)?;
        let minifat: Vec<u32> = chain(u32_at(bytes, 60)?)?
            .chunks_exact(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let mut out = Vec::new();
        let mut at = start;
        for _ in 0..=mini.len() / mini_size {
            if at >= 0xFFFF_FFFA {
                break;
            }
            let from = (at as usize).checked_mul(mini_size)?;
            out.extend_from_slice(mini.get(from..from.checked_add(mini_size)?)?);
            at = *minifat.get(at as usize)?;
        }
        out
    } else {
        chain(start)?
    };
    stream.truncate(len);
    Some(stream)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn record(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut r = typ.to_le_bytes().to_vec();
        r.extend((data.len() as u16).to_le_bytes());
        r.extend(data);
        r
    }

    fn bof(kind: u16) -> Vec<u8> {
        let mut d = vec![0x00, 0x06];
        d.extend(kind.to_le_bytes());
        d.extend([0; 12]);
        record(0x0809, &d)
    }

    /// A BIFF8 `Workbook` stream of one sheet named `S`: its DIMENSIONS record, if any, then
    /// a number in each of `cells`.
    pub(crate) fn biff(dims: Option<(u32, u32, u16, u16)>, cells: &[(u16, u16)]) -> Vec<u8> {
        let sheet_record = |pos: u32| {
            let mut d = pos.to_le_bytes().to_vec();
            d.extend([0, 0, 1, 1]);
            d.extend("S".encode_utf16().flat_map(u16::to_le_bytes));
            record(0x0085, &d)
        };
        let mut globals = bof(0x0005);
        globals.extend(record(0x0042, &1200u16.to_le_bytes()));
        let eof = record(0x000A, &[]);
        let pos = globals.len() + sheet_record(0).len() + eof.len();
        globals.extend(sheet_record(pos as u32));
        globals.extend(&eof);
        let mut sheet = bof(0x0010);
        if let Some((rf, rl, cf, cl)) = dims {
            let mut d = rf.to_le_bytes().to_vec();
            d.extend(rl.to_le_bytes());
            d.extend(cf.to_le_bytes());
            d.extend(cl.to_le_bytes());
            d.extend([0, 0]);
            sheet.extend(record(0x0200, &d));
        }
        for &(r, c) in cells {
            let mut d = r.to_le_bytes().to_vec();
            d.extend(c.to_le_bytes());
            d.extend([0, 0]);
            d.extend(1.0f64.to_le_bytes());
            sheet.extend(record(0x0203, &d));
        }
        sheet.extend(&eof);
        globals.extend(sheet);
        globals
    }

    /// A workbook whose one BOUNDSHEET record is empty: calamine 0.32 reads the sheet's
    /// place from it without looking (the `ingest` fuzz target's find), and nothing here
    /// refuses it first.
    pub(crate) fn boundsheet_cut_short() -> Vec<u8> {
        let mut globals = bof(0x0005);
        globals.extend(record(0x0085, &[]));
        globals.extend(record(0x000A, &[]));
        compound(globals, false)
    }

    /// A compound file holding `stream` as `Workbook`: in sectors of its own when it is 4,096
    /// bytes or more (padded to that unless `mini`), else in the root's mini stream.
    pub(crate) fn compound(mut stream: Vec<u8>, mini: bool) -> Vec<u8> {
        const END: u32 = 0xFFFF_FFFE;
        let len = if mini {
            stream.len()
        } else {
            stream.len().max(4096)
        };
        stream.resize(len.div_ceil(512) * 512, 0);
        let n = (stream.len() / 512) as u32;
        // Sectors: 0 the FAT, 1 the directory, 2 the mini FAT (if mini), then the data.
        let data = if mini { 3 } else { 2 };
        let mut fat = vec![0xFFFF_FFFD, END];
        if mini {
            fat.push(END);
        }
        fat.extend((1..n).map(|k| data + k));
        fat.push(END);
        fat.resize(128, 0xFFFF_FFFF);
        let mut out = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        out.extend([0; 16]);
        for v in [0x3Eu16, 3, 0xFFFE, 9, 6] {
            out.extend(v.to_le_bytes());
        }
        out.extend([0; 6]);
        let minifat = if mini { 2 } else { END };
        for v in [0u32, 1, 1, 0, 4096, minifat, u32::from(mini), END, 0, 0] {
            out.extend(v.to_le_bytes());
        }
        out.extend(std::iter::repeat_n(0xFFu8, 108 * 4));
        assert_eq!(out.len(), 512);
        out.extend(fat.iter().flat_map(|v| v.to_le_bytes()));
        let entry = |name: &str, kind: u8, start: u32, size: u32, child: u32| {
            let mut e: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
            let name_len = e.len() as u16 + 2;
            e.resize(64, 0);
            e.extend(name_len.to_le_bytes());
            e.extend([kind, 1]);
            e.extend(
                [u32::MAX, u32::MAX, child]
                    .iter()
                    .flat_map(|v| v.to_le_bytes()),
            );
            e.resize(116, 0);
            e.extend(start.to_le_bytes());
            e.extend(size.to_le_bytes());
            e.extend([0; 4]);
            e
        };
        let (root_start, root_size, start) = if mini {
            (data, n * 512, 0)
        } else {
            (END, 0, data)
        };
        out.extend(entry("Root Entry", 5, root_start, root_size, 1));
        out.extend(entry("Workbook", 2, start, len as u32, u32::MAX));
        out.extend([0; 256]);
        if mini {
            let sectors = (len as u32).div_ceil(64);
            let mut chain: Vec<u32> = (1..sectors).collect();
            chain.push(END);
            chain.resize(128, 0xFFFF_FFFF);
            out.extend(chain.iter().flat_map(|v| v.to_le_bytes()));
        }
        out.extend(stream);
        out
    }

    fn calamine_cells(bytes: &[u8]) -> u64 {
        use calamine::Reader;
        let mut book = calamine::Xls::new(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range("S").unwrap();
        let (h, w) = range.get_size();
        (h * w) as u64
    }

    #[test]
    fn counts_what_calamine_lays_out_in_either_kind_of_stream() {
        for mini in [false, true] {
            let book = compound(biff(None, &[(0, 0), (3, 5), (7, 2)]), mini);
            let stream = workbook_stream(&book).unwrap();
            assert_eq!(sheets(&stream).len(), 1);
            let (pos, name) = &sheets(&stream)[0];
            assert_eq!(name.as_deref(), Some("S"));
            assert_eq!(sheet_cells(&stream[*pos..]), 8 * 6, "mini: {mini}");
            assert_eq!(calamine_cells(&book), 8 * 6, "mini: {mini}");
            assert_eq!(measure(&book), Extent::Fits);
        }
    }

    #[test]
    fn an_encrypted_workbook_is_left_to_calamine() {
        let mut stream = biff(None, &[(0, 0), (65535, 65535)]);
        // FILEPASS after the globals' BOF: the sheets' records are ciphertext.
        let at = bof(0x0005).len();
        let filepass = record(0x002F, &[0, 0]);
        stream.splice(at..at, filepass.clone());
        // The sheet moved along with the records after it: BOUNDSHEET (after the CODEPAGE
        // record) says where it is now.
        let sheet = at + filepass.len() + 6 + 4;
        let pos = u32::from_le_bytes(stream[sheet..sheet + 4].try_into().unwrap());
        let moved = pos + filepass.len() as u32;
        stream[sheet..sheet + 4].copy_from_slice(&moved.to_le_bytes());
        assert_eq!(measure(&compound(stream, false)), Extent::Fits);
    }

    #[test]
    fn a_far_cell_is_refused_before_it_is_laid_out() {
        // 5 KB, 137 GB laid out.
        for mini in [false, true] {
            let book = compound(biff(None, &[(0, 0), (65535, 65535)]), mini);
            assert!(book.len() < 6_000);
            assert_eq!(measure(&book), Extent::TooMany("S".to_owned(), 1 << 32));
        }
    }

    #[test]
    fn room_a_dimensions_record_asks_for_is_counted() {
        let asks = |dims| measure(&compound(biff(Some(dims), &[(0, 0)]), false));
        assert_eq!(asks((0, 1000, 0, 100)), Extent::Fits);
        assert_eq!(
            asks((0, 1_000_000, 0, 100)),
            Extent::TooMany("S".to_owned(), 100_000_000)
        );
        // A first row past the last: calamine's count wraps to four billion rows.
        assert!(matches!(asks((10, 5, 0, 1)), Extent::TooMany(..)));
    }

    #[test]
    fn a_container_that_cannot_be_followed_is_damaged() {
        assert_eq!(measure(b""), Extent::NotCompound);
        assert_eq!(measure(&[0u8; 4096]), Extent::NotCompound);
        let book = compound(biff(None, &[(0, 0)]), false);
        // The FAT's first sector past the end of the file.
        let mut past = book.clone();
        past[76..80].copy_from_slice(&1000u32.to_le_bytes());
        assert_eq!(measure(&past), Extent::Damaged);
        // No sector table at all: calamine indexed into it and panicked (found by fuzzing).
        let mut none = book.clone();
        none[76..80].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(measure(&none), Extent::Damaged);
        // A stream declared larger than the file (calamine reserved the room: 2 GB for a
        // 5 KB file, found by fuzzing), and a sector table declared so.
        let mut long = book.clone();
        long[1024 + 128 + 120..1024 + 128 + 124].copy_from_slice(&(2u32 << 30).to_le_bytes());
        assert_eq!(measure(&long), Extent::Damaged);
        let mut fats = book.clone();
        fats[44..48].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(measure(&fats), Extent::Damaged);
        // The stream's chain looping back on itself (sector 2 to 2).
        let mut looped = book.clone();
        looped[512 + 8..512 + 12].copy_from_slice(&2u32.to_le_bytes());
        assert_eq!(measure(&looped), Extent::Damaged);
    }
}
