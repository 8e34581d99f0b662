//! Contract-test input files, named and grouped the way the CloudFormation CLI reads them.

use std::fmt;
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

/// Any `{{...}}` in an input file; cfn test itself only matches `{{([-A-Za-z0-9:\s]+?)}}`.
static REFERENCE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{\{(.*?)\}\}").expect("valid regex"));

/// One `{{Name}}` export reference in an input file's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportReference<'a> {
    /// Byte offset of the opening braces.
    pub offset: usize,
    /// The whole `{{ Name }}`.
    pub raw: &'a str,
    /// The name, trimmed as cfn test trims it.
    pub name: &'a str,
}

/// Every `{{...}}` reference in `text`, in order.
pub fn export_references(text: &str) -> impl Iterator<Item = ExportReference<'_>> {
    REFERENCE.captures_iter(text).map(|capture| {
        let whole = capture.get(0).expect("capture 0");
        ExportReference {
            offset: whole.start(),
            raw: whole.as_str(),
            name: capture.get(1).map_or("", |m| m.as_str()).trim(),
        }
    })
}

/// Whether an input value is a placeholder `cfn init` writes in example_inputs: `"..."`, or
/// the property's own name as its value (`"TPSCode": "TPSCode"`).
pub fn is_placeholder(property: &str, value: &serde_json::Value) -> bool {
    value
        .as_str()
        .is_some_and(|text| text.trim() == "..." || text.eq_ignore_ascii_case(property))
}

/// What a contract-test input file is for, by the CLI's reading of its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    Create,
    Update,
    Invalid,
    PreCreate,
    PreUpdate,
    PreDelete,
    InvalidPreCreate,
    InvalidPreUpdate,
    InvalidPreDelete,
}

impl InputKind {
    /// The CLI's `get_type`: the first of these substrings found in the file name wins.
    const BY_SUBSTRING: [(&'static str, InputKind); 9] = [
        ("invalid_pre_create", InputKind::InvalidPreCreate),
        ("invalid_pre_update", InputKind::InvalidPreUpdate),
        ("invalid_pre_delete", InputKind::InvalidPreDelete),
        ("pre_create", InputKind::PreCreate),
        ("pre_update", InputKind::PreUpdate),
        ("pre_delete", InputKind::PreDelete),
        ("create", InputKind::Create),
        ("update", InputKind::Update),
        ("invalid", InputKind::Invalid),
    ];

    pub fn name(self) -> &'static str {
        Self::BY_SUBSTRING
            .iter()
            .find(|(_, kind)| *kind == self)
            .map(|(name, _)| *name)
            .unwrap_or_default()
    }

    /// Whether this kind belongs to hooks (the `pre_*` kinds) rather than resources.
    pub fn is_hook_kind(self) -> bool {
        !matches!(
            self,
            InputKind::Create | InputKind::Update | InputKind::Invalid
        )
    }
}

impl fmt::Display for InputKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How the CLI reads one file name in `inputs/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputName {
    /// `inputs_N...<kind>...json`: read as that kind of set N.
    Test { set: u32, kind: InputKind },
    /// A name the CLI never reads.
    Ignored,
}

/// Classifies a file name as `rpdk/core/test.py` does: prefix `inputs_N`, suffix `.json`,
/// kind by substring. The set number is the longest run of digits after `inputs_`.
pub fn classify(file_name: &str) -> InputName {
    let Some(rest) = file_name.strip_prefix("inputs_") else {
        return InputName::Ignored;
    };
    if !file_name.ends_with(".json") {
        return InputName::Ignored;
    }
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let Ok(set) = rest[..digits].parse::<u32>() else {
        return InputName::Ignored;
    };
    if set == 0 {
        return InputName::Ignored;
    }
    match InputKind::BY_SUBSTRING
        .iter()
        .find(|(needle, _)| file_name.contains(needle))
    {
        Some((_, kind)) => InputName::Test { set, kind: *kind },
        None => InputName::Ignored,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_read_like_the_cli_reads_them() {
        let test = |set, kind| InputName::Test { set, kind };
        assert_eq!(classify("inputs_1_create.json"), test(1, InputKind::Create));
        assert_eq!(classify("inputs_2_update.json"), test(2, InputKind::Update));
        assert_eq!(
            classify("inputs_1_invalid.json"),
            test(1, InputKind::Invalid)
        );
        assert_eq!(
            classify("inputs_12_create.json"),
            test(12, InputKind::Create)
        );
        assert_eq!(
            classify("inputs_1_pre_create.json"),
            test(1, InputKind::PreCreate)
        );
        assert_eq!(
            classify("inputs_1_invalid_pre_delete.json"),
            test(1, InputKind::InvalidPreDelete)
        );
        assert_eq!(classify("inputs_1_create.yaml"), InputName::Ignored);
        assert_eq!(classify("inputs_1_creat.json"), InputName::Ignored);
        assert_eq!(classify("input_1_create.json"), InputName::Ignored);
        assert_eq!(classify("inputs_create.json"), InputName::Ignored);
        assert_eq!(classify("inputs_0_create.json"), InputName::Ignored);
        assert_eq!(classify("README.md"), InputName::Ignored);
        assert!(InputKind::PreUpdate.is_hook_kind());
        assert!(!InputKind::Invalid.is_hook_kind());
        assert_eq!(
            InputKind::InvalidPreCreate.to_string(),
            "invalid_pre_create"
        );
    }
}
