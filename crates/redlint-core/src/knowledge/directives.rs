//! The directive table of Redis 7.0.15 (`rules/redis-7.0/directives.json`, derived from the
//! real server by `rules/redis-7.0/derive-directives.py`), and how Redis reads a line with it.
//!
//! - [`lookup`] / [`classify`]: what a directive name is to `loadServerConfigFromString`
//!   (table entry or alias, silently ignored deprecated name, keyword, module config, removed
//!   name, unknown).
//! - [`values`]: the value grammars (C number parsers, memory units, enums, special grammars).
//! - [`line`]: the per-line verdict of the parser: does Redis accept this line, and if not why.

pub mod line;
pub mod values;

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

pub use values::parse_memory;

const JSON: &str = include_str!("../../../../rules/redis-7.0/directives.json");

/// How a table directive's value is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ValueType {
    Bool,
    Int,
    Memory,
    Enum,
    String,
    /// A custom grammar (`save`, `bind`, `client-output-buffer-limit`, ...).
    Special,
}

/// One entry of `static_configs[]`, as the JSON describes it.
#[derive(Debug, Clone, Deserialize)]
pub struct DirectiveSpec {
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(rename = "type")]
    pub value_type: ValueType,
    /// Inclusive bounds (int, memory), after unit conversion.
    #[serde(default)]
    pub min: Option<i64>,
    #[serde(default)]
    pub max: Option<u64>,
    #[serde(default)]
    pub octal: bool,
    #[serde(default)]
    pub percent: bool,
    /// Enum names in server order, lower case.
    #[serde(default)]
    pub values: Vec<String>,
    #[serde(default)]
    pub multi_value: bool,
    #[serde(default)]
    pub grammar: Option<String>,
    pub multi_arg: bool,
    #[serde(default)]
    pub flags: Vec<String>,
    pub default: String,
    #[serde(default)]
    pub empty_is_null: bool,
    #[serde(default)]
    pub tls_only: bool,
    #[serde(default)]
    pub validator: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
}

impl DirectiveSpec {
    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }
    pub fn validator(&self) -> Option<&str> {
        self.validator.as_deref()
    }
}

/// Facts about the binary the table was derived from.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct BuildFacts {
    pub tls: bool,
    pub active_defrag: bool,
}

#[derive(Debug, Deserialize)]
struct RawTable {
    redis_version: String,
    build: BuildFacts,
    directives: Vec<DirectiveSpec>,
    alias_of: HashMap<String, String>,
    ignored_deprecated: Vec<String>,
    keywords: Vec<String>,
    removed: HashMap<String, String>,
}

/// The parsed table with its name index.
#[derive(Debug)]
pub struct Table {
    pub redis_version: String,
    pub build: BuildFacts,
    pub directives: Vec<DirectiveSpec>,
    /// Lower-case name or alias → index into `directives`.
    by_name: HashMap<String, usize>,
    pub ignored_deprecated: Vec<String>,
    pub keywords: Vec<String>,
    /// Removed name → what happened to it.
    pub removed: HashMap<String, String>,
}

/// The table, parsed once.
pub fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let raw: RawTable = serde_json::from_str(JSON)
            .expect("rules/redis-7.0/directives.json is valid (checked by tests)");
        let mut by_name = HashMap::new();
        for (i, d) in raw.directives.iter().enumerate() {
            by_name.insert(d.name.clone(), i);
            for a in &d.aliases {
                by_name.insert(a.clone(), i);
            }
        }
        for (alias, primary) in &raw.alias_of {
            if let Some(i) = by_name.get(primary).copied() {
                by_name.insert(alias.clone(), i);
            }
        }
        Table {
            redis_version: raw.redis_version,
            build: raw.build,
            directives: raw.directives,
            by_name,
            ignored_deprecated: raw.ignored_deprecated,
            keywords: raw.keywords,
            removed: raw.removed,
        }
    })
}

/// Every name the parser accepts (205 for 7.0.15 with TLS), sorted.
pub fn all_names() -> &'static [&'static str] {
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let t = table();
        let mut v: Vec<&'static str> = t.by_name.keys().map(String::as_str).collect();
        v.extend(t.ignored_deprecated.iter().map(String::as_str));
        v.extend(t.keywords.iter().map(String::as_str));
        v.sort_unstable();
        v.dedup();
        v
    })
}

/// The part of a value C code sees: up to the first NUL byte (quoted `\x00` can put one there).
pub fn cstr(v: &[u8]) -> &[u8] {
    match v.iter().position(|&b| b == 0) {
        Some(i) => &v[..i],
        None => v,
    }
}

fn lower_key(name: &[u8]) -> Option<String> {
    // Redis lower-cases argv[0] and looks it up case-insensitively (as a C string).
    std::str::from_utf8(cstr(name))
        .ok()
        .map(str::to_ascii_lowercase)
}

