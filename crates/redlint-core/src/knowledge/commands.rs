//! The command table of Redis 7.0.15, as ACL rules and `ACL DRYRUN` see it.
//!
//! The server's table comes from `rules/redis-7.0/commands.json` (dumped from the real server
//! with `COMMAND INFO`); Sentinel's much smaller table (Sentinel mode only registers commands
//! flagged `CMD_SENTINEL`) is kept below as data read from a real `redis-sentinel` 7.0.15.
//!
//! Every command and subcommand gets an id (its index in [`CommandTable::commands`]), the way
//! Redis numbers them for the per-user command bitmaps.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// The 21 ACL categories of 7.0, in `ACL CAT` order. `all` is not a category: it exists only
/// as the rules `+@all` / `-@all`.
pub const CATEGORIES: [&str; 21] = [
    "keyspace",
    "read",
    "write",
    "set",
    "sortedset",
    "list",
    "hash",
    "string",
    "bitmap",
    "hyperloglog",
    "geo",
    "stream",
    "pubsub",
    "admin",
    "fast",
    "slow",
    "blocking",
    "dangerous",
    "connection",
    "transaction",
    "scripting",
];

/// A category by name, case-insensitively (`ACLGetCommandCategoryFlagByName` uses strcasecmp).
pub fn category(name: &[u8]) -> Option<Category> {
    CATEGORIES
        .iter()
        .position(|c| c.as_bytes().eq_ignore_ascii_case(name))
        .map(|i| Category(i as u8))
}

/// One ACL category: an index into [`CATEGORIES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Category(pub u8);

impl Category {
    pub fn name(self) -> &'static str {
        CATEGORIES[self.0 as usize]
    }
}

/// A set of categories as a bit mask over [`CATEGORIES`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Categories(pub u32);

impl Categories {
    pub fn contains(self, c: Category) -> bool {
        self.0 & (1 << c.0) != 0
    }
    pub fn iter(self) -> impl Iterator<Item = Category> {
        (0..CATEGORIES.len() as u8)
            .map(Category)
            .filter(move |c| self.contains(*c))
    }
}

pub type CommandId = u16;

/// Key-spec flags (`CMD_KEY_*`).
pub mod key_flags {
    pub const RO: u32 = 1 << 0;
    pub const RW: u32 = 1 << 1;
    pub const OW: u32 = 1 << 2;
    pub const RM: u32 = 1 << 3;
    pub const ACCESS: u32 = 1 << 4;
    pub const UPDATE: u32 = 1 << 5;
    pub const INSERT: u32 = 1 << 6;
    pub const DELETE: u32 = 1 << 7;
    pub const NOT_KEY: u32 = 1 << 8;
    pub const INCOMPLETE: u32 = 1 << 9;
    pub const VARIABLE_FLAGS: u32 = 1 << 10;

    pub(super) fn parse(name: &str) -> u32 {
        match name {
            "RO" => RO,
            "RW" => RW,
            "OW" => OW,
            "RM" => RM,
            "access" => ACCESS,
            "update" => UPDATE,
            "insert" => INSERT,
            "delete" => DELETE,
            "not_key" => NOT_KEY,
            "incomplete" => INCOMPLETE,
            "variable_flags" => VARIABLE_FLAGS,
            _ => 0,
        }
    }
}

/// Where a key spec starts looking (`begin_search`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BeginSearch {
    Index(i32),
    Keyword { keyword: String, startfrom: i32 },
    Unknown,
}

/// How a key spec finds its keys once it has started (`find_keys`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindKeys {
    Range {
        lastkey: i32,
        keystep: i32,
        limit: i32,
    },
    Keynum {
        keynumidx: i32,
        firstkey: i32,
        keystep: i32,
    },
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySpec {
    pub flags: u32,
    pub begin_search: BeginSearch,
    pub find_keys: FindKeys,
}

/// The native `getkeys_proc` of a command (7.0.15 `commands.c`). Redis falls back to it when
/// the key specs are incomplete, invalid for the given arguments, or have variable flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GetKeysProc {
    Bitfield,
    Migrate,
    Sort,
    SortRo,
    Georadius,
    /// `genericGetKeys(store, keycount, firstkey, step=1)`, e.g. EVAL is (0, 2, 3).
    Generic {
        store: u8,
        count: u8,
        first: u8,
    },
    Xread,
    Set,
}

