//! What holds for every template regship reads (setup, integ, the pipeline): a tag that is
//! neither a CloudFormation function nor a rain directive costs that node, not the file.

use super::Finding;
use crate::workspace::template::Template;

pub const RULES: &[(&str, &str)] = &[(
    "TPL001",
    "a YAML tag that is neither a CloudFormation function nor a rain directive",
)];

/// A warning for each unknown tag of `template` (the file at `path`), at its line.
pub fn unknown_tags(path: &str, template: &Template) -> Vec<Finding> {
    template
        .unknown_tags
        .iter()
        .map(|unknown| {
            Finding::warning(
                "TPL001",
                path,
                format!(
                    "`{}` is neither a CloudFormation function nor a rain directive: its value is not checked",
                    unknown.tag
                ),
            )
            .line(unknown.line)
            .hint("use a short form CloudFormation knows (!Ref, !Sub, !GetAtt, !If ...) or a rain directive (!Rain::S3, !Rain::Embed ...)")
        })
        .collect()
}
