//! Setup rules: `test/setup.*`, the prerequisites stack of the contract tests.

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
