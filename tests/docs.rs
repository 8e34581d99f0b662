//! The README, `--help` and `?` agree: every subcommand and each of its flags is in the README's
//! row for it, every global flag is in the README, and help lists every bindable key.

use clap::CommandFactory;
use regship::cli::Cli;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

/// The README's table rows (`| \`regship ...`) that document the command `path`.
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
fn every_subcommand_and_flag_is_in_the_readme() {
    let readme = readme();
    let mut commands = Vec::new();
    leaves(&Cli::command(), Vec::new(), &mut commands);
    let mut missing = Vec::new();
    for (path, flags) in &commands {
        let words: Vec<&str> = path.iter().map(String::as_str).collect();
        let rows = rows(&readme, &words);
        if rows.is_empty() {
            missing.push(format!(
                "regship {}: no row in the README's command table",
                path.join(" ")
            ));
            continue;
        }
        for flag in flags {
            if !rows.iter().any(|row| row.contains(flag.as_str())) {
                missing.push(format!(
                    "regship {} {flag}: not in its README row",
                    path.join(" ")
                ));
            }
        }
    }
    for global in Cli::command().get_arguments().filter(|a| a.is_global_set()) {
        if let Some(long) = global.get_long()
            && !readme.contains(&format!("--{long}"))
        {
            missing.push(format!("--{long} (global): not in the README"));
        }
    }
    assert!(
        missing.is_empty(),
        "the README lacks:\n{}",
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
