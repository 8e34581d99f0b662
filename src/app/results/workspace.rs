//! The workspace read (again, after a scaffold wrote files) and the scaffold's plan and result.

use super::super::*;

/// Applies a result of this view.
pub(super) fn apply(state: &mut AppState, result: WorkspaceResult) -> Vec<Command> {
    match result {
        WorkspaceResult::Loaded(Ok(extensions)) => {
            state.extensions = Loadable::Loaded {
                value: extensions,
                at_ms: state.now_ms,
            };
            if state.view() == ViewKind::Resources && state.readiness.read_ms.is_none() {
                return read_board(state);
            }
        }
        WorkspaceResult::Loaded(Err(message)) => {
            state.extensions = Loadable::Failed {
                message,
                at_ms: state.now_ms,
            };
        }
        WorkspaceResult::ScaffoldPlanned(Ok(plan)) => {
            if plan.preview().is_empty() {
                let mut body = if plan.writes.is_empty() {
                    "nothing to write".to_string()
                } else {
                    "the files already have this content".to_string()
                };
                for note in &plan.notes {
                    body.push_str(&format!("\n{note}"));
                }
                state.dialog = Some(Dialog::Message {
                    title: "Nothing to write".into(),
                    body,
                });
            } else {
                state.dialog = Some(Dialog::Scaffold { plan, yes: false });
            }
        }
        WorkspaceResult::ScaffoldPlanned(Err(message)) => {
            state.dialog = Some(Dialog::Message {
                title: "Cannot scaffold".into(),
                body: message,
            });
        }
        WorkspaceResult::ScaffoldApplied(result) => {
            state.dialog = None;
            match result {
                Ok(applied) => {
                    let backups = if applied.backups.is_empty() {
                        String::new()
                    } else {
                        format!(" (old content kept in {})", applied.backups.join(", "))
                    };
                    notice(
                        state,
                        format!("wrote {}{backups}", applied.written.join(", ")),
                        false,
                    );
                }
                Err(message) => notice(state, message, true),
            }
        }
    }
    Vec::new()
}
