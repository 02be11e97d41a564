//! Documentation that is executed cannot drift: every rule page's *Example* must trigger its
//! rule and its *Use instead* must not. Fenced blocks are tagged with the file kind and may
//! name a host path and host facts: ```` ```redis path=/etc/redis/redis.conf host-memory=4GiB ````,
//! and `on-host` for the host checks (they run only on the target host). Plain blocks make a
//! path exist on the host: ```` ```text path=/var/lib/redis dir mode=0700 owner=redis ```` (an
//! empty directory, root-owned 0755 unless `mode=` / `owner=` say otherwise; `owner=` takes
//! `root`, a name from the section's `/etc/passwd` block, or `UID:GID`).
//! `unresolved=NAME` on a config block: that host name does not resolve on the host.

use redlint_core::fs::MemoryFs;
use redlint_core::rules::{self, Rule};
use redlint_core::{check, HostFacts, Input, Kind, Options, RedisBuild};

struct Block {
    /// `None`: a plain file on the host, not checked.
    kind: Option<Kind>,
    path: String,
    executable: bool,
    text: String,
    /// An (empty) directory rather than a file.
    dir: bool,
    mode: Option<u32>,
    owner: Option<String>,
    /// Host names that do not resolve on the host (`unresolved=NAME`).
    unresolved: Vec<String>,
}

/// The fenced blocks of one `## Section` of a page, plus the options their tags ask for.
fn section_blocks(rule: &Rule, heading: &str) -> (Vec<Block>, Options) {
    let body = rule.doc_body();
    let start = body
        .find(&format!("\n## {heading}\n"))
        .unwrap_or_else(|| panic!("{}: no `## {heading}` section", rule.code));
    let rest = &body[start + heading.len() + 5..];
    let section = &rest[..rest.find("\n## ").unwrap_or(rest.len())];
    let mut blocks = Vec::new();
    let mut options = Options::default();
    let mut lines = section.lines();
    while let Some(line) = lines.next() {
        let Some(info) = line.strip_prefix("```") else {
            continue;
        };
        let mut words = info.split_whitespace();
        let Some(kind_word) = words.next() else {
            continue;
        };
        // Blocks of other languages (`text path=/usr/lib/redis/modules/x.so`) only make a file
        // exist on the host; they are not checked.
        let kind = match Kind::parse(kind_word) {
            Some(k) => k,
            None if ["text", "sh", "console"].contains(&kind_word) => {
                let path = info
                    .split_whitespace()
                    .find_map(|w| w.strip_prefix("path="));
                let tag = |k: &str| {
                    info.split_whitespace()
                        .find_map(|w| w.strip_prefix(k).map(str::to_string))
                };
                let mode = tag("mode=").map(|m| {
                    u32::from_str_radix(&m, 8)
                        .unwrap_or_else(|_| panic!("{}: bad mode {m}", rule.code))
                });
                let owner = tag("owner=");
                let dir = info.split_whitespace().any(|w| w == "dir");
                let mut text = String::new();
                for l in lines.by_ref() {
                    if l.starts_with("```") {
                        break;
                    }
                    text.push_str(l);
                    text.push('\n');
                }
                if let Some(path) = path {
                    blocks.push(Block {
                        kind: None,
                        path: path.to_string(),
                        executable: false,
                        text,
                        dir,
                        mode,
                        owner,
                        unresolved: Vec::new(),
                    });
                }
                continue;
            }
            None => panic!("{}: unknown block kind `{kind_word}`", rule.code),
        };
        let mut path = match kind {
            Kind::Redis => "/etc/redis/redis.conf",
            Kind::Sentinel => "/etc/redis/sentinel.conf",
            Kind::Acl => "/etc/redis/users.acl",
            Kind::Sysctl => "/etc/sysctl.d/99-redis.conf",
            Kind::Systemd => "/etc/systemd/system/redis-server.service.d/override.conf",
            Kind::Limits => "/etc/security/limits.d/redis.conf",
            Kind::Helm => "/k8s/redis-values.yaml",
            Kind::Compose => "/srv/redis/docker-compose.yml",
        }
        .to_string();
        let mut executable = false;
        let mut unresolved = Vec::new();
        for w in words {
            let (k, v) = w.split_once('=').unwrap_or((w, ""));
            match k {
                "path" => path = v.to_string(),
                "executable" => executable = true,
                // The example runs on the target host: host checks (RL017, RL033) are run.
                "on-host" => options.on_host = true,
                "unresolved" => unresolved.push(v.to_string()),
                "host-memory" => options.host.memory = Some(parse_size(v)),
                "host-cpus" => options.host.cpus = Some(v.parse().expect("host-cpus")),
                "host-nofile" => options.host.nofile = Some(v.parse().expect("host-nofile")),
                "build" => {
                    options.redis_build = if v == "official" {
                        RedisBuild::Official
                    } else {
                        RedisBuild::Distro
                    }
                }
                other => panic!("{}: unknown block tag `{other}`", rule.code),
            }
        }
        let mut text = String::new();
        for l in lines.by_ref() {
            if l.starts_with("```") {
                break;
            }
            text.push_str(l);
            text.push('\n');
        }
        blocks.push(Block {
            kind: Some(kind),
            path,
            executable,
            text,
            dir: false,
            mode: None,
            owner: None,
            unresolved,
        });
    }
    assert!(
        !blocks.is_empty(),
        "{}: `## {heading}` has no fenced example",
        rule.code
    );
    let _ = HostFacts::default();
    (blocks, options)
}

