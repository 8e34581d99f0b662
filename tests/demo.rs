//! `regship demo` headless: the whole release from the first frame to the pipeline retry, with
//! the real reducer, runner, pollers and views on the demo adapter and tokio's paused clock.
//! Each phase is checked for what it must show and snapshot at 80x24 and 160x48; the same seed
//! gives the same timeline.

use std::path::Path;
use std::time::Duration;

use regship::tui::headless::Headless;

/// 2026-11-18 08:53:20 UTC: every run starts at the same instant.
const ORIGIN_MS: i64 = 1_795_000_000_000;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn demo(seed: u64) -> Headless {
    Headless::demo(Path::new(env!("CARGO_MANIFEST_DIR")), seed, ORIGIN_MS).unwrap()
}

/// Asserts that the screen shows `text` within `limit` of demo time.
async fn expect(demo: &mut Headless, text: &str, limit: Duration) {
    assert!(
        demo.wait_for(text, limit).await,
        "the screen never showed {text:?}:\n{}",
        demo.screen(160, 48)
    );
}

/// Every phase of the demo: (name, the screen at `size`); with `snapshots`, each phase is
/// also snapshot at 80x24 and 160x48.
async fn walk(seed: u64, snapshots: bool, size: (u16, u16)) -> Vec<(String, String)> {
    let mut demo = demo(seed);
    // The demo's first rollout starts with the demo: its clock starts here.
    let began = tokio::time::Instant::now();
    let mut phases = Vec::new();
    let mut phase = |demo: &Headless, name: &str| {
        // The guide's next key is one this screen offers (a later key may follow an `esc`).
        let guide = regship::app::guide::demo_guide(&demo.state).unwrap_or_default();
        if let Some(regship::app::guide::GuidePart::Key(first)) = guide
            .iter()
            .find(|part| matches!(part, regship::app::guide::GuidePart::Key(_)))
        {
            assert!(
                regship::app::available(&demo.state).contains(first),
                "{name}: the guide names {first:?}, which this screen does not offer"
            );
        }
        // The guide is never cut: its last words are on screen at 80x24 and 160x48.
        let words: String = guide
            .iter()
            .map(|part| match part {
                regship::app::guide::GuidePart::Text(text) => text.to_string(),
                regship::app::guide::GuidePart::Key(binding) => {
                    regship::ui::keymap::Keymap::default_keymap().label(*binding)
                }
            })
            .collect();
        let normal = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
        let ending: Vec<&str> = words.split_whitespace().collect();
        let ending = ending[ending.len().saturating_sub(3)..].join(" ");
        for (width, height) in [(80, 24), (160, 48)] {
            let shown = normal(&demo.screen(width, height));
            assert!(
                shown.contains(&ending),
                "{name} at {width}x{height}: the guide's end ({ending}) is cut:\n{}",
                demo.screen(width, height)
            );
        }
        if snapshots {
            insta::assert_snapshot!(format!("demo_{name}_80x24"), demo.render(80, 24));
            insta::assert_snapshot!(format!("demo_{name}_160x48"), demo.render(160, 48));
        }
        phases.push((name.to_string(), demo.screen(size.0, size.1)));
    };

    expect(&mut demo, "d deploys the setup stack", secs(2)).await;
    expect(
        &mut demo,
        "│ 111111111111 │ us-east-1 │ profile demo-sandbox  DEMO",
        secs(2),
    )
    .await;
    phase(&demo, "01_start");

    // The module (first row) has no setup stack: the resource is the second.
    demo.keys("j d");
    expect(&mut demo, "+ Bucket", secs(5)).await;
    phase(&demo, "02_change_set");

    demo.keys("y enter");
    expect(&mut demo, "ROLLBACK_COMPLETE", secs(30)).await;
    expect(&mut demo, "the setup stack failed", secs(1)).await;
    assert!(
        demo.screen(160, 48)
            .contains("not authorized to perform: s3:CreateBucket")
    );
    // At 80x24 too, the pinned reason is read whole, wrapped: from the handler's message to its
    // error code.
    let narrow = demo
        .screen(80, 24)
        .lines()
        .map(|line| line.trim_matches(|c| c == '│' || c == ' '))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        narrow.contains("not authorized to perform: s3:CreateBucket")
            && narrow.contains("(HandlerErrorCode: AccessDenied)"),
        "{}",
        demo.screen(80, 24)
    );
    phase(&demo, "03_rolled_back");

    demo.keys("esc D");
    expect(&mut demo, "Delete setup-S3-DeleteBucketContents", secs(5)).await;
    demo.keys("y enter");
    expect(&mut demo, "DELETE_COMPLETE", secs(20)).await;
    demo.keys("esc d");
    expect(&mut demo, "+ Bucket", secs(5)).await;
    demo.keys("y enter");
    expect(
        &mut demo,
        "✓ {{AwsCommunityS3DeleteBucketContentsBucket}} =",
        secs(30),
    )
    .await;
    phase(&demo, "04_deployed_with_exports");

    demo.keys("esc t");
    expect(&mut demo, "10 passed in", secs(20)).await;
    expect(&mut demo, "the contract tests passed", secs(1)).await;
    phase(&demo, "05_contract_tests");

    demo.command("stage cicd");
    demo.keys("5");
    expect(&mut demo, "✗ Build  Failed", secs(90)).await;
    expect(&mut demo, "a build failed", secs(1)).await;
    phase(&demo, "06_pipeline_failed");

    // The Source action is the first row, the extension's build the second.
    demo.keys("j enter");
    expect(
        &mut demo,
        "FAILED handler_update.py::contract_update_read_success",
        secs(10),
    )
    .await;
    expect(
        &mut demo,
        "the failed contract test is pinned above",
        secs(1),
    )
    .await;
    // At 80x24, where the log has scrolled past it, the failed test stays pinned.
    assert!(
        demo.screen(80, 24)
            .contains("✗ handler_update.py::contract_update_read_success"),
        "{}",
        demo.screen(80, 24)
    );
    phase(&demo, "07_build_log");

    demo.keys("esc R");
    expect(&mut demo, "Retry", secs(5)).await;
    phase(&demo, "08_retry_confirm");

    demo.keys("y enter");
    expect(&mut demo, "✓ Build  Succeeded", secs(120)).await;
    expect(&mut demo, "the release went through CI/CD", secs(1)).await;
    phase(&demo, "09_pipeline_passed");

    // Beta: yesterday's release made the long-lived copies; A runs every extension.
    demo.command("stage beta");
    demo.keys("6");
    expect(
        &mut demo,
        "yesterday's release made the long-lived copies",
        secs(5),
    )
    .await;
    expect(&mut demo, "CREATE_COMPLETE", secs(5)).await;
    phase(&demo, "10_beta");

    demo.keys("A");
    expect(
        &mut demo,
        "all runs ended: 1 passed, 1 allowed (alpha); nothing blocks the release",
        secs(300),
    )
    .await;
    expect(&mut demo, "✓ passed", secs(5)).await;
    expect(&mut demo, "the alpha module's break is allowed", secs(5)).await;
    expect(&mut demo, "! compatibility break (allowed: alpha)", secs(5)).await;
    phase(&demo, "11_beta_alpha_allowed");

    // The resource's working tree, submitted to beta as version 3, breaks its long-lived copy.
    demo.keys("j u");
    // As its help says: the working tree becomes the default version that `I` then tests.
    expect(&mut demo, "--set-default", secs(30)).await;
    expect(&mut demo, "version 00000003", secs(30)).await;
    // The guide says what the submit did and what comes next, not the sandbox's step.
    expect(&mut demo, "the new version is the default", secs(5)).await;
    let guide: Vec<_> = regship::app::guide::demo_guide(&demo.state)
        .unwrap_or_default()
        .to_vec();
    assert!(
        guide.contains(&regship::app::guide::GuidePart::Key(
            regship::app::bindings::Binding::RunInteg
        )),
        "{guide:?}"
    );
    demo.keys("6 I");
    expect(&mut demo, "integration run compatibility break", secs(300)).await;
    expect(
        &mut demo,
        "a compatibility break blocks the release",
        secs(5),
    )
    .await;
    expect(&mut demo, "blocks", secs(1)).await;
    // The selected run's reasons are read whole below the table, at 80x24 too.
    let narrow = demo
        .screen(80, 24)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        narrow.contains("update ended UPDATE_ROLLBACK_COMPLETE")
            && narrow.contains("InvalidRequest)"),
        "{}",
        demo.screen(80, 24)
    );
    phase(&demo, "12_beta_blocked");

    demo.keys("enter");
    expect(&mut demo, "UPDATE_ROLLBACK_COMPLETE", secs(30)).await;
    expect(&mut demo, "extraneous key", secs(5)).await;
    phase(&demo, "13_beta_break_pinned");

    // Prod: every region CloudFormation offers the account, and what is published there.
    demo.command("stage prod");
    demo.keys("7");
    // Today's rollout of 1.0.3 is on its way: some regions have it, the others lag.
    expect(&mut demo, "S3_DeleteBucketContents ", secs(30)).await;
    expect(&mut demo, "on 1.0.3", secs(1)).await;
    expect(&mut demo, "↓ 1.0.2", secs(1)).await;
    expect(&mut demo, "SecureBucket unpublished", secs(1)).await;
    expect(&mut demo, "each extension's public version", secs(1)).await;
    phase(&demo, "14_prod_versions");

    // The rollout the release started: region by region, one TestType failing on the way.
    demo.keys("8");
    expect(&mut demo, "rollout demo-rollout-0001", secs(30)).await;
    expect(&mut demo, "TestType FAILED", secs(1800)).await;
    expect(&mut demo, "me-south-1", secs(1)).await;
    phase(&demo, "15_rollout_failure");
    expect(
        &mut demo,
        "the rollout ended with a failed region",
        secs(1800),
    )
    .await;
    let first_rollout = began.elapsed();
    // No failure is allowed: the regions not started when it failed never start.
    expect(&mut demo, "0 running, 0 pending, 1 failed, ", secs(1)).await;
    expect(&mut demo, "never started", secs(1)).await;
    expect(&mut demo, "NotStarted", secs(1)).await;
    phase(&demo, "16_rollout_ended");

    // The retry: the failed region and those that never started, after the typed prod
    // confirmation; they pass.
    demo.keys("R");
    expect(
        &mut demo,
        "Start regship-publish-extension again in ",
        secs(10),
    )
    .await;
    expect(&mut demo, "the failed", secs(1)).await;
    phase(&demo, "17_rollout_retry_confirm");
    for key in ["p", "r", "o", "d", "enter"] {
        demo.keys(key);
    }
    let retried = tokio::time::Instant::now();
    expect(&mut demo, "rollout demo-rollout-0002", secs(30)).await;
    expect(&mut demo, "0 running, 0 pending, 0 failed", secs(1800)).await;
    // The retry runs on the demo's time scale too: it ends within the first rollout's time.
    assert!(
        retried.elapsed() <= first_rollout,
        "the retry took {:?}, the first rollout {first_rollout:?}",
        retried.elapsed()
    );
    expect(&mut demo, "every region published", secs(5)).await;
    phase(&demo, "18_rollout_retried");

    // At a glance: the versions read again, and the resources view shows each extension's
    // coverage; the region the publisher is not verified in still lacks the new version.
    demo.keys("7");
    expect(
        &mut demo,
        "S3_DeleteBucketContents 25/26 on 1.0.3",
        secs(30),
    )
    .await;
    demo.keys("1");
    expect(&mut demo, "PROD", secs(1)).await;
    expect(&mut demo, "25/26 on 1.0.3", secs(1)).await;
    expect(&mut demo, "alpha: none", secs(1)).await;
    phase(&demo, "19_resources_prod_coverage");
    phases
}

