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
        (Some(start), Some(end)) if end >= start => crate::text::minutes_seconds(end - start),
        _ => String::new(),
    }
}

/// How long ago `then_ms` was at `now_ms`, in its largest unit: `40s ago`, `5m ago`, `3h ago`,
/// `2d ago`.
pub fn age(now_ms: i64, then_ms: i64) -> String {
    let seconds = ((now_ms - then_ms) / 1000).max(0);
    match seconds {
        0..60 => format!("{seconds}s ago"),
        60..3_600 => format!("{}m ago", seconds / 60),
        3_600..86_400 => format!("{}h ago", seconds / 3_600),
        _ => format!("{}d ago", seconds / 86_400),
    }
}
