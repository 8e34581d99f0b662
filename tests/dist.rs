//! The release archive CodeBuild installs regship from: `scripts/dist.sh` packs the binary with its
//! SHA-256; the binary needs no glibc newer than the CodeBuild image's (standard:7.0, Ubuntu 22.04:
//! glibc 2.35); `resources/install-regship.sh` downloads it from S3 (moto), installs it only when
//! its SHA-256 is the pinned one, and says why not otherwise.

mod support;

use std::path::Path;
use std::process::Command;

use object::read::elf::ElfFile64;

/// The glibc of aws/codebuild/standard:7.0 (Ubuntu 22.04).
const CODEBUILD_GLIBC: (u32, u32) = (2, 35);

/// Every `GLIBC_x.y` version the binary at `path` requires (its ELF version needs: of libc and
/// the dynamic loader).
fn glibc_versions(path: &Path) -> Vec<(u32, u32)> {
    let data = std::fs::read(path).unwrap();
    let file = ElfFile64::<object::Endianness>::parse(&*data).unwrap();
    let endian = file.endian();
    let sections = file.elf_section_table();
    let (mut needs, link) = sections
        .gnu_verneed(endian, &*data)
        .unwrap()
        .expect("a dynamically linked binary has version needs");
    let strings = sections.strings(endian, &*data, link).unwrap();
    let mut versions = Vec::new();
    while let Some((_, mut auxiliaries)) = needs.next().unwrap() {
        while let Some(auxiliary) = auxiliaries.next().unwrap() {
            let name =
                String::from_utf8_lossy(auxiliary.name(endian, strings).unwrap()).into_owned();
            if let Some(version) = name.strip_prefix("GLIBC_") {
                let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap());
                versions.push((parts.next().unwrap(), parts.next().unwrap_or(0)));
            }
        }
    }
    versions.sort_unstable();
    versions.dedup();
    versions
}

/// The binary, the one under test or the release build `make test` made.
fn binary() -> std::path::PathBuf {
    std::env::var_os("REGSHIP_BIN")
        .map(Into::into)
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_regship").into())
}

#[test]
fn the_binary_runs_on_the_codebuild_images_glibc() {
    let versions = glibc_versions(&binary());
    assert!(!versions.is_empty(), "no GLIBC version need was read");
    let newest = *versions.last().unwrap();
    assert!(
        newest <= CODEBUILD_GLIBC,
        "the binary needs GLIBC_{}.{}, newer than CodeBuild standard:7.0's {}.{}: {versions:?}",
        newest.0,
        newest.1,
        CODEBUILD_GLIBC.0,
        CODEBUILD_GLIBC.1
    );
}

/// What `make dist` makes of a binary: the archive and its checksum file.
fn dist(dir: &Path) -> (std::path::PathBuf, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/dist.sh");
    let output = Command::new(script)
        .arg(binary())
        .arg("9.9.9")
        .arg(dir)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", support::output_text(&output));
    let archive = dir.join("regship-9.9.9-linux-x86_64.tar.gz");
    let line =
        std::fs::read_to_string(dir.join("regship-9.9.9-linux-x86_64.tar.gz.sha256")).unwrap();
    let sha = line.split_whitespace().next().unwrap().to_string();
    assert!(String::from_utf8_lossy(&output.stdout).contains(&sha));
    (archive, sha)
}

/// The archive holds the binary alone, as built (its line tables kept: a panic in CodeBuild names
/// file and line), and the same binary gives the same archive (so its checksum can be pinned and
/// checked again).
#[test]
fn dist_packs_the_binary_with_its_checksum() {
    let first = tempfile::tempdir().unwrap();
    let (archive, sha) = dist(first.path());
    let computed = Command::new("sha256sum").arg(&archive).output().unwrap();
    assert!(String::from_utf8_lossy(&computed.stdout).starts_with(&sha));
    let listing = Command::new("tar")
        .arg("-tzf")
        .arg(&archive)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&listing.stdout), "regship\n");
    let unpacked = tempfile::tempdir().unwrap();
    assert!(
        Command::new("tar")
            .arg("-xzf")
            .arg(&archive)
            .arg("-C")
            .arg(unpacked.path())
            .status()
            .unwrap()
            .success()
    );
    let packed = unpacked.path().join("regship");
    assert!(
        std::fs::read(&packed).unwrap() == std::fs::read(binary()).unwrap(),
        "the archive holds the binary as built"
    );
    let version = Command::new(&packed).arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("regship "));
    let second = tempfile::tempdir().unwrap();
    assert_eq!(
        dist(second.path()).1,
        sha,
        "the same binary gives the same archive"
    );
}

/// Runs the install script with `environment`, the .venv's AWS CLI against moto.
fn install(
    moto: &support::moto::Moto,
    into: &Path,
    environment: &[(&str, &str)],
) -> std::process::Output {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin");
    let mut command =
        Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("resources/install-regship.sh"));
    command
        .env_clear()
        .env(
            "PATH",
            format!(
                "{}:{}",
                venv.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("HOME", into)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .env("INSTALL_DIR", into);
    for (name, value) in environment {
        command.env(name, value);
    }
    command.output().unwrap()
}

/// The download step of the beta build: the archive is fetched from the artifact bucket and
/// installed only when its SHA-256 is the pinned one; a different archive, a missing pin or a
/// malformed one installs nothing and says so.
#[test]
fn the_build_installs_only_the_archive_whose_checksum_is_pinned() {
    let (moto, _serial) = support::moto::moto();
    let dir = tempfile::tempdir().unwrap();
    let (archive, sha) = dist(dir.path());
    moto.put_object(
        "regship-beta-artifacts",
        "tools/regship.tar.gz",
        &std::fs::read(&archive).unwrap(),
    );
    let location = "s3://regship-beta-artifacts/tools/regship.tar.gz";

    let into = tempfile::tempdir().unwrap();
    let wrong = "0".repeat(64);
    for (environment, problem) in [
        (
            vec![
                ("REGSHIP_ARCHIVE", location),
                ("REGSHIP_SHA256", wrong.as_str()),
            ],
            "not the pinned",
        ),
        (vec![("REGSHIP_ARCHIVE", location)], "must both be set"),
        (
            vec![("REGSHIP_ARCHIVE", location), ("REGSHIP_SHA256", "abc")],
            "is not a SHA-256",
        ),
    ] {
        let output = install(moto, into.path(), &environment);
        assert!(!output.status.success(), "{environment:?}");
        assert!(
            support::output_text(&output).contains(problem),
            "{}",
            support::output_text(&output)
        );
        assert!(
            !into.path().join("regship").exists(),
            "installed with {environment:?}"
        );
    }

    let output = install(
        moto,
        into.path(),
        &[("REGSHIP_ARCHIVE", location), ("REGSHIP_SHA256", &sha)],
    );
    assert!(output.status.success(), "{}", support::output_text(&output));
    assert!(
        support::output_text(&output)
            .contains("installed regship from s3://regship-beta-artifacts/tools/regship.tar.gz")
    );
    let version = Command::new(into.path().join("regship"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("regship "));
}
