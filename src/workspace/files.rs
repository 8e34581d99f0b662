//! Bounded reading of the workspace's files: too large or binary files are reported, never parsed.

use std::fmt;
use std::path::Path;

/// Files larger than this are not parsed (CloudFormation's own template limit is 1 MB).
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Why a file's text could not be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadProblem {
    Missing,
    TooLarge { bytes: u64 },
    Binary,
    Io(String),
}

impl fmt::Display for ReadProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadProblem::Missing => write!(f, "the file does not exist"),
            ReadProblem::TooLarge { bytes } => write!(
                f,
                "the file is {bytes} bytes, over the {MAX_FILE_BYTES}-byte limit, and was not parsed"
            ),
            ReadProblem::Binary => {
                write!(f, "the file is binary (not UTF-8 text) and was not parsed")
            }
            ReadProblem::Io(message) => write!(f, "the file could not be read: {message}"),
        }
    }
}

/// Reads a text file of at most [`MAX_FILE_BYTES`].
pub fn read_text(path: &Path) -> Result<String, ReadProblem> {
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Err(ReadProblem::Missing),
        Err(err) => return Err(ReadProblem::Io(err.to_string())),
    };
    if metadata.len() > MAX_FILE_BYTES {
        return Err(ReadProblem::TooLarge {
            bytes: metadata.len(),
        });
    }
    let bytes = std::fs::read(path).map_err(|err| ReadProblem::Io(err.to_string()))?;
    if bytes.contains(&0) {
        return Err(ReadProblem::Binary);
    }
    String::from_utf8(bytes).map_err(|_| ReadProblem::Binary)
}

/// 1-based line of the first line containing `needle`, if any.
pub fn line_containing(text: &str, needle: &str) -> Option<u32> {
    text.lines()
        .position(|line| line.contains(needle))
        .map(|index| index as u32 + 1)
}

/// 1-based line of a mapping key (`Key:` in YAML, `"Key":` in JSON), if any.
pub fn line_of_key(text: &str, key: &str) -> Option<u32> {
    let yaml = format!("{key}:");
    let json = format!("\"{key}\"");
    text.lines()
        .position(|line| {
            let trimmed = line.trim_start().trim_start_matches("- ");
            trimmed.starts_with(&yaml) || trimmed.starts_with(&json)
        })
        .map(|index| index as u32 + 1)
}

/// 1-based line of a byte offset in `text`.
pub fn line_at_offset(text: &str, offset: usize) -> u32 {
    text[..offset.min(text.len())].matches('\n').count() as u32 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_missing_large_and_binary_files() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            read_text(&dir.path().join("nope")),
            Err(ReadProblem::Missing)
        );
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'a'; MAX_FILE_BYTES as usize + 1]).unwrap();
        assert!(matches!(read_text(&big), Err(ReadProblem::TooLarge { .. })));
        let binary = dir.path().join("bin");
        std::fs::write(&binary, [0x89, b'P', b'N', b'G', 0, 1]).unwrap();
        assert_eq!(read_text(&binary), Err(ReadProblem::Binary));
        let text = dir.path().join("ok");
        std::fs::write(&text, "a: 1\n").unwrap();
        assert_eq!(read_text(&text).unwrap(), "a: 1\n");
    }

    #[test]
    fn finds_lines_of_keys_and_offsets() {
        let text = "Resources:\n  Bucket:\n    Properties:\n      BucketName: x\n";
        assert_eq!(line_of_key(text, "BucketName"), Some(4));
        assert_eq!(line_of_key("{\n  \"Title\": 1\n}", "Title"), Some(2));
        assert_eq!(line_of_key(text, "Nope"), None);
        assert_eq!(line_at_offset(text, text.find("Bucket:").unwrap()), 2);
        assert_eq!(line_containing(text, "Properties"), Some(3));
    }
}
