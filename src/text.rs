//! Text made fit for one line: text from outside (AWS error bodies, event reasons, logs) cut
//! to a table cell, and durations as minutes and seconds.

/// `text` as it fits a table cell: its first non-empty line, spaces collapsed, cut to
/// `max_chars` with `…`; an HTML page (a proxy's or an emulator's error page) is named, not
/// quoted. The flag says whether anything was left out (the rest is behind `enter` or `--json`).
pub fn one_line(text: &str, max_chars: usize) -> (String, bool) {
    let trimmed = text.trim();
    let lowercase = trimmed.to_ascii_lowercase();
    if let Some(at) = ["<!doctype", "<html"]
        .iter()
        .filter_map(|marker| lowercase.find(marker))
        .min()
    {
        let before = one_line(&trimmed[..at], max_chars).0;
        let page = "an HTML page instead of an AWS answer";
        let line = if before.is_empty() {
            page.to_string()
        } else {
            format!("{before} {page}")
        };
        return (line, true);
    }
    let mut lines = trimmed.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or_default();
    let mut line = first.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut cut = lines.next().is_some();
    if line.chars().count() > max_chars {
        line = line
            .chars()
            .take(max_chars.saturating_sub(1))
            .collect::<String>();
        line.push('…');
        cut = true;
    }
    (line, cut)
}

/// `4m05s` of a duration in milliseconds (negative as zero).
pub fn minutes_seconds(ms: i64) -> String {
    let seconds = ms.max(0) / 1000;
    format!("{}m{:02}s", seconds / 60, seconds % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_gets_the_first_line_cut_to_its_width_and_never_an_html_page() {
        assert_eq!(one_line("  short  text ", 20), ("short text".into(), false));
        assert_eq!(
            one_line("first line\nsecond line", 40),
            ("first line".into(), true)
        );
        assert_eq!(one_line("abcdefghij", 5), ("abcd…".into(), true));
        let page = format!(
            "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2 Final//EN\">\n<title>404 Not Found</title>{}",
            "x".repeat(200)
        );
        let (cell, cut) = one_line(&page, 60);
        assert_eq!(cell, "an HTML page instead of an AWS answer");
        assert!(cut);
        let (cell, _) = one_line(&format!("✗ unknown: <html><body>{}", "y".repeat(250)), 60);
        assert_eq!(cell, "✗ unknown: an HTML page instead of an AWS answer");
    }
}
