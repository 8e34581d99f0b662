//! The prod kit's roles, evaluated: every call each step of the publish document (and of the
//! canary document that starts it in many regions) makes (read
//! from the document: its executeAwsApi and wait steps' APIs, its scripts' client calls, its
//! stack actions, the roles it passes and the objects it reads) is allowed by the policy that
//! `release/prod.yml` gives the role that makes it, and calls just beside them (another
//! namespace, another bucket, another stack, a role passed to another service, a role name in
//! another case) are not. The evaluator follows AWS's documented policy evaluation logic for
//! identity policies ("Policy evaluation logic" in the IAM user guide): denied unless a
//! statement allows; an explicit deny wins; actions match without regard to case, resources and
//! condition values with it; a condition on a key the request does not carry is not met.

mod support;

use std::collections::BTreeMap;

use regship::config::Stage;
use regship::ops::handler_role;
use std::path::Path;

use serde_norway::Value;

const ACCOUNT: &str = "444455556666";
const REGION: &str = "eu-west-1";
const TYPE: &str = "AwsCommunity-S3-DeleteBucketContents";
const PUBLISHER: &str = "c830e97710da0c9954d80ba8df021e5439e7134b";

/// A request: the action, the resource, the request's condition keys.
#[derive(Debug, Clone)]
struct Call {
    action: String,
    resource: String,
    context: BTreeMap<String, String>,
}

fn call(action: &str, resource: &str) -> Call {
    Call {
        action: action.into(),
        resource: resource.into(),
        context: BTreeMap::new(),
    }
}

/// An IAM request on `role` carrying `boundary` as its `iam:PermissionsBoundary` (the boundary
/// a CreateRole asks for, or the one the role has: IAM's service authorization reference).
fn bounded(action: &str, role: &str, boundary: &str) -> Call {
    let mut request = call(action, role);
    request
        .context
        .insert("iam:PermissionsBoundary".into(), boundary.into());
    request
}

fn pass(role: &str, service: &str) -> Call {
    Call {
        action: "iam:PassRole".into(),
        resource: role.into(),
        context: BTreeMap::from([("iam:PassedToService".to_string(), service.to_string())]),
    }
}

/// `*` any run, `?` one character.
fn glob(pattern: &str, text: &str, fold_case: bool) -> bool {
    fn matches(p: &[char], t: &[char], fold: bool) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('*', rest)) => (0..=t.len()).any(|skip| matches(rest, &t[skip..], fold)),
            Some(('?', rest)) => !t.is_empty() && matches(rest, &t[1..], fold),
            Some((c, rest)) => t.split_first().is_some_and(|(x, tail)| {
                (if fold {
                    x.eq_ignore_ascii_case(c)
                } else {
                    x == c
                }) && matches(rest, tail, fold)
            }),
        }
    }
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    matches(&p, &t, fold_case)
}

fn strings(value: &serde_json::Value) -> Vec<String> {
    match value {
        serde_json::Value::String(s) => vec![s.clone()],
        serde_json::Value::Array(items) => items.iter().flat_map(strings).collect(),
        _ => Vec::new(),
    }
}

/// Whether one statement's conditions hold for `call`.
fn conditions_hold(conditions: &serde_json::Value, call: &Call) -> bool {
    let Some(operators) = conditions.as_object() else {
        return true;
    };
    operators.iter().all(|(operator, keys)| {
        keys.as_object().unwrap().iter().all(|(key, wanted)| {
            let Some(actual) = call.context.get(key) else {
                return false;
            };
            let wanted = strings(wanted);
            match operator.as_str() {
                "StringEquals" | "ArnEquals" => wanted.iter().any(|w| w == actual),
                "StringLike" | "ArnLike" => wanted.iter().any(|w| glob(w, actual, false)),
                "Bool" => wanted.iter().any(|w| w == actual),
                other => panic!("condition operator {other} is not evaluated here"),
            }
        })
    })
}

/// Allowed by `statements`: some Allow matches and no Deny does.
fn allowed(statements: &[serde_json::Value], call: &Call) -> bool {
    let matching = |statement: &serde_json::Value| {
        strings(&statement["Action"]).iter().any(|a| {
            a == "*" || glob(a, &call.action, true) || a.eq_ignore_ascii_case(&call.action)
        }) && strings(&statement["Resource"])
            .iter()
            .any(|r| r == "*" || glob(r, &call.resource, false))
            && conditions_hold(&statement["Condition"], call)
    };
    let denied = statements
        .iter()
        .any(|s| s["Effect"] == "Deny" && matching(s));
    !denied
        && statements
            .iter()
            .any(|s| s["Effect"] == "Allow" && matching(s))
}

/// What the kit's stack would name each resource (a physical name per logical id).
fn physical(logical: &str) -> String {
    match logical {
        "HandlerPackageBucket" => "regship-prod-handlerpackagebucket-1a2b3c".into(),
        "TestLogBucket" => "regship-prod-testlogbucket-4d5e6f".into(),
        "AutomationExecutionRole" => "AWS-SystemsManager-AutomationExecutionRole".into(),
        "AutomationAdministrationRole" => "AWS-SystemsManager-AutomationAdministrationRole".into(),
        other => format!("regship-prod-{other}-7G8H9I"),
    }
}

fn attribute(logical: &str, kind: &str) -> String {
    match kind {
        "AWS::S3::Bucket" => format!("arn:aws:s3:::{}", physical(logical)),
        "AWS::IAM::ManagedPolicy" => format!("arn:aws:iam::{ACCOUNT}:policy/{}", physical(logical)),
        "AWS::IAM::Role" => format!("arn:aws:iam::{ACCOUNT}:role/{}", physical(logical)),
        "AWS::KMS::Key" => format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/{}", physical(logical)),
        "AWS::Events::Rule" => format!(
            "arn:aws:events:{REGION}:{ACCOUNT}:rule/{}",
            physical(logical)
        ),
        other => panic!("no Arn for {other}"),
    }
}

/// The kit's template, its intrinsics resolved with the parameters' defaults, in an account and
/// region.
struct Kit {
    root: Value,
    account: String,
    region: String,
    /// Parameters given values other than their defaults.
    given: BTreeMap<String, String>,
}

impl Kit {
    /// The prod kit.
    fn load() -> Kit {
        Kit::load_file("release/prod.yml")
    }

    fn load_file(path: &str) -> Kit {
        let text =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap();
        Kit {
            root: serde_norway::from_str(&text).unwrap(),
            account: ACCOUNT.into(),
            region: REGION.into(),
            given: BTreeMap::new(),
        }
    }

    /// The kit deployed with `parameter` set to `value`.
    fn with(mut self, parameter: &str, value: &str) -> Kit {
        self.given.insert(parameter.into(), value.into());
        self
    }

    /// The kit in another account and region (where an emulator made the job's resources).
    fn in_account(mut self, account: &str, region: &str) -> Kit {
        self.account = account.into();
        self.region = region.into();
        self
    }

    /// A resource's Arn: a managed policy's from its ManagedPolicyName when it has one.
    fn arn(&self, logical: &str, kind: &str) -> String {
        let properties = &self.root["Resources"][logical]["Properties"];
        if let Some(name) = properties["ManagedPolicyName"].as_str() {
            return format!("arn:aws:iam::{}:policy/{name}", self.account);
        }
        if !properties["BucketName"].is_null() {
            return format!("arn:aws:s3:::{}", self.named(logical));
        }
        attribute(logical, kind)
            .replace(ACCOUNT, &self.account)
            .replace(REGION, &self.region)
    }

