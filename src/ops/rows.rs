//! One row per extension (kind, maturity, tests, findings): `regship list` and the resources view.

use serde::Serialize;

use crate::checks::{Severity, check_workspace};
use crate::config::Maturity;
use crate::workspace::{ArtifactType, Workspace};

/// One row of `regship list`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ExtensionRow {
    pub folder: String,
    pub type_name: Option<String>,
    pub kind: ArtifactType,
    pub language: Option<String>,
    pub maturity: Maturity,
    pub input_sets: usize,
    pub setup: bool,
    pub integ: bool,
    pub errors: usize,
    pub warnings: usize,
}

pub fn rows(workspace: &Workspace) -> Vec<ExtensionRow> {
    rows_with(workspace, &check_workspace(workspace))
}

/// The rows, counting the given findings.
pub fn rows_with(workspace: &Workspace, findings: &[crate::checks::Finding]) -> Vec<ExtensionRow> {
    workspace
        .extensions
        .iter()
        .map(|extension| {
            let own = |severity| {
                findings
                    .iter()
                    .filter(|f| {
                        f.severity == severity && f.extension.as_deref() == Some(&extension.folder)
                    })
                    .count()
            };
            ExtensionRow {
                folder: extension.folder.clone(),
                type_name: extension.type_name().map(String::from),
                kind: extension.artifact_type(),
                language: extension.language().map(String::from),
                maturity: extension.maturity,
                input_sets: extension.input_set_count(),
                setup: !extension.setup.is_empty(),
                integ: !extension.integ.is_empty(),
                errors: own(Severity::Error),
                warnings: own(Severity::Warning),
            }
        })
        .collect()
}
