//! The keymap: action names to keys, from assets/keymap.yml with the user's partial overrides.
//! The footer, the help screen and the key handling all read this one table.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::{Action, CfnVerb, PipelineControl, ViewKind};

/// Every bindable action: its name in keymap.yml, its action, and its description.
pub const BINDABLE: &[(&str, &str)] = &[
    ("quit", "quit"),
    ("help", "this help"),
    (
        "command_mode",
        "command (:resources :accounts :events STACK :stage S :region R :jobs :q)",
    ),
    ("filter", "filter the list (Esc clears)"),
    ("up", "up"),
    ("down", "down"),
    ("page_up", "page up"),
    ("page_down", "page down"),
    ("top", "top"),
    ("bottom", "bottom (events: follow again)"),
    ("open", "open / drill down"),
    ("back", "back"),
    ("refresh", "refresh (events: resume polling)"),
    ("deploy_setup", "deploy test/setup.yml"),
    ("delete_setup", "delete the setup stack"),
    ("validate", "run cfn validate"),
    ("generate", "run cfn generate"),
    ("test", "run cfn test (after the preflight)"),
    ("submit", "run cfn submit to the sandbox's private registry"),
    ("scaffold_inputs", "scaffold inputs/ (diff shown first)"),
    (
        "scaffold_integ",
        "scaffold test/integ.yml (diff shown first)",
    ),
    ("toggle_follow", "follow the newest events"),
    ("cancel_job", "cancel the job"),
    (
        "start_pipeline",
        "pipeline: start an execution (asks first)",
    ),
    (
        "retry_stage",
        "pipeline: retry the failed actions (asks first)",
    ),
    (
        "stop_execution",
        "pipeline: stop the running execution (asks first)",
    ),
    ("resources", "resources view"),
    ("accounts", "accounts view"),
    ("events", "events view"),
    ("jobs", "jobs view"),
    ("pipeline", "pipeline view (the stage's CodePipeline)"),
];

fn action_of(name: &str) -> Option<Action> {
    Some(match name {
        "quit" => Action::Quit,
        "help" => Action::Help,
        "command_mode" => Action::CommandMode,
        "filter" => Action::Filter,
        "up" => Action::Up,
        "down" => Action::Down,
        "page_up" => Action::PageUp,
        "page_down" => Action::PageDown,
        "top" => Action::Top,
        "bottom" => Action::Bottom,
        "open" => Action::Open,
        "back" => Action::Back,
        "refresh" => Action::Refresh,
        "deploy_setup" => Action::DeploySetup,
        "delete_setup" => Action::DeleteSetup,
        "validate" => Action::RunCfn(CfnVerb::Validate),
        "generate" => Action::RunCfn(CfnVerb::Generate),
        "test" => Action::RunCfn(CfnVerb::Test),
        "submit" => Action::RunCfn(CfnVerb::Submit),
        "scaffold_inputs" => Action::Scaffold { integ: false },
        "scaffold_integ" => Action::Scaffold { integ: true },
        "toggle_follow" => Action::ToggleFollow,
        "cancel_job" => Action::CancelJob,
        "start_pipeline" => Action::ControlPipeline(PipelineControl::Start),
        "retry_stage" => Action::ControlPipeline(PipelineControl::RetryFailed),
        "stop_execution" => Action::ControlPipeline(PipelineControl::Stop),
        "resources" => Action::Show(ViewKind::Resources),
        "accounts" => Action::Show(ViewKind::Accounts),
        "events" => Action::Show(ViewKind::Events),
        "jobs" => Action::Show(ViewKind::Jobs),
        "pipeline" => Action::Show(ViewKind::Pipeline),
        _ => return None,
    })
}

/// A key as keymap.yml writes it.
pub fn parse_key(text: &str) -> Result<KeyEvent, String> {
    let (modifiers, key) = if let Some(rest) = text.strip_prefix("ctrl-") {
        (KeyModifiers::CONTROL, rest)
    } else if let Some(rest) = text.strip_prefix("alt-") {
        (KeyModifiers::ALT, rest)
    } else {
        (KeyModifiers::NONE, text)
    };
    let code = match key {
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "enter" => KeyCode::Enter,
        "esc" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "backspace" => KeyCode::Backspace,
        "pgup" => KeyCode::PageUp,
        "pgdown" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "delete" => KeyCode::Delete,
        f if f.len() > 1 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
            KeyCode::F(f[1..].parse().unwrap_or(1))
        }
        single if single.chars().count() == 1 => {
            KeyCode::Char(single.chars().next().unwrap_or(' '))
        }
        other => return Err(format!("unknown key `{other}`")),
    };
    Ok(KeyEvent::new(code, modifiers))
}

