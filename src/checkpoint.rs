//! Checkpoints: the write model and the live projections, saved with the log position and
//! hash they reflect, so that start-up catches up from there instead of from position 1.
//!
//! A checkpoint is derived data: the log alone rebuilds it, and one that does not match the
//! log (another code version, or another hash at its position) is ignored. So it is kept as
//! one plain file, `DIR/checkpoint`, beside the sled store, written to a temporary file that
//! is synced and then renamed over the old one: no save ever leaves a half-written
//! checkpoint, and hundreds of megabytes are not pushed through sled's log (and its garbage)
//! on every save or held in sled's memory on every load.
//!
//! Layout: three MessagePack parts — the cycles' views ([`Projections::timelines`]), the
//! other views ([`Projections::rest`]) and the write model — then the [`Meta`] as JSON and
//! the meta's length as a little-endian `u32`. Loading reads the meta from the end, then
//! the parts on two threads: the cycles on one, the rest and then the write model on the
//! other (the two sides are of similar size). Each part is decoded as it streams from the
//! file through a 64 KiB buffer, its checksum summed on the way: reading each part whole
//! first and decoding it from memory was about a tenth of a second faster (1M-event log,
//! 10 interleaved start-ups: median 0.56 against 0.65 s), but held two parts of up to
//! 70 MB at once, and start-up's peak RSS fell from ~540 to ~420 MiB without them. Saving
//! encodes the other views on a second thread into an unnamed temp file, copied in after
//! the cycles, so no part is held in memory as bytes there either.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use trellis_events::Hash;
use trellis_projections::{Part, Parts, Projections, Rest, Timelines};

use crate::command::State;

/// The file's own layout; part of the code version a checkpoint must match (2: each part
/// carries a checksum).
pub const FORMAT: u32 = 2;

const FILE: &str = "checkpoint";
const TEMP: &str = "checkpoint.tmp";
/// Buffer of the writer: large enough that MessagePack's many small writes are memory
/// copies, not system calls.
const BUFFER: usize = 1 << 20;
/// Buffer of each part's reader.
const READ_BUFFER: usize = 1 << 16;

/// What the file says about itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// The code version that wrote it; any other version rebuilds instead.
    pub code: String,
    /// The last log position folded into it, and the hash of the event there.
    pub position: u64,
    pub hash: Hash,
    timelines_bytes: u64,
    rest_bytes: u64,
    state_bytes: u64,
    /// CRC-32 of each part (cycles, other views, write model): a checkpoint whose bytes
    /// changed on disk is rebuilt, not served. (Absent before format 2, whose code version
    /// then says to rebuild.)
    #[serde(default)]
    crc32: [u32; 3],
}

/// A loaded checkpoint.
pub struct Checkpoint {
    pub meta: Meta,
    pub state: State,
    pub projections: Projections,
}

/// Why a checkpoint was not saved or not loaded.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("checkpoint i/o on {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("checkpoint {path} is not readable: {reason}")]
    Corrupt { path: PathBuf, reason: String },
}

/// Counts and checksums what passes through to the inner writer, or from the inner reader.
struct Counting<T> {
    inner: T,
    passed: u64,
    crc: crc32fast::Hasher,
}

impl<T> Counting<T> {
    fn new(inner: T) -> Counting<T> {
        Counting {
            inner,
            passed: 0,
            crc: crc32fast::Hasher::new(),
        }
    }

    /// The checksum of what passed since the last call.
    fn take_crc(&mut self) -> u32 {
        std::mem::take(&mut self.crc).finalize()
    }

