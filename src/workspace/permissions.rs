//! What each AWS resource type's handlers call: the table `make provider-permissions` writes from
//! the CloudFormation provider schemas that cfn-lint ships (create, read, update, delete, list).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use super::Extension;

/// `assets/provider-permissions.tsv`: `TYPE<TAB>action action ...`, sorted by type.
const TABLE: &str = include_str!("../../assets/provider-permissions.tsv");

fn rows() -> &'static [(&'static str, &'static str)] {
    static ROWS: OnceLock<Vec<(&'static str, &'static str)>> = OnceLock::new();
    ROWS.get_or_init(|| {
        TABLE
            .lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(|line| line.split_once('\t'))
            .collect()
    })
}

/// The actions the provider schema of `type_name` lists for its handlers, or `None` when no
/// provider schema lists any (a registry extension, or a type without handlers).
pub fn of(type_name: &str) -> Option<impl Iterator<Item = &'static str>> {
    let rows = rows();
    let at = rows
        .binary_search_by(|(name, _)| (*name).cmp(type_name))
        .ok()?;
    Some(rows[at].1.split(' '))
}

/// Where the table came from (`cfn-lint 1.58.0`), for the comments regship writes beside it.
pub fn source() -> &'static str {
    TABLE
        .lines()
        .find_map(|line| {
            let rest = line.split_once("provider schemas of ")?.1;
            Some(rest.split_once(". ").map_or(rest, |(version, _)| version))
        })
        .unwrap_or("cfn-lint")
}

/// What the contract tests of one extension call, and who needs each action.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RequiredActions {
    /// Each action, with what needs it: `handlers` (the extension's own schema) or a resource
    /// type of `test/setup` whose provider schema lists it.
    pub actions: BTreeMap<String, BTreeSet<String>>,
    /// AWS resource types of `test/setup` whose permissions no provider schema lists.
    pub unlisted: BTreeSet<String>,
    /// What was left out of a provider schema's list, and why (for the comment beside the grant).
    pub left_out: BTreeSet<String>,
}

/// Actions a provider schema lists for an optional feature of its type: needed only when one of
/// the resources of that type sets one of the properties.
struct OptionalFeature {
    type_name: &'static str,
    actions: &'static [&'static str],
    properties: &'static [&'static str],
}

/// The optional features whose actions a template that does not use them is not granted. A
/// provider schema lists one set per handler, whatever the properties; which of its actions
/// serve which property is read from what the property configures (S3 Tables for a bucket's
/// metadata tables, EC2 for a function's VPC ...), not from AWS: a handler that calls one
/// without the property shows as an AccessDenied event naming the action.
const OPTIONAL_FEATURES: &[OptionalFeature] = &[
    OptionalFeature {
        type_name: "AWS::S3::Bucket",
        actions: &[
            "s3tables:*",
            "s3:CreateBucketMetadata*",
            "s3:DeleteBucketMetadata*",
            "s3:UpdateBucketMetadata*",
        ],
        properties: &["MetadataTableConfiguration", "MetadataConfiguration"],
    },
    OptionalFeature {
        type_name: "AWS::Lambda::Function",
        actions: &["ec2:*"],
        properties: &["VpcConfig"],
    },
    OptionalFeature {
        type_name: "AWS::Lambda::Function",
        actions: &["elasticfilesystem:*", "s3files:*"],
        properties: &["FileSystemConfigs"],
    },
    OptionalFeature {
        type_name: "AWS::Lambda::Function",
        actions: &["kms:*"],
        properties: &["KmsKeyArn"],
    },
];

/// The parameter through which a template gives the roles it creates the beta kit's permissions
/// boundary (`PermissionsBoundary: !If [HasRoleBoundary, !Ref RoleBoundary, !Ref AWS::NoValue]`):
/// the beta build role may set a role's permissions only while it carries that boundary.
pub const ROLE_BOUNDARY_PARAMETER: &str = "RoleBoundary";
/// The name of the permissions boundary the beta kit (`release/beta.yml`) creates.
pub const ROLE_BOUNDARY_POLICY: &str = "regship-integ-role-boundary";

