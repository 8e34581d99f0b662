//! The contract-test summary of `cfn test` (pytest): each test's outcome, failure messages, totals.

use serde::Serialize;

/// How one test ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Passed,
    Failed,
    Skipped,
    Error,
    Xfailed,
    Xpassed,
}

impl Outcome {
    fn parse(word: &str) -> Option<Outcome> {
        Some(match word {
            "PASSED" | "passed" => Outcome::Passed,
            "FAILED" | "failed" => Outcome::Failed,
            "SKIPPED" | "skipped" => Outcome::Skipped,
            "ERROR" | "error" | "errors" => Outcome::Error,
            "XFAIL" | "xfailed" => Outcome::Xfailed,
            "XPASS" | "xpassed" => Outcome::Xpassed,
            _ => return None,
        })
    }
}

/// One contract test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TestResult {
    /// `handler_create.py::contract_create_read`.
    pub name: String,
    pub outcome: Outcome,
    /// For failures: the message of pytest's short summary.
    pub message: Option<String>,
}

/// Totals from pytest's closing line, and the tests seen.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    pub passed: u32,
    pub failed: u32,
    pub skipped: u32,
    pub errors: u32,
    pub seconds: Option<f64>,
    pub tests: Vec<TestResult>,
    /// Whether the closing line was seen (the run finished).
    pub complete: bool,
}

impl Summary {
    fn record(&mut self, name: &str, outcome: Outcome, message: Option<String>) {
        match self.tests.iter_mut().find(|t| t.name == name) {
            Some(test) => {
                test.outcome = outcome;
                if message.is_some() {
                    test.message = message;
                }
            }
            None => self.tests.push(TestResult {
                name: name.to_string(),
                outcome,
                message,
            }),
        }
    }

    /// Reads one line of output.
    pub fn line(&mut self, line: &str) {
        let line = line.trim_end();
        // Verbose lines: `path::test PASSED [ 50%]`.
        if let Some((name, rest)) = line.split_once(' ')
            && name.contains("::")
            && let Some(outcome) = rest.split_whitespace().next().and_then(Outcome::parse)
        {
            self.record(name, outcome, None);
            return;
        }
        // Short summary lines: `FAILED path::test - message`.
        if let Some((word, rest)) = line.split_once(' ')
            && let Some(outcome) = Outcome::parse(word)
            && rest.contains("::")
        {
            let (name, message) = match rest.split_once(" - ") {
                Some((name, message)) => (name.trim(), Some(message.trim().to_string())),
                None => (rest.trim(), None),
            };
            self.record(name, outcome, message);
            return;
        }
        // The closing line: `==== 1 failed, 2 passed, 1 skipped in 0.12s ====`.
        let inner = line.trim_matches('=').trim();
        if line.starts_with('=') && inner.contains(" in ") && inner.ends_with('s') {
            let (counts, time) = inner.rsplit_once(" in ").unwrap_or((inner, ""));
            let mut any = false;
            for part in counts.split(", ") {
                let mut words = part.split_whitespace();
                let (Some(count), Some(word)) = (
                    words.next().and_then(|n| n.parse::<u32>().ok()),
                    words.next(),
                ) else {
                    continue;
                };
                any = true;
                match Outcome::parse(word) {
                    Some(Outcome::Passed) => self.passed = count,
                    Some(Outcome::Failed) => self.failed = count,
                    Some(Outcome::Skipped) => self.skipped = count,
                    Some(Outcome::Error) => self.errors = count,
                    _ => {}
                }
            }
            if any || counts.starts_with("no tests ran") {
                self.complete = true;
                self.seconds = time
                    .split_whitespace()
                    .next()
                    .and_then(|t| t.trim_end_matches('s').parse().ok());
            }
        }
    }

    /// The tests that failed or errored, in the order they ran.
    pub fn failed(&self) -> impl Iterator<Item = &TestResult> {
        self.tests
            .iter()
            .filter(|test| matches!(test.outcome, Outcome::Failed | Outcome::Error))
    }

    pub fn parse(output: &str) -> Summary {
        let mut summary = Summary::default();
        output.lines().for_each(|line| summary.line(line));
        summary
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_verbose_lines_short_summary_and_totals() {
        let output = "\
handler_create.py::contract_create_read PASSED                          [ 33%]
handler_create.py::contract_create_delete FAILED                        [ 66%]
handler_update.py::contract_update_read SKIPPED (no update handler)     [100%]
=========================== short test summary info ============================
FAILED handler_create.py::contract_create_delete - AssertionError: status was FAILED
=================== 1 failed, 1 passed, 1 skipped in 12.34s ===================";
        let summary = Summary::parse(output);
        assert!(summary.complete);
        assert_eq!((summary.passed, summary.failed, summary.skipped), (1, 1, 1));
        assert_eq!(summary.seconds, Some(12.34));
        assert_eq!(summary.tests.len(), 3);
        assert_eq!(
            summary.tests[1].message.as_deref(),
            Some("AssertionError: status was FAILED")
        );
        assert_eq!(summary.tests[2].outcome, Outcome::Skipped);
    }

    #[test]
    fn an_unfinished_run_is_not_complete() {
        let summary = Summary::parse("collecting ...\nhandler.py::contract_x PASSED\n");
        assert!(!summary.complete);
        assert_eq!(summary.tests.len(), 1);
    }
}
