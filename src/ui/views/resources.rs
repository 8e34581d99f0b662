//! The resources view (every extension) and one extension's detail.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Wrap};

use super::{ago, spinner};
use crate::app::{AppState, ExtensionView, Loadable, ViewKind};
use crate::checks::Severity;
use crate::ops::status::{self, Standing};
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
    let longest_folder = visible
        .iter()
        .map(|e| e.row.folder.chars().count())
        .max()
        .unwrap_or(0);
    let layout = fold(
        &COLUMNS,
        area.width.saturating_sub(2),
        u16::try_from(longest_folder).unwrap_or(u16::MAX),
    );
    let rows: Vec<Row> = visible
        .iter()
        .map(|extension| {
            Row::new(layout.shown.iter().map(|(column, width)| {
                let (text, style) = (column.cell)(extension, state, theme);
                let text = if column.header == "FOLDER" {
                    fit_tail(&text, *width)
                } else {
                    crate::text::one_line(&text, usize::from(*width)).0
                };
                Cell::from(Span::styled(text, style))
            }))
        })
        .collect();
    let widths: Vec<Constraint> = layout
        .shown
        .iter()
        .map(|(_, width)| Constraint::Length(*width))
        .collect();
    let header: Vec<&str> = layout.shown.iter().map(|(c, _)| c.header).collect();
    let header = Row::new(header).style(theme.muted().add_modifier(Modifier::BOLD));
    let title = match layout.hidden.as_slice() {
        [] => format!(" extensions ({}) ", visible.len()),
        hidden => format!(" extensions ({}) · {} ", visible.len(), hidden_note(hidden)),
    };
    let table = Table::new(rows, widths)
        .header(header)
        .row_highlight_style(theme.selected())
        .block(block.title(title));
    let selected = state.selected(ViewKind::Resources).min(visible.len() - 1);
    crate::ui::render_table(frame, area, table, selected);
}

/// How wide a column is: fixed, or a share of what is left, at least this wide.
#[derive(Clone, Copy)]
enum Width {
    Fixed(u16),
    Share(u16),
}

/// A column of the resources table: its rank (the lower, the longer it stays on a narrow
/// terminal), the narrowest it may be drawn (its text cut with `…`), and its cell's text and
/// style.
struct Column {
    header: &'static str,
    width: Width,
    min: u16,
    rank: u8,
    cell: fn(&ExtensionView, &AppState, &Theme) -> (String, Style),
}

/// Columns of this rank or lower are the stages of the release: they shrink before they fold.
const STAGE_RANK: u8 = 5;

/// Every column, in the order drawn; the folder names the extension and never folds, then
/// the stages of the release (checks, sandbox, CI/CD, beta, prod) stay longest.
const COLUMNS: [Column; 12] = [
    Column {
        header: "FOLDER",
        width: Width::Share(28),
        min: 20,
        rank: 0,
        cell: |e, _, _| (e.row.folder.clone(), Style::default()),
    },
    Column {
        header: "TYPE",
        width: Width::Share(30),
        min: 30,
        rank: 11,
        cell: |e, _, _| {
            (
                e.row.type_name.clone().unwrap_or_else(|| "?".into()),
                Style::default(),
            )
        },
    },
    Column {
        header: "KIND",
        width: Width::Fixed(8),
        min: 8,
        rank: 7,
        cell: |e, _, _| (e.row.kind.to_string(), Style::default()),
    },
    Column {
        header: "MATURITY",
        width: Width::Fixed(8),
        min: 8,
        rank: 6,
        cell: |e, _, _| (e.row.maturity.to_string(), Style::default()),
    },
    Column {
        header: "INPUTS",
        width: Width::Fixed(6),
        min: 6,
        rank: 9,
        cell: |e, _, _| (e.row.input_sets.to_string(), Style::default()),
    },
    Column {
        header: "SETUP",
        width: Width::Fixed(5),
        min: 5,
        rank: 10,
        cell: |e, _, _| (yes(e.row.setup).to_string(), Style::default()),
    },
    Column {
        header: "INTEG",
        width: Width::Fixed(5),
        min: 5,
        rank: 10,
        cell: |e, _, _| (yes(e.row.integ).to_string(), Style::default()),
    },
    Column {
        header: "CHECKS",
        width: Width::Fixed(14),
        min: 14,
        rank: 1,
        cell: |e, _, theme| standing_cell(status::checks(&e.row), theme),
    },
    Column {
        header: "SANDBOX",
        width: Width::Fixed(23),
        min: 14,
        rank: 5,
        cell: |e, state, theme| {
            let standing = status::sandbox(
                &e.row,
                &e.setup_stack,
                &state.readiness.inputs,
                state.now_ms,
            );
            standing_cell(standing, theme)
        },
    },
    Column {
        header: "CICD",
        width: Width::Fixed(17),
        min: 12,
        rank: 3,
        cell: |e, state, theme| {
            standing_cell(status::cicd(&e.row, &state.readiness.inputs.cicd), theme)
        },
    },
    Column {
        header: "BETA",
        width: Width::Fixed(24),
        min: 14,
        rank: 4,
        cell: |e, state, theme| {
            standing_cell(
                status::beta(&e.row, &state.readiness.inputs.integ, state.now_ms),
                theme,
            )
        },
    },
    Column {
        header: "PROD",
        width: Width::Fixed(16),
        min: 14,
        rank: 2,
        cell: |e, state, theme| {
            standing_cell(status::prod(&e.row, &state.readiness.inputs.prod), theme)
        },
    },
];