/// A table directive by name or alias, case-insensitively.
pub fn lookup(name: &[u8]) -> Option<&'static DirectiveSpec> {
    let t = table();
    let key = lower_key(name)?;
    t.by_name.get(&key).map(|i| &t.directives[*i])
}

/// The directives handled outside the table (`config.c: loadServerConfigFromString`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    Include,
    RenameCommand,
    User,
    LoadModule,
    Sentinel,
}

/// What a directive name is to the 7.0.15 parser.
#[derive(Debug, Clone, Copy)]
pub enum NameKind {
    Table(&'static DirectiveSpec),
    /// `list-max-ziplist-entries`, `list-max-ziplist-value`, `lua-replicate-commands`:
    /// accepted with exactly one value and ignored.
    IgnoredDeprecated,
    Keyword(Keyword),
    /// Contains a `.`: a module configuration, `<module>.<name> <value…>`.
    ModuleConfig,
    /// Accepted by an earlier Redis, refused by 7.0; the note says what replaced it.
    Removed(&'static str),
    /// Exists only in a later Redis release (the text names it).
    Later(&'static str),
    Unknown,
}

/// Directive names of later releases (from `static_configs[]` of the 7.2.0 and 7.4.0 tags),
/// so that a config written for a newer server gets a precise message.
const LATER: &[(&str, &str)] = &[
    ("locale-collate", "Redis 7.2"),
    ("set-max-listpack-entries", "Redis 7.2"),
    ("set-max-listpack-value", "Redis 7.2"),
    ("cluster-announce-human-nodename", "Redis 7.2"),
    (
        "cluster-ping-interval",
        "Redis 7.2 (a hidden debugging option)",
    ),
    (
        "client-default-resp",
        "Redis 7.2 (a hidden debugging option)",
    ),
    ("hide-user-data-from-log", "Redis 7.4"),
    ("max-new-connections-per-cycle", "Redis 7.4"),
    ("max-new-tls-connections-per-cycle", "Redis 7.4"),
    (
        "server-cpulist",
        "Redis 7.4 (7.0 spells it `server_cpulist`)",
    ),
    ("bio-cpulist", "Redis 7.4 (7.0 spells it `bio_cpulist`)"),
    (
        "aof-rewrite-cpulist",
        "Redis 7.4 (7.0 spells it `aof_rewrite_cpulist`)",
    ),
    (
        "bgsave-cpulist",
        "Redis 7.4 (7.0 spells it `bgsave_cpulist`)",
    ),
];

/// Classify a directive name the way `loadServerConfigFromString` dispatches it. Only the
/// name is looked at: the keywords' arity rules are applied by [`line`].
pub fn classify(name: &[u8]) -> NameKind {
    if let Some(spec) = lookup(name) {
        return NameKind::Table(spec);
    }
    let t = table();
    let Some(key) = lower_key(name) else {
        return if cstr(name).contains(&b'.') {
            NameKind::ModuleConfig
        } else {
            NameKind::Unknown
        };
    };
    if t.ignored_deprecated.contains(&key) {
        return NameKind::IgnoredDeprecated;
    }
    match key.as_str() {
        "include" => return NameKind::Keyword(Keyword::Include),
        "rename-command" => return NameKind::Keyword(Keyword::RenameCommand),
        "user" => return NameKind::Keyword(Keyword::User),
        "loadmodule" => return NameKind::Keyword(Keyword::LoadModule),
        "sentinel" => return NameKind::Keyword(Keyword::Sentinel),
        _ => {}
    }
    if key.contains('.') {
        return NameKind::ModuleConfig;
    }
    if let Some(note) = t.removed.get(&key) {
        return NameKind::Removed(note.as_str());
    }
    if let Some((_, when)) = LATER.iter().find(|(n, _)| *n == key) {
        return NameKind::Later(when);
    }
    NameKind::Unknown
}

/// The primary, lower-case name of a directive as Redis dispatches it (aliases resolved).
pub fn canonical_name(name: &[u8]) -> Cow<'static, str> {
    match lookup(name) {
        Some(spec) => Cow::Borrowed(spec.name.as_str()),
        None => Cow::Owned(String::from_utf8_lossy(name).to_ascii_lowercase()),
    }
}

/// Directives whose repeated lines accumulate instead of the last one winning.
const MULTI_VALUED: &[&str] = &[
    "save",
    "include",
    "rename-command",
    "loadmodule",
    "user",
    "client-output-buffer-limit",
    "sentinel",
];

/// True if repeated lines of this (canonical) directive accumulate rather than override.
pub fn is_multi_valued(canonical: &str) -> bool {
    MULTI_VALUED.contains(&canonical) || canonical.contains('.')
}

/// Optimal string alignment distance (edit distance with adjacent transpositions), giving up
/// (None) once it exceeds `max`. Bounded work: callers pass short names only.
pub fn edit_distance(a: &[u8], b: &[u8], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let n = b.len();
    let mut prev2 = vec![0usize; n + 1];
    let mut prev: Vec<usize> = (0..=n).collect();
    let mut cur = vec![0usize; n + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=n {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    (prev[n] <= max).then_some(prev[n])
}

/// The closest candidate to `word` within a small edit distance (ties: first in order).
pub fn closest<'a>(word: &[u8], candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    if word.is_empty() || word.len() > 64 {
        return None;
    }
    let max = match word.len() {
        0..=3 => 1,
        4..=8 => 2,
        _ => 3,
    };
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let limit = best.map_or(max, |(d, _)| d.saturating_sub(1).min(max));
        if let Some(d) = edit_distance(word, c.as_bytes(), limit) {
            if best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, c));
            }
        }
    }
    best.map(|(_, c)| c)
}