#[tokio::test(start_paused = true)]
async fn the_demo_walks_the_release_from_sandbox_to_the_pipeline_retry() {
    walk(1, true, (160, 48)).await;
}

#[tokio::test(start_paused = true)]
async fn the_same_seed_gives_the_same_timeline() {
    let first = walk(7, false, (160, 48)).await;
    let second = walk(7, false, (160, 48)).await;
    assert_eq!(first, second);
    let other = walk(8, false, (160, 48)).await;
    assert_eq!(
        other.len(),
        first.len(),
        "every phase is reached with any seed"
    );
    assert_ne!(first, other, "another seed draws other names and timings");
}

/// The pictures of the views in the README and `docs/tui.md`: each `<!-- view: PHASE -->` block
/// is that demo phase at 100x30. `REGSHIP_UPDATE_README=1` (`make readme-views`) rewrites them;
/// otherwise a picture that drifted from the code fails here.
#[tokio::test(start_paused = true)]
async fn the_readme_shows_the_views_as_the_demo_draws_them() {
    let phases = walk(1, false, (100, 30)).await;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (file, least) in [("README.md", 2), ("docs/tui.md", 6)] {
        let path = root.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let (updated, pictures) = with_pictures(&text, &phases, file);
        assert!(
            pictures >= least,
            "{file} shows the main views ({pictures} found)"
        );
        if std::env::var_os("REGSHIP_UPDATE_README").is_some() {
            std::fs::write(&path, &updated).unwrap();
        } else {
            assert!(
                updated == text,
                "{file}'s pictures of the views differ from what the demo draws: run `make readme-views` and review the diff"
            );
        }
    }
}