/// A key as the footer and help show it.
pub fn key_label(key: &KeyEvent) -> String {
    let code = match key.code {
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::Enter => "enter".into(),
        KeyCode::Esc => "esc".into(),
        KeyCode::Tab => "tab".into(),
        KeyCode::PageUp => "pgup".into(),
        KeyCode::PageDown => "pgdn".into(),
        KeyCode::Home => "home".into(),
        KeyCode::End => "end".into(),
        KeyCode::F(n) => format!("f{n}"),
        other => format!("{other:?}").to_lowercase(),
    };
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        format!("ctrl-{code}")
    } else if key.modifiers.contains(KeyModifiers::ALT) {
        format!("alt-{code}")
    } else {
        code
    }
}

/// Action names to their keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: BTreeMap<String, Vec<KeyEvent>>,
}

impl Keymap {
    /// Parses a keymap file's text over `base`; unknown actions or keys are errors.
    pub fn parse_over(base: Option<&Keymap>, text: &str) -> Result<Keymap, String> {
        let raw: BTreeMap<String, Vec<String>> =
            serde_norway::from_str(text).map_err(|e| e.to_string())?;
        let mut bindings = base.map(|b| b.bindings.clone()).unwrap_or_default();
        for (name, keys) in raw {
            if action_of(&name).is_none() {
                return Err(format!("unknown action `{name}`"));
            }
            let keys = keys
                .iter()
                .map(|k| parse_key(k))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("{name}: {e}"))?;
            bindings.insert(name, keys);
        }
        Ok(Keymap { bindings })
    }

    /// The shipped keymap.
    pub fn default_keymap() -> Keymap {
        Keymap::parse_over(None, crate::config::user::DEFAULT_KEYMAP)
            .expect("assets/keymap.yml is valid")
    }

    /// The user's keymap file over the defaults, or the defaults and why the file was not used.
    pub fn load(path: Option<&std::path::Path>) -> (Keymap, Option<String>) {
        crate::config::user::load_over(path, Keymap::default_keymap(), "keys", |defaults, text| {
            Keymap::parse_over(Some(defaults), text)
        })
    }

    /// The action a key press means, if any.
    pub fn action(&self, key: &KeyEvent) -> Option<Action> {
        let pressed = normalise(key);
        self.bindings
            .iter()
            .find(|(_, keys)| keys.iter().any(|k| normalise(k) == pressed))
            .and_then(|(name, _)| action_of(name))
    }

    /// The first key of an action, as shown in hints.
    pub fn label(&self, name: &str) -> String {
        self.bindings
            .get(name)
            .and_then(|keys| keys.first())
            .map(key_label)
            .unwrap_or_else(|| "?".into())
    }

    /// Every key of an action, as shown in help.
    pub fn labels(&self, name: &str) -> String {
        self.bindings
            .get(name)
            .map(|keys| keys.iter().map(key_label).collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    }
}

/// Shifted letters arrive with SHIFT and an upper-case char: compare on the char alone.
fn normalise(key: &KeyEvent) -> (KeyCode, KeyModifiers) {
    let modifiers = key.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
    (key.code, modifiers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_bind_vim_keys_beside_arrows() {
        let keymap = Keymap::default_keymap();
        let key = |code| KeyEvent::new(code, KeyModifiers::NONE);
        assert!(matches!(
            keymap.action(&key(KeyCode::Char('j'))),
            Some(Action::Down)
        ));
        assert!(matches!(
            keymap.action(&key(KeyCode::Down)),
            Some(Action::Down)
        ));
        assert!(matches!(
            keymap.action(&KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        ));
        assert!(matches!(
            keymap.action(&key(KeyCode::Char(':'))),
            Some(Action::CommandMode)
        ));
        assert_eq!(keymap.label("quit"), "q");
        assert!(
            BINDABLE
                .iter()
                .all(|(name, _)| action_of(name).is_some() && keymap.bindings.contains_key(*name))
        );
    }

    #[test]
    fn partial_overrides_and_bad_files() {
        let base = Keymap::default_keymap();
        let custom = Keymap::parse_over(Some(&base), "quit: [ctrl-q]\n").unwrap();
        let key = |code, m| KeyEvent::new(code, m);
        assert!(matches!(
            custom.action(&key(KeyCode::Char('q'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        ));
        assert!(
            custom
                .action(&key(KeyCode::Char('q'), KeyModifiers::NONE))
                .is_none()
        );
        assert!(matches!(
            custom.action(&key(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Action::Down)
        ));
        assert!(
            Keymap::parse_over(Some(&base), "launch: [x]\n")
                .unwrap_err()
                .contains("unknown action")
        );
        assert!(
            Keymap::parse_over(Some(&base), "quit: [hyper-x]\n")
                .unwrap_err()
                .contains("unknown key")
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keymap.yml");
        std::fs::write(&path, "quit: {not: a list}\n").unwrap();
        let (keymap, problem) = Keymap::load(Some(&path));
        assert_eq!(keymap, base);
        assert!(problem.unwrap().contains("using the default keys"));
    }
}
