//! The prod kit's publish document (release/publish-extension.yml): its parameters, steps,
//! branches and outputs; its check steps run with a stand-in boto3 to prove that a failure says
//! why in the API's own words; moto keeps it current through the port (created, unchanged,
//! a new default version). And the publishing regions from moto's public parameters.

mod support;

use regship::cloud::port::capabilities::*;
use std::path::Path;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_sdk_account::operation::list_regions::ListRegionsOutput;
use aws_sdk_account::types::{Region, RegionOptStatus};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use regship::cloud::aws::{AwsCloud, Clients};
use regship::cloud::context::{Overrides, StageContext};
use regship::cloud::guard::AccountGuard;
use regship::cloud::{
    Canary, Cloud, DocumentChange, Identity, RegionOptIn, RolloutRequest, canary_document,
};
use regship::config::{Stage, WorkspaceConfig};
use regship::ops::regions::{RegionFacts, decide};
use serde_norway::Value;
use support::moto::{block_on, moto};

fn document_text() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("release/publish-extension.yml"),
    )
    .unwrap()
}

fn document() -> Value {
    serde_norway::from_str(&document_text()).unwrap()
}

fn steps(document: &Value) -> Vec<&Value> {
    document["mainSteps"]
        .as_sequence()
        .unwrap()
        .iter()
        .collect()
}

fn step<'a>(document: &'a Value, name: &str) -> &'a Value {
    steps(document)
        .into_iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no step {name}"))
}

/// Every `{{ X }}` in `text`.
fn references(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let end = rest[start..].find("}}").unwrap() + start;
        found.push(rest[start + 2..end].trim().to_string());
        rest = &rest[end + 2..];
    }
    found
}

