//! The beta view: per extension, the last integration run (its class, when, the version it
//! ran, whether it blocks the release) and the trend of the runs before, from the local
//! history that `regship integ` keeps; no AWS call.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Wrap};

use crate::app::{AppState, LiveRun, Loadable, ViewKind};
use crate::cloud::StatusCategory;
use crate::config::Maturity;
use crate::ops::format::clock;
use crate::ops::integ::{BetaRow, IntegClass};
use crate::ui::theme::Theme;

/// A class's symbol and the colour it is drawn in.
fn mark(class: IntegClass, allowed: bool) -> (&'static str, StatusCategory) {
    match class {
        IntegClass::Passed => ("✓", StatusCategory::Complete),
        IntegClass::UpdateNotExercised => ("~", StatusCategory::InProgress),
        _ if allowed => ("!", StatusCategory::InProgress),
        _ => ("✗", StatusCategory::Failed),
    }
}

/// Every column of a row, in the order of [`COLUMNS`].
fn cells<'a>(
    beta: &'a BetaRow,
    live: Option<&LiveRun>,
    now_ms: i64,
    theme: &Theme,
) -> Vec<Cell<'a>> {
    if let Some(LiveRun { line, .. }) = live {
        return vec![
            Cell::from(beta.extension.as_str()),
            Cell::from(beta.maturity.to_string()),
            Cell::from(Span::styled(
                format!("{} {line}", super::spinner(now_ms)),
                theme.status(StatusCategory::InProgress),
            )),
            Cell::from("running"),
            Cell::from(""),
            Cell::from(""),
            Cell::from(""),
            keep_cell(beta, theme),
        ];
    }
    let Some(last) = &beta.last else {
        return vec![
            Cell::from(beta.extension.as_str()),
            Cell::from(beta.maturity.to_string()),
            Cell::from(Span::styled("no run yet (regship integ)", theme.muted())),
            Cell::from(""),
            Cell::from(""),
            Cell::from(""),
            Cell::from(""),
            keep_cell(beta, theme),
        ];
    };
    let (symbol, category) = mark(last.class, last.allowed);
    let verdict = if last.allowed {
        format!("{symbol} {} (allowed: alpha)", last.class.describe())
    } else {
        format!("{symbol} {}", last.class.describe())
    };
    let trend: Vec<Span> = beta
        .trend
        .iter()
        .map(|class| {
            let allowed = beta.maturity == Maturity::Alpha
                && matches!(
                    class,
                    IntegClass::FunctionalFailure | IntegClass::CompatibilityBreak
                );
            let (symbol, category) = mark(*class, allowed);
            Span::styled(symbol, theme.status(category))
        })
        .collect();
    vec![
        Cell::from(beta.extension.as_str()),
        Cell::from(beta.maturity.to_string()),
        Cell::from(Span::styled(verdict, theme.status(category))),
        Cell::from(clock(last.started_ms)),
        Cell::from(last.version.clone().unwrap_or_else(|| "-".into())),
        Cell::from(Line::from(trend)),
        Cell::from(if last.blocks {
            Span::styled("blocks", theme.status(StatusCategory::Failed))
        } else {
            Span::raw("")
        }),
        keep_cell(beta, theme),
    ]
}

/// The columns: header and width.
const COLUMNS: [(&str, Constraint); 8] = [
    ("EXTENSION", Constraint::Fill(2)),
    ("MATURITY", Constraint::Length(8)),
    ("LAST RUN", Constraint::Fill(3)),
    ("AT", Constraint::Length(8)),
    ("VERSION", Constraint::Length(8)),
    ("TREND", Constraint::Length(5)),
    ("", Constraint::Length(6)),
    ("LONG-LIVED", Constraint::Length(24)),
];
/// What a narrow terminal keeps, in order of importance: the extension, its last run, the
/// trend, whether it blocks, and the long-lived stack.
const NARROW: [usize; 5] = [0, 2, 5, 6, 7];
/// Below this width the view folds to [`NARROW`].
const WIDE: u16 = 120;

