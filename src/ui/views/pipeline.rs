//! The pipeline view: each stage and action of the stage's CodePipeline, the extension each
//! build action tests, error details, and the latest executions with their source revision.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{ago, spinner};
use crate::app::{AppState, Loadable};
use crate::cloud::StatusCategory;
use crate::commands::output::clock;
use crate::ui::theme::Theme;

pub fn pipeline(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.muted());
    let view = match &state.pipeline {
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
            lines.push(Line::from(vec![
                Span::styled(
                    format!("    {} {:<11} ", category.symbol(), status),
                    theme.status(category),
                ),
                Span::raw(format!("{:<24} ", action.name)),
                Span::styled(format!("{changed}  {extension}"), theme.muted()),
            ]));
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
    frame.render_widget(
        Paragraph::new(lines)
            .block(block.title(title))
            .wrap(Wrap { trim: false }),
        stages,
    );
    let executions: Vec<Line> = pipeline
        .executions
        .iter()
        .map(|execution| {
            let category = StatusCategory::of_pipeline(&execution.status);
            let revision = match (&execution.revision, &execution.revision_summary) {
                (Some(id), summary) => format!(
                    "{} {}",
                    id.chars().take(7).collect::<String>(),
                    summary
                        .as_deref()
                        .and_then(|s| s.lines().next())
                        .unwrap_or("")
                ),
                _ => String::new(),
            };
            Line::from(vec![
                Span::styled(
                    format!("{} {:<11}", category.symbol(), execution.status),
                    theme.status(category),
                ),
                Span::styled(
                    format!(
                        " {} {:<9} ",
                        execution.start_ms.map(clock).unwrap_or_default(),
                        execution.trigger.as_deref().unwrap_or("-")
                    ),
                    theme.muted(),
                ),
                Span::raw(revision),
            ])
        })
        .collect();
    let history_block = Block::default()
        .borders(Borders::ALL)
        .title(" latest executions ")
        .border_style(theme.muted());
    frame.render_widget(Paragraph::new(executions).block(history_block), history);
}