#[test]
fn the_document_registers_tests_and_publishes_one_region_in_order() {
    let document = document();
    assert_eq!(document["schemaVersion"], "0.3");
    assert_eq!(document["assumeRole"], "{{ AutomationAssumeRole }}");
    let parameters = document["parameters"].as_mapping().unwrap();
    for name in [
        "TypeName",
        "Kind",
        "SchemaHandlerPackage",
        "ExecutionRoleArn",
        "LogRoleArn",
        "LogGroupName",
        "LogDeliveryBucket",
        "SetupStackName",
        "SetupTemplateKey",
        "SetupStackRoleArn",
        "Configuration",
        "Publish",
        "PublicVersionNumber",
        "KeepPrivateVersions",
        "LogRetentionDays",
        "AutomationAssumeRole",
    ] {
        assert!(parameters.contains_key(name), "parameter {name}");
    }
    assert_eq!(document["parameters"]["Publish"]["type"], "Boolean");
    assert_eq!(
        document["parameters"]["PublicVersionNumber"]["default"], "",
        "left out on a first publish"
    );
    assert_eq!(
        document["parameters"]["Kind"]["allowedValues"],
        serde_norway::from_str::<Value>("[RESOURCE, HOOK, MODULE]").unwrap()
    );

    let names: Vec<&str> = steps(&document)
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "KeepHandlerLogs",
            "HasSetupStack",
            "RemoveLeftoverSetupStack",
            "DeploySetupStack",
            "ExplainSetupFailure",
            "RegisterType",
            "WaitForRegistration",
            "CheckRegistration",
            "SetDefaultVersion",
            "HasConfiguration",
            "SetConfiguration",
            "TestType",
            "WaitForTests",
            "CheckTests",
            "ShouldPublish",
            "WasPublishedHere",
            "FirstOrNumbered",
            "PublishFirstVersion",
            "PublishNumberedVersion",
            "ReadPublicVersion",
            "DeregisterOldVersions",
            "CleanUp",
            "DeleteSetupStack",
            "Done",
        ]
    );
    // The registry calls, each with the API's own error when it fails.
    for (name, api) in [
        ("SetDefaultVersion", "SetTypeDefaultVersion"),
        ("SetConfiguration", "SetTypeConfiguration"),
        ("TestType", "TestType"),
        ("PublishFirstVersion", "PublishType"),
        ("PublishNumberedVersion", "PublishType"),
    ] {
        let step = step(&document, name);
        assert_eq!(step["action"], "aws:executeAwsApi", "{name}");
        assert_eq!(step["inputs"]["Service"], "cloudformation", "{name}");
        assert_eq!(step["inputs"]["Api"], api, "{name}");
    }
    assert!(
        step(&document, "PublishFirstVersion")["inputs"]
            .get("PublicVersionNumber")
            .is_none(),
        "a first publish sends no version number"
    );
    // Each wait ends on success or failure alike; the check after it fails on the failure.
    for (wait, api, selector, values) in [
        (
            "WaitForRegistration",
            "DescribeTypeRegistration",
            "$.ProgressStatus",
            "[COMPLETE, FAILED]",
        ),
        (
            "WaitForTests",
            "DescribeType",
            "$.TypeTestsStatus",
            "[PASSED, FAILED]",
        ),
    ] {
        let inputs = &step(&document, wait)["inputs"];
        assert_eq!(inputs["Api"], api);
        assert_eq!(inputs["PropertySelector"], selector);
        assert_eq!(
            inputs["DesiredValues"],
            serde_norway::from_str::<Value>(values).unwrap()
        );
    }
    // Tests left NOT_TESTED past the bound: the wait gives way to the check, which says so.
    let wait = step(&document, "WaitForTests");
    assert_eq!(wait["isCritical"], false);
    assert_eq!(wait["onFailure"], "step:CheckTests");
    assert!(wait["timeoutSeconds"].as_u64().unwrap() <= 2 * 3600);

    // Branches and failure paths go to steps that exist.
    let mut jumps: Vec<(String, String)> = Vec::new();
    for step in steps(&document) {
        let name = step["name"].as_str().unwrap().to_string();
        if step["action"] == "aws:branch" {
            jumps.push((
                name.clone(),
                step["inputs"]["Default"].as_str().unwrap().into(),
            ));
            for choice in step["inputs"]["Choices"].as_sequence().unwrap() {
                jumps.push((name.clone(), choice["NextStep"].as_str().unwrap().into()));
            }
        }
        for key in ["onFailure", "nextStep"] {
            if let Some(target) = step[key].as_str() {
                let target = target.strip_prefix("step:").unwrap_or(target);
                if !["Abort", "Continue"].contains(&target) {
                    jumps.push((name.clone(), target.to_string()));
                }
            }
        }
    }
    for (from, to) in &jumps {
        assert!(names.contains(&to.as_str()), "{from} -> {to}");
    }
    // Whatever fails after the setup stack was created, the clean-up runs: every critical
    // step that can fail goes to CleanUp (or explains itself first), and the setup stack is
    // deleted at the end of both paths.
    for step in steps(&document) {
        let name = step["name"].as_str().unwrap();
        let action = step["action"].as_str().unwrap();
        if ["aws:branch", "aws:sleep", "aws:deleteStack"].contains(&action) {
            continue;
        }
        let on_failure = step["onFailure"].as_str().unwrap_or("Abort");
        assert!(
            on_failure.starts_with("step:") || step["isCritical"] == false,
            "{name} fails without cleaning up ({on_failure})"
        );
    }
    assert_eq!(
        step(&document, "CleanUp")["inputs"]["Default"],
        "DeleteSetupStack"
    );
    assert_eq!(step(&document, "DeleteSetupStack")["isEnd"], true);
    assert_eq!(
        step(&document, "DeploySetupStack")["inputs"]["StackName"],
        "{{ SetupStackName }}"
    );
    assert_eq!(
        step(&document, "DeploySetupStack")["onFailure"],
        "step:ExplainSetupFailure",
        "the region's failure is the setup stack's own reason"
    );
    assert_eq!(
        step(&document, "RemoveLeftoverSetupStack")["onFailure"],
        "Continue",
        "a stack left by a stopped rollout is replaced"
    );
    assert_eq!(
        step(&document, "HasConfiguration")["inputs"]["Default"],
        "SetConfiguration"
    );
    assert_eq!(
        step(&document, "ShouldPublish")["inputs"]["Choices"][0]["BooleanEquals"],
        true
    );
    assert_eq!(
        step(&document, "FirstOrNumbered")["inputs"]["Choices"][1]["Variable"],
        "{{ WasPublishedHere.Published }}",
        "a region where the type was never published gets no number"
    );

    // Every reference is a parameter, a system variable or an output of an earlier step.
    let text = document_text();
    let mut outputs: Vec<String> = Vec::new();
    for (index, step) in steps(&document).iter().enumerate() {
        let body = serde_norway::to_string(step).unwrap();
        for reference in references(&body) {
            if reference.starts_with("global:") {
                assert!(
                    ["global:ACCOUNT_ID", "global:REGION"].contains(&reference.as_str()),
                    "{reference}"
                );
            } else if let Some((from, output)) = reference.split_once('.') {
                let earlier = steps(&document)[..index].iter().any(|s| s["name"] == from);
                assert!(earlier, "{reference} names no earlier step");
                assert!(
                    outputs.contains(&reference),
                    "{reference}: {from} has no output {output}"
                );
            } else {
                assert!(parameters.contains_key(reference.as_str()), "{reference}");
            }
        }
        let name = step["name"].as_str().unwrap();
        for output in step["outputs"].as_sequence().into_iter().flatten() {
            outputs.push(format!("{name}.{}", output["Name"].as_str().unwrap()));
        }
    }
    assert!(text.contains("{{ AutomationAssumeRole }}"));
    let declared: Vec<&str> = document["outputs"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|o| o.as_str().unwrap())
        .collect();
    assert_eq!(
        declared,
        [
            "CheckRegistration.TypeVersionArn",
            "ReadPublicVersion.PublicVersionNumber"
        ]
    );
    for output in declared {
        assert!(outputs.contains(&output.to_string()), "{output}");
    }
}

