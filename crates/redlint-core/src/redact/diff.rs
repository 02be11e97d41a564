//! A fix diff that shows no secret and still applies.
//!
//! Masking a secret inside a hunk (`requirepass ***`) makes the hunk lie about the file, and
//! `git apply` / `patch` refuse it. So a hunk is shown whole or not at all: every hunk whose
//! lines (context included) hold a secret or a terminal control character is *withheld*, and
//! the diff shown is computed from the original text with only the other hunks applied, so its
//! line numbers and context are exact. The full diff is kept for `--show-secrets` or a file
//! only its owner can read.

use similar::TextDiff;

use super::{is_control, Redactor};
use crate::fix::FixedFile;
use crate::model::{Origin, Workspace};

/// Lines of context around each change, as `diff -u` with `-U2`.
const RADIUS: usize = 2;

/// The diffs of a fix run.
#[derive(Debug, Clone, Default)]
pub struct Diff {
    /// Safe to print: no secret, no control character; applies with `git apply` / `patch`.
    pub shown: String,
    /// Every change, secrets included.
    pub full: String,
    /// Hunks left out of `shown`.
    pub withheld_hunks: usize,
    /// Files with at least one hunk left out.
    pub withheld_files: usize,
}

/// Diff every fixed file. `redactor` knows the secrets of the checked deployment; the secrets
/// of the original and fixed texts are added to it. With `show_secrets`, `shown == full`.
pub fn unified(files: &[FixedFile], redactor: &Redactor, show_secrets: bool) -> Diff {
    let mut r = redactor.clone();
    let mut ws = Workspace::new();
    // A file the fixes create (the sidecar of an ACL file's comments) is not a config: what
    // it may show is what the redactor knows from the files it was made from.
    for f in files.iter().filter(|f| !f.created) {
        for bytes in [&f.original, &f.fixed] {
            ws.add(String::new(), None, bytes.clone(), f.kind, Origin::Given);
        }
    }
    r.merge(&Redactor::new(&ws));
    let mut out = Diff::default();
    for f in files {
        let old = String::from_utf8_lossy(&f.original);
        let new = String::from_utf8_lossy(&f.fixed);
        let path = diff_path(f, files);
        let before = if f.created {
            "/dev/null".to_string()
        } else {
            format!("a/{path}")
        };
        let after = format!("b/{path}");
        out.full.push_str(&render(&old, &new, &before, &after));
        if show_secrets {
            continue;
        }
        let kind = (!f.created).then_some(f.kind);
        let (target, withheld) = safe_target(&old, &new, kind, &r);
        out.shown.push_str(&render(&old, &target, &before, &after));
        out.withheld_hunks += withheld;
        out.withheld_files += usize::from(withheld > 0);
    }
    if show_secrets {
        out.shown = out.full.clone();
    }
    out
}

/// The path a diff names a file by. A file the fixes create (the sidecar `users.acl.md`) may
/// only be known by its absolute host path, which `git apply` refuses: it is named after the
/// file it sits next to instead, as that one is named.
fn diff_path<'a>(f: &'a FixedFile, files: &'a [FixedFile]) -> std::borrow::Cow<'a, str> {
    if f.created {
        let host = f.host_path.as_deref().unwrap_or_default();
        for g in files.iter().filter(|g| !g.created) {
            if let Some(rest) = g
                .host_path
                .as_deref()
                .and_then(|h| host.strip_prefix(h))
                .filter(|r| !r.is_empty() && !r.contains('/'))
            {
                return format!("{}{rest}", g.path).into();
            }
        }
    }
    f.path.as_str().into()
}

fn render(old: &str, new: &str, before: &str, after: &str) -> String {
    if old == new {
        return String::new();
    }
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(RADIUS)
        .header(before, after)
        .to_string()
}