/// `text` with each view block drawn again from `phases`; how many blocks it has.
fn with_pictures(text: &str, phases: &[(String, String)], file: &str) -> (String, usize) {
    let mut updated = String::new();
    let mut rest = text;
    let mut pictures = 0;
    while let Some(start) = rest.find("<!-- view: ") {
        let name_end = start
            + rest[start..]
                .find(" -->")
                .expect("a view marker ends with -->");
        let name = &rest[start + 11..name_end];
        let end = name_end
            + rest[name_end..]
                .find("<!-- /view -->")
                .expect("a view block ends");
        let (_, screen) = phases
            .iter()
            .find(|(phase, _)| phase == name)
            .unwrap_or_else(|| panic!("{file} names a demo phase that does not exist: {name}"));
        updated.push_str(&rest[..name_end + 4]);
        updated.push_str(&format!("\n```text\n{screen}\n```\n"));
        rest = &rest[end..];
        pictures += 1;
    }
    updated.push_str(rest);
    (updated, pictures)
}

/// The demo deploys a setup template that uses rain directives as it deploys any other: the
/// change-set dialog lists what packaging put in the demo account's artifact bucket, and the
/// next deploy finds the same content there ("unchanged").
#[tokio::test(start_paused = true)]
async fn the_demo_packages_templates_with_rain_directives() {
    let dir = tempfile::tempdir().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR"));
    let copied = std::process::Command::new("cp")
        .arg("-r")
        .arg(source.join("resources"))
        .arg(source.join("release"))
        .arg(source.join("regship.yml"))
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(copied.success());
    let test = dir.path().join("resources/S3_DeleteBucketContents/test");
    std::fs::create_dir_all(test.join("handler")).unwrap();
    std::fs::write(
        test.join("handler/index.py"),
        "def handler(event, context):\n    return None\n",
    )
    .unwrap();
    let setup = std::fs::read_to_string(test.join("setup.yml")).unwrap().replace(
        "Resources:\n",
        "Resources:\n  Cleaner:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n      Handler: index.handler\n      Role: !Sub \"arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cleaner\"\n      Code: !Rain::S3 {Path: handler, BucketProperty: S3Bucket, KeyProperty: S3Key}\n",
    );
    std::fs::write(test.join("setup.yml"), setup).unwrap();

    let mut demo = Headless::demo(dir.path(), 7, ORIGIN_MS).unwrap();
    expect(&mut demo, "d deploys the setup stack", secs(2)).await;
    demo.keys("d");
    expect(
        &mut demo,
        "packaged into regship-artifacts-111111111111-us-east-1:",
        secs(5),
    )
    .await;
    expect(&mut demo, "uploaded handler (", secs(1)).await;
    expect(&mut demo, "+ Cleaner", secs(1)).await;
    demo.keys("n enter");
    demo.wait(secs(2)).await;
    demo.keys("d");
    expect(&mut demo, "unchanged handler (", secs(5)).await;
}
