//! The stack events view: rain-style summary, the resources, pinned failures, and the live log.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{ago, spinner};
use crate::app::AppState;
use crate::cloud::StatusCategory;
use crate::ops::format::clock;
use crate::ui::theme::Theme;

pub fn events(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let Some(view) = &state.events else {
        let text =
            "No stack followed. Deploy a setup from the resources view (d), or type :events STACK.";
        frame.render_widget(
            Paragraph::new(text)
                .style(theme.muted())
                .block(Block::default().borders(Borders::ALL).title(" events ")),
            area,
        );
        return;
    };
    let watch = &view.watch;
    let status = watch
        .stack_status
        .as_deref()
        .unwrap_or("waiting for events");
    let category = StatusCategory::of(status);
    let counts = watch.counts();
    // Until the stack settles the clock runs on: a stack waiting in REVIEW_IN_PROGRESS for its
    // change set has been waiting since its first event, not for 0 s.
    let elapsed = match (watch.events.front(), watch.events.back()) {
        (Some(first), Some(last)) => {
            let end = if watch.outcome().is_some() {
                last.timestamp_ms
            } else {
                state.now_ms.max(last.timestamp_ms)
            };
            let seconds = (end - first.timestamp_ms).max(0) / 1000;
            if seconds < 60 {
                format!("{seconds}s")
            } else {
                format!("{}m{:02}s", seconds / 60, seconds % 60)
            }
        }
        _ => "-".into(),
    };
    let elapsed_label = if status == "REVIEW_IN_PROGRESS" {
        "waiting for its change set"
    } else {
        "elapsed"
    };
    let updated = match view.updated_ms {
        Some(at) => ago(state.now_ms, at),
        None => format!("{} loading", spinner(state.now_ms)),
    };
    let mode = if view.follow {
        "FOLLOW"
    } else {
        "PAUSED (f or G follows)"
    };
    let mut summary = vec![
        Line::from(vec![
            Span::styled(
                format!("{} ", watch.stack_name),
                Style::default().add_modifier(Modifier::BOLD),
            ),
            Span::styled(
                format!("{} {status}", category.symbol()),
                theme.status(category),
            ),
            Span::raw(format!("  {elapsed_label} {elapsed}")),
        ]),
        Line::from(vec![
            Span::styled(
                format!("{} pending ", counts.pending),
                theme.status(StatusCategory::Pending),
            ),
            Span::styled(
                format!("{} in progress ", counts.in_progress),
                theme.status(StatusCategory::InProgress),
            ),
            Span::styled(
                format!("{} complete ", counts.complete),
                theme.status(StatusCategory::Complete),
            ),
            Span::styled(
                format!("{} failed", counts.failed),
                theme.status(StatusCategory::Failed),
            ),
        ]),
        Line::from(vec![Span::styled(
            format!(
                "{} · {} events · {updated} · {mode}",
                view.stage, watch.total_events
            ),
            theme.muted(),
        )]),
    ];
    if let Some(problem) = &view.problem {
        let style = Style::default().fg(if view.stopped {
            theme.error
        } else {
            theme.warning
        });
        let suffix = if view.stopped {
            " — press r to retry"
        } else {
            ""
        };
        summary.push(Line::styled(format!("{problem}{suffix}"), style));
    }
    let mut sections = vec![Constraint::Length(summary.len() as u16)];
    let resource_rows = watch.resources.len().min(8) as u16;
    if resource_rows > 0 {
        sections.push(Constraint::Length(resource_rows + 2));
    }
    // Each pinned failure: what failed, then its reason, then the physical id, all wrapped so
    // that the reason is read whole at any width (up to half the screen).
    let failure_lines = failure_lines(watch, theme);
    let inner_width = usize::from(area.width.saturating_sub(2)).max(1);
    let failure_rows = u16::try_from(
        failure_lines
            .iter()
            .map(|line| line.width().div_ceil(inner_width).max(1))
            .sum::<usize>(),
    )
    .unwrap_or(u16::MAX)
    .min(area.height / 2);
    if failure_rows > 0 {
        sections.push(Constraint::Length(failure_rows + 2));
    }
    let result_lines = result_lines(state, theme);
    if !result_lines.is_empty() {
        sections.push(Constraint::Length(result_lines.len().min(8) as u16 + 2));
    }
    sections.push(Constraint::Min(3));
    let areas = Layout::vertical(sections).split(area);
    let mut next = 0;
    let mut take = || {
        next += 1;
        areas[next - 1]
    };
    frame.render_widget(Paragraph::new(summary), take());
    if resource_rows > 0 {
        let lines: Vec<Line> = watch
            .resources
            .values()
            .take(resource_rows as usize)
            .map(|resource| {
                Line::from(vec![
                    Span::styled(
                        format!("{} {:<24}", resource.category.symbol(), resource.status),
                        theme.status(resource.category),
                    ),
                    Span::raw(format!("{:<24} ", resource.logical_id)),
                    Span::styled(resource.resource_type.clone(), theme.muted()),
                ])
            })
            .collect();
        let title = format!(" resources ({}) ", watch.resources.len());
        frame.render_widget(
            Paragraph::new(lines).block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(title)
                    .border_style(theme.muted()),
            ),
            take(),
        );
    }
    if failure_rows > 0 {
        let lines = failure_lines;
        let block = Block::default()
            .borders(Borders::ALL)
            .title(" failures (kept after rollback) ")
            .border_style(Style::default().fg(theme.failed));
        frame.render_widget(
            Paragraph::new(lines)
                .block(block)
                .wrap(Wrap { trim: false }),
            take(),
        );
    }
    if !result_lines.is_empty() {
        frame.render_widget(
            Paragraph::new(result_lines).block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(" outputs and exports ")
                    .border_style(theme.muted()),
            ),
            take(),
        );
    }
    let log_area = take();
    let height = log_area.height.saturating_sub(2) as usize;
    let end = watch.events.len().saturating_sub(view.scroll_up);
    let start = end.saturating_sub(height);
    let lines: Vec<Line> = watch
        .events
        .range(start..end)
        .map(|event| {
            let category = event.category();
            let mut spans = vec![
                Span::styled(format!("{} ", clock(event.timestamp_ms)), theme.muted()),
                Span::styled(
                    format!("{} {:<24} ", category.symbol(), event.status),
                    theme.status(category),
                ),
                Span::raw(format!("{:<24} ", event.logical_id)),
                Span::styled(event.resource_type.clone(), theme.muted()),
            ];
            if let Some(reason) = event.reason.as_deref().filter(|r| !r.is_empty()) {
                spans.push(Span::raw(format!("  {reason}")));
            }
            Line::from(spans)
        })
        .collect();
    let title = format!(
        " events {}-{} of {} ",
        start + usize::from(end > 0),
        end,
        watch.events.len()
    );
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(title)
                .border_style(theme.muted()),
        ),
        log_area,
    );
}