/// The fixed text with only the hunks that show nothing sensitive applied, and how many hunks
/// were left out. Re-checked until stable: leaving a hunk out changes what the others show.
fn safe_target(old: &str, new: &str, kind: Option<crate::Kind>, r: &Redactor) -> (String, usize) {
    let old_sensitive = sensitive_lines(old, kind, r);
    let mut target = new.to_string();
    let mut withheld = None;
    for _ in 0..4 {
        let new_sensitive = sensitive_lines(&target, kind, r);
        let diff = TextDiff::from_lines(old, target.as_str());
        let groups = diff.grouped_ops(RADIUS);
        let bad: Vec<bool> = groups
            .iter()
            .map(|g| {
                g.iter().any(|op| {
                    op.old_range().any(|i| old_sensitive.get(i) == Some(&true))
                        || op.new_range().any(|j| new_sensitive.get(j) == Some(&true))
                })
            })
            .collect();
        let count = bad.iter().filter(|b| **b).count();
        withheld.get_or_insert(count);
        if count == 0 {
            return (target, withheld.unwrap_or(0));
        }
        // Rebuild: unchanged lines and withheld changes from the old side, the rest new.
        let withheld_ops: Vec<_> = groups
            .iter()
            .zip(&bad)
            .filter(|(_, b)| **b)
            .flat_map(|(g, _)| g.iter().map(|op| (op.old_range(), op.new_range())))
            .collect();
        let mut next = String::with_capacity(target.len());
        for op in diff.ops() {
            let (o, n) = (op.old_range(), op.new_range());
            let keep_old = matches!(op.tag(), similar::DiffTag::Equal)
                || withheld_ops.iter().any(|(wo, wn)| *wo == o && *wn == n);
            if keep_old {
                o.for_each(|i| next.push_str(diff.old_slice(i).unwrap_or_default()));
            } else {
                n.for_each(|j| next.push_str(diff.new_slice(j).unwrap_or_default()));
            }
        }
        target = next;
    }
    // Still not stable: show nothing of this file.
    (old.to_string(), withheld.unwrap_or(0).max(1))
}

/// For each line of `text` (as `TextDiff::from_lines` splits it): does it hold a secret (by
/// the file's grammar when it has a kind, or a text the redactor knows) or a control character?
fn sensitive_lines(text: &str, kind: Option<crate::Kind>, r: &Redactor) -> Vec<bool> {
    let mut secrets = Vec::new();
    if let Some(kind) = kind {
        let mut ws = Workspace::new();
        let id = ws.add(
            String::new(),
            None,
            text.as_bytes().to_vec(),
            kind,
            Origin::Given,
        );
        secrets = ws.file(id).secrets.clone();
    }
    secrets.extend(r.spans_in(text.as_bytes(), 0, text.len()));
    secrets.sort_by_key(|s| (s.start, s.end));
    let diff = TextDiff::from_lines(text, "");
    let mut out = Vec::new();
    let mut off = 0usize;
    for line in diff.iter_old_slices() {
        let end = off + line.len();
        let secret = secrets
            .iter()
            .any(|s| (s.start as usize) < end && (s.end as usize) > off);
        out.push(secret || line.chars().any(is_control));
        off = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Kind;

    fn fixed(old: &str, new: &str) -> FixedFile {
        FixedFile {
            path: "redis.conf".into(),
            host_path: None,
            kind: Kind::Redis,
            original: old.as_bytes().to_vec(),
            fixed: new.as_bytes().to_vec(),
            created: false,
        }
    }

    #[test]
    fn hunks_with_secrets_are_withheld_and_the_rest_is_exact() {
        let old = "port 6379\nmaxmemory 1\na\nb\nc\nd\ne\nf\nrequirepass \"Hunter2x y\nz\n";
        let new = "port 6379\nmaxmemory 1gb\na\nb\nc\nd\ne\nf\nrequirepass \"Hunter2x y\"\nz\n";
        let d = unified(&[fixed(old, new)], &Redactor::default(), false);
        assert_eq!(d.withheld_hunks, 1);
        assert!(!d.shown.contains("Hunter2x"), "{}", d.shown);
        assert!(d.shown.contains("+maxmemory 1gb"));
        assert!(d.full.contains("Hunter2x"));
        assert!(d
            .shown
            .starts_with("--- a/redis.conf\n+++ b/redis.conf\n@@ -1,4 +1,4 @@"));
        let all = unified(&[fixed(old, new)], &Redactor::default(), true);
        assert_eq!(all.shown, all.full);
    }

    #[test]
    fn control_characters_withhold_a_hunk() {
        let old = "logfile \"\x1b[2J\"\nport 1\n";
        let new = "logfile \"\x1b[2J\"\nport 6379\n";
        let d = unified(&[fixed(old, new)], &Redactor::default(), false);
        assert_eq!((d.withheld_hunks, d.shown.as_str()), (1, ""));
    }
}
