//! `ACL DRYRUN <user> <command> [args…]` of Redis 7.0.15, offline: the same lookups, the same
//! key extraction (key specs first, the native `getkeys` procedures as fallback, as
//! `getKeysFromCommandWithSpecs` does), the same per-selector checks and the same replies.

use super::glob::stringmatch;
use super::load::UserSet;
use super::rule::cstr;
use super::user::{AclUser, Selector};
use crate::knowledge::commands::{
    key_flags, BeginSearch, Command, CommandTable, FindKeys, GetKeysProc,
};

/// What `ACL DRYRUN` answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DryRun {
    /// `+OK`
    Ok,
    /// A bulk string: `This user has no permissions to …`.
    Denied(String),
    /// An error reply, without the leading `-`: `ERR User 'x' not found`.
    Error(String),
}

impl DryRun {
    /// The reply's text (`OK`, the denial, or the error).
    pub fn text(&self) -> &str {
        match self {
            DryRun::Ok => "OK",
            DryRun::Denied(s) | DryRun::Error(s) => s,
        }
    }
}

/// A key argument found in a command: its position in argv and its key-spec flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyRef {
    pub pos: usize,
    pub flags: u32,
}

fn show(b: &[u8]) -> String {
    String::from_utf8_lossy(cstr(b)).into_owned()
}

/// Answer `ACL DRYRUN user argv…` against a set of users.
pub fn dryrun(users: &UserSet, table: &CommandTable, user: &[u8], argv: &[&[u8]]) -> DryRun {
    let Some(u) = users.get(user) else {
        return DryRun::Error(format!("ERR User '{}' not found", show(user)));
    };
    if argv.is_empty() {
        return DryRun::Error("ERR wrong number of arguments for 'acl|dryrun' command".to_string());
    }
    let Some(cmd) = table.by_argv(argv) else {
        return DryRun::Error(format!("ERR Command '{}' not found", show(argv[0])));
    };
    let argc = argv.len() as i64;
    let arity = cmd.arity as i64;
    if (arity > 0 && arity != argc) || argc < -arity {
        return DryRun::Error(format!(
            "ERR wrong number of arguments for '{}' command",
            cmd.name
        ));
    }
    match check_user(&u.user, cmd, argv) {
        Ok(()) => DryRun::Ok,
        Err(Denial::Command) => DryRun::Denied(format!(
            "This user has no permissions to run the '{}' command",
            cmd.name
        )),
        Err(Denial::Key(i)) => DryRun::Denied(format!(
            "This user has no permissions to access the '{}' key",
            show(argv[i])
        )),
        Err(Denial::Channel(i)) => DryRun::Denied(format!(
            "This user has no permissions to access the '{}' channel",
            show(argv[i])
        )),
    }
}

/// Why a user may not run a command (`ACL_DENIED_*`), with the argument at fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    Command,
    Key(usize),
    Channel(usize),
}

impl Denial {
    /// `ACL_DENIED_CMD` 1, `ACL_DENIED_KEY` 2, `ACL_DENIED_CHANNEL` 4: the most relevant wins.
    fn rank(self) -> u8 {
        match self {
            Denial::Command => 1,
            Denial::Key(_) => 2,
            Denial::Channel(_) => 4,
        }
    }
}

/// `ACLCheckAllUserCommandPerm`: allowed if any selector allows; else the most relevant denial
/// (channel > key > command; the later argument among equals).
pub fn check_user(user: &AclUser, cmd: &Command, argv: &[&[u8]]) -> Result<(), Denial> {
    let mut keys: Option<Vec<KeyRef>> = None;
    let mut relevant = Denial::Command;
    let (mut local_idx, mut last_idx) = (0usize, 0usize);
    for sel in user.all_selectors() {
        match check_selector(sel, cmd, argv, &mut keys) {
            Ok(()) => return Ok(()),
            Err(d) => {
                if let Denial::Key(i) | Denial::Channel(i) = d {
                    local_idx = i;
                }
                if d.rank() > relevant.rank()
                    || (d.rank() == relevant.rank() && local_idx > last_idx)
                {
                    relevant = d;
                    last_idx = local_idx;
                }
            }
        }
    }
    Err(match relevant {
        Denial::Command => Denial::Command,
        Denial::Key(_) => Denial::Key(last_idx),
        Denial::Channel(_) => Denial::Channel(last_idx),
    })
}

