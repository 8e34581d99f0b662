//! The journals of past runs: JSON-lines files, one entry a line, appended to and read whole.

use std::path::Path;

use serde::Serialize;

/// Appends `entry` to the JSON-lines file at `path` (created with its folder when absent).
pub fn append_line(path: &Path, entry: &impl Serialize) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let line = serde_json::to_string(entry).map_err(std::io::Error::other)?;
    writeln!(file, "{line}")
}

/// The entries of a JSON-lines file, oldest first; a missing file has none, and a line that is
/// not an entry is skipped.
pub fn read_lines<T: serde::de::DeserializeOwned>(path: &Path) -> Vec<T> {
    std::fs::read_to_string(path)
        .map(|text| {
            text.lines()
                .filter_map(|line| serde_json::from_str(line).ok())
                .collect()
        })
        .unwrap_or_default()
}
