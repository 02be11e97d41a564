//! redlint's offline `ACL DRYRUN` against the real redis-server 7.0.15: one server loads an
//! ACL file with many varied users, then thousands of (user × command × keys × channels)
//! combinations are asked of both. Every disagreement is printed with its inputs.

use redlint_core::acl::{self, DryRun, Env};
use redlint_core::knowledge::commands;
use redlint_core::model::FileId;
use redlint_core::syntax::{acl as acl_syntax, conf};
use redlint_tests::redis::{pipeline, require_redis, start, Start};

/// Users of the generated ACL file (after `user <name> `). Each exercises some part of the
/// model: categories and their order, subcommands, first-args, %R/%W, channels, selectors,
/// reset, glob corner cases.
const USERS: &[(&str, &str)] = &[
    ("u_all", "on nopass ~* &* +@all"),
    ("u_read", "on nopass ~app:* -@all +@read"),
    ("u_slow", "on nopass -@all +@slow"),
    ("u_slowk", "on nopass ~* -@all +@slow"),
    ("u_rw", "on nopass %R~src:* %W~dst:* -@all +@all"),
    ("u_rw2", "on nopass %R~* %W~w:* +@all"),
    ("u_ch", "on nopass ~* &news.* &chat:? -@all +@pubsub"),
    (
        "u_sel",
        "on nopass ~a* -@all +mset +get (~b* +mset +set) (%R~c* +@read)",
    ),
    ("u_fa", "on nopass ~* -@all +select|0 +select|1 +get"),
    ("u_fa2", "on nopass ~* -@all +select|0 +select -select"),
    (
        "u_fa3",
        "on nopass ~* +@all -select +select|3 +debug|object",
    ),
    (
        "u_cfg",
        "on nopass ~* -@all +config|get +config|set -config|set",
    ),
    (
        "u_dang",
        "on nopass ~* &* +@all -@dangerous +flushdb +config|get",
    ),
    ("u_dang2", "on nopass ~* -@dangerous +@all"),
    ("u_reset", "on nopass ~* &* +@all reset on nopass ~x* +get"),
    ("u_off", "off ~* +@all"),
    ("u_none", "on nopass"),
    (
        "u_script",
        "on nopass ~k* -@all +eval +evalsha +fcall +eval_ro +fcall_ro",
    ),
    (
        "u_glob",
        "on nopass ~h?llo ~[abc]x* ~\\*lit ~[z-a]q -@all +@all",
    ),
    (
        "u_glob2",
        "on nopass %RW~* ~[a-]x ~a\\ ~[ ~[^ ~[\\]]* -@all +@all",
    ),
    (
        "u_glob3",
        "on nopass %W~[a-c]?* %R~*\\* ~a[b-]z -@all +@string +@keyspace",
    ),
    ("u_sort", "on nopass %R~s:* %W~d:* +@all"),
    ("u_stream", "on nopass %R~st:* %RW~grp:* -@all +@stream"),
    ("u_zset", "on nopass %R~z:* %W~out:* -@all +@sortedset"),
    ("u_list", "on nopass ~l:* %R~ro:* -@all +@list +@blocking"),
    ("u_cat", "on nopass ~* -@all +@keyspace -del +@hash -hset"),
    (
        "u_sub",
        "on nopass ~* -@all +client +object -client|kill +memory|usage",
    ),
    (
        "u_obj",
        "on nopass %R~* -@all +object|encoding +memory|usage +@admin",
    ),
    (
        "u_chsel",
        "on nopass resetchannels &a:* (&b:* +publish +subscribe) -@all +publish +psubscribe",
    ),
    ("u_empty", "on nopass ~ %R -@all +@all"),
    ("u_selfa", "on nopass -@all (+select|2 ~*) (~k* +get)"),
    ("u_noauth", "on nopass -@all"),
    ("u_mig", "on nopass %R~m:* %W~n:* %RW~mn:* +@all"),
    ("u_bit", "on nopass %R~b:* %W~bw:* +@all"),
    (
        "u_chan2",
        "on nopass allchannels resetchannels &x &news.[ab] +@all ~*",
    ),
    (
        "u_multi",
        "on nopass (~m* +get) (~n* +set) (&c* +publish) (%W~w* +set +getset) -@all",
    ),
    ("u_mixcase", "on nopass ~Key* +GET +Set -@ALL +@Read +HSET"),
    ("u_w", "on nopass %W~* -@all +@all"),
    ("u_r", "on nopass %R~* -@all +@all"),
    ("u_dup", "on nopass ~a ~a %R~b %W~b &c &c -@all +@all"),
    ("u_clear", "on nopass ~* (~x +get) clearselectors +get"),
    ("u_geo", "on nopass %R~g:* %W~gs:* -@all +@geo"),
    (
        "u_cont",
        "on nopass ~* -@all +config -config|set +acl -acl|setuser",
    ),
    (
        "u_slowdang",
        "on nopass ~* &* -@all +@slow -@dangerous +@fast",
    ),
    ("u_tx", "on nopass ~* -@all +@transaction +@connection"),
    (
        "u_keysel",
        "on nopass ~a:* (%R~b:* +@all) (%W~c:* +@write) -@all +@read",
    ),
    ("u_chanps", "on nopass &* -@all +@pubsub"),
    (
        "u_selch",
        "on nopass ~* &x:* -@all +@all (&y:* +@all) (~k* &z:* +publish)",
    ),
];