/// `strcasecmp` of two C strings.
fn strcasecmp_eq(a: &[u8], b: &[u8]) -> bool {
    cstr(a).eq_ignore_ascii_case(cstr(b))
}

/// `ACLSelectorCheckCmd`: command (or allowed first argument), then keys, then channels.
pub fn check_selector(
    sel: &Selector,
    cmd: &Command,
    argv: &[&[u8]],
    keys: &mut Option<Vec<KeyRef>>,
) -> Result<(), Denial> {
    if !sel.all_commands && !cmd.no_auth() && !sel.allows(cmd.id) {
        let idx = if cmd.parent.is_some() { 2 } else { 1 };
        let allowed = argv.len() >= 2
            && sel.first_args.get(&cmd.id).is_some_and(|list| {
                argv.get(idx)
                    .is_some_and(|arg| list.iter().any(|a| strcasecmp_eq(arg, a)))
            });
        if !allowed {
            return Err(Denial::Command);
        }
    }
    if !sel.all_keys && has_keys(cmd) {
        let keys = keys.get_or_insert_with(|| command_keys(cmd, argv));
        for k in keys.iter() {
            if !key_allowed(sel, argv[k.pos], k.flags) {
                return Err(Denial::Key(k.pos));
            }
        }
    }
    if !sel.all_channels {
        if let Some(ch) = cmd.channels.filter(|c| c.checked) {
            let stop = ch
                .count
                .map_or(argv.len(), |n| ch.start + n)
                .min(argv.len());
            for (i, arg) in argv.iter().enumerate().take(stop).skip(ch.start) {
                if !channel_allowed(sel, arg, ch.pattern) {
                    return Err(Denial::Channel(i));
                }
            }
        }
    }
    Ok(())
}

/// `ACLSelectorCheckKey`: one pattern must hold every permission the key needs.
pub fn key_allowed(sel: &Selector, key: &[u8], spec_flags: u32) -> bool {
    if sel.all_keys {
        return true;
    }
    let need_read = spec_flags & key_flags::ACCESS != 0;
    let need_write = spec_flags & (key_flags::INSERT | key_flags::DELETE | key_flags::UPDATE) != 0;
    sel.key_patterns
        .iter()
        .any(|p| (p.read || !need_read) && (p.write || !need_write) && stringmatch(&p.pattern, key))
}

/// `ACLCheckChannelAgainstList`: channels are glob-matched; a PSUBSCRIBE pattern must equal an
/// ACL pattern literally (`strcmp`).
pub fn channel_allowed(sel: &Selector, channel: &[u8], is_pattern: bool) -> bool {
    sel.all_channels
        || sel.channels.iter().any(|p| {
            if is_pattern {
                cstr(p) == cstr(channel)
            } else {
                stringmatch(p, channel)
            }
        })
}

/// `doesCommandHaveKeys`.
pub fn has_keys(cmd: &Command) -> bool {
    cmd.getkeys.is_some()
        || cmd
            .key_specs
            .iter()
            .any(|s| s.flags & key_flags::NOT_KEY == 0)
}

/// `getKeysFromCommandWithSpecs(…, GET_KEYSPEC_DEFAULT)`.
pub fn command_keys(cmd: &Command, argv: &[&[u8]]) -> Vec<KeyRef> {
    let has_keyspec = cmd
        .key_specs
        .iter()
        .any(|s| s.flags & key_flags::NOT_KEY == 0);
    let has_varflags = cmd
        .key_specs
        .iter()
        .any(|s| s.flags & key_flags::VARIABLE_FLAGS != 0);
    if has_keyspec && !has_varflags {
        if let Some(keys) = keys_from_specs(cmd, argv) {
            return keys;
        }
    }
    match cmd.getkeys {
        Some(proc) => keys_from_proc(proc, argv),
        None => Vec::new(),
    }
}

