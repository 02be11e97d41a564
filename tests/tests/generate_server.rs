//! Generated deployments on the real redis-server 7.0.15: every redis.conf starts, every account
//! authenticates, `ACL DRYRUN` confirms each account can do what its role needs and nothing
//! dangerous, replicas sync, and a Sentinel topology fails over when the master dies.
//! Everything runs on 127.0.0.1 with ports picked here, and is stopped by PID.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use redlint_core::generate::{generate, GeneratedFile, Role, Spec, Topology};
use redlint_tests::redis::{
    self, pick_consecutive_ports, require_redis, start_file, stop_child, Connection, TempDir,
};

fn os_rng(buf: &mut [u8]) {
    // Tests only: a per-run seed is enough; the CLI uses the OS CSPRNG.
    let mut state = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        ^ (std::process::id() as u64) << 32;
    for b in buf {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        *b = state as u8;
    }
}

/// Lay the generated files out under `dir` as if it were `/`, rewriting the absolute paths the
/// configs name so the servers find their ACL file and write their data there.
fn install(files: &[GeneratedFile], dir: &Path) -> HashMap<String, PathBuf> {
    let root = dir.display().to_string();
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::create_dir_all(dir.join("run")).unwrap();
    let mut out = HashMap::new();
    for f in files {
        let text = f
            .contents
            .replace("/etc/redis/", &format!("{root}/etc/redis/"))
            .replace("/var/lib/redis", &format!("{root}/data"))
            .replace("/run/redis/", &format!("{root}/run/"));
        let path = dir.join(&f.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        out.insert(f.path.clone(), path);
    }
    out
}

fn credentials(files: &[GeneratedFile]) -> HashMap<String, String> {
    let env = &files
        .iter()
        .find(|f| f.path == "credentials.env")
        .unwrap()
        .contents;
    env.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The two tests start many servers each; run them one at a time so Sentinel's timing is not
/// at the mercy of the other test's load (seen: discovery stalled while both ran).
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

struct Procs(Vec<Child>);

impl Drop for Procs {
    fn drop(&mut self) {
        for c in &mut self.0 {
            stop_child(c);
        }
    }
}

fn start(
    paths: &HashMap<String, PathBuf>,
    file: &str,
    port: u16,
    sentinel: bool,
    dir: &Path,
) -> Child {
    let log = dir.join(format!("{port}.log"));
    start_file(&paths[file], port, sentinel, &log)
        .unwrap_or_else(|e| panic!("{file} did not start: {e}"))
}

fn auth(port: u16, user: &str, password: &str) -> Connection {
    let mut c = Connection::open(port).expect("connect");
    let reply = c.call_str(&["AUTH", user, password]).unwrap();
    assert_eq!(reply, "+OK\r\n", "AUTH {user}");
    c
}

/// `ACL DRYRUN` verdicts: (user, command line, allowed?)
fn dryrun(admin: &mut Connection, user: &str, command: &str) -> bool {
    let mut args = vec!["ACL", "DRYRUN", user];
    args.extend(command.split_whitespace());
    let reply = admin.call_str(&args).unwrap();
    assert!(
        !reply.starts_with('-'),
        "ACL DRYRUN {user} {command}: {reply}"
    );
    reply == "+OK\r\n"
}

const DANGEROUS: &[&str] = &[
    "CONFIG SET maxmemory 1",
    "FLUSHALL",
    "DEBUG SLEEP 0",
    "SHUTDOWN",
    "MODULE LIST",
    "EVAL return 1 0",
    "SCRIPT FLUSH",
    "FUNCTION FLUSH",
    "MIGRATE 127.0.0.1 1 k 0 1",
    "KEYS *",
    "ACL SETUSER x",
    "REPLICAOF NO ONE",
    "CLIENT KILL 127.0.0.1:1",
];

fn assert_roles(admin: &mut Connection, topology: Topology) {
    let mut wrong = Vec::new();
    let mut expect = |user: &str, command: &str, allowed: bool| {
        if dryrun(admin, user, command) != allowed {
            wrong.push(format!(
                "{user}: `{command}` should be {}",
                if allowed { "allowed" } else { "denied" }
            ));
        }
    };
    for c in [
        "GET app:1",
        "SET app:1 v",
        "HSET app:h f v",
        "PUBLISH app:news hi",
        "SUBSCRIBE app:events",
        "MULTI",
        "EXEC",
        "PING",
        "EXPIRE app:1 10",
    ] {
        expect("app", c, true);
    }
    for c in [
        "GET other:1",
        "PUBLISH other hi",
        "CONFIG GET maxmemory",
        "INFO",
    ]
    .iter()
    .chain(DANGEROUS)
    {
        expect("app", c, false);
    }
    for c in [
        "INFO",
        "CONFIG GET maxmemory",
        "SLOWLOG GET",
        "CLIENT LIST",
        "PING",
        "SCAN 0",
        "TYPE app:1",
        "STRLEN app:1",
        "LATENCY LATEST",
    ] {
        expect("monitor", c, true);
    }
    for c in ["SET app:1 v", "DEL app:1", "GET app:1"]
        .iter()
        .chain(DANGEROUS)
    {
        expect("monitor", c, false);
    }
    expect("admin", "CONFIG SET maxmemory 1", true);
    if topology != Topology::Standalone {
        for c in ["PSYNC ? -1", "REPLCONF listening-port 1", "PING"] {
            expect("replicator", c, true);
        }
        for c in ["GET app:1", "INFO"].iter().chain(DANGEROUS) {
            expect("replicator", c, false);
        }
    }
    if topology == Topology::Sentinel {
        for c in [
            "INFO",
            "PING",
            "ROLE",
            "SUBSCRIBE __sentinel__:hello",
            "PUBLISH __sentinel__:hello x",
            "MULTI",
            "EXEC",
            "REPLICAOF NO ONE",
            "SLAVEOF NO ONE",
            "CONFIG REWRITE",
            "CLIENT KILL 127.0.0.1:1",
            "SCRIPT KILL",
        ] {
            expect("sentinel", c, true);
        }
        for c in [
            "GET app:1",
            "FLUSHALL",
            "CONFIG SET maxmemory 1",
            "SHUTDOWN",
            "DEBUG SLEEP 0",
            "PUBLISH other x",
        ] {
            expect("sentinel", c, false);
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

#[test]
fn every_role_starts_and_every_account_does_its_job_and_nothing_dangerous() {
    if !require_redis() {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    for role in [Role::Cache, Role::Store, Role::Queue] {
        for topology in [Topology::Standalone, Topology::Replicated] {
            let port = pick_consecutive_ports(3);
            let mut spec = Spec::for_host(2 << 30, 4);
            spec.role = role;
            spec.topology = topology;
            spec.port = port;
            let files = generate(&spec, &mut os_rng).unwrap();
            let dir = TempDir::new("generate");
            let paths = install(&files, dir.path());
            let creds = credentials(&files);
            let mut procs = Procs(vec![start(
                &paths,
                "etc/redis/redis.conf",
                port,
                false,
                dir.path(),
            )]);
            if topology == Topology::Replicated {
                for i in 1..=spec.replicas() as u16 {
                    let file = format!("etc/redis/redis-{}.conf", port + i);
                    procs
                        .0
                        .push(start(&paths, &file, port + i, false, dir.path()));
                }
            }
            // Each account authenticates; the default user is off.
            for (var, pw) in &creds {
                let user = var
                    .trim_start_matches("REDIS_")
                    .trim_end_matches("_PASSWORD")
                    .to_ascii_lowercase()
                    .replace('_', "-");
                if user == "sentinel-peer" {
                    continue;
                }
                auth(port, &user, pw);
            }
            let mut anon = Connection::open(port).unwrap();
            assert!(
                anon.call_str(&["GET", "k"]).unwrap().starts_with("-NOAUTH"),
                "the default user is off"
            );
            let mut admin = auth(port, "admin", &creds["REDIS_ADMIN_PASSWORD"]);
            assert_roles(&mut admin, topology);
            if topology == Topology::Replicated {
                // The replicas authenticate as `replicator` and sync.
                let deadline = Instant::now() + Duration::from_secs(20);
                loop {
                    let info = admin.call_str(&["INFO", "replication"]).unwrap();
                    if info.contains(&format!("connected_slaves:{}", spec.replicas()))
                        && !info.contains("state=wait_bgsave")
                    {
                        break;
                    }
                    assert!(
                        Instant::now() < deadline,
                        "replicas did not connect: {info}"
                    );
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
            drop(procs);
        }
    }
}

fn sentinel_master(port: u16, password: &str, name: &str) -> Option<u16> {
    let mut c = Connection::open(port).ok()?;
    c.call_str(&["AUTH", password]).ok()?;
    let reply = c
        .call_str(&["SENTINEL", "get-master-addr-by-name", name])
        .ok()?;
    // *2 $9 127.0.0.1 $4 6379
    reply.lines().last()?.trim().parse().ok()
}

#[test]
fn sentinel_topology_fails_over_when_the_master_dies() {
    if !require_redis() {
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let port = pick_consecutive_ports(3);
    let sport = pick_consecutive_ports(3);
    let mut spec = Spec::for_host(2 << 30, 4);
    spec.role = Role::Store;
    spec.topology = Topology::Sentinel;
    spec.port = port;
    spec.sentinel_port = sport;
    let files = generate(&spec, &mut os_rng).unwrap();
    let dir = TempDir::new("failover");
    let paths = install(&files, dir.path());
    let creds = credentials(&files);
    let peer = creds["REDIS_SENTINEL_PEER_PASSWORD"].clone();
    let mut master = start(&paths, "etc/redis/redis.conf", port, false, dir.path());
    let mut procs = Procs(Vec::new());
    for i in 1..=2u16 {
        procs.0.push(start(
            &paths,
            &format!("etc/redis/redis-{}.conf", port + i),
            port + i,
            false,
            dir.path(),
        ));
    }
    for n in 1..=3u16 {
        procs.0.push(start(
            &paths,
            &format!("etc/redis/sentinel-{n}.conf"),
            sport + n - 1,
            true,
            dir.path(),
        ));
    }
    // Wait until every Sentinel knows both replicas and the other Sentinels (hello messages go
    // out every 2 s; a loaded CI machine can take a while).
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        // What each Sentinel knows, for the failure message: `flags`, replicas, peers.
        let states: Vec<String> = (0..3u16)
            .map(|n| {
                let Ok(mut c) = Connection::open(sport + n) else {
                    return format!("sentinel {}: not reachable", sport + n);
                };
                let _ = c.call_str(&["AUTH", &peer]);
                let info = c
                    .call_str(&["SENTINEL", "master", &spec.master_name])
                    .unwrap_or_default();
                let field = |name: &str| {
                    let mut lines = info.lines();
                    lines.find(|l| *l == name);
                    lines.nth(1).unwrap_or("?").to_string()
                };
                format!(
                    "sentinel {}: flags={} num-slaves={} num-other-sentinels={}",
                    sport + n,
                    field("flags"),
                    field("num-slaves"),
                    field("num-other-sentinels")
                )
            })
            .collect();
        if states
            .iter()
            .all(|s| s.ends_with("num-slaves=2 num-other-sentinels=2"))
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "Sentinels did not discover the topology within 90 s (machine load: {}):\n{}",
            std::fs::read_to_string("/proc/loadavg")
                .unwrap_or_default()
                .trim(),
            states.join("\n")
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // Kill the master by PID, without a clean shutdown.
    let killed = Instant::now();
    let _ = master.kill();
    let _ = master.wait();
    let limit = Duration::from_millis(5000 + 60000);
    loop {
        let seen: Vec<Option<u16>> = (0..3u16)
            .map(|n| sentinel_master(sport + n, &peer, &spec.master_name))
            .collect();
        let promoted = seen[0].filter(|p| *p != port);
        if let Some(new_master) = promoted.filter(|_| seen.iter().all(|s| *s == promoted)) {
            assert!(new_master == port + 1 || new_master == port + 2);
            let mut admin = auth(new_master, "admin", &creds["REDIS_ADMIN_PASSWORD"]);
            let role = admin.call_str(&["ROLE"]).unwrap();
            assert!(role.contains("master"), "{role}");
            eprintln!("failover agreed after {:?}", killed.elapsed());
            break;
        }
        assert!(
            killed.elapsed() < limit,
            "no agreed failover within down-after + failover-timeout: {seen:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let _ = redis::command;
}
