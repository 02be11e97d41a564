//! Differential test of RL601–RL603 against real redis-server and redis-sentinel 7.0.15: for
//! every user redlint judges sufficient, Sentinels really monitor the master (flags `master`,
//! the replica and the other Sentinel discovered through the hello channel) and really fail
//! over; for every user it judges insufficient, one of those really fails. The RL601 fix's
//! result is run the same way, and so are replication users (RL603).
//!
//! Everything listens on 127.0.0.1, on ports picked for the test; processes are stopped by PID.

use std::process::Child;
use std::time::{Duration, Instant};

use redlint_core::fs::MemoryFs;
use redlint_core::{check, Finding, Input, Kind, Options};
use redlint_tests::redis::{
    pick_consecutive_ports, require_redis, start_file, stop_child, Connection, TempDir,
};

const ADMIN_PW: &str = "admin-pass-7f3c9a";
const REPL_PW: &str = "repl-pass-2b8e41";
const SENT_PW: &str = "sent-pass-91d0c4";
const MASTER: &str = "mm";

struct Procs(Vec<Child>);

impl Drop for Procs {
    fn drop(&mut self) {
        for c in &mut self.0 {
            stop_child(c);
        }
    }
}

/// One deployment: a master and a replica sharing one ACL file, and two Sentinels.
struct Deployment {
    acl: String,
    master: String,
    replica: String,
    sentinels: [String; 2],
    ports: (u16, u16),
}

fn users_acl(sentinel_rules: &str, replicator_rules: &str) -> String {
    format!(
        "user default off\nuser admin on >{ADMIN_PW} ~* &* +@all\nuser replicator on >{REPL_PW} {replicator_rules}\nuser sentinel on >{SENT_PW} {sentinel_rules}\n"
    )
}

impl Deployment {
    fn new(acl: String, auth_pass: &str) -> Deployment {
        let p = pick_consecutive_ports(2);
        let s = pick_consecutive_ports(2);
        let server = |port: u16, name: &str, replicaof: Option<u16>| {
            let mut c = format!(
                "port {port}\nbind 127.0.0.1\ndir @DIR@\ndbfilename {name}.rdb\nsave \"\"\nappendonly no\naclfile @DIR@/users.acl\nmasteruser replicator\nmasterauth {REPL_PW}\n"
            );
            if let Some(m) = replicaof {
                c.push_str(&format!("replicaof 127.0.0.1 {m}\n"));
            }
            c
        };
        let sentinel = |port: u16| {
            format!(
                "port {port}\nbind 127.0.0.1\ndir @DIR@\nsentinel monitor {MASTER} 127.0.0.1 {p} 1\nsentinel auth-user {MASTER} sentinel\nsentinel auth-pass {MASTER} {auth_pass}\nsentinel down-after-milliseconds {MASTER} 2000\nsentinel failover-timeout {MASTER} 6000\n"
            )
        };
        Deployment {
            acl,
            master: server(p, "master", None),
            replica: server(p + 1, "replica", Some(p)),
            sentinels: [sentinel(s), sentinel(s + 1)],
            ports: (p, s),
        }
    }

    fn files(&self, dir: &str) -> Vec<(String, Kind, String)> {
        let d = |t: &str| t.replace("@DIR@", dir);
        vec![
            (format!("{dir}/redis.conf"), Kind::Redis, d(&self.master)),
            (format!("{dir}/replica.conf"), Kind::Redis, d(&self.replica)),
            (format!("{dir}/users.acl"), Kind::Acl, self.acl.clone()),
            (
                format!("{dir}/sentinel-1.conf"),
                Kind::Sentinel,
                d(&self.sentinels[0]),
            ),
            (
                format!("{dir}/sentinel-2.conf"),
                Kind::Sentinel,
                d(&self.sentinels[1]),
            ),
        ]
    }

    /// redlint's findings on the deployment (as if installed in /etc/redis).
    fn lint(&self) -> Vec<Finding> {
        let mut fs = MemoryFs::new();
        let mut inputs = Vec::new();
        for (path, kind, text) in self.files("/etc/redis") {
            fs.insert(path.clone(), text.clone());
            inputs.push(Input {
                path: path.trim_start_matches('/').to_string(),
                host_path: Some(path),
                bytes: text.into_bytes(),
                kind,
            });
        }
        check(inputs, &fs, &Options::default()).findings
    }

