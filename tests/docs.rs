//! The docs, `--help`, the man page, the completions and `?` agree: every subcommand and each of
//! its flags is in its row of `docs/commands.md`, every global flag is there too, the man page
//! and each shell's completions name every subcommand, help lists every bindable key, and no
//! link in the README or `docs/` leaves the repository or points at nothing.

use clap::CommandFactory;
use regship::cli::Cli;

use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn commands_page() -> String {
    std::fs::read_to_string(root().join("docs/commands.md")).unwrap()
}

/// The table rows (`| \`regship ...`) that document the command `path`.
fn rows<'a>(readme: &'a str, path: &[&str]) -> Vec<&'a str> {
    readme
        .lines()
        .filter(|line| line.starts_with("| `regship "))
        .filter(|line| {
            let head = line.split(" | ").next().unwrap_or_default();
            path.iter().all(|word| {
                head.split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
                    .any(|w| w == *word)
            })
        })
        .collect()
}

fn leaves(command: &clap::Command, path: Vec<String>, found: &mut Vec<(Vec<String>, Vec<String>)>) {
    let flags: Vec<String> = command
        .get_arguments()
        .filter(|arg| !arg.is_global_set() && !arg.is_hide_set())
        .filter_map(|arg| arg.get_long().map(|long| format!("--{long}")))
        .filter(|long| long != "--help" && long != "--version")
        .collect();
    let trailing = command.get_arguments().any(|arg| arg.is_last_set());
    let mut flags = flags;
    if trailing {
        flags.push("-- ".into());
    }
    if !path.is_empty() {
        found.push((path.clone(), flags));
    }
    for sub in command.get_subcommands() {
        if sub.get_name() == "help" {
            continue;
        }
        let mut next = path.clone();
        next.push(sub.get_name().to_string());
        leaves(sub, next, found);
    }
}

#[test]
fn every_subcommand_and_flag_is_in_the_commands_page() {
    let readme = commands_page();
    let mut commands = Vec::new();
    leaves(&Cli::command(), Vec::new(), &mut commands);
    let mut missing = Vec::new();
    for (path, flags) in &commands {
        let words: Vec<&str> = path.iter().map(String::as_str).collect();
        let rows = rows(&readme, &words);
        if rows.is_empty() {
            missing.push(format!(
                "regship {}: no row in docs/commands.md",
                path.join(" ")
            ));
            continue;
        }
        for flag in flags {
            if !rows.iter().any(|row| row.contains(flag.as_str())) {
                missing.push(format!(
                    "regship {} {flag}: not in its row of docs/commands.md",
                    path.join(" ")
                ));
            }
        }
    }
    for global in Cli::command().get_arguments().filter(|a| a.is_global_set()) {
        if let Some(long) = global.get_long()
            && !readme.contains(&format!("--{long}"))
        {
            missing.push(format!("--{long} (global): not in docs/commands.md"));
        }
    }
    assert!(
        missing.is_empty(),
        "docs/commands.md lacks:\n{}",
        missing.join("\n")
    );
}

#[test]
fn help_lists_every_binding_with_its_keys() {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use regship::app::bindings::Binding;
    use regship::app::{AppState, Input, update};
    let mut state = AppState::new("repo", regship::config::Stage::Sandbox);
    update(&mut state, Input::Help);
    let keymap = regship::ui::keymap::Keymap::default_keymap();
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    terminal
        .draw(|frame| {
            regship::ui::draw(
                frame,
                &state,
                &regship::ui::theme::Theme::default_theme(),
                &keymap,
            )
        })
        .unwrap();
    let screen: String = terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|cell| cell.symbol())
        .collect();
    for binding in Binding::ALL {
        assert!(
            screen.contains(binding.help()) && screen.contains(&keymap.labels(*binding)),
            "help lacks {binding:?}"
        );
    }
}