    fn count(&mut self, bytes: &[u8]) {
        self.passed += bytes.len() as u64;
        self.crc.update(bytes);
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count(&buf[..n]);
        Ok(n)
    }
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Encodes `value` into `out`; answers how many bytes that took.
fn encode<W: Write, T: Serialize>(out: &mut Counting<W>, value: &T) -> Result<u64, String> {
    let before = out.passed;
    rmp_serde::encode::write(out, value).map_err(|e| e.to_string())?;
    Ok(out.passed - before)
}

/// Encodes `value` into an unnamed temporary file in `dir` (gone once dropped, even after a
/// crash), rewound to its start for reading back.
fn encode_apart<T: Serialize>(dir: &Path, value: &T) -> Result<File, String> {
    let file = tempfile::tempfile_in(dir).map_err(|e| e.to_string())?;
    let mut out = BufWriter::with_capacity(BUFFER, file);
    rmp_serde::encode::write(&mut out, value).map_err(|e| e.to_string())?;
    let mut file = out.into_inner().map_err(|e| e.error().to_string())?;
    file.seek(SeekFrom::Start(0)).map_err(|e| e.to_string())?;
    Ok(file)
}

/// Writes a checkpoint of `state` and `projections` at `position` (whose event has `hash`)
/// into `dir`, replacing the previous one only once the new one is durable.
pub fn save(
    dir: &Path,
    code: String,
    position: u64,
    hash: Hash,
    state: &State,
    projections: &Projections,
) -> Result<(), CheckpointError> {
    let temp = dir.join(TEMP);
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| CheckpointError::Io { path, source }
    };
    let corrupt = |reason: String| CheckpointError::Corrupt {
        path: temp.clone(),
        reason,
    };
    let file = File::create(&temp).map_err(io(&temp))?;
    let mut out = Counting::new(BufWriter::with_capacity(BUFFER, file));
    // The other views are encoded on a second thread, into an unnamed file of their own,
    // while the cycles stream out; then they are copied in after the cycles. Encoding them
    // into memory instead held ~54 MB more (1M events), and up to twice that while the
    // buffer grew, on top of the views themselves.
    let (rest, timelines_bytes) = std::thread::scope(|s| {
        let rest = s.spawn(|| encode_apart(dir, &projections.rest()));
        let timelines = encode(&mut out, &projections.timelines);
        let rest = rest
            .join()
            .unwrap_or_else(|_| Err("encoding the views panicked".into()));
        (rest, timelines)
    });
    let timelines_bytes = timelines_bytes.map_err(corrupt)?;
    let timelines_crc = out.take_crc();
    let mut rest = rest.map_err(corrupt)?;
    let rest_bytes = std::io::copy(&mut rest, &mut out).map_err(io(&temp))?;
    drop(rest);
    let rest_crc = out.take_crc();
    let state_bytes = encode(&mut out, state).map_err(corrupt)?;
    let crc32 = [timelines_crc, rest_crc, out.take_crc()];
    let meta = Meta {
        code,
        position,
        hash,
        timelines_bytes,
        rest_bytes,
        state_bytes,
        crc32,
    };
    let meta = serde_json::to_vec(&meta).map_err(|e| corrupt(e.to_string()))?;
    out.write_all(&meta).map_err(io(&temp))?;
    out.write_all(&(meta.len() as u32).to_le_bytes())
        .map_err(io(&temp))?;
    let file = out.inner.into_inner().map_err(|e| CheckpointError::Io {
        path: temp.clone(),
        source: e.into_error(),
    })?;
    file.sync_all().map_err(io(&temp))?;
    let target = dir.join(FILE);
    std::fs::rename(&temp, &target).map_err(io(&target))?;
    // The rename is durable once the directory is.
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(dir))?;
    Ok(())
}

/// Removes the checkpoint in `dir`, if there is one: the next start-up rebuilds.
pub fn remove(dir: &Path) -> Result<(), CheckpointError> {
    let path = dir.join(FILE);
    match std::fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(CheckpointError::Io { path, source: e })
        }
        _ => Ok(()),
    }
}