/// Every parameter that takes an ARN, a bucket, a key, a log group or a stack name has an
/// `allowedPattern`, and the patterns take what regship sends and refuse what AWS would.
#[test]
fn every_parameter_that_names_a_resource_is_constrained() {
    let document = document();
    let pattern = |name: &str| {
        regex::Regex::new(
            document["parameters"][name]["allowedPattern"]
                .as_str()
                .unwrap_or_else(|| panic!("{name} has no allowedPattern")),
        )
        .unwrap()
    };
    for (name, good, bad) in [
        (
            "ExecutionRoleArn",
            "arn:aws:iam::123456789012:role/awscommunity-s3-deletebucketcontents-prod-role-stack-ExecutionRole-AB12",
            "arn:aws:iam::123:role/x",
        ),
        ("ExecutionRoleArn", "", "role/x"),
        (
            "LogRoleArn",
            "arn:aws:iam::123456789012:role/regship-prod-LogDeliveryRole-1",
            "",
        ),
        (
            "AutomationAssumeRole",
            "arn:aws-cn:iam::123456789012:role/AWS-SystemsManager-AutomationExecutionRole",
            "arn:aws:iam::123456789012:user/me",
        ),
        ("LogGroupName", "/regship/extensions", "bad group name!"),
        (
            "LogDeliveryBucket",
            "regship-prod-testlogbucket-1a2b",
            "Bad_Bucket",
        ),
        (
            "SchemaHandlerPackage",
            "s3://regship-prod-handlerpackagebucket-1/awscommunity-s3-deletebucketcontents/abc.zip",
            "https://example.com/a.zip",
        ),
        (
            "SetupStackName",
            "setup-prod-awscommunity-s3-deletebucketcontents",
            "setup-prod-AwsCommunity-S3",
        ),
        (
            "SetupTemplateKey",
            "setup/awscommunity-s3-deletebucketcontents/ab12.yaml",
            "a b",
        ),
        ("KeepPrivateVersions", "5", "50"),
        (
            "Configuration",
            "{\"ExcludedBuckets\": []}",
            "ExcludedBuckets=[]",
        ),
        ("Configuration", "", "[1, 2]"),
    ] {
        let compiled = pattern(name);
        assert!(compiled.is_match(good), "{name} refuses {good}");
        assert!(!compiled.is_match(bad), "{name} takes {bad}");
    }
}

fn canary_text() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("release/publish-canary.yml"),
    )
    .unwrap()
}

