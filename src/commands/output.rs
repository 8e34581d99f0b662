//! Plain-text output helpers shared by the cloud subcommands: times, colours, event lines.

use std::io::IsTerminal;

use crate::cloud::{StackEvent, StatusCategory};
pub use crate::ops::format::{clock, duration};

/// Whether stdout takes colours (a terminal, and NO_COLOR unset).
pub fn colour_enabled() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// `text` in the colour of `category`, when `colour` is on.
pub fn paint(text: &str, category: StatusCategory, colour: bool) -> String {
    if colour {
        format!("\x1b[{}m{text}\x1b[0m", category.ansi_colour())
    } else {
        text.to_string()
    }
}

/// One event as a line: time, symbol, status, type, logical id, reason.
pub fn event_line(event: &StackEvent, colour: bool) -> String {
    let category = event.category();
    let status = format!("{} {:<28}", category.symbol(), event.status);
    let mut line = format!(
        "{}  {}  {:<32} {}",
        clock(event.timestamp_ms),
        paint(&status, category, colour),
        event.resource_type,
        event.logical_id
    );
    if let Some(reason) = event.reason.as_deref().filter(|r| !r.is_empty()) {
        line.push_str(&format!("  {reason}"));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_times_and_lines() {
        assert_eq!(clock(0), "00:00:00");
        assert_eq!(clock(1_700_000_042_123), "22:14:02");
        assert_eq!(duration(Some(1_000), Some(246_000)), "4m05s");
        assert_eq!(duration(Some(1_000), None), "");
        let event = StackEvent {
            event_id: "e".into(),
            stack_id: "s".into(),
            stack_name: "st".into(),
            logical_id: "Bucket".into(),
            physical_id: None,
            resource_type: "AWS::S3::Bucket".into(),
            status: "CREATE_FAILED".into(),
            reason: Some("Access denied".into()),
            timestamp_ms: 0,
        };
        let plain = event_line(&event, false);
        assert!(plain.starts_with("00:00:00  ✗ CREATE_FAILED"), "{plain}");
        assert!(plain.ends_with("Bucket  Access denied"), "{plain}");
        assert!(event_line(&event, true).contains("\x1b[31m"));
    }
}
