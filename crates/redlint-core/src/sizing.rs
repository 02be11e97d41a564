//! Host sizing: how much of a machine one Redis server may take, and how many threads and
//! clients it can use. Pure functions of host facts, role and persistence, shared by the
//! checks (RL701–RL705) and by `redlint generate`, so that what the linter asks for is what the
//! generator writes.
//!
//! Sources of the numbers:
//! - Redis administration guide (redis.io, `docs/management/admin.md`): "while saving an RDB
//!   file on disk or rewriting the AOF log, Redis may use up to 2 times the memory normally
//!   used" (copy-on-write after `fork()`); set an explicit `maxmemory` leaving room for the
//!   system ("if you have 10 GB of free memory, set it to 8 or 9").
//! - redis.conf (7.0) MEMORY MANAGEMENT: replica output buffers are not counted in `maxmemory`,
//!   "so it is suggested that you set a lower limit for maxmemory" when replicas are attached.
//! - redis.conf THREADED I/O: use I/O threads only with at least 4 cores, leave one spare core;
//!   "4 cores → 2 or 3 I/O threads, 8 cores → 6"; more than 8 threads is unlikely to help.
//! - `server.c: adjustOpenFilesLimit`: Redis needs `maxclients + 32` file descriptors
//!   (`CONFIG_MIN_RESERVED_FDS`) and lowers `maxclients` to `limit − 32` otherwise.

/// Where a server sits in replication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// No replication configured around it.
    Standalone,
    /// Has (or may get, under Sentinel) replicas: every full resync forks a child, even with
    /// diskless sync.
    Master,
    /// Replicates from another server (`replicaof`).
    Replica,
}

/// What makes a server write to disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Persistence {
    /// At least one `save` point (RDB snapshots by `BGSAVE`, a forked child).
    pub rdb: bool,
    /// `appendonly yes` (AOF rewrites fork a child too).
    pub aof: bool,
}

impl Persistence {
    pub fn any(self) -> bool {
        self.rdb || self.aof
    }
}

/// True if the server forks background children in normal operation (RDB saves, AOF
/// rewrites, full resyncs to replicas). A forked child shares memory copy-on-write, and every
/// page written meanwhile is copied: in the worst case the dataset exists twice.
pub fn forks(role: Role, persistence: Persistence) -> bool {
    persistence.any() || role != Role::Standalone
}

/// A share of host memory, in percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryShare {
    /// What `redlint generate` writes: `maxmemory = host × recommended / 100`.
    pub recommended: u8,
    /// Above this, RL703 warns: not enough headroom for what is outside `maxmemory`.
    pub limit: u8,
}

/// The share of host memory `maxmemory` should take.
///
/// The recommended share applies to the host's memory less the OS reserve
/// ([`os_reserve`]); the limit, which the linter checks, to the whole host.
///
/// - Forking servers: 50 % recommended, 60 % at most. A fork's copy-on-write can double the
///   dataset in the worst case (admin guide: "up to 2 times"); half the memory for data leaves
///   the other half for the copy, and the 10 % between recommended and limit covers what
///   `maxmemory` does not count (fragmentation, replica and client output buffers, the AOF
///   buffer, the kernel and other processes) on hosts where not every page is rewritten
///   during a save.
/// - Non-forking servers (no persistence, no replicas): 75 % recommended, 80 % at most,
///   the admin guide's "8 or 9 GB of 10 GB free" less a margin for fragmentation and buffers.
pub fn maxmemory_share(forking: bool) -> MemoryShare {
    if forking {
        MemoryShare {
            recommended: 50,
            limit: 60,
        }
    } else {
        MemoryShare {
            recommended: 75,
            limit: 80,
        }
    }
}

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// `host_memory × percent / 100`, rounded down to whole MiB (so it prints as `Nmb`).
pub fn share_of(host_memory: u64, percent: u8) -> u64 {
    let bytes = host_memory as u128 * percent as u128 / 100;
    ((bytes / MIB as u128) * MIB as u128) as u64
}

/// Memory left to the operating system before sizing Redis: a tenth of the host, at least
/// 32 MiB, at most 1 GiB (the same reserve `redlint generate` uses).
pub fn os_reserve(host_memory: u64) -> u64 {
    (host_memory / 10).clamp(32 * MIB, GIB)
}

