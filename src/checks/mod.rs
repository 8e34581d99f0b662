//! Lint rules that hold a workspace against the release process; each returns findings with a fix hint.

mod inputs;
mod integ;
mod layout;
mod pipeline;
mod setup;
mod templates;

use std::fmt;

use serde::Serialize;

use crate::config::RuleLevel;
use crate::workspace::template::Template;
use crate::workspace::{Extension, Loaded, Workspace};

/// How serious a finding is: errors fail `regship check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        })
    }
}

/// One problem found in the workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable rule code, e.g. `INP014`.
    pub code: &'static str,
    pub severity: Severity,
    /// The extension folder the finding belongs to, if any.
    pub extension: Option<String>,
    /// The file, relative to the workspace root.
    pub file: String,
    pub line: Option<u32>,
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

impl Finding {
    fn new(code: &'static str, severity: Severity, file: &str, message: impl Into<String>) -> Self {
        Finding {
            code,
            severity,
            extension: None,
            file: file.to_string(),
            line: None,
            message: message.into(),
            hint: String::new(),
        }
    }

    pub fn error(code: &'static str, file: &str, message: impl Into<String>) -> Self {
        Finding::new(code, Severity::Error, file, message)
    }

    pub fn warning(code: &'static str, file: &str, message: impl Into<String>) -> Self {
        Finding::new(code, Severity::Warning, file, message)
    }

    pub fn info(code: &'static str, file: &str, message: impl Into<String>) -> Self {
        Finding::new(code, Severity::Info, file, message)
    }

    pub fn line(mut self, line: Option<u32>) -> Self {
        self.line = line;
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = hint.into();
        self
    }

    /// `file:line`, or the file alone.
    pub fn location(&self) -> String {
        match self.line {
            Some(line) => format!("{}:{line}", self.file),
            None => self.file.clone(),
        }
    }
}

/// One rule's code and what it catches.
pub struct Rule {
    pub code: &'static str,
    pub summary: &'static str,
}

/// Findings for an extension's files, tagged with the extension.
struct ExtensionFindings<'a> {
    extension: &'a Extension,
    findings: Vec<Finding>,
}

impl ExtensionFindings<'_> {
    fn push(&mut self, mut finding: Finding) {
        finding.extension = Some(self.extension.folder.clone());
        self.findings.push(finding);
    }

    /// Reports a file that could not be parsed under `code`; returns its parsed value otherwise.
    fn parsed<'t, T>(
        &mut self,
        code: &'static str,
        what: &str,
        loaded: &'t Loaded<T>,
    ) -> Option<&'t T> {
        match &loaded.parsed {
            Ok(value) => Some(value),
            Err(problem) => {
                self.push(
                    Finding::error(
                        code,
                        &loaded.path,
                        format!("{what} cannot be used: {}", problem.message),
                    )
                    .line(problem.line)
                    .hint(format!(
                        "fix {} so that it parses; until then it is not checked further",
                        loaded.path
                    )),
                );
                None
            }
        }
    }
}

impl ExtensionFindings<'_> {
    /// [`Self::parsed`] for a template, with a warning for each tag in it that nothing resolves.
    fn template<'t>(
        &mut self,
        code: &'static str,
        what: &str,
        loaded: &'t Loaded<Template>,
    ) -> Option<&'t Template> {
        let template = self.parsed(code, what, loaded)?;
        for finding in templates::unknown_tags(&loaded.path, template) {
            self.push(finding);
        }
        Some(template)
    }
}

/// Runs every rule over the whole workspace.
pub fn check_workspace(workspace: &Workspace) -> Vec<Finding> {
    check_extensions(workspace, |_| true)
}

/// Runs the workspace-wide rules and the rules of the extensions `selected` keeps.
pub fn check_extensions(
    workspace: &Workspace,
    selected: impl Fn(&Extension) -> bool,
) -> Vec<Finding> {
    let mut findings = layout::check_workspace(workspace);
    let actions = pipeline::actions_of(workspace);
    findings.extend(pipeline::check_workspace(workspace, actions.as_deref()));
    let chosen: Vec<&Extension> = workspace
        .extensions
        .iter()
        .filter(|e| selected(e))
        .collect();
    let per_extension = crate::workspace::load_in_parallel(&chosen, |extension| {
        let mut sink = ExtensionFindings {
            extension,
            findings: Vec::new(),
        };
        layout::check(workspace, &mut sink);
        inputs::check(&mut sink);
        setup::check(&mut sink);
        integ::check(&mut sink);
        pipeline::check(workspace, actions.as_deref(), &mut sink);
        sink.findings
    });
    findings.retain(|finding| match &finding.extension {
        Some(folder) => chosen.iter().any(|e| &e.folder == folder),
        None => true,
    });
    findings.extend(per_extension.into_iter().flatten());
    tune(workspace, &mut findings);
    findings.sort_by(|a, b| {
        (&a.file, a.line, a.code, &a.message).cmp(&(&b.file, b.line, b.code, &b.message))
    });
    findings
}

/// Applies the levels `rules:` and `extension_rules:` of regship.yml set: a rule turned off
/// drops its findings, any other level becomes their severity. The workspace file's own
/// problems (CFG001) cannot be turned off: they say why the settings may not apply.
fn tune(workspace: &Workspace, findings: &mut Vec<Finding>) {
    let config = &workspace.config;
    if config.rules.is_empty() && config.extension_rules.is_empty() {
        return;
    }
    findings.retain_mut(|finding| {
        if finding.code == "CFG001" {
            return true;
        }
        let folder = finding.extension.as_deref();
        let type_name = folder.and_then(|folder| {
            workspace
                .extensions
                .iter()
                .find(|e| e.folder == folder)
                .and_then(|e| e.type_name())
        });
        match config.rule_level(finding.code, type_name, folder) {
            None => true,
            Some(RuleLevel::Off) => false,
            Some(level) => {
                finding.severity = match level {
                    RuleLevel::Error => Severity::Error,
                    RuleLevel::Warning => Severity::Warning,
                    RuleLevel::Info | RuleLevel::Off => Severity::Info,
                };
                true
            }
        }
    });
}

/// Every rule, in code order.
pub fn rules() -> Vec<Rule> {
    let mut rules: Vec<Rule> = [
        layout::RULES,
        inputs::RULES,
        setup::RULES,
        integ::RULES,
        pipeline::RULES,
        templates::RULES,
    ]
    .into_iter()
    .flatten()
    .map(|(code, summary)| Rule { code, summary })
    .collect();
    rules.sort_by_key(|rule| rule.code);
    rules
}

/// Counts of errors and warnings.
pub fn count(findings: &[Finding]) -> (usize, usize) {
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .count();
    (errors, warnings)
}
