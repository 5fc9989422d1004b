//! A segment: the stored bytes of consecutive events packed into one sled value.
//!
//! A group commit writes its events as a few segments instead of one sled entry per event:
//! fewer inserts on the append path and fewer entries for a replay to walk. Each record is a
//! little-endian `u32` length followed by that many bytes (an event's hash ‖ body).

/// Most bytes one segment holds before the next begins; small enough that sled never turns
/// a page of segments into a separate blob file.
pub const MAX_BYTES: usize = 4 * 1024;

/// Packs records into one value.
pub fn encode<'a>(records: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for r in records {
        out.extend_from_slice(&(r.len() as u32).to_le_bytes());
        out.extend_from_slice(r);
    }
    out
}

/// The records of a segment, in order; a malformed tail yields one `Err` and stops.
pub fn records(value: &[u8]) -> impl Iterator<Item = Result<&[u8], Malformed>> {
    spans(value).map(|r| r.map(|(at, len)| &value[at..at + len]))
}

/// Where each record of a segment lies in it: (offset, length) pairs, in order; a malformed
/// tail yields one `Err` and stops. Readers use these to share the segment's buffer instead
/// of copying each record out.
pub fn spans(value: &[u8]) -> Spans<'_> {
    Spans {
        value,
        at: 0,
        done: false,
    }
}

pub struct Spans<'a> {
    value: &'a [u8],
    at: usize,
    done: bool,
}

/// A segment whose length prefixes do not add up: its bytes were altered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Malformed;

impl Iterator for Spans<'_> {
    type Item = Result<(usize, usize), Malformed>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.at >= self.value.len() {
            return None;
        }
        let rest = &self.value[self.at..];
        let Some((len, tail)) = rest.split_first_chunk::<4>() else {
            self.done = true;
            return Some(Err(Malformed));
        };
        let len = u32::from_le_bytes(*len) as usize;
        if tail.len() < len {
            self.done = true;
            return Some(Err(Malformed));
        }
        let start = self.at + 4;
        self.at = start + len;
        Some(Ok((start, len)))
    }
}

/// Groups consecutive records into segments of at most [`MAX_BYTES`] (a larger record
/// gets a segment of its own); yields each segment's first index and its records.
pub fn chunks(records: &[Vec<u8>]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let (mut start, mut size) = (0, 0);
    for (i, r) in records.iter().enumerate() {
        if i > start && size + r.len() + 4 > MAX_BYTES {
            out.push((start, i));
            start = i;
            size = 0;
        }
        size += r.len() + 4;
    }
    if start < records.len() {
        out.push((start, records.len()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_come_back_in_order() {
        let v = encode([&b"one"[..], b"", b"three"]);
        let got: Vec<_> = records(&v).collect::<Result<_, _>>().unwrap();
        assert_eq!(got, [&b"one"[..], b"", b"three"]);
    }

    #[test]
    fn a_cut_segment_is_reported_not_misread() {
        let v = encode([&b"one"[..], b"three"]);
        let got: Vec<_> = records(&v[..v.len() - 1]).collect();
        assert_eq!(got, [Ok(&b"one"[..]), Err(Malformed)]);
    }

    #[test]
    fn chunks_respect_the_size_cap_and_cover_every_record() {
        let recs: Vec<Vec<u8>> = (0..100).map(|i| vec![0u8; 100 + i * 10]).collect();
        let cs = chunks(&recs);
        assert_eq!(cs.first().map(|c| c.0), Some(0));
        assert_eq!(cs.last().map(|c| c.1), Some(100));
        for w in cs.windows(2) {
            assert_eq!(w[0].1, w[1].0);
        }
        for &(a, b) in &cs {
            let size: usize = recs[a..b].iter().map(|r| r.len() + 4).sum();
            assert!(b - a == 1 || size <= MAX_BYTES);
        }
    }
}
