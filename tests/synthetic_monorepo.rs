//! A synthetic monorepo of 200 extensions with planted defects: the checks report exactly those.

mod support;

use regship::checks::check_workspace;
use regship::workspace::Workspace;

#[test]
fn two_hundred_extensions_report_exactly_the_planted_defects() {
    let dir = tempfile::tempdir().unwrap();
    let expected = support::synthetic::build(dir.path(), 200);
    let workspace = Workspace::load(dir.path());
    assert_eq!(workspace.extensions.len(), 200);
    let mut found: Vec<(&'static str, String)> = check_workspace(&workspace)
        .into_iter()
        .map(|f| (f.code, f.file))
        .collect();
    found.sort();
    assert_eq!(found, expected);
    assert!(
        expected.len() > 150,
        "the fixture plants {} defects",
        expected.len()
    );
}