/// `string2ll`: Redis' strict integer parser (no spaces, no `+`, no leading zeros).
pub fn string2ll(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() >= 21 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (neg, digits) = match s[0] {
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut v: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((d - b'0') as u64)?;
    }
    if neg {
        if v > i64::MAX as u64 + 1 {
            None
        } else {
            Some((v as i64).wrapping_neg())
        }
    } else {
        i64::try_from(v).ok()
    }
}

/// C `atoi` as glibc does it: `(int) strtol(s, NULL, 10)` (saturating, then truncated).
pub fn atoi(s: &[u8]) -> i32 {
    let s = cstr(s);
    let mut i = 0;
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    let mut v: i128 = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        v = (v * 10 + (s[i] - b'0') as i128).min(i64::MAX as i128 + 1);
        i += 1;
    }
    let v = if neg {
        (-v).max(i64::MIN as i128)
    } else {
        v.min(i64::MAX as i128)
    };
    v as i64 as i32
}

/// `getKeysUsingKeySpecs`; `None` when a spec is unknown, invalid for these arguments or
/// incomplete (Redis then falls back to the command's `getkeys` procedure).
fn keys_from_specs(cmd: &Command, argv: &[&[u8]]) -> Option<Vec<KeyRef>> {
    let argc = argv.len() as i64;
    let mut keys = Vec::new();
    for spec in &cmd.key_specs {
        if spec.flags & key_flags::NOT_KEY != 0 {
            continue;
        }
        let mut first: i64 = match &spec.begin_search {
            BeginSearch::Index(pos) => *pos as i64,
            BeginSearch::Keyword { keyword, startfrom } => {
                let startfrom = *startfrom as i64;
                let start = if startfrom > 0 {
                    startfrom
                } else {
                    argc + startfrom
                };
                let end = if startfrom > 0 { argc - 1 } else { 1 };
                let mut found = 0;
                let mut i = start;
                while i != end {
                    if i >= argc || i < 1 {
                        break;
                    }
                    if strcasecmp_eq(argv[i as usize], keyword.as_bytes()) {
                        found = i + 1;
                        break;
                    }
                    i = if start <= end { i + 1 } else { i - 1 };
                }
                if found == 0 {
                    continue;
                }
                found
            }
            BeginSearch::Unknown => return None,
        };
        let (last, step) = match spec.find_keys {
            FindKeys::Range {
                lastkey,
                keystep,
                limit,
            } => {
                let (lastkey, limit) = (lastkey as i64, limit as i64);
                let last = if lastkey >= 0 {
                    first + lastkey
                } else if limit == 0 {
                    argc + lastkey
                } else {
                    first + ((argc - first) / limit + lastkey)
                };
                (last, keystep as i64)
            }
            FindKeys::Keynum {
                keynumidx,
                firstkey,
                keystep,
            } => {
                let keynumidx = keynumidx as i64;
                if keynumidx >= argc {
                    return None;
                }
                let at = usize::try_from(first + keynumidx).ok()?;
                let numkeys = string2ll(argv.get(at)?)?;
                if numkeys < 0 {
                    return None;
                }
                first += firstkey as i64;
                (first + (numkeys as i32) as i64 - 1, keystep as i64)
            }
            FindKeys::Unknown => return None,
        };
        if last >= argc || last < first || first >= argc {
            return None;
        }
        let step = step.max(1);
        let mut i = first;
        while i <= last {
            if i >= argc || i < first || i < 0 {
                // Only commands with a variable argument count get here; Redis skips them.
                i += step;
                continue;
            }
            keys.push(KeyRef {
                pos: i as usize,
                flags: spec.flags,
            });
            i += step;
        }
        if spec.flags & key_flags::INCOMPLETE != 0 {
            return None;
        }
    }
    Some(keys)
}

