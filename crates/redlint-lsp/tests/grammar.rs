//! The TextMate grammars in `editors/textmate/`: valid JSON, every regex compiles (with the
//! Rust `regex` crate: the grammars keep to the subset Oniguruma and it share, no
//! look-around), every include resolves, and a small tokenizer following TextMate's rules
//! (leftmost match wins, the first pattern on a tie; begin/end regions) gives each part of a
//! sample line the expected scope.

use std::collections::HashMap;
use std::path::Path;

use regex::Regex;
use serde_json::Value;

struct Grammars {
    by_scope: HashMap<String, Value>,
}

enum Rule {
    Match {
        re: Regex,
        name: Option<String>,
        captures: Vec<(usize, String)>,
    },
    Region {
        begin: Regex,
        captures: Vec<(usize, String)>,
        end: Regex,
        inner: Vec<Rule>,
    },
}

fn compile(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"))
}

fn captures(v: &Value) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = v
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, c)| (k.parse().unwrap(), c["name"].as_str().unwrap().to_string()))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

impl Grammars {
    fn load() -> Grammars {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../editors/textmate");
        let mut by_scope = HashMap::new();
        for e in std::fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let v: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: not valid JSON: {e}", path.display()));
            let scope = v["scopeName"].as_str().unwrap().to_string();
            by_scope.insert(scope, v);
        }
        Grammars { by_scope }
    }

    /// The rules a `patterns` list stands for, includes expanded.
    fn rules(&self, scope: &str, patterns: &Value, depth: usize) -> Vec<Rule> {
        assert!(depth < 16, "include loop in {scope}");
        let mut out = Vec::new();
        for p in patterns.as_array().unwrap() {
            if let Some(inc) = p["include"].as_str() {
                let (target, key) = match inc.split_once('#') {
                    Some(("", key)) => (scope, Some(key)),
                    Some((s, key)) => (s, Some(key)),
                    None if inc == "$self" => (scope, None),
                    None => (inc, None),
                };
                let g = &self.by_scope[target];
                let item = match key {
                    Some(k) => {
                        let item = &g["repository"][k];
                        assert!(!item.is_null(), "{inc} (from {scope}) does not resolve");
                        item.clone()
                    }
                    None => serde_json::json!({"patterns": g["patterns"]}),
                };
                out.extend(self.rule_or_list(target, &item, depth + 1));
            } else {
                out.extend(self.rule_or_list(scope, p, depth + 1));
            }
        }
        out
    }

    fn rule_or_list(&self, scope: &str, item: &Value, depth: usize) -> Vec<Rule> {
        if let Some(m) = item["match"].as_str() {
            let caps = captures(&item["captures"]);
            return vec![Rule::Match {
                re: compile(m),
                name: item["name"].as_str().map(String::from),
                captures: caps,
            }];
        }
        if let Some(b) = item["begin"].as_str() {
            return vec![Rule::Region {
                begin: compile(b),
                captures: captures(&item["beginCaptures"]),
                end: compile(item["end"].as_str().unwrap()),
                inner: self.rules(scope, &item["patterns"], depth),
            }];
        }
        self.rules(scope, &item["patterns"], depth)
    }

    /// (text, scope) of each named part of one line.
    fn tokenize(&self, scope: &str, line: &str) -> Vec<(String, String)> {
        let g = &self.by_scope[scope];
        let rules = self.rules(scope, &g["patterns"], 0);
        let mut out = Vec::new();
        scan(line, 0, &rules, None, &mut out);
        out
    }
}

fn emit(caps: &regex::Captures, names: &[(usize, String)], out: &mut Vec<(String, String)>) {
    for (i, name) in names {
        if let Some(m) = caps.get(*i) {
            out.push((m.as_str().to_string(), name.clone()));
        }
    }
}

/// Tokenize `line` from `pos` with `rules` until `end` matches; returns where it stopped.
fn scan(
    line: &str,
    mut pos: usize,
    rules: &[Rule],
    end: Option<&Regex>,
    out: &mut Vec<(String, String)>,
) -> usize {
    while pos <= line.len() {
        let end_at = end.and_then(|e| e.find_at(line, pos));
        let mut best: Option<(usize, &Rule, regex::Captures)> = None;
        for r in rules {
            let re = match r {
                Rule::Match { re, .. } => re,
                Rule::Region { begin, .. } => begin,
            };
            if let Some(c) = re.captures_at(line, pos) {
                let start = c.get(0).unwrap().start();
                if best.as_ref().is_none_or(|(s, _, _)| start < *s) {
                    best = Some((start, r, c));
                }
            }
        }
        if let Some(e) = end_at {
            if best.as_ref().is_none_or(|(s, _, _)| e.start() <= *s) {
                return e.end();
            }
        }
        let Some((_, rule, caps)) = best else {
            return line.len();
        };
        let whole = caps.get(0).unwrap();
        match rule {
            Rule::Match { name, captures, .. } => {
                if let Some(n) = name {
                    out.push((whole.as_str().to_string(), n.clone()));
                }
                emit(&caps, captures, out);
                pos = whole.end();
            }
            Rule::Region {
                captures,
                end,
                inner,
                ..
            } => {
                emit(&caps, captures, out);
                pos = scan(line, whole.end(), inner, Some(end), out);
            }
        }
        if whole.is_empty() {
            pos += line[pos..].chars().next().map_or(1, char::len_utf8);
        }
    }
    pos
}

