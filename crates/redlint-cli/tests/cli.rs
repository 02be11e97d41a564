//! The command line as users and scripts see it: snapshots of the seed bundles, exit codes,
//! and hostile input.

mod common;

use common::{redlint_in, stderr, stdout, workspace, Scratch};
use std::path::PathBuf;
use std::process::{Command, Output};

fn redlint(args: &[&str]) -> Output {
    redlint_in(&workspace(), args)
}

fn seed(bundle: &str) -> String {
    format!("tests/fixtures/seed/{bundle}")
}

const BUNDLES: &[&str] = &[
    "bare-metal",
    "docker-dev",
    "docker-opt",
    "compose-sentinel",
    "kubernetes",
];

#[test]
fn seed_bundles_json_snapshots() {
    for bundle in BUNDLES {
        let dir = seed(bundle);
        let out = redlint(&["check", "--root", &dir, &dir, "--format", "json"]);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{bundle}: {}",
            stderr(&out)
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
        assert_eq!(json["version"], 1);
        insta::assert_snapshot!(format!("seed_{bundle}_json"), stdout(&out));
    }
}

#[test]
fn seed_bundles_full_snapshots() {
    for bundle in BUNDLES {
        let dir = seed(bundle);
        let out = redlint(&["check", "--root", &dir, &dir, "--format", "full"]);
        insta::assert_snapshot!(format!("seed_{bundle}_full"), stdout(&out));
    }
}

#[test]
fn no_secret_in_any_format_without_show_secrets() {
    // Passwords that appear in the seed bundles.
    let secrets = [
        "AI_Platform_Redis_2024_Secure",
        "AI_Platform_Sentinel_2024",
        "changeThisToSecurePassword",
    ];
    for bundle in BUNDLES {
        let dir = seed(bundle);
        for format in ["json", "full", "concise"] {
            let out = redlint(&["check", "--root", &dir, &dir, "--format", format]);
            let text = stdout(&out) + &stderr(&out);
            for s in secrets {
                assert!(!text.contains(s), "{bundle} {format} shows a secret: {s}");
            }
        }
    }
}

#[test]
fn output_is_stable_across_runs() {
    let dir = seed("bare-metal");
    let a = redlint(&["check", "--root", &dir, &dir, "--format", "json"]);
    let b = redlint(&["check", "--root", &dir, &dir, "--format", "json"]);
    assert_eq!(a.stdout, b.stdout);
}

/// Exit code of a run that must finish cleanly: 0 or 1, never a panic.
fn clean_exit(out: &Output) -> i32 {
    let code = out.status.code().expect("exited, not killed by a signal");
    assert!(!stderr(out).contains("panicked"), "panic: {}", stderr(out));
    code
}

#[test]
fn hostile_input_never_panics() {
    let s = Scratch::new("hostile");
    let mut random = Vec::with_capacity(1 << 20);
    let mut x: u64 = 0x9E3779B97F4A7C15;
    for _ in 0..(1 << 20) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        random.push(x as u8);
    }
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("random.conf", random.clone()),
        (
            "invalid-utf8.conf",
            b"requirepass \xff\xfe\nport \xc3\x28\n\"\xff\n".to_vec(),
        ),
        ("long-line.conf", {
            let mut v = b"requirepass ".to_vec();
            v.extend(std::iter::repeat_n(b'a', 5 << 20));
            v.push(b'\n');
            v
        }),
        (
            "cr-only.conf",
            b"port 6379\rmaxmemory 1gb\rsave 900 1\r".to_vec(),
        ),
        ("nul.conf", b"maxmemory 2mb\0junk\ntimeout 5\n".to_vec()),
        ("quotes.conf", b"\"\n'\n\"\\\nx \"\\x\"\n".to_vec()),
        ("bom.conf", b"\xef\xbb\xbfport 6379\n".to_vec()),
        ("empty.conf", Vec::new()),
    ];
    for (name, bytes) in &cases {
        let path = s.write(name, bytes);
        for kind in ["redis", "sentinel", "acl", "sysctl"] {
            for format in ["json", "full", "concise"] {
                let out = redlint(&["check", "--kind", kind, "--format", format, &path]);
                let code = clean_exit(&out);
                assert!(
                    code == 0 || code == 1,
                    "{name} as {kind}: exit {code}: {}",
                    stderr(&out)
                );
            }
        }
    }
}