/// The cells of `shown`, in that order.
fn pick_owned<'a>(all: Vec<Cell<'a>>, shown: &[usize]) -> Vec<Cell<'a>> {
    let mut all: Vec<Option<Cell>> = all.into_iter().map(Some).collect();
    shown.iter().filter_map(|&i| all[i].take()).collect()
}

/// The long-lived stack's status, coloured like the events view; `-` when beta was not read.
fn keep_cell<'a>(beta: &BetaRow, theme: &Theme) -> Cell<'a> {
    match &beta.keep {
        Some(status) => Cell::from(Span::styled(
            status.clone(),
            theme.status(StatusCategory::of(status)),
        )),
        None => Cell::from(Span::styled("-", theme.muted())),
    }
}

pub fn beta(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" beta: integration runs (from this machine's history) ")
        .border_style(theme.muted());
    let rows = match &state.integ.rows {
        Loadable::Loaded { value, .. } => value,
        Loadable::Failed { message, .. } => {
            let text = format!("The history could not be read: {message}");
            frame.render_widget(Paragraph::new(text).block(block), area);
            return;
        }
        _ => {
            frame.render_widget(
                Paragraph::new("reading the history…")
                    .style(theme.muted())
                    .block(block),
                area,
            );
            return;
        }
    };
    if rows.is_empty() {
        let text = "No extension in this workspace.";
        frame.render_widget(Paragraph::new(text).style(theme.muted()).block(block), area);
        return;
    }
    let selected = state.selected(ViewKind::Beta).min(rows.len() - 1);
    let shown: Vec<usize> = if area.width >= WIDE {
        (0..COLUMNS.len()).collect()
    } else {
        NARROW.to_vec()
    };
    let body: Vec<Row> = rows
        .iter()
        .map(|r| {
            let all = cells(r, state.integ.live.get(&r.extension), state.now_ms, theme);
            Row::new(pick_owned(all, &shown))
        })
        .collect();
    // The selected row's run, whole and wrapped, below the table: its id, version, when, and
    // every reason (each stack's end and its pinned failures).
    let row = &rows[selected];
    let detail = detail_lines(row, state.integ.live.get(&row.extension), theme);
    let inner_width = usize::from(area.width.saturating_sub(2)).max(1);
    let detail_rows: usize = detail
        .iter()
        .map(|line| line.width().div_ceil(inner_width).max(1))
        .sum();
    let [table_area, detail_area] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(
            u16::try_from(detail_rows + 2)
                .unwrap_or(u16::MAX)
                .min(area.height / 2),
        ),
    ])
    .areas(area);
    let table = Table::new(body, shown.iter().map(|&i| COLUMNS[i].1))
        .header(Row::new(shown.iter().map(|&i| COLUMNS[i].0)).style(theme.muted()))
        .row_highlight_style(theme.selected())
        .block(block.border_style(Style::default().fg(theme.muted)));
    crate::ui::render_table(frame, table_area, table, selected);
    frame.render_widget(
        Paragraph::new(detail).wrap(Wrap { trim: false }).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.muted())
                .title(format!(" {} ", row.extension)),
        ),
        detail_area,
    );
}

/// What the detail pane says of a row: the run in progress, else the last run whole.
fn detail_lines(row: &BetaRow, live: Option<&LiveRun>, theme: &Theme) -> Vec<Line<'static>> {
    if let Some(live) = live {
        return vec![Line::raw(format!("running: {}", live.line))];
    }
    let Some(run) = &row.last else {
        return vec![Line::styled(
            "no integration run yet from this machine: I runs one",
            theme.muted(),
        )];
    };
    let (symbol, category) = mark(run.class, run.allowed);
    let verdict = if run.blocks {
        " · blocks the release"
    } else if run.allowed {
        " · allowed (alpha)"
    } else {
        ""
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(
            format!("{symbol} {}", run.class.describe()),
            theme.status(category),
        ),
        Span::styled(
            format!(
                " · run {} · version {} · {} · {}s{verdict}",
                run.run_id,
                run.version.as_deref().unwrap_or("?"),
                clock(run.started_ms),
                run.duration_ms / 1000,
            ),
            theme.muted(),
        ),
    ])];
    lines.extend(run.reasons.iter().map(|reason| Line::raw(reason.clone())));
    lines
}
