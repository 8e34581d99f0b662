//! Writers: plan the files, show the plan as a diff, then apply it; a file that exists is
//! overwritten only when the user confirmed, and its old content is kept as a backup.

mod inputs;
mod integ;
pub mod pipeline;
mod prerequisites;
pub mod values;
mod yaml_text;

use std::path::{Path, PathBuf};

pub use inputs::{InputsSource, plan_inputs};
pub use integ::plan_integ;

/// One file the plan writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileWrite {
    pub path: PathBuf,
    /// The path relative to the workspace root, for display.
    pub display: String,
    /// What is there now, if the file exists.
    pub old: Option<String>,
    pub new: String,
}

impl FileWrite {
    pub fn changes_something(&self) -> bool {
        self.old.as_deref() != Some(self.new.as_str())
    }

    /// Whether applying this write replaces content that exists.
    pub fn overwrites(&self) -> bool {
        self.old.is_some() && self.changes_something()
    }
}

/// Files to write, and notes on what could not be derived.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub writes: Vec<FileWrite>,
    pub notes: Vec<String>,
}

/// What applying a plan did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Applied {
    pub written: Vec<String>,
    pub backups: Vec<String>,
    pub unchanged: Vec<String>,
}

/// Where overwritten files' old content goes: `backups/` in regship's data folder
/// (`~/.local/share/regship` on Linux), or the temporary folder without a home.
pub fn backup_dir() -> PathBuf {
    crate::config::user::Paths::platform()
        .map(|paths| paths.data_dir.join("backups"))
        .unwrap_or_else(|| std::env::temp_dir().join("regship-backups"))
}

impl Plan {
    pub fn write(&mut self, path: PathBuf, display: String, new: String) {
        let old = std::fs::read_to_string(&path).ok();
        self.writes.push(FileWrite {
            path,
            display,
            old,
            new,
        });
    }

    /// The files whose content would be replaced.
    pub fn overwrites(&self) -> Vec<&FileWrite> {
        self.writes.iter().filter(|w| w.overwrites()).collect()
    }

    /// A unified diff of every change (new files against nothing).
    pub fn preview(&self) -> String {
        let mut text = String::new();
        for write in self.writes.iter().filter(|w| w.changes_something()) {
            let old = write.old.as_deref().unwrap_or("");
            let diff = similar::TextDiff::from_lines(old, &write.new);
            let before = if write.old.is_some() {
                format!("a/{}", write.display)
            } else {
                "/dev/null".to_string()
            };
            text.push_str(
                &diff
                    .unified_diff()
                    .context_radius(3)
                    .header(&before, &format!("b/{}", write.display))
                    .to_string(),
            );
        }
        text
    }

    /// Writes the plan. Existing files are replaced only with `overwrite_confirmed`, after a
    /// backup in regship's data folder (see [`backup_dir`]); without it nothing is written.
    pub fn apply(&self, overwrite_confirmed: bool) -> Result<Applied, String> {
        self.apply_backing_up_to(overwrite_confirmed, &backup_dir())
    }

    /// `apply` with the backups under `backups`: `<backups>/<unix seconds>/<the file's path as
    /// displayed>`, never beside the file, where `cfn test` or the checks would read it.
    pub fn apply_backing_up_to(
        &self,
        overwrite_confirmed: bool,
        backups: &Path,
    ) -> Result<Applied, String> {
        let overwrites = self.overwrites();
        if !overwrites.is_empty() && !overwrite_confirmed {
            let names: Vec<&str> = overwrites.iter().map(|w| w.display.as_str()).collect();
            return Err(format!(
                "these files exist and would change: {}; nothing was written",
                names.join(", ")
            ));
        }
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut applied = Applied::default();
        for write in &self.writes {
            if !write.changes_something() {
                applied.unchanged.push(write.display.clone());
                continue;
            }
            if let Some(parent) = write.path.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|err| format!("{}: {err}", parent.display()))?;
            }
            if write.old.is_some() {
                let relative = write.display.trim_start_matches('/');
                let backup = (0..)
                    .map(|n| {
                        let base = backups.join(stamp.to_string()).join(relative);
                        if n == 0 {
                            base
                        } else {
                            PathBuf::from(format!("{}.{n}", base.display()))
                        }
                    })
                    .find(|candidate| !candidate.exists())
                    .unwrap_or_default();
                if let Some(parent) = backup.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(|err| format!("{}: {err}", parent.display()))?;
                }
                std::fs::copy(&write.path, &backup)
                    .map_err(|err| format!("backing up {}: {err}", write.display))?;
                applied.backups.push(backup.display().to_string());
            }
            std::fs::write(&write.path, &write.new)
                .map_err(|err| format!("{}: {err}", write.display))?;
            applied.written.push(write.display.clone());
        }
        Ok(applied)
    }
}

/// The plan of what the TUI's scaffold key writes for the extension in `folder` of the workspace
/// at `root`, read again: `test/integ.yml` with `integ`, else `inputs/`.
pub fn plan_for(root: &Path, folder: &str, integ: bool) -> Result<Plan, String> {
    let workspace = crate::workspace::Workspace::load(root);
    match workspace.extensions.iter().find(|e| e.folder == folder) {
        Some(extension) if integ => plan_integ(extension),
        Some(extension) => plan_inputs(extension, None, true, false),
        None => Err(format!("{folder} is no longer in the workspace")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declined_overwrites_leave_files_untouched_and_confirmed_ones_keep_a_backup() {
        let dir = tempfile::tempdir().unwrap();
        let existing = dir.path().join("inputs/inputs_1_create.json");
        std::fs::create_dir_all(existing.parent().unwrap()).unwrap();
        let original = b"{\n  \"Mine\": \"hand written\"\n}\n \xF0\x9F\x98\x80";
        std::fs::write(&existing, original).unwrap();
        let mut plan = Plan::default();
        plan.write(
            existing.clone(),
            "inputs/inputs_1_create.json".into(),
            "{}\n".into(),
        );
        plan.write(
            dir.path().join("inputs/inputs_1_update.json"),
            "inputs/inputs_1_update.json".into(),
            "{}\n".into(),
        );
        assert!(plan.preview().contains("-  \"Mine\": \"hand written\""));
        assert!(plan.preview().contains("--- /dev/null"));

        let refused = plan.apply(false).unwrap_err();
        assert!(refused.contains("inputs/inputs_1_create.json"), "{refused}");
        assert_eq!(std::fs::read(&existing).unwrap(), original, "byte for byte");
        assert!(
            !dir.path().join("inputs/inputs_1_update.json").exists(),
            "nothing at all is written"
        );

        let backups = tempfile::tempdir().unwrap();
        let applied = plan.apply_backing_up_to(true, backups.path()).unwrap();
        assert_eq!(applied.written.len(), 2);
        assert_eq!(std::fs::read(&applied.backups[0]).unwrap(), original);
        assert!(
            applied.backups[0].starts_with(&backups.path().display().to_string()),
            "the backup is kept outside the extension: {applied:?}"
        );
        assert!(applied.backups[0].ends_with("inputs/inputs_1_create.json"));
        assert_eq!(std::fs::read_to_string(&existing).unwrap(), "{}\n");
    }
}
