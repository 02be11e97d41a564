//! Rule selection as users of ruff and hadolint expect it: `redlint.toml` (or CLI flags) with
//! select / ignore / per-rule severity / per-file ignores, plus inline suppression comments.
//!
//! ```toml
//! select = ["ALL"]                 # codes, code prefixes (RL3), rule names or categories
//! ignore = ["RL401", "style"]
//! [severity]
//! RL301 = "warning"
//! [per-file-ignores]
//! "etc/redis/users.acl" = ["RL402"]   # globs over the reported path
//! [paths]
//! "/etc/redis" = "deploy/redis"       # where a host directory lives in this repository
//! ```

use std::collections::HashMap;

use serde::Deserialize;

use crate::finding::{Finding, Severity};
use crate::model::Workspace;
use crate::rules::{self, Rule};
use crate::syntax::conf::LineKind;
use crate::syntax::sysctl::SysctlLineKind;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    #[serde(default)]
    pub select: Vec<String>,
    #[serde(default)]
    pub ignore: Vec<String>,
    #[serde(default)]
    pub severity: HashMap<String, String>,
    #[serde(default)]
    pub per_file_ignores: HashMap<String, Vec<String>>,
    /// Path mapping for config repositories: host path prefix (absolute) → directory relative
    /// to the redlint.toml's directory. The front end resolves the directories; the longest
    /// prefix wins.
    #[serde(default)]
    pub paths: std::collections::BTreeMap<String, String>,
}

/// One path mapping, lexically: the host side must be an absolute path, the directory must be
/// named. Whether the directory exists is for the front end to say.
pub fn validate_mapping(host: &str, dir: &str) -> Result<(), String> {
    if !host.starts_with('/') {
        return Err(format!(
            "`{host}` is not an absolute host path: map one like `\"/etc/redis\" = \"deploy/redis\"`"
        ));
    }
    if dir.trim().is_empty() {
        return Err(format!("`{host}` is mapped to an empty directory name"));
    }
    Ok(())
}

impl Config {
    pub fn from_toml(text: &str) -> Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| e.to_string())?;
        config.validate()?;
        Ok(config)
    }

    /// Every selector must name something, so a typo is an error, not a silent no-op.
    pub fn validate(&self) -> Result<(), String> {
        let all = self
            .select
            .iter()
            .chain(&self.ignore)
            .chain(self.per_file_ignores.values().flatten());
        for s in all {
            if !selector_is_known(s) {
                return Err(format!("`{s}` matches no rule: use a code (RL301), a prefix (RL3), a rule name, a category or ALL"));
            }
        }
        for (code, sev) in &self.severity {
            if rules::find(code).is_none() {
                return Err(format!("[severity] `{code}` is not a rule"));
            }
            if Severity::parse(sev).is_none() {
                return Err(format!(
                    "[severity] {code} = `{sev}`: use error, warning or info"
                ));
            }
        }
        for glob in self.per_file_ignores.keys() {
            glob::Pattern::new(glob).map_err(|e| format!("[per-file-ignores] `{glob}`: {e}"))?;
        }
        for (host, dir) in &self.paths {
            validate_mapping(host, dir).map_err(|e| format!("[paths] {e}"))?;
        }
        Ok(())
    }

    /// A front's `select` / `ignore` (the CLI's flags, the page's fields) layered over this
    /// file's settings, validated first so a typo is an error.
    pub fn select_over(&mut self, select: Vec<String>, ignore: Vec<String>) -> Result<(), String> {
        let flags = Config {
            select,
            ignore,
            ..Config::default()
        };
        flags.validate()?;
        self.merge(flags);
        Ok(())
    }

    /// Later settings (CLI flags) layered over this file's (`paths` are not: `--map`
    /// directories are relative to the current directory, the file's to the file).
    pub fn merge(&mut self, other: Config) {
        if !other.select.is_empty() {
            self.select = other.select;
        }
        self.ignore.extend(other.ignore);
        self.severity.extend(other.severity);
        self.per_file_ignores.extend(other.per_file_ignores);
    }

    fn enabled(&self, rule: &Rule) -> bool {
        let selected = self.select.is_empty() || self.select.iter().any(|s| matches(s, rule));
        selected && !self.ignore.iter().any(|s| matches(s, rule))
    }

    /// Drop deselected and suppressed findings; apply severity overrides.
    pub fn apply(&self, ws: &Workspace, findings: Vec<Finding>) -> Vec<Finding> {
        let suppressions = Suppressions::collect(ws);
        let globs: Vec<(glob::Pattern, &Vec<String>)> = self
            .per_file_ignores
            .iter()
            .filter_map(|(g, codes)| glob::Pattern::new(g).ok().map(|p| (p, codes)))
            .collect();
        findings
            .into_iter()
            .filter_map(|mut f| {
                let rule = rules::find(f.code)?;
                if !self.enabled(rule) {
                    return None;
                }
                if globs
                    .iter()
                    .any(|(g, codes)| g.matches(&f.file) && codes.iter().any(|c| matches(c, rule)))
                {
                    return None;
                }
                if suppressions.suppressed(&f.file, f.line, rule) {
                    return None;
                }
                if let Some(sev) = self
                    .severity
                    .iter()
                    .find(|(c, _)| matches(c, rule))
                    .and_then(|(_, s)| Severity::parse(s))
                {
                    f.severity = sev;
                }
                Some(f)
            })
            .collect()
    }
}