fn parse_size(v: &str) -> u64 {
    let (n, unit) = v.split_at(v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len()));
    let n: u64 = n.parse().expect("size");
    n * match unit {
        "GiB" => 1 << 30,
        "MiB" => 1 << 20,
        "KiB" => 1 << 10,
        "" => 1,
        other => panic!("unit {other}"),
    }
}

fn host_of(blocks: &[Block]) -> (MemoryFs, Vec<Input>) {
    let mut fs = MemoryFs::new();
    let mut inputs = Vec::new();
    let passwd = blocks
        .iter()
        .find(|b| b.path == "/etc/passwd")
        .map(|b| b.text.as_str());
    for b in blocks {
        if b.dir {
            fs.insert_dir(b.path.clone());
        } else if b.executable {
            fs.insert_executable(b.path.clone(), b.text.clone());
        } else {
            fs.insert(b.path.clone(), b.text.clone());
        }
        if let Some(mode) = b.mode {
            fs.set_mode(&b.path, mode);
        }
        if let Some(owner) = &b.owner {
            let (uid, gid) = owner_ids(owner, passwd);
            fs.set_owner(&b.path, uid, gid);
        }
        for name in &b.unresolved {
            fs.set_resolves(name.clone(), false);
        }
        // Scripts are only there to exist; everything else is checked.
        if let (false, Some(kind)) = (b.executable, b.kind) {
            inputs.push(Input {
                path: b.path.trim_start_matches('/').to_string(),
                host_path: Some(b.path.clone()),
                bytes: b.text.clone().into_bytes(),
                kind,
            });
        }
    }
    (fs, inputs)
}

/// `root`, `UID:GID`, or a user of the section's `/etc/passwd` block (with its primary group).
fn owner_ids(owner: &str, passwd: Option<&str>) -> (u32, u32) {
    if owner == "root" {
        return (0, 0);
    }
    if let Some((u, g)) = owner.split_once(':') {
        if let (Ok(u), Ok(g)) = (u.parse(), g.parse()) {
            return (u, g);
        }
    }
    passwd
        .and_then(|p| {
            p.lines().find_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                (f.len() >= 4 && f[0] == owner).then(|| (f[2].parse().ok(), f[3].parse().ok()))
            })
        })
        .and_then(|(u, g)| Some((u?, g?)))
        .unwrap_or_else(|| panic!("owner={owner}: not root, UID:GID or a user of /etc/passwd"))
}