fn getkeys_proc(name: &str) -> Option<GetKeysProc> {
    use GetKeysProc::*;
    Some(match name {
        "bitfield" => Bitfield,
        "migrate" => Migrate,
        "sort" => Sort,
        "sort_ro" => SortRo,
        "georadius" | "georadiusbymember" => Georadius,
        "blmpop" | "bzmpop" | "eval" | "evalsha" | "evalsha_ro" | "eval_ro" | "fcall"
        | "fcall_ro" => Generic {
            store: 0,
            count: 2,
            first: 3,
        },
        "lmpop" | "zmpop" | "sintercard" | "zdiff" | "zinter" | "zintercard" | "zunion" => {
            Generic {
                store: 0,
                count: 1,
                first: 2,
            }
        }
        "zdiffstore" | "zinterstore" | "zunionstore" => Generic {
            store: 1,
            count: 2,
            first: 3,
        },
        "xread" | "xreadgroup" => Xread,
        "set" => Set,
        _ => return None,
    })
}

/// Channel arguments (`db.c: commands_with_channels`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelArgs {
    /// Subscribes or publishes (checked by ACLs); unsubscribing is never checked.
    pub checked: bool,
    /// The argument is a pattern (PSUBSCRIBE): matched literally against the user's patterns.
    pub pattern: bool,
    /// First channel argument.
    pub start: usize,
    /// Number of channel arguments; `None` = all the rest.
    pub count: Option<usize>,
}

fn channel_args(name: &str) -> Option<ChannelArgs> {
    let (checked, pattern, count) = match name {
        "subscribe" | "ssubscribe" => (true, false, None),
        "unsubscribe" | "sunsubscribe" => (false, false, None),
        "psubscribe" => (true, true, None),
        "punsubscribe" => (false, true, None),
        "publish" | "spublish" => (true, false, Some(1)),
        _ => return None,
    };
    Some(ChannelArgs {
        checked,
        pattern,
        start: 1,
        count,
    })
}

/// One command or subcommand.
#[derive(Debug, Clone)]
pub struct Command {
    pub id: CommandId,
    /// Full lower-case name: `get`, `config|get`.
    pub name: String,
    pub arity: i32,
    pub flags: Vec<String>,
    pub categories: Categories,
    pub key_specs: Vec<KeySpec>,
    pub parent: Option<CommandId>,
    pub subcommands: Vec<CommandId>,
    sub_by_name: HashMap<String, CommandId>,
    pub getkeys: Option<GetKeysProc>,
    pub channels: Option<ChannelArgs>,
}

impl Command {
    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }
    /// `no_auth` commands (AUTH, HELLO, QUIT, RESET) pass every ACL check.
    pub fn no_auth(&self) -> bool {
        self.has_flag("no_auth")
    }
    pub fn is_container(&self) -> bool {
        !self.subcommands.is_empty()
    }
    /// The subcommand's own name (`get` for `config|get`).
    pub fn short_name(&self) -> &str {
        self.name.rsplit('|').next().unwrap_or(&self.name)
    }
    pub fn in_category(&self, c: Category) -> bool {
        self.categories.contains(c)
    }
}

/// All commands of one server mode.
#[derive(Debug)]
pub struct CommandTable {
    pub commands: Vec<Command>,
    top: HashMap<String, CommandId>,
}

impl CommandTable {
    pub fn get(&self, id: CommandId) -> &Command {
        &self.commands[id as usize]
    }

    pub fn len(&self) -> usize {
        self.commands.len()
    }

    pub fn is_empty(&self) -> bool {
        self.commands.is_empty()
    }

    /// A top-level command by name, case-insensitively.
    pub fn top(&self, name: &[u8]) -> Option<&Command> {
        let lower = std::str::from_utf8(name).ok()?.to_ascii_lowercase();
        self.top.get(&lower).map(|id| self.get(*id))
    }

    /// A subcommand of `container`, case-insensitively.
    pub fn sub(&self, container: &Command, name: &[u8]) -> Option<&Command> {
        let lower = std::str::from_utf8(name).ok()?.to_ascii_lowercase();
        container.sub_by_name.get(&lower).map(|id| self.get(*id))
    }

    /// `lookupCommandBySdsLogic` (strict): `get`, `config|get`; `config` is the container;
    /// `get|x` (no such subcommand level), `a|b|c` and the empty name are not found.
    pub fn by_full_name(&self, name: &[u8]) -> Option<&Command> {
        if name.is_empty() {
            return None;
        }
        let mut parts = name.split(|b| *b == b'|');
        let first = parts.next()?;
        let second = parts.next();
        if parts.next().is_some() {
            return None;
        }
        let base = self.top(first)?;
        match second {
            None => Some(base),
            Some(sub) if base.is_container() => self.sub(base, sub),
            Some(_) => None,
        }
    }

