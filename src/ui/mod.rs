//! Pure rendering of `AppState`: the same state always draws the same screen.

pub mod keymap;
pub mod theme;
mod views;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Table, TableState, Wrap};

use crate::app::guide::GuidePart;
use crate::app::{AppState, Dialog, Input, InputKind, PipelineChange, PlanKind, Screen, ViewKind};
use keymap::{Binding, Keymap};
use theme::Theme;

/// The rows of a screen of `area`: header, breadcrumbs, body, the notice (none without one),
/// the demo's guide (none outside the demo), footer. A notice or a guide longer than the width
/// wraps onto more rows rather than being cut.
fn frame_layout(area: Rect, state: &AppState, keymap: &Keymap) -> [Rect; 6] {
    // Up to three rows: a notice carries an error's whole message and its fix.
    let rows = |chars: usize| -> u16 {
        u16::try_from(chars.div_ceil(usize::from(area.width.max(1))).min(3)).unwrap_or(3)
    };
    let notice = state
        .notice
        .as_ref()
        .map_or(0, |notice| notice.text.chars().count() + 1);
    let guide = crate::app::guide::demo_guide(state).map_or(0, |guide| {
        DEMO_BADGE_CHARS
            + guide
                .iter()
                .map(|part| match part {
                    GuidePart::Text(text) => text.chars().count(),
                    GuidePart::Key(binding) => keymap.label(*binding).chars().count(),
                })
                .sum::<usize>()
    });
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(rows(notice)),
        Constraint::Length(rows(guide)),
        Constraint::Length(1),
    ])
    .areas(area)
}

/// ` DEMO ` and the space after it, before the guide's words.
const DEMO_BADGE_CHARS: usize = 7;

/// The first row of a list that is drawn when `selected` must be visible in `height` rows.
pub fn list_offset(selected: usize, height: usize) -> usize {
    selected.saturating_sub(height.saturating_sub(1))
}

/// Draws a bordered table with a header line in `area`, scrolled so that row `selected` shows
/// and is highlighted.
pub fn render_table(frame: &mut Frame, area: Rect, table: Table, selected: usize) {
    let mut table_state = TableState::default()
        .with_selected(Some(selected))
        .with_offset(list_offset(selected, table_rows(area)));
    frame.render_stateful_widget(table, area, &mut table_state);
}

/// Rows of a bordered table with a header line inside `body`.
fn table_rows(body: Rect) -> usize {
    body.height.saturating_sub(3) as usize
}

/// The row a mouse click at (`column`, `row`) selects, in a screen of `area`.
pub fn hit_test(state: &AppState, area: Rect, _column: u16, row: u16) -> Option<Input> {
    let [_, _, body, _, _, _] = frame_layout(area, state, &Keymap::default_keymap());
    let view = match state.screen() {
        Screen::List(view @ (ViewKind::Resources | ViewKind::Accounts | ViewKind::Jobs)) => *view,
        _ => return None,
    };
    let body = if view == ViewKind::Jobs {
        views::jobs_list_area(body)
    } else {
        body
    };
    let first_row = body.y + 2;
    if row < first_row || row >= body.y + body.height.saturating_sub(1) {
        return None;
    }
    let offset = list_offset(state.selected(view), table_rows(body));
    Some(Input::Select(offset + (row - first_row) as usize))
}

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, state: &AppState, theme: &Theme, keymap: &Keymap) {
    let [header, crumbs, body, notice, guide, footer] = frame_layout(frame.area(), state, keymap);
    draw_header(frame, header, state, theme);
    draw_breadcrumbs(frame, crumbs, state, theme);
    match state.screen() {
        Screen::List(ViewKind::Resources) => views::resources(frame, body, state, theme),
        Screen::ResourceDetail(folder) => views::resource_detail(frame, body, state, theme, folder),
        Screen::List(ViewKind::Accounts) => views::accounts(frame, body, state, theme),
        Screen::List(ViewKind::Events) => views::events(frame, body, state, theme),
        Screen::List(ViewKind::Jobs) => views::jobs(frame, body, state, theme),
        Screen::List(ViewKind::Pipeline) => views::pipeline(frame, body, state, theme),
        Screen::List(ViewKind::Beta) => views::beta(frame, body, state, theme),
        Screen::List(ViewKind::Prod) => views::prod(frame, body, state, theme),
        Screen::List(ViewKind::Rollout) => views::rollout(frame, body, state, theme),
        Screen::Build(_) => views::build(frame, body, state, theme),
        Screen::Execution(_) => views::execution(frame, body, state, theme),
        Screen::RolloutRegion(region) => views::rollout_region(frame, body, state, theme, region),
    }
    draw_notice(frame, notice, state, theme);
    draw_guide(frame, guide, state, theme, keymap);
    draw_footer(frame, footer, state, theme, keymap);
    if state.help {
        draw_help(frame, body, state, theme, keymap);
    }
    if let Some(dialog) = &state.dialog {
        draw_dialog(frame, body, dialog, theme, state.overlay_scroll);
    }
}

