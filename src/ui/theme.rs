//! Colours by role, from assets/theme.yml with the user's overrides; status colours by category.

use std::collections::BTreeMap;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};

use crate::cloud::StatusCategory;

/// The colours of the TUI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub accent: Color,
    pub text: Color,
    pub muted: Color,
    pub selected_bg: Color,
    pub header_bg: Color,
    pub error: Color,
    pub warning: Color,
    pub pending: Color,
    pub in_progress: Color,
    pub complete: Color,
    pub failed: Color,
    pub cancelled: Color,
}

impl Theme {
    pub fn parse_over(base: Option<&Theme>, text: &str) -> Result<Theme, String> {
        let raw: BTreeMap<String, String> =
            serde_norway::from_str(text).map_err(|e| e.to_string())?;
        let mut theme = base.cloned().unwrap_or(Theme {
            accent: Color::Cyan,
            text: Color::White,
            muted: Color::DarkGray,
            selected_bg: Color::DarkGray,
            header_bg: Color::Black,
            error: Color::LightRed,
            warning: Color::Yellow,
            pending: Color::DarkGray,
            in_progress: Color::Yellow,
            complete: Color::Green,
            failed: Color::LightRed,
            cancelled: Color::Magenta,
        });
        for (role, value) in raw {
            let colour = Color::from_str(&value)
                .map_err(|_| format!("{role}: `{value}` is not a colour"))?;
            let slot = match role.as_str() {
                "accent" => &mut theme.accent,
                "text" => &mut theme.text,
                "muted" => &mut theme.muted,
                "selected_bg" => &mut theme.selected_bg,
                "header_bg" => &mut theme.header_bg,
                "error" => &mut theme.error,
                "warning" => &mut theme.warning,
                "pending" => &mut theme.pending,
                "in_progress" => &mut theme.in_progress,
                "complete" => &mut theme.complete,
                "failed" => &mut theme.failed,
                "cancelled" => &mut theme.cancelled,
                other => return Err(format!("unknown colour role `{other}`")),
            };
            *slot = colour;
        }
        Ok(theme)
    }

    pub fn default_theme() -> Theme {
        Theme::parse_over(None, crate::config::user::DEFAULT_THEME)
            .expect("assets/theme.yml is valid")
    }

    /// The user's theme file over the defaults, or the defaults and why the file was not used.
    pub fn load(path: Option<&std::path::Path>) -> (Theme, Option<String>) {
        crate::config::user::load_over(path, Theme::default_theme(), "colours", |defaults, text| {
            Theme::parse_over(Some(defaults), text)
        })
    }

    /// The style of a status category: the one place a status gets its colour.
    pub fn status(&self, category: StatusCategory) -> Style {
        let colour = match category {
            StatusCategory::Pending => self.pending,
            StatusCategory::InProgress => self.in_progress,
            StatusCategory::Complete => self.complete,
            StatusCategory::Failed => self.failed,
            StatusCategory::Cancelled => self.cancelled,
        };
        let style = Style::default().fg(colour);
        if category == StatusCategory::Failed {
            style.add_modifier(Modifier::BOLD)
        } else {
            style
        }
    }

    pub fn selected(&self) -> Style {
        Style::default()
            .bg(self.selected_bg)
            .add_modifier(Modifier::BOLD)
    }

    pub fn muted(&self) -> Style {
        Style::default().fg(self.muted)
    }

    pub fn accent(&self) -> Style {
        Style::default().fg(self.accent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_and_errors() {
        let base = Theme::default_theme();
        let custom = Theme::parse_over(Some(&base), "accent: \"#ff0000\"\n").unwrap();
        assert_eq!(custom.accent, Color::Rgb(255, 0, 0));
        assert_eq!(custom.complete, base.complete);
        assert!(
            Theme::parse_over(Some(&base), "accent: plaid\n")
                .unwrap_err()
                .contains("not a colour")
        );
        assert!(
            Theme::parse_over(Some(&base), "sparkle: red\n")
                .unwrap_err()
                .contains("unknown colour role")
        );
    }
}