#[test]
fn include_cycles_are_reported_not_followed() {
    let s = Scratch::new("cycle");
    let a = s.write("a.conf", b"include b.conf\n");
    s.write("b.conf", b"port 6380\ninclude a.conf\n");
    s.write("self.conf", b"include self.conf\n");
    let out = redlint(&[
        "check",
        "--format",
        "concise",
        "--root",
        s.0.to_str().unwrap(),
        &a,
    ]);
    assert_eq!(clean_exit(&out), 1);
    assert!(stdout(&out).contains("RL009"), "{}", stdout(&out));
}

#[test]
fn directories_as_files_and_missing_paths() {
    let s = Scratch::new("dirs");
    std::fs::create_dir_all(s.0.join("etc/redis/users.acl")).unwrap();
    std::fs::create_dir_all(s.0.join("etc/redis/inc")).unwrap();
    s.write(
        "etc/redis/redis.conf",
        b"aclfile /etc/redis/users.acl\ninclude /etc/redis/inc\n",
    );
    let root = s.0.to_str().unwrap();
    let out = redlint(&[
        "check",
        "--format",
        "concise",
        "--root",
        root,
        &format!("{root}/etc/redis/redis.conf"),
    ]);
    assert_eq!(clean_exit(&out), 1, "{}", stdout(&out));
    assert!(stdout(&out).contains("RL024"), "{}", stdout(&out));

    let out = redlint(&["check", "/nonexistent/redis.conf"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("/nonexistent/redis.conf"),
        "{}",
        stderr(&out)
    );

    let out = redlint(&["check", "--root", "/nonexistent", "."]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn special_files_are_refused_not_read() {
    let s = Scratch::new("fifo");
    let fifo = s.0.join("pipe.conf");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .map(|st| st.success())
        .unwrap_or(false);
    if !made {
        eprintln!("SKIPPED: mkfifo unavailable");
        return;
    }
    let out = redlint(&["check", fifo.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not a regular file"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(
        redlint(&["check", "--kind", "nginx", "."]).status.code(),
        Some(2)
    );
    assert_eq!(
        redlint(&["check", "--host-memory", "lots", "."])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(redlint(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(redlint(&["rule", "RL999"]).status.code(), Some(2));
}

#[test]
fn rule_lists_and_prints() {
    let out = redlint(&["rule"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("RL009"));
    let out = redlint(&["rule", "RL009"]);
    assert!(stdout(&out).contains("## What it does"), "{}", stdout(&out));
}

#[test]
fn generate_writes_a_host_root_that_lints_clean() {
    use std::os::unix::fs::PermissionsExt;
    let s = Scratch::new("generate");
    let out = s.0.join("out");
    let o = out.to_str().unwrap();
    let run = redlint(&[
        "generate",
        "--out",
        o,
        "--host-memory",
        "4GiB",
        "--host-cpus",
        "4",
        "--topology",
        "sentinel",
        "--role",
        "store",
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let mode = |p: &str| std::fs::metadata(out.join(p)).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode("credentials.env"), 0o600);
    assert_eq!(mode("etc/redis/users.acl"), 0o640);
    assert!(out.join("etc/redis/sentinel-3.conf").is_file());
    // Refuses to overwrite without --force.
    let again = redlint(&[
        "generate",
        "--out",
        o,
        "--host-memory",
        "4GiB",
        "--host-cpus",
        "4",
    ]);
    assert_eq!(again.status.code(), Some(2));
    // A profile gives the same inputs.
    let profile = s.write(
        "profile.toml",
        b"role = \"cache\"\ntopology = \"replicated\"\nreplicas = 1\n",
    );
    let run = redlint(&[
        "generate",
        "--out",
        &format!("{o}2"),
        "--profile",
        &profile,
        "--host-memory",
        "1GiB",
        "--host-cpus",
        "2",
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert!(out
        .with_file_name("out2")
        .join("etc/redis/redis-6380.conf")
        .is_file());
    let bad = s.write("bad.toml", b"role = \"cache\"\ncolour = 1\n");
    assert_eq!(
        redlint(&[
            "generate",
            "--out",
            &format!("{o}3"),
            "--profile",
            &bad,
            "--host-memory",
            "1GiB",
            "--host-cpus",
            "2"
        ])
        .status
        .code(),
        Some(2)
    );
    // No password on stdout.
    assert!(!stdout(&run).contains("PASSWORD="));
}

#[test]
fn acl_dryrun_answers_like_redis() {
    let s = Scratch::new("dryrun");
    let acl = s.write(
        "users.acl",
        b"user app on #5e884898da28047151d0e56f8dc6292773603d0d6aabbdbd62a11ef721d1542d ~app:* &app:* -@all +@read +@write\nuser ro on nopass ~* -@all +@read +config\n",
    );
    let ok = redlint(&["acl", "dryrun", &acl, "app", "SET", "app:1", "v"]);
    assert_eq!((ok.status.code(), stdout(&ok).trim()), (Some(0), "OK"));
    let denied = redlint(&["acl", "dryrun", &acl, "app", "GET", "other"]);
    assert_eq!(denied.status.code(), Some(1));
    assert_eq!(
        stdout(&denied).trim(),
        "This user has no permissions to access the 'other' key"
    );
    // `+config` on a "read-only" user grants CONFIG SET.
    let cfg = redlint(&["acl", "dryrun", &acl, "ro", "CONFIG", "SET", "dir", "/tmp"]);
    assert_eq!(cfg.status.code(), Some(0));
    let denied = redlint(&["acl", "dryrun", &acl, "app", "CONFIG", "GET", "maxmemory"]);
    assert_eq!(
        stdout(&denied).trim(),
        "This user has no permissions to run the 'config|get' command"
    );
    let unknown = redlint(&["acl", "dryrun", &acl, "nobody", "GET", "k"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("User 'nobody' not found"),
        "{}",
        stderr(&unknown)
    );
}

// --- Files people actually have (issue 8 §3) ---

/// The Kubernetes ConfigMap mount: `redis.conf -> ..data/redis.conf`, `..data -> ..<timestamp>/`.
fn configmap(s: &Scratch, conf: &[u8]) -> PathBuf {
    use std::os::unix::fs::symlink;
    let dir = s.0.join("configmap");
    let stamp = dir.join("..2024_01_01_00_00_00.123");
    std::fs::create_dir_all(&stamp).unwrap();
    std::fs::write(stamp.join("redis.conf"), conf).unwrap();
    symlink("..2024_01_01_00_00_00.123", dir.join("..data")).unwrap();
    symlink("..data/redis.conf", dir.join("redis.conf")).unwrap();
    dir
}

#[test]
fn configmap_symlinks_are_followed_and_each_file_checked_once() {
    let s = Scratch::new("configmap");
    let dir = configmap(&s, b"bind 0.0.0.0\nprotected-mode no\nport 6379\n");
    // A loop back to the top must not hang the walk.
    std::os::unix::fs::symlink(".", dir.join("loop")).unwrap();
    // A visible link to the hidden directory, sorted after it: its name is the one shown.
    std::os::unix::fs::symlink("..2024_01_01_00_00_00.123", dir.join("conf")).unwrap();
    std::fs::write(
        dir.join("..2024_01_01_00_00_00.123/sentinel.conf"),
        b"port 26379\nsentinel monitor m 127.0.0.1 6379 2\n",
    )
    .unwrap();
    let d = dir.to_str().unwrap();
    let out = redlint(&["check", "--format", "json", "--verbose", d]);
    assert_eq!(clean_exit(&out), 1, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(&format!("same file as {d}/conf/sentinel.conf")),
        "{text}"
    );
    std::fs::remove_file(dir.join("conf")).unwrap();
    std::fs::remove_file(dir.join("..2024_01_01_00_00_00.123/sentinel.conf")).unwrap();
    let out = redlint(&["check", "--format", "json", d]);
    assert_eq!(clean_exit(&out), 1, "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["summary"]["files"], 1, "one file, whatever reaches it");
    let files: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert!(!files.is_empty());
    let visible = format!("{d}/redis.conf");
    assert!(files.iter().all(|f| *f == visible), "{files:?}");
    // The loop is said, in JSON too.
    let notices = json["notices"].as_array().unwrap();
    let skipped = notices
        .iter()
        .find(|n| n["kind"] == "files-skipped")
        .expect("files-skipped notice");
    assert!(
        skipped["message"]
            .as_str()
            .unwrap()
            .contains("1 symbolic link loop"),
        "{skipped}"
    );
    // Human formats: one line on stderr; --verbose lists each file.
    let out = redlint(&["check", "--format", "concise", d]);
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "note: skipped 1 file under {d} (1 symbolic link loop); --verbose lists them"
        )),
        "{err}"
    );
    let out = redlint(&["check", "--format", "concise", "--verbose", d]);
    let err = stderr(&out);
    assert!(
        err.contains(&format!("note: {d}/loop: skipped: symbolic link loop")),
        "{err}"
    );
    assert!(
        err.contains("same file as") && err.contains("..2024_01_01_00_00_00.123/redis.conf"),
        "{err}"
    );
}

#[test]
fn kinds_are_detected_by_content_and_unrelated_files_skipped() {
    let s = Scratch::new("kinds");
    let redis = b"port 6380\nbind 127.0.0.1\nmaxmemory 1gb\nmaxmemory-policy allkeys-lru\n";
    s.write("deploy/master.conf", redis);
    s.write(
        "deploy/replica-1.conf",
        b"port 6381\nbind 127.0.0.1\nreplicaof 127.0.0.1 6380\n",
    );
    s.write("deploy/redis.cnf", redis);
    s.write(
        "deploy/acl.conf",
        b"user default off\nuser app on nopass ~app:* +@read\n",
    );
    s.write(
        "deploy/sentinel-26379.conf",
        b"port 26379\nsentinel monitor main 127.0.0.1 6380 2\n",
    );
    s.write(
        "deploy/nginx.conf",
        b"user www-data;\nworker_processes auto;\nevents {\n  worker_connections 768;\n}\n",
    );
    s.write("deploy/app.yaml", b"apiVersion: v1\nkind: ConfigMap\n");
    let d = s.0.join("deploy");
    let d = d.to_str().unwrap();
    let out = redlint(&["check", "--format", "json", "--verbose", d]);
    let code = clean_exit(&out);
    assert!(code == 0 || code == 1, "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["summary"]["files"], 5, "{}", stdout(&out));
    let skipped: Vec<String> = json["notices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "file-skipped")
        .map(|n| n["file"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        skipped,
        [format!("{d}/app.yaml"), format!("{d}/nginx.conf")],
        "{}",
        stdout(&out)
    );
}

#[test]
fn nothing_to_check_exits_2() {
    let s = Scratch::new("empty");
    std::fs::create_dir_all(s.0.join("empty")).unwrap();
    let out = redlint(&["check", s.0.join("empty").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("nothing to check: found no files under"),
        "{}",
        stderr(&out)
    );
    s.write("other/nginx.conf", b"events {\n}\n");
    let out = redlint(&["check", s.0.join("other").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("found 1 file under")
            && stderr(&out).contains("none of them Redis configuration (1 not Redis configuration"),
        "{}",
        stderr(&out)
    );
}

// --- Small frictions (issue 8 §4) ---

#[test]
fn host_memory_needs_a_unit_in_check_and_generate() {
    let conf = format!("{}/redis.conf", seed("docker-dev"));
    for args in [
        vec!["check", "--host-memory", "8", &conf],
        vec![
            "generate",
            "--out",
            "/nonexistent/x",
            "--host-memory",
            "8",
            "--host-cpus",
            "2",
        ],
    ] {
        let out = redlint(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&out).contains("`8` has no unit: 8GiB? 8MiB?"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn zero_cpus_and_zero_nofile_are_refused() {
    let conf = format!("{}/redis.conf", seed("docker-dev"));
    for args in [
        vec!["check", "--host-cpus", "0", &conf],
        vec!["check", "--host-nofile", "0", &conf],
        vec![
            "generate",
            "--out",
            "/nonexistent/x",
            "--host-memory",
            "1GiB",
            "--host-cpus",
            "0",
        ],
        vec![
            "generate",
            "--out",
            "/nonexistent/x",
            "--host-memory",
            "1GiB",
            "--host-cpus",
            "1",
            "--nofile",
            "0",
        ],
    ] {
        let out = redlint(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&out).contains("must be at least 1"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn generate_refuses_two_sentinels_and_ignored_replicas() {
    let s = Scratch::new("gen-refuse");
    let o = s.0.join("out");
    let o = o.to_str().unwrap();
    let base = [
        "generate",
        "--out",
        o,
        "--host-memory",
        "1GiB",
        "--host-cpus",
        "2",
    ];
    let run = |extra: &[&str]| redlint(&[&base[..], extra].concat());
    let out = run(&["--topology", "sentinel", "--sentinels", "2"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("one Sentinel down leaves no majority"),
        "{}",
        stderr(&out)
    );
    let out = run(&["--replicas", "2"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("standalone deployment has no replicas"),
        "{}",
        stderr(&out)
    );
    let out = run(&["--topology", "replicated", "--sentinels", "3"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !s.0.join("out").exists(),
        "nothing written on a refused spec"
    );
    // The same rules hold for a profile (they live in the core spec).
    let profile = s.write("p.toml", b"topology = \"sentinel\"\nsentinels = 2\n");
    let out = run(&["--profile", &profile]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("majority"), "{}", stderr(&out));
    let out = run(&[
        "--topology",
        "sentinel",
        "--sentinels",
        "3",
        "--replicas",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn help_lists_values_and_explains_generate_flags() {
    let check = stdout(&redlint(&["check", "--help"]));
    for value in ["systemd", "limits", "compose", "warning"] {
        assert!(
            check.contains(value),
            "check --help lacks {value}:\n{check}"
        );
    }
    let generate = stdout(&redlint(&["generate", "--help"]));
    for text in [
        "persistence and eviction",
        "How many servers",
        "Replicas of the master",
        "at least 3",
        "Port of the master",
    ] {
        assert!(
            generate.contains(text),
            "generate --help lacks {text}:\n{generate}"
        );
    }
    let dropin = format!(
        "{}/etc/systemd/system/redis-server.service.d/override.conf",
        seed("bare-metal")
    );
    let out = redlint(&["check", "--kind", "systemd", &dropin]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    let out = redlint(&["check", "--kind", "limits", &dropin]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
}

#[test]
fn acl_dryrun_answers_past_refused_lines_and_follows_aclfile() {
    let root = seed("bare-metal");
    let acl = format!("{root}/etc/redis/users.acl");
    let out = redlint(&[
        "acl",
        "dryrun",
        &acl,
        "monitor",
        "CONFIG",
        "GET",
        "maxmemory",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "OK");
    let err = stderr(&out);
    assert!(
        err.contains("users.acl:1: left out: should start with user keyword"),
        "{err}"
    );
    assert!(
        err.contains("redis-server refuses this file as it is"),
        "{err}"
    );
    // A redis.conf with `aclfile`: followed, under --root.
    let conf = format!("{root}/etc/redis/redis.conf");
    let out = redlint(&[
        "acl", "dryrun", "--root", &root, &conf, "monitor", "FLUSHALL",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).contains("no permissions to run the 'flushall' command"));
    assert!(
        stderr(&out).contains("users come from `aclfile /etc/redis/users.acl`"),
        "{}",
        stderr(&out)
    );
    // Relative to the redis.conf without --root.
    let s = Scratch::new("dryrun-aclfile");
    s.write("conf/users.acl", b"user app on nopass ~app:* +get\n");
    let conf = s.write("conf/redis.conf", b"port 6379\naclfile users.acl\n");
    let out = redlint(&["acl", "dryrun", &conf, "app", "GET", "app:1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn summary_splits_what_stops_redis_server_and_redis_sentinel() {
    let s = Scratch::new("stops");
    s.write("redis.conf", b"port 6379\nnosuchdirective yes\n");
    s.write(
        "sentinel.conf",
        b"port 26379\nnosuchdirective yes\nsentinel monitor m 127.0.0.1 6379 2\n",
    );
    let out = redlint(&["check", "--format", "concise", s.0.to_str().unwrap()]);
    assert_eq!(clean_exit(&out), 1);
    let err = stderr(&out);
    assert!(
        err.contains(
            "1 would stop redis-server from starting; 1 would stop redis-sentinel from starting."
        ),
        "{err}"
    );
}

#[test]
fn links_out_of_the_walked_tree_are_not_read() {
    let s = Scratch::new("outside");
    s.write("elsewhere/redis.conf", b"port 6379\n");
    s.write("tree/redis.conf", b"port 6380\n");
    std::os::unix::fs::symlink(
        s.0.join("elsewhere/redis.conf"),
        s.0.join("tree/other.conf"),
    )
    .unwrap();
    let tree = s.0.join("tree");
    let out = redlint(&[
        "check",
        "--format",
        "json",
        "--verbose",
        tree.to_str().unwrap(),
    ]);
    assert!(matches!(clean_exit(&out), 0 | 1), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["summary"]["files"], 1);
    let text = stdout(&out);
    assert!(text.contains("outside the walked directory"), "{text}");
}

#[test]
fn a_directory_link_inside_the_root_keeps_the_host_path_redis_is_given() {
    // etc/redis -> ../opt/redis/conf: redis.conf includes /etc/redis/extra.conf, which is
    // the walked etc/redis/extra.conf, not a second file.
    let s = Scratch::new("rootlink");
    s.write(
        "opt/redis/conf/redis.conf",
        b"port 6379\ninclude /etc/redis/extra.conf\n",
    );
    s.write("opt/redis/conf/extra.conf", b"maxmemory 1gb\n");
    std::fs::create_dir_all(s.0.join("etc")).unwrap();
    std::os::unix::fs::symlink("../opt/redis/conf", s.0.join("etc/redis")).unwrap();
    let root = s.0.to_str().unwrap();
    let etc = s.0.join("etc");
    let out = redlint(&[
        "check",
        "--format",
        "json",
        "--root",
        root,
        etc.to_str().unwrap(),
    ]);
    assert!(matches!(clean_exit(&out), 0 | 1), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["summary"]["files"], 2, "{}", stdout(&out));
}

#[test]
fn an_absolute_link_inside_the_root_points_into_the_root() {
    // A host image: etc/redis/redis.conf -> /opt/redis/conf/redis.conf means the root's /opt.
    let s = Scratch::new("abslink");
    s.write(
        "opt/redis/conf/redis.conf",
        b"port 6379\nbind 0.0.0.0\nprotected-mode no\n",
    );
    std::fs::create_dir_all(s.0.join("etc/redis")).unwrap();
    std::os::unix::fs::symlink(
        "/opt/redis/conf/redis.conf",
        s.0.join("etc/redis/redis.conf"),
    )
    .unwrap();
    let root = s.0.to_str().unwrap();
    let etc = s.0.join("etc");
    let out = redlint(&[
        "check",
        "--format",
        "json",
        "--root",
        root,
        etc.to_str().unwrap(),
    ]);
    assert_eq!(clean_exit(&out), 1, "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["summary"]["files"], 1, "{}", stdout(&out));
    assert_eq!(json["findings"][0]["file"], "etc/redis/redis.conf");
}
