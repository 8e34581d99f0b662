//! The layers and boundaries of ARCHITECTURE.md, kept by parsing the code (syn): every path a
//! module names (`use` trees with their `{..}` groups, `crate::`, `super::` and `self::` paths in
//! code and in macro bodies) is resolved to the module it reaches. A module imports only from its
//! own layer or below, never across a same-layer edge the architecture forbids, and the modules
//! (and the files of one module) form no cycle. Only `cloud/aws` names the AWS SDK, only `ui` and
//! `tui` name ratatui or crossterm, only `jobs` spawns processes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use proc_macro2::TokenTree;
use syn::visit::Visit;

/// Bottom to top.
const LAYERS: &[&[&str]] = &[
    &["config", "workspace", "text"],
    &["checks", "scaffold", "jobs"],
    &["cloud"],
    &["watch"],
    &["ops"],
    &["app", "commands", "cli"],
    &["ui", "tui"],
];

/// Edges within one layer that the architecture forbids: (importer, imported).
const FORBIDDEN_SIDEWAYS: &[(&str, &str)] = &[
    // config is read by the workspace model, never the other way.
    ("config", "workspace"),
    // The three writers and runners of layer 2 stand alone.
    ("checks", "scaffold"),
    ("checks", "jobs"),
    ("scaffold", "checks"),
    ("scaffold", "jobs"),
    ("jobs", "checks"),
    ("jobs", "scaffold"),
    // The reducer and the CLI share ops/, never each other.
    ("app", "commands"),
    ("commands", "app"),
    // ui draws; tui runs the terminal and the tasks.
    ("ui", "tui"),
];

/// Crates only some modules may name: (crate name or prefix, the modules that may).
const BOUNDARIES: &[(&str, &[&str])] = &[
    ("aws_sdk_", &["cloud::aws"]),
    ("aws_config", &["cloud::aws"]),
    ("aws_smithy_", &["cloud::aws"]),
    ("aws_types", &["cloud::aws"]),
    ("aws_credential_types", &["cloud::aws"]),
    ("aws_sigv4", &["cloud::aws"]),
    ("ratatui", &["ui", "tui"]),
    ("crossterm", &["ui", "tui"]),
];

/// Paths that spawn a process, and the modules that may name them.
const SPAWNING: &[&str] = &["std::process::Command", "tokio::process"];
const MAY_SPAWN: &[&str] = &["jobs"];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// A file's module path from its place under src/ (`ops/status.rs` -> [ops, status]).
fn module_of(relative: &str) -> Vec<String> {
    let trimmed = relative.trim_end_matches(".rs");
    let mut parts: Vec<String> = trimmed.split('/').map(String::from).collect();
    if parts
        .last()
        .is_some_and(|p| p == "mod" || p == "lib" || p == "main")
    {
        parts.pop();
    }
    parts
}

/// Every path a file names, resolved to an absolute one (`crate::...` for the crate's own, the
/// crate's name first for another crate's), with the module path it is named from.
#[derive(Default)]
struct Paths {
    here: Vec<String>,
    found: Vec<(Vec<String>, Vec<String>)>,
}

impl Paths {
    /// Resolves `segments` as written in the current module.
    fn add(&mut self, segments: Vec<String>) {
        let Some(first) = segments.first() else {
            return;
        };
        let resolved = match first.as_str() {
            "crate" => segments[1..].to_vec(),
            "super" | "self" => {
                let mut base = self.here.clone();
                let mut rest = segments.as_slice();
                if rest[0] == "self" {
                    rest = &rest[1..];
                }
                while rest.first().is_some_and(|s| s == "super") {
                    base.pop();
                    rest = &rest[1..];
                }
                base.extend(rest.iter().cloned());
                base
            }
            _ => {
                self.found.push((
                    self.here.clone(),
                    [vec!["::extern".to_string()], segments].concat(),
                ));
                return;
            }
        };
        self.found.push((self.here.clone(), resolved));
    }