    /// `lookupCommand` as the dispatcher (and `ACL DRYRUN`) use it: the subcommand when the
    /// base is a container and there is a second argument, else the base.
    pub fn by_argv(&self, argv: &[&[u8]]) -> Option<&Command> {
        let base = self.top(argv.first()?)?;
        if argv.len() == 1 || !base.is_container() {
            Some(base)
        } else {
            self.sub(base, argv[1])
        }
    }

    /// Every command and subcommand name, for suggestions.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.commands.iter().map(|c| c.name.as_str())
    }
}

#[derive(Deserialize)]
struct JsonTable {
    commands: Vec<JsonCommand>,
}

#[derive(Deserialize)]
struct JsonCommand {
    name: String,
    arity: i32,
    flags: Vec<String>,
    categories: Vec<String>,
    key_specs: Vec<JsonKeySpec>,
    #[serde(default)]
    subcommands: Vec<JsonCommand>,
}

#[derive(Deserialize)]
struct JsonKeySpec {
    flags: Vec<String>,
    begin_search: JsonTyped,
    find_keys: JsonTyped,
}

#[derive(Deserialize)]
struct JsonTyped {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    spec: serde_json::Map<String, serde_json::Value>,
}

impl JsonTyped {
    fn int(&self, k: &str) -> i32 {
        self.spec.get(k).and_then(|v| v.as_i64()).unwrap_or(0) as i32
    }
}

fn categories_of(names: &[String]) -> Categories {
    Categories(
        names
            .iter()
            .filter_map(|n| category(n.as_bytes()))
            .fold(0, |m, c| m | 1 << c.0),
    )
}

fn convert_spec(s: &JsonKeySpec) -> KeySpec {
    let begin_search = match s.begin_search.kind.as_str() {
        "index" => BeginSearch::Index(s.begin_search.int("index")),
        "keyword" => BeginSearch::Keyword {
            keyword: s
                .begin_search
                .spec
                .get("keyword")
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string(),
            startfrom: s.begin_search.int("startfrom"),
        },
        _ => BeginSearch::Unknown,
    };
    let find_keys = match s.find_keys.kind.as_str() {
        "range" => FindKeys::Range {
            lastkey: s.find_keys.int("lastkey"),
            keystep: s.find_keys.int("keystep"),
            limit: s.find_keys.int("limit"),
        },
        "keynum" => FindKeys::Keynum {
            keynumidx: s.find_keys.int("keynumidx"),
            firstkey: s.find_keys.int("firstkey"),
            keystep: s.find_keys.int("keystep"),
        },
        _ => FindKeys::Unknown,
    };
    KeySpec {
        flags: s
            .flags
            .iter()
            .map(|f| key_flags::parse(f))
            .fold(0, |a, b| a | b),
        begin_search,
        find_keys,
    }
}

struct Builder {
    commands: Vec<Command>,
    top: HashMap<String, CommandId>,
}

impl Builder {
    fn add(
        &mut self,
        name: &str,
        arity: i32,
        flags: Vec<String>,
        categories: Categories,
        key_specs: Vec<KeySpec>,
        parent: Option<CommandId>,
    ) -> CommandId {
        let id = self.commands.len() as CommandId;
        let top_name = name.split('|').next().unwrap_or(name);
        let is_top = parent.is_none();
        self.commands.push(Command {
            id,
            name: name.to_string(),
            arity,
            flags,
            categories,
            key_specs,
            parent,
            subcommands: Vec::new(),
            sub_by_name: HashMap::new(),
            getkeys: if is_top { getkeys_proc(top_name) } else { None },
            channels: if is_top { channel_args(top_name) } else { None },
        });
        match parent {
            None => {
                self.top.insert(name.to_string(), id);
            }
            Some(p) => {
                let short = name.rsplit('|').next().unwrap_or(name).to_string();
                let pc = &mut self.commands[p as usize];
                pc.subcommands.push(id);
                pc.sub_by_name.insert(short, id);
            }
        }
        id
    }