/// The meta of the checkpoint in `dir`, if there is one.
pub fn read_meta(dir: &Path) -> Result<Option<Meta>, CheckpointError> {
    let path = dir.join(FILE);
    let mut file = match File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(CheckpointError::Io { path, source }),
    };
    let corrupt = |reason: &str| CheckpointError::Corrupt {
        path: path.clone(),
        reason: reason.to_string(),
    };
    let io = |source| CheckpointError::Io {
        path: path.clone(),
        source,
    };
    let len = file.metadata().map_err(io)?.len();
    let mut tail = [0u8; 4];
    if len < 4 {
        return Err(corrupt("shorter than its trailer"));
    }
    file.seek(SeekFrom::Start(len - 4)).map_err(io)?;
    file.read_exact(&mut tail).map_err(io)?;
    let meta_len = u64::from(u32::from_le_bytes(tail));
    let meta_at = (len - 4)
        .checked_sub(meta_len)
        .ok_or_else(|| corrupt("its meta is longer than the file"))?;
    let mut bytes = vec![0u8; meta_len as usize];
    file.seek(SeekFrom::Start(meta_at)).map_err(io)?;
    file.read_exact(&mut bytes).map_err(io)?;
    let meta: Meta = serde_json::from_slice(&bytes).map_err(|e| corrupt(&format!("meta: {e}")))?;
    let parts = [meta.timelines_bytes, meta.rest_bytes, meta.state_bytes];
    if parts.iter().try_fold(0u64, |sum, n| sum.checked_add(*n)) != Some(meta_at) {
        return Err(corrupt("its parts do not add up to the file"));
    }
    Ok(Some(meta))
}

/// What a part is decoded from: the checksum sits under the buffer, so it sums 64 KiB at
/// a time, not each of the decoder's many small reads.
type PartReader = BufReader<Counting<std::io::Take<File>>>;

/// Decodes the part of `len` bytes at `offset` with `decode`, streaming: a part's bytes are
/// never all in memory at once. The checksum is only known at the end, so whatever `decode`
/// answers, the rest of the part is read and summed, and a mismatch is the error (it says
/// why better than whatever the changed bytes decoded to).
fn read_part<T>(
    path: &Path,
    offset: u64,
    len: u64,
    crc: u32,
    decode: impl FnOnce(&mut PartReader) -> Result<T, String>,
) -> Result<T, String> {
    let mut file = File::open(path).map_err(|e| e.to_string())?;
    file.seek(SeekFrom::Start(offset))
        .map_err(|e| e.to_string())?;
    let mut reader = BufReader::with_capacity(READ_BUFFER, Counting::new(file.take(len)));
    let value = decode(&mut reader);
    let left = std::io::copy(&mut reader, &mut std::io::sink()).map_err(|e| e.to_string())?;
    let mut read = reader.into_inner();
    if read.take_crc() != crc || read.passed != len {
        return Err("its bytes do not match their checksum".into());
    }
    let value = value?;
    if left != 0 {
        return Err(format!("it runs past its value by {left} byte(s)"));
    }
    Ok(value)
}