    /// A resource's physical name: the one its template gives (BucketName), or the stack's.
    fn named(&self, logical: &str) -> String {
        let given = &self.root["Resources"][logical]["Properties"]["BucketName"];
        if given.is_null() {
            return physical(logical);
        }
        self.resolve(given).as_str().unwrap().to_string()
    }

    /// Every statement a role has: its inline policies' and its managed policies' from this
    /// template.
    fn role_statements(&self, role: &str) -> Vec<serde_json::Value> {
        let mut statements = self.statements(role);
        let managed = &self.root["Resources"][role]["Properties"]["ManagedPolicyArns"];
        for policy in managed.as_sequence().into_iter().flatten() {
            let Value::Tagged(tagged) = policy else {
                continue;
            };
            let logical = tagged.value.as_str().unwrap();
            let document =
                self.resolve(&self.root["Resources"][logical]["Properties"]["PolicyDocument"]);
            statements.extend(document["Statement"].as_array().unwrap().clone());
        }
        statements
    }

    fn kind(&self, logical: &str) -> String {
        self.root["Resources"][logical]["Type"]
            .as_str()
            .unwrap_or_else(|| panic!("no resource {logical}"))
            .to_string()
    }

    fn variable(&self, name: &str) -> serde_json::Value {
        match name {
            "AWS::Partition" => "aws".into(),
            "AWS::AccountId" => self.account.clone().into(),
            "AWS::Region" => self.region.clone().into(),
            "AWS::StackName" => "regship-kit".into(),
            _ => {
                if let Some((logical, "Arn")) = name.split_once('.') {
                    return self.arn(logical, &self.kind(logical)).into();
                }
                if let Some(value) = self.given.get(name) {
                    return value.clone().into();
                }
                let parameter = &self.root["Parameters"][name];
                if !parameter.is_null() {
                    let default = parameter["Default"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    return if parameter["Type"] == "CommaDelimitedList" {
                        serde_json::Value::Array(
                            default.split(',').map(|s| s.trim().into()).collect(),
                        )
                    } else {
                        default.into()
                    };
                }
                let kind = self.kind(name);
                match kind.as_str() {
                    "AWS::S3::Bucket" | "AWS::IAM::Role" | "AWS::SNS::Topic" | "AWS::KMS::Key" => {
                        self.named(name).into()
                    }
                    "AWS::IAM::ManagedPolicy" => self.arn(name, &kind).into(),
                    other => panic!("no Ref for {other}"),
                }
            }
        }
    }

    fn resolve(&self, value: &Value) -> serde_json::Value {
        match value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => (*b).into(),
            Value::Number(n) => serde_json::from_str(&n.to_string()).unwrap(),
            Value::String(s) => s.clone().into(),
            Value::Sequence(items) => items.iter().map(|v| self.resolve(v)).collect(),
            Value::Mapping(map) => serde_json::Value::Object(
                map.iter()
                    .map(|(k, v)| (k.as_str().unwrap().to_string(), self.resolve(v)))
                    .collect(),
            ),
            Value::Tagged(tagged) => {
                let argument = tagged.value.as_str().unwrap_or_default();
                match tagged.tag.to_string().trim_start_matches('!') {
                    "Ref" => self.variable(argument),
                    "GetAtt" => self.variable(argument),
                    "Sub" => {
                        let mut out = String::new();
                        let mut rest = argument;
                        while let Some(start) = rest.find("${") {
                            let end = rest[start..].find('}').unwrap() + start;
                            out.push_str(&rest[..start]);
                            out.push_str(self.variable(&rest[start + 2..end]).as_str().unwrap());
                            rest = &rest[end + 1..];
                        }
                        out.push_str(rest);
                        out.into()
                    }
                    other => panic!("intrinsic {other} is not resolved here"),
                }
            }
        }
    }

    /// Every statement of a role's inline policies.
    fn statements(&self, role: &str) -> Vec<serde_json::Value> {
        let policies = self.resolve(&self.root["Resources"][role]["Properties"]["Policies"]);
        policies
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["PolicyDocument"]["Statement"].as_array().unwrap().clone())
            .collect()
    }
}

