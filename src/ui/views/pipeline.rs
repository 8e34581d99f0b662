//! The pipeline view: each stage and action of the stage's CodePipeline, the extension each
//! build action tests, error details, and the latest executions with their source revision;
//! and one build's phases and log tail.

use std::collections::VecDeque;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{ago, failed_test_lines, spinner};
use crate::app::{AppState, Loadable};
use crate::cloud::StatusCategory;
use crate::ops::format::{clock, duration};
use crate::ui::list_offset;
use crate::ui::theme::Theme;

pub fn pipeline(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.muted());
    let view = match &state.cicd.pipeline {
        Loadable::NotLoaded | Loadable::Loading => {
            let text = format!(
                "{} reading the {} pipeline…",
                spinner(state.now_ms),
                state.stage
            );
            frame.render_widget(Paragraph::new(text).block(block.title(" pipeline ")), area);
            return;
        }
        Loadable::Failed { message, .. } => {
            let paragraph = Paragraph::new(message.clone())
                .style(Style::default().fg(theme.error))
                .wrap(Wrap { trim: false });
            frame.render_widget(paragraph.block(block.title(" pipeline ")), area);
            return;
        }
        Loadable::Loaded { value, at_ms } => (value, *at_ms),
    };
    let (pipeline, at_ms) = view;
    let cadence = if pipeline.running() {
        "every 5 s"
    } else {
        "every 30 s"
    };
    let mut lines = vec![Line::styled(
        format!(
            "{} · {} · refreshed {cadence}",
            state.stage,
            ago(state.now_ms, at_ms)
        ),
        theme.muted(),
    )];
    let selected = state.selected(crate::app::ViewKind::Pipeline).min(
        state
            .row_count(crate::app::ViewKind::Pipeline)
            .saturating_sub(1),
    );
    let mut action_index = 0;
    let mut selected_line = 0;
    for stage in &pipeline.state.stages {
        let status = stage.status.as_deref().unwrap_or("-");
        let category = StatusCategory::of_pipeline(status);
        lines.push(Line::from(vec![
            Span::styled(
                format!("{} {}", category.symbol(), stage.name),
                theme.status(category).add_modifier(Modifier::BOLD),
            ),
            Span::styled(format!("  {status}"), theme.muted()),
        ]));
        for action in &stage.actions {
            let status = action.status.as_deref().unwrap_or("-");
            let category = StatusCategory::of_pipeline(status);
            let extension = pipeline
                .extensions
                .iter()
                .find(|(name, _)| *name == action.name)
                .map(|(_, folder)| folder.as_str())
                .unwrap_or("");
            // Narrow terminals show the folder's last segment only.
            let extension = if area.width < 110 {
                extension.rsplit('/').next().unwrap_or(extension)
            } else {
                extension
            };
            let changed = action.last_change_ms.map(clock).unwrap_or_default();
            let mut line = Line::from(vec![
                Span::styled(
                    format!("    {} {:<11} ", category.symbol(), status),
                    theme.status(category),
                ),
                Span::raw(format!("{:<24} ", action.name)),
                Span::styled(format!("{changed}  {extension}"), theme.muted()),
            ]);
            if action_index == selected {
                line = line.style(theme.selected());
                selected_line = lines.len();
            }
            action_index += 1;
            lines.push(line);
            if let Some(error) = &action.error {
                lines.push(Line::styled(
                    format!("        {error}"),
                    Style::default().fg(theme.error),
                ));
            }
        }
    }
    let [stages, history] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(pipeline.executions.len() as u16 + 2),
    ])
    .areas(area);
    let title = format!(" {} ", pipeline.state.name);
    // Rows after wrapping, so that the selected action stays in sight.
    let inner_width = usize::from(stages.width.saturating_sub(2)).max(1);
    let rows_before: usize = lines[..selected_line]
        .iter()
        .map(|line| line.width().div_ceil(inner_width).max(1))
        .sum();
    let scroll = list_offset(rows_before, usize::from(stages.height.saturating_sub(2)));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block.title(title))
            .wrap(Wrap { trim: false })
            .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0)),
        stages,
    );
    let executions: Vec<Line> = pipeline
        .executions
        .iter()
        .enumerate()
        .map(|(n, execution)| {
            let category = StatusCategory::of_pipeline(&execution.status);
            let revision = execution.short_revision();
            let line = Line::from(vec![
                Span::styled(
                    format!("{} {:<11}", category.symbol(), execution.status),
                    theme.status(category),
                ),
                Span::styled(
                    format!(
                        " {} {:>7} {:<9} ",
                        execution.start_ms.map(clock).unwrap_or_default(),
                        duration(execution.start_ms, execution.last_update_ms),
                        execution.trigger.as_deref().unwrap_or("-")
                    ),
                    theme.muted(),
                ),
                Span::raw(revision),
            ]);
            if action_index + n == selected {
                line.style(theme.selected())
            } else {
                line
            }
        })
        .collect();
    let history_block = Block::default()
        .borders(Borders::ALL)
        .title(" latest executions ")
        .border_style(theme.muted());
    frame.render_widget(Paragraph::new(executions).block(history_block), history);
}

