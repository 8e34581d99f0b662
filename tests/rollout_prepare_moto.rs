//! What `rollout start` makes ready before the automation, against moto through the AWS
//! adapter: the handler role's stack (`<type-lowercase>-prod-role-stack`) deployed from the
//! generated role template with a trust that admits every publishing region, and each target
//! region given the publish document (documents are regional) and the setup template, staged
//! under one key in that region's own artifact bucket.

mod support;

use regship::cloud::guard::Authorization;
use regship::cloud::{Cloud, DocumentChange, StageRegions};
use regship::config::Stage;
use regship::ops::handler_role::{self, regions_not_admitted};
use regship::ops::rollout::{DOCUMENT, DOCUMENT_FILE, document_drift, prepare_regions};
use regship::workspace::Workspace;
use support::moto::{block_on, moto};

const ACCOUNT: &str = "123456789012";

fn stage(endpoint: &str) -> StageRegions {
    support::moto::stage_regions(endpoint, Stage::Prod, ACCOUNT)
}

fn authorization(cloud: &dyn Cloud) -> Authorization {
    support::authorization(cloud, ACCOUNT)
}

/// A copy of the example workspace (the prod account is ACCOUNT), loaded.
fn example() -> (tempfile::TempDir, Workspace) {
    let dir = support::example_workspace(ACCOUNT);
    let workspace = Workspace::load(dir.path());
    (dir, workspace)
}

/// The demo's 26 publishing regions.
fn publishing_regions() -> Vec<String> {
    "us-east-1 us-east-2 us-west-1 us-west-2 af-south-1 ap-east-1 ap-south-1 ap-south-2 \
     ap-northeast-1 ap-northeast-2 ap-northeast-3 ap-southeast-1 ap-southeast-2 \
     ap-southeast-3 ap-southeast-4 ca-central-1 eu-central-1 eu-central-2 eu-west-1 \
     eu-west-2 eu-west-3 eu-north-1 eu-south-1 eu-south-2 me-central-1 sa-east-1"
        .split_whitespace()
        .map(String::from)
        .collect()
}

#[test]
fn the_handler_role_is_deployed_once_with_a_trust_for_every_region() {
    let (moto, _serial) = moto();
    let (_dir, workspace) = example();
    let extension = workspace
        .find_extension("AwsCommunity::S3::DeleteBucketContents")
        .unwrap()
        .clone();
    let module = workspace
        .extensions
        .iter()
        .find(|e| e.type_name().is_some_and(|t| t.ends_with("::MODULE")))
        .unwrap()
        .clone();
    block_on(async {
        let stage = stage(&moto.endpoint);
        let home = stage.home().await.unwrap();
        let authorization = authorization(home.as_ref());
        let poll = std::time::Duration::from_millis(50);
        let arn = handler_role::deploy(home.as_ref(), &authorization, &extension, poll)
            .await
            .unwrap()
            .expect("a resource has a handler role");
        assert!(
            arn.starts_with(&format!("arn:aws:iam::{ACCOUNT}:role/")),
            "{arn}"
        );
        let stack = "awscommunity-s3-deletebucketcontents-prod-role-stack";
        let deployed = home.stack_template(stack).await.unwrap();
        let missing = regions_not_admitted(
            &deployed,
            ("aws", ACCOUNT),
            &extension,
            &publishing_regions(),
        )
        .unwrap();
        assert!(missing.is_empty(), "not admitted: {missing:?}");
        // The file in the extension is untouched (cfn generate owns it).
        let file = std::fs::read_to_string(extension.dir.join("resource-role.yaml")).unwrap();
        assert!(file.contains("${AWS::Region}"));
        // Again: the same role (nothing to update).
        let again = handler_role::deploy(home.as_ref(), &authorization, &extension, poll)
            .await
            .unwrap();
        assert_eq!(again.as_deref(), Some(arn.as_str()));
        // A module has no handlers and no role.
        assert_eq!(
            handler_role::deploy(home.as_ref(), &authorization, &module, poll)
                .await
                .unwrap(),
            None
        );
    });
}

