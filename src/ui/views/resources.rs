//! The resources view (every extension) and one extension's detail.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState, Wrap};

use super::{ago, spinner};
use crate::app::{AppState, Loadable, ViewKind};
use crate::checks::Severity;
use crate::ui::list_offset;
use crate::ui::theme::Theme;

pub fn resources(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.muted());
    match &state.extensions {
        Loadable::NotLoaded | Loadable::Loading => {
            let text = format!("{} reading the workspace…", spinner(state.now_ms));
            frame.render_widget(
                Paragraph::new(text).block(block.title(" extensions ")),
                area,
            );
            return;
        }
        Loadable::Failed { message, .. } => {
            frame.render_widget(
                Paragraph::new(message.clone())
                    .style(Style::default().fg(theme.error))
                    .block(block),
                area,
            );
            return;
        }
        Loadable::Loaded { .. } => {}
    }
    let visible = state.visible_extensions();
    if visible.is_empty() {
        let text = if state.filter.is_empty() {
            "No extensions: no .rpdk-config under resources/, hooks/ or modules/.\nCreate one with `cfn init`, or open regship in a registry monorepo."
        } else {
            "Nothing matches the filter (esc clears it)."
        };
        frame.render_widget(Paragraph::new(text).style(theme.muted()).block(block), area);
        return;
    }
    let yes = |present: bool| if present { "yes" } else { "-" };
    // Narrow terminals drop the type and maturity columns: the folder names the extension.
    let wide = area.width >= 110;
    let rows: Vec<Row> = visible
        .iter()
        .map(|extension| {
            let row = &extension.row;
            let findings = match (row.errors, row.warnings) {
                (0, 0) => Cell::from(Span::styled(
                    "ok",
                    theme.status(crate::cloud::StatusCategory::Complete),
                )),
                (0, w) => Cell::from(Span::styled(
                    format!("{w} warn"),
                    Style::default().fg(theme.warning),
                )),
                (e, w) => Cell::from(Span::styled(
                    format!("{e} err {w} warn"),
                    Style::default().fg(theme.error),
                )),
            };
            let mut cells = vec![Cell::from(row.folder.clone())];
            if wide {
                cells.push(Cell::from(
                    row.type_name.clone().unwrap_or_else(|| "?".into()),
                ));
            }
            cells.push(Cell::from(row.kind.to_string()));
            if wide {
                cells.push(Cell::from(row.maturity.to_string()));
            }
            cells.extend([
                Cell::from(row.input_sets.to_string()),
                Cell::from(yes(row.setup)),
                Cell::from(yes(row.integ)),
                findings,
            ]);
            if state.cicd_pipeline {
                cells.push(build_cell(state, &row.folder, theme));
            }
            Row::new(cells)
        })
        .collect();
    let (header, widths): (Vec<&str>, Vec<Constraint>) = if wide {
        (
            vec![
                "FOLDER", "TYPE", "KIND", "MATURITY", "INPUTS", "SETUP", "INTEG", "FINDINGS",
            ],
            vec![
                Constraint::Fill(1),
                Constraint::Fill(1),
                Constraint::Length(8),
                Constraint::Length(8),
                Constraint::Length(6),
                Constraint::Length(5),
                Constraint::Length(5),
                Constraint::Length(13),
            ],
        )
    } else {
        (
            vec!["FOLDER", "KIND", "INPUTS", "SETUP", "INTEG", "FINDINGS"],
            vec![
                Constraint::Fill(1),
                Constraint::Length(8),
                Constraint::Length(6),
                Constraint::Length(5),
                Constraint::Length(5),
                Constraint::Length(13),
            ],
        )
    };
    let (mut header, mut widths) = (header, widths);
    if state.cicd_pipeline {
        header.push("BUILD");
        widths.push(Constraint::Length(12));
    }
    let header = Row::new(header).style(theme.muted().add_modifier(Modifier::BOLD));
    let title = format!(" extensions ({}) ", visible.len());
    let table = Table::new(rows, widths)
        .header(header)
        .row_highlight_style(theme.selected())
        .block(block.title(title));
    let selected = state.selected(ViewKind::Resources).min(visible.len() - 1);
    let mut table_state = TableState::default()
        .with_selected(Some(selected))
        .with_offset(list_offset(
            selected,
            area.height.saturating_sub(3) as usize,
        ));
    frame.render_stateful_widget(table, area, &mut table_state);
}