/// Users whose rules are not UTF-8 (signed-char ranges in globs).
const BYTE_USERS: &[(&str, &[u8])] = &[(
    "u_bytes",
    b"on nopass ~[a-\xff]* ~\xc3* %R~[\x80-\x90] -@all +@all",
)];

/// Keys used in the commands: chosen to hit the users' patterns and the glob corner cases.
const KEYS: &[&[u8]] = &[
    b"app:1",
    b"src:1",
    b"dst:1",
    b"w:k",
    b"a1",
    b"b1",
    b"c1",
    b"k1",
    b"kx",
    b"x",
    b"xy",
    b"hello",
    b"hallo",
    b"ax",
    b"*lit",
    b"q",
    b"z:1",
    b"out:1",
    b"l:1",
    b"ro:1",
    b"st:1",
    b"grp:1",
    b"s:1",
    b"d:1",
    b"m:1",
    b"n:1",
    b"mn:1",
    b"b:1",
    b"bw:1",
    b"",
    b"Key1",
    b"key1",
    b"[",
    b"\\",
    b"a\\",
    b"]",
    b"]x",
    b"a]z",
    b"abz",
    b"a-z",
    b"ba",
    b"cq",
    b"w1",
    b"*",
    b"?",
    b"g:1",
    b"gs:1",
    b"a:1",
    b"b:2",
    b"c:3",
    b"h]",
    b"zz",
    b"\xff",
    b"\x80",
    b"0",
    b"b",
    b"\xc3\xa9",
    b"\xc3x",
    b"~",
];

/// Channels used in the commands.
const CHANNELS: &[&str] = &[
    "news.x", "news.a", "news.*", "chat:1", "chat:12", "a:1", "b:1", "c1", "x", "*", "x:1", "y:1",
    "z:1", "", "news.b",
];

