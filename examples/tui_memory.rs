//! Prints the resident memory of the TUI's state after following a stack through 100,000
//! events, in a process of its own (target: under 60 MB): `cargo run --release --example tui_memory`.

use regship::app::EventsResult;
use regship::app::{self, AppState, Input, TaskResult};
use regship::cloud::fake::generated_events;
use regship::config::Stage;

fn rss_mib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

fn main() {
    let mut state = AppState::new("bench", Stage::Sandbox);
    app::update(&mut state, Input::CommandMode);
    for c in "events big".chars() {
        app::update(&mut state, Input::InputChar(c));
    }
    app::update(&mut state, Input::InputSubmit);
    let generation = state.generation;
    // Events arrive as a follower receives them: a thousand at a time.
    for start in (0..100_000u64).step_by(1_000) {
        let batch = generated_events(start..start + 1_000);
        app::update(
            &mut state,
            TaskResult::new(
                generation,
                EventsResult::Polled {
                    events: batch,
                    problem: None,
                    stopped: false,
                },
            ),
        );
    }
    let view = state.events.as_ref().expect("following");
    println!(
        "after 100,000 events: {} retained (history cap {}), RSS {:.1} MiB, peak {:.1} MiB",
        view.watch.events.len(),
        view.watch.history_cap,
        rss_mib("VmRSS:"),
        rss_mib("VmHWM:")
    );
}
