//! One list of the actions each screen offers. The reducer accepts only these (another key says
//! where its action is offered), the footer shows the screen's own, help lists them first, the
//! demo's guide names only these, and a keymap that binds two actions of one screen to one key
//! is reported at start-up.

use super::bindings::Binding;
use super::state::{AppState, Screen, ViewKind};

/// Offered on every screen: moving about, the views, the command line, help and quit.
pub const EVERYWHERE: &[Binding] = &[
    Binding::Up,
    Binding::Down,
    Binding::PageUp,
    Binding::PageDown,
    Binding::Top,
    Binding::Bottom,
    Binding::Back,
    Binding::CommandMode,
    Binding::Resources,
    Binding::Accounts,
    Binding::Events,
    Binding::Jobs,
    Binding::Pipeline,
    Binding::Beta,
    Binding::Prod,
    Binding::Rollout,
    Binding::Help,
    Binding::Quit,
];

/// What one screen offers: its footer, in order, and what it accepts besides (help lists both).
#[derive(Debug, Clone, Copy)]
pub struct Offer {
    pub footer: &'static [Binding],
    pub also: &'static [Binding],
}

/// What the extension in sight can be asked for (the resources list and detail, the beta view).
const ON_AN_EXTENSION: &[Binding] = &[
    Binding::DeploySetup,
    Binding::DeleteSetup,
    Binding::Validate,
    Binding::Generate,
    Binding::Test,
    Binding::Submit,
    Binding::ScaffoldInputs,
    Binding::ScaffoldInteg,
];

/// The actions of `screen`.
pub fn offer(screen: &Screen) -> Offer {
    use Binding::*;
    let (footer, also): (&'static [Binding], &'static [Binding]) = match screen {
        Screen::List(ViewKind::Resources) => (
            &[Open, DeploySetup, Test, ScaffoldInputs, Filter, Help, Quit],
            &[
                DeleteSetup,
                Validate,
                Generate,
                Submit,
                ScaffoldInteg,
                // Every stage of the board read again.
                Refresh,
            ],
        ),
        Screen::ResourceDetail(_) => (
            &[
                DeploySetup,
                Test,
                Validate,
                ScaffoldInputs,
                ScaffoldInteg,
                Back,
                Help,
                Quit,
            ],
            &[
                DeleteSetup,
                Generate,
                Submit,
                // The exports of the stage's region, read again.
                Refresh,
            ],
        ),
        Screen::List(ViewKind::Accounts) => (&[Open, Refresh, Back, CommandMode, Help, Quit], &[]),
        Screen::List(ViewKind::Events) => {
            (&[ToggleFollow, Up, Bottom, Refresh, Back, Help, Quit], &[])
        }
        Screen::List(ViewKind::Rollout) => (
            &[
                Open,
                RetryStage,
                StopExecution,
                Refresh,
                Up,
                Down,
                Back,
                Help,
                Quit,
            ],
            &[],
        ),
        Screen::List(ViewKind::Prod) => (&[Refresh, Up, Down, Back, CommandMode, Help, Quit], &[]),
        Screen::List(ViewKind::Beta) => (
            &[
                Open,
                RunInteg,
                RunIntegAll,
                Submit,
                Up,
                Down,
                Back,
                CommandMode,
                Help,
                Quit,
            ],
            ON_AN_EXTENSION,
        ),
        // j/k choose a job; pages, g and G move through its output.
        Screen::List(ViewKind::Jobs) => (
            &[CancelJob, Up, Down, PageUp, Back, Help, Quit],
            &[PageDown, Top, Bottom],
        ),
        Screen::List(ViewKind::Pipeline) => (
            &[
                Open,
                StartPipeline,
                RetryStage,
                StopExecution,
                Back,
                Help,
                Quit,
            ],
            &[Refresh],
        ),
        // The build's log scrolls; the execution's list of actions moves.
        Screen::Build(_) => (
            &[Up, Down, PageUp, Bottom, Back, Help, Quit],
            &[PageDown, Top],
        ),
        Screen::Execution(_) => (&[Back, Help, Quit], &[]),
        Screen::RolloutRegion(_) => (&[Refresh, Back, Help, Quit], &[]),
    };
    Offer { footer, also }
}