/// The native `getkeys_proc`s of 7.0.15 (`db.c`).
fn keys_from_proc(proc: GetKeysProc, argv: &[&[u8]]) -> Vec<KeyRef> {
    use key_flags::*;
    let argc = argv.len();
    let eq = |i: usize, w: &str| strcasecmp_eq(argv[i], w.as_bytes());
    match proc {
        GetKeysProc::Generic {
            store,
            count,
            first,
        } => {
            let (store, count, first) = (store as usize, count as usize, first as usize);
            let Some(n) = argv.get(count).map(|a| atoi(a)) else {
                return Vec::new();
            };
            if n < 1 || n as i64 > (argc as i64 - first as i64) {
                return Vec::new();
            }
            let mut keys: Vec<KeyRef> = (0..n as usize)
                .map(|i| KeyRef {
                    pos: first + i,
                    flags: 0,
                })
                .collect();
            if store != 0 {
                keys.push(KeyRef {
                    pos: store,
                    flags: 0,
                });
            }
            keys
        }
        GetKeysProc::SortRo => vec![KeyRef {
            pos: 1,
            flags: RO | ACCESS,
        }],
        GetKeysProc::Sort => {
            let mut store = None;
            let mut i = 2;
            while i < argc {
                // The skip list is scanned in order; `store` is tested inside the same loop,
                // so it is found only where `limit` does not match first.
                for (name, skip) in [("limit", 2), ("get", 1), ("by", 1)] {
                    if eq(i, name) {
                        i += skip;
                        break;
                    } else if eq(i, "store") && i + 1 < argc {
                        store = Some(i + 1);
                        break;
                    }
                }
                i += 1;
            }
            let mut keys = vec![KeyRef {
                pos: 1,
                flags: RO | ACCESS,
            }];
            if let Some(s) = store {
                keys.push(KeyRef {
                    pos: s,
                    flags: OW | UPDATE,
                });
            }
            keys
        }
        GetKeysProc::Migrate => {
            let (mut first, mut num) = (3usize, 1usize);
            if argc > 6 {
                let mut i = 6;
                while i < argc {
                    if eq(i, "keys") {
                        if !argv[3].is_empty() {
                            num = 0;
                        } else {
                            first = i + 1;
                            num = argc - first;
                        }
                        break;
                    }
                    for (name, skip) in [("copy", 0), ("replace", 0), ("auth", 1), ("auth2", 2)] {
                        if eq(i, name) {
                            i += skip;
                            break;
                        }
                    }
                    i += 1;
                }
            }
            (0..num)
                .map(|i| KeyRef {
                    pos: first + i,
                    flags: RW | ACCESS | DELETE,
                })
                .collect()
        }
        GetKeysProc::Georadius => {
            let mut stored = None;
            let mut i = 5;
            while i < argc {
                if (eq(i, "store") || eq(i, "storedist")) && i + 1 < argc {
                    stored = Some(i + 1);
                    i += 1;
                }
                i += 1;
            }
            let mut keys = vec![KeyRef { pos: 1, flags: 0 }];
            if let Some(s) = stored {
                keys.push(KeyRef { pos: s, flags: 0 });
            }
            keys
        }
        GetKeysProc::Xread => {
            let mut streams = None;
            let mut i = 1;
            while i < argc {
                if eq(i, "block") || eq(i, "count") {
                    i += 1;
                } else if eq(i, "group") {
                    i += 2;
                } else if eq(i, "noack") {
                } else if eq(i, "streams") {
                    streams = Some(i);
                    break;
                } else {
                    break;
                }
                i += 1;
            }
            let Some(sp) = streams else { return Vec::new() };
            let num = argc - sp - 1;
            if num == 0 || num % 2 == 1 {
                return Vec::new();
            }
            let num = num / 2;
            (sp + 1..argc - num)
                .map(|pos| KeyRef { pos, flags: 0 })
                .collect()
        }
        GetKeysProc::Set => {
            let get = (3..argc).any(|i| cstr(argv[i]).eq_ignore_ascii_case(b"get"));
            let flags = if get {
                RW | ACCESS | UPDATE
            } else {
                OW | UPDATE
            };
            vec![KeyRef { pos: 1, flags }]
        }
        GetKeysProc::Bitfield => {
            let mut readonly = true;
            let mut i = 2;
            while i < argc {
                let remargs = argc - i - 1;
                if eq(i, "get") && remargs >= 2 {
                    i += 2;
                } else if (eq(i, "set") || eq(i, "incrby")) && remargs >= 3 {
                    readonly = false;
                    break;
                } else if eq(i, "overflow") && remargs >= 1 {
                    i += 1;
                } else {
                    readonly = false;
                    break;
                }
                i += 1;
            }
            let flags = if readonly {
                RO | ACCESS
            } else {
                RW | ACCESS | UPDATE
            };
            vec![KeyRef { pos: 1, flags }]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::commands::redis;

    fn keys(args: &str) -> Vec<usize> {
        let argv: Vec<&[u8]> = args.split(' ').map(str::as_bytes).collect();
        let cmd = redis().by_argv(&argv).unwrap();
        command_keys(cmd, &argv).iter().map(|k| k.pos).collect()
    }

    #[test]
    fn key_positions() {
        assert_eq!(keys("GET k"), [1]);
        assert_eq!(keys("MSET a 1 b 2"), [1, 3]);
        assert_eq!(keys("EVAL s 2 a b c"), [3, 4]);
        assert_eq!(keys("EVAL s 3 a b"), Vec::<usize>::new());
        assert_eq!(keys("EVAL s 0"), Vec::<usize>::new());
        assert_eq!(keys("ZUNIONSTORE d 2 a b WEIGHTS 1 2"), [1, 3, 4]);
        assert_eq!(
            keys("ZUNIONSTORE d 0 a"),
            Vec::<usize>::new(),
            "numkeys 0: the fallback finds no key at all"
        );
        assert_eq!(keys("SORT k BY w GET x STORE d"), [1, 7]);
        assert_eq!(keys("SORT k LIMIT 0 1 STORE d"), [1, 6]);
        assert_eq!(keys("XREAD COUNT 1 STREAMS a b 0 0"), [4, 5]);
        assert_eq!(keys("MIGRATE h 1 k 0 10"), [3]);
        assert_eq!(keys("MIGRATE h 1  0 10 KEYS a b"), [7, 8]);
        assert_eq!(keys("MIGRATE h 1 k 0 10 KEYS a b"), Vec::<usize>::new());
        assert_eq!(keys("GEORADIUS k 0 0 1 m STORE d"), [1, 7]);
        assert_eq!(keys("OBJECT ENCODING k"), [2]);
        assert_eq!(keys("LMOVE a b LEFT RIGHT"), [1, 2]);
        assert_eq!(keys("SPUBLISH c m"), Vec::<usize>::new());
    }

    #[test]
    fn integer_parsers() {
        assert_eq!(string2ll(b"12"), Some(12));
        assert_eq!(string2ll(b"-3"), Some(-3));
        assert_eq!(string2ll(b"012"), None);
        assert_eq!(string2ll(b"+1"), None);
        assert_eq!(string2ll(b" 1"), None);
        assert_eq!(string2ll(b"-0"), None);
        assert_eq!(string2ll(b"9223372036854775808"), None);
        assert_eq!(string2ll(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(atoi(b" +12abc"), 12);
        assert_eq!(atoi(b"x"), 0);
        assert_eq!(
            atoi(b"99999999999999999999"),
            -1,
            "LONG_MAX truncated to int"
        );
    }
}
