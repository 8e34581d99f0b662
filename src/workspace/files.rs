//! The workspace's files: bounded reading (from `config::files`) and where in a file's text a key
//! or a needle stands, for findings that name a line.

pub use crate::config::files::{MAX_FILE_BYTES, ReadProblem, read_text};

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