/// `register_type` -> `RegisterType`.
fn camel(snake: &str) -> String {
    snake
        .split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The documents that run as the execution role: the publish document, and the canary
/// document that starts it (canary first).
const DOCUMENTS: [&str; 2] = [
    "release/publish-extension.yml",
    "release/publish-canary.yml",
];

/// Every IAM action the steps of the document at `path` need, read from the document.
fn document_actions(path: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap();
    let document: Value = serde_norway::from_str(&text).unwrap();
    // A script's client calls: `cfn.x(` and `client("cloudformation").x(` are CloudFormation's,
    // `logs.x(` and `client("logs").x(` CloudWatch Logs'.
    let client_call =
        regex::Regex::new(r#"(cfn|logs|client\("cloudformation"\)|client\("logs"\))\.([a-z_]+)\("#)
            .unwrap();
    let mut actions = Vec::new();
    for step in document["mainSteps"].as_sequence().unwrap() {
        let name = step["name"].as_str().unwrap().to_string();
        let inputs = &step["inputs"];
        match step["action"].as_str().unwrap() {
            "aws:executeAwsApi" | "aws:waitForAwsResourceProperty" => actions.push((
                name,
                format!(
                    "{}:{}",
                    inputs["Service"].as_str().unwrap(),
                    inputs["Api"].as_str().unwrap()
                ),
            )),
            "aws:executeScript" => {
                let script = inputs["Script"].as_str().unwrap();
                for found in client_call.captures_iter(script) {
                    let service = if found[1].contains("logs") {
                        "logs"
                    } else {
                        "cloudformation"
                    };
                    actions.push((name.clone(), format!("{service}:{}", camel(&found[2]))));
                }
            }
            "aws:createStack" => {
                for action in ["CreateStack", "DescribeStacks", "DescribeStackEvents"] {
                    actions.push((name.clone(), format!("cloudformation:{action}")));
                }
                actions.push((name.clone(), "s3:GetObject (TemplateURL)".into()));
                actions.push((name.clone(), "iam:PassRole (RoleARN)".into()));
            }
            "aws:deleteStack" => {
                for action in ["DeleteStack", "DescribeStacks"] {
                    actions.push((name.clone(), format!("cloudformation:{action}")));
                }
            }
            // A nested run of the publish document in the regions of its TargetLocations.
            "aws:executeAutomation" => {
                actions.push((name, "ssm:StartAutomationExecution (nested)".into()));
            }
            "aws:branch" | "aws:sleep" => {}
            other => panic!("{name}: action {other} has no calls listed here"),
        }
    }
    actions
}

/// The requests behind each action, on the example extension in one region.
fn requests(action: &str) -> Vec<Call> {
    let type_arn = format!("arn:aws:cloudformation:{REGION}:{ACCOUNT}:type/resource/{TYPE}");
    let version_arn = format!("{type_arn}/00000007");
    let public_arn = format!("arn:aws:cloudformation:{REGION}::type/resource/{PUBLISHER}/{TYPE}");
    let stack = format!(
        "arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/setup-prod-awscommunity-s3-deletebucketcontents/0a1b2c3d"
    );
    let test_logs = format!("arn:aws:s3:::{}", physical("TestLogBucket"));
    match action {
        "cloudformation:RegisterType" => vec![
            call(action, &type_arn),
            // The handler role (its name cut to 64 characters by CloudFormation) and the log role.
            pass(
                &format!(
                    "arn:aws:iam::{ACCOUNT}:role/awscommunity-s3-deletebucketcontents-prod-r-ExecutionRole-1X2Y3Z"
                ),
                "resources.cloudformation.amazonaws.com",
            ),
            pass(
                &attribute("LogDeliveryRole", "AWS::IAM::Role"),
                "resources.cloudformation.amazonaws.com",
            ),
            call(
                "s3:GetObject",
                &format!(
                    "arn:aws:s3:::{}/awscommunity-s3-deletebucketcontents/ab12.zip",
                    physical("HandlerPackageBucket")
                ),
            ),
        ],
        "cloudformation:DescribeTypeRegistration" | "cloudformation:DescribePublisher" => {
            vec![call(action, "*")]
        }
        "cloudformation:SetTypeDefaultVersion" | "cloudformation:DeregisterType" => {
            vec![call(action, &version_arn)]
        }
        "cloudformation:SetTypeConfiguration"
        | "cloudformation:PublishType"
        | "cloudformation:ListTypeVersions" => vec![call(action, &type_arn)],
        "cloudformation:TestType" => vec![
            call(action, &version_arn),
            call(
                "s3:PutObject",
                &format!("{test_logs}/contract-tests/log.zip"),
            ),
            call(
                "s3:GetObject",
                &format!("{test_logs}/contract-tests/log.zip"),
            ),
            call("s3:GetBucketLocation", &test_logs),
        ],
        "cloudformation:DescribeType" => {
            vec![call(action, &version_arn), call(action, &public_arn)]
        }
        "cloudformation:CreateStack"
        | "cloudformation:DeleteStack"
        | "cloudformation:DescribeStacks"
        | "cloudformation:DescribeStackEvents" => vec![call(action, &stack)],
        "s3:GetObject (TemplateURL)" => vec![call(
            "s3:GetObject",
            &format!("arn:aws:s3:::regship-artifacts-{ACCOUNT}-{REGION}/setup/ab12.yaml"),
        )],
        "logs:CreateLogGroup" | "logs:PutRetentionPolicy" => vec![call(
            action,
            &format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/regship/extensions"),
        )],
        "iam:PassRole (RoleARN)" => vec![pass(
            &attribute("SetupStackRole", "AWS::IAM::Role"),
            "cloudformation.amazonaws.com",
        )],
        // Started in this region, waited on, with the execution role as its AutomationAssumeRole
        // and (TargetLocations) the administration role.
        "ssm:StartAutomationExecution (nested)" => vec![
            call(
                "ssm:StartAutomationExecution",
                &format!(
                    "arn:aws:ssm:{REGION}:{ACCOUNT}:automation-definition/regship-publish-extension:$DEFAULT"
                ),
            ),
            call(
                "ssm:GetAutomationExecution",
                &format!(
                    "arn:aws:ssm:{REGION}:{ACCOUNT}:automation-execution/0123abcd-0000-4000-8000-000000000001"
                ),
            ),
            pass(
                &attribute("AutomationExecutionRole", "AWS::IAM::Role"),
                "ssm.amazonaws.com",
            ),
            pass(
                &attribute("AutomationAdministrationRole", "AWS::IAM::Role"),
                "ssm.amazonaws.com",
            ),
        ],
        other => panic!("{other}: the requests it makes are not listed here; add them"),
    }
}

#[test]
fn the_execution_role_allows_every_call_of_every_step() {
    let kit = Kit::load();
    let statements = kit.statements("AutomationExecutionRole");
    for document in DOCUMENTS {
        let actions = document_actions(document);
        assert!(!actions.is_empty(), "{document}");
        for (step, action) in &actions {
            for request in requests(action) {
                assert!(
                    allowed(&statements, &request),
                    "{document} {step}: {request:?} is refused"
                );
            }
        }
    }
    assert!(
        document_actions(DOCUMENTS[0]).len() > 20,
        "every step of the publish document is read"
    );
    assert_eq!(
        document_actions(DOCUMENTS[1]).len(),
        2,
        "the canary document's two nested runs"
    );
    // What a multi-region child needs of Systems Manager (AWS's sample execution role).
    let document = format!(
        "arn:aws:ssm:{REGION}:{ACCOUNT}:automation-definition/regship-publish-extension:$DEFAULT"
    );
    for action in [
        "ssm:StartAutomationExecution",
        "ssm:GetAutomationExecution",
        "ssm:DescribeAutomationStepExecutions",
    ] {
        assert!(allowed(&statements, &call(action, &document)), "{action}");
    }
    assert!(allowed(
        &statements,
        &pass(
            &format!("arn:aws:iam::{ACCOUNT}:role/AWS-SystemsManager-AutomationExecutionRole"),
            "ssm.amazonaws.com"
        )
    ));
}

#[test]
fn nothing_beside_them_is_allowed() {
    let kit = Kit::load();
    let statements = kit.statements("AutomationExecutionRole");
    let refused = [
        call(
            "cloudformation:RegisterType",
            &format!("arn:aws:cloudformation:{REGION}:{ACCOUNT}:type/resource/Other-S3-Thing"),
        ),
        call(
            "cloudformation:CreateStack",
            &format!("arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/prod-app/1"),
        ),
        call("s3:GetObject", "arn:aws:s3:::someone-elses-bucket/secret"),
        call(
            "s3:GetObject",
            &format!("arn:aws:s3:::regship-artifacts-{ACCOUNT}-{REGION}/packages/x.zip"),
        ),
        call(
            "s3:DeleteObject",
            &format!("arn:aws:s3:::{}/x", physical("TestLogBucket")),
        ),
        call(
            "iam:CreateRole",
            &format!("arn:aws:iam::{ACCOUNT}:role/awscommunity-x"),
        ),
        call(
            "iam:PutRolePolicy",
            &format!("arn:aws:iam::{ACCOUNT}:role/awscommunity-x"),
        ),
        // An admin role, a handler role to another service, a role named in another case.
        pass(
            &format!("arn:aws:iam::{ACCOUNT}:role/Admin"),
            "resources.cloudformation.amazonaws.com",
        ),
        pass(
            &format!(
                "arn:aws:iam::{ACCOUNT}:role/awscommunity-s3-x-prod-role-stack-ExecutionRole-1"
            ),
            "ec2.amazonaws.com",
        ),
        pass(
            &format!(
                "arn:aws:iam::{ACCOUNT}:role/AwsCommunity-S3-X-prod-role-stack-ExecutionRole-1"
            ),
            "resources.cloudformation.amazonaws.com",
        ),
        // The administration role to anything but Systems Manager.
        pass(
            &attribute("AutomationAdministrationRole", "AWS::IAM::Role"),
            "ec2.amazonaws.com",
        ),
        // A role passed without saying to which service.
        call(
            "iam:PassRole",
            &attribute("SetupStackRole", "AWS::IAM::Role"),
        ),
        call(
            "ssm:StartAutomationExecution",
            &format!(
                "arn:aws:ssm:{REGION}:{ACCOUNT}:automation-definition/AWS-RunShellScript:$DEFAULT"
            ),
        ),
    ];
    for request in refused {
        assert!(!allowed(&statements, &request), "{request:?} is allowed");
    }
}

/// The handlers' logs and metrics are delivered as the log delivery role: its log group in any
/// region, and metrics only in the namespace's own CloudWatch namespaces.
#[test]
fn the_log_delivery_role_delivers_logs_and_the_namespaces_metrics_only() {
    let kit = Kit::load();
    let statements = kit.statements("LogDeliveryRole");
    let metrics = |namespace: &str| {
        let mut request = call("cloudwatch:PutMetricData", "*");
        request
            .context
            .insert("cloudwatch:namespace".into(), namespace.into());
        request
    };
    assert!(allowed(
        &statements,
        &metrics("AWS/CloudFormation/AwsCommunity/S3/DeleteBucketContents")
    ));
    assert!(allowed(
        &statements,
        &call(
            "logs:PutLogEvents",
            &format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/regship/extensions:log-stream:x"),
        )
    ));
    for refused in [
        metrics("AWS/EC2"),
        metrics("AWS/CloudFormation/Other/S3/Thing"),
        call("cloudwatch:PutMetricData", "*"),
        call(
            "logs:PutLogEvents",
            &format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/other:log-stream:x"),
        ),
    ] {
        assert!(!allowed(&statements, &refused), "{refused:?} is allowed");
    }
}

/// Handler packages are keyed by their content's hash and never replaced, so an expiry of
/// replaced versions alone would keep every package for ever: current ones expire too.
#[test]
fn handler_packages_expire() {
    let kit = Kit::load();
    let rules =
        kit.resolve(
            &kit.root["Resources"]["HandlerPackageBucket"]["Properties"]["LifecycleConfiguration"]
                ["Rules"],
        );
    let rules = rules.as_array().unwrap();
    assert!(
        rules
            .iter()
            .any(|rule| rule["Status"] == "Enabled" && !rule["ExpirationInDays"].is_null()),
        "{rules:?}"
    );
}

#[test]
fn the_setup_stack_role_creates_only_the_setup_stacks_resources() {
    let kit = Kit::load();
    let statements = kit.statements("SetupStackRole");
    // The example's setup template: one bucket with its public access blocked.
    let bucket = "arn:aws:s3:::setup-prod-awscommunity-s3-deletebucketco-bucket-1a2b3c";
    for action in [
        "s3:CreateBucket",
        "s3:PutBucketPublicAccessBlock",
        "s3:DeleteBucket",
    ] {
        assert!(allowed(&statements, &call(action, bucket)), "{action}");
    }
    for request in [
        call("s3:CreateBucket", "arn:aws:s3:::prod-data"),
        call(
            "s3:DeleteBucket",
            &format!("arn:aws:s3:::{}", physical("HandlerPackageBucket")),
        ),
        call(
            "iam:CreateRole",
            &format!("arn:aws:iam::{ACCOUNT}:role/setup-prod-x"),
        ),
        call("s3:PutBucketPolicy", bucket),
    ] {
        assert!(!allowed(&statements, &request), "{request:?} is allowed");
    }
}

/// The evaluator itself, on the cases the IAM user guide's evaluation logic describes.
#[test]
fn the_evaluator_follows_the_documented_logic() {
    let statements: Vec<serde_json::Value> = serde_json::from_str(
        r#"[
          {"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"},
          {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/secret"},
          {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::1:role/r-*",
           "Condition": {"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}}}
        ]"#,
    )
    .unwrap();
    assert!(allowed(
        &statements,
        &call("s3:GetObject", "arn:aws:s3:::b/k")
    ));
    assert!(
        allowed(&statements, &call("S3:getobject", "arn:aws:s3:::b/k")),
        "actions fold case"
    );
    assert!(
        !allowed(&statements, &call("s3:GetObject", "arn:aws:s3:::B/k")),
        "resources do not"
    );
    assert!(
        !allowed(&statements, &call("s3:GetObject", "arn:aws:s3:::b/secret")),
        "a deny wins"
    );
    assert!(
        !allowed(&statements, &call("s3:PutObject", "arn:aws:s3:::b/k")),
        "denied by default"
    );
    assert!(allowed(
        &statements,
        &pass("arn:aws:iam::1:role/r-1", "cloudformation.amazonaws.com")
    ));
    assert!(!allowed(
        &statements,
        &pass("arn:aws:iam::1:role/r-1", "ec2.amazonaws.com")
    ));
    assert!(
        !allowed(
            &statements,
            &call("iam:PassRole", "arn:aws:iam::1:role/r-1")
        ),
        "a condition on a key the request lacks is not met"
    );
}

/// On-call is told: the publish document's executions ending badly go to an encrypted topic
/// that only the rule may publish to, through a key EventBridge may use (SSM's event shape: the
/// user guide's "Amazon EventBridge event examples for Systems Manager").
#[test]
fn a_rollout_that_ends_badly_reaches_an_encrypted_topic() {
    let kit = Kit::load();
    let rule = kit.resolve(&kit.root["Resources"]["RolloutAlarmRule"]["Properties"]);
    let pattern = &rule["EventPattern"];
    assert_eq!(pattern["source"], serde_json::json!(["aws.ssm"]));
    assert_eq!(
        pattern["detail-type"],
        serde_json::json!(["EC2 Automation Execution Status-change Notification"])
    );
    assert_eq!(
        pattern["detail"]["Definition"],
        serde_json::json!(["regship-publish-extension"])
    );
    let statuses = strings(&pattern["detail"]["Status"]);
    for status in ["Failed", "TimedOut", "Cancelled", "CompletedWithFailure"] {
        assert!(statuses.contains(&status.to_string()), "{status}");
    }
    assert!(!statuses.contains(&"Success".to_string()));
    let topic = physical("RolloutAlarmTopic");
    assert_eq!(rule["Targets"][0]["Arn"], serde_json::json!(topic));
    let key = kit.root["Resources"]["RolloutAlarmTopic"]["Properties"]["KmsMasterKeyId"].clone();
    assert!(
        kit.resolve(&key)
            .as_str()
            .unwrap()
            .contains("RolloutAlarmKey")
    );
    let key_policy =
        kit.resolve(&kit.root["Resources"]["RolloutAlarmKey"]["Properties"]["KeyPolicy"]);
    let eventbridge = key_policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Principal"]["Service"] == "events.amazonaws.com")
        .expect("EventBridge may use the key");
    assert!(strings(&eventbridge["Action"]).contains(&"kms:GenerateDataKey".to_string()));
    assert!(kit.root["Outputs"]["RolloutAlarmTopicArn"].is_mapping());
}

/// The stacks `cfn submit` creates, named by the installed cloudformation-cli's own code (its
/// Project and Uploader, the CloudFormation calls replaced by a recorder): the handler role's
/// stack and the upload infrastructure.
fn cfn_submit_stack_names(type_name: &str) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = r#"
import io, sys
from pathlib import Path
from rpdk.core.project import Project
from rpdk.core.upload import Uploader
project = Project(root=sys.argv[1])
project.type_name = sys.argv[2]
names = []
class Stop(Exception):
    pass
def create_or_update(self, template, name):
    names.append(name)
    return "stack-id"
def output(self, stack_id, key):
    if key == "ExecutionRoleArn":
        return "role"
    raise Stop()
Uploader._create_or_update_stack = create_or_update
Uploader._get_stack_output = output
uploader = Uploader(None, None)
uploader.create_or_update_role(Path(sys.argv[3]), project.hypenated_name)
try:
    uploader.upload(project.hypenated_name, io.BytesIO(b""))
except Stop:
    pass
print("\n".join(names))
"#;
    let output = std::process::Command::new(root.join(".venv/bin/python"))
        .args(["-c", script])
        .arg(root.join("resources/S3_DeleteBucketContents"))
        .arg(type_name)
        .arg(root.join("resources/S3_DeleteBucketContents/resource-role.yaml"))
        .output()
        .expect("the .venv's python (make venv)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(String::from)
        .collect()
}

/// The role name CloudFormation generates for `logical` in `stack`: the stack's name cut to 25
/// characters, the logical id to 24, and a random suffix (as the cloudformation-cli's own
/// tests record it: `CloudFormationManagedUplo-LogAndMetricsDeliveryRol-7HGNMUOAABC1`).
fn generated_role(stack: &str, logical: &str) -> String {
    format!(
        "{}-{}-7HGNMUOAABC1",
        &stack[..stack.len().min(25)],
        &logical[..logical.len().min(24)]
    )
}

/// The bucket name CloudFormation generates: lowercase, the stack's name cut to 34 characters
/// (`cloudformationmanageduploadinfrast-artifactbucket-154zq5ecxpp2u`, likewise).
fn generated_bucket(stack: &str, logical: &str) -> String {
    let stack = stack.to_lowercase();
    format!(
        "{}-{}-154zq5ecxpp2u",
        &stack[..stack.len().min(34)],
        logical.to_lowercase()
    )
}

/// Beta's `cfn submit` as the cloudformation-cli really names what it makes (lowercase): the
/// build role may create and update the handler role's stack and the upload infrastructure,
/// pass the handler role and the log delivery role to the registry only, and put the package
/// in the upload bucket; the names in another case, and the roles to another service, are
/// refused.
#[test]
fn beta_submit_is_allowed_what_the_cloudformation_cli_creates() {
    let type_name = "AwsCommunity::S3::DeleteBucketContents";
    let names = cfn_submit_stack_names(type_name);
    assert_eq!(
        names,
        [
            "awscommunity-s3-deletebucketcontents-role-stack",
            "CloudFormationManagedUploadInfrastructure"
        ],
        "the names the installed cloudformation-cli gives"
    );
    let kit = Kit::load_file("release/beta.yml");
    let statements = kit.role_statements("S3DeleteBucketContentsBuildRole");
    let stack = |name: &str| {
        format!("arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{name}/0a1b2c3d-0000")
    };
    for name in &names {
        for action in [
            "cloudformation:CreateStack",
            "cloudformation:UpdateStack",
            "cloudformation:DescribeStacks",
        ] {
            assert!(
                allowed(&statements, &call(action, &stack(name))),
                "{action} on {name} is refused"
            );
        }
    }
    // The handler role is regship's (named, bounded: `cfn submit --role-arn`); the one the CLI
    // would have generated in that stack is never made by a build, nor passed.
    let handler_role =
        format!("arn:aws:iam::{ACCOUNT}:role/regship-handler-awscommunity-s3-deletebucketcontents");
    let generated_handler_role = format!(
        "arn:aws:iam::{ACCOUNT}:role/{}",
        generated_role(&names[0], "ExecutionRole")
    );
    assert!(!allowed(
        &statements,
        &pass(
            &generated_handler_role,
            "resources.cloudformation.amazonaws.com"
        )
    ));
    assert_eq!(
        generated_role(&names[1], "LogAndMetricsDeliveryRole"),
        "CloudFormationManagedUplo-LogAndMetricsDeliveryRol-7HGNMUOAABC1"
    );
    let log_role = format!(
        "arn:aws:iam::{ACCOUNT}:role/{}",
        generated_role(&names[1], "LogAndMetricsDeliveryRole")
    );
    for role in [&handler_role, &log_role] {
        assert!(
            allowed(
                &statements,
                &pass(role, "resources.cloudformation.amazonaws.com")
            ),
            "passing {role} to the registry is refused"
        );
        assert!(
            !allowed(&statements, &pass(role, "cloudformation.amazonaws.com")),
            "{role} may be passed to CloudFormation stacks"
        );
    }
    let bucket = generated_bucket(&names[1], "ArtifactBucket");
    assert_eq!(
        bucket,
        "cloudformationmanageduploadinfrast-artifactbucket-154zq5ecxpp2u"
    );
    assert!(
        allowed(
            &statements,
            &call(
                "s3:PutObject",
                &format!("arn:aws:s3:::{bucket}/awscommunity-s3-deletebucketcontents-2026.zip")
            )
        ),
        "the package upload to {bucket} is refused"
    );
    // No other role of the account can be handed to a stack (the build would get its
    // permissions); the integ stacks' own roles can.
    assert!(!allowed(
        &statements,
        &pass(
            &format!("arn:aws:iam::{ACCOUNT}:role/Admin"),
            "cloudformation.amazonaws.com"
        )
    ));
    assert!(allowed(
        &statements,
        &pass(
            &format!("arn:aws:iam::{ACCOUNT}:role/integ-keep-resources-S3-Delet-FunctionRole-1X"),
            "lambda.amazonaws.com"
        )
    ));
    // The same names as typed in the type name's own case are not what the CLI creates.
    assert!(!allowed(
        &statements,
        &pass(
            &format!(
                "arn:aws:iam::{ACCOUNT}:role/AwsCommunity-S3-DeleteBucketContents-role-stack-ExecutionRole-1"
            ),
            "resources.cloudformation.amazonaws.com"
        )
    ));
}

/// The example's test/integ.yml with what the emulator can make: its AWS resources (moto runs no
/// registry type and no Lambda-backed custom resource), the rest of each line kept as written.
fn aws_resources_only(integ: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    let mut block: Vec<&str> = Vec::new();
    let mut in_resources = false;
    fn flush<'t>(block: &mut Vec<&'t str>, kept: &mut Vec<&'t str>) {
        let foreign = block
            .iter()
            .any(|line| line.starts_with("    Type: ") && !line.starts_with("    Type: AWS::"));
        if !foreign {
            kept.append(block);
        }
        block.clear();
    }
    for line in integ.lines() {
        let top = !line.starts_with(' ') && !line.is_empty();
        let header = line.starts_with("  ") && !line.starts_with("   ") && line.ends_with(':');
        if top || header {
            flush(&mut block, &mut kept);
            in_resources = if top {
                line == "Resources:"
            } else {
                in_resources
            };
        }
        if in_resources && !top {
            block.push(line);
        } else {
            kept.push(line);
        }
    }
    flush(&mut block, &mut kept);
    kept.join("\n") + "\n"
}

/// The request an emulated resource's provider-schema action makes, by the resource kinds IAM
/// says the action takes (cfn-lint's copy of the service authorization reference): none is the
/// account (`*`), an object is one in the bucket, the resource's own kind is its ARN, and another
/// kind (a layer, a code-signing config) is one the template does not name.
fn provider_call(iam: &serde_json::Value, action: &str, arn: &str, kind: &str) -> Call {
    let (service, name) = action.split_once(':').unwrap();
    let kinds = strings(&iam[service.to_lowercase()]["Actions"][name.to_lowercase()]["Resources"]);
    let resource = if kinds.is_empty() {
        "*".to_string()
    } else if kinds.iter().any(|k| k == "object") {
        format!("{arn}/seed/top.txt")
    } else if kinds.iter().any(|k| k.eq_ignore_ascii_case(kind)) {
        arn.to_string()
    } else {
        "*".to_string()
    };
    call(action, &resource)
}

const MOTO_ACCOUNT: &str = "123456789012";

/// Every call creating, reading, updating and deleting each resource of `stack` (as the emulator
/// made and named it, after the stack) that `template` declares: the stack's own calls, each
/// resource's provider-schema calls on its ARN (the optional features it does not use aside),
/// its roles passed to the service that trusts them with the boundary they carry, and the
/// custom resource's function invoked as the caller.
fn job_calls(moto: &support::moto::Moto, stack: &str, template: &str) -> Vec<Call> {
    let (stack_id, resources) = moto.stack_resources(stack);
    let data = support::cfnlint_data();
    let iam = support::read_json(&data.join("AdditionalSpecs/Policies.json"));
    let template: Value = serde_norway::from_str(template).unwrap();
    let mut calls: Vec<Call> = [
        "cloudformation:CreateChangeSet",
        "cloudformation:DescribeChangeSet",
        "cloudformation:ExecuteChangeSet",
        "cloudformation:DescribeStackEvents",
        "cloudformation:DeleteStack",
    ]
    .iter()
    .map(|action| call(action, &stack_id))
    .collect();
    for (logical, kind, physical) in &resources {
        let (arn, arn_kind) = match kind.as_str() {
            "AWS::S3::Bucket" => (format!("arn:aws:s3:::{physical}"), "bucket"),
            "AWS::IAM::Role" => (
                format!("arn:aws:iam::{MOTO_ACCOUNT}:role/{physical}"),
                "role",
            ),
            "AWS::Lambda::Function" => (
                format!("arn:aws:lambda:us-east-1:{MOTO_ACCOUNT}:function:{physical}"),
                "function",
            ),
            other => panic!("{logical}: no ARN for {other}"),
        };
        let declared = &template["Resources"][logical.as_str()]["Properties"];
        let properties: Vec<&str> = declared
            .as_mapping()
            .map(|m| m.keys().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        // IAM evaluates a role's boundary as it is (or, on CreateRole, as requested).
        let carried =
            (kind == "AWS::IAM::Role").then(|| moto.role_boundary(physical).unwrap_or_default());
        for action in support::provider_permissions(&data, kind) {
            if support::not_granted(kind, &properties, &action) || action == "iam:PassRole" {
                continue; // a role is passed below, to the service that trusts it
            }
            if kind == "AWS::Lambda::Function" && action.starts_with("s3:") {
                // Reads of the code's package: none for code given inline (ZipFile).
                assert!(declared["Code"]["ZipFile"].is_string());
                continue;
            }
            let mut request = provider_call(&iam, &action, &arn, arn_kind);
            if let Some(boundary) = &carried {
                request
                    .context
                    .insert("iam:PermissionsBoundary".into(), boundary.clone());
            }
            calls.push(request);
        }
        if kind == "AWS::IAM::Role" {
            let trusted =
                &declared["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"];
            calls.push(pass(&arn, trusted.as_str().unwrap()));
        }
        if kind == "AWS::Lambda::Function" {
            // The custom resource's function, which CloudFormation invokes as the caller.
            calls.push(call("lambda:InvokeFunction", &arn));
        }
    }
    calls
}

/// The ways a build could take over its account, for a job whose stacks are named `prefix*`:
/// writes to its own role, a role without the boundary or with another, the boundary dropped or
/// rewritten, a role handed to CloudFormation or EC2, another bucket's objects, another function,
/// KMS used directly, S3 Tables.
fn escalations(own_role: &str, job_role: &str, boundary: &str, prefix: &str) -> Vec<Call> {
    let admin = "arn:aws:iam::aws:policy/AdministratorAccess";
    let new_role = format!("arn:aws:iam::{MOTO_ACCOUNT}:role/{prefix}x-Admin-1");
    let other_function = format!("arn:aws:lambda:us-east-1:{MOTO_ACCOUNT}:function:payments");
    vec![
        bounded("iam:PutRolePolicy", own_role, boundary),
        call("iam:AttachRolePolicy", own_role),
        call("iam:UpdateAssumeRolePolicy", own_role),
        call("iam:CreateRole", &new_role),
        bounded("iam:CreateRole", &new_role, admin),
        bounded("iam:PutRolePermissionsBoundary", job_role, admin),
        call("iam:DeleteRolePermissionsBoundary", job_role),
        call("iam:CreatePolicyVersion", boundary),
        call("iam:SetDefaultPolicyVersion", boundary),
        pass(
            &format!("arn:aws:iam::{MOTO_ACCOUNT}:role/Admin"),
            "cloudformation.amazonaws.com",
        ),
        pass(job_role, "cloudformation.amazonaws.com"),
        pass(job_role, "ec2.amazonaws.com"),
        call("s3:GetObject", "arn:aws:s3:::prod-data/customers.csv"),
        call("s3:DeleteObject", "arn:aws:s3:::prod-data/customers.csv"),
        call("s3:PutBucketTagging", "arn:aws:s3:::prod-data"),
        call("s3:PutBucketAcl", "arn:aws:s3:::prod-data"),
        call("s3:DeleteBucket", "arn:aws:s3:::prod-data"),
        call("lambda:UpdateFunctionCode", &other_function),
        call("lambda:InvokeFunction", &other_function),
        call(
            "kms:Decrypt",
            &format!("arn:aws:kms:us-east-1:{MOTO_ACCOUNT}:key/1234abcd"),
        ),
        call("s3tables:CreateTableBucket", "*"),
    ]
}

/// Every call of `calls` is allowed by `statements` and every escalation refused.
fn assert_job_allowed_and_escalations_refused(
    statements: &[serde_json::Value],
    calls: &[Call],
    escalations: &[Call],
) {
    let refused: Vec<&Call> = calls.iter().filter(|c| !allowed(statements, c)).collect();
    assert!(refused.is_empty(), "the build role refuses: {refused:#?}");
    let allowed_escalations: Vec<&Call> = escalations
        .iter()
        .filter(|c| allowed(statements, c))
        .collect();
    assert!(
        allowed_escalations.is_empty(),
        "the build role allows: {allowed_escalations:#?}"
    );
}

/// The beta build role, evaluated on what its job really makes: `regship integ` runs the example's
/// integ template (its AWS resources) against moto in the beta stage, and every call creating,
/// reading, updating and deleting each resource the emulator made, by the name it gave it (after
/// the stack, as CloudFormation names them), is allowed by the role as `release/beta.yml` writes
/// it; the role regship's run created carries the kit's boundary (regship integ passed it); and the
/// ways a build could take over the account are each refused.
#[test]
fn the_beta_build_role_allows_its_job_and_no_escalation() {
    let (moto, _serial) = support::moto::moto();
    let dir = support::example_workspace(MOTO_ACCOUNT);
    std::fs::remove_dir_all(dir.path().join("modules")).unwrap();
    std::fs::write(
        dir.path().join("regship.yml"),
        format!(
            "namespace: AwsCommunity\naccounts:\n  beta: {{region: us-east-1, account_id: \"{MOTO_ACCOUNT}\"}}\n"
        ),
    )
    .unwrap();
    let integ_path = dir
        .path()
        .join("resources/S3_DeleteBucketContents/test/integ.yml");
    let integ = aws_resources_only(&std::fs::read_to_string(&integ_path).unwrap());
    assert!(integ.contains("SeedRole:") && !integ.contains("Custom::SeedObjects"));
    std::fs::write(&integ_path, &integ).unwrap();
    let kit = Kit::load_file("release/beta.yml").in_account(MOTO_ACCOUNT, "us-east-1");
    let boundary = kit.variable("RoleBoundary");
    let boundary = boundary.as_str().unwrap();
    moto.create_policy("regship-integ-role-boundary");

    let run = moto.regship(
        dir.path(),
        &[
            "--json",
            "integ",
            "S3_DeleteBucketContents",
            "--stage",
            "beta",
        ],
        "",
    );
    assert!(run.status.success(), "{}", support::output_text(&run));
    let stack = "integ-keep-S3-DeleteBucketContents";
    let calls = job_calls(moto, stack, &integ);
    assert!(calls.len() > 60, "{} calls", calls.len());
    let (_, resources) = moto.stack_resources(stack);
    let seed_role = resources
        .iter()
        .find(|(logical, ..)| logical == "SeedRole")
        .map(|(.., physical)| physical.clone())
        .unwrap();
    assert_eq!(
        moto.role_boundary(&seed_role).as_deref(),
        Some(boundary),
        "regship integ gives the role the kit's boundary"
    );
    // The handler role, as `regship integ --submit` deploys it before `cfn submit` (its stack is
    // the one the cloudformation-cli would have made).
    let handler_boundary = kit.variable("S3DeleteBucketContentsHandlerBoundary");
    let handler_boundary = handler_boundary.as_str().unwrap();
    moto.create_policy("regship-handler-awscommunity-s3-deletebucketcontents");
    let workspace = regship::workspace::Workspace::load(dir.path());
    let extension = workspace.find_extension("S3_DeleteBucketContents").unwrap();
    let handler_role = support::moto::block_on(async {
        let stage = support::moto::stage_regions(&moto.endpoint, Stage::Beta, MOTO_ACCOUNT);
        let home = stage.home().await.unwrap();
        let authorization = support::authorization(home.as_ref(), MOTO_ACCOUNT);
        handler_role::deploy_beta(
            home.as_ref(),
            &authorization,
            extension,
            std::time::Duration::from_millis(50),
        )
        .await
        .unwrap()
        .unwrap()
    });
    assert_eq!(
        handler_role,
        format!(
            "arn:aws:iam::{MOTO_ACCOUNT}:role/regship-handler-awscommunity-s3-deletebucketcontents"
        )
    );
    assert_eq!(
        moto.role_boundary("regship-handler-awscommunity-s3-deletebucketcontents")
            .as_deref(),
        Some(handler_boundary),
        "the handler role carries the extension's handler boundary"
    );
    let mut calls = calls;
    let handler_stack = "awscommunity-s3-deletebucketcontents-role-stack";
    calls.extend(job_calls(
        moto,
        handler_stack,
        &handler_role_template(extension),
    ));
    calls.push(pass(
        &handler_role,
        "resources.cloudformation.amazonaws.com",
    ));
    let own_role = kit.variable("S3DeleteBucketContentsBuildRole.Arn");
    let mut escalations = escalations(
        own_role.as_str().unwrap(),
        &format!("arn:aws:iam::{MOTO_ACCOUNT}:role/{seed_role}"),
        boundary,
        "integ-",
    );
    let other_handler =
        format!("arn:aws:iam::{MOTO_ACCOUNT}:role/regship-handler-awscommunity-s3-secretbucket");
    escalations.extend([
        // The handler role without its boundary, or with the integ stacks' one.
        call("iam:CreateRole", &handler_role),
        bounded("iam:PutRolePolicy", &handler_role, boundary),
        // Another extension's handler role, under this one's boundary.
        bounded("iam:PutRolePolicy", &other_handler, handler_boundary),
        call("iam:UpdateAssumeRolePolicy", &other_handler),
        pass(&handler_role, "lambda.amazonaws.com"),
        pass(&other_handler, "resources.cloudformation.amazonaws.com"),
        call("iam:CreatePolicyVersion", handler_boundary),
    ]);
    assert_job_allowed_and_escalations_refused(
        &kit.role_statements("S3DeleteBucketContentsBuildRole"),
        &calls,
        &escalations,
    );
}

/// The extension's role template as the stack holds it (JSON, which YAML reads).
fn handler_role_template(extension: &regship::workspace::Extension) -> String {
    let path = handler_role::role_template(extension).unwrap();
    handler_role::bounded(
        &std::fs::read_to_string(path).unwrap(),
        "regship-handler-awscommunity-s3-deletebucketcontents",
        "arn:aws:iam::123456789012:policy/regship-handler-awscommunity-s3-deletebucketcontents",
    )
    .unwrap()
}

/// The CI/CD build role likewise, on the example's setup stack as the build deploys it
/// (`setup-<folder>`, in moto) and the handlers' own calls the contract tests make on it.
#[test]
fn the_cicd_build_role_allows_its_job_and_no_escalation() {
    let (moto, _serial) = support::moto::moto();
    let setup = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("resources/S3_DeleteBucketContents/test/setup.yml"),
    )
    .unwrap();
    let stack = "setup-S3-DeleteBucketContents";
    moto.create_stack(stack, &setup);
    let mut calls = job_calls(moto, stack, &setup);
    let (_, resources) = moto.stack_resources(stack);
    let bucket = format!("arn:aws:s3:::{}", resources[0].2);
    assert!(bucket.starts_with("arn:aws:s3:::setup-s3-deletebucketcontents-bucket-"));
    // The handlers, run by the contract tests with the build's credentials, on that bucket.
    let schema = support::read_json(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("resources/S3_DeleteBucketContents/awscommunity-s3-deletebucketcontents.json"),
    );
    for handler in schema["handlers"].as_object().unwrap().values() {
        for action in strings(&handler["permissions"]) {
            let object = action.contains("Object");
            calls.push(call(
                &action,
                &if object {
                    format!("{bucket}/logs/one.txt")
                } else {
                    bucket.clone()
                },
            ));
        }
    }
    let kit = Kit::load_file("release/cicd.yml").in_account(MOTO_ACCOUNT, "us-east-1");
    let boundary = kit.variable("RoleBoundary");
    let own_role = kit.variable("S3DeleteBucketContentsBuildRole.Arn");
    assert_job_allowed_and_escalations_refused(
        &kit.role_statements("S3DeleteBucketContentsBuildRole"),
        &calls,
        &escalations(
            own_role.as_str().unwrap(),
            &format!("arn:aws:iam::{MOTO_ACCOUNT}:role/setup-S3-DeleteBucketContents-Role-1"),
            boundary.as_str().unwrap(),
            "setup-",
        ),
    );
}

/// The pipelines' build logs and notifications are encrypted with the kit's key, which CloudWatch
/// Logs may use for the stack's build log groups only (the encryption context names the group:
/// "Encrypt log data in CloudWatch Logs using AWS KMS" in its user guide) and EventBridge only to
/// publish to the topic.
#[test]
fn pipeline_logs_and_notifications_use_the_kits_key() {
    for path in ["release/cicd.yml", "release/beta.yml"] {
        let kit = Kit::load_file(path);
        let key = kit.variable("PipelineKey");
        let topic_key = kit.resolve(
            &kit.root["Resources"]["PipelineNotifications"]["Properties"]["KmsMasterKeyId"],
        );
        assert_eq!(topic_key, key, "{path}");
        let policy = kit.resolve(&kit.root["Resources"]["PipelineKey"]["Properties"]["KeyPolicy"]);
        let statements: Vec<serde_json::Value> = policy["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["Principal"]["Service"].is_string())
            .cloned()
            .collect();
        let logs = format!("logs.{REGION}.amazonaws.com");
        let by_logs = |group: &str| {
            let mut request = call("kms:GenerateDataKey", "*");
            request.context.insert(
                "kms:EncryptionContext:aws:logs:arn".into(),
                format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}"),
            );
            request
        };
        let service = |name: &str| -> Vec<serde_json::Value> {
            statements
                .iter()
                .filter(|s| s["Principal"]["Service"] == name)
                .cloned()
                .collect()
        };
        for role in ["S3DeleteBucketContentsBuildLogs", "S3SecureBucketBuildLogs"] {
            let group = kit.resolve(&kit.root["Resources"][role]["Properties"]);
            assert_eq!(
                group["KmsKeyId"],
                kit.variable("PipelineKey.Arn"),
                "{path} {role}"
            );
            let name = group["LogGroupName"].as_str().unwrap();
            assert!(allowed(&service(&logs), &by_logs(name)), "{path}: {name}");
        }
        assert!(
            !allowed(&service(&logs), &by_logs("/aws/lambda/other")),
            "{path}"
        );
        let mut publish = call("kms:GenerateDataKey", "*");
        publish
            .context
            .insert("aws:SourceAccount".into(), ACCOUNT.into());
        assert!(
            allowed(&service("events.amazonaws.com"), &publish),
            "{path}"
        );
    }
}

/// The upload infrastructure `cfn submit` needs is made once by an administrator from the kit's
/// copy of the cloudformation-cli's own template (the installed CLI's, byte for byte, so that the
/// build's UpdateStack has nothing to do); the beta build role may then upload the package and
/// read it back for RegisterType through the infrastructure's key, via S3 and for that bucket
/// only, but cannot make the infrastructure itself (its key, bucket or log delivery role).
#[test]
fn beta_builds_use_the_upload_infrastructure_but_never_make_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let installed = std::fs::read(
        support::site_packages().join("rpdk/core/data/managed-upload-infrastructure.yaml"),
    )
    .unwrap();
    assert!(
        std::fs::read(root.join("release/upload-infrastructure.yml")).unwrap() == installed,
        "release/upload-infrastructure.yml differs from the installed cloudformation-cli's template"
    );

    let kit = Kit::load_file("release/beta.yml");
    let statements = kit.role_statements("S3DeleteBucketContentsBuildRole");
    let bucket = generated_bucket(
        "CloudFormationManagedUploadInfrastructure",
        "ArtifactBucket",
    );
    let package = format!(
        "arn:aws:s3:::{bucket}/awscommunity-s3-deletebucketcontents-2026-12-02T19-00-00.zip"
    );
    let through_s3 = |action: &str, object: &str| {
        let mut request = call(
            action,
            &format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd"),
        );
        request.context.insert(
            "kms:ViaService".into(),
            format!("s3.{REGION}.amazonaws.com"),
        );
        request
            .context
            .insert("kms:EncryptionContext:aws:s3:arn".into(), object.into());
        request
    };
    let stack = format!(
        "arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/CloudFormationManagedUploadInfrastructure/0a1b"
    );
    for request in [
        call("cloudformation:CreateStack", &stack),
        call("cloudformation:UpdateStack", &stack),
        call("cloudformation:DescribeStacks", &stack),
        call("s3:PutObject", &package),
        call("s3:GetObject", &package),
        through_s3("kms:GenerateDataKey", &package),
        through_s3("kms:Decrypt", &package),
    ] {
        assert!(allowed(&statements, &request), "{request:?} is refused");
    }
    let log_role = format!(
        "arn:aws:iam::{ACCOUNT}:role/{}",
        generated_role(
            "CloudFormationManagedUploadInfrastructure",
            "LogAndMetricsDeliveryRole"
        )
    );
    for request in [
        call("kms:CreateKey", "*"),
        call("s3:CreateBucket", &format!("arn:aws:s3:::{bucket}")),
        call("s3:PutBucketPolicy", &format!("arn:aws:s3:::{bucket}")),
        call("iam:CreateRole", &log_role),
        call("iam:PutRolePolicy", &log_role),
        call(
            "kms:Decrypt",
            &format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd"),
        ),
        through_s3("kms:Decrypt", "arn:aws:s3:::prod-data/customers.csv"),
    ] {
        assert!(!allowed(&statements, &request), "{request:?} is allowed");
    }
}

/// The handoff from CI/CD to beta: only the CI/CD account's handoff role may write the beta
/// source object (and it may write nothing else there), the beta pipeline starts from that
/// object alone (no Git trigger: an untested commit cannot start it), a new version of it starts
/// the pipeline, and the beta builds may read its metadata (the gate's verdict).
#[test]
fn beta_starts_only_from_what_cicd_handed_over() {
    const BETA: &str = "210987654321";
    let cicd = Kit::load_file("release/cicd.yml").with("BetaAccountId", BETA);
    let handoff = cicd.statements("HandoffRole");
    let source = format!("arn:aws:s3:::regship-beta-source-{BETA}-{REGION}");
    assert!(allowed(
        &handoff,
        &call("s3:PutObject", &format!("{source}/source.zip"))
    ));
    for request in [
        call("s3:PutObject", &format!("{source}/other.zip")),
        call("s3:DeleteObject", &format!("{source}/source.zip")),
        call("s3:PutObject", "arn:aws:s3:::prod-data/x"),
        call("s3:PutBucketPolicy", &source),
    ] {
        assert!(!allowed(&handoff, &request), "{request:?} is allowed");
    }
    let role = &cicd.root["Resources"]["HandoffRole"]["Properties"]["RoleName"];
    assert_eq!(role.as_str(), Some("regship-cicd-handoff"));

    let beta = Kit::load_file("release/beta.yml")
        .with("CicdAccountId", ACCOUNT)
        .in_account(BETA, REGION);
    let bucket = beta.resolve(&beta.root["Resources"]["SourceBucket"]["Properties"]["BucketName"]);
    assert_eq!(bucket, format!("regship-beta-source-{BETA}-{REGION}"));
    let policy =
        beta.resolve(&beta.root["Resources"]["SourceBucketPolicy"]["Properties"]["PolicyDocument"]);
    let grants: Vec<&serde_json::Value> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["Effect"] == "Allow")
        .collect();
    assert_eq!(grants.len(), 1, "{policy}");
    assert_eq!(
        grants[0]["Principal"]["AWS"],
        format!("arn:aws:iam::{ACCOUNT}:role/regship-cicd-handoff")
    );
    assert_eq!(strings(&grants[0]["Action"]), ["s3:PutObject"]);
    assert_eq!(
        strings(&grants[0]["Resource"]),
        [format!("{source}/source.zip")]
    );

    let pipeline = &beta.root["Resources"]["Pipeline"]["Properties"];
    assert!(pipeline["Triggers"].is_null(), "no Git trigger");
    let action = &pipeline["Stages"][0]["Actions"][0];
    assert_eq!(action["ActionTypeId"]["Provider"].as_str(), Some("S3"));
    assert_eq!(
        action["Configuration"]["S3ObjectKey"].as_str(),
        Some("source.zip")
    );
    let rule = beta.resolve(&beta.root["Resources"]["SourceEvents"]["Properties"]["EventPattern"]);
    assert_eq!(rule["detail"]["bucket"]["name"][0], bucket);
    assert_eq!(rule["detail"]["object"]["key"][0], "source.zip");

    let build = beta.role_statements("S3DeleteBucketContentsBuildRole");
    assert!(allowed(
        &build,
        &call("s3:GetObject", &format!("{source}/source.zip"))
    ));
    assert!(!allowed(
        &build,
        &call("s3:PutObject", &format!("{source}/source.zip"))
    ));
}
