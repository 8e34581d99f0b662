//! The rollout view: the newest prod rollout, a row per region (the ones not published first)
//! with its status, the step it is on (or failed at), how long it has run and the failure's
//! message; the title carries the parent's status, the totals and the estimated time left.
//! Enter opens a region: its steps, read from its own execution in its region, and the whole
//! failure message, wrapped.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Cell, Row, Table};

use crate::app::{AppState, Loadable, ViewKind};
use crate::cloud::{AutomationPhase, RegionRun, StatusCategory};
use crate::ops::rollout_watch::{display_order, is_final};
use crate::ui::theme::Theme;

fn category(status: &str) -> StatusCategory {
    match AutomationPhase::of(status) {
        AutomationPhase::Failed => StatusCategory::Failed,
        AutomationPhase::NotStarted => StatusCategory::Cancelled,
        AutomationPhase::Succeeded => StatusCategory::Complete,
        AutomationPhase::Waiting => StatusCategory::Pending,
        AutomationPhase::Running | AutomationPhase::Unknown => StatusCategory::InProgress,
    }
}

fn symbol(status: &str) -> &'static str {
    match category(status) {
        StatusCategory::Failed => "✗",
        StatusCategory::Complete => "✓",
        StatusCategory::Pending => "·",
        StatusCategory::Cancelled => "⊘",
        StatusCategory::InProgress => "◐",
    }
}

/// `12m05s`, from the region's start to its end (or now).
fn elapsed(run: &RegionRun, now_ms: i64) -> String {
    let Some(started) = run.started_ms else {
        return String::new();
    };
    let seconds = (run.ended_ms.unwrap_or(now_ms) - started).max(0) / 1000;
    format!("{}m{:02}s", seconds / 60, seconds % 60)
}

pub fn rollout(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.muted());
    let watch = match &state.prod_rollout.watch {
        Loadable::Loaded { value, .. } => value,
        Loadable::Failed { message, .. } => {
            let text = format!("No rollout to show: {message}");
            return super::message(
                frame,
                area,
                block.title(" rollout "),
                text,
                Style::default(),
            );
        }
        _ => {
            let text = "finding the newest rollout…".to_string();
            return super::message(frame, area, block.title(" rollout "), text, theme.muted());
        }
    };
    let Some(rollout) = &watch.state else {
        return;
    };
    let totals = watch.totals();
    let left = watch
        .estimate_left_ms(state.now_ms)
        .filter(|_| !is_final(&rollout.status))
        .map(|ms| format!(" · about {}m left", (ms / 60_000).max(1)))
        .unwrap_or_default();
    let never = if totals.not_started > 0 {
        format!(", {} never started", totals.not_started)
    } else {
        String::new()
    };
    let canary = rollout
        .request
        .canary
        .as_ref()
        .map(|c| format!("canary {} first · ", c.region))
        .unwrap_or_default();
    let title = format!(
        " rollout {} · {canary}{} · {} done, {} running, {} pending, {} failed{never}{left} ",
        rollout.execution_id,
        rollout.status,
        totals.succeeded,
        totals.running,
        totals.pending,
        totals.failed
    );
    if rollout.regions.is_empty() {
        let text = "no region yet".to_string();
        return super::message(frame, area, block.title(title), text, theme.muted());
    }
    let selected = state
        .selected(ViewKind::Rollout)
        .min(rollout.regions.len() - 1);
    let body: Vec<Row> = display_order(rollout)
        .into_iter()
        .map(|run| {
            let style = theme.status(category(&run.status));
            Row::new(vec![
                Cell::from(run.region.clone()),
                status_cell(&run.status, style),
                Cell::from(run.current_step.clone().unwrap_or_default()),
                Cell::from(elapsed(run, state.now_ms)),
                Cell::from(Span::styled(
                    run.failure.clone().unwrap_or_default(),
                    theme.status(StatusCategory::Failed),
                )),
            ])
        })
        .collect();
    let table = Table::new(
        body,
        [
            Constraint::Length(16),
            Constraint::Length(13),
            Constraint::Length(22),
            Constraint::Length(8),
            Constraint::Fill(1),
        ],
    )
    .header(Row::new(["REGION", "STATUS", "STEP", "ELAPSED", "FAILURE"]).style(theme.muted()))
    .row_highlight_style(theme.selected())
    .block(
        block
            .title(title)
            .border_style(Style::default().fg(theme.muted)),
    );
    crate::ui::render_table(frame, area, table, selected);
}