/// The canary document declares each of the publish document's parameters as it does (type,
/// pattern, default) and passes every one through to both nested runs; every `{{ }}` in it
/// resolves; and what `rollout start --canary` sends is exactly what it declares.
#[test]
fn the_canary_document_passes_every_parameter_through_to_both_runs() {
    let publish = document();
    let text = canary_text();
    let canary: Value = serde_norway::from_str(&text).unwrap();
    let own = canary["parameters"].as_mapping().unwrap();
    let passed = publish["parameters"].as_mapping().unwrap();
    for (name, declared) in passed {
        assert_eq!(
            own.get(name),
            Some(declared),
            "{name:?} is declared as the publish document does"
        );
    }
    let nested: Vec<&Value> = steps(&canary)
        .into_iter()
        .filter(|s| s["action"] == "aws:executeAutomation")
        .collect();
    assert_eq!(nested.len(), 2, "the canary's run, then the others'");
    for step in &nested {
        let runtime = step["inputs"]["RuntimeParameters"].as_mapping().unwrap();
        assert_eq!(runtime.len(), passed.len(), "{:?}", step["name"]);
        for (name, _) in passed {
            let name = name.as_str().unwrap();
            assert_eq!(runtime[name], format!("{{{{ {name} }}}}"), "{name}");
        }
        let location = &step["inputs"]["TargetLocations"][0];
        assert_eq!(location["Accounts"][0], "{{ TargetAccount }}");
        assert_eq!(location["ExecutionRoleName"], "{{ ExecutionRoleName }}");
    }
    assert_eq!(
        nested[0]["inputs"]["TargetLocations"][0]["Regions"][0],
        "{{ CanaryRegion }}"
    );
    assert_eq!(
        nested[0]["onFailure"], "step:CanaryDidNotPublish",
        "a canary that fails ends the run before the others"
    );
    assert_eq!(
        step(&canary, "CanaryPublished")["inputs"]["Choices"][0]["NextStep"],
        "Others"
    );
    for reference in references(&text) {
        let declared = own.contains_key(reference.as_str());
        assert!(
            declared || reference == "Canary.Status",
            "{{{{ {reference} }}}} resolves to nothing"
        );
    }
    // What the adapter sends for a canary run of every publish parameter.
    let request = RolloutRequest {
        document: "regship-publish-extension".into(),
        parameters: passed
            .keys()
            .map(|k| (k.as_str().unwrap().to_string(), "x".to_string()))
            .collect(),
        regions: vec!["us-east-1".into(), "eu-west-1".into()],
        ..RolloutRequest::default()
    };
    let canary_of = Canary {
        document: canary_document("regship-publish-extension"),
        region: "us-east-1".into(),
    };
    let sent: Vec<String> = request
        .canary_run_parameters(&canary_of)
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    let declared: Vec<String> = own
        .keys()
        .map(|k| k.as_str().unwrap().to_string())
        .collect();
    let mut sorted_sent = sent.clone();
    sorted_sent.sort();
    let mut sorted_declared = declared.clone();
    sorted_declared.sort();
    assert_eq!(sorted_sent, sorted_declared);
    // And read back, the request is the one started.
    let parameters = request.canary_run_parameters(&canary_of);
    let back = RolloutRequest::from_canary_run(&canary_of.document, &parameters).unwrap();
    assert_eq!(back.regions, request.regions);
    assert_eq!(back.canary, Some(canary_of));
    assert_eq!(back.document, "regship-publish-extension");
}

