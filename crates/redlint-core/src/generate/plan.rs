//! Sizing a server for its host: every value with the formula and inputs that produced it, so
//! the generated config can say why in a comment.
//!
//! Sources: Redis administration docs ("Redis admin": set `vm.overcommit_memory = 1`; with
//! persistence or replication the fork's copy-on-write may need up to as much memory again as
//! the dataset, so leave headroom), redis.conf's THREADED I/O section ("4 cores: 2 or 3 I/O
//! threads, 8 cores: 6 threads; more than 8 rarely helps"), Redis' fd reserve of 32
//! (`CONFIG_MIN_RESERVED_FDS`), and the kernel's `net.core.somaxconn` cap on listen backlogs.

use super::spec::{Role, Spec, Topology};
use crate::sizing;

/// One sized value: what to write, and the one-line reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sized<T> {
    pub value: T,
    pub formula: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub maxmemory: Sized<u64>,
    pub io_threads: Sized<u32>,
    pub maxclients: Sized<u64>,
    pub tcp_backlog: Sized<u32>,
    pub somaxconn: Sized<u32>,
}

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

use sizing::RESERVED_FDS;

pub fn mib(bytes: u64) -> String {
    if bytes >= GIB && bytes.is_multiple_of(GIB) {
        format!("{} GiB", bytes / GIB)
    } else {
        format!("{} MiB", bytes / MIB)
    }
}

/// True when the server forks while it runs: RDB/AOF rewrites, or full syncs to replicas.
pub fn forks(spec: &Spec) -> bool {
    spec.role != Role::Cache || spec.topology != Topology::Standalone
}

pub fn plan(spec: &Spec) -> Plan {
    let servers = spec.server_count() as u64;
    let reserve = sizing::os_reserve(spec.host_memory);
    let usable = spec.host_memory.saturating_sub(reserve);
    let per_server = usable / servers;
    let (percent, why) = if forks(spec) {
        (
            50,
            "fork copy-on-write headroom for persistence/replication",
        )
    } else {
        (75, "no fork: headroom for fragmentation and client buffers")
    };
    let maxmemory = (per_server / 100 * percent / MIB).max(1) * MIB;
    let maxmemory = Sized {
        value: maxmemory,
        formula: format!(
            "{percent}% of ({} host - {} OS reserve){} ({why})",
            mib(spec.host_memory),
            mib(reserve),
            if servers > 1 {
                format!(" / {servers} servers on this host")
            } else {
                String::new()
            }
        ),
    };

    let cpus_per_server = (spec.host_cpus as u64 / servers).max(1) as u32;
    let threads = sizing::recommended_io_threads(cpus_per_server);
    let io_threads = Sized {
        value: threads,
        formula: format!(
            "{} CPUs{}: 1 below 4 cores, else 3/4 of the cores, at most 8",
            spec.host_cpus,
            if servers > 1 {
                format!(" / {servers} servers = {cpus_per_server}")
            } else {
                String::new()
            }
        ),
    };

    let clients = spec.nofile.saturating_sub(RESERVED_FDS).clamp(1, 10_000);
    let maxclients = Sized {
        value: clients,
        formula: format!(
            "min(10000, LimitNOFILE {} - {RESERVED_FDS} reserved by Redis)",
            spec.nofile
        ),
    };

    let somaxconn_value = 4096u32;
    let backlog = 511u32.min(somaxconn_value);
    let tcp_backlog = Sized {
        value: backlog,
        formula: format!(
            "Redis' default, not above net.core.somaxconn {somaxconn_value} (set in sysctl.d)"
        ),
    };
    let somaxconn = Sized {
        value: somaxconn_value,
        formula: format!(
            "at least tcp-backlog {backlog}; the kernel caps every listen backlog at this"
        ),
    };
    Plan {
        maxmemory,
        io_threads,
        maxclients,
        tcp_backlog,
        somaxconn,
    }
}