/// Command templates: `K1`..`K3` become keys, `C1`/`C2` channels.
const TEMPLATES: &[&str] = &[
    "GET K1",
    "SET K1 v",
    "SET K1 v GET",
    "SET K1 v EX 10 get",
    "APPEND K1 v",
    "INCR K1",
    "GETSET K1 v",
    "DEL K1 K2",
    "EXISTS K1 K2",
    "TYPE K1",
    "MSET K1 v K2 v K3 v",
    "MGET K1 K2 K3",
    "COPY K1 K2",
    "LMOVE K1 K2 LEFT RIGHT",
    "RPOPLPUSH K1 K2",
    "BLMOVE K1 K2 LEFT RIGHT 0",
    "SORT K1",
    "SORT K1 STORE K2",
    "SORT K1 BY nosort GET # STORE K2",
    "SORT K1 LIMIT 0 1 STORE K2",
    "SORT_RO K1",
    "EVAL s 1 K1",
    "EVAL s 2 K1 K2",
    "EVAL s 0",
    "EVAL s 3 K1 K2",
    "EVAL s -1 K1",
    "EVAL s x K1",
    "EVALSHA x 1 K1",
    "EVAL_RO s 1 K1",
    "FCALL f 1 K1",
    "FCALL_RO f 2 K1 K2",
    "ZUNIONSTORE K1 2 K2 K3",
    "ZUNIONSTORE K1 0 K2",
    "ZINTERSTORE K1 1 K2 WEIGHTS 2",
    "ZUNION 2 K1 K2",
    "ZINTERCARD 2 K1 K2",
    "ZRANGESTORE K1 K2 0 -1",
    "ZADD K1 1 m",
    "ZRANGE K1 0 -1",
    "XREAD STREAMS K1 K2 0 0",
    "XREAD COUNT 1 STREAMS K1 0",
    "XREAD STREAMS K1 0 0",
    "XREADGROUP GROUP g c STREAMS K1 >",
    "XADD K1 * f v",
    "XGROUP CREATE K1 g $",
    "XINFO STREAM K1",
    "OBJECT ENCODING K1",
    "OBJECT FREQ K1",
    "MEMORY USAGE K1",
    "GEORADIUS K1 0 0 1 m STORE K2",
    "GEORADIUS K1 0 0 1 m STOREDIST K2",
    "GEORADIUSBYMEMBER K1 m 1 km",
    "GEOSEARCHSTORE K1 K2 FROMLONLAT 0 0 BYRADIUS 1 m",
    "GEOADD K1 0 0 m",
    "MIGRATE h 1 K1 0 10",
    "MIGRATE h 1 K1 0 10 COPY",
    "MIGRATE h 1  0 10 KEYS K1 K2",
    "MIGRATE h 1 K1 0 10 KEYS K2",
    "BITFIELD K1 GET u8 0",
    "BITFIELD K1 SET u8 0 1",
    "BITFIELD K1 OVERFLOW SAT GET u8 0",
    "BITFIELD_RO K1 GET u8 0",
    "BITOP AND K1 K2 K3",
    "LMPOP 2 K1 K2 LEFT",
    "BLMPOP 0 2 K1 K2 LEFT",
    "ZMPOP 1 K1 MIN",
    "SINTERCARD 1 K1",
    "SINTERSTORE K1 K2 K3",
    "RENAME K1 K2",
    "HSET K1 f v",
    "HGET K1 f",
    "PFCOUNT K1 K2",
    "PFMERGE K1 K2",
    "LPUSH K1 v",
    "LRANGE K1 0 -1",
    "BLPOP K1 K2 0",
    "SMOVE K1 K2 m",
    "RESTORE K1 0 x",
    "DUMP K1",
    "TOUCH K1 K2",
    "UNLINK K1",
    "EXPIRE K1 10",
    "WATCH K1 K2",
    "SUBSCRIBE C1 C2",
    "PSUBSCRIBE C1 C2",
    "PUBLISH C1 m",
    "SPUBLISH C1 m",
    "SSUBSCRIBE C1 C2",
    "UNSUBSCRIBE C1",
    "PUNSUBSCRIBE C1",
    "PUBSUB CHANNELS C1",
    "PUBSUB NUMSUB C1",
    "CONFIG GET maxmemory",
    "CONFIG SET maxmemory 1",
    "CONFIG",
    "CONFIG NOSUCH",
    "config get",
    "SELECT 0",
    "SELECT 1",
    "SELECT 2",
    "SELECT 3",
    "FLUSHDB",
    "FLUSHALL",
    "DEBUG OBJECT K1",
    "DEBUG SLEEP 0",
    "CLIENT ID",
    "CLIENT KILL ID 1",
    "CLIENT",
    "AUTH a b",
    "HELLO",
    "QUIT",
    "RESET",
    "PING",
    "MULTI",
    "EXEC",
    "ACL SETUSER x",
    "ACL WHOAMI",
    "ACL",
    "NOSUCH K1",
    "GET",
    "GET K1 K2",
    "KEYS *",
    "SCAN 0",
    "DBSIZE",
    "INFO",
    "SHUTDOWN",
    "WAIT 0 0",
    "COMMAND",
    "COMMAND GETKEYS GET K1",
    "SWAPDB 0 1",
    "LCS K1 K2",
    "SMISMEMBER K1 a b",
    "GETEX K1 PERSIST",
    "GETDEL K1",
];

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545F4914F6CDD1D) >> 33) as usize % n
    }
}