fn has(tokens: &[(String, String)], text: &str, scope_prefix: &str) -> bool {
    tokens
        .iter()
        .any(|(t, s)| t == text && s.starts_with(scope_prefix))
}

#[test]
fn grammars_are_valid_and_every_regex_and_include_resolves() {
    let g = Grammars::load();
    for scope in [
        "source.redis-conf",
        "source.redis-acl",
        "source.redis-sentinel",
    ] {
        let v = &g.by_scope[scope];
        assert!(v["name"].is_string() && v["patterns"].is_array(), "{scope}");
        g.rules(scope, &v["patterns"], 0);
        for (key, item) in v["repository"].as_object().unwrap() {
            assert!(
                !g.rule_or_list(scope, item, 0).is_empty(),
                "{scope}#{key} is empty"
            );
        }
    }
}

#[test]
fn redis_conf_lines_tokenize_sensibly() {
    let g = Grammars::load();
    let t = g.tokenize("source.redis-conf", "# Redis configuration");
    assert_eq!(
        t,
        [(
            "# Redis configuration".into(),
            "comment.line.number-sign.redis-conf".into()
        )]
    );
    let t = g.tokenize("source.redis-conf", "maxmemory 4gb");
    assert!(has(&t, "maxmemory", "keyword.other.directive"), "{t:?}");
    assert!(has(&t, "4gb", "constant.numeric"), "{t:?}");
    let t = g.tokenize("source.redis-conf", "appendonly yes");
    assert!(has(&t, "yes", "constant.language.boolean"), "{t:?}");
    let t = g.tokenize("source.redis-conf", "logfile \"/var/log/redis/redis.log\"");
    assert!(
        has(&t, "\"/var/log/redis/redis.log\"", "string.quoted.double"),
        "{t:?}"
    );
    let t = g.tokenize("source.redis-conf", "timeout 300   # idle clients");
    assert!(
        has(&t, "# idle clients", "invalid.illegal.inline-comment"),
        "{t:?}"
    );
    let t = g.tokenize("source.redis-conf", "user app on >pw ~app:* +@read");
    assert!(has(&t, "user", "keyword.other.directive"), "{t:?}");
    assert!(has(&t, "app", "entity.name.user"), "{t:?}");
    assert!(has(&t, "+@read", "support.type.acl-category"), "{t:?}");
}

#[test]
fn acl_and_sentinel_lines_tokenize_sensibly() {
    let g = Grammars::load();
    let line = "user ai_platform on >S3cret ~cache:* %R~ro:* &pubsub:* -@all +@read +get +config|get #ab12 resetchannels";
    let t = g.tokenize("source.redis-acl", line);
    for (text, scope) in [
        ("user", "keyword.other.user"),
        ("ai_platform", "entity.name.user"),
        ("on", "keyword.control.acl-flag"),
        (">S3cret", "string.other.password"),
        ("~cache:*", "variable.other.key-pattern"),
        ("%R~ro:*", "variable.other.key-pattern"),
        ("&pubsub:*", "variable.other.channel-pattern"),
        ("-@all", "support.type.acl-category"),
        ("+get", "support.function.command"),
        ("+config|get", "support.function.command"),
        ("#ab12", "string.other.password-hash"),
        ("resetchannels", "keyword.control.acl-flag"),
    ] {
        assert!(has(&t, text, scope), "{text} is not {scope}: {t:?}");
    }
    let t = g.tokenize("source.redis-acl", "# app user");
    assert!(has(&t, "# app user", "comment.line"), "{t:?}");
    let t = g.tokenize(
        "source.redis-sentinel",
        "sentinel monitor mymaster 10.0.0.1 6379 2",
    );
    assert!(
        has(&t, "sentinel", "keyword.other.directive.redis-sentinel"),
        "{t:?}"
    );
    assert!(has(&t, "monitor", "keyword.other.subcommand"), "{t:?}");
    assert!(has(&t, "6379", "constant.numeric"), "{t:?}");
    let t = g.tokenize("source.redis-sentinel", "port 26379");
    assert!(
        has(&t, "port", "keyword.other.directive.redis-conf"),
        "{t:?}"
    );
}