#[test]
fn each_region_gets_the_document_and_the_setup_template_in_its_own_bucket() {
    let (moto, _serial) = moto();
    let (dir, workspace) = example();
    let extension = workspace
        .find_extension("AwsCommunity::S3::DeleteBucketContents")
        .unwrap()
        .clone();
    let setup = extension.setup.first().unwrap();
    let source = (
        extension.file(&setup.path),
        setup.path.clone(),
        setup.text.clone(),
    );
    let document = std::fs::read_to_string(dir.path().join(DOCUMENT_FILE)).unwrap();
    let regions: Vec<String> = ["us-east-1", "eu-west-1", "ap-southeast-2"]
        .iter()
        .map(|r| r.to_string())
        .collect();
    block_on(async {
        let stage = stage(&moto.endpoint);
        let home = stage.home().await.unwrap();
        let authorization = authorization(home.as_ref());
        // What `--dry-run` reads: each region's default against the file, nothing changed.
        let drift = |stage: &StageRegions, regions: &[String]| {
            let (stage, regions, document) = (stage.clone(), regions.to_vec(), document.clone());
            async move {
                document_drift(&stage, regions, &document)
                    .await
                    .into_iter()
                    .map(|r| {
                        let r = r.unwrap();
                        (r.region, r.default_version, r.current)
                    })
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(
            drift(&stage, &regions).await,
            [
                ("ap-southeast-2".to_string(), None, false),
                ("eu-west-1".to_string(), None, false),
                ("us-east-1".to_string(), None, false),
            ],
            "absent everywhere, and still absent after the read"
        );
        let ready = prepare_regions(
            &stage,
            regions.clone(),
            &authorization,
            &document,
            Some(source.clone()),
        )
        .await
        .unwrap();
        assert_eq!(
            ready.iter().map(|r| r.region.as_str()).collect::<Vec<_>>(),
            ["ap-southeast-2", "eu-west-1", "us-east-1"]
        );
        assert!(
            ready
                .iter()
                .all(|r| r.document_change == DocumentChange::Created)
        );
        let key = ready[0].setup_template_key.clone().unwrap();
        assert!(key.starts_with("setup/"), "{key}");
        for region in &regions {
            let cloud = stage.region(region).await.unwrap();
            let bucket = format!("regship-artifacts-{ACCOUNT}-{region}");
            assert!(
                cloud
                    .has_object(regship::cloud::ObjectRef {
                        bucket: &bucket,
                        key: &key
                    })
                    .await
                    .unwrap(),
                "{region}: the setup template is in its own bucket"
            );
        }
        // Again: the documents are current already, the key is the same.
        let again = prepare_regions(
            &stage,
            regions.clone(),
            &authorization,
            &document,
            Some(source),
        )
        .await
        .unwrap();
        assert!(
            again
                .iter()
                .all(|r| r.document_change == DocumentChange::Unchanged
                    && r.setup_template_key.as_deref() == Some(key.as_str())),
            "{again:?}"
        );
        assert!(DOCUMENT.starts_with("regship-"));
        // Version 1 is the file's content in every region, as the plan records it.
        let sha = regship::ops::rollout::document_sha256(&document);
        assert!(
            again
                .iter()
                .all(|r| r.document_version == "1" && r.document_sha256 == sha),
            "{again:?}"
        );
        // A region whose document was changed by hand runs the file's content again after the
        // next preparation (as a retry does); the others are untouched.
        let edited = document.replace("Publishes one", "Publishes, by hand, one");
        stage
            .region("eu-west-1")
            .await
            .unwrap()
            .put_automation_document(&authorization, DOCUMENT, &edited)
            .await
            .unwrap();
        assert_eq!(
            drift(&stage, &regions).await[1],
            ("eu-west-1".to_string(), Some("2".to_string()), false),
            "the hand-made version is the default there"
        );
        let retried = prepare_regions(&stage, regions.clone(), &authorization, &document, None)
            .await
            .unwrap();
        let changes: Vec<(&str, DocumentChange, &str)> = retried
            .iter()
            .map(|r| {
                (
                    r.region.as_str(),
                    r.document_change,
                    r.document_version.as_str(),
                )
            })
            .collect();
        assert_eq!(
            changes,
            [
                ("ap-southeast-2", DocumentChange::Unchanged, "1"),
                // Version 1 holds the file's content (SSM refuses a duplicate version): it is
                // the default again.
                ("eu-west-1", DocumentChange::DefaultRestored, "1"),
                ("us-east-1", DocumentChange::Unchanged, "1"),
            ]
        );
        assert!(
            drift(&stage, &regions)
                .await
                .iter()
                .all(|(_, _, current)| *current),
            "every region's default is the file's again"
        );
    });
}
