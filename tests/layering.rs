//! The layers of ARCHITECTURE.md, kept: a module imports only from its own layer or below, and
//! `app/` and `commands/` never import each other. A `crate::` path that runs up a layer fails.

use std::collections::BTreeMap;
use std::path::Path;

/// Bottom to top.
const LAYERS: &[&[&str]] = &[
    &["config", "workspace"],
    &["checks", "scaffold", "jobs"],
    &["cloud"],
    &["watch"],
    &["ops"],
    &["app", "commands", "cli"],
    &["ui", "tui"],
];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

fn rust_files(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// Every `crate::name` a source text names.
fn imports(text: &str) -> Vec<String> {
    text.match_indices("crate::")
        .map(|(at, _)| {
            text[at + 7..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}

/// Each file's module (its top folder under src/) and what it imports against the layers.
fn violations() -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut found = Vec::new();
    for file in files {
        let relative = file.strip_prefix(&src).unwrap();
        let module = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        let Some(own) = layer(&module) else {
            assert!(
                ["main", "lib"].contains(&module.as_str()),
                "{module} (src/{}) is in no layer: add it to LAYERS and ARCHITECTURE.md",
                relative.display()
            );
            continue;
        };
        let text = std::fs::read_to_string(&file).unwrap();
        for imported in imports(&text) {
            let Some(theirs) = layer(&imported) else {
                continue;
            };
            let sideways = own == theirs
                && imported != module
                && ["app", "commands"].contains(&module.as_str())
                && ["app", "commands"].contains(&imported.as_str());
            if theirs > own || sideways {
                found.push(format!(
                    "src/{} ({module}, layer {}) imports crate::{imported} (layer {})",
                    relative.display(),
                    own + 1,
                    theirs + 1
                ));
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

#[test]
fn no_module_imports_a_layer_above_it() {
    let found = violations();
    assert!(
        found.is_empty(),
        "imports up the layers:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_sees_an_import_up_the_layers() {
    let text = "use crate::tui::run;\nfn f() { crate::app::update(); }";
    assert_eq!(imports(text), ["tui", "app"]);
    let by_layer: BTreeMap<&str, Option<usize>> = ["workspace", "cloud", "ops", "tui", "nowhere"]
        .into_iter()
        .map(|m| (m, layer(m)))
        .collect();
    assert!(by_layer["workspace"] < by_layer["cloud"]);
    assert!(by_layer["cloud"] < by_layer["ops"]);
    assert!(by_layer["ops"] < by_layer["tui"]);
    assert_eq!(by_layer["nowhere"], None);
}