/// One region of the rollout: its status and whole failure message (wrapped), then its steps.
pub fn rollout_region(
    frame: &mut Frame,
    area: Rect,
    state: &AppState,
    theme: &Theme,
    region: &str,
) {
    use ratatui::layout::Layout;
    use ratatui::widgets::{Paragraph, Wrap};
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.muted());
    let run = state
        .prod_rollout
        .watch
        .value()
        .and_then(|watch| watch.state.as_ref())
        .and_then(|rollout| rollout.regions.iter().find(|run| run.region == region));
    let Some(run) = run else {
        let text = format!("{region} is not in the rollout shown: esc goes back");
        return super::message(
            frame,
            area,
            block.title(format!(" {region} ")),
            text,
            theme.muted(),
        );
    };
    let title = format!(
        " {region} · {} {} · {} ",
        symbol(&run.status),
        run.status,
        run.execution_id.as_deref().unwrap_or("no execution there")
    );
    let failure = run.failure.clone().unwrap_or_default();
    let failure_height = if failure.is_empty() {
        0
    } else {
        // The whole message, wrapped to the width (borders aside), and a line between.
        let width = area.width.saturating_sub(2).max(1) as usize;
        (failure.chars().count().div_ceil(width) as u16 + 1).min(area.height / 2)
    };
    let [top, bottom] =
        Layout::vertical([Constraint::Length(failure_height + 1), Constraint::Fill(1)])
            .areas(block.inner(area));
    frame.render_widget(block.title(title), area);
    let mut lines = vec![ratatui::text::Line::from(Span::styled(
        elapsed(run, state.now_ms),
        theme.muted(),
    ))];
    if !failure.is_empty() {
        lines.push(ratatui::text::Line::from(Span::styled(
            failure,
            theme.status(StatusCategory::Failed),
        )));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), top);
    let steps = match &state.prod_rollout.steps {
        Loadable::Loaded { value, .. } => value,
        Loadable::Failed { message, .. } => {
            let text =
                format!("its steps could not be read in {region}: {message} (r tries again)");
            return frame.render_widget(
                Paragraph::new(text)
                    .style(theme.status(StatusCategory::Failed))
                    .wrap(Wrap { trim: false }),
                bottom,
            );
        }
        _ => {
            return frame.render_widget(
                Paragraph::new(format!("reading its steps in {region}…")).style(theme.muted()),
                bottom,
            );
        }
    };
    if steps.is_empty() {
        let text = if run.execution_id.is_none() {
            "no execution ran in this region: the rollout's own record above says why"
        } else {
            "no step has run yet"
        };
        return frame.render_widget(Paragraph::new(text).style(theme.muted()), bottom);
    }
    let rows: Vec<Row> = steps
        .iter()
        .map(|step| {
            let style = theme.status(category(&step.status));
            let note = match (&step.failure, step.critical) {
                (Some(failure), false) => format!("(not critical) {failure}"),
                (Some(failure), true) => failure.clone(),
                (None, _) => String::new(),
            };
            let seconds = match (step.started_ms, step.ended_ms) {
                (Some(start), Some(end)) => format!("{}s", (end - start).max(0) / 1000),
                (Some(start), None) => format!("{}s", (state.now_ms - start).max(0) / 1000),
                _ => String::new(),
            };
            Row::new(vec![
                Cell::from(step.name.clone()),
                status_cell(&step.status, style),
                Cell::from(seconds),
                Cell::from(Span::styled(note, theme.status(StatusCategory::Failed))),
            ])
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Length(24),
            Constraint::Length(13),
            Constraint::Length(8),
            Constraint::Fill(1),
        ],
    )
    .header(Row::new(["STEP", "STATUS", "TOOK", "FAILURE"]).style(theme.muted()));
    frame.render_widget(table, bottom);
}

/// An execution's or a step's status as shown: its symbol and its name, in its colour.
fn status_cell(status: &str, style: Style) -> Cell<'static> {
    Cell::from(Span::styled(format!("{} {status}", symbol(status)), style))
}
