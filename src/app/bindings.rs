//! The one table of bindable actions: each one's name in keymap.yml, default keys, footer hint,
//! help text and the input it sends. The keymap, the footer, the help and the demo's guide all
//! read it, so a misspelled action does not compile and help cannot disagree with the keys.

use super::{Input, PipelineControl, ViewKind};
use crate::ops::cfn::CfnVerb;

macro_rules! bindings {
    ($($binding:ident: $name:literal, [$($key:literal),+], $hint:literal, $help:literal, $input:expr;)+) => {
        /// An action a key can be bound to.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Binding {
            $($binding,)+
        }

        impl Binding {
            /// Every binding, in the order help lists them.
            pub const ALL: &'static [Binding] = &[$(Binding::$binding,)+];

            /// The name keymap.yml uses.
            pub fn name(self) -> &'static str {
                match self {
                    $(Binding::$binding => $name,)+
                }
            }

            /// The keys it has unless keymap.yml says otherwise.
            pub fn default_keys(self) -> &'static [&'static str] {
                match self {
                    $(Binding::$binding => &[$($key),+],)+
                }
            }

            /// A word or two for the footer.
            pub fn hint(self) -> &'static str {
                match self {
                    $(Binding::$binding => $hint,)+
                }
            }

            /// What help says it does.
            pub fn help(self) -> &'static str {
                match self {
                    $(Binding::$binding => $help,)+
                }
            }

            /// What pressing it asks for.
            pub fn input(self) -> Input {
                match self {
                    $(Binding::$binding => $input,)+
                }
            }
        }
    };
}

bindings! {
    Quit: "quit", ["q"], "quit", "quit", Input::Quit;
    Help: "help", ["?"], "help", "this help", Input::Help;
    CommandMode: "command_mode", [":"], "command",
        "command: a view by name (:jobs, :prod …), :events STACK, :stage S, :region R, :q",
        Input::CommandMode;
    Filter: "filter", ["/"], "filter", "filter the list (Esc clears)", Input::Filter;
    Up: "up", ["up", "k"], "scroll", "up", Input::Up;
    Down: "down", ["down", "j"], "down", "down", Input::Down;
    PageUp: "page_up", ["pgup", "ctrl-b"], "page up", "page up", Input::PageUp;
    PageDown: "page_down", ["pgdown", "ctrl-f"], "page down", "page down", Input::PageDown;
    Top: "top", ["home", "g"], "top", "top", Input::Top;
    Bottom: "bottom", ["end", "G"], "newest", "bottom (events: follow again)", Input::Bottom;
    Open: "open", ["enter", "l"], "open", "open / drill down", Input::Open;
    Back: "back", ["esc", "h"], "back", "back", Input::Back;
    Refresh: "refresh", ["r"], "refresh", "refresh (events: resume polling)", Input::Refresh;
    DeploySetup: "deploy_setup", ["d"], "deploy setup", "deploy test/setup.yml", Input::DeploySetup;
    DeleteSetup: "delete_setup", ["D"], "delete setup", "delete the setup stack", Input::DeleteSetup;
    Validate: "validate", ["v"], "validate", "run cfn validate", Input::RunCfn(CfnVerb::Validate);
    Generate: "generate", ["n"], "generate", "run cfn generate", Input::RunCfn(CfnVerb::Generate);
    Test: "test", ["t"], "test", "run cfn test (after the preflight)", Input::RunCfn(CfnVerb::Test);
    Submit: "submit", ["u"], "submit",
        "run cfn submit --set-default to the stage's private registry (sandbox, beta)",
        Input::RunCfn(CfnVerb::Submit);
    ScaffoldInputs: "scaffold_inputs", ["s"], "inputs", "scaffold inputs/ (diff shown first)",
        Input::Scaffold { integ: false };
    ScaffoldInteg: "scaffold_integ", ["i"], "integ", "scaffold test/integ.yml (diff shown first)",
        Input::Scaffold { integ: true };
    ToggleFollow: "toggle_follow", ["f"], "follow", "follow the newest events", Input::ToggleFollow;
    CancelJob: "cancel_job", ["x"], "cancel", "cancel the job", Input::CancelJob;
    RunInteg: "run_integ", ["I"], "run integ", "run the integration tests in beta", Input::RunInteg;
    RunIntegAll: "run_integ_all", ["A"], "run all",
        "run every extension's integration tests in beta (4 at a time)", Input::RunIntegAll;
    StartPipeline: "start_pipeline", ["S"], "start", "pipeline: start an execution (asks first)",
        Input::ControlPipeline(PipelineControl::Start);
    RetryStage: "retry_stage", ["R"], "retry", "pipeline: retry the failed actions (asks first)",
        Input::ControlPipeline(PipelineControl::RetryFailed);
    StopExecution: "stop_execution", ["X"], "stop",
        "pipeline: stop the running execution (asks first)",
        Input::ControlPipeline(PipelineControl::Stop);
    Resources: "resources", ["1"], "resources", "resources view", Input::Show(ViewKind::Resources);
    Accounts: "accounts", ["2"], "accounts", "accounts view", Input::Show(ViewKind::Accounts);
    Events: "events", ["3"], "events", "events view", Input::Show(ViewKind::Events);
    Jobs: "jobs", ["4"], "jobs", "jobs view", Input::Show(ViewKind::Jobs);
    Pipeline: "pipeline", ["5"], "pipeline", "pipeline view (the stage's CodePipeline)",
        Input::Show(ViewKind::Pipeline);
    Beta: "beta", ["6"], "beta", "beta view (each extension's integration runs)",
        Input::Show(ViewKind::Beta);
    Prod: "prod", ["7"], "prod", "prod view (each extension's public version in every region)",
        Input::Show(ViewKind::Prod);
    Rollout: "rollout", ["8"], "rollout", "rollout view (the newest prod rollout, region by region)",
        Input::Show(ViewKind::Rollout);
}

impl Binding {
    /// The binding whose action is `input`, if a key can send it.
    pub fn of(input: &Input) -> Option<Binding> {
        Binding::ALL.iter().copied().find(|b| b.input() == *input)
    }

    /// The binding keymap.yml calls `name`.
    pub fn named(name: &str) -> Option<Binding> {
        Binding::ALL.iter().copied().find(|b| b.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_find_their_binding() {
        for binding in Binding::ALL {
            assert_eq!(Binding::named(binding.name()), Some(*binding));
            assert!(!binding.hint().is_empty() && !binding.help().is_empty());
        }
        assert_eq!(Binding::named("deploy_setupp"), None);
    }
}
