//! Shared helpers of the integration tests.
#![allow(dead_code)] // each test binary uses a different part

pub mod moto;
pub mod synthetic;

use std::path::Path;
use std::process::Command;

/// A copy of this repository's example extension and release kit, with a regship.yml whose
/// sandbox and prod accounts are `account_id`.
pub fn example_workspace(account_id: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR"));
    let copied = Command::new("cp")
        .arg("-r")
        .arg(source.join("resources"))
        .arg(source.join("release"))
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(copied.success());
    let config = format!(
        "namespace: AwsCommunity\naccounts:\n  sandbox: {{region: us-east-1, account_id: \"{account_id}\"}}\n  prod: {{region: us-east-1, account_id: \"{account_id}\"}}\n"
    );
    std::fs::write(dir.path().join("regship.yml"), config).unwrap();
    dir
}