/// Every action `screen` accepts: its own (the footer's first), then those offered everywhere.
pub fn available_on(screen: &Screen) -> Vec<Binding> {
    let offer = offer(screen);
    let mut actions: Vec<Binding> = Vec::new();
    for binding in offer.footer.iter().chain(offer.also).chain(EVERYWHERE) {
        if !actions.contains(binding) {
            actions.push(*binding);
        }
    }
    actions
}

/// Every action the current screen accepts.
pub fn available(state: &AppState) -> Vec<Binding> {
    available_on(state.screen())
}

/// Every screen there is, one of each kind (for the keymap's check).
fn screens() -> Vec<Screen> {
    let mut screens: Vec<Screen> = ViewKind::ALL.iter().map(|v| Screen::List(*v)).collect();
    screens.extend([
        Screen::ResourceDetail(String::new()),
        Screen::Build(String::new()),
        Screen::Execution(String::new()),
        Screen::RolloutRegion(String::new()),
    ]);
    screens
}

/// Where `binding` is offered, for the notice of a key pressed elsewhere: the views whose list
/// offers it.
pub fn views_offering(binding: Binding) -> Vec<ViewKind> {
    ViewKind::ALL
        .iter()
        .copied()
        .filter(|view| available_on(&Screen::List(*view)).contains(&binding))
        .collect()
}

/// Two actions of one screen bound to one key, as `keys_of` gives each action's keys: one line
/// each, naming the key, the actions and a screen.
pub fn conflicts(keys_of: impl Fn(Binding) -> Vec<String>) -> Vec<String> {
    let mut found = Vec::new();
    for screen in screens() {
        let actions = available_on(&screen);
        for (at, first) in actions.iter().enumerate() {
            for second in &actions[at + 1..] {
                let theirs = keys_of(*second);
                for key in keys_of(*first).iter().filter(|k| theirs.contains(k)) {
                    let line = format!(
                        "keymap: {key} is bound to both {} and {} (both offered on the {} screen): bind one of them to another key",
                        first.name(),
                        second.name(),
                        screen_name(&screen)
                    );
                    if !found.contains(&line) {
                        found.push(line);
                    }
                }
            }
        }
    }
    found
}

fn screen_name(screen: &Screen) -> String {
    match screen {
        Screen::List(view) => view.name().to_string(),
        Screen::ResourceDetail(_) => "resource detail".into(),
        Screen::Build(_) => "build".into(),
        Screen::Execution(_) => "execution".into(),
        Screen::RolloutRegion(_) => "rollout region".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_keys_bind_no_two_actions_of_one_screen_to_one_key() {
        let defaults = |binding: Binding| {
            binding
                .default_keys()
                .iter()
                .map(|k| k.to_string())
                .collect()
        };
        assert_eq!(conflicts(defaults), Vec::<String>::new());
    }

    #[test]
    fn a_key_bound_to_two_actions_of_one_screen_is_reported() {
        // `d` for both deploy and delete: both are offered on the resources list.
        let keys = |binding: Binding| match binding {
            Binding::DeleteSetup => vec!["d".to_string()],
            other => other.default_keys().iter().map(|k| k.to_string()).collect(),
        };
        let found = conflicts(keys);
        assert!(
            found
                .iter()
                .any(|line| line.contains("d is bound to both deploy_setup and delete_setup")),
            "{found:?}"
        );
        // Two actions never offered on one screen may share a key.
        let shared = |binding: Binding| match binding {
            Binding::CancelJob => vec!["R".to_string()],
            Binding::RetryStage => vec!["R".to_string()],
            other => other.default_keys().iter().map(|k| k.to_string()).collect(),
        };
        assert_eq!(conflicts(shared), Vec::<String>::new());
    }

    #[test]
    fn every_screen_offers_help_quit_and_back_and_every_action_is_offered_somewhere() {
        for screen in screens() {
            let actions = available_on(&screen);
            for binding in [Binding::Help, Binding::Quit, Binding::Back] {
                assert!(actions.contains(&binding), "{screen:?} lacks {binding:?}");
            }
        }
        for binding in Binding::ALL {
            assert!(
                screens()
                    .iter()
                    .any(|screen| available_on(screen).contains(binding)),
                "{binding:?} is offered nowhere"
            );
        }
    }
}
