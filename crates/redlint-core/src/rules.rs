//! The rule catalogue. Each rule is defined once, by its page `rules/<CODE>-<name>.md`; the
//! build script turns the pages' front matter into the statics below (one per rule, named
//! after the rule in SCREAMING_SNAKE_CASE), so code, docs and `redlint rule` cannot drift.

use serde::Serialize;

use crate::finding::{Applicability, Severity};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Correctness,
    Security,
    Availability,
    Durability,
    Performance,
    Deprecation,
    Style,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Correctness => "correctness",
            Category::Security => "security",
            Category::Availability => "availability",
            Category::Durability => "durability",
            Category::Performance => "performance",
            Category::Deprecation => "deprecation",
            Category::Style => "style",
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    pub category: Category,
    pub severity: Severity,
    /// The strongest fix the rule can offer, if any.
    pub fix: Option<Applicability>,
    /// A host check (`host-check: true` on its page): it looks at the target host's state
    /// (directories, modes, owners, name resolution) and runs only with `--on-host`.
    pub host_check: bool,
    /// The whole Markdown page, front matter included; empty when built without the
    /// `rule-pages` feature (see [`Rule::page`]).
    pub doc: &'static str,
}

impl Rule {
    /// The page without its front matter, when the build embeds the pages (`rule-pages`, on
    /// by default; the browser build serves the pages next to itself instead).
    pub fn page(&self) -> Option<&'static str> {
        (!self.doc.is_empty()).then(|| self.doc_body())
    }

    /// The page without its front matter.
    pub fn doc_body(&self) -> &'static str {
        self.doc
            .strip_prefix("---\n")
            .and_then(|rest| rest.find("\n---\n").map(|i| &rest[i + 5..]))
            .unwrap_or(self.doc)
            .trim_start_matches('\n')
    }
}

include!(concat!(env!("OUT_DIR"), "/rules_table.rs"));

/// Look a rule up by code (`RL001`) or name (`unknown-directive`), case-insensitively.
pub fn find(code_or_name: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|r| {
        r.code.eq_ignore_ascii_case(code_or_name) || r.name.eq_ignore_ascii_case(code_or_name)
    })
}