/// Reads the checkpoint that `meta` (from [`read_meta`]) describes.
pub fn load(dir: &Path, meta: Meta) -> Result<Checkpoint, CheckpointError> {
    let path = dir.join(FILE);
    let started = Instant::now();
    let (t, r) = (meta.timelines_bytes, meta.rest_bytes);
    let [t_crc, r_crc, s_crc] = meta.crc32;
    let error = |e: rmp_serde::decode::Error| e.to_string();
    // The cycles on one thread; the other views, then the write model, on this one.
    let (timelines, rest, state) = std::thread::scope(|s| {
        let timelines = s.spawn(|| {
            read_part(&path, 0, t, t_crc, |rd| {
                Part::read(|| rmp_serde::from_read::<_, Timelines>(rd)).map_err(error)
            })
            .map_err(|e| format!("cycles: {e}"))
        });
        let rest = read_part(&path, t, r, r_crc, |rd| {
            Part::read(|| rmp_serde::from_read::<_, Rest>(rd)).map_err(error)
        })
        .map_err(|e| format!("views: {e}"));
        let state = read_part(&path, t + r, meta.state_bytes, s_crc, |rd| {
            rmp_serde::from_read::<_, State>(rd).map_err(error)
        })
        .map_err(|e| format!("write model: {e}"));
        let timelines = timelines
            .join()
            .unwrap_or_else(|_| Err("reading the cycles panicked".into()));
        (timelines, rest, state)
    });
    let corrupt = |reason: String| CheckpointError::Corrupt {
        path: path.clone(),
        reason,
    };
    let projections = Projections::from_parts(Parts {
        timelines: timelines.map_err(corrupt)?,
        rest: rest.map_err(corrupt)?,
    });
    let state = state.map_err(corrupt)?;
    tracing::info!(
        position = meta.position,
        cycles_mib = meta.timelines_bytes >> 20,
        views_mib = meta.rest_bytes >> 20,
        state_mib = meta.state_bytes >> 20,
        secs = started.elapsed().as_secs_f64(),
        "checkpoint loaded"
    );
    Ok(Checkpoint {
        meta,
        state,
        projections,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash() -> Hash {
        Hash([3; 32])
    }

    /// A checkpoint of empty views at position 7, saved in `dir`.
    fn saved(dir: &Path) -> Projections {
        let views = Projections::without_entries();
        save(dir, "v1".into(), 7, hash(), &State::default(), &views).unwrap();
        views
    }

    #[test]
    fn a_saved_checkpoint_reads_back_equal() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read_meta(dir.path()).unwrap().is_none());
        let views = saved(dir.path());
        let meta = read_meta(dir.path()).unwrap().unwrap();
        assert_eq!(
            (meta.code.as_str(), meta.position, meta.hash),
            ("v1", 7, hash())
        );
        let cp = load(dir.path(), meta).unwrap();
        assert_eq!(cp.projections, views);
        assert!(!dir.path().join(TEMP).exists());
    }

    #[test]
    fn removing_a_checkpoint_leaves_none_and_removing_none_is_fine() {
        let dir = tempfile::tempdir().unwrap();
        remove(dir.path()).unwrap();
        saved(dir.path());
        remove(dir.path()).unwrap();
        assert!(read_meta(dir.path()).unwrap().is_none());
    }

    #[test]
    fn a_damaged_checkpoint_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        saved(dir.path());
        let path = dir.path().join(FILE);
        let bytes = std::fs::read(&path).unwrap();
        // Cut at every length: each is refused or (with the meta intact) fails to load.
        for cut in 0..bytes.len() {
            std::fs::write(&path, &bytes[..cut]).unwrap();
            if let Ok(Some(meta)) = read_meta(dir.path()) {
                assert!(load(dir.path(), meta).is_err(), "cut at {cut}");
            }
        }
        // Any byte of any part changed: refused by its checksum, whatever it would decode to.
        std::fs::write(&path, &bytes).unwrap();
        let meta = read_meta(dir.path()).unwrap().unwrap();
        let parts = meta.timelines_bytes + meta.rest_bytes + meta.state_bytes;
        for at in 0..parts as usize {
            let mut flipped = bytes.clone();
            flipped[at] ^= 0x20;
            std::fs::write(&path, &flipped).unwrap();
            let meta = read_meta(dir.path()).unwrap().unwrap();
            let err = load(dir.path(), meta).err().map(|e| e.to_string());
            assert!(
                err.as_deref().is_some_and(|e| e.contains("checksum")),
                "byte {at}: {err:?}"
            );
        }
        // A part longer than its value, even with its checksum right, is refused too.
        let meta = read_meta(dir.path()).unwrap().unwrap();
        let (t, end) = (meta.timelines_bytes as usize, parts as usize);
        let mut padded = bytes[..t].to_vec();
        padded.push(0xc0);
        let longer = Meta {
            timelines_bytes: meta.timelines_bytes + 1,
            crc32: [crc32fast::hash(&padded), meta.crc32[1], meta.crc32[2]],
            ..meta
        };
        let json = serde_json::to_vec(&longer).unwrap();
        padded.extend_from_slice(&bytes[t..end]);
        padded.extend_from_slice(&json);
        padded.extend_from_slice(&(json.len() as u32).to_le_bytes());
        std::fs::write(&path, &padded).unwrap();
        let err = load(dir.path(), read_meta(dir.path()).unwrap().unwrap()).err();
        assert!(
            err.as_ref()
                .is_some_and(|e| e.to_string().contains("runs past its value by 1 byte(s)")),
            "{err:?}"
        );
        // A flipped trailer claims a meta longer than the file.
        let mut spoiled = bytes.clone();
        let n = spoiled.len();
        spoiled[n - 1] = 0xff;
        std::fs::write(&path, &spoiled).unwrap();
        assert!(read_meta(dir.path()).is_err());
    }
}