/// A likely intended directive for an unknown name: spelling variants first (`_` for `-`,
/// `slave` for `replica`, `ziplist` for `listpack`, ...), then the nearest name.
pub fn suggest(name: &[u8]) -> Option<&'static str> {
    let lower = String::from_utf8_lossy(cstr(name)).to_ascii_lowercase();
    let names = all_names();
    let known = |n: &str| names.binary_search(&n).ok().map(|i| names[i]);
    let variants = [
        lower.replace('_', "-"),
        lower.replace('-', "_"),
        lower.replace("slave", "replica"),
        lower.replace("master", "replica"),
        lower.replace("ziplist", "listpack"),
        lower.replace("zipmap", "listpack"),
        lower.replace("replica", "slave"),
    ];
    for v in &variants {
        if *v != lower {
            if let Some(n) = known(v) {
                return Some(n);
            }
        }
    }
    let normalized = lower.replace('_', "-");
    closest(normalized.as_bytes(), names.iter().copied())
        .or_else(|| closest(lower.as_bytes(), names.iter().copied()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_counts_match_the_reference() {
        let t = table();
        assert_eq!(t.redis_version, "7.0.15");
        assert_eq!(t.directives.len(), 178);
        let aliases: usize = t.directives.iter().map(|d| d.aliases.len()).sum();
        assert_eq!(aliases, 19);
        assert_eq!(all_names().len(), 205);
        assert!(t.build.tls && !t.build.active_defrag);
    }

    #[test]
    fn aliases_resolve_to_primaries() {
        assert_eq!(canonical_name(b"slaveof"), "replicaof");
        assert_eq!(canonical_name(b"SLAVE-READ-ONLY"), "replica-read-only");
        assert_eq!(
            canonical_name(b"hash-max-ziplist-entries"),
            "hash-max-listpack-entries"
        );
        assert_eq!(canonical_name(b"Maxmemory"), "maxmemory");
        assert_eq!(canonical_name(b"include"), "include");
        assert!(
            is_multi_valued("save") && is_multi_valued("foo.bar") && !is_multi_valued("maxmemory")
        );
    }

    #[test]
    fn classification() {
        assert!(matches!(classify(b"PORT"), NameKind::Table(s) if s.name == "port"));
        assert!(matches!(
            classify(b"list-max-ziplist-entries"),
            NameKind::IgnoredDeprecated
        ));
        assert!(matches!(
            classify(b"Include"),
            NameKind::Keyword(Keyword::Include)
        ));
        assert!(matches!(classify(b"mymod.opt"), NameKind::ModuleConfig));
        assert!(matches!(classify(b"vm-enabled"), NameKind::Removed(_)));
        assert!(matches!(classify(b"locale-collate"), NameKind::Later(_)));
        assert!(matches!(classify(b"maxmemroy"), NameKind::Unknown));
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest(b"maxmemroy"), Some("maxmemory"));
        assert_eq!(suggest(b"maxmemory_policy"), Some("maxmemory-policy"));
        assert_eq!(suggest(b"server-cpulist"), Some("server_cpulist"));
        assert_eq!(suggest(b"requirepas"), Some("requirepass"));
        assert_eq!(suggest(b"appendonlly"), Some("appendonly"));
        assert_eq!(suggest(b"xyzzy-plugh-frobnicate"), None);
    }

    #[test]
    fn edit_distance_is_bounded() {
        assert_eq!(edit_distance(b"abc", b"acb", 2), Some(1));
        assert_eq!(edit_distance(b"kitten", b"sitting", 3), Some(3));
        assert_eq!(edit_distance(b"kitten", b"sitting", 2), None);
        assert_eq!(edit_distance(b"a", b"abcdef", 2), None);
    }
}
