//! The user's own files (config.yml, keymap.yml, theme.yml) in the platform's config folder,
//! over defaults shipped in `assets/`; a bad file is reported and the defaults are used.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::Stage;

/// Where regship keeps the user's settings, logs and job logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub config_dir: PathBuf,
    pub data_dir: PathBuf,
}

impl Paths {
    /// The platform folders (`~/.config/regship`, `~/.local/share/regship` on Linux).
    pub fn platform() -> Option<Paths> {
        let dirs = directories::ProjectDirs::from("dev", "regship", "regship")?;
        Some(Paths {
            config_dir: dirs.config_dir().to_path_buf(),
            data_dir: dirs.data_dir().to_path_buf(),
        })
    }

    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.yml")
    }

    pub fn keymap_file(&self) -> PathBuf {
        self.config_dir.join("keymap.yml")
    }

    pub fn theme_file(&self) -> PathBuf {
        self.config_dir.join("theme.yml")
    }

    pub fn log_file(&self) -> PathBuf {
        self.data_dir.join("regship.log")
    }
}

/// The shipped defaults.
pub const DEFAULT_CONFIG: &str = include_str!("../../assets/config.yml");
pub const DEFAULT_KEYMAP: &str = include_str!("../../assets/keymap.yml");
pub const DEFAULT_THEME: &str = include_str!("../../assets/theme.yml");

/// `config.yml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    /// Seconds between automatic refreshes (0 = off).
    pub refresh_interval: u64,
    pub default_stage: Stage,
    pub history_cap: usize,
}

impl Default for UserConfig {
    fn default() -> Self {
        serde_norway::from_str(DEFAULT_CONFIG).expect("assets/config.yml is valid")
    }
}

/// Reads a user file and applies it over `defaults` with `parse`; the defaults, and why the
/// file was not used, when it cannot be (`what` names what falls back, e.g. "keys").
pub fn load_over<T>(
    path: Option<&Path>,
    defaults: T,
    what: &str,
    parse: impl FnOnce(&T, &str) -> Result<T, String>,
) -> (T, Option<String>) {
    let Some(path) = path else {
        return (defaults, None);
    };
    let problem = match super::files::read_text(path) {
        Err(super::files::ReadProblem::Missing) => return (defaults, None),
        Ok(text) if text.trim().is_empty() => return (defaults, None),
        Ok(text) => match parse(&defaults, &text) {
            Ok(value) => return (value, None),
            Err(message) => message,
        },
        Err(problem) => problem.to_string(),
    };
    let note = format!("{}: {problem}; using the default {what}", path.display());
    (defaults, Some(note))
}

impl UserConfig {
    /// The user's config.yml, or the defaults and the reason it was not used.
    pub fn load(paths: Option<&Paths>) -> (UserConfig, Option<String>) {
        let path = paths.map(Paths::config_file);
        load_over(
            path.as_deref(),
            UserConfig::default(),
            "settings",
            |_, text| serde_norway::from_str(text).map_err(|err| err.to_string()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_bad_files_fall_back() {
        let defaults = UserConfig::default();
        assert_eq!(defaults.refresh_interval, 30);
        assert_eq!(defaults.default_stage, Stage::Sandbox);
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths {
            config_dir: dir.path().into(),
            data_dir: dir.path().into(),
        };
        assert_eq!(UserConfig::load(Some(&paths)), (defaults.clone(), None));
        std::fs::write(
            paths.config_file(),
            "refresh_interval: 5\ndefault_stage: beta\nhistory_cap: 10\n",
        )
        .unwrap();
        assert_eq!(UserConfig::load(Some(&paths)).0.default_stage, Stage::Beta);
        std::fs::write(paths.config_file(), "refresh_interval: soon\n").unwrap();
        let (config, problem) = UserConfig::load(Some(&paths));
        assert_eq!(config, defaults);
        assert!(problem.unwrap().contains("refresh_interval"));
    }
}
