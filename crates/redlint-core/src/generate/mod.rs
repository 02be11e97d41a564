//! `redlint generate`: a complete, hardened deployment sized for its host, written as a host
//! root (`etc/redis/redis.conf`, `etc/redis/users.acl`, Sentinel configs, sysctl.d, a systemd
//! drop-in, `credentials.env`, and a `redlint.toml` mapping `/` to the output so that it checks
//! itself). Pure: randomness comes from the caller (the CLI passes the OS CSPRNG), and the
//! result is a list of files, written by the caller.

pub mod plan;
pub mod spec;

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

pub use plan::Plan;
pub use spec::{MissingHostFact, Overrides, Role, Spec, Topology};

/// A file of the generated deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Path relative to the output root (`etc/redis/redis.conf`).
    pub path: String,
    pub contents: String,
    /// Unix permission bits.
    pub mode: u32,
}

/// A generated account: its name, its password (plain, only in `credentials.env`), its rules.
#[derive(Debug, Clone)]
pub struct Account {
    pub name: String,
    pub password: String,
    /// ACL rules after the password.
    pub rules: String,
}

impl Account {
    /// `REDIS_<USER>_PASSWORD`, upper-cased, non-alphanumerics as `_`.
    pub fn env_name(&self) -> String {
        let upper: String = self
            .name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        format!("REDIS_{upper}_PASSWORD")
    }
}