    /// What the real processes do: `Ok(())` when both Sentinels see a healthy master, the
    /// replica and each other, and a forced failover promotes the replica; else what failed.
    fn run(&self) -> Result<(), String> {
        let dir = TempDir::new("sentinel-auth");
        let root = dir.path().to_str().ok_or("temp dir")?.to_string();
        for (path, _, text) in self.files(&root) {
            std::fs::write(&path, text).map_err(|e| e.to_string())?;
        }
        let (p, s) = self.ports;
        let mut procs = Procs(Vec::new());
        let start = |name: &str, port: u16, sentinel: bool| -> Result<Child, String> {
            let log = dir.path().join(format!("{name}.log"));
            start_file(&dir.path().join(name), port, sentinel, &log)
        };
        procs.0.push(start("redis.conf", p, false)?);
        procs.0.push(start("replica.conf", p + 1, false)?);
        procs.0.push(start("sentinel-1.conf", s, true)?);
        procs.0.push(start("sentinel-2.conf", s + 1, true)?);
        let healthy = |port: u16| -> Result<(), String> {
            let mut c = Connection::open(port).map_err(|e| e.to_string())?;
            let reply = c
                .call_str(&["SENTINEL", "MASTER", MASTER])
                .map_err(|e| e.to_string())?;
            let flags = field(&reply, "flags").unwrap_or_default();
            let slaves = field(&reply, "num-slaves").unwrap_or_default();
            let others = field(&reply, "num-other-sentinels").unwrap_or_default();
            if flags == "master" && slaves == "1" && others == "1" {
                Ok(())
            } else {
                Err(format!(
                    "flags {flags}, num-slaves {slaves}, num-other-sentinels {others}"
                ))
            }
        };
        wait(Duration::from_secs(60), || {
            healthy(s).and_then(|_| healthy(s + 1))
        })?;
        // A client of the replica: Sentinel's reconfiguration disconnects it (CLIENT KILL
        // TYPE normal), so that clients look up the new topology.
        let mut client = Connection::open(p + 1).map_err(|e| e.to_string())?;
        client
            .call_str(&["AUTH", "admin", ADMIN_PW])
            .map_err(|e| e.to_string())?;
        let mut c = Connection::open(s).map_err(|e| e.to_string())?;
        let reply = c
            .call_str(&["SENTINEL", "FAILOVER", MASTER])
            .map_err(|e| e.to_string())?;
        if !reply.starts_with("+OK") {
            return Err(format!("SENTINEL FAILOVER: {}", reply.trim()));
        }
        // Generous: on a loaded 2-core machine a failover took over 20 s (a deadline, not a
        // timing: a working failover returns as soon as it is seen).
        wait(Duration::from_secs(60), || {
            let mut c = Connection::open(s).map_err(|e| e.to_string())?;
            let addr = c
                .call_str(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER])
                .map_err(|e| e.to_string())?;
            let role = admin_call(p + 1, &["ROLE"])?;
            if addr.contains(&format!("\r\n{}\r\n", p + 1)) && role.contains("master") {
                Ok(())
            } else {
                Err("failover did not promote the replica".to_string())
            }
        })?;
        // The promoted replica's config was rewritten (CONFIG REWRITE): it stays a master
        // when it restarts.
        let conf = dir.path().join("replica.conf");
        wait(Duration::from_secs(5), || {
            let text = std::fs::read_to_string(&conf).map_err(|e| e.to_string())?;
            if text.lines().any(|l| l.starts_with("replicaof")) {
                Err(
                    "the promoted replica's config still has `replicaof` (no CONFIG REWRITE)"
                        .to_string(),
                )
            } else {
                Ok(())
            }
        })?;
        match client.call_str(&["PING"]) {
            Ok(r) if r.starts_with("+PONG") => {
                Err("the replica's clients were not disconnected (no CLIENT KILL)".to_string())
            }
            _ => Ok(()),
        }
    }
}

/// The value after `name` in a flat RESP array reply.
fn field(reply: &str, name: &str) -> Option<String> {
    let lines: Vec<&str> = reply.split("\r\n").collect();
    let i = lines.iter().position(|l| *l == name)?;
    lines.get(i + 2).map(|s| s.to_string())
}