/// The binary's own output of `args`.
fn regship(args: &[&str]) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_regship"))
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success(), "{args:?}: {output:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn the_man_page_and_every_shells_completions_name_every_subcommand_and_global_flag() {
    let command = Cli::command();
    let subcommands: Vec<&str> = command
        .get_subcommands()
        .map(|sub| sub.get_name())
        .filter(|name| *name != "help")
        .collect();
    let globals: Vec<String> = command
        .get_arguments()
        .filter(|arg| arg.is_global_set())
        .filter_map(|arg| arg.get_long().map(String::from))
        .collect();
    let man = regship(&["man"]);
    assert!(
        man.starts_with(".ie") && man.contains(".TH regship 1"),
        "{man}"
    );
    for name in &subcommands {
        assert!(
            man.contains(&format!("regship\\-{name}(1)")),
            "man lacks {name}"
        );
    }
    for long in &globals {
        assert!(
            man.contains(&long.replace('-', "\\-")),
            "man lacks --{long}"
        );
    }
    for shell in ["bash", "zsh", "fish"] {
        let script = regship(&["completions", shell]);
        for name in &subcommands {
            assert!(script.contains(name), "{shell} completions lack {name}");
        }
        for long in &globals {
            assert!(
                script.contains(long.as_str()),
                "{shell} completions lack --{long}"
            );
        }
    }
    // One page per subcommand, down to the leaves, for `make man`.
    let dir = tempfile::tempdir().unwrap();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_regship"))
        .args(["man", "--dir"])
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    for page in [
        "regship.1",
        "regship-setup-deploy.1",
        "regship-rollout-start.1",
    ] {
        assert!(dir.path().join(page).is_file(), "no {page}");
    }
}

/// The markdown links of `text` (`[label](target)`), outside code blocks and spans.
fn links(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        // Code spans may hold `](` without being links.
        let prose: String = line.split('`').step_by(2).collect::<Vec<_>>().join(" ");
        let mut rest = prose.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let end = after.find(')').unwrap_or(after.len());
            found.push(after[..end].to_string());
            rest = &after[end..];
        }
    }
    found
}

/// GitHub's anchor of a heading: lowercase, punctuation dropped, spaces as dashes.
fn anchor(heading: &str) -> String {
    heading
        .trim_start_matches('#')
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

#[test]
fn no_link_in_the_readme_or_docs_leaves_the_repository_or_points_at_nothing() {
    let mut pages: Vec<PathBuf> = vec![root().join("README.md")];
    for entry in std::fs::read_dir(root().join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            pages.push(path);
        }
    }
    assert!(
        pages.len() >= 6,
        "the docs folder holds the reference: {pages:?}"
    );
    let repository = root().canonicalize().unwrap();
    let mut broken = Vec::new();
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        let name = page.strip_prefix(root()).unwrap().display().to_string();
        if name == "README.md" {
            assert!(
                text.lines().count() <= 300,
                "the README is a front page: {} lines",
                text.lines().count()
            );
        }
        for link in links(&text) {
            if link.starts_with("http://") || link.starts_with("https://") {
                if name == "README.md" {
                    broken.push(format!("{name}: {link} leaves the repository"));
                }
                continue;
            }
            let (file, fragment) = link.split_once('#').unwrap_or((&link, ""));
            let target = if file.is_empty() {
                page.clone()
            } else {
                page.parent().unwrap().join(file)
            };
            let Ok(resolved) = target.canonicalize() else {
                broken.push(format!("{name}: {link} points at nothing"));
                continue;
            };
            if !resolved.starts_with(&repository) {
                broken.push(format!("{name}: {link} leaves the repository"));
                continue;
            }
            if !fragment.is_empty() {
                let headings = std::fs::read_to_string(&resolved).unwrap_or_default();
                if !headings
                    .lines()
                    .filter(|l| l.starts_with('#'))
                    .any(|l| anchor(l) == fragment)
                {
                    broken.push(format!("{name}: {link} names no heading"));
                }
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}
