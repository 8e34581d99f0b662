//! The README's make targets find what cargo built wherever it put it (`CARGO_TARGET_DIR`).

use std::process::Command;

#[test]
fn make_test_hands_the_tests_the_binary_where_cargo_builds_it() {
    let root = env!("CARGO_MANIFEST_DIR");
    let elsewhere = tempfile::tempdir().unwrap();
    let output = Command::new("make")
        .args(["-n", "-C", root, "test"])
        .env("CARGO_TARGET_DIR", elsewhere.path())
        .output()
        .expect("make runs");
    let plan = String::from_utf8_lossy(&output.stdout);
    let expected = format!("REGSHIP_BIN={}/release/regship", elsewhere.path().display());
    assert!(
        plan.contains(&expected),
        "make test would not find the binary:\n{plan}"
    );
    assert!(
        plan.contains(&format!(
            "--registry-schemas {}/registry-schemas",
            elsewhere.path().display()
        )),
        "{plan}"
    );
    let default = Command::new("make")
        .args(["-n", "-C", root, "test"])
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .expect("make runs");
    let plan = String::from_utf8_lossy(&default.stdout);
    assert!(
        plan.contains(&format!("REGSHIP_BIN={root}/target/release/regship")),
        "{plan}"
    );
}
