//! The accounts view: the four stages, who the caller is, and what fixes the credentials.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Cell, Row, Table, TableState};

use super::{ago, spinner};
use crate::app::{AppState, Loadable, ViewKind};
use crate::cloud::accounts::CredentialState;
use crate::config::Stage;
use crate::ui::theme::Theme;

pub fn accounts(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let rows: Vec<Row> = Stage::ALL
        .iter()
        .map(|stage| {
            let marker = if *stage == state.stage { "▸ " } else { "  " };
            let name = Cell::from(format!("{marker}{stage}"));
            match state.accounts.get(stage) {
                None | Some(Loadable::NotLoaded) => Row::new(vec![name, Cell::from("-")]),
                Some(Loadable::Loading) => Row::new(vec![
                    name,
                    Cell::from(format!("{} checking…", spinner(state.now_ms))),
                ]),
                Some(Loadable::Failed { message, .. }) => {
                    Row::new(vec![name, Cell::from(message.clone())])
                }
                Some(Loadable::Loaded { value, at_ms }) => {
                    let (text, style) = match value.state {
                        CredentialState::Ok => {
                            ("ok", theme.status(crate::cloud::StatusCategory::Complete))
                        }
                        CredentialState::WrongAccount => (
                            "WRONG ACCOUNT",
                            Style::default()
                                .fg(theme.error)
                                .add_modifier(Modifier::BOLD),
                        ),
                        CredentialState::NoCredentials => {
                            ("no credentials", Style::default().fg(theme.error))
                        }
                        CredentialState::Expired => ("expired", Style::default().fg(theme.error)),
                        CredentialState::Unreachable => {
                            ("unreachable", Style::default().fg(theme.warning))
                        }
                        CredentialState::Error => ("error", Style::default().fg(theme.error)),
                    };
                    let matches = match value.matches {
                        Some(true) => "yes",
                        Some(false) => "NO",
                        None => "-",
                    };
                    let checked = ago(state.now_ms, *at_ms);
                    let note = value
                        .hint
                        .clone()
                        .or(value.message.clone())
                        .or(value.warning.clone())
                        .unwrap_or_else(
                        || match (&value.region_source, &value.credentials_source) {
                            (Some(region), Some(credentials)) => format!(
                                "region from {region}, credentials from {credentials} · {checked}"
                            ),
                            _ => checked,
                        },
                    );
                    Row::new(vec![
                        name,
                        Cell::from(value.profile.clone().unwrap_or_else(|| "(default)".into())),
                        Cell::from(value.region.clone().unwrap_or_else(|| "-".into())),
                        Cell::from(
                            value
                                .caller
                                .as_ref()
                                .map_or("-".into(), |c| c.account.clone()),
                        ),
                        Cell::from(value.expected_account.clone().unwrap_or_else(|| "-".into())),
                        Cell::from(matches),
                        Cell::from(Span::styled(text, style)),
                        Cell::from(Span::styled(note, theme.muted())),
                    ])
                }
            }
        })
        .collect();
    let header = Row::new([
        "STAGE",
        "PROFILE",
        "REGION",
        "ACCOUNT",
        "EXPECTED",
        "MATCH",
        "CREDENTIALS",
        "NOTE",
    ])
    .style(theme.muted().add_modifier(Modifier::BOLD));
    let widths = [
        Constraint::Length(10),
        Constraint::Length(12),
        Constraint::Length(14),
        Constraint::Length(13),
        Constraint::Length(13),
        Constraint::Length(5),
        Constraint::Length(14),
        Constraint::Fill(1),
    ];
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" accounts (enter: switch stage, r: refresh) ")
        .border_style(theme.muted());
    let table = Table::new(rows, widths)
        .header(header)
        .row_highlight_style(theme.selected())
        .block(block);
    let mut table_state =
        TableState::default().with_selected(Some(state.selected(ViewKind::Accounts).min(3)));
    frame.render_stateful_widget(table, area, &mut table_state);
}
