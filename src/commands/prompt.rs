//! Questions on the terminal: typed-ahead input is discarded first, end of input answers no.

use std::io::{BufRead, IsTerminal, Write};

use crate::cloud::guard::Prompt;

/// Asks on stderr and reads one line of stdin.
pub struct StdinPrompt;

impl Prompt for StdinPrompt {
    fn ask(&mut self, question: &str) -> String {
        let stdin = std::io::stdin();
        if stdin.is_terminal() {
            // A buffered Enter must not answer a question that was not shown yet.
            // SAFETY: tcflush on the process's own stdin descriptor has no memory effects.
            unsafe {
                libc::tcflush(libc::STDIN_FILENO, libc::TCIFLUSH);
            }
        }
        eprint!("{question}");
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        match stdin.lock().read_line(&mut answer) {
            Ok(0) | Err(_) => {
                eprintln!();
                String::new()
            }
            Ok(_) => answer,
        }
    }
}
