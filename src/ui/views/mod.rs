//! One module per screen.

mod accounts;
mod beta;
mod events;
mod jobs;
mod pipeline;
mod prod;
mod resources;
mod rollout;

pub use accounts::accounts;
pub use beta::beta;
pub use events::events;
pub use jobs::{jobs, jobs_list_area};
pub use pipeline::{build, execution, pipeline};
pub use prod::prod;
pub use resources::{resource_detail, resources};
pub use rollout::{rollout, rollout_region};

/// A view's message in place of its table (still loading, could not be read, nothing to show),
/// wrapped inside the view's block.
pub fn message(
    frame: &mut ratatui::Frame,
    area: ratatui::layout::Rect,
    block: ratatui::widgets::Block,
    text: String,
    style: ratatui::style::Style,
) {
    frame.render_widget(
        ratatui::widgets::Paragraph::new(text)
            .style(style)
            .wrap(ratatui::widgets::Wrap { trim: false })
            .block(block),
        area,
    );
}

/// A spinner frame for `now_ms`.
pub fn spinner(now_ms: i64) -> &'static str {
    const FRAMES: [&str; 4] = ["◐", "◓", "◑", "◒"];
    FRAMES[(now_ms / 250).rem_euclid(4) as usize]
}

/// "updated 3 s ago".
pub fn ago(now_ms: i64, then_ms: i64) -> String {
    let seconds = ((now_ms - then_ms) / 1000).max(0);
    if seconds < 60 {
        format!("updated {seconds} s ago")
    } else {
        format!("updated {} min ago", seconds / 60)
    }
}

/// The contract tests `summary` says failed, a line each (`✗ name: message`), at most `most` of
/// them, then how many more the log has.
pub fn failed_test_lines(
    summary: &crate::jobs::contract_tests::Summary,
    most: usize,
    indent: &str,
    style: ratatui::style::Style,
) -> Vec<ratatui::text::Line<'static>> {
    let failed: Vec<_> = summary.failed().collect();
    let mut lines: Vec<ratatui::text::Line<'static>> = failed
        .iter()
        .take(most)
        .map(|test| {
            let message = test
                .message
                .as_deref()
                .map(|m| format!(": {m}"))
                .unwrap_or_default();
            ratatui::text::Line::styled(format!("{indent}✗ {}{message}", test.name), style)
        })
        .collect();
    if failed.len() > most {
        lines.push(ratatui::text::Line::styled(
            format!(
                "{indent}and {} more failed tests in the log",
                failed.len() - most
            ),
            style,
        ));
    }
    lines
}