    fn use_tree(&mut self, prefix: &[String], tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(path) => {
                let mut next = prefix.to_vec();
                next.push(path.ident.to_string());
                self.use_tree(&next, &path.tree);
            }
            syn::UseTree::Name(name) => {
                let mut next = prefix.to_vec();
                next.push(name.ident.to_string());
                self.add(next);
            }
            syn::UseTree::Rename(rename) => {
                let mut next = prefix.to_vec();
                next.push(rename.ident.to_string());
                self.add(next);
            }
            syn::UseTree::Glob(_) => self.add(prefix.to_vec()),
            syn::UseTree::Group(group) => {
                for tree in &group.items {
                    self.use_tree(prefix, tree);
                }
            }
        }
    }

    /// Paths in a macro's tokens (`crate::x::y`, `super::x`), which syn leaves unparsed.
    fn tokens(&mut self, tokens: proc_macro2::TokenStream) {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        let mut index = 0;
        while index < trees.len() {
            if let TokenTree::Group(group) = &trees[index] {
                self.tokens(group.stream());
                index += 1;
                continue;
            }
            let mut segments = Vec::new();
            let mut at = index;
            while let Some(TokenTree::Ident(ident)) = trees.get(at) {
                segments.push(ident.to_string());
                let colons = matches!(
                    (trees.get(at + 1), trees.get(at + 2)),
                    (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
                        if a.as_char() == ':' && b.as_char() == ':'
                );
                if !colons {
                    break;
                }
                at += 3;
            }
            if segments.len() > 1 {
                self.add(segments);
                index = at + 1;
            } else {
                index += 1;
            }
        }
    }
}

impl<'ast> Visit<'ast> for Paths {
    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        if item.content.is_some() {
            self.here.push(item.ident.to_string());
            syn::visit::visit_item_mod(self, item);
            self.here.pop();
        }
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.use_tree(&[], &item.tree);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        if segments.len() > 1 {
            self.add(segments);
        }
        syn::visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.tokens(mac.tokens.clone());
        syn::visit::visit_macro(self, mac);
    }
}

/// Every path of one file: (the module it is named from, what it reaches).
fn paths_of(relative: &str, text: &str) -> Vec<(Vec<String>, Vec<String>)> {
    let file = syn::parse_file(text).unwrap_or_else(|e| panic!("src/{relative}: {e}"));
    let mut paths = Paths {
        here: module_of(relative),
        ..Paths::default()
    };
    paths.visit_file(&file);
    paths.found
}

fn starts_with(module: &[String], prefix: &str) -> bool {
    let prefix: Vec<&str> = prefix.split("::").collect();
    module.len() >= prefix.len() && module.iter().zip(&prefix).all(|(a, b)| a == b)
}

/// The violations in `files` (path under src/, text).
fn violations(files: &[(String, String)]) -> Vec<String> {
    let mut found = BTreeSet::new();
    let mut top_edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut inner_edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (relative, text) in files {
        for (from, to) in paths_of(relative, text) {
            let Some(own) = from.first() else { continue };
            if to.first().is_some_and(|first| first == "::extern") {
                let name = to[1..].join("::");
                for (krate, allowed) in BOUNDARIES {
                    if to[1].starts_with(krate) && !allowed.iter().any(|a| starts_with(&from, a)) {
                        found.insert(format!("src/{relative} names {name}: only {allowed:?} may"));
                    }
                }
                if SPAWNING.iter().any(|spawn| name.starts_with(spawn))
                    && !MAY_SPAWN.iter().any(|a| starts_with(&from, a))
                {
                    found.insert(format!("src/{relative} spawns with {name}: only jobs may"));
                }
                continue;
            }
            let Some(theirs) = to.first() else { continue };
            if theirs != own {
                top_edges
                    .entry(own.clone())
                    .or_default()
                    .insert(theirs.clone());
                if let (Some(a), Some(b)) = (layer(own), layer(theirs)) {
                    if b > a {
                        found.insert(format!(
                            "src/{relative} ({own}, layer {}) imports {theirs} (layer {})",
                            a + 1,
                            b + 1
                        ));
                    }
                    if FORBIDDEN_SIDEWAYS.contains(&(own.as_str(), theirs.as_str())) {
                        found.insert(format!(
                            "src/{relative} ({own}) imports {theirs}: a same-layer edge the architecture forbids"
                        ));
                    }
                }
            } else if let (Some(a), Some(b)) = (from.get(1), to.get(1))
                && a != b
                && files.iter().any(|(r, _)| module_of(r).get(1) == Some(b))
            {
                inner_edges
                    .entry(format!("{own}::{a}"))
                    .or_default()
                    .insert(format!("{own}::{b}"));
            }
        }
    }
    for (module, _) in files.iter().map(|(r, t)| (module_of(r), t)) {
        if let Some(top) = module.first()
            && layer(top).is_none()
            && !module.is_empty()
        {
            found.insert(format!(
                "{top} (src/{}) is in no layer: add it to LAYERS and ARCHITECTURE.md",
                module.join("/")
            ));
        }
    }
    for edges in [&top_edges, &inner_edges] {
        if let Some(cycle) = cycle(edges) {
            found.insert(format!("a cycle: {}", cycle.join(" -> ")));
        }
    }
    found.into_iter().collect()
}

