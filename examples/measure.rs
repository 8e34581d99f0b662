//! Runs one command and prints its wall time (ms), peak RSS (KiB) and exit code, for
//! scripts/bench.py. A small Rust parent keeps what a child inherits across fork and exec (the
//! kernel counts the parent's pages in the child's peak RSS) to a few MiB, the same for every
//! command measured; Python's own 40+ MiB would otherwise swamp the figures.
//!
//! measure STDOUT_FILE COMMAND [ARGS...]

use std::process::{Command, Stdio};
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(output), Some(program)) = (args.next(), args.next()) else {
        eprintln!("usage: measure STDOUT_FILE COMMAND [ARGS...]");
        std::process::exit(2);
    };
    let stdout = std::fs::File::create(&output).expect("the output file can be created");
    let started = Instant::now();
    #[expect(
        clippy::zombie_processes,
        reason = "reaped by wait4 below, which also reports its peak RSS"
    )]
    let child = Command::new(&program)
        .args(args)
        .stdout(stdout)
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|err| panic!("{program} does not start: {err}"));
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child; both pointers are to live locals.
    let waited = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert!(waited > 0, "wait4 failed");
    let wall_ms = started.elapsed().as_secs_f64() * 1000.0;
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    println!("{wall_ms:.3} {} {code}", usage.ru_maxrss);
}
