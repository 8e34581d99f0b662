//! The keymap: each `Binding` to its keys, the defaults from the binding table with the user's
//! keymap.yml over them (only the actions it names). The footer, the help screen and the key
//! handling all read it.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::Input;
pub use crate::app::bindings::Binding;

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

/// Each binding's keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: BTreeMap<Binding, Vec<KeyEvent>>,
}

impl Keymap {
    /// Parses a keymap file's text over `base`; unknown actions or keys are errors.
    pub fn parse_over(base: Option<&Keymap>, text: &str) -> Result<Keymap, String> {
        let raw: BTreeMap<String, Vec<String>> =
            serde_norway::from_str(text).map_err(|e| e.to_string())?;
        let mut bindings = base.map(|b| b.bindings.clone()).unwrap_or_default();
        for (name, keys) in raw {
            let binding =
                Binding::named(&name).ok_or_else(|| format!("unknown action `{name}`"))?;
            let keys = keys
                .iter()
                .map(|k| parse_key(k))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("{name}: {e}"))?;
            bindings.insert(binding, keys);
        }
        Ok(Keymap { bindings })
    }

    /// Every binding with its default keys.
    pub fn default_keymap() -> Keymap {
        Keymap {
            bindings: Binding::ALL
                .iter()
                .map(|binding| {
                    let keys = binding
                        .default_keys()
                        .iter()
                        .filter_map(|key| parse_key(key).ok())
                        .collect();
                    (*binding, keys)
                })
                .collect(),
        }
    }

    /// The user's keymap file over the defaults, or the defaults and why the file was not used.
    pub fn load(path: Option<&std::path::Path>) -> (Keymap, Option<String>) {
        crate::config::user::load_over(path, Keymap::default_keymap(), "keys", |defaults, text| {
            Keymap::parse_over(Some(defaults), text)
        })
    }

    /// The input a key press means, if any.
    pub fn action(&self, key: &KeyEvent) -> Option<Input> {
        self.action_among(key, Binding::ALL)
    }

    /// The input a key press means among the actions `offered` (a screen's): one key may serve
    /// two actions never offered on one screen.
    pub fn action_among(&self, key: &KeyEvent, offered: &[Binding]) -> Option<Input> {
        let pressed = normalise(key);
        let bound = |binding: &Binding| {
            self.bindings
                .get(binding)
                .is_some_and(|keys| keys.iter().any(|k| normalise(k) == pressed))
        };
        offered
            .iter()
            .find(|binding| bound(binding))
            .or_else(|| Binding::ALL.iter().find(|binding| bound(binding)))
            .map(|binding| binding.input())
    }

    /// Each key of a binding, as one name per key and modifiers (for the conflict check).
    pub fn key_names(&self, binding: Binding) -> Vec<String> {
        self.bindings
            .get(&binding)
            .map(|keys| {
                keys.iter()
                    .map(|k| {
                        let (code, modifiers) = normalise(k);
                        format!(
                            "{}{:?}",
                            key_label(&KeyEvent::new(code, modifiers)),
                            modifiers
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The first key of a binding, as shown in hints.
    pub fn label(&self, binding: Binding) -> String {
        self.bindings
            .get(&binding)
            .and_then(|keys| keys.first())
            .map(key_label)
            .unwrap_or_else(|| "?".into())
    }

    /// Every key of a binding, as shown in help.
    pub fn labels(&self, binding: Binding) -> String {
        self.bindings
            .get(&binding)
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
            Some(Input::Down)
        ));
        assert!(matches!(
            keymap.action(&key(KeyCode::Down)),
            Some(Input::Down)
        ));
        assert!(matches!(
            keymap.action(&KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Input::Bottom)
        ));
        assert!(matches!(
            keymap.action(&key(KeyCode::Char(':'))),
            Some(Input::CommandMode)
        ));
        assert_eq!(keymap.label(Binding::Quit), "q");
        assert!(
            Binding::ALL
                .iter()
                .all(|binding| !keymap.bindings[binding].is_empty())
        );
    }

    #[test]
    fn the_shipped_keymap_file_is_the_binding_table() {
        let shipped = Keymap::parse_over(None, crate::config::user::DEFAULT_KEYMAP).unwrap();
        assert_eq!(shipped, Keymap::default_keymap());
    }

    #[test]
    fn partial_overrides_and_bad_files() {
        let base = Keymap::default_keymap();
        let custom = Keymap::parse_over(Some(&base), "quit: [ctrl-q]\n").unwrap();
        let key = |code, m| KeyEvent::new(code, m);
        assert!(matches!(
            custom.action(&key(KeyCode::Char('q'), KeyModifiers::CONTROL)),
            Some(Input::Quit)
        ));
        assert!(
            custom
                .action(&key(KeyCode::Char('q'), KeyModifiers::NONE))
                .is_none()
        );
        assert!(matches!(
            custom.action(&key(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Input::Down)
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