fn admin_call(port: u16, args: &[&str]) -> Result<String, String> {
    let mut c = Connection::open(port).map_err(|e| e.to_string())?;
    c.call_str(&["AUTH", "admin", ADMIN_PW])
        .map_err(|e| e.to_string())?;
    c.call_str(args).map_err(|e| e.to_string())
}

fn wait(limit: Duration, mut f: impl FnMut() -> Result<(), String>) -> Result<(), String> {
    let deadline = Instant::now() + limit;
    loop {
        match f() {
            Ok(()) => return Ok(()),
            Err(e) if Instant::now() > deadline => return Err(e),
            Err(_) => std::thread::sleep(Duration::from_millis(200)),
        }
    }
}

fn codes(findings: &[Finding], code: &str) -> usize {
    findings.iter().filter(|f| f.code == code).count()
}

const REPLICATOR: &str = "resetkeys resetchannels -@all +psync +replconf";
/// What RL601 requires, nothing more (no MULTI, hence no EXEC; no ROLE or CLIENT SETNAME).
const MINIMAL: &[&str] = &[
    "+ping",
    "+info",
    "+subscribe",
    "+publish",
    "+slaveof",
    "+config|rewrite",
    "+client|kill",
    "+script|kill",
    "&__sentinel__:hello",
];

fn minimal_without(drop: &str) -> String {
    let kept: Vec<&str> = MINIMAL.iter().copied().filter(|r| *r != drop).collect();
    format!("resetkeys resetchannels -@all {}", kept.join(" "))
}

/// One case's outcome: name, whether redlint should accept it, its findings, the real run.
type Outcome = (String, bool, Vec<Finding>, Result<(), String>);