/// Runs a step's script with a stand-in boto3 whose CloudFormation client answers `answer` (a
/// Python dict literal) to every call, or raises TypeNotFoundException when `answer` is
/// `"not found"`; what it printed (the return value, or the exception's message) and the calls
/// it made, as `name kwargs` lines.
fn run_script_calls(step_name: &str, answer: &str, payload: &str) -> (String, Vec<String>) {
    let document = document();
    let step = step(&document, step_name);
    let script = step["inputs"]["Script"].as_str().unwrap();
    let handler = step["inputs"]["Handler"].as_str().unwrap();
    let harness = format!(
        r#"
import json, sys, types
calls = []
class TypeNotFoundException(Exception):
    pass
class CFNRegistryException(Exception):
    pass
class Client:
    exceptions = types.SimpleNamespace(
        TypeNotFoundException=TypeNotFoundException, CFNRegistryException=CFNRegistryException
    )
    def __getattr__(self, name):
        def call(**kwargs):
            calls.append(name + " " + json.dumps(kwargs, sort_keys=True))
            answer = {answer}
            if answer == "not found" and name == "describe_type":
                raise TypeNotFoundException("not found")
            return answer if isinstance(answer, dict) else {{"PublisherId": "p"}}
        return call
boto3 = types.ModuleType("boto3")
boto3.client = lambda service: Client()
sys.modules["boto3"] = boto3
namespace = {{}}
exec(sys.stdin.read(), namespace)
try:
    print("returned", namespace["{handler}"]({payload}, None))
except Exception as error:
    print("raised", error)
for line in calls:
    print(line)
"#
    );
    use std::io::Write;
    let mut python = std::process::Command::new(support::venv_tool("python"))
        .args(["-c", &harness])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    python
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let output = python.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = String::from_utf8_lossy(&output.stdout).to_string();
    let mut lines = printed.lines().map(String::from);
    let result = lines.next().unwrap_or_default();
    (result, lines.collect())
}

/// The printed result alone.
fn run_script(step_name: &str, answer: &str, payload: &str) -> String {
    run_script_calls(step_name, answer, payload).0
}

#[test]
fn a_failed_registration_or_test_run_fails_with_the_apis_own_words() {
    let failed = run_script(
        "CheckRegistration",
        r#"{"ProgressStatus": "FAILED", "Description": "Deployment failed: the account is not a verified publisher"}"#,
        r#"{"RegistrationToken": "t"}"#,
    );
    assert_eq!(
        failed,
        "raised RegisterType FAILED: Deployment failed: the account is not a verified publisher"
    );
    let complete = run_script(
        "CheckRegistration",
        r#"{"ProgressStatus": "COMPLETE", "TypeVersionArn": "arn:aws:cloudformation:eu-west-1:1:type/resource/A-B-C/00000003"}"#,
        r#"{"RegistrationToken": "t"}"#,
    );
    assert!(complete.contains("/00000003"), "{complete}");
    let tests_failed = run_script(
        "CheckTests",
        r#"{"TypeTestsStatus": "FAILED", "TypeTestsStatusDescription": "contract_update_read_success failed"}"#,
        r#"{"TypeVersionArn": "arn"}"#,
    );
    assert_eq!(
        tests_failed,
        "raised TestType FAILED: contract_update_read_success failed"
    );
    let passed = run_script(
        "CheckTests",
        r#"{"TypeTestsStatus": "PASSED"}"#,
        r#"{"TypeVersionArn": "arn"}"#,
    );
    assert_eq!(passed, "returned {'TypeTestsStatus': 'PASSED'}");
    let not_tested = run_script(
        "CheckTests",
        r#"{"TypeTestsStatus": "NOT_TESTED"}"#,
        r#"{"TypeVersionArn": "arn"}"#,
    );
    assert!(
        not_tested.starts_with("raised TestType NOT_TESTED: the contract tests had not started"),
        "{not_tested}"
    );
    let setup = run_script(
        "ExplainSetupFailure",
        r#"{"StackEvents": [
            {"ResourceStatus": "ROLLBACK_COMPLETE", "LogicalResourceId": "setup-prod-a"},
            {"ResourceStatus": "CREATE_FAILED", "LogicalResourceId": "Topic", "ResourceStatusReason": "Resource creation cancelled"},
            {"ResourceStatus": "CREATE_FAILED", "LogicalResourceId": "Bucket", "ResourceStatusReason": "Access Denied"}]}"#,
        r#"{"StackName": "setup-prod-a"}"#,
    );
    assert_eq!(
        setup, "raised setup-prod-a: CREATE_FAILED: Bucket: Access Denied",
        "the first failure, not the cancellations it caused"
    );
}