fn badge(text: &str, style: Style) -> Span<'static> {
    Span::styled(
        format!(" {text} "),
        style.add_modifier(Modifier::BOLD | Modifier::REVERSED),
    )
}

fn draw_header(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let account = match state.account_id() {
        Some(account) => account.to_string(),
        None => match state.accounts.get(&state.stage) {
            Some(crate::app::Loadable::Loading) => format!("{} …", views::spinner(state.now_ms)),
            _ => "-".into(),
        },
    };
    let separator = || Span::styled(" │ ", theme.muted());
    let mut spans = vec![
        Span::styled(" regship", theme.accent().add_modifier(Modifier::BOLD)),
        separator(),
        Span::styled(
            state.stage.to_string(),
            theme.accent().add_modifier(Modifier::BOLD),
        ),
        separator(),
        Span::raw(account),
        separator(),
        Span::raw(state.region.clone().unwrap_or_else(|| "-".into())),
        separator(),
        Span::styled("profile ", theme.muted()),
        Span::raw(state.profile.clone().unwrap_or_else(|| "default".into())),
        Span::raw(" "),
    ];
    if state.read_only {
        spans.push(badge("READ-ONLY", Style::default().fg(theme.warning)));
    }
    if state.endpoint_url.is_some() {
        spans.push(badge("ENDPOINT", Style::default().fg(theme.accent)));
    }
    if state.demo {
        spans.push(badge("DEMO", Style::default().fg(theme.cancelled)));
    }
    if state.stage == crate::config::Stage::Prod {
        spans.push(badge("PROD", Style::default().fg(theme.error)));
    }
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(Style::default().bg(theme.header_bg)),
        area,
    );
}