/// The failed contract tests a build's summary names (the rest are counted).
const PINNED_TESTS: usize = 3;

/// One build: status, phases (failed ones with their reason), the contract tests that failed,
/// and the newest log lines, which stream in while it runs.
pub fn build(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let Some(view) = &state.cicd.build else {
        return;
    };
    let mut summary = Vec::new();
    let title = format!(
        " {} · {} ",
        view.action,
        view.extension.as_deref().unwrap_or("build")
    );
    match &view.build {
        None => summary.push(Line::raw(format!(
            "{} reading build {}…",
            spinner(state.now_ms),
            view.id
        ))),
        Some(build) => {
            let category = StatusCategory::of_build(&build.status);
            let running = !build.is_complete();
            let end = if running {
                Some(state.now_ms)
            } else {
                build.end_ms
            };
            let elapsed = match duration(build.start_ms, end) {
                text if text.is_empty() => text,
                text => format!(" · {text}"),
            };
            summary.push(Line::from(vec![
                Span::styled(
                    format!("{} {}", category.symbol(), build.status),
                    theme.status(category).add_modifier(Modifier::BOLD),
                ),
                Span::styled(
                    format!(
                        "  {}{elapsed} · {}",
                        build.id,
                        view.updated_ms
                            .map(|at| ago(state.now_ms, at))
                            .unwrap_or_default()
                    ),
                    theme.muted(),
                ),
            ]));
            let phases: Vec<Span> = build
                .phases
                .iter()
                .flat_map(|phase| {
                    let status = phase.status.as_deref().unwrap_or("IN_PROGRESS");
                    let category = StatusCategory::of_build(status);
                    let duration = phase
                        .duration_s
                        .map(|s| format!(" {s}s"))
                        .unwrap_or_default();
                    [
                        Span::styled(
                            format!("{} {}", category.symbol(), phase.name),
                            theme.status(category),
                        ),
                        Span::styled(format!("{duration}  "), theme.muted()),
                    ]
                })
                .collect();
            summary.push(Line::from(phases));
            for phase in build
                .phases
                .iter()
                .filter(|p| !p.context.is_empty() && p.status.as_deref() != Some("SUCCEEDED"))
            {
                summary.push(Line::styled(
                    format!("{}: {}", phase.name, phase.context.join("; ")),
                    Style::default().fg(theme.error),
                ));
            }
            // The contract tests that failed, pinned: the log scrolls on past them.
            summary.extend(failed_test_lines(
                &view.summary,
                PINNED_TESTS,
                "",
                Style::default().fg(theme.error),
            ));
        }
    }
    if let Some(problem) = &view.problem {
        summary.push(Line::styled(
            problem.clone(),
            Style::default().fg(theme.warning),
        ));
    }
    // Rows after wrapping, so that a failed phase's reason is shown whole.
    let inner_width = usize::from(area.width.saturating_sub(2)).max(1);
    let summary_rows: usize = summary
        .iter()
        .map(|line| line.width().div_ceil(inner_width).max(1))
        .sum();
    let [top, log] = Layout::vertical([
        Constraint::Length(
            u16::try_from(summary_rows)
                .unwrap_or(u16::MAX)
                .saturating_add(2),
        ),
        Constraint::Min(3),
    ])
    .areas(area);
    frame.render_widget(
        Paragraph::new(summary)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(theme.muted())
                    .title(title),
            )
            .wrap(Wrap { trim: false }),
        top,
    );
    // The newest lines fill the log pane from the bottom, like `tail -f`; a long line wraps
    // (a failing assertion is read whole), and j/k, pgup/pgdn, g/G scroll back.
    let height = usize::from(log.height.saturating_sub(2));
    let width = usize::from(log.width.saturating_sub(2)).max(1);
    // Scrolled to the top, the first page shows whole.
    let end = view
        .lines
        .len()
        .saturating_sub(view.scroll_up)
        .max(height.min(view.lines.len()));
    let mut shown: VecDeque<Line> = VecDeque::new();
    for line in view.lines.iter().take(end).rev() {
        for row in wrapped(line, width).into_iter().rev() {
            if shown.len() == height {
                break;
            }
            shown.push_front(Line::raw(row));
        }
        if shown.len() == height {
            break;
        }
    }
    let log_title = if view.scroll_up == 0 {
        format!(" log ({} lines) ", view.lines.len())
    } else {
        format!(
            " log: up to line {} of {} · G follows the end ",
            end,
            view.lines.len()
        )
    };
    frame.render_widget(
        Paragraph::new(Vec::from(shown)).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.muted())
                .title(log_title),
        ),
        log,
    );
}