/// Run cases a few at a time (each starts four processes; the machine is small).
fn run_all(cases: Vec<(String, Deployment, bool)>) -> Vec<String> {
    let mut wrong = Vec::new();
    for chunk in cases.chunks(5) {
        let results: Vec<Outcome> = std::thread::scope(|scope| {
            let handles: Vec<_> = chunk
                .iter()
                .map(|(name, d, expect_ok)| {
                    scope.spawn(move || (name.clone(), *expect_ok, d.lint(), d.run()))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("case thread"))
                .collect()
        });
        for (name, expect_ok, findings, real) in results {
            let flagged = codes(&findings, "RL601") + codes(&findings, "RL602");
            let works = real.is_ok();
            if works != expect_ok {
                wrong.push(format!(
                    "{name}: the real Sentinel {} (expected {}): {real:?}",
                    if works { "works" } else { "fails" },
                    if expect_ok { "works" } else { "fails" }
                ));
            }
            if (flagged == 0) != works {
                wrong.push(format!(
                    "{name}: redlint {} but the real Sentinel {}: {real:?}\n{:#?}",
                    if flagged == 0 {
                        "is silent"
                    } else {
                        "reports RL601/RL602"
                    },
                    if works { "works" } else { "fails" },
                    findings
                        .iter()
                        .filter(|f| f.code.starts_with("RL6"))
                        .map(|f| &f.message)
                        .collect::<Vec<_>>()
                ));
            }
        }
    }
    wrong
}

#[test]
fn sentinel_users_redlint_accepts_work_and_the_others_fail() {
    if !require_redis() {
        return;
    }
    let mut cases: Vec<(String, Deployment, bool)> = Vec::new();
    let ok = |name: &str, rules: String| {
        (
            name.to_string(),
            Deployment::new(users_acl(&rules, REPLICATOR), SENT_PW),
            true,
        )
    };
    cases.push(ok("minimal", minimal_without("")));
    cases.push(ok(
        "documented (allchannels, with MULTI, ROLE and CLIENT SETNAME)",
        "allchannels -@all +multi +slaveof +ping +exec +subscribe +config|rewrite +role +publish +info +client|setname +client|kill +script|kill".to_string(),
    ));
    cases.push(ok("everything", "~* &* +@all".to_string()));
    for drop in MINIMAL {
        if *drop == "+script|kill" {
            continue; // only matters for a busy master: see the next test
        }
        cases.push((
            format!("minimal without {drop}"),
            Deployment::new(users_acl(&minimal_without(drop), REPLICATOR), SENT_PW),
            false,
        ));
    }
    cases.push(ok(
        "minimal with MULTI and EXEC",
        format!("{} +multi +exec", minimal_without("")),
    ));
    cases.push((
        "minimal with MULTI but not EXEC".to_string(),
        Deployment::new(
            users_acl(&format!("{} +multi", minimal_without("")), REPLICATOR),
            SENT_PW,
        ),
        false,
    ));
    cases.push((
        "minimal with MULTI and EXEC, without CONFIG REWRITE".to_string(),
        Deployment::new(
            users_acl(
                &format!("{} +multi +exec", minimal_without("+config|rewrite")),
                REPLICATOR,
            ),
            SENT_PW,
        ),
        false,
    ));
    cases.push((
        "+replicaof instead of +slaveof".to_string(),
        Deployment::new(
            users_acl(
                &minimal_without("+slaveof").replace("-@all", "-@all +replicaof"),
                REPLICATOR,
            ),
            SENT_PW,
        ),
        false,
    ));
    cases.push((
        "auth-pass of another user (RL602)".to_string(),
        Deployment::new(users_acl(&minimal_without(""), REPLICATOR), ADMIN_PW),
        false,
    ));
    let wrong = run_all(cases);
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

#[test]
fn the_rl601_fix_makes_a_monitoring_user_work_for_sentinel() {
    if !require_redis() {
        return;
    }
    // The seed's "monitor" user: read commands, INFO, PING, CLIENT and CONFIG.
    let before = Deployment::new(
        users_acl("~* +@read +info +ping +client +config", REPLICATOR),
        SENT_PW,
    );
    let findings = before.lint();
    let rl601: Vec<&Finding> = findings.iter().filter(|f| f.code == "RL601").collect();
    assert_eq!(rl601.len(), 2, "one per Sentinel: {rl601:#?}");
    // The two Sentinels' fixes are the same edit; `redlint fix` applies one per pass.
    let fix = rl601[0].fix.as_ref().expect("RL601 has a fix");
    let edits: Vec<_> = fix
        .edits
        .iter()
        .filter(|e| e.file.ends_with("users.acl"))
        .cloned()
        .collect();
    assert_eq!(edits.len(), 1);
    let fixed = String::from_utf8(redlint_core::fix::apply_edits(
        before.acl.as_bytes(),
        &edits,
    ))
    .unwrap();
    let mut after = Deployment::new(fixed.clone(), SENT_PW);
    // Idempotent: nothing left to add.
    let again = after.lint();
    assert_eq!(codes(&again, "RL601"), 0, "{fixed}");
    assert!(again.iter().all(|f| !f.fatal), "the fixed ACL file loads");
    // The unfixed user fails for real, the fixed one works.
    let real_before = before.run();
    assert!(real_before.is_err(), "the monitoring user should not do");
    after.acl = fixed;
    after.run().expect("the fixed user works for Sentinel");
}

#[test]
fn script_kill_is_needed_to_unblock_a_busy_master() {
    if !require_redis() {
        return;
    }
    let run = |rules: &str| -> bool {
        let dir = TempDir::new("sentinel-busy");
        let root = dir.path().to_str().unwrap().to_string();
        let p = pick_consecutive_ports(1);
        let s = pick_consecutive_ports(1);
        std::fs::write(dir.path().join("users.acl"), users_acl(rules, REPLICATOR)).unwrap();
        let master = format!("port {p}\nbind 127.0.0.1\ndir {root}\nsave \"\"\nappendonly no\naclfile {root}/users.acl\nbusy-reply-threshold 100\n");
        let sentinel = format!("port {s}\nbind 127.0.0.1\ndir {root}\nsentinel monitor {MASTER} 127.0.0.1 {p} 1\nsentinel auth-user {MASTER} sentinel\nsentinel auth-pass {MASTER} {SENT_PW}\nsentinel down-after-milliseconds {MASTER} 1000\n");
        std::fs::write(dir.path().join("redis.conf"), master).unwrap();
        std::fs::write(dir.path().join("sentinel.conf"), sentinel).unwrap();
        let log = |n: &str| dir.path().join(n);
        let mut procs = Procs(Vec::new());
        procs
            .0
            .push(start_file(&dir.path().join("redis.conf"), p, false, &log("r.log")).unwrap());
        procs
            .0
            .push(start_file(&dir.path().join("sentinel.conf"), s, true, &log("s.log")).unwrap());
        // Let Sentinel connect, then keep the master busy in an endless script.
        std::thread::sleep(Duration::from_secs(2));
        let busy = std::thread::spawn(move || {
            admin_call(p, &["EVAL", "while true do end", "0"]).unwrap_or_default()
        });
        std::thread::sleep(Duration::from_millis(500));
        let unblocked = wait(Duration::from_secs(10), || {
            let r = admin_call(p, &["PING"])?;
            if r.starts_with("+PONG") {
                Ok(())
            } else {
                Err(r)
            }
        })
        .is_ok();
        if !unblocked {
            // Stop the script ourselves so the EVAL thread ends.
            let _ = admin_call(p, &["SCRIPT", "KILL"]);
        }
        let _ = busy.join();
        drop(procs);
        unblocked
    };
    let with = minimal_without("");
    let without = minimal_without("+script|kill");
    // redlint's verdicts.
    for (rules, flagged) in [(&with, false), (&without, true)] {
        let d = Deployment::new(users_acl(rules, REPLICATOR), SENT_PW);
        assert_eq!(codes(&d.lint(), "RL601") > 0, flagged, "{rules}");
    }
    assert!(run(&with), "Sentinel kills the script with +script|kill");
    assert!(!run(&without), "without +script|kill the master stays BUSY");
}

#[test]
fn replication_users_redlint_accepts_sync_and_the_others_do_not() {
    if !require_redis() {
        return;
    }
    // (replicator rules, redlint's expected verdict = works)
    let cases = [
        ("resetkeys resetchannels -@all +psync +replconf +ping", true),
        ("resetkeys resetchannels -@all +psync +replconf", true),
        ("resetkeys resetchannels -@all +psync +ping", false),
        ("resetkeys resetchannels -@all +replconf +ping", false),
        ("resetkeys resetchannels -@all +sync +replconf +ping", false),
    ];
    let mut wrong = Vec::new();
    for (rules, works) in cases {
        let d = Deployment::new(users_acl(&minimal_without(""), rules), SENT_PW);
        let flagged = codes(&d.lint(), "RL603") > 0;
        let real = replicate(&d);
        if real.is_ok() != works || flagged == works {
            wrong.push(format!(
                "{rules}: redlint {}, real {real:?}",
                if flagged {
                    "reports RL603"
                } else {
                    "is silent"
                }
            ));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

/// Start master and replica only: `Ok` when the replica syncs with PSYNC and the master knows
/// its port (what Sentinel needs to reach it).
fn replicate(d: &Deployment) -> Result<(), String> {
    let dir = TempDir::new("replication-auth");
    let root = dir.path().to_str().ok_or("temp dir")?.to_string();
    for (path, _, text) in d.files(&root) {
        std::fs::write(&path, text).map_err(|e| e.to_string())?;
    }
    let p = d.ports.0;
    let start = |name: &str, port: u16| {
        start_file(
            &dir.path().join(name),
            port,
            false,
            &dir.path().join(format!("{name}.log")),
        )
    };
    let mut procs = Procs(Vec::new());
    procs.0.push(start("redis.conf", p)?);
    procs.0.push(start("replica.conf", p + 1)?);
    let result = wait(Duration::from_secs(10), || {
        let info = admin_call(p, &["INFO", "replication"])?;
        let replica = admin_call(p + 1, &["INFO", "replication"])?;
        if !replica.contains("master_link_status:up") {
            return Err(format!("replica link down: {replica}"));
        }
        if !info.contains(&format!("port={},", p + 1)) {
            return Err(format!("master does not know the replica's port: {info}"));
        }
        Ok(())
    });
    // A full SYNC instead of PSYNC works once, but every reconnection is a full resync:
    // the master logs PSYNC's refusal in its ACL log.
    let log = admin_call(p, &["ACL", "LOG"])?;
    match result {
        Ok(()) if log.contains("psync") => Err("PSYNC refused (full SYNC only)".to_string()),
        other => other,
    }
}