/// The `maxmemory` to configure on a host with `host_memory` bytes (or container limit):
/// the recommended share of what the OS reserve leaves, in whole MiB, at least 1 MiB.
pub fn recommended_maxmemory(host_memory: u64, role: Role, persistence: Persistence) -> u64 {
    let usable = host_memory.saturating_sub(os_reserve(host_memory));
    let percent = maxmemory_share(forks(role, persistence)).recommended as u64;
    (usable / 100 * percent / MIB).max(1) * MIB
}

/// The largest `maxmemory` that still leaves the headroom described at [`maxmemory_share`].
pub fn maxmemory_limit(host_memory: u64, role: Role, persistence: Persistence) -> u64 {
    share_of(host_memory, maxmemory_share(forks(role, persistence)).limit)
}

/// The most I/O threads worth configuring (`io-threads`, which counts the main thread).
///
/// Fewer than 4 CPUs: 1 (threaded I/O off, as redis.conf advises). Otherwise three quarters
/// of the CPUs, at most 8: redis.conf's own examples, 4 → 3 and 8 → 6.
pub fn recommended_io_threads(cpus: u32) -> u32 {
    if cpus < 4 {
        1
    } else {
        (cpus * 3 / 4).min(8)
    }
}

/// The largest `io-threads` that still leaves one CPU for everything else (at least 1).
pub fn io_threads_limit(cpus: u32) -> u32 {
    cpus.saturating_sub(1).max(1)
}

/// File descriptors Redis reserves beyond its clients (`CONFIG_MIN_RESERVED_FDS`).
pub const RESERVED_FDS: u64 = 32;

/// The open-files limit `maxclients` needs.
pub fn required_nofile(maxclients: u64) -> u64 {
    maxclients.saturating_add(RESERVED_FDS)
}

/// The `maxclients` Redis ends up with under an open-files limit (what it lowers it to).
pub fn maxclients_for_nofile(nofile: u64) -> u64 {
    nofile.saturating_sub(RESERVED_FDS)
}

/// Everything `redlint generate` sizes from the host, in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizing {
    /// Bytes, when host memory is known.
    pub maxmemory: Option<u64>,
    /// When the CPU count is known.
    pub io_threads: Option<u32>,
    /// When the open-files limit is known: the most clients it allows (capped at Redis'
    /// default of 10000).
    pub maxclients: Option<u64>,
}

/// Size a server from what is known about its host.
pub fn size(
    memory: Option<u64>,
    cpus: Option<u32>,
    nofile: Option<u64>,
    role: Role,
    persistence: Persistence,
) -> Sizing {
    Sizing {
        maxmemory: memory.map(|m| recommended_maxmemory(m, role, persistence)),
        io_threads: cpus.map(recommended_io_threads),
        maxclients: nofile.map(|n| maxclients_for_nofile(n).min(10_000)),
    }
}