fn result_lines(state: &AppState, theme: &Theme) -> Vec<Line<'static>> {
    let Some(view) = &state.events else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    if let Some(outputs) = &view.outputs {
        for output in outputs {
            let export = output
                .export_name
                .as_deref()
                .map(|name| format!("  (export {name})"))
                .unwrap_or_default();
            lines.push(Line::raw(format!(
                "{} = {}{export}",
                output.key, output.value
            )));
        }
    }
    for (name, value) in &view.references {
        lines.push(match value {
            Some(value) => Line::from(vec![
                Span::styled("✓ ", theme.status(StatusCategory::Complete)),
                Span::raw(format!("{{{{{name}}}}} = {value}")),
            ]),
            None => Line::from(vec![
                Span::styled("✗ ", theme.status(StatusCategory::Failed)),
                Span::raw(format!("{{{{{name}}}}} is not exported here")),
            ]),
        });
    }
    lines
}

/// The pinned failures as lines: what failed, its reason, its physical id.
fn failure_lines(
    watch: &crate::watch::stack_events::StackWatch,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for failure in &watch.failures {
        lines.push(Line::from(vec![
            Span::styled(
                format!("✗ {} ", failure.logical_id),
                theme.status(StatusCategory::Failed),
            ),
            Span::styled(
                format!("{} {}", failure.status, failure.resource_type),
                theme.muted(),
            ),
        ]));
        lines.push(Line::raw(format!("  {}", failure.reason)));
        if let Some(id) = &failure.physical_id {
            lines.push(Line::styled(format!("  [{id}]"), theme.muted()));
        }
    }
    lines
}
