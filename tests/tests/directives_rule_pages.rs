//! The rule pages of the directive checks are executed: every *Example* (bad) block must
//! trigger its rule, and every *Use instead* (good) block must not.
//!
//! A section's fenced blocks are the files of one deployment: ```` ```redis ````,
//! ```` ```sentinel ````, ```` ```acl ````, ```` ```sysctl ```` are checked (at their default
//! paths, or `path=…`); ```` ```text path=… ```` only puts a file on the host (e.g. to show that a
//! directory exists).

use redlint_core::fs::MemoryFs;
use redlint_core::{rules, Input, Kind, Options};

const CODES: &[&str] = &[
    "RL001", "RL002", "RL003", "RL004", "RL005", "RL006", "RL007", "RL011", "RL013", "RL014",
    "RL015", "RL016", "RL017",
];

struct Block {
    kind: Option<Kind>,
    path: String,
    text: String,
}

fn default_path(kind: &str) -> &'static str {
    match kind {
        "sentinel" => "/etc/redis/sentinel.conf",
        "acl" => "/etc/redis/users.acl",
        "sysctl" => "/etc/sysctl.d/99-redis.conf",
        _ => "/etc/redis/redis.conf",
    }
}

/// The fenced blocks of the section under `## <heading>`.
fn section_blocks(doc: &str, heading: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut in_section = false;
    let mut current: Option<Block> = None;
    for line in doc.split_inclusive('\n') {
        if let Some(b) = current.as_mut() {
            if line.trim_end() == "```" {
                blocks.push(current.take().expect("block"));
            } else {
                b.text.push_str(line);
            }
            continue;
        }
        if let Some(h) = line.strip_prefix("## ") {
            in_section = h.trim() == heading;
            continue;
        }
        if !in_section {
            continue;
        }
        if let Some(info) = line.trim_end().strip_prefix("```") {
            let mut words = info.split_whitespace();
            let tag = words.next().unwrap_or("redis");
            let path = words
                .find_map(|w| w.strip_prefix("path="))
                .map(String::from)
                .unwrap_or_else(|| default_path(tag).to_string());
            let kind = match tag {
                "redis" => Some(Kind::Redis),
                "sentinel" => Some(Kind::Sentinel),
                "acl" => Some(Kind::Acl),
                "sysctl" => Some(Kind::Sysctl),
                _ => None,
            };
            current = Some(Block {
                kind,
                path,
                text: String::new(),
            });
        }
    }
    blocks
}

fn codes_found(blocks: &[Block]) -> Vec<&'static str> {
    let mut fs = MemoryFs::new();
    let mut inputs = Vec::new();
    for b in blocks {
        fs.insert(b.path.clone(), b.text.as_bytes().to_vec());
        if let Some(kind) = b.kind {
            inputs.push(Input {
                path: b.path.clone(),
                host_path: Some(b.path.clone()),
                bytes: b.text.as_bytes().to_vec(),
                kind,
            });
        }
    }
    redlint_core::check(inputs, &fs, &Options::default())
        .findings
        .iter()
        .map(|f| f.code)
        .collect()
}

#[test]
fn examples_trigger_and_good_examples_do_not() {
    let mut problems = Vec::new();
    for code in CODES {
        let rule = rules::ALL
            .iter()
            .find(|r| r.code == *code)
            .unwrap_or_else(|| panic!("rule {code} has no page"));
        let doc = rule.doc;
        for heading in ["What it does", "Why is this bad?", "Example", "Use instead"] {
            if !doc.contains(&format!("## {heading}")) {
                problems.push(format!("{code}: no `## {heading}` section"));
            }
        }
        if doc.contains("TODO") {
            problems.push(format!("{code}: page still has TODO"));
        }
        if rule.fix.is_some() && !doc.contains("## Fix safety") {
            problems.push(format!("{code}: has a fix but no `## Fix safety`"));
        }
        let bad = section_blocks(doc, "Example");
        let good = section_blocks(doc, "Use instead");
        if bad.is_empty() || good.is_empty() {
            problems.push(format!("{code}: missing example blocks"));
            continue;
        }
        if !codes_found(&bad).contains(code) {
            problems.push(format!(
                "{code}: the Example does not trigger the rule (found {:?})",
                codes_found(&bad)
            ));
        }
        let found_good = codes_found(&good);
        if found_good.contains(code) {
            problems.push(format!("{code}: the Use-instead example triggers the rule"));
        }
        // A good example of a rule about refused configs must not be refused for another reason.
        let fatal_good: Vec<String> = {
            let mut fs = MemoryFs::new();
            let mut inputs = Vec::new();
            for b in &good {
                fs.insert(b.path.clone(), b.text.as_bytes().to_vec());
                if let Some(kind) = b.kind {
                    inputs.push(Input {
                        path: b.path.clone(),
                        host_path: Some(b.path.clone()),
                        bytes: b.text.as_bytes().to_vec(),
                        kind,
                    });
                }
            }
            redlint_core::check(inputs, &fs, &Options::default())
                .findings
                .iter()
                .filter(|f| f.fatal && CODES.contains(&f.code))
                .map(|f| format!("{} {}", f.code, f.message))
                .collect()
        };
        if !fatal_good.is_empty() {
            problems.push(format!(
                "{code}: the Use-instead example is fatal: {fatal_good:?}"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
