//! What a test template creates for a property that names another AWS resource: a resource of
//! the kind the property's name says, and the expression that gives its name, ARN or id.

/// A prerequisite resource and how a property refers to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prerequisite {
    pub logical_id: String,
    /// The resource as YAML lines, indented for `Resources:`.
    pub resource: String,
    /// The YAML expression that the property takes, e.g. `!Ref Bucket`.
    pub value: String,
    /// Whether it is a role, which takes the kit's permissions boundary (see [`boundary_header`]).
    pub bounded: bool,
}

/// The parameter and condition through which the roles of a test template take the kit's
/// permissions boundary (the kit's builds set it; a sandbox deploy leaves it empty), when one of
/// `prerequisites` is a role: the template's text before `Resources:`.
pub fn boundary_header(prerequisites: &[Prerequisite]) -> &'static str {
    if prerequisites.iter().any(|p| p.bounded) {
        "Parameters:\n  RoleBoundary:\n    Type: String\n    Default: \"\"\n    Description: The permissions boundary of the roles this stack creates (the kit's builds set it)\n\nConditions:\n  HasRoleBoundary: !Not [!Equals [!Ref RoleBoundary, \"\"]]\n\n"
    } else {
        ""
    }
}

/// The suffixes that mark a property as naming another resource.
const SUFFIXES: [&str; 3] = ["Name", "Arn", "Id"];

/// Whether a property names a resource the handler does not create: `BucketName`, `RoleArn`,
/// `VpcId` (a bare `Name` or `Id` names the resource itself).
pub fn names_another_resource(property: &str) -> bool {
    SUFFIXES
        .iter()
        .any(|suffix| property.len() > suffix.len() && property.ends_with(suffix))
}

/// The prerequisite for `property`, e.g. an S3 bucket for `BucketName`.
pub fn for_property(property: &str) -> Prerequisite {
    let suffix = SUFFIXES
        .iter()
        .find(|s| property.ends_with(*s))
        .copied()
        .unwrap_or("Name");
    let stem = property.strip_suffix(suffix).unwrap_or(property);
    let logical_id = if stem.is_empty() {
        "Prerequisite".to_string()
    } else {
        stem.to_string()
    };
    let id = &logical_id;
    let (kind, body, name, arn) = match () {
        _ if stem.ends_with("Bucket") => ("AWS::S3::Bucket", String::new(), format!("!Ref {id}"), format!("!GetAtt {id}.Arn")),
        _ if stem.ends_with("Queue") => ("AWS::SQS::Queue", String::new(), format!("!GetAtt {id}.QueueName"), format!("!GetAtt {id}.Arn")),
        _ if stem.ends_with("Topic") => ("AWS::SNS::Topic", String::new(), format!("!GetAtt {id}.TopicName"), format!("!Ref {id}")),
        _ if stem.ends_with("LogGroup") => ("AWS::Logs::LogGroup", "      RetentionInDays: 1\n".into(), format!("!Ref {id}"), format!("!GetAtt {id}.Arn")),
        _ if stem.ends_with("Role") => (
            "AWS::IAM::Role",
            "      PermissionsBoundary: !If [HasRoleBoundary, !Ref RoleBoundary, !Ref AWS::NoValue]\n      AssumeRolePolicyDocument:\n        Version: \"2012-10-17\"\n        Statement:\n          - Effect: Allow\n            Principal:\n              Service: lambda.amazonaws.com\n            Action: sts:AssumeRole\n".into(),
            format!("!Ref {id}"),
            format!("!GetAtt {id}.Arn"),
        ),
        _ if stem.ends_with("Table") => (
            "AWS::DynamoDB::Table",
            "      BillingMode: PAY_PER_REQUEST\n      AttributeDefinitions:\n        - AttributeName: id\n          AttributeType: S\n      KeySchema:\n        - AttributeName: id\n          KeyType: HASH\n".into(),
            format!("!Ref {id}"),
            format!("!GetAtt {id}.Arn"),
        ),
        _ => (
            "AWS::SSM::Parameter",
            "      Type: String\n      Value: replace-me-with-the-resource-this-test-needs\n".into(),
            format!("!Ref {id}"),
            format!("!Sub \"arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter/${{{id}}}\""),
        ),
    };
    let properties = if body.is_empty() {
        String::new()
    } else {
        format!("    Properties:\n{body}")
    };
    Prerequisite {
        bounded: kind == "AWS::IAM::Role",
        resource: format!("  {id}:\n    Type: {kind}\n{properties}"),
        value: if suffix == "Arn" { arn } else { name },
        logical_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_naming_properties() {
        assert!(names_another_resource("BucketName"));
        assert!(names_another_resource("RoleArn"));
        assert!(names_another_resource("VpcId"));
        assert!(!names_another_resource("Name"));
        assert!(!names_another_resource("KeyPrefix"));
        let bucket = for_property("BucketName");
        assert_eq!(
            (bucket.logical_id.as_str(), bucket.value.as_str()),
            ("Bucket", "!Ref Bucket")
        );
        assert!(bucket.resource.contains("Type: AWS::S3::Bucket"));
        assert_eq!(
            for_property("ExecutionRoleArn").value,
            "!GetAtt ExecutionRole.Arn"
        );
        assert!(
            for_property("WidgetId")
                .resource
                .contains("AWS::SSM::Parameter")
        );
    }
}
