//! Times and durations as the CLI and the TUI both print them.

/// `HH:MM:SS` (UTC) of a Unix time in milliseconds.
pub fn clock(timestamp_ms: i64) -> String {
    let seconds = timestamp_ms.div_euclid(1000).rem_euclid(86_400);
    format!(
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// `4m05s` from `start_ms` to `end_ms`, or empty when either is unknown.
pub fn duration(start_ms: Option<i64>, end_ms: Option<i64>) -> String {
    match (start_ms, end_ms) {
        (Some(start), Some(end)) if end >= start => {
            let seconds = (end - start) / 1000;
            format!("{}m{:02}s", seconds / 60, seconds % 60)
        }
        _ => String::new(),
    }
}
