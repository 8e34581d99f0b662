//! The events view and the changes that lead to it: plans to confirm, a change started, events polled, outputs and exports after success.

use super::super::*;

/// Applies a result of this view.
pub(super) fn apply(state: &mut AppState, result: EventsResult) -> Vec<Command> {
    match result {
        EventsResult::Polled {
            events,
            problem,
            stopped,
        } => {
            let now = state.now_ms;
            if let Some(view) = &mut state.events {
                let settled_before = view.watch.outcome().is_some();
                let added = view.watch.merge(events.into_iter().rev().collect()).len();
                if !view.follow {
                    view.scroll_up += added;
                }
                view.problem = problem;
                view.stopped = stopped;
                view.updated_ms = Some(now);
                let mut commands = Vec::new();
                // A setup stack that just settled changes its row of the board: read it now.
                let is_setup_stack = state.extensions.value().is_some_and(|extensions| {
                    extensions
                        .iter()
                        .any(|e| e.setup_stack == view.watch.stack_name)
                });
                if !settled_before && view.watch.outcome().is_some() && is_setup_stack {
                    commands.push(Command::ReadBoard {
                        stages: vec![view.stage],
                    });
                }
                if view.watch.outcome() == Some(true) && view.outputs.is_none() {
                    let (stage, stack) = (view.stage, view.watch.stack.clone());
                    commands.push(Command::LoadOutputs {
                        generation: state.generation,
                        stage,
                        stack,
                    });
                }
                return commands;
            }
        }
        EventsResult::PlanReady(plan) => {
            state.dialog = Some(Dialog::Confirm {
                plan: Box::new(plan),
                yes: false,
                typed: String::new(),
            });
        }
        EventsResult::NothingToChange(message) => {
            state.dialog = Some(Dialog::Message {
                title: "Nothing to change".into(),
                body: message,
            });
        }
        EventsResult::ChangeFailed(message) => {
            state.dialog = Some(Dialog::Message {
                title: "The change did not start".into(),
                body: message,
            });
        }
        EventsResult::ChangeStarted {
            stage,
            stack_id,
            after,
        } => {
            state.dialog = None;
            let start = after.map_or(Start::Beginning, Start::After);
            return follow(state, stage, &stack_id, start);
        }
        EventsResult::OutputsLoaded { outputs, exports } => {
            let references = state
                .events
                .as_ref()
                .and_then(|view| {
                    state
                        .extensions
                        .value()?
                        .iter()
                        .find(|e| e.setup_stack == view.watch.stack_name)
                })
                .map(|extension| {
                    let names = crate::workspace::unique_export_names(&extension.references);
                    names
                        .into_iter()
                        .map(|name| {
                            let value = exports
                                .iter()
                                .find(|e| e.name == name)
                                .map(|e| e.value.clone());
                            (name, value)
                        })
                        .collect()
                })
                .unwrap_or_default();
            if let Some(view) = &mut state.events {
                view.outputs = Some(outputs);
                view.references = references;
            }
        }
    }
    Vec::new()
}
