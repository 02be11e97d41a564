//! `redlint fix`: fixing is idempotent, leaves no fixable finding behind, and a fixed redis.conf
//! is accepted by the real redis-server 7.0.15.

use redlint_core::fix::fix;
use redlint_core::fs::MemoryFs;
use redlint_core::{check, Input, Kind, Options};
use redlint_tests::redis::{require_redis, verdict, Start, Verdict};

fn input(path: &str, text: &[u8], kind: Kind) -> Input {
    Input {
        path: path.trim_start_matches('/').into(),
        host_path: Some(path.into()),
        bytes: text.to_vec(),
        kind,
    }
}

fn fixed(text: &[u8], unsafe_fixes: bool) -> (Vec<u8>, usize) {
    let mut fs = MemoryFs::new();
    fs.insert("/etc/redis/redis.conf", text.to_vec());
    let out = fix(
        vec![input("/etc/redis/redis.conf", text, Kind::Redis)],
        &fs,
        &Options::default(),
        unsafe_fixes,
    );
    let bytes = out
        .files
        .first()
        .map_or_else(|| text.to_vec(), |f| f.fixed.clone());
    (bytes, out.applied)
}

/// Configs Redis refuses (or misreads) only for reasons redlint can fix.
const BROKEN: &[&str] = &[
    "protected-mode yes # keep it on\nmaxmemory 100mb\n",
    "save 900 1 # every 15 minutes\nsave 300 10\n",
    "   appendonly no # no AOF\r\n",
    "slave-read-only yes\nhash-max-ziplist-entries 128\nlua-time-limit 5000\n",
    "maxmemory 100mb\nmaxmemory 200mb\ntimeout 0\ntimeout 300\n",
    "daemonize yes\nsupervised systemd\n",
    "activerehashing yes # x\nlist-max-ziplist-size -2\n",
];

