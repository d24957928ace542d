//! Reading a source file's bytes: plain, or gzip-compressed (`.gz`, recognised by its magic
//! bytes), so that the shipped library and court exports can be read without unpacking.

use crate::report::IngestError;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// Largest decompressed size accepted from one compressed file read whole (one JSON document):
/// the whole shipped library is about 12 MB, so 2 GiB leaves room for any real export and refuses
/// a decompression bomb. JSON lines are streamed instead and may be of any length.
pub const MAX_DECOMPRESSED_BYTES: u64 = 2 << 30;

/// Longest line of a JSON lines file: a judgment is tens of kilobytes, so this refuses only a
/// file that is not line-delimited (or a bomb) before it fills memory.
pub const MAX_LINE_BYTES: u64 = 64 << 20;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Whether a file name is one the folder walk reads as judgment records.
pub(crate) fn is_record_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(name);
    name.ends_with(".json") || name.ends_with(".jsonl")
}

/// The file's name without `.gz` and its record extension: the fallback id of its records.
pub(crate) fn record_stem(path: &Path) -> String {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("record");
    let name = name.strip_suffix(".gz").unwrap_or(name);
    Path::new(name)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("record")
        .to_string()
}

const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// The file's content, decompressed when it is gzip, without a UTF-8 byte order mark (Windows
/// editors write one; left in, it made the first record unreadable JSON).
pub fn read_source(path: &Path) -> Result<Vec<u8>, IngestError> {
    let mut reader = open_source(path)?;
    read_rest(&mut *reader, path, Vec::new())
}

/// A source file opened for reading in order, decompressed when it is gzip, without a UTF-8
/// byte order mark.
pub(crate) fn open_source(path: &Path) -> Result<Box<dyn BufRead + Send>, IngestError> {
    let file = std::fs::File::open(path).map_err(|e| IngestError::io(path, e))?;
    let mut raw = BufReader::with_capacity(1 << 16, file);
    let compressed = raw
        .fill_buf()
        .map_err(|e| IngestError::io(path, e))?
        .starts_with(&GZIP_MAGIC);
    let mut reader: Box<dyn BufRead + Send> = match compressed {
        true => Box::new(BufReader::with_capacity(
            1 << 16,
            flate2::bufread::MultiGzDecoder::new(raw),
        )),
        false => Box::new(raw),
    };
    if reader
        .fill_buf()
        .map_err(|e| IngestError::io(path, e))?
        .starts_with(UTF8_BOM)
    {
        reader.consume(UTF8_BOM.len());
    }
    Ok(reader)
}

/// The next line of `reader` (without its end), `None` at the end; refuses a line longer than
/// [`MAX_LINE_BYTES`].
pub(crate) fn next_line(
    reader: &mut dyn BufRead,
    path: &Path,
    line_number: usize,
) -> Result<Option<Vec<u8>>, IngestError> {
    let mut line = Vec::new();
    let read = reader
        .take(MAX_LINE_BYTES + 1)
        .read_until(b'\n', &mut line)
        .map_err(|e| IngestError::io(path, e))?;
    if read == 0 {
        return Ok(None);
    }
    if line.len() as u64 > MAX_LINE_BYTES {
        return Err(IngestError::Unknown(format!(
            "{}：第 {line_number} 行超过 {} MB，已拒绝读取（JSON lines 文件应每行一条记录）",
            path.display(),
            MAX_LINE_BYTES >> 20
        )));
    }
    if line.last() == Some(&b'\n') {
        line.pop();
    }
    Ok(Some(line))
}

/// The rest of `reader` after `head`, refused past [`MAX_DECOMPRESSED_BYTES`] in all.
pub(crate) fn read_rest(
    reader: &mut dyn BufRead,
    path: &Path,
    mut head: Vec<u8>,
) -> Result<Vec<u8>, IngestError> {
    let room = (MAX_DECOMPRESSED_BYTES + 1).saturating_sub(head.len() as u64);
    reader
        .take(room)
        .read_to_end(&mut head)
        .map_err(|e| IngestError::io(path, e))?;
    if head.len() as u64 > MAX_DECOMPRESSED_BYTES {
        return Err(IngestError::Unknown(format!(
            "{}：解压后超过 {} MB，已拒绝读取",
            path.display(),
            MAX_DECOMPRESSED_BYTES >> 20
        )));
    }
    Ok(head)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn gzip_and_plain_files_read_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("a.jsonl");
        let packed = dir.path().join("a.jsonl.gz");
        let content = "{\"id\":\"x\",\"facts\":\"被告人盗窃\"}\n".repeat(100);
        std::fs::write(&plain, &content).unwrap();
        let mut encoder = flate2::write::GzEncoder::new(
            std::fs::File::create(&packed).unwrap(),
            flate2::Compression::default(),
        );
        encoder.write_all(content.as_bytes()).unwrap();
        encoder.finish().unwrap();
        assert_eq!(read_source(&plain).unwrap(), read_source(&packed).unwrap());
        assert!(is_record_file(&packed) && is_record_file(&plain));
        assert_eq!(record_stem(&packed), "a");
    }

    #[test]
    fn a_byte_order_mark_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bom.jsonl");
        std::fs::write(&path, b"\xef\xbb\xbf{\"id\":\"x\"}\n").unwrap();
        assert_eq!(read_source(&path).unwrap(), b"{\"id\":\"x\"}\n");
    }

    #[test]
    fn truncated_gzip_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.jsonl.gz");
        std::fs::write(&path, [0x1f, 0x8b, 8, 0, 0, 0]).unwrap();
        assert!(read_source(&path).is_err());
    }
}
