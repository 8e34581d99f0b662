//! The prod view: a matrix of publishing regions (rows) by extension (columns), each cell the
//! public version there, green on the newest, yellow when lagging, red when missing; the title
//! says each extension's coverage.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Cell, Row, Table};

use crate::app::{AppState, Loadable, ViewKind};
use crate::cloud::StatusCategory;
use crate::config::Maturity;
use crate::ops::versions::{ExtensionVersions, Standing};
use crate::ui::theme::Theme;

/// A column per extension: its last folder part, at most this wide.
const COLUMN: u16 = 24;

fn cell<'a>(extension: &ExtensionVersions, row: usize, theme: &Theme) -> Cell<'a> {
    let Some(region) = extension.regions.get(row) else {
        return Cell::from("");
    };
    let (text, category) = match region.standing {
        Standing::Current => (
            format!("✓ {}", region.public.as_deref().unwrap_or_default()),
            StatusCategory::Complete,
        ),
        Standing::Lagging => (
            format!("↓ {}", region.public.as_deref().unwrap_or_default()),
            StatusCategory::InProgress,
        ),
        // Alpha extensions stay out of prod unless asked: not a gap.
        Standing::Missing if extension.maturity == Maturity::Alpha => (
            "· alpha, not published".to_string(),
            StatusCategory::Pending,
        ),
        Standing::Missing => ("✗ missing".to_string(), StatusCategory::Failed),
        Standing::Unknown => ("? unknown".to_string(), StatusCategory::Pending),
    };
    Cell::from(Span::styled(text, theme.status(category)))
}

/// `S3_DeleteBucketContents 23/26 on 1.0.2`.
fn coverage(extension: &ExtensionVersions) -> String {
    let name = extension
        .extension
        .rsplit('/')
        .next()
        .unwrap_or(&extension.extension);
    format!("{name} {}", extension.summary())
}

pub fn prod(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.muted());
    let titled = block.clone().title(" prod ");
    let found = match &state.versions {
        Loadable::Loaded { value, .. } => value,
        Loadable::Failed { message, .. } => {
            let text = format!("The prod account could not be read: {message}");
            return super::message(frame, area, titled, text, Style::default());
        }
        _ => {
            let text = "reading every publishing region…".to_string();
            return super::message(frame, area, titled, text, theme.muted());
        }
    };
    let regions = found.first().map_or(0, |e| e.regions.len());
    if found.is_empty() || regions == 0 {
        let text = "No extension, or no publishing region (regship regions says why).".to_string();
        return super::message(frame, area, titled, text, theme.muted());
    }
    let title = format!(
        " prod: public versions · {} ",
        found.iter().map(coverage).collect::<Vec<_>>().join(" · ")
    );
    // As many extensions as fit beside the region column.
    let fit = (area.width.saturating_sub(18) / COLUMN).max(1) as usize;
    let shown = &found[..found.len().min(fit)];
    let selected = state.selected(ViewKind::Prod).min(regions - 1);
    let body: Vec<Row> = (0..regions)
        .map(|row| {
            let region = found[0].regions[row].region.clone();
            let mut cells = vec![Cell::from(region)];
            cells.extend(shown.iter().map(|extension| cell(extension, row, theme)));
            Row::new(cells)
        })
        .collect();
    let mut widths = vec![Constraint::Length(16)];
    widths.extend(shown.iter().map(|_| Constraint::Length(COLUMN)));
    let mut header = vec![Cell::from("REGION")];
    header.extend(shown.iter().map(|extension| {
        let name = extension
            .extension
            .rsplit('/')
            .next()
            .unwrap_or(&extension.extension)
            .to_string();
        Cell::from(name)
    }));
    let table = Table::new(body, widths)
        .header(Row::new(header).style(theme.muted()))
        .row_highlight_style(theme.selected())
        .block(
            block
                .title(title)
                .border_style(Style::default().fg(theme.muted)),
        );
    crate::ui::render_table(frame, area, table, selected);
}
