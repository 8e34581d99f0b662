//! cfn-lint on a template's text, and what a change to the template made it find that it did
//! not find before.

use std::io::Write;
use std::process::{Command, Stdio};

/// One cfn-lint finding: its rule, where in the template (the path of keys, which a change
/// elsewhere does not move) and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintFinding {
    pub rule: String,
    pub path: String,
    pub line: u64,
    pub message: String,
}

/// cfn-lint's findings on `text`; an error says why it could not run and what to do.
pub fn cfn_lint(text: &str) -> Result<Vec<LintFinding>, String> {
    let mut child = Command::new("cfn-lint")
        .args(["--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| match err.kind() {
            std::io::ErrorKind::NotFound => {
                "cfn-lint is not installed (pip install cfn-lint), so the result was not linted"
                    .to_string()
            }
            _ => format!("cfn-lint could not start: {err}"),
        })?;
    // The template goes in while the findings come out, so that neither pipe fills and waits
    // for the other; a cfn-lint that exits early closes its end, and its output says why.
    let stdin = child.stdin.take();
    let output = std::thread::scope(|scope| {
        scope.spawn(|| stdin.map(|mut stdin| stdin.write_all(text.as_bytes())));
        child.wait_with_output()
    })
    .map_err(|err| format!("cfn-lint: {err}"))?;
    let findings: Vec<serde_json::Value> =
        serde_json::from_slice(&output.stdout).map_err(|_| {
            let stderr = String::from_utf8_lossy(&output.stderr);
            format!(
                "cfn-lint gave no findings to read ({})",
                crate::text::one_line(stderr.trim(), 160).0
            )
        })?;
    Ok(findings
        .iter()
        .map(|finding| LintFinding {
            rule: finding["Rule"]["Id"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            path: finding["Location"]["Path"]
                .as_array()
                .map(|keys| {
                    keys.iter()
                        .map(|key| match key {
                            serde_json::Value::String(text) => text.clone(),
                            other => other.to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join("/")
                })
                .unwrap_or_default(),
            line: finding["Location"]["Start"]["LineNumber"]
                .as_u64()
                .unwrap_or_default(),
            message: finding["Message"].as_str().unwrap_or_default().to_string(),
        })
        .collect())
}

/// The findings of `after` that `before` did not have (the same rule at the same path).
pub fn new_findings(before: &[LintFinding], after: Vec<LintFinding>) -> Vec<LintFinding> {
    let mut unmatched: Vec<&LintFinding> = before.iter().collect();
    after
        .into_iter()
        .filter(|finding| {
            match unmatched
                .iter()
                .position(|old| old.rule == finding.rule && old.path == finding.path)
            {
                Some(at) => {
                    unmatched.swap_remove(at);
                    false
                }
                None => true,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(rule: &str, path: &str, line: u64) -> LintFinding {
        LintFinding {
            rule: rule.into(),
            path: path.into(),
            line,
            message: String::new(),
        }
    }

    #[test]
    fn a_finding_that_only_moved_is_not_new() {
        let before = [finding("E3012", "Resources/F/Code", 7)];
        let after = vec![
            finding("E3012", "Resources/F/Code", 40),
            finding("E1020", "Resources/New/Properties/Role", 12),
            finding("E3012", "Resources/F/Code", 41),
        ];
        let new = new_findings(&before, after);
        assert_eq!(
            new,
            [
                finding("E1020", "Resources/New/Properties/Role", 12),
                finding("E3012", "Resources/F/Code", 41)
            ]
        );
    }
}