/// The name of an extension's handler role in the beta account, and of the permissions boundary
/// it carries there: `regship-handler-<type name, lowercase, dashed>`, cut to IAM's 64-character
/// role name limit with a hash of the whole name keeping cut names apart.
pub fn beta_handler_role(type_name: &str) -> String {
    let name = format!(
        "regship-handler-{}",
        type_name.replace("::", "-").to_ascii_lowercase()
    );
    if name.len() <= 64 {
        return name;
    }
    // FNV-1a: stable across builds and platforms.
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{}-{:08x}", &name[..55], hash as u32)
}

/// Actions never granted to a build role, whoever lists them: removing a role's permissions
/// boundary is what the boundary exists to prevent.
pub const WITHHELD: &[&str] = &[
    "iam:DeleteRolePermissionsBoundary",
    "iam:DeleteUserPermissionsBoundary",
];

/// Who needs an action that the extension's own schema lists.
pub const HANDLERS: &str = "handlers";

impl RequiredActions {
    /// The schema's `handlers.*.permissions`, and for each AWS resource type of `test/setup`, what
    /// its provider schema lists. Registry extensions in `test/setup` need nothing of the caller:
    /// CloudFormation calls their handlers with their own execution role.
    pub fn of(extension: &Extension) -> RequiredActions {
        let mut required = RequiredActions::handlers(extension);
        required.add_templates(extension.setup.iter().filter_map(|s| s.ok()));
        required
    }

    /// The schema's `handlers.*.permissions` alone (what its handler role may need).
    pub fn handlers(extension: &Extension) -> RequiredActions {
        let mut required = RequiredActions::default();
        if let Some(schema) = extension.schema.as_ref().and_then(|s| s.ok()) {
            for action in schema.handler_permissions.values().flatten() {
                required.need(action, HANDLERS);
            }
        }
        required
    }

    /// What creating, updating and deleting the extension's `test/integ*` templates needs of the
    /// caller (the beta build role): the provider-schema permissions of their AWS types, and
    /// `lambda:InvokeFunction` for custom resources, which CloudFormation invokes as the caller.
    /// The extension's own handlers run with its execution role, not the caller's.
    pub fn for_integ(extension: &Extension) -> RequiredActions {
        let mut required = RequiredActions::default();
        required.add_templates(extension.integ.iter().filter_map(|s| s.ok()));
        required
    }

    fn add_templates<'t>(
        &mut self,
        templates: impl Iterator<Item = &'t super::template::Template>,
    ) {
        for template in templates {
            for resource in template.resources() {
                let Some(type_name) = resource.type_name else {
                    continue;
                };
                match of(type_name) {
                    Some(actions) => {
                        for action in actions {
                            match unused_feature(type_name, resource.properties, action) {
                                Some(feature) => {
                                    self.left_out.insert(format!(
                                        "{}: {type_name} needs them only with {}",
                                        feature.actions.join(", "),
                                        feature.properties.join(" or ")
                                    ));
                                }
                                None => self.need(action, type_name),
                            }
                        }
                    }
                    None if type_name.starts_with("Custom::")
                        || type_name == "AWS::CloudFormation::CustomResource" =>
                    {
                        self.need("lambda:InvokeFunction", type_name);
                    }
                    None if type_name.starts_with("AWS::") => {
                        self.unlisted.insert(type_name.to_string());
                    }
                    None => {}
                }
            }
        }
    }

    fn need(&mut self, action: &str, by: &str) {
        if WITHHELD.iter().any(|w| w.eq_ignore_ascii_case(action)) {
            self.left_out.insert(format!(
                "{action}: removing a boundary is what the boundary prevents"
            ));
            return;
        }
        self.actions
            .entry(action.to_string())
            .or_default()
            .insert(by.to_string());
    }

    /// Whether `action` is granted by `granted` (as itself or under one of its wildcards).
    pub fn covers(granted: &BTreeSet<String>, action: &str) -> bool {
        granted.contains(action) || granted.iter().any(|grant| wildcard_matches(grant, action))
    }
}

/// The optional feature of `type_name` that `action` serves, when `properties` do not use it.
fn unused_feature(
    type_name: &str,
    properties: Option<&serde_norway::Mapping>,
    action: &str,
) -> Option<&'static OptionalFeature> {
    OPTIONAL_FEATURES.iter().find(|feature| {
        feature.type_name == type_name
            && feature
                .actions
                .iter()
                .any(|pattern| glob_matches(pattern, action, true))
            && !feature
                .properties
                .iter()
                .any(|property| properties.is_some_and(|p| p.contains_key(*property)))
    })
}

