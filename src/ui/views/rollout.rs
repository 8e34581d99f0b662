//! The rollout view: the newest prod rollout, a row per region with its status, the step it is
//! on (or failed at), how long it has run and the failure's message; the title carries the
//! parent's status, the totals and the estimated time left.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Cell, Row, Table};

use crate::app::{AppState, Loadable, ViewKind};
use crate::cloud::{AutomationPhase, RegionRun, StatusCategory};
use crate::ops::rollout_watch::is_final;
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
    let watch = match &state.rollout {
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
    let title = format!(
        " rollout {} · {} · {} done, {} running, {} pending, {} failed{never}{left} ",
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
    let body: Vec<Row> = rollout
        .regions
        .iter()
        .map(|run| {
            let style = theme.status(category(&run.status));
            Row::new(vec![
                Cell::from(run.region.clone()),
                Cell::from(Span::styled(
                    format!("{} {}", symbol(&run.status), run.status),
                    style,
                )),
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