/// One execution: its trigger and revision, and every action it ran with status, duration,
/// build id and error.
pub fn execution(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.muted());
    let view = match &state.cicd.execution {
        Loadable::NotLoaded | Loadable::Loading => {
            let text = format!("{} reading the execution…", spinner(state.now_ms));
            frame.render_widget(Paragraph::new(text).block(block.title(" execution ")), area);
            return;
        }
        Loadable::Failed { message, .. } => {
            let paragraph = Paragraph::new(message.clone())
                .style(Style::default().fg(theme.error))
                .wrap(Wrap { trim: false });
            frame.render_widget(paragraph.block(block.title(" execution ")), area);
            return;
        }
        Loadable::Loaded { value, .. } => value,
    };
    let execution = &view.execution;
    let category = StatusCategory::of_pipeline(&execution.status);
    let mut lines = vec![Line::from(vec![
        Span::styled(
            format!("{} {}", category.symbol(), execution.status),
            theme.status(category).add_modifier(Modifier::BOLD),
        ),
        Span::styled(
            format!(
                "  {} · {}",
                execution.trigger.as_deref().unwrap_or("-"),
                execution.short_revision()
            ),
            theme.muted(),
        ),
    ])];
    let extensions = state.cicd.pipeline.value();
    for action in &view.actions {
        let category = StatusCategory::of_pipeline(&action.status);
        let extension = extensions
            .and_then(|p| p.extension_of(&action.action))
            .unwrap_or_default();
        // Narrow terminals: the action's name says enough.
        let extension = if area.width < 110 { "" } else { extension };
        lines.push(Line::from(vec![
            Span::styled(
                format!("  {} {:<11} ", category.symbol(), action.status),
                theme.status(category),
            ),
            Span::raw(format!(
                "{:<34} ",
                format!("{}/{}", action.stage, action.action)
            )),
            Span::styled(
                format!(
                    "{} {:>7}  {}",
                    action.start_ms.map(clock).unwrap_or_default(),
                    duration(action.start_ms, action.last_update_ms),
                    extension
                ),
                theme.muted(),
            ),
        ]));
        if let Some(build) = &action.external_id {
            lines.push(Line::styled(format!("      build {build}"), theme.muted()));
        }
        if let Some(error) = &action.error {
            lines.push(Line::styled(
                format!("      {error}"),
                Style::default().fg(theme.error),
            ));
        }
    }
    let title = format!(" execution {} ", execution.id);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block.title(title))
            .wrap(Wrap { trim: false }),
        area,
    );
}

/// `line` cut into rows of `width` characters.
fn wrapped(line: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = line.chars().collect();
    if chars.is_empty() {
        return vec![String::new()];
    }
    chars
        .chunks(width)
        .map(|chunk| chunk.iter().collect())
        .collect()
}