fn selector_is_known(s: &str) -> bool {
    rules::ALL.iter().any(|r| matches(s, r))
}

/// Does a selector (code, code prefix, rule name, category, ALL) cover this rule?
pub fn matches(selector: &str, rule: &Rule) -> bool {
    let s = selector.trim();
    s.eq_ignore_ascii_case("ALL")
        || (s.len() >= 2
            && rule.code.len() >= s.len()
            && rule.code[..s.len()].eq_ignore_ascii_case(s))
        || rule.name.eq_ignore_ascii_case(s)
        || rule.category.as_str().eq_ignore_ascii_case(s)
}

/// Inline suppressions: a comment `# redlint: disable=RL123,RL124` silences those rules on the
/// next non-comment line; `# redlint: disable-file=RL123` (or `=all`) for the whole file. In
/// sysctl files `;` comments work too. ACL files cannot hold comments (Redis refuses them), so
/// their suppressions live in `redlint.toml` under `per-file-ignores`.
struct Suppressions {
    /// (file path, 1-based line) → selectors silenced on that line.
    lines: HashMap<(String, u32), Vec<String>>,
    files: HashMap<String, Vec<String>>,
}

impl Suppressions {
    fn collect(ws: &Workspace) -> Suppressions {
        let mut s = Suppressions {
            lines: HashMap::new(),
            files: HashMap::new(),
        };
        for file in &ws.files {
            let bytes = &file.source.bytes;
            // (content span, is comment) per line
            let lines: Vec<(crate::source::Span, bool)> = if let Some(doc) = file.conf() {
                doc.lines
                    .iter()
                    .map(|l| (l.content, l.kind == LineKind::Comment))
                    .collect()
            } else if let Some(doc) = file.sysctl() {
                doc.lines
                    .iter()
                    .map(|l| (l.content, l.kind == SysctlLineKind::Comment))
                    .collect()
            } else {
                continue;
            };
            let mut pending: Vec<String> = Vec::new();
            for (i, (content, is_comment)) in lines.iter().enumerate() {
                if *is_comment {
                    let text = String::from_utf8_lossy(&bytes[content.range()]);
                    let body = text.trim_start_matches(['#', ';']).trim();
                    if let Some(rest) = body.strip_prefix("redlint:") {
                        let rest = rest.trim();
                        if let Some(codes) = rest.strip_prefix("disable-file=") {
                            s.files
                                .entry(file.source.path.clone())
                                .or_default()
                                .extend(split_codes(codes));
                        } else if let Some(codes) = rest.strip_prefix("disable=") {
                            pending.extend(split_codes(codes));
                        }
                    }
                    continue;
                }
                if content.is_empty() {
                    continue; // blank lines between the comment and its line are fine
                }
                if !pending.is_empty() {
                    s.lines.insert(
                        (file.source.path.clone(), i as u32 + 1),
                        std::mem::take(&mut pending),
                    );
                }
            }
        }
        s
    }

    fn suppressed(&self, file: &str, line: u32, rule: &Rule) -> bool {
        let hit = |codes: &Vec<String>| codes.iter().any(|c| matches(c, rule));
        self.files.get(file).is_some_and(hit)
            || self.lines.get(&(file.to_string(), line)).is_some_and(hit)
    }
}

fn split_codes(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split([',', ' '])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(String::from)
}
