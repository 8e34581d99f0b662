//! A time-bounded mutation fuzzer of every parser a user's files reach (`make fuzz`): the
//! repository's own templates, schemas, inputs and config files are mutated (byte flips,
//! insertions, deletions, splices, CloudFormation tokens) and fed to each parser, and now and
//! then a whole extension is loaded, checked and scaffolded. A panic saves the input under
//! target/fuzz-crashes/ and fails the run. Stable Rust, no coverage guidance.
//!
//! cargo run --release --example fuzz_parsers -- [SECONDS]

#[path = "../tests/support/parsers.rs"]
mod parsers;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const TOKENS: &[&str] = &[
    "!Ref ",
    "!GetAtt ",
    "!Sub ",
    "!If ",
    "!Select ",
    "!ImportValue ",
    "!Frob ",
    "!Rain::S3 ",
    "!Rain::Embed ",
    "!Rain::Include ",
    "!Rain::Constant ",
    "!Rain::Module ",
    "Rain:\n  Constants:\n    ",
    "&a ",
    "*a",
    "<<: *a",
    ": ",
    ":\n  ",
    "\n- ",
    "\t",
    "{{",
    "}}",
    "${",
    "}",
    "{",
    "[",
    "]",
    "\"",
    "'",
    "|\n",
    "? ",
    "---\n",
    "...\n",
    "#",
    "\\u0000",
    "\u{feff}",
    "null",
    "1e999",
    "-0",
    "~",
];

fn seeds(root: &Path) -> Vec<Vec<u8>> {
    let mut found = Vec::new();
    let mut stack: Vec<PathBuf> = [
        "resources",
        "release",
        "assets",
        "regship.yml",
        "tests/fixtures",
    ]
    .iter()
    .map(|p| root.join(p))
    .collect();
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            if let Ok(entries) = std::fs::read_dir(&path) {
                stack.extend(entries.flatten().map(|e| e.path()));
            }
        } else {
            let extension = path
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or_default();
            let wanted = matches!(extension, "yml" | "yaml" | "json")
                || path.file_name().is_some_and(|n| n == ".rpdk-config");
            if wanted
                && let Ok(bytes) = std::fs::read(&path)
                && bytes.len() < 64 * 1024
            {
                found.push(bytes);
            }
        }
    }
    found
}

fn mutate(rng: &mut fastrand::Rng, input: &mut Vec<u8>, seeds: &[Vec<u8>]) {
    for _ in 0..rng.usize(1..8) {
        let len = input.len();
        match rng.u8(0..6) {
            0 if len > 0 => {
                let at = rng.usize(0..len);
                input[at] ^= 1 << rng.u8(0..8);
            }
            1 => {
                let at = rng.usize(0..=len);
                input.insert(at, rng.u8(..));
            }
            2 if len > 0 => {
                let start = rng.usize(0..len);
                let end = (start + rng.usize(1..32)).min(len);
                input.drain(start..end);
            }
            3 if len > 0 => {
                let start = rng.usize(0..len);
                let end = (start + rng.usize(1..64)).min(len);
                let copy = input[start..end].to_vec();
                let at = rng.usize(0..=input.len());
                input.splice(at..at, copy);
            }
            4 => {
                let other = &seeds[rng.usize(0..seeds.len())];
                if !other.is_empty() {
                    let start = rng.usize(0..other.len());
                    let end = (start + rng.usize(1..256)).min(other.len());
                    let at = rng.usize(0..=len);
                    input.splice(at..at, other[start..end].iter().copied());
                }
            }
            _ => {
                let token = TOKENS[rng.usize(0..TOKENS.len())].as_bytes();
                let at = rng.usize(0..=len);
                input.splice(at..at, token.iter().copied());
            }
        }
    }
    input.truncate(256 * 1024);
}

fn main() {
    let seconds: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let seeds = seeds(root);
    assert!(!seeds.is_empty(), "no seed files under {}", root.display());
    let crashes = root.join("target/fuzz-crashes");
    std::panic::set_hook(Box::new(|_| {})); // panics are reported below, with their input
    let mut rng = fastrand::Rng::new();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let (mut runs, mut loads, mut crashed) = (0u64, 0u64, 0u64);
    while Instant::now() < deadline {
        let mut input = seeds[rng.usize(0..seeds.len())].clone();
        mutate(&mut rng, &mut input, &seeds);
        let text = String::from_utf8_lossy(&input).into_owned();
        let load = runs % 200 == 0;
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            parsers::parse_everything(&text);
            if load {
                parsers::load_and_check(&[
                    (".rpdk-config", br#"{"typeName": "Fuzz::Thing::Resource"}"#),
                    ("fuzz-thing-resource.json", &input),
                    ("inputs/inputs_1_create.json", &input),
                    ("example_inputs/inputs_1_create.json", &input),
                    ("test/setup.yml", &input),
                ]);
                parsers::plan_pipeline(&text);
            }
        }));
        runs += 1;
        loads += u64::from(load);
        if outcome.is_err() {
            crashed += 1;
            std::fs::create_dir_all(&crashes).unwrap();
            let file = crashes.join(format!("crash-{runs}.txt"));
            std::fs::write(&file, &input).unwrap();
            eprintln!("panic on input saved to {}", file.display());
        }
    }
    println!(
        "fuzz_parsers: {runs} inputs ({:.0}/s) from {} seeds, {loads} whole-extension loads and pipeline plans, {crashed} panics, {seconds} s",
        runs as f64 / seconds as f64,
        seeds.len()
    );
    if crashed > 0 {
        std::process::exit(1);
    }
}