/// The extension's latest build in the CI/CD pipeline.
fn build_cell<'a>(state: &AppState, folder: &str, theme: &Theme) -> Cell<'a> {
    match &state.build_status {
        Loadable::Loaded { value, .. } => match value.get(folder) {
            Some(status) => {
                let category = crate::cloud::StatusCategory::of_pipeline(status);
                Cell::from(Span::styled(
                    format!("{} {status}", category.symbol()),
                    theme.status(category),
                ))
            }
            None => Cell::from(Span::styled("no action", theme.muted())),
        },
        Loadable::Failed { .. } => Cell::from(Span::styled("unknown", theme.muted())),
        Loadable::NotLoaded | Loadable::Loading => Cell::from(Span::styled("…", theme.muted())),
    }
}

pub fn resource_detail(
    frame: &mut Frame,
    area: Rect,
    state: &AppState,
    theme: &Theme,
    folder: &str,
) {
    let Some(extension) = state.extension(folder) else {
        frame.render_widget(
            Paragraph::new(format!("{folder} is no longer in the workspace")),
            area,
        );
        return;
    };
    let row = &extension.row;
    let mut lines: Vec<Line> = vec![
        Line::from(vec![
            Span::styled(
                row.type_name.clone().unwrap_or_default(),
                theme.accent().add_modifier(Modifier::BOLD),
            ),
            Span::raw(format!(
                "  {} · {} · {} · {}",
                row.kind,
                row.language.as_deref().unwrap_or("-"),
                row.maturity,
                row.folder
            )),
        ]),
        Line::raw(format!("setup stack: {}", extension.setup_stack)),
        Line::raw(""),
        Line::styled("files", theme.muted().add_modifier(Modifier::BOLD)),
    ];
    lines.extend(
        extension
            .files
            .iter()
            .map(|file| Line::raw(format!("  {file}"))),
    );
    lines.push(Line::raw(""));
    let exports_note = match &state.exports {
        Loadable::Loaded { at_ms, .. } => format!(
            "exports in {} {} ({})",
            state.stage,
            state.region.as_deref().unwrap_or("-"),
            ago(state.now_ms, *at_ms)
        ),
        Loadable::Loading | Loadable::NotLoaded => format!(
            "{} reading the exports of {}…",
            spinner(state.now_ms),
            state.stage
        ),
        Loadable::Failed { message, .. } => format!("exports unavailable: {message}"),
    };
    lines.push(Line::from(vec![
        Span::styled(
            "references in inputs/  ",
            theme.muted().add_modifier(Modifier::BOLD),
        ),
        Span::styled(exports_note, theme.muted()),
    ]));
    if extension.references.is_empty() {
        lines.push(Line::styled("  (none)", theme.muted()));
    }
    for (file, name) in &extension.references {
        let file = file.rsplit('/').next().unwrap_or(file);
        let (mark, style, value) = match state
            .exports
            .value()
            .map(|exports| exports.iter().find(|e| &e.name == name))
        {
            Some(Some(export)) => (
                "✓",
                theme.status(crate::cloud::StatusCategory::Complete),
                export.value.clone(),
            ),
            Some(None) => (
                "✗",
                theme.status(crate::cloud::StatusCategory::Failed),
                "not exported: deploy setup (d)".to_string(),
            ),
            None => ("?", theme.muted(), String::new()),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("  {mark} "), style),
            Span::raw(format!("{{{{{name}}}}}  {file}  ")),
            Span::styled(value, theme.muted()),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        format!("findings ({})", extension.findings.len()),
        theme.muted().add_modifier(Modifier::BOLD),
    ));
    if extension.findings.is_empty() {
        lines.push(Line::styled(
            "  none: this extension follows the release process",
            theme.status(crate::cloud::StatusCategory::Complete),
        ));
    }
    for finding in &extension.findings {
        let style = match finding.severity {
            Severity::Error => Style::default().fg(theme.error),
            Severity::Warning => Style::default().fg(theme.warning),
            Severity::Info => theme.muted(),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("  {} {} ", finding.severity, finding.code), style),
            Span::raw(format!("{}: {}", finding.location(), finding.message)),
        ]));
        if !finding.hint.is_empty() {
            lines.push(Line::styled(
                format!("      hint: {}", finding.hint),
                theme.muted(),
            ));
        }
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {} ", row.folder))
        .border_style(theme.muted());
    let paragraph = Paragraph::new(lines)
        .block(block)
        .wrap(Wrap { trim: false })
        .scroll((state.detail_scroll.min(u16::MAX as usize) as u16, 0));
    frame.render_widget(paragraph, area);
}
