//! Plain-text output helpers shared by the cloud subcommands: times, colours, event lines, and
//! text from outside (logs, event reasons, job output, file names) made safe to print.

use std::borrow::Cow;
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

/// `text` with every control character but newline and tab made visible (`ESC` as `^[`,
/// a C1 control as `<U+009B>`), so that text from outside cannot move the cursor, retitle the
/// window or hide lines in the user's terminal.
pub fn visible(text: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            _ if !unsafe_char(c) => shown.push(c),
            '\u{7f}' => shown.push_str("^?"),
            c if (c as u32) < 0x20 => {
                shown.push('^');
                shown.push(char::from(b'@' + c as u8));
            }
            c => shown.push_str(&format!("<U+{:04X}>", c as u32)),
        }
    }
    Cow::Owned(shown)
}

/// One event as a line: time, symbol, status, type, logical id, reason.
pub fn event_line(event: &StackEvent, colour: bool) -> String {
    let category = event.category();
    let status = format!("{} {:<28}", category.symbol(), event.status);
    let mut line = format!(
        "{}  {}  {:<32} {}",
        clock(event.timestamp_ms),
        paint(&visible(&status), category, colour),
        visible(&event.resource_type),
        visible(&event.logical_id)
    );
    if let Some(reason) = event.reason.as_deref().filter(|r| !r.is_empty()) {
        line.push_str(&format!("  {}", visible(reason)));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_text_cannot_steer_the_terminal() {
        assert!(matches!(visible("plain\ttext\n"), Cow::Borrowed(_)));
        assert_eq!(
            visible("a\x1b[2Jb\x1b]0;pwned\x07c\rd\u{9b}31m\u{7f}"),
            "a^[[2Jb^[]0;pwned^Gc^Md<U+009B>31m^?"
        );
        let event = StackEvent {
            event_id: "e".into(),
            stack_id: "s".into(),
            stack_name: "st".into(),
            logical_id: "Bucket\x1b[8m".into(),
            physical_id: None,
            resource_type: "AWS::S3::Bucket".into(),
            status: "CREATE_FAILED".into(),
            reason: Some("denied\x1b]0;title\x07\r".into()),
            timestamp_ms: 0,
        };
        let line = event_line(&event, false);
        assert!(!line.contains('\x1b') && !line.contains('\r'), "{line:?}");
        assert!(
            line.contains("Bucket^[[8m") && line.contains("denied^[]0;title^G^M"),
            "{line}"
        );
    }

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