/// Whether an IAM action pattern (`s3:Get*`, `ec2:Describe*`, `*`) matches `action`, without
/// regard to case, as IAM compares them.
pub fn wildcard_matches(pattern: &str, action: &str) -> bool {
    pattern.contains(['*', '?']) && glob_matches(pattern, action, true)
}

/// IAM's wildcard match (`*` any run, `?` one character): actions compare without regard to
/// case (`fold_case`), ARNs and `StringLike` condition values with it.
pub fn glob_matches(pattern: &str, text: &str, fold_case: bool) -> bool {
    fn matches(pattern: &[u8], text: &[u8], fold: bool) -> bool {
        match pattern.split_first() {
            None => text.is_empty(),
            Some((b'*', rest)) => (0..=text.len()).any(|skip| matches(rest, &text[skip..], fold)),
            Some((b'?', rest)) => !text.is_empty() && matches(rest, &text[1..], fold),
            Some((c, rest)) => text.split_first().is_some_and(|(t, tail)| {
                (if fold {
                    t.eq_ignore_ascii_case(c)
                } else {
                    t == c
                }) && matches(rest, tail, fold)
            }),
        }
    }
    matches(pattern.as_bytes(), text.as_bytes(), fold_case)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_so_that_lookups_find_every_type() {
        let rows = rows();
        assert!(rows.len() > 1_000, "{} types", rows.len());
        assert!(rows.windows(2).all(|pair| pair[0].0 < pair[1].0));
        for (name, _) in rows {
            assert!(of(name).is_some(), "{name}");
        }
    }

    #[test]
    fn prefixes_come_from_the_schema_not_the_type_name() {
        let acm: Vec<_> = of("AWS::CertificateManager::Certificate")
            .unwrap()
            .collect();
        assert!(acm.contains(&"acm:RequestCertificate"), "{acm:?}");
        assert!(acm.iter().all(|a| !a.starts_with("certificatemanager:")));
        let role: Vec<_> = of("AWS::IAM::Role").unwrap().collect();
        assert!(role.contains(&"iam:CreateRole") && !role.iter().any(|a| a.contains('*')));
        assert!(of("AwsCommunity::S3::DeleteBucketContents").is_none());
        assert_eq!(source(), "cfn-lint 1.58.0");
    }

    #[test]
    fn beta_handler_roles_are_named_within_iams_limit() {
        assert_eq!(
            beta_handler_role("AwsCommunity::S3::DeleteBucketContents"),
            "regship-handler-awscommunity-s3-deletebucketcontents"
        );
        let long = beta_handler_role("AwsCommunity::ApplicationAutoscaling::ScheduledActionTarget");
        let other =
            beta_handler_role("AwsCommunity::ApplicationAutoscaling::ScheduledActionSource");
        assert_eq!((long.len(), other.len()), (64, 64));
        assert_ne!(long, other, "cut names stay apart");
        assert!(long.starts_with("regship-handler-awscommunity-applicationautoscaling"));
    }

    #[test]
    fn wildcards_match_as_iam_matches_them() {
        assert!(wildcard_matches("s3:Get*", "s3:GetObject"));
        assert!(wildcard_matches("S3:get*", "s3:GetObject"));
        assert!(wildcard_matches("*", "iam:CreateRole"));
        assert!(wildcard_matches("sso:List*", "sso:ListInstances"));
        assert!(wildcard_matches("ec2:Describe?pcs", "ec2:DescribeVpcs"));
        assert!(!wildcard_matches("s3:Get*", "s3:PutObject"));
        assert!(
            !wildcard_matches("s3:GetObject", "s3:GetObject"),
            "not a pattern"
        );
        let granted = BTreeSet::from(["s3:Get*".to_string(), "s3:ListBucket".to_string()]);
        assert!(RequiredActions::covers(&granted, "s3:GetBucketTagging"));
        assert!(RequiredActions::covers(&granted, "s3:ListBucket"));
        assert!(!RequiredActions::covers(&granted, "s3:ListAllMyBuckets"));
    }
}