/// RegisterType: a resource or a hook with its handler role and logging; a module with neither
/// (RegisterType refuses an empty role ARN); a resource without a role is refused before the
/// call, in words.
/// The handlers' log group is made (or found) with its retention before anything registers:
/// CloudFormation would make it without one, keeping the logs for ever.
#[test]
fn the_handler_log_group_gets_its_retention_first() {
    let payload = r#"{"LogGroupName": "/regship/extensions", "Days": "90"}"#;
    let (result, calls) = run_script_calls("KeepHandlerLogs", "{}", payload);
    assert!(result.contains("'RetentionInDays': 90"), "{result}");
    assert_eq!(
        calls,
        [
            r#"create_log_group {"logGroupName": "/regship/extensions"}"#,
            r#"put_retention_policy {"logGroupName": "/regship/extensions", "retentionInDays": 90}"#,
        ]
    );
    assert_eq!(steps(&document())[0]["name"], "KeepHandlerLogs");
}

#[test]
fn a_module_registers_without_a_role_and_a_resource_with_one() {
    let payload = |kind: &str, role: &str| {
        format!(
            r#"{{"Kind": "{kind}", "TypeName": "A::B::C", "SchemaHandlerPackage": "s3://b/k.zip", "ExecutionRoleArn": "{role}", "LogRoleArn": "arn:aws:iam::1:role/log", "LogGroupName": "/g"}}"#
        )
    };
    let role = "arn:aws:iam::123456789012:role/handler";
    let (result, calls) = run_script_calls(
        "RegisterType",
        r#"{"RegistrationToken": "token-1"}"#,
        &payload("RESOURCE", role),
    );
    assert_eq!(result, "returned {'RegistrationToken': 'token-1'}");
    assert_eq!(calls.len(), 1);
    assert!(calls[0].starts_with("register_type "), "{calls:?}");
    assert!(calls[0].contains(&format!(r#""ExecutionRoleArn": "{role}""#)));
    assert!(calls[0].contains(r#""LoggingConfig""#));
    let (_, calls) = run_script_calls(
        "RegisterType",
        r#"{"RegistrationToken": "token-2"}"#,
        &payload("MODULE", ""),
    );
    assert!(!calls[0].contains("ExecutionRoleArn"), "{calls:?}");
    assert!(calls[0].contains(r#""Type": "MODULE""#));
    let (refused, calls) = run_script_calls(
        "RegisterType",
        r#"{"RegistrationToken": "t"}"#,
        &payload("HOOK", ""),
    );
    assert_eq!(
        refused,
        "raised RegisterType of a HOOK needs ExecutionRoleArn, the handler role"
    );
    assert!(calls.is_empty());
}

/// Where the type was published before a number is given; where it never was, none; old
/// private versions beyond the newest few are deregistered, never the default.
#[test]
fn the_version_is_chosen_per_region_and_old_versions_are_deregistered() {
    let payload = r#"{"TypeName": "A::B::C", "Kind": "RESOURCE"}"#;
    let (never, _) = run_script_calls("WasPublishedHere", r#""not found""#, payload);
    assert_eq!(never, "returned {'Published': 'false'}");
    let (before, _) = run_script_calls(
        "WasPublishedHere",
        r#"{"PublisherId": "p", "LatestPublicVersion": "1.0.2"}"#,
        payload,
    );
    assert_eq!(before, "returned {'Published': 'true'}");

    let versions: Vec<String> = (1..=8)
        .map(|n| {
            format!(
                r#"{{"Arn": "arn:v{n}", "VersionId": "0000000{n}", "TimeCreated": "2026-12-0{n}", "IsDefaultVersion": {}}}"#,
                if n == 2 { "True" } else { "False" }
            )
        })
        .collect();
    let (result, calls) = run_script_calls(
        "DeregisterOldVersions",
        &format!(r#"{{"TypeVersionSummaries": [{}]}}"#, versions.join(", ")),
        r#"{"TypeName": "A::B::C", "Kind": "RESOURCE", "Keep": "5"}"#,
    );
    // The newest five (8..4) stay; of 3, 2, 1 the default (2) stays too.
    assert_eq!(
        result,
        "returned {'Deregistered': ['00000003', '00000001']}"
    );
    assert_eq!(
        calls
            .iter()
            .filter(|c| c.starts_with("deregister_type"))
            .count(),
        2
    );
}

async fn moto_config(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_ssm::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .endpoint_url(endpoint)
        .retry_config(RetryConfig::disabled())
        .load()
        .await
}

fn prod_context() -> StageContext {
    let config = WorkspaceConfig::parse(
        "accounts:\n  prod: {region: us-east-1, account_id: \"123456789012\"}\n",
        "test",
    )
    .unwrap();
    StageContext::new(&config, Stage::Prod, &Overrides::default())
}

#[test]
fn moto_keeps_the_document_current_and_versioned() {
    let (moto, _serial) = moto();
    block_on(document_versions(&moto.endpoint));
}

async fn document_versions(endpoint: &str) {
    let config = moto_config(endpoint).await;
    let cloud = AwsCloud::from_clients(prod_context(), Clients::new(&config));
    let authorization = AccountGuard::default()
        .check_account(
            cloud.context(),
            &Identity {
                account: "123456789012".into(),
                arn: "arn:aws:iam::123456789012:role/release".into(),
            },
            "publish",
        )
        .unwrap();
    let text = document_text();
    let name = "regship-publish-extension";
    let created = cloud
        .put_automation_document(&authorization, name, &text)
        .await
        .unwrap();
    assert_eq!(
        (created.version.as_str(), created.change),
        ("1", DocumentChange::Created)
    );
    let again = cloud
        .put_automation_document(&authorization, name, &text)
        .await
        .unwrap();
    assert_eq!(
        (again.version.as_str(), again.change),
        ("1", DocumentChange::Unchanged)
    );
    let changed = text.replace("Publishes one CloudFormation", "Publishes a CloudFormation");
    let updated = cloud
        .put_automation_document(&authorization, name, &changed)
        .await
        .unwrap();
    assert_eq!(
        (updated.version.as_str(), updated.change),
        ("2", DocumentChange::Updated)
    );
    let described = aws_sdk_ssm::Client::new(&config)
        .describe_document()
        .name(name)
        .send()
        .await
        .unwrap()
        .document
        .unwrap();
    assert_eq!(described.latest_version.as_deref(), Some("2"));
    assert_eq!(
        described.default_version.as_deref(),
        Some("2"),
        "the new version is the default"
    );
    assert_eq!(
        described.document_type,
        Some(aws_sdk_ssm::types::DocumentType::Automation)
    );
    // Someone made version 1 the default again by hand: the file's content (version 2) is
    // made the default again, no new version.
    let ssm = aws_sdk_ssm::Client::new(&config);
    ssm.update_document_default_version()
        .name(name)
        .document_version("1")
        .send()
        .await
        .unwrap();
    let restored = cloud
        .put_automation_document(&authorization, name, &changed)
        .await
        .unwrap();
    assert_eq!(
        (restored.version.as_str(), restored.change),
        ("2", DocumentChange::DefaultRestored)
    );
    let described = ssm.describe_document().name(name).send().await.unwrap();
    assert_eq!(
        described.document.unwrap().default_version.as_deref(),
        Some("2")
    );
    // The canary document is an Automation document moto takes too.
    let canary = cloud
        .put_automation_document(&authorization, &canary_document(name), &canary_text())
        .await
        .unwrap();
    assert_eq!(canary.change, DocumentChange::Created);
}

/// moto's public parameters list CloudFormation's regions of several partitions; the account
/// API is mocked (moto does not serve ListRegions).
#[test]
fn publishing_regions_from_the_public_parameters_and_the_opt_in_status() {
    let (moto, _serial) = moto();
    block_on(publishing_regions(&moto.endpoint));
}

async fn publishing_regions(endpoint: &str) {
    let config = moto_config(endpoint).await;
    let listed = mock!(aws_sdk_account::Client::list_regions).then_output(|| {
        let region = |name: &str, status: RegionOptStatus| {
            Region::builder()
                .region_name(name)
                .region_opt_status(status)
                .build()
        };
        ListRegionsOutput::builder()
            .regions(region("us-east-1", RegionOptStatus::EnabledByDefault))
            .regions(region("eu-west-1", RegionOptStatus::EnabledByDefault))
            .regions(region("me-south-1", RegionOptStatus::Enabled))
            .regions(region("af-south-1", RegionOptStatus::Disabled))
            .regions(region("ap-east-2", RegionOptStatus::Enabling))
            .build()
    });
    let account = mock_client!(aws_sdk_account, RuleMode::Sequential, &[&listed]);
    let cloud = AwsCloud::from_clients(
        prod_context(),
        Clients {
            account,
            ..Clients::new(&config)
        },
    );
    let offered = cloud.service_regions("cloudformation").await.unwrap();
    assert!(offered.len() > 30, "{offered:?}");
    for region in ["us-east-1", "cn-north-1", "us-gov-west-1", "me-south-1"] {
        assert!(offered.iter().any(|r| r == region), "{region}: {offered:?}");
    }
    let partitions = cloud.region_partitions(&offered).await.unwrap();
    assert_eq!(partitions.len(), offered.len(), "one per region, 10 a call");
    let partition = |region: &str| {
        partitions
            .iter()
            .find(|(r, _)| r == region)
            .map(|(_, p)| p.as_str())
    };
    assert_eq!(partition("cn-north-1"), Some("aws-cn"));
    assert_eq!(partition("us-gov-west-1"), Some("aws-us-gov"));
    assert_eq!(partition("eu-west-1"), Some("aws"));
    let opt_in = cloud.region_opt_in().await.unwrap();
    assert!(opt_in.contains(&("me-south-1".to_string(), RegionOptIn::Enabled)));

    let prod = WorkspaceConfig::parse(
        "accounts:\n  prod: {regions: all, exclude_regions: [eu-west-1]}\n",
        "test",
    )
    .unwrap()
    .accounts
    .prod;
    let rows = decide(
        &prod,
        &RegionFacts {
            partition: "aws".into(),
            offered,
            partitions,
            opt_in,
        },
    );
    let included: Vec<&str> = rows
        .iter()
        .filter(|r| r.included)
        .map(|r| r.region.as_str())
        .collect();
    assert_eq!(included, ["me-south-1", "us-east-1"]);
    let reason = |region: &str| {
        rows.iter()
            .find(|r| r.region == region)
            .unwrap()
            .reason
            .clone()
    };
    assert!(reason("cn-north-1").contains("aws-cn partition"));
    assert!(reason("eu-west-1").contains("exclude_regions"));
    assert!(reason("af-south-1").contains("has not enabled"));
    assert!(reason("ap-east-2").contains("being enabled"));
}

/// Where Account ListRegions is not served (moto does not), EC2 DescribeRegions with AllRegions
/// answers instead: one request signed by regship itself, each region's opt-in status read.
#[test]
fn the_regions_come_from_ec2_where_list_regions_is_not_served() {
    let (moto, _serial) = moto();
    block_on(async {
        let config = moto_config(&moto.endpoint).await;
        let listed = aws_sdk_account::Client::new(&config)
            .list_regions()
            .send()
            .await;
        assert!(listed.is_err(), "moto serves ListRegions now: {listed:?}");
        let cloud = AwsCloud::from_clients(prod_context(), Clients::new(&config));
        let opt_in = cloud.region_opt_in().await.unwrap();
        assert!(opt_in.len() > 20, "{opt_in:?}");
        assert!(opt_in.contains(&("us-east-1".to_string(), RegionOptIn::EnabledByDefault)));
        let statuses: std::collections::BTreeSet<RegionOptIn> =
            opt_in.iter().map(|(_, status)| *status).collect();
        assert!(
            statuses.contains(&RegionOptIn::Disabled) || statuses.contains(&RegionOptIn::Enabled),
            "opt-in regions are told apart: {opt_in:?}"
        );
        // An endpoint that answers nothing: the error names both calls.
        let dead = moto_config("http://127.0.0.1:9").await;
        let error = AwsCloud::from_clients(prod_context(), Clients::new(&dead))
            .region_opt_in()
            .await
            .unwrap_err();
        assert!(error.message.contains("ListRegions"), "{error:?}");
    });
}
