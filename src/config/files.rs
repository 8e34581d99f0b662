//! Bounded reading of the files a person wrote: too large or binary files are reported, never
//! parsed. The workspace model reads through it too.

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
