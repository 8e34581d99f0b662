//! Line-level edits of a YAML template that keep every other byte as it was: the lines of one
//! entry of a section, a block moved to another indentation, names replaced in one pass, a
//! property taken out, an item appended to a list.

use std::ops::Range;

/// How many spaces start `line`.
pub fn indentation(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// Whether `line` holds YAML content (not blank, not only a comment).
fn is_content(line: &str) -> bool {
    let trimmed = line.trim_start();
    !trimmed.is_empty() && !trimmed.starts_with('#')
}

/// Whether `line` continues a node whose key is at `indent`: deeper, or a sequence item at the
/// same indentation (YAML lets a mapping's sequence value start at its key's column).
fn continues(line: &str, indent: usize) -> bool {
    let own = indentation(line);
    let trimmed = line.trim_start();
    own > indent || (own == indent && (trimmed.starts_with("- ") || trimmed == "-"))
}

/// Whether `line` is the key line `key:` (with or without a value after it).
fn is_key(line: &str, key: &str) -> bool {
    line.trim_start()
        .strip_prefix(key)
        .and_then(|rest| rest.strip_prefix(':'))
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
}

/// The line of the top-level section `name` (`Resources:`) and the indentation of its entries.
pub fn section(lines: &[String], name: &str) -> Option<(usize, usize)> {
    let header = lines
        .iter()
        .position(|line| indentation(line) == 0 && is_key(line, name))?;
    let indent = lines[header + 1..]
        .iter()
        .find(|line| is_content(line))
        .map(|line| indentation(line))
        .filter(|&indent| indent > 0)
        .unwrap_or(2);
    Some((header, indent))
}

/// The lines of the entry `id` of the top-level section `name`: from its key line to its last
/// content line (the comments after it belong to what follows).
pub fn entry_span(lines: &[String], name: &str, id: &str) -> Option<Range<usize>> {
    let (header, indent) = section(lines, name)?;
    let start = (header + 1..lines.len()).find(|&i| {
        indentation(&lines[i]) == indent && is_key(&lines[i], id)
            || indentation(&lines[i]) == 0 && is_content(&lines[i])
    })?;
    if indentation(&lines[start]) == 0 {
        return None;
    }
    Some(start..block_end(lines, start, indent))
}

/// Where the node whose key line is `start` (at `indent`) ends: after its last content line.
fn block_end(lines: &[String], start: usize, indent: usize) -> usize {
    let mut end = start + 1;
    for (i, line) in lines.iter().enumerate().skip(start + 1) {
        if !is_content(line) {
            continue;
        }
        if !continues(line, indent) {
            break;
        }
        end = i + 1;
    }
    end
}

/// `block` with `key` (a property at `indent` spaces, with everything under it) taken out.
pub fn without_property(block: &[String], indent: usize, key: &str) -> Vec<String> {
    let Some(start) = block.iter().position(|line| is_property(line, indent, key)) else {
        return block.to_vec();
    };
    let end = block_end(block, start, indent);
    block[..start]
        .iter()
        .chain(&block[end..])
        .cloned()
        .collect()
}

/// The indentation of the properties of the resource whose lines are `block`.
pub fn properties_indent(block: &[String]) -> Option<usize> {
    let properties = block.iter().position(|line| is_key(line, "Properties"))?;
    block[properties + 1..]
        .iter()
        .find(|line| is_content(line))
        .map(|line| indentation(line))
}

/// `block` moved right by `by` spaces (blank lines stay empty).
pub fn shift(block: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    block
        .lines()
        .map(|line| {
            if line.trim().is_empty() {
                "\n".to_string()
            } else {
                format!("{pad}{line}\n")
            }
        })
        .collect()
}

/// Where the list that has an item on line `item` ends (after its last item's last line).
pub fn list_end(lines: &[String], item: usize) -> usize {
    block_end(lines, item, indentation(&lines[item]))
}

/// Whether `line` is the property `key` at `indent` spaces.
pub fn is_property(line: &str, indent: usize, key: &str) -> bool {
    indentation(line) == indent && is_key(line, key)
}

/// The line after the last content line of the top-level section whose header is `header`.
pub fn section_end(lines: &[String], header: usize) -> usize {
    let mut end = header + 1;
    for (i, line) in lines.iter().enumerate().skip(header + 1) {
        if !is_content(line) {
            continue;
        }
        if indentation(line) == 0 {
            break;
        }
        end = i + 1;
    }
    end
}

/// Where the action list of the pipeline stage named `stage` (a `- Name: <stage>` item with an
/// `Actions:` key) ends, and the indentation of its items.
pub fn stage_actions_end(lines: &[String], stage: &str) -> Option<(usize, String)> {
    let actions_key = |item: usize| {
        let name = lines[item]
            .trim_start()
            .strip_prefix("- Name:")?
            .trim()
            .trim_matches(['"', '\'']);
        let indent = indentation(&lines[item]);
        if name != stage {
            return None;
        }
        (item + 1..lines.len())
            .take_while(|&i| !is_content(&lines[i]) || indentation(&lines[i]) > indent)
            .find(|&i| is_property(&lines[i], indent + 2, "Actions"))
            .map(|actions| (indent, actions))
    };
    let (stage_indent, actions) = (0..lines.len()).find_map(actions_key)?;
    let mut item_indent = None;
    let mut end = actions + 1;
    for (i, line) in lines.iter().enumerate().skip(actions + 1) {
        if !is_content(line) {
            continue;
        }
        let indent = indentation(line);
        if indent <= stage_indent {
            break;
        }
        if line.trim_start().starts_with("- ") && item_indent.is_none() {
            item_indent = Some(indent);
        }
        end = i + 1;
    }
    Some((end, " ".repeat(item_indent.unwrap_or(stage_indent + 4))))
}

/// `lines` joined, with each text inserted before its line index (in the order given at one
/// index; an index past the end appends).
pub fn insert_all(
    lines: &[String],
    mut insertions: Vec<(usize, String)>,
    newline_at_end: bool,
) -> String {
    insertions.sort_by_key(|(at, _)| *at);
    let push = |out: &mut String, text: &str| {
        if !text.is_empty() {
            out.push_str(text);
            if !text.ends_with('\n') {
                out.push('\n');
            }
        }
    };
    let mut out = String::new();
    let mut next = insertions.iter().peekable();
    for (i, line) in lines.iter().enumerate() {
        while let Some((_, text)) = next.next_if(|(at, _)| *at == i) {
            push(&mut out, text);
        }
        out.push_str(line);
        out.push('\n');
    }
    for (_, text) in next {
        push(&mut out, text);
    }
    if !newline_at_end {
        out.pop();
    }
    out
}

/// Names to replace in copied text, all in one pass so that a replacement is never replaced
/// again: `words` (logical ids) only where no letter or digit touches them, `parts` (names
/// inside strings: folders, stems, lowercase type names) anywhere.
#[derive(Debug, Default)]
pub struct Renames {
    words: Vec<(String, String)>,
    parts: Vec<(String, String)>,
}

impl Renames {
    pub fn word(&mut self, from: &str, to: &str) {
        if !from.is_empty() && from != to {
            self.words.push((from.into(), to.into()));
        }
    }

    pub fn part(&mut self, from: &str, to: &str) {
        if !from.is_empty() && from != to && !self.parts.iter().any(|(f, _)| f == from) {
            self.parts.push((from.into(), to.into()));
        }
    }

    /// `text` with every name replaced, the longest that matches at each place first.
    pub fn apply(&self, text: &str) -> String {
        let mut candidates: Vec<(&str, &str, bool)> = self
            .words
            .iter()
            .map(|(from, to)| (from.as_str(), to.as_str(), true))
            .chain(
                self.parts
                    .iter()
                    .map(|(from, to)| (from.as_str(), to.as_str(), false)),
            )
            .collect();
        candidates.sort_by_key(|(from, _, word)| (std::cmp::Reverse(from.len()), !word));
        let bytes = text.as_bytes();
        let alphanumeric = |at: Option<&u8>| at.is_some_and(u8::is_ascii_alphanumeric);
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        'scan: while at < text.len() {
            for (from, to, word) in &candidates {
                if text[at..].starts_with(from)
                    && (!word
                        || !(alphanumeric(at.checked_sub(1).and_then(|b| bytes.get(b)))
                            || alphanumeric(bytes.get(at + from.len()))))
                {
                    out.push_str(to);
                    at += from.len();
                    continue 'scan;
                }
            }
            let next = text[at..].chars().next().map_or(1, char::len_utf8);
            out.push_str(&text[at..at + next]);
            at += next;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(String::from).collect()
    }

    const TEMPLATE: &str = "Parameters:\n    Env:\n        Type: String\nResources:\n    # the role\n    Role:\n        Type: AWS::IAM::Role\n        Properties:\n            ManagedPolicyArns:\n            - !Ref Common\n            Policies:\n            - PolicyName: own\n              PolicyDocument: {}\n            Path: /\n\n    # the project\n    Project:\n        Type: AWS::CodeBuild::Project\nOutputs: {}\n";

    #[test]
    fn entries_end_at_their_last_content_line_at_any_indentation() {
        let lines = lines(TEMPLATE);
        assert_eq!(section(&lines, "Resources"), Some((3, 4)));
        assert_eq!(entry_span(&lines, "Resources", "Role"), Some(5..14));
        assert_eq!(entry_span(&lines, "Resources", "Project"), Some(16..18));
        assert_eq!(entry_span(&lines, "Resources", "Env"), None);
        assert_eq!(entry_span(&lines, "Parameters", "Env"), Some(1..3));
        let role = &lines[5..14];
        assert_eq!(properties_indent(role), Some(12));
        let without = without_property(role, 12, "Policies");
        assert_eq!(without.len(), 6);
        assert!(without.iter().any(|l| l.contains("Path: /")));
        assert!(!without.iter().any(|l| l.contains("PolicyName")));
        assert_eq!(without_property(role, 12, "Missing"), role);
    }

    #[test]
    fn a_stage_is_found_by_its_name_and_insertions_keep_their_order() {
        let lines = lines(
            "Stages:\n  - Name: Build\n    Note: the action named Test is not the stage\n  - Name: Test\n    Actions:\n      - Name: A\n      # retired\n  - Name: Deploy\n    Actions: []\n",
        );
        assert_eq!(
            stage_actions_end(&lines, "Test"),
            Some((6, "      ".into()))
        );
        assert_eq!(stage_actions_end(&lines, "Build"), None);
        assert_eq!(section_end(&lines, 0), 9);
        let joined = insert_all(
            &lines[..2],
            vec![(9, "end".into()), (1, "one".into()), (1, "two\n".into())],
            false,
        );
        assert_eq!(joined, "Stages:\none\ntwo\n  - Name: Build\nend");
    }

    #[test]
    fn lists_end_after_their_last_item() {
        let lines = lines("A:\n  - x\n  # note\n  - y:\n      z\nB: 1\n");
        assert_eq!(list_end(&lines, 1), 5);
        assert_eq!(shift("a:\n\n  b\n", 2), "  a:\n\n    b\n");
    }

    #[test]
    fn renames_replace_longest_first_once_and_words_whole() {
        let mut renames = Renames::default();
        renames.word("Thing", "Other");
        renames.word("ThingRole", "OtherRole");
        renames.part("thing", "other-one");
        renames.part("other-one", "never");
        let text = "!GetAtt ThingRole.Arn !Ref Thing ThingX thing-x \"x-thing\"";
        assert_eq!(
            renames.apply(text),
            "!GetAtt OtherRole.Arn !Ref Other ThingX other-one-x \"x-other-one\""
        );
    }
}