fn instantiate(template: &str, rng: &mut Rng) -> Vec<Vec<u8>> {
    let mut argv = Vec::new();
    // `MIGRATE h 1  0 …` has an empty key argument: split on single spaces.
    for w in template.split(' ') {
        let v = match w {
            "K1" | "K2" | "K3" => KEYS[rng.next(KEYS.len())].to_vec(),
            "C1" | "C2" => CHANNELS[rng.next(CHANNELS.len())].as_bytes().to_vec(),
            other => other.as_bytes().to_vec(),
        };
        argv.push(v);
    }
    argv
}

/// The server's reply in redlint's terms.
fn reply_of(raw: &[u8]) -> DryRun {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let line_end = raw
        .windows(2)
        .position(|w| w == b"\r\n")
        .unwrap_or(raw.len());
    match raw.first() {
        Some(b'+') if &raw[1..line_end] == b"OK" => DryRun::Ok,
        Some(b'-') => DryRun::Error(text(&raw[1..line_end])),
        Some(b'$') => {
            let body = &raw[line_end + 2..raw.len().saturating_sub(2)];
            DryRun::Denied(text(body))
        }
        _ => DryRun::Error(format!("unexpected reply {:?}", text(raw))),
    }
}

/// Rows of `rules/redis-7.0/dryrun-cases.md`'s example table: (#, rules, argv, expected).
fn dryrun_case_rows() -> Vec<(String, String, Vec<Vec<u8>>, String)> {
    let text =
        std::fs::read_to_string(redlint_tests::root().join("rules/redis-7.0/dryrun-cases.md"))
            .expect("dryrun-cases.md");
    let mut rows = Vec::new();
    for line in text.lines() {
        let cells: Vec<String> = line
            .replace("\\|", "\u{1}")
            .split('|')
            .map(|c| c.trim().replace('\u{1}', "|"))
            .collect();
        if cells.len() != 6 || cells[1].parse::<u32>().is_err() {
            continue;
        }
        let unquote = |s: &str| s.trim_matches('`').to_string();
        let rules = unquote(&cells[2]);
        let argv = conf::split_value(unquote(&cells[3]).as_bytes()).expect("command splits");
        rows.push((cells[1].clone(), rules, argv, unquote(&cells[4])));
    }
    rows
}

fn expected_of(reply: &str) -> DryRun {
    if reply == "+OK" {
        DryRun::Ok
    } else if let Some(e) = reply.strip_prefix('-') {
        DryRun::Error(e.to_string())
    } else {
        DryRun::Denied(reply.to_string())
    }
}