pub fn sha256_hex(data: &[u8]) -> String {
    let digest = Sha256::digest(data);
    let mut s = String::with_capacity(64);
    for b in digest {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// 256 bits from the caller's CSPRNG, as 64 hex characters.
fn password(random: &mut dyn FnMut(&mut [u8])) -> String {
    let mut bytes = [0u8; 32];
    random(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the redis_exporter needs and nothing that changes the server: INFO, CONFIG GET, the
/// slowlog and latency reports, client listing, and read-only key inspection (its
/// `--check-keys` option). Unlike the exporter's README example it gets no `+client` (CLIENT
/// KILL) and no `+eval` (scripts can write).
const MONITOR_RULES: &str = "resetkeys %R~* resetchannels -@all +ping +info +config|get +client|list +client|info \
+client|setname +slowlog|get +slowlog|len +latency|latest +latency|histogram +memory|stats +memory|usage +select \
+scan +type +strlen +llen +scard +zcard +hlen +xlen +pfcount +xinfo|stream +cluster|info";

/// Redis' documented ACL for replication: a replica runs PSYNC, REPLCONF and PING.
const REPLICATOR_RULES: &str = "resetkeys resetchannels -@all +psync +replconf +ping";

/// Redis' documented ACL for Sentinel (`ACL rules for Sentinel and Replicas`), with both
/// spellings of REPLICAOF, and the hello channel Sentinels discover each other on.
const SENTINEL_RULES: &str =
    "resetkeys resetchannels &__sentinel__:hello -@all +multi +exec +slaveof +replicaof \
+ping +subscribe +publish +config|rewrite +role +info +client|setname +client|kill +script|kill";

fn accounts(spec: &Spec, random: &mut dyn FnMut(&mut [u8])) -> Vec<Account> {
    let mut out = Vec::new();
    let mut add = |name: &str, rules: String| {
        out.push(Account {
            name: name.to_string(),
            password: password(random),
            rules,
        })
    };
    add("admin", "~* &* +@all".to_string());
    let keys: Vec<String> = spec.app_keys.iter().map(|k| format!("~{k}")).collect();
    let channels: Vec<String> = spec.app_channels.iter().map(|c| format!("&{c}")).collect();
    add(
        "app",
        format!(
            "resetkeys {} resetchannels {} -@all +@read +@write +@transaction +@pubsub +@connection -@admin -@dangerous -@scripting",
            keys.join(" "),
            channels.join(" ")
        ),
    );
    add("monitor", MONITOR_RULES.to_string());
    if spec.topology != Topology::Standalone {
        add("replicator", REPLICATOR_RULES.to_string());
    }
    if spec.topology == Topology::Sentinel {
        add("sentinel", SENTINEL_RULES.to_string());
        // The Sentinels' own password (requirepass + sentinel-pass): not an ACL user of the
        // data servers, but a generated credential all the same.
        add("sentinel-peer", String::new());
    }
    out
}

/// Generate the whole deployment.
pub fn generate(
    spec: &Spec,
    random: &mut dyn FnMut(&mut [u8]),
) -> Result<Vec<GeneratedFile>, String> {
    spec.validate()?;
    let plan = plan::plan(spec);
    let accounts = accounts(spec, random);
    let pw = |name: &str| {
        accounts
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.password.clone())
            .unwrap_or_default()
    };
    let mut files = Vec::new();

    let mut acl = String::new();
    // ACL files cannot hold comments (Redis refuses them): the explanation lives in redis.conf.
    acl.push_str("user default off resetpass resetkeys resetchannels -@all\n");
    for a in accounts.iter().filter(|a| !a.rules.is_empty()) {
        let _ = writeln!(
            acl,
            "user {} on #{} {}",
            a.name,
            sha256_hex(a.password.as_bytes()),
            a.rules
        );
    }
    files.push(GeneratedFile {
        path: "etc/redis/users.acl".into(),
        contents: acl,
        mode: 0o640,
    });

    for i in 0..spec.server_count() {
        let port = spec.port + i as u16;
        let path = if i == 0 {
            "etc/redis/redis.conf".to_string()
        } else {
            format!("etc/redis/redis-{port}.conf")
        };
        let replica_of = (i > 0).then_some(spec.port);
        files.push(GeneratedFile {
            path,
            contents: redis_conf(spec, &plan, port, replica_of, &pw("replicator")),
            mode: 0o640,
        });
    }

    if spec.topology == Topology::Sentinel {
        for n in 1..=spec.sentinels() {
            let port = spec.sentinel_port + n as u16 - 1;
            files.push(GeneratedFile {
                path: format!("etc/redis/sentinel-{n}.conf"),
                contents: sentinel_conf(spec, port, &pw("sentinel"), &pw("sentinel-peer")),
                mode: 0o640,
            });
        }
    }

    files.push(GeneratedFile {
        path: "etc/sysctl.d/60-redis.conf".into(),
        contents: sysctl_conf(&plan),
        mode: 0o644,
    });
    let dropin = systemd_dropin(spec);
    files.push(GeneratedFile {
        path: "etc/systemd/system/redis-server.service.d/redlint.conf".into(),
        contents: dropin.clone(),
        mode: 0o644,
    });
    if spec.server_count() > 1 {
        files.push(GeneratedFile {
            path: "etc/systemd/system/redis-server@.service.d/redlint.conf".into(),
            contents: dropin.clone(),
            mode: 0o644,
        });
    }
    if spec.topology == Topology::Sentinel {
        files.push(GeneratedFile {
            path: "etc/systemd/system/redis-sentinel@.service.d/redlint.conf".into(),
            contents: dropin,
            mode: 0o644,
        });
    }

    let mut env = String::from(
        "# Generated by redlint: one line per account. Keep this file secret (mode 0600).\n",
    );
    for a in &accounts {
        let _ = writeln!(env, "{}={}", a.env_name(), a.password);
    }
    files.push(GeneratedFile {
        path: "credentials.env".into(),
        contents: env,
        mode: 0o600,
    });
    files.push(GeneratedFile {
        path: "redlint.toml".into(),
        contents: REDLINT_TOML.into(),
        mode: 0o644,
    });
    Ok(files)
}

/// The output directory is laid out as the target host's `/`: saying so lets `redlint check DIR`
/// (off-host, without `--root`) read the deployment's own includes and ACL file from it.
const REDLINT_TOML: &str = "\
# Generated by redlint: this directory is laid out as the target host's /, so `redlint check`
# reads the deployment's own files (users.acl, includes) from here, never from this machine.
[paths]
\"/\" = \".\"
";

fn header(spec: &Spec) -> String {
    format!(
        "# Generated by redlint generate for a host with {} and {} CPU{}: role {}, topology {}.\n",
        plan::mib(spec.host_memory),
        spec.host_cpus,
        if spec.host_cpus == 1 { "" } else { "s" },
        match spec.role {
            Role::Cache => "cache",
            Role::Store => "store",
            Role::Queue => "queue",
        },
        match spec.topology {
            Topology::Standalone => "standalone",
            Topology::Replicated => "replicated",
            Topology::Sentinel => "sentinel",
        }
    )
}

fn redis_conf(
    spec: &Spec,
    plan: &Plan,
    port: u16,
    replica_of: Option<u16>,
    replicator_password: &str,
) -> String {
    let mut c = header(spec);
    let w = &mut c;
    let _ = writeln!(
        w,
        "\n# NETWORK: listen only on the addresses given; protected mode stays on."
    );
    let _ = writeln!(w, "bind {}", spec.bind.join(" "));
    let _ = writeln!(w, "protected-mode yes");
    if spec.tls {
        let _ = writeln!(w, "port 0\ntls-port {port}");
        let _ = writeln!(w, "tls-cert-file /etc/redis/tls/redis.crt\ntls-key-file /etc/redis/tls/redis.key\ntls-ca-cert-file /etc/redis/tls/ca.crt");
        let _ = writeln!(w, "tls-auth-clients optional\ntls-replication yes");
    } else {
        let _ = writeln!(w, "port {port}");
    }
    let _ = writeln!(w, "# tcp-backlog = {}", plan.tcp_backlog.formula);
    let _ = writeln!(w, "tcp-backlog {}", plan.tcp_backlog.value);
    let _ = writeln!(w, "timeout 0\ntcp-keepalive 300");

    let _ = writeln!(
        w,
        "\n# GENERAL: run in the foreground under systemd, log to the journal."
    );
    let _ = writeln!(
        w,
        "daemonize no\nsupervised systemd\nloglevel notice\nlogfile \"\""
    );
    let suffix = if replica_of.is_some() {
        format!("-{port}")
    } else {
        String::new()
    };
    let _ = writeln!(w, "pidfile /run/redis/redis-server{suffix}.pid");

    let _ = writeln!(w, "\n# SECURITY: users live in the ACL file (the default user is off); no debug or module commands.");
    let _ = writeln!(w, "aclfile /etc/redis/users.acl");
    let _ = writeln!(
        w,
        "enable-debug-command no\nenable-module-command no\nenable-protected-configs no"
    );

    let _ = writeln!(w, "\n# LIMITS");
    let _ = writeln!(w, "# maxclients = {}", plan.maxclients.formula);
    let _ = writeln!(w, "maxclients {}", plan.maxclients.value);
    let _ = writeln!(w, "# maxmemory = {}", plan.maxmemory.formula);
    let _ = writeln!(w, "maxmemory {}mb", plan.maxmemory.value >> 20);
    let policy = match spec.role {
        Role::Cache => "allkeys-lru",
        Role::Store | Role::Queue => "noeviction",
    };
    let _ = writeln!(w, "maxmemory-policy {policy}");

    let _ = writeln!(w, "\n# PERSISTENCE");
    let _ = writeln!(w, "dir /var/lib/redis");
    let _ = writeln!(w, "dbfilename dump{suffix}.rdb");
    match spec.role {
        Role::Cache => {
            let _ = writeln!(w, "# A cache can be rebuilt: no snapshots, no AOF.");
            let _ = writeln!(w, "save \"\"\nappendonly no");
        }
        Role::Store => {
            let _ = writeln!(
                w,
                "save 3600 1 300 100 60 10000\nappendonly yes\nappendfsync everysec"
            );
            let _ = writeln!(w, "appenddirname appendonlydir{suffix}");
        }
        Role::Queue => {
            let _ = writeln!(w, "save 3600 1\nappendonly yes\nappendfsync everysec");
            let _ = writeln!(w, "appenddirname appendonlydir{suffix}");
        }
    }

    if spec.topology != Topology::Standalone {
        let _ = writeln!(w, "\n# REPLICATION: every server authenticates as `replicator`, masters too (a master becomes a replica after failover).");
        if let Some(master) = replica_of {
            let _ = writeln!(w, "replicaof {} {master}", spec.bind[0]);
        }
        let _ = writeln!(w, "masteruser replicator\nmasterauth {replicator_password}");
        let _ = writeln!(w, "replica-read-only yes");
    }

    let _ = writeln!(w, "\n# THREADED I/O");
    let _ = writeln!(w, "# io-threads = {}", plan.io_threads.formula);
    let _ = writeln!(w, "io-threads {}", plan.io_threads.value);
    c
}

fn sentinel_conf(spec: &Spec, port: u16, sentinel_password: &str, peer_password: &str) -> String {
    let mut c = header(spec);
    let w = &mut c;
    let quorum = spec.sentinels() / 2 + 1;
    let _ = writeln!(w, "bind {}", spec.bind.join(" "));
    let _ = writeln!(w, "port {port}");
    let _ = writeln!(
        w,
        "daemonize no\nsupervised systemd\nlogfile \"\"\ndir /var/lib/redis"
    );
    let _ = writeln!(
        w,
        "# Sentinels and their clients authenticate with the peer password."
    );
    let _ = writeln!(w, "requirepass {peer_password}");
    let _ = writeln!(w, "sentinel sentinel-pass {peer_password}");
    let _ = writeln!(
        w,
        "# quorum = a majority of the {} Sentinels",
        spec.sentinels()
    );
    let _ = writeln!(
        w,
        "sentinel monitor {} {} {} {quorum}",
        spec.master_name, spec.bind[0], spec.port
    );
    let _ = writeln!(w, "sentinel auth-user {} sentinel", spec.master_name);
    let _ = writeln!(
        w,
        "sentinel auth-pass {} {sentinel_password}",
        spec.master_name
    );
    let _ = writeln!(
        w,
        "sentinel down-after-milliseconds {} 5000",
        spec.master_name
    );
    let _ = writeln!(w, "sentinel failover-timeout {} 60000", spec.master_name);
    let _ = writeln!(w, "sentinel parallel-syncs {} 1", spec.master_name);
    let _ = writeln!(w, "sentinel deny-scripts-reconfig yes");
    c
}

fn sysctl_conf(plan: &Plan) -> String {
    let mut c = String::from("# Generated by redlint for Redis.\n");
    let _ = writeln!(c, "# Fork-based persistence and replication need overcommit (Redis warns at startup otherwise).");
    let _ = writeln!(c, "vm.overcommit_memory = 1");
    let _ = writeln!(c, "# net.core.somaxconn = {}", plan.somaxconn.formula);
    let _ = writeln!(c, "net.core.somaxconn = {}", plan.somaxconn.value);
    let _ = writeln!(c, "# Transparent huge pages are not a sysctl: Redis 7's `disable-thp yes` (the default) turns them off for Redis.");
    c
}

fn systemd_dropin(spec: &Spec) -> String {
    format!(
        "# Generated by redlint: limits.d does not apply to systemd services, this does.\n[Service]\nLimitNOFILE={}\n# Keep Redis away from the OOM killer's first choices.\nOOMScoreAdjust=-900\n",
        spec.nofile
    )
}