fn draw_breadcrumbs(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let names: Vec<String> = state
        .screens
        .iter()
        .map(|screen| match screen {
            Screen::List(view) => view.name().to_string(),
            Screen::ResourceDetail(folder) => {
                folder.rsplit('/').next().unwrap_or(folder).to_string()
            }
            Screen::Build(id) => format!("build {}", id.rsplit(':').next().unwrap_or(id)),
            Screen::Execution(id) => {
                format!("execution {}", id.chars().take(8).collect::<String>())
            }
            Screen::RolloutRegion(region) => region.clone(),
        })
        .collect();
    let mut line = vec![Span::styled(
        format!(" {}", names.join(" › ")),
        theme.accent(),
    )];
    if !state.filter.is_empty() {
        line.push(Span::styled(
            format!("   filter: {}", state.filter),
            Style::default().fg(theme.warning),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(line)), area);
}

/// The demo's guide line, each key as the keymap binds it.
fn draw_guide(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme, keymap: &Keymap) {
    let Some(guide) = crate::app::guide::demo_guide(state) else {
        return;
    };
    let mut spans = vec![
        badge("DEMO", Style::default().fg(theme.cancelled)),
        Span::raw(" "),
    ];
    spans.extend(guide.iter().map(|part| match part {
        GuidePart::Text(text) => Span::raw(*text),
        GuidePart::Key(binding) => Span::styled(
            keymap.label(*binding),
            theme.accent().add_modifier(Modifier::BOLD),
        ),
    }));
    frame.render_widget(
        Paragraph::new(Line::from(spans)).wrap(ratatui::widgets::Wrap { trim: false }),
        area,
    );
}

/// The latest notice on a line of its own, wrapped (`:messages` lists the earlier ones).
fn draw_notice(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let Some(notice) = &state.notice else {
        return;
    };
    let style = if notice.error {
        Style::default().fg(theme.error)
    } else {
        theme.accent()
    };
    frame.render_widget(
        Paragraph::new(Span::styled(format!(" {}", notice.text), style))
            .wrap(ratatui::widgets::Wrap { trim: false }),
        area,
    );
}

fn draw_footer(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme, keymap: &Keymap) {
    if let Some(input) = &state.input {
        let prompt = match input.kind {
            InputKind::Command => ":",
            InputKind::Filter => "/",
        };
        let line = Line::from(vec![
            Span::styled(prompt, theme.accent()),
            Span::raw(input.text.clone()),
            Span::styled("█", theme.muted()),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    frame.render_widget(
        Paragraph::new(hint_line(state, theme, keymap, area.width)),
        area,
    );
}

/// The screen's key hints, as many as fit in `width` columns in their order; when some do
/// not fit, the line ends with the help key, which lists them all.
fn hint_line(state: &AppState, theme: &Theme, keymap: &Keymap, width: u16) -> Line<'static> {
    let hint = |binding: Binding, text: &str| {
        [
            Span::styled(
                format!(" {}", keymap.label(binding)),
                theme.accent().add_modifier(Modifier::BOLD),
            ),
            Span::styled(format!(" {text} "), theme.muted()),
        ]
    };
    let more = hint(Binding::Help, "more");
    let room = usize::from(width);
    let span_width = |spans: &[Span]| spans.iter().map(Span::width).sum::<usize>();
    let footer = crate::app::actions::offer(state.screen()).footer;
    let mut spans = Vec::new();
    for (index, binding) in footer.iter().enumerate() {
        let next = hint(*binding, binding.hint());
        let last = index + 1 == footer.len();
        let reserve = if last { 0 } else { span_width(&more) };
        if span_width(&spans) + span_width(&next) + reserve > room {
            spans.extend(more);
            break;
        }
        spans.extend(next);
    }
    Line::from(spans)
}

/// The No / Yes choice of a dialog, with the current one highlighted.
fn yes_no(yes: bool, theme: &Theme) -> Line<'static> {
    let (no, yes_style) = if yes {
        (Style::default(), theme.selected())
    } else {
        (theme.selected(), Style::default())
    };
    Line::from(vec![
        Span::raw("  "),
        Span::styled(" No ", no),
        Span::raw("   "),
        Span::styled(" Yes ", yes_style),
        Span::styled(
            "     y/n or tab to choose, enter to answer, esc cancels",
            theme.muted(),
        ),
    ])
}

/// A rectangle of at most `width` x `height` centred in `area`.
fn centred(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

fn draw_help(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme, keymap: &Keymap) {
    let mut lines: Vec<Line> = Vec::new();
    if !state.config_problems.is_empty() {
        lines.push(Line::styled(
            "your config files: what could not be used (the defaults stand in)",
            Style::default().fg(theme.error),
        ));
        lines.extend(
            state.config_problems.iter().map(|problem| {
                Line::styled(format!("  {problem}"), Style::default().fg(theme.error))
            }),
        );
        lines.push(Line::raw(""));
    }
    // This screen's actions first, then the rest: what another screen offers says where.
    let here = crate::app::available(state);
    let key_line = |binding: Binding| {
        Line::from(vec![
            Span::styled(format!("{:>14}  ", keymap.labels(binding)), theme.accent()),
            Span::raw(binding.help()),
        ])
    };
    lines.push(Line::styled("on this screen", theme.muted()));
    lines.extend(here.iter().map(|binding| key_line(*binding)));
    let elsewhere: Vec<Binding> = Binding::ALL
        .iter()
        .copied()
        .filter(|binding| !here.contains(binding))
        .collect();
    if !elsewhere.is_empty() {
        lines.push(Line::styled("on other screens", theme.muted()));
        lines.extend(elsewhere.into_iter().map(key_line));
    }
    let popup = centred(
        area,
        110,
        u16::try_from(lines.len() + 2).unwrap_or(u16::MAX),
    );
    let shown = usize::from(popup.height.saturating_sub(2));
    let first = state.overlay_scroll.min(lines.len().saturating_sub(shown));
    let title = if lines.len() > shown {
        format!(
            " keys {}-{} of {} · j/k pgup/pgdn g/G scroll, any other key closes ",
            first + 1,
            (first + shown).min(lines.len()),
            lines.len()
        )
    } else {
        " keys (any key closes) ".to_string()
    };
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(theme.accent());
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .scroll((u16::try_from(first).unwrap_or(u16::MAX), 0)),
        popup,
    );
}

fn draw_dialog(frame: &mut Frame, area: Rect, dialog: &Dialog, theme: &Theme, scroll: usize) {
    let (title, mut lines): (String, Vec<Line>) = match dialog {
        Dialog::Busy(text) => ("working".into(), vec![Line::raw(text.clone())]),
        Dialog::Message { title, body } => {
            let mut lines: Vec<Line> = body.lines().map(|l| Line::raw(l.to_string())).collect();
            lines.push(Line::raw(""));
            lines.push(Line::styled("enter or esc closes", theme.muted()));
            (title.clone(), lines)
        }
        Dialog::Scaffold { plan, yes } => {
            let mut lines: Vec<Line> = Vec::new();
            let overwrites = plan.overwrites();
            if !overwrites.is_empty() {
                let names: Vec<&str> = overwrites.iter().map(|w| w.display.as_str()).collect();
                lines.push(Line::styled(
                    format!(
                        "overwrites {} (the old content is kept in regship's data folder)",
                        names.join(", ")
                    ),
                    Style::default().fg(theme.warning),
                ));
            }
            let preview = plan.preview();
            // Borders, the blank line and the answer row, a "more lines" line, the notes, the
            // overwrite line and a margin: the diff gets what is left, the answer row always shows.
            let fixed = 2 + 2 + 1 + plan.notes.len() + lines.len() + 2;
            let shown = (area.height as usize).saturating_sub(fixed);
            for line in preview.lines().take(shown) {
                let style = if line.starts_with('+') {
                    theme.status(crate::cloud::StatusCategory::Complete)
                } else if line.starts_with('-') {
                    theme.status(crate::cloud::StatusCategory::Failed)
                } else {
                    theme.muted()
                };
                lines.push(Line::styled(line.to_string(), style));
            }
            let total = preview.lines().count();
            if total > shown {
                lines.push(Line::styled(
                    format!(
                        "… {} more lines (the CLI's --dry-run shows them all)",
                        total - shown
                    ),
                    theme.muted(),
                ));
            }
            for note in &plan.notes {
                lines.push(Line::styled(format!("note: {note}"), theme.muted()));
            }
            lines.push(Line::raw(""));
            lines.push(yes_no(*yes, theme));
            ("write these files?".into(), lines)
        }
        Dialog::QuitWithJobs { running, yes } => (
            "quit?".into(),
            vec![
                Line::raw(format!(
                    "{running} job{} running: cancel {} (the whole process group) and quit?",
                    if *running == 1 { " is" } else { "s are" },
                    if *running == 1 { "it" } else { "them" }
                )),
                Line::raw(""),
                yes_no(*yes, theme),
            ],
        ),
        Dialog::Confirm { plan, yes, typed } => {
            let stage = plan.authorization.stage();
            let mut lines = Vec::new();
            match &plan.kind {
                PlanKind::Deploy {
                    changes,
                    create,
                    uploads,
                    ..
                } => {
                    lines.push(Line::raw(format!(
                        "{} {} in {stage} ({} {})",
                        if *create { "Create" } else { "Update" },
                        plan.target,
                        plan.authorization.account(),
                        plan.region
                    )));
                    lines.push(Line::raw(""));
                    for change in changes {
                        let style = match change.mark() {
                            "+" => theme.status(crate::cloud::StatusCategory::Complete),
                            "-" => theme.status(crate::cloud::StatusCategory::Failed),
                            _ => theme.status(crate::cloud::StatusCategory::InProgress),
                        };
                        let replacement = if change.replacement.as_deref() == Some("True") {
                            "  (replacement)"
                        } else {
                            ""
                        };
                        lines.push(Line::from(vec![
                            Span::styled(format!("  {} ", change.mark()), style),
                            Span::raw(format!(
                                "{:<28} {}{replacement}",
                                change.logical_id, change.resource_type
                            )),
                        ]));
                    }
                    if let Some(first) = uploads.first() {
                        lines.push(Line::raw(""));
                        lines.push(Line::raw(format!("packaged into {}:", first.bucket())));
                        lines.extend(
                            uploads
                                .iter()
                                .map(|upload| Line::raw(format!("  {}", upload.summary()))),
                        );
                    }
                }
                PlanKind::Delete => {
                    lines.push(Line::raw(format!(
                        "Delete {} in {stage} ({} {})",
                        plan.target,
                        plan.authorization.account(),
                        plan.region
                    )));
                }
                PlanKind::Rollout(change) => {
                    let what = match change {
                        crate::ops::plans::RolloutChange::Retry {
                            execution_id,
                            request,
                        } => format!(
                            "Start {} again in {} (the failed regions of {execution_id})",
                            request.document,
                            request.regions.join(", ")
                        ),
                        crate::ops::plans::RolloutChange::Stop { execution_id } => {
                            format!("Stop rollout {execution_id}: running regions are cancelled")
                        }
                    };
                    lines.push(Line::raw(what));
                    lines.push(Line::raw(format!(
                        "in {stage} ({} {})",
                        plan.authorization.account(),
                        plan.region
                    )));
                }
                PlanKind::Pipeline(change) => {
                    let what = match change {
                        PipelineChange::Start => {
                            "Start an execution on the latest commit".to_string()
                        }
                        PipelineChange::Retry {
                            stage,
                            execution_id,
                            failed,
                        } => format!(
                            "Retry {} in stage {stage} of execution {execution_id}",
                            failed.join(", ")
                        ),
                        PipelineChange::Stop { execution_id } => {
                            format!("Stop execution {execution_id} (running actions finish)")
                        }
                    };
                    lines.push(Line::raw(what));
                    lines.push(Line::raw(format!(
                        "of {} in {stage} ({} {})",
                        plan.target,
                        plan.authorization.account(),
                        plan.region
                    )));
                }
            }
            lines.push(Line::raw(""));
            if stage == crate::config::Stage::Prod {
                lines.push(Line::styled(
                    "PROD: type the account id or `prod`, then enter (esc cancels)",
                    Style::default().fg(theme.error),
                ));
                lines.push(Line::raw(format!("> {typed}█")));
            } else {
                lines.push(yes_no(*yes, theme));
            }
            ("confirm the change".into(), lines)
        }
    };
    // Rows after wrapping, so that the popup is as tall as its text (up to the screen).
    let inner = usize::from(84.min(area.width).saturating_sub(2)).max(1);
    let rows_of = |lines: &[Line]| -> usize {
        lines
            .iter()
            .map(|line| line.width().div_ceil(inner).max(1))
            .sum()
    };
    let rows = rows_of(&lines);
    let popup = centred(area, 84, u16::try_from(rows + 2).unwrap_or(u16::MAX));
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {title} "))
        .border_style(theme.accent());
    let inside = block.inner(popup);
    frame.render_widget(block, popup);
    // The last two lines (the answer row and the one above it) have rows of their own, so the
    // answer is never cut off, however long the text above it.
    let answer = lines.split_off(lines.len().saturating_sub(2));
    let answer_rows = u16::try_from(rows_of(&answer)).unwrap_or(u16::MAX);
    let [text, bottom] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(answer_rows)]).areas(inside);
    // A text taller than the popup scrolls (j/k, pgup/pgdn, g/G), its answer row kept.
    let text_rows = rows_of(&lines);
    let first = scroll.min(text_rows.saturating_sub(usize::from(text.height)));
    let mut answer = answer;
    if text_rows > usize::from(text.height)
        && let Some(last) = answer.last_mut()
    {
        *last = Line::styled(
            format!(
                "rows {}-{} of {} · j/k pgup/pgdn g/G scroll · {}",
                first + 1,
                (first + usize::from(text.height)).min(text_rows),
                text_rows,
                last
            ),
            theme.muted(),
        );
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((u16::try_from(first).unwrap_or(u16::MAX), 0)),
        text,
    );
    frame.render_widget(Paragraph::new(answer).wrap(Wrap { trim: false }), bottom);
}
