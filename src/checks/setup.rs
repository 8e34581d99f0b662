//! Setup rules: `test/setup.*`, the prerequisites stack of the contract tests.

use super::integ::{BoundaryRule, check_boundaries};
use super::{ExtensionFindings, Finding};
use crate::workspace::files::line_of_key;
use crate::workspace::template::ExportName;

pub const RULES: &[(&str, &str)] = &[
    ("SET001", "test/setup cannot be parsed"),
    (
        "SET002",
        "several test/setup templates: only the first is deployed",
    ),
    (
        "SET003",
        "an export name computed beyond Fn::Sub: references to it cannot be checked offline",
    ),
    (
        "SET004",
        "test/setup creates an IAM role or user without the CI/CD kit's permissions boundary",
    ),
];

pub fn check(sink: &mut ExtensionFindings) {
    let extension = sink.extension;
    if extension.setup.len() > 1 {
        let names: Vec<&str> = extension.setup.iter().map(|s| s.path.as_str()).collect();
        sink.push(
            Finding::warning(
                "SET002",
                &extension.setup[1].path,
                format!(
                    "several setup templates ({}): only {} is deployed",
                    names.join(", "),
                    names[0]
                ),
            )
            .hint("keep one test/setup template"),
        );
    }
    for setup in &extension.setup {
        let Some(template) = sink.template("SET001", "the setup template", setup) else {
            continue;
        };
        check_boundaries(
            sink,
            &BoundaryRule {
                code: "SET004",
                build: "the CI/CD build role",
                given_by: "the CI/CD build (resources/contract-tests.sh)",
            },
            setup,
            template,
        );
        for export in template.exports() {
            if export.name == ExportName::Computed {
                sink.push(
                    Finding::info("SET003", &setup.path, format!("output `{}` exports a name computed at deploy time", export.output))
                        .line(line_of_key(&setup.text, &export.output))
                        .hint("use a literal name or !Sub so that `{{Name}}` references can be checked before deploying"),
                );
            }
        }
    }
}