#[test]
fn fixed_configs_start_on_the_real_server() {
    if !require_redis() {
        return;
    }
    let mut failures = Vec::new();
    for text in BROKEN {
        let (after, applied) = fixed(text.as_bytes(), false);
        assert!(applied > 0, "nothing fixed in {text:?}");
        if let Verdict::Reject(why) = verdict(&after, &Start::default()) {
            failures.push(format!(
                "{text:?} → {:?}: {why}",
                String::from_utf8_lossy(&after)
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn fixing_is_idempotent_and_leaves_nothing_fixable() {
    for text in BROKEN {
        for unsafe_fixes in [false, true] {
            let (once, _) = fixed(text.as_bytes(), unsafe_fixes);
            let (twice, applied) = fixed(&once, unsafe_fixes);
            assert_eq!(applied, 0, "second run fixed more in {text:?}");
            assert_eq!(once, twice);
            let mut fs = MemoryFs::new();
            fs.insert("/etc/redis/redis.conf", once.clone());
            let report = check(
                vec![input("/etc/redis/redis.conf", &once, Kind::Redis)],
                &fs,
                &Options::default(),
            );
            let left: Vec<_> = report
                .findings
                .iter()
                .filter(|f| {
                    f.fix.as_ref().is_some_and(|x| {
                        unsafe_fixes
                            || x.applicability == redlint_core::finding::Applicability::Safe
                    })
                })
                .map(|f| format!("{}:{} {}", f.line, f.code, f.message))
                .collect();
            assert!(left.is_empty(), "{text:?}: {left:?}");
        }
    }
}

/// Every file of the seed deployment and of the corpus: a second fix changes nothing.
#[test]
fn fixing_the_seed_and_corpus_is_idempotent() {
    let root = redlint_tests::root();
    let mut files = Vec::new();
    let mut dirs = vec![root.join("tests/fixtures/seed")];
    if let Some(shared) = redlint_tests::shared() {
        dirs.push(shared.join("corpus/real-world"));
    }
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else {
                files.push(p);
            }
        }
    }
    let mut checked = 0;
    for p in files {
        let path = p.to_string_lossy().into_owned();
        let kind = match redlint_core::model::kind::from_path(&path) {
            Some(k @ (Kind::Redis | Kind::Sentinel | Kind::Acl | Kind::Sysctl)) => k,
            _ if path.contains("/acl/") => Kind::Acl,
            _ if path.contains("/sentinel/") => Kind::Sentinel,
            _ if path.contains("/sysctl/") => Kind::Sysctl,
            _ if path.contains("/redis/") => Kind::Redis,
            _ => continue,
        };
        let bytes = std::fs::read(&p).unwrap();
        let host = "/etc/redis/file.conf";
        let run = |b: &[u8]| {
            let mut fs = MemoryFs::new();
            fs.insert(host, b.to_vec());
            let out = fix(vec![input(host, b, kind)], &fs, &Options::default(), true);
            out.files
                .first()
                .map_or_else(|| b.to_vec(), |f| f.fixed.clone())
        };
        let once = run(&bytes);
        let twice = run(&once);
        assert_eq!(
            String::from_utf8_lossy(&once),
            String::from_utf8_lossy(&twice),
            "{path}: a second fix changed it"
        );
        checked += 1;
    }
    assert!(checked > 10);
}

/// `redlint fix --host-memory/--host-cpus/--host-nofile`: configs sized for a bigger machine are
/// re-sized for the host, and the real server runs with the values the fix wrote.
#[test]
fn resized_configs_run_with_the_host_values() {
    if !require_redis() {
        return;
    }
    const GIB: u64 = 1 << 30;
    let configs = [
        // A store sized for a bigger machine.
        "maxmemory 64gb\nio-threads 16\nmaxclients 50000\nappendonly yes\n",
        // A cache with no limit at all.
        "save \"\"\nappendonly no\nmaxmemory-policy noeviction\n",
        // A replica-less store with an explicit `maxmemory 0`.
        "maxmemory 0\nsave 900 1\n",
    ];
    let hosts = [
        (GIB / 2, 1, 1024u64),
        (4 * GIB, 2, 4096),
        (64 * GIB, 16, 65536),
    ];
    let mut failures = Vec::new();
    for text in configs {
        for (memory, cpus, nofile) in hosts {
            let mut options = Options::default();
            options.host.memory = Some(memory);
            options.host.cpus = Some(cpus);
            options.host.nofile = Some(nofile);
            let mut fs = MemoryFs::new();
            fs.insert("/etc/redis/redis.conf", text);
            let out = fix(
                vec![input("/etc/redis/redis.conf", text.as_bytes(), Kind::Redis)],
                &fs,
                &options,
                false,
            );
            let sizing: Vec<_> = out
                .report
                .findings
                .iter()
                .filter(|f| f.code.starts_with("RL70") && f.code <= "RL706")
                .map(|f| format!("{} {}", f.code, f.message))
                .collect();
            if !sizing.is_empty() {
                failures.push(format!("{text:?} on {memory}/{cpus}: still {sizing:?}"));
            }
            let after = out
                .files
                .first()
                .map_or_else(|| text.as_bytes().to_vec(), |f| f.fixed.clone());
            let after_text = String::from_utf8_lossy(&after).into_owned();
            let running = match redlint_tests::redis::start(&after, &Start::default()) {
                Ok(r) => r,
                Err(why) => {
                    failures.push(format!("{after_text:?} refused: {why}"));
                    continue;
                }
            };
            // The server reports the limits the fix wrote.
            let written = |name: &str| {
                after_text
                    .lines()
                    .rev()
                    .find_map(|l| l.strip_prefix(&format!("{name} ")))
                    .map(str::to_string)
            };
            let maxmemory = running
                .command(&["CONFIG", "GET", "maxmemory"])
                .unwrap_or_default();
            let io_threads = running
                .command(&["CONFIG", "GET", "io-threads"])
                .unwrap_or_default();
            match written("maxmemory").as_deref() {
                Some(v) => {
                    let mb: u64 = v.trim_end_matches("mb").parse().unwrap_or(0);
                    let bytes = mb << 20;
                    if bytes == 0 || bytes >= memory || !maxmemory.contains(&bytes.to_string()) {
                        failures.push(format!(
                            "{after_text:?}: maxmemory {v} on a {memory}-byte host, server says {maxmemory:?}"
                        ));
                    }
                }
                None => failures.push(format!("{after_text:?}: no maxmemory written")),
            }
            if let Some(t) = written("io-threads") {
                let t: u32 = t.parse().unwrap_or(0);
                if t == 0 || t > cpus || !io_threads.contains(&t.to_string()) {
                    failures.push(format!(
                        "{after_text:?}: io-threads {t}, server says {io_threads:?}"
                    ));
                }
            }
            running.stop();
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