#[test]
fn dryrun_agrees_with_the_real_server() {
    if !require_redis() {
        return;
    }
    let cases = dryrun_case_rows();
    assert!(cases.len() >= 25, "dryrun-cases.md rows: {}", cases.len());

    // The ACL file: the generated users, then one user per dryrun-cases.md row.
    let mut file = String::new();
    for (name, rules) in USERS {
        file.push_str(&format!("user {name} {rules}\n"));
    }
    let mut bytes_file = Vec::new();
    for (name, rules) in BYTE_USERS {
        bytes_file.extend_from_slice(format!("user {name} ").as_bytes());
        bytes_file.extend_from_slice(rules);
        bytes_file.push(b'\n');
    }
    for (n, rules, _, _) in &cases {
        if rules.starts_with('(') || rules == "any" {
            continue;
        }
        file.push_str(&format!("user case{n} reset {rules}\n"));
    }
    let mut bytes = file.clone().into_bytes();
    bytes.extend_from_slice(&bytes_file);

    let table = commands::redis();
    let doc = acl_syntax::parse(&bytes);
    let load = acl::load::load_acl_file(FileId(0), &bytes, &doc, &Env::new(table));
    assert!(
        load.problems.is_empty(),
        "the generated ACL file must load: {:?}",
        load.problems
    );

    let opts = Start {
        files: vec![("users.acl".to_string(), bytes, 0o644)],
        ..Start::default()
    };
    let server = start(b"aclfile users.acl\nsave \"\"\nappendonly no\n", &opts)
        .expect("server starts with the ACL file");

    // (user, argv, expected-from-docs)
    let mut asks: Vec<(String, Vec<Vec<u8>>, Option<DryRun>)> = Vec::new();
    for (n, rules, argv, reply) in &cases {
        let user = if rules.starts_with('(') {
            "nosuchuser".to_string()
        } else if rules == "any" {
            "u_all".to_string()
        } else {
            format!("case{n}")
        };
        asks.push((user, argv.clone(), Some(expected_of(reply))));
    }
    let mut rng = Rng(0x9E3779B97F4A7C15);
    let names: Vec<&str> = USERS
        .iter()
        .map(|(n, _)| *n)
        .chain(BYTE_USERS.iter().map(|(n, _)| *n))
        .collect();
    for name in &names {
        for t in TEMPLATES {
            for _ in 0..3 {
                asks.push((name.to_string(), instantiate(t, &mut rng), None));
            }
        }
    }
    // Every user against every key for GET/SET and every channel for PUBLISH/PSUBSCRIBE.
    for name in &names {
        for k in KEYS {
            for cmd in ["GET", "SET"] {
                let mut argv = vec![cmd.as_bytes().to_vec(), k.to_vec()];
                if cmd == "SET" {
                    argv.push(b"v".to_vec());
                }
                asks.push((name.to_string(), argv, None));
            }
        }
        for c in CHANNELS {
            for cmd in ["PUBLISH", "PSUBSCRIBE"] {
                let mut argv = vec![cmd.as_bytes().to_vec(), c.as_bytes().to_vec()];
                if cmd == "PUBLISH" {
                    argv.push(b"m".to_vec());
                }
                asks.push((name.to_string(), argv, None));
            }
        }
    }
    asks.push((
        "nosuchuser".to_string(),
        vec![b"GET".to_vec(), b"k".to_vec()],
        None,
    ));
    assert!(asks.len() > 5000, "{} combinations", asks.len());

    let commands: Vec<Vec<Vec<u8>>> = asks
        .iter()
        .map(|(user, argv, _)| {
            let mut c = vec![
                b"ACL".to_vec(),
                b"DRYRUN".to_vec(),
                user.as_bytes().to_vec(),
            ];
            c.extend(argv.iter().cloned());
            c
        })
        .collect();
    let replies = pipeline(server.port, &commands).expect("pipeline");
    assert_eq!(replies.len(), asks.len());

    let mut disagreements = Vec::new();
    for ((user, argv, documented), raw) in asks.iter().zip(&replies) {
        let server_says = reply_of(raw);
        let args: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
        let ours = acl::dryrun(&load.users, table, user.as_bytes(), &args);
        let shown: Vec<String> = argv
            .iter()
            .map(|a| format!("{:?}", String::from_utf8_lossy(a)))
            .collect();
        if ours != server_says {
            disagreements.push(format!(
                "user {user} cmd [{}]: server {server_says:?}, redlint {ours:?}",
                shown.join(" ")
            ));
        }
        if let Some(doc) = documented {
            if *doc != server_says {
                disagreements.push(format!("dryrun-cases.md row for {user} [{}]: documented {doc:?}, server {server_says:?}", shown.join(" ")));
            }
        }
    }
    let mut kinds = std::collections::BTreeMap::new();
    for raw in &replies {
        let k = match reply_of(raw) {
            DryRun::Ok => "OK".to_string(),
            DryRun::Denied(t) => {
                t.split('\'').next().unwrap_or_default().to_string()
                    + t.rsplit('\'').next().unwrap_or_default()
            }
            DryRun::Error(t) => t.split('\'').next().unwrap_or_default().to_string(),
        };
        *kinds.entry(k).or_insert(0) += 1;
    }
    eprintln!(
        "{} ACL DRYRUN combinations compared, {} disagreements; replies: {kinds:?}",
        asks.len(),
        disagreements.len()
    );
    for d in &disagreements {
        eprintln!("{d}");
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreements (listed above)",
        disagreements.len()
    );
}