    fn add_json(&mut self, c: &JsonCommand, parent: Option<CommandId>) {
        let specs = c.key_specs.iter().map(convert_spec).collect();
        let id = self.add(
            &c.name,
            c.arity,
            c.flags.clone(),
            categories_of(&c.categories),
            specs,
            parent,
        );
        for s in &c.subcommands {
            self.add_json(s, Some(id));
        }
    }
}

const COMMANDS_JSON: &str = include_str!("../../../../rules/redis-7.0/commands.json");

/// The command table of a normal redis-server 7.0.15.
pub fn redis() -> &'static CommandTable {
    static TABLE: OnceLock<CommandTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        // The file is part of the build: a parse failure is a build defect, caught by tests.
        let json: JsonTable = serde_json::from_str(COMMANDS_JSON).unwrap_or(JsonTable {
            commands: Vec::new(),
        });
        let mut b = Builder {
            commands: Vec::new(),
            top: HashMap::new(),
        };
        for c in &json.commands {
            b.add_json(c, None);
        }
        CommandTable {
            commands: b.commands,
            top: b.top,
        }
    })
}

/// Sentinel mode's commands (`COMMAND INFO` and `ACL CAT <c>` of redis-sentinel 7.0.15):
/// name, arity, `no_auth`, categories. Key specs are empty: no Sentinel command takes keys.
const SENTINEL: &[(&str, i32, bool, &str)] = &[
    ("acl", -2, false, "slow"),
    ("acl|cat", -2, false, "slow"),
    ("acl|deluser", -3, false, "admin slow dangerous"),
    ("acl|dryrun", -4, false, "admin slow dangerous"),
    ("acl|genpass", -2, false, "slow"),
    ("acl|getuser", 3, false, "admin slow dangerous"),
    ("acl|help", 2, false, "slow"),
    ("acl|list", 2, false, "admin slow dangerous"),
    ("acl|load", 2, false, "admin slow dangerous"),
    ("acl|log", -2, false, "admin slow dangerous"),
    ("acl|save", 2, false, "admin slow dangerous"),
    ("acl|setuser", -3, false, "admin slow dangerous"),
    ("acl|users", 2, false, "admin slow dangerous"),
    ("acl|whoami", 2, false, "slow"),
    ("auth", -2, true, "fast connection"),
    ("client", -2, false, "slow"),
    ("client|caching", 3, false, "slow connection"),
    ("client|getname", 2, false, "slow connection"),
    ("client|getredir", 2, false, "slow connection"),
    ("client|help", 2, false, "slow connection"),
    ("client|id", 2, false, "slow connection"),
    ("client|info", 2, false, "slow connection"),
    ("client|kill", -3, false, "admin slow dangerous connection"),
    ("client|list", -2, false, "admin slow dangerous connection"),
    (
        "client|no-evict",
        3,
        false,
        "admin slow dangerous connection",
    ),
    ("client|pause", -3, false, "admin slow dangerous connection"),
    ("client|reply", 3, false, "slow connection"),
    ("client|setname", 3, false, "slow connection"),
    ("client|tracking", -3, false, "slow connection"),
    ("client|trackinginfo", 2, false, "slow connection"),
    (
        "client|unblock",
        -3,
        false,
        "admin slow dangerous connection",
    ),
    (
        "client|unpause",
        2,
        false,
        "admin slow dangerous connection",
    ),
    ("command", -1, false, "slow connection"),
    ("command|count", 2, false, "slow connection"),
    ("command|docs", -2, false, "slow connection"),
    ("command|getkeys", -4, false, "slow connection"),
    ("command|getkeysandflags", -4, false, "slow connection"),
    ("command|help", 2, false, "slow connection"),
    ("command|info", -2, false, "slow connection"),
    ("command|list", -2, false, "slow connection"),
    ("hello", -1, true, "fast connection"),
    ("info", -1, false, "slow dangerous"),
    ("ping", -1, false, "fast connection"),
    ("psubscribe", -2, false, "pubsub slow"),
    ("publish", 3, false, "pubsub fast"),
    ("punsubscribe", -1, false, "pubsub slow"),
    ("role", 1, false, "admin fast dangerous"),
    ("sentinel", -2, false, "admin slow dangerous"),
    ("sentinel|ckquorum", 3, false, "admin slow dangerous"),
    ("sentinel|config", -3, false, "admin slow dangerous"),
    ("sentinel|debug", -2, false, "admin slow dangerous"),
    ("sentinel|failover", 3, false, "admin slow dangerous"),
    ("sentinel|flushconfig", 2, false, "admin slow dangerous"),
    (
        "sentinel|get-master-addr-by-name",
        3,
        false,
        "admin slow dangerous",
    ),
    ("sentinel|help", 2, false, "slow"),
    ("sentinel|info-cache", -3, false, "admin slow dangerous"),
    (
        "sentinel|is-master-down-by-addr",
        6,
        false,
        "admin slow dangerous",
    ),
    ("sentinel|master", 3, false, "admin slow dangerous"),
    ("sentinel|masters", 2, false, "admin slow dangerous"),
    ("sentinel|monitor", 6, false, "admin slow dangerous"),
    ("sentinel|myid", 2, false, "admin slow dangerous"),
    ("sentinel|pending-scripts", 2, false, "admin slow dangerous"),
    ("sentinel|remove", 3, false, "admin slow dangerous"),
    ("sentinel|replicas", 3, false, "admin slow dangerous"),
    ("sentinel|reset", 3, false, "admin slow dangerous"),
    ("sentinel|sentinels", 3, false, "admin slow dangerous"),
    ("sentinel|set", -5, false, "admin slow dangerous"),
    (
        "sentinel|simulate-failure",
        -3,
        false,
        "admin slow dangerous",
    ),
    ("sentinel|slaves", 3, false, "admin slow dangerous"),
    ("shutdown", -1, false, "admin slow dangerous"),
    ("subscribe", -2, false, "pubsub slow"),
    ("unsubscribe", -1, false, "pubsub slow"),
];