/// Parse a memory size: a number and its unit. Binary units (`KiB`, `MiB`, `GiB`,
/// `TiB`, also `Ki`/`Mi`/`Gi`/`Ti` as Kubernetes writes them) are powers of 1024; decimal ones
/// (`K`/`KB`, `M`/`MB`, `G`/`GB`, `T`/`TB`) are powers of 1000; `B` is bytes. The unit is
/// required: a bare `8` meant as 8 GiB must not be read as 8 bytes. `check` and `generate`
/// both parse `--host-memory` here, and a profile may write `host-memory = "8GiB"`.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    if digits == 0 {
        return Err(format!(
            "`{s}` is not a size: expected a number with an optional unit such as 8GiB or 512MiB"
        ));
    }
    let n: u64 = s[..digits]
        .parse()
        .map_err(|_| format!("`{s}` is too large"))?;
    let unit = s[digits..].trim().to_ascii_lowercase();
    if unit.is_empty() {
        let num = &s[..digits];
        return Err(format!(
            "`{s}` has no unit: {num}GiB? {num}MiB? (write {num}B if you mean bytes)"
        ));
    }
    if n == 0 {
        return Err(format!("`{s}`: a host has more than 0 bytes of memory"));
    }
    let mult: u64 = match unit.as_str() {
        "b" => 1,
        "k" | "kb" => 1000,
        "ki" | "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mi" | "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gi" | "gib" => 1 << 30,
        "t" | "tb" => 1_000_000_000_000,
        "ti" | "tib" => 1 << 40,
        _ => {
            return Err(format!(
                "unknown unit `{}` in `{s}`: use B, KiB, MiB, GiB, TiB (or KB, MB, GB, TB)",
                &s[digits..]
            ))
        }
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("`{s}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("8GiB"), Ok(8 << 30));
        assert_eq!(parse_size("512MiB"), Ok(512 << 20));
        assert_eq!(parse_size("2Gi"), Ok(2 << 30));
        assert_eq!(parse_size("1G"), Ok(1_000_000_000));
        assert_eq!(parse_size("1024B"), Ok(1024));
        let bare = parse_size("8").unwrap_err();
        assert!(
            bare.contains("no unit") && bare.contains("8GiB? 8MiB?"),
            "{bare}"
        );
        assert!(parse_size("0GiB").is_err());
        assert!(parse_size("GiB").is_err());
        assert!(parse_size("1.5GiB").is_err());
        assert!(parse_size("99999999999TiB").is_err());
    }

    const RDB: Persistence = Persistence {
        rdb: true,
        aof: false,
    };
    const NONE: Persistence = Persistence {
        rdb: false,
        aof: false,
    };

    #[test]
    fn forking_servers_keep_half_the_memory_free() {
        // 8 GiB less the 0.8 GiB OS reserve, halved, in whole MiB.
        assert_eq!(
            recommended_maxmemory(8 * GIB, Role::Standalone, RDB),
            3686 << 20
        );
        assert_eq!(maxmemory_limit(10 * GIB, Role::Standalone, RDB), 6 * GIB);
        // Replication forks too, even without persistence.
        assert!(forks(Role::Master, NONE));
        assert!(forks(Role::Replica, NONE));
        assert_eq!(
            recommended_maxmemory(8 * GIB, Role::Master, NONE),
            recommended_maxmemory(8 * GIB, Role::Replica, RDB)
        );
    }

    #[test]
    fn caches_without_forks_may_take_three_quarters() {
        assert!(!forks(Role::Standalone, NONE));
        // 4 GiB less the 409.6 MiB reserve, three quarters, in whole MiB.
        assert_eq!(
            recommended_maxmemory(4 * GIB, Role::Standalone, NONE),
            2764 << 20
        );
        assert_eq!(os_reserve(64 * GIB), GIB);
        assert_eq!(os_reserve(100 << 20), 32 << 20);
        assert_eq!(maxmemory_limit(10 * GIB, Role::Standalone, NONE), 8 * GIB);
    }

    #[test]
    fn shares_round_down_to_whole_mib() {
        let v = share_of(1_000_000_007, 50);
        assert_eq!(v % (1 << 20), 0);
        assert!(v <= 500_000_003);
        assert_eq!(share_of(u64::MAX, 100) % (1 << 20), 0);
    }

    #[test]
    fn io_threads_follow_redis_conf_examples() {
        assert_eq!(recommended_io_threads(1), 1);
        assert_eq!(recommended_io_threads(2), 1);
        assert_eq!(recommended_io_threads(4), 3);
        assert_eq!(recommended_io_threads(8), 6);
        assert_eq!(recommended_io_threads(6), 4);
        assert_eq!(recommended_io_threads(64), 8);
        assert_eq!(io_threads_limit(1), 1);
        assert_eq!(io_threads_limit(4), 3);
    }

    #[test]
    fn file_descriptors() {
        assert_eq!(required_nofile(10_000), 10_032);
        assert_eq!(maxclients_for_nofile(1024), 992);
        assert_eq!(maxclients_for_nofile(10), 0);
        let s = size(Some(4 * GIB), Some(4), Some(1024), Role::Standalone, RDB);
        assert_eq!(s.maxmemory, Some(1843 * (1 << 20)));
        assert_eq!(s.io_threads, Some(3));
        assert_eq!(s.maxclients, Some(992));
        assert_eq!(
            size(None, None, Some(65535), Role::Replica, NONE).maxclients,
            Some(10_000)
        );
    }
}