fn codes_for(blocks: &[Block], options: &Options) -> Vec<String> {
    // A rule folded into another's finding (one problem, one finding) is reported as a facet.
    findings_for(blocks, options)
        .iter()
        .flat_map(|f| f.codes().map(str::to_string).collect::<Vec<_>>())
        .collect()
}

fn findings_for(blocks: &[Block], options: &Options) -> Vec<redlint_core::Finding> {
    let (fs, inputs) = host_of(blocks);
    check(inputs, &fs, options).findings
}

#[test]
fn every_rule_has_the_documented_sections() {
    assert!(!rules::ALL.is_empty());
    for rule in rules::ALL {
        let body = rule.doc_body();
        for heading in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Use instead",
            "## Severity",
        ] {
            assert!(body.contains(heading), "{} lacks `{heading}`", rule.code);
        }
        if rule.fix.is_some() {
            assert!(
                body.contains("## Fix safety"),
                "{} has a fix but no `## Fix safety`",
                rule.code
            );
        }
        assert!(!body.contains("TODO"), "{} page still has TODO", rule.code);
    }
}

#[test]
fn bad_examples_trigger_and_good_examples_do_not() {
    let mut failures = Vec::new();
    for rule in rules::ALL {
        let (bad, bad_opts) = section_blocks(rule, "Example");
        let codes = codes_for(&bad, &bad_opts);
        if !codes.iter().any(|c| c == rule.code) {
            failures.push(format!(
                "{} {}: the Example does not trigger it (got {codes:?})",
                rule.code, rule.name
            ));
        }
        let (good, good_opts) = section_blocks(rule, "Use instead");
        let found = findings_for(&good, &good_opts);
        if found.iter().any(|f| f.codes().any(|c| c == rule.code)) {
            failures.push(format!(
                "{} {}: the Use instead example triggers it",
                rule.code, rule.name
            ));
        }
        // What a page recommends must start: no fatal finding of any rule.
        let fatal: Vec<_> = found
            .iter()
            .filter(|f| f.fatal)
            .map(|f| format!("{} {}", f.code, f.message))
            .collect();
        if !fatal.is_empty() {
            failures.push(format!(
                "{} {}: the Use instead example would not start: {fatal:?}",
                rule.code, rule.name
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// A host check's page says it runs only with `--on-host`, and its examples run on the host;
/// every page whose examples need the host is a host check.
#[test]
fn host_checks_are_marked_and_documented() {
    let mut failures = Vec::new();
    for rule in rules::ALL {
        let body = rule.doc_body();
        let on_host_example = body
            .lines()
            .any(|l| l.starts_with("```") && l.split_whitespace().any(|w| w == "on-host"));
        if rule.host_check && !body.contains("--on-host") {
            failures.push(format!(
                "{}: host check, but the page does not say it needs `--on-host`",
                rule.code
            ));
        }
        if rule.host_check != on_host_example {
            failures.push(format!(
                "{}: host-check: {} but on-host examples: {on_host_example}",
                rule.code, rule.host_check
            ));
        }
    }
    for code in ["RL017", "RL018", "RL019", "RL025", "RL033"] {
        assert!(
            rules::find(code).is_some_and(|r| r.host_check),
            "{code} is a host check"
        );
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// No message quotes nothing: an empty value is shown as `""`, never as an empty pair of
/// backquotes or a double space ("Redis reads  and refuses", "line 12 sets `` again").
#[test]
fn no_message_renders_an_empty_value() {
    let mut failures = Vec::new();
    for rule in rules::ALL {
        for heading in ["Example", "Use instead"] {
            let (blocks, options) = section_blocks(rule, heading);
            for f in findings_for(&blocks, &options) {
                let texts = std::iter::once(&f.message)
                    .chain(f.help.iter())
                    .chain(f.related.iter().map(|r| &r.message))
                    .chain(f.facets.iter().map(|x| &x.message));
                for t in texts {
                    if t.contains("``") || t.contains("  ") {
                        failures.push(format!("{} {heading}: {} {t}", rule.code, f.code));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn codes_and_names_are_unique() {
    let mut codes = std::collections::HashSet::new();
    let mut names = std::collections::HashSet::new();
    for r in rules::ALL {
        assert!(codes.insert(r.code), "duplicate code {}", r.code);
        assert!(names.insert(r.name), "duplicate name {}", r.name);
        assert!(
            r.code.len() == 5 && r.code.starts_with("RL"),
            "bad code {}",
            r.code
        );
    }
}

/// Pages whose Example shows only the cases the fix leaves alone (the page says why).
const EXAMPLES_WITHOUT_A_FIXABLE_CASE: &[&str] = &[
    "RL001", // only a byte-order mark is fixed; spellings are suggested, never applied
    "RL103", // the Example is across files, where the page explains there is no fix
    "RL202", // the Example has no default user in the ACL file: no password to keep
    "RL603", // the Example lacks `masterauth`, whose value only the operator can choose
];

/// A rule's fix does what its page says: applied to the *Example*, the rule no longer fires
/// there, and fixing again changes nothing.
#[test]
fn fixes_clear_their_own_examples() {
    let mut failures = Vec::new();
    let mut fixable = 0;
    for rule in rules::ALL {
        if rule.fix.is_none() {
            continue;
        }
        fixable += 1;
        let (bad, options) = section_blocks(rule, "Example");
        let (fs, inputs) = host_of(&bad);
        let before = check(inputs.clone(), &fs, &options).findings;
        let of_rule = |f: &&redlint_core::Finding| f.codes().any(|c| c == rule.code);
        let fixable = before
            .iter()
            .filter(of_rule)
            .filter(|f| f.fix.is_some())
            .count();
        if fixable == 0 {
            if !EXAMPLES_WITHOUT_A_FIXABLE_CASE.contains(&rule.code) {
                failures.push(format!(
                    "{} {}: the Example has no case the fix applies to",
                    rule.code, rule.name
                ));
            }
            continue;
        }
        let once = redlint_core::fix::fix(inputs.clone(), &fs, &options, true);
        let left: Vec<_> = once.report.findings.iter().filter(of_rule).collect();
        let still_fixable: Vec<_> = left
            .iter()
            .filter(|f| f.fix.is_some())
            .map(|f| format!("{}:{}", f.file, f.line))
            .collect();
        if !still_fixable.is_empty() || left.len() + fixable > before.iter().filter(of_rule).count()
        {
            failures.push(format!(
                "{} {}: fixable findings left after fixing: {still_fixable:?} ({} of {} left, {fixable} were fixable)",
                rule.code,
                rule.name,
                left.len(),
                before.iter().filter(of_rule).count()
            ));
        }
        // The fixed files, given again: nothing more to do.
        let fixed: Vec<Input> = inputs
            .into_iter()
            .map(|mut i| {
                if let Some(f) = once.files.iter().find(|f| f.path == i.path) {
                    i.bytes = f.fixed.clone();
                }
                i
            })
            .collect();
        let mut fs = fs;
        for f in &once.files {
            if let Some(h) = &f.host_path {
                fs.insert(h.clone(), String::from_utf8_lossy(&f.fixed).into_owned());
            }
        }
        let twice = redlint_core::fix::fix(fixed, &fs, &options, true);
        if !twice.files.is_empty() {
            failures.push(format!(
                "{} {}: a second fix still changes {:?}",
                rule.code,
                rule.name,
                twice.files.iter().map(|f| &f.path).collect::<Vec<_>>()
            ));
        }
    }
    assert!(fixable > 10, "only {fixable} rules have fixes");
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
