//! Host facts from flags (`--host-memory`, `--host-cpus`) or from this machine (`--host detect`).

use redlint_core::HostFacts;

/// Parse a memory size: a number with an optional unit. Binary units (`KiB`, `MiB`, `GiB`,
/// `TiB`, also `Ki`/`Mi`/`Gi`/`Ti` as Kubernetes writes them) are powers of 1024; decimal ones
/// (`K`/`KB`, `M`/`MB`, `G`/`GB`, `T`/`TB`) are powers of 1000; `B` is bytes. The unit is
/// required: a bare `8` meant as 8 GiB must not be read as 8 bytes. `check` and `generate`
/// both parse `--host-memory` here.
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

/// A count that must be at least 1 (`--host-cpus`, `--host-nofile`, `--nofile`): a host
/// with 0 CPUs or a limit of 0 open files cannot run redis-server, so 0 is a typo.
pub fn parse_at_least_one<T>(s: &str) -> Result<T, String>
where
    T: std::str::FromStr + PartialOrd + From<u8>,
{
    let n: T = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a whole number"))?;
    if n < T::from(1u8) {
        return Err(format!("`{s}`: must be at least 1"));
    }
    Ok(n)
}

/// Memory, CPUs and the open-files limit of this machine, cgroup limits first.
pub fn detect() -> HostFacts {
    HostFacts {
        memory: detect_memory(),
        cpus: detect_cpus(),
        nofile: detect_nofile(),
    }
}

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

fn detect_memory() -> Option<u64> {
    let physical = read("/proc/meminfo").and_then(|m| {
        m.lines()
            .find(|l| l.starts_with("MemTotal:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map(|kb| kb * 1024)
    });
    // cgroup v2, then v1; "max" or absurdly large values mean no limit.
    let limit = read("/sys/fs/cgroup/memory.max")
        .or_else(|| read("/sys/fs/cgroup/memory/memory.limit_in_bytes"))
        .and_then(|v| v.trim().parse::<u64>().ok());
    match (limit, physical) {
        (Some(l), Some(p)) => Some(l.min(p)),
        (l, p) => l.or(p),
    }
}

fn detect_cpus() -> Option<u32> {
    let online = std::thread::available_parallelism()
        .ok()
        .map(|n| n.get() as u32);
    let quota = read("/sys/fs/cgroup/cpu.max").and_then(|v| {
        let mut it = v.split_whitespace();
        let q = it.next()?.parse::<f64>().ok()?;
        let p = it.next()?.parse::<f64>().ok()?;
        Some((q / p).ceil() as u32)
    });
    let quota = quota.or_else(|| {
        let q = read("/sys/fs/cgroup/cpu/cpu.cfs_quota_us")?
            .trim()
            .parse::<i64>()
            .ok()?;
        let p = read("/sys/fs/cgroup/cpu/cpu.cfs_period_us")?
            .trim()
            .parse::<i64>()
            .ok()?;
        (q > 0 && p > 0).then(|| ((q as f64) / (p as f64)).ceil() as u32)
    });
    match (quota, online) {
        (Some(q), Some(o)) => Some(q.clamp(1, o)),
        (q, o) => q.or(o),
    }
}

fn detect_nofile() -> Option<u64> {
    read("/proc/self/limits")?
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|v| v.parse().ok())
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
}