/// The columns drawn at one terminal width, each with its width, and the headers folded away.
struct Layout {
    shown: Vec<(&'static Column, u16)>,
    hidden: Vec<&'static str>,
}

/// The columns that fit in `width`: the least important non-stage columns fold first (the
/// later one of a tie), then the stages shrink towards their minimum, then the folder (as wide
/// as the longest folder until then), and only then does a stage fold. A shared column (the
/// folder, the type) takes what is left.
fn fold(columns: &'static [Column], width: u16, longest_folder: u16) -> Layout {
    let preferred = |c: &Column| match c.width {
        Width::Share(_) if c.rank == 0 => longest_folder.max(c.min),
        Width::Fixed(w) | Width::Share(w) => w,
    };
    let mut shown: Vec<(&'static Column, u16)> =
        columns.iter().map(|c| (c, preferred(c))).collect();
    let mut hidden = Vec::new();
    let needed = |shown: &[(&Column, u16)]| -> u16 {
        shown.iter().map(|(_, w)| *w).sum::<u16>() + shown.len().saturating_sub(1) as u16
    };
    let fold_least =
        |shown: &mut Vec<(&'static Column, u16)>, hidden: &mut Vec<&'static str>, stages: bool| {
            let least = shown
                .iter()
                .enumerate()
                .filter(|(_, (c, _))| stages || c.rank > STAGE_RANK)
                .filter(|(_, (c, _))| c.rank > 0)
                .max_by_key(|(index, (c, _))| (c.rank, *index))
                .map(|(index, _)| index);
            match least {
                Some(index) => {
                    hidden.push(shown.remove(index).0.header);
                    true
                }
                None => false,
            }
        };
    while needed(&shown) > width && fold_least(&mut shown, &mut hidden, false) {}
    loop {
        // Shrink one column a step at a time: a stage before the folder, the one furthest
        // above its minimum first.
        for (column, column_width) in &mut shown {
            *column_width = preferred(column);
        }
        while needed(&shown) > width {
            let Some((_, column_width)) = shown
                .iter_mut()
                .filter(|(c, w)| *w > c.min)
                .max_by_key(|(c, w)| (c.rank > 0, *w - c.min))
            else {
                break;
            };
            *column_width -= 1;
        }
        if needed(&shown) <= width || !fold_least(&mut shown, &mut hidden, true) {
            break;
        }
    }
    // The shared columns split what is left between them.
    let shares = shown
        .iter()
        .filter(|(c, _)| matches!(c.width, Width::Share(_)))
        .count() as u16;
    if let Some(spare) = width.saturating_sub(needed(&shown)).checked_div(shares) {
        for (column, column_width) in &mut shown {
            if matches!(column.width, Width::Share(_)) {
                *column_width += spare;
            }
        }
    }
    Layout { shown, hidden }
}

/// What the title says of folded columns: the stages by name, the others counted.
fn hidden_note(hidden: &[&str]) -> String {
    let stages: Vec<String> = COLUMNS
        .iter()
        .filter(|c| c.rank <= STAGE_RANK && hidden.contains(&c.header))
        .map(|c| c.header.to_lowercase())
        .collect();
    let others = hidden.len() - stages.len();
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    match (stages.as_slice(), others) {
        ([], n) => format!("{n} column{} hidden (enter shows all)", plural(n)),
        (named, 0) => format!("{} hidden (enter shows all)", named.join(", ")),
        (named, n) => format!(
            "{} and {n} column{} hidden (enter shows all)",
            named.join(", "),
            plural(n)
        ),
    }
}

fn yes(present: bool) -> &'static str {
    if present { "yes" } else { "-" }
}

/// A board cell: its state's symbol and its words, in its state's colour.
fn standing_cell(standing: Standing, theme: &Theme) -> (String, Style) {
    (standing.text(), theme.status(standing.state.category()))
}

/// `text` within `width` columns, its start cut with `…`: the tail of a folder tells two
/// extensions apart (`…/S3_DeleteBucketContents`).
fn fit_tail(text: &str, width: u16) -> String {
    let width = usize::from(width);
    let count = text.chars().count();
    if count <= width {
        return text.to_string();
    }
    if let Some((_, name)) = text.rsplit_once('/')
        && name.chars().count() + 2 <= width
    {
        return format!("…/{name}");
    }
    let tail: String = text.chars().skip(count + 1 - width.max(1)).collect();
    format!("…{tail}")
}

/// The extension's standing in each stage, and the key or command that moves it forward.
fn release_lines(extension: &ExtensionView, state: &AppState, theme: &Theme) -> Vec<Line<'static>> {
    let status = status::status_of(
        &extension.row,
        &extension.setup_stack,
        &state.readiness.inputs,
        state.now_ms,
    );
    let folder = &extension.row.folder;
    let mut prod = status.prod.clone();
    if let Some(found) = state
        .readiness
        .inputs
        .prod
        .as_ref()
        .and_then(|read| read.as_ref().ok())
        .and_then(|all| all.iter().find(|v| &v.extension == folder))
    {
        prod.detail = prod_standing(found);
    }
    let stages = [
        ("checks", status.checks),
        ("sandbox", status.sandbox),
        ("cicd", status.cicd),
        ("beta", status.beta),
        ("prod", prod),
    ];
    let mut lines = vec![Line::styled(
        "release",
        theme.muted().add_modifier(Modifier::BOLD),
    )];
    for (column, standing) in stages {
        let step = next_step(column, &standing, folder);
        lines.push(Line::from(vec![
            Span::styled(format!("  {column:<8}"), theme.muted()),
            Span::styled(standing.text(), theme.status(standing.state.category())),
            Span::styled(
                if step.is_empty() {
                    step
                } else {
                    format!("  ({step})")
                },
                theme.muted(),
            ),
        ]));
    }
    lines
}

/// What moves a stage forward, as a key of the TUI or a command.
fn next_step(column: &str, standing: &Standing, folder: &str) -> String {
    use status::State;
    let step = match (column, standing.state) {
        (_, State::NoCredentials) => "2 shows the accounts and how to sign in",
        (_, State::Ready | State::NotApplicable | State::NotRead | State::Allowed) => "",
        ("checks", _) => "the findings below say how",
        ("sandbox", State::Missing) if standing.detail == "no setup stack" => {
            "d deploys the setup stack"
        }
        ("sandbox", State::Failed) if standing.detail.starts_with("setup ") => {
            "D deletes the setup stack, d deploys it again"
        }
        ("sandbox", _) => "t runs the contract tests",
        ("cicd", State::Missing) => return format!("regship pipeline add {folder}"),
        ("cicd", _) => ":stage cicd, then 5 shows the build; R retries",
        ("beta", _) => "6, then I runs it in the beta account",
        ("prod", _) => return format!("7 shows every region; regship rollout start {folder}"),
        _ => "",
    };
    step.to_string()
}

/// `23/26 on 1.0.2 · lagging eu-west-3 · missing me-south-1`.
fn prod_standing(found: &crate::ops::versions::ExtensionVersions) -> String {
    use crate::ops::versions::Standing;
    let mut text = found.summary();
    for (standing, word) in [
        (Standing::Lagging, "lagging"),
        (Standing::Missing, "missing"),
        (Standing::Unknown, "unread"),
    ] {
        let regions: Vec<&str> = found
            .regions
            .iter()
            .filter(|r| r.standing == standing)
            .map(|r| r.region.as_str())
            .collect();
        if !regions.is_empty() {
            text.push_str(&format!(" · {word} {}", regions.join(" ")));
        }
    }
    text
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
    ];
    lines.push(Line::raw(""));
    lines.extend(release_lines(extension, state, theme));
    lines.extend([
        Line::raw(""),
        Line::styled("files", theme.muted().add_modifier(Modifier::BOLD)),
    ]);
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