/// A cycle of the graph, if it has one.
fn cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|node| visit(node, edges, &mut Vec::new(), &mut done))
}

fn rust_files(dir: &Path, src: &Path, found: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, src, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path
                .strip_prefix(src)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            found.push((relative, std::fs::read_to_string(&path).unwrap()));
        }
    }
}

#[test]
fn the_code_keeps_the_layers_and_boundaries() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &src, &mut files);
    assert!(files.len() > 100, "{} files", files.len());
    let found = violations(&files);
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn a_planted_violation_of_each_kind_is_found() {
    let planted: Vec<(String, String)> = [
        ("workspace/mod.rs", "use crate::{ui, app::update};"),
        (
            "config/mod.rs",
            "fn f() { crate::workspace::files::read_text(); }",
        ),
        ("ops/integ.rs", "use super::status::append_line;"),
        (
            "ops/status.rs",
            "fn f() { let _ = format!(\"{}\", super::integ::NAME); }",
        ),
        (
            "app/mod.rs",
            "mod tests { use super::super::commands::run; }",
        ),
        ("watch/mod.rs", "use aws_sdk_s3::Client;"),
        ("cloud/mod.rs", "fn f(frame: &mut ratatui::Frame) {}"),
        (
            "checks/mod.rs",
            "fn f() { std::process::Command::new(\"cfn\"); }",
        ),
        ("ui/mod.rs", "use crate::tui::run;"),
        ("gadgets/mod.rs", ""),
    ]
    .into_iter()
    .map(|(path, text)| (path.to_string(), text.to_string()))
    .collect();
    let found = violations(&planted).join("\n");
    for expected in [
        "src/workspace/mod.rs (workspace, layer 1) imports ui (layer 7)",
        "src/workspace/mod.rs (workspace, layer 1) imports app (layer 6)",
        "src/config/mod.rs (config) imports workspace: a same-layer edge",
        "a cycle: ops::integ -> ops::status -> ops::integ",
        "src/app/mod.rs (app) imports commands",
        "src/watch/mod.rs names aws_sdk_s3::Client",
        "src/cloud/mod.rs names ratatui::Frame",
        "src/checks/mod.rs spawns with std::process::Command::new",
        "src/ui/mod.rs (ui) imports tui",
        "gadgets (src/gadgets) is in no layer",
    ] {
        assert!(found.contains(expected), "{expected} not in:\n{found}");
    }
    let clean: Vec<(String, String)> = [
        ("ops/integ.rs", "use super::journal::append_line;"),
        (
            "ops/status.rs",
            "use crate::cloud::Stacks; fn f() { super::integ::g(); }",
        ),
        ("cloud/aws/mod.rs", "use aws_sdk_s3::Client;"),
        ("jobs/mod.rs", "use tokio::process::Command;"),
    ]
    .into_iter()
    .map(|(path, text)| (path.to_string(), text.to_string()))
    .collect();
    assert_eq!(violations(&clean), Vec::<String>::new());
}
