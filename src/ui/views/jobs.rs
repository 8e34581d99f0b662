//! The jobs view: subprocesses the TUI started, with their live output and exit status.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

use super::spinner;
use crate::app::{AppState, JobStatus, ViewKind};
use crate::ui::theme::Theme;

/// The list part of the jobs view.
pub fn jobs_list_area(area: Rect) -> Rect {
    let [list, _] = Layout::vertical([Constraint::Length(8), Constraint::Min(3)]).areas(area);
    list
}

pub fn jobs(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let [list, output] = Layout::vertical([Constraint::Length(8), Constraint::Min(3)]).areas(area);
    if state.jobs.is_empty() {
        let text =
            "No jobs yet. From the resources view, press v to run `cfn validate` on an extension.";
        frame.render_widget(
            Paragraph::new(text)
                .style(theme.muted())
                .block(Block::default().borders(Borders::ALL).title(" jobs ")),
            area,
        );
        return;
    }
    let rows: Vec<Row> = state
        .jobs
        .iter()
        .map(|job| {
            let (status, style) = match job.status {
                JobStatus::Running => (
                    format!("{} running", spinner(state.now_ms)),
                    theme.status(crate::cloud::StatusCategory::InProgress),
                ),
                JobStatus::Exited(0) => (
                    "✓ exit 0".to_string(),
                    theme.status(crate::cloud::StatusCategory::Complete),
                ),
                JobStatus::Exited(code) => (
                    format!("✗ exit {code}"),
                    theme.status(crate::cloud::StatusCategory::Failed),
                ),
                JobStatus::Killed => (
                    "⊘ cancelled".to_string(),
                    theme.status(crate::cloud::StatusCategory::Cancelled),
                ),
                JobStatus::FailedToStart => (
                    "✗ did not start".to_string(),
                    theme.status(crate::cloud::StatusCategory::Failed),
                ),
            };
            Row::new(vec![
                Cell::from(job.id.to_string()),
                Cell::from(job.title.clone()),
                Cell::from(Span::styled(status, style)),
            ])
        })
        .collect();
    let selected = state.selected(ViewKind::Jobs).min(state.jobs.len() - 1);
    let table = Table::new(
        rows,
        [
            Constraint::Length(4),
            Constraint::Fill(1),
            Constraint::Length(18),
        ],
    )
    .header(Row::new(["ID", "JOB", "STATUS"]).style(theme.muted()))
    .row_highlight_style(theme.selected())
    .block(
        Block::default()
            .borders(Borders::ALL)
            .title(" jobs ")
            .border_style(theme.muted()),
    );
    crate::ui::render_table(frame, list, table, selected);
    let job = &state.jobs[selected];
    let summary = &job.summary;
    let mut header: Vec<Line> = Vec::new();
    if !summary.tests.is_empty() || summary.complete {
        header.push(Line::from(vec![
            Span::styled("contract tests: ", Style::default().fg(theme.text)),
            Span::styled(
                format!("{} passed ", summary.passed),
                theme.status(crate::cloud::StatusCategory::Complete),
            ),
            Span::styled(
                format!("{} failed ", summary.failed),
                theme.status(crate::cloud::StatusCategory::Failed),
            ),
            Span::styled(format!("{} skipped", summary.skipped), theme.muted()),
        ]));
        header.extend(super::failed_test_lines(
            summary,
            5,
            "  ",
            theme.status(crate::cloud::StatusCategory::Failed),
        ));
    }
    let height = (output.height.saturating_sub(2) as usize).saturating_sub(header.len());
    // Scrolled to the top, the first page shows whole.
    let end = job
        .lines
        .len()
        .saturating_sub(state.job_output_scroll)
        .max(height.min(job.lines.len()));
    let start = end.saturating_sub(height);
    let mut lines = header;
    lines.extend(
        job.lines
            .range(start..end)
            .map(|line| Line::raw(line.clone())),
    );
    let title = if state.job_output_scroll == 0 {
        format!(" output: {} ", job.title)
    } else {
        format!(
            " lines {}-{} of {}, G follows the end · output: {} ",
            start + 1,
            end,
            job.lines.len(),
            job.title
        )
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(Style::default().fg(theme.muted));
    frame.render_widget(Paragraph::new(lines).block(block), output);
}
