//! Properties of the whole pipeline over generated configurations: checking never panics, no
//! output carries a planted secret, `fix` is idempotent and never adds a finding.

use proptest::prelude::*;
use redlint_core::fs::MemoryFs;
use std::collections::{BTreeMap, BTreeSet};

use redlint_core::finding::Edit;
use redlint_core::knowledge::directives;
use redlint_core::model::{Deployment, Workspace};
use redlint_core::syntax::conf;
use redlint_core::{HostFacts, Input, Kind, Options};

/// A password no rule may echo: it appears only where a secret is set.
const SECRET: &str = "Pl4nted-S3cret-9f7c2e";

/// One line of a redis.conf: directives that matter to the rules, values that may be odd
/// (control characters, quotes, huge numbers), and the planted secret where secrets go.
fn conf_line() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        Just("0".to_string()),
        Just("yes".to_string()),
        Just("1gb".to_string()),
        Just("0.0.0.0".to_string()),
        Just("\"a b\"".to_string()),
        Just("\x1b[2J".to_string()),
        Just("99999999999999999999".to_string()),
        "[a-z0-9 ]{0,12}",
    ];
    prop_oneof![
        (
            prop::sample::select(vec![
                "port",
                "bind",
                "maxmemory",
                "maxmemory-policy",
                "save",
                "appendonly",
                "protected-mode",
                "timeout",
                "tcp-backlog",
                "io-threads",
                "maxclients",
                "rename-command",
                "replicaof",
                "dir",
                "loglevel",
                "unknown-thing",
            ]),
            value
        )
            .prop_map(|(d, v)| format!("{d} {v}")),
        prop::sample::select(vec!["requirepass", "masterauth"])
            .prop_map(|d| format!("{d} {SECRET}")),
        Just(format!("user app on >{SECRET} ~* +@all")),
        Just("# a comment".to_string()),
        Just(String::new()),
    ]
}

fn conf() -> impl Strategy<Value = String> {
    prop::collection::vec(conf_line(), 0..12).prop_map(|l| l.join("\n") + "\n")
}

fn input(text: &str) -> Input {
    Input {
        path: "redis.conf".into(),
        host_path: Some("/repo/redis.conf".into()),
        bytes: text.as_bytes().to_vec(),
        kind: Kind::Redis,
    }
}

fn fs() -> MemoryFs {
    let mut fs = MemoryFs::new();
    fs.insert_dir("/repo");
    fs.cover("/repo");
    fs
}

/// Codes and places of a check's findings, for comparing two runs.
fn codes(text: &str) -> Vec<&'static str> {
    let report = redlint_core::check(vec![input(text)], &fs(), &Options::default());
    let mut c: Vec<&'static str> = report.findings.iter().flat_map(|f| f.codes()).collect();
    c.sort();
    c
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn no_output_carries_a_planted_secret(text in conf()) {
        let report = redlint_core::check(vec![input(&text)], &fs(), &Options::default());
        let json = serde_json::to_string(&(&report.findings, &report.notices)).unwrap();
        prop_assert!(!json.contains(SECRET), "secret in {json}");
        let outcome = redlint_core::fix::fix(vec![input(&text)], &fs(), &Options::default(), true);
        let json = serde_json::to_string(&outcome.report.findings).unwrap();
        prop_assert!(!json.contains(SECRET), "secret after fix in {json}");
    }

    #[test]
    fn fix_is_idempotent_and_adds_no_finding(text in conf()) {
        let outcome = redlint_core::fix::fix(vec![input(&text)], &fs(), &Options::default(), false);
        let Some(fixed) = outcome.files.iter().find(|f| f.path == "redis.conf") else {
            return Ok(());
        };
        let fixed = String::from_utf8(fixed.fixed.clone()).unwrap();
        let again = redlint_core::fix::fix(vec![input(&fixed)], &fs(), &Options::default(), false);
        prop_assert_eq!(again.applied, 0, "a second fix changed {:?}", fixed);
        let (before, after) = (codes(&text), codes(&fixed));
        for code in &after {
            prop_assert!(
                before.iter().filter(|c| *c == code).count() >= after.iter().filter(|c| *c == code).count(),
                "fix added {code}: {text:?} -> {fixed:?}"
            );
        }
    }

    /// The fixed text still loads to the same effective values, except for the directives the
    /// applied fixes edited: a fix never changes a setting it did not mean to.
    #[test]
    fn fix_keeps_every_value_it_did_not_mean_to_change(text in conf()) {
        let outcome = redlint_core::fix::fix(vec![input(&text)], &fs(), &Options::default(), true);
        let Some(fixed) = outcome.files.iter().find(|f| f.path == "redis.conf") else {
            return Ok(());
        };
        let fixed = String::from_utf8(fixed.fixed.clone()).unwrap();
        let meant = meant_to_change(&text);
        let (before, after) = (effective(&text), effective(&fixed));
        let names: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
        for name in names {
            if meant.contains(name.as_str()) {
                continue;
            }
            prop_assert_eq!(
                before.get(name), after.get(name),
                "fix changed `{}` which no fix edited: {:?} -> {:?}", name, text, fixed
            );
        }
    }
}

