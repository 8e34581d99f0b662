//! The `:` command line: parsing and Tab completion.

use crate::config::Stage;

/// A parsed `:` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineCommand {
    Resources,
    Accounts,
    Events(Option<String>),
    Jobs,
    Pipeline,
    /// The beta view: each extension's integration runs.
    Beta,
    Prod,
    Rollout,
    Stage(Stage),
    Region(String),
    /// Every notice of this session, newest first.
    Messages,
    Help,
    Quit,
}

/// The command words, for completion and help.
pub const COMMANDS: &[&str] = &[
    "resources",
    "accounts",
    "events",
    "jobs",
    "pipeline",
    "beta",
    "stage",
    "region",
    "messages",
    "help",
    "quit",
    "q",
];

/// Parses a command line (without the `:`).
pub fn parse(line: &str) -> Result<LineCommand, String> {
    let mut words = line.split_whitespace();
    let Some(command) = words.next() else {
        return Err("type a command, e.g. :resources".into());
    };
    let argument = words.next().map(String::from);
    match command {
        "resources" | "res" => Ok(LineCommand::Resources),
        "accounts" | "acc" => Ok(LineCommand::Accounts),
        "events" | "ev" => Ok(LineCommand::Events(argument)),
        "jobs" => Ok(LineCommand::Jobs),
        "pipeline" | "pl" => Ok(LineCommand::Pipeline),
        "beta" => Ok(LineCommand::Beta),
        "prod" | "versions" => Ok(LineCommand::Prod),
        "rollout" | "ro" => Ok(LineCommand::Rollout),
        "help" => Ok(LineCommand::Help),
        "messages" | "msg" => Ok(LineCommand::Messages),
        "q" | "quit" => Ok(LineCommand::Quit),
        "stage" => {
            let name = argument.ok_or("usage: :stage sandbox|cicd|beta|prod")?;
            Stage::ALL
                .into_iter()
                .find(|stage| stage.name() == name)
                .map(LineCommand::Stage)
                .ok_or_else(|| format!("unknown stage `{name}`: sandbox, cicd, beta or prod"))
        }
        "region" => argument
            .map(LineCommand::Region)
            .ok_or_else(|| "usage: :region us-east-1".into()),
        other => Err(format!(
            "unknown command `{other}`: {}",
            COMMANDS.join(", ")
        )),
    }
}

/// Completes the last word of `line`; `stacks` are the names `:events` can take.
pub fn complete(line: &str, stacks: &[String]) -> String {
    let words: Vec<&str> = line.split_whitespace().collect();
    let ends_with_space = line.ends_with(' ');
    let (done, partial): (&[&str], &str) = match (words.split_last(), ends_with_space) {
        (None, _) => (&[], ""),
        (Some(_), true) => (&words[..], ""),
        (Some((last, rest)), false) => (rest, last),
    };
    let candidates: Vec<String> = match done {
        [] => COMMANDS.iter().map(|c| c.to_string()).collect(),
        ["stage"] => Stage::ALL.iter().map(|s| s.name().to_string()).collect(),
        ["events"] => stacks.to_vec(),
        _ => Vec::new(),
    };
    let matching: Vec<&String> = candidates
        .iter()
        .filter(|c| c.starts_with(partial))
        .collect();
    let completed = match matching.as_slice() {
        [] => return line.to_string(),
        [one] => format!("{one} "),
        many => common_prefix(many),
    };
    let mut result: Vec<String> = done.iter().map(|w| w.to_string()).collect();
    result.push(completed);
    result.join(" ")
}

fn common_prefix(words: &[&String]) -> String {
    let first = words[0];
    let length = words.iter().fold(first.len(), |length, word| {
        first
            .chars()
            .zip(word.chars())
            .take(length)
            .take_while(|(a, b)| a == b)
            .count()
    });
    first.chars().take(length).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands() {
        assert_eq!(parse("stage beta"), Ok(LineCommand::Stage(Stage::Beta)));
        assert_eq!(
            parse("events setup-x"),
            Ok(LineCommand::Events(Some("setup-x".into())))
        );
        assert_eq!(parse("q"), Ok(LineCommand::Quit));
        assert!(parse("stage moon").unwrap_err().contains("unknown stage"));
        assert!(parse("launch").unwrap_err().contains("unknown command"));
        assert!(parse("").is_err());
    }

    #[test]
    fn completes_commands_stages_and_stacks() {
        let stacks = vec!["setup-A".to_string(), "setup-B".to_string()];
        assert_eq!(complete("acc", &stacks), "accounts ");
        assert_eq!(complete("st", &stacks), "stage ");
        assert_eq!(complete("stage b", &stacks), "stage beta ");
        assert_eq!(complete("events ", &stacks), "events setup-");
        assert_eq!(complete("events setup-B", &stacks), "events setup-B ");
        assert_eq!(complete("zzz", &stacks), "zzz");
    }
}