/// The command table of redis-sentinel 7.0.15.
pub fn sentinel() -> &'static CommandTable {
    static TABLE: OnceLock<CommandTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut b = Builder {
            commands: Vec::new(),
            top: HashMap::new(),
        };
        for (name, arity, no_auth, cats) in SENTINEL {
            let parent = name
                .split_once('|')
                .and_then(|(p, _)| b.top.get(p).copied());
            let cats: Vec<String> = cats.split(' ').map(str::to_string).collect();
            let flags = if *no_auth {
                vec!["no_auth".to_string()]
            } else {
                Vec::new()
            };
            b.add(
                name,
                *arity,
                flags,
                categories_of(&cats),
                Vec::new(),
                parent,
            );
        }
        CommandTable {
            commands: b.commands,
            top: b.top,
        }
    })
}

/// The table for a server: Sentinel or not.
pub fn table(sentinel_mode: bool) -> &'static CommandTable {
    if sentinel_mode {
        sentinel()
    } else {
        redis()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_table_loads() {
        let t = redis();
        assert!(t.len() > 350, "{}", t.len());
        assert_eq!(t.top(b"GET").map(|c| c.name.as_str()), Some("get"));
        let get = t.by_full_name(b"config|GET").expect("config|get");
        assert_eq!(get.name, "config|get");
        assert!(t.get(get.parent.unwrap()).is_container());
        assert!(t.by_full_name(b"get|x").is_none());
        assert!(t.by_full_name(b"config|get|x").is_none());
        assert!(t.by_full_name(b"").is_none());
        assert!(t.by_full_name(b"config|").is_none());
        assert_eq!(
            t.by_argv(&[b"config", b"get", b"x"])
                .map(|c| c.name.as_str()),
            Some("config|get")
        );
        assert_eq!(
            t.by_argv(&[b"config"]).map(|c| c.name.as_str()),
            Some("config")
        );
        assert!(t.by_argv(&[b"config", b"nosuch"]).is_none());
        assert_eq!(
            t.by_argv(&[b"get", b"k"]).map(|c| c.name.as_str()),
            Some("get")
        );
        let set = t.top(b"set").unwrap();
        assert_eq!(set.getkeys, Some(GetKeysProc::Set));
        assert!(set.key_specs[0].flags & key_flags::VARIABLE_FLAGS != 0);
        assert!(t.top(b"auth").unwrap().no_auth());
        assert!(t
            .top(b"flushall")
            .unwrap()
            .in_category(category(b"dangerous").unwrap()));
        assert_eq!(
            category(b"SortedSet").map(Category::name),
            Some("sortedset")
        );
        assert!(category(b"all").is_none());
    }

    #[test]
    fn sentinel_has_only_its_commands() {
        let t = sentinel();
        assert!(t.top(b"get").is_none());
        assert!(t.by_full_name(b"sentinel|masters").is_some());
        assert!(t.by_full_name(b"config|get").is_none());
        assert!(t.top(b"hello").unwrap().no_auth());
    }
}