/// The effective configuration Redis would load from `text`, as the checks see it: every
/// directive (aliases resolved) with its decoded arguments, in load order per name.
fn effective(text: &str) -> BTreeMap<String, Vec<Vec<Vec<u8>>>> {
    let mut ws = Workspace::new();
    ws.add_given(vec![input(text)]);
    let (deployment, _) = Deployment::build(&mut ws, &fs(), HostFacts::default());
    let mut values: BTreeMap<String, Vec<Vec<Vec<u8>>>> = BTreeMap::new();
    for server in &deployment.servers {
        for d in &server.directives {
            let (file, doc, line) = ws.conf_line(d.file, d.line);
            let args = doc.tokens(line)[1..]
                .iter()
                .map(|t| doc.value(&file.source.bytes, t).to_vec())
                .collect();
            values.entry(d.name.clone()).or_default().push(args);
        }
    }
    values
}

/// Names of the directives a fix edit is meant to change: those of the lines its span touches
/// in `text` (an insertion touches the lines on both sides of its point) and those its
/// replacement writes.
fn edited_names(text: &str, edit: &Edit, into: &mut BTreeSet<String>) {
    let source = text.as_bytes();
    let doc = conf::parse(source);
    let mut name_of = |doc: &conf::ConfDocument, source: &[u8], line: &conf::Line| {
        if let Some(t) = doc.tokens(line).first() {
            let name = String::from_utf8_lossy(doc.value(source, t)).to_ascii_lowercase();
            // Aliases the model resolves (`slaveof` is `replicaof`, …) count under both names.
            into.insert(directives::canonical_name(name.as_bytes()).into_owned());
            into.insert(name);
        }
    };
    for line in &doc.lines {
        let (s, e) = (line.span.start, line.span.end);
        if edit.start <= e && s <= edit.end {
            name_of(&doc, source, line);
        }
    }
    let replacement = conf::parse(edit.replacement.as_bytes());
    for line in &replacement.lines {
        name_of(&replacement, edit.replacement.as_bytes(), line);
    }
}

/// Every directive the fixes of `text` are meant to change: those their edits touch. (Fixes
/// are chosen on the first check; a later pass only runs when a first-pass fix exposes a new
/// finding, which the property would then report.)
fn meant_to_change(text: &str) -> BTreeSet<String> {
    let internal = Options {
        show_secrets: true,
        ..Options::default()
    };
    let report = redlint_core::check(vec![input(text)], &fs(), &internal);
    let mut names = BTreeSet::new();
    let edits = report
        .findings
        .iter()
        .filter_map(|f| f.fix.as_ref())
        .flat_map(|fx| fx.edits.iter())
        .filter(|e| e.file == "redis.conf");
    for e in edits {
        edited_names(text, e, &mut names);
    }
    names
}
