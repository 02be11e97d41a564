//! What `redlint generate` is asked for: from flags or a TOML profile.

use serde::{Deserialize, Serialize};

use crate::RedisBuild;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Data can be rebuilt: evicts under memory pressure, no persistence.
    Cache,
    /// The source of truth: RDB + AOF, never evicts.
    Store,
    /// Jobs and streams: AOF every second, never evicts.
    Queue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Topology {
    Standalone,
    /// One master and N replicas (on this host, on consecutive ports).
    Replicated,
    /// Replicated plus Sentinels watching the master.
    Sentinel,
}

/// Everything a deployment is generated from. Field names are the TOML profile's keys.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Spec {
    /// Bytes of memory of the host or container Redis runs in. A profile writes bytes
    /// (`host-memory = 8589934592`) or a size with its unit (`host-memory = "8GiB"`).
    #[serde(deserialize_with = "bytes_or_size")]
    pub host_memory: u64,
    pub host_cpus: u32,
    /// Open-files limit the systemd drop-in grants (`LimitNOFILE`).
    #[serde(default = "default_nofile")]
    pub nofile: u64,
    #[serde(default = "default_role")]
    pub role: Role,
    #[serde(default = "default_topology")]
    pub topology: Topology,
    /// Replicas (replicated and sentinel topologies; default 2). Refused with `standalone`:
    /// see [`Spec::validate`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<u32>,
    /// Sentinels (sentinel topology only; default 3, at least 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentinels: Option<u32>,
    /// Addresses to listen on (the first one is what replicas and Sentinels connect to).
    #[serde(default = "default_bind")]
    pub bind: Vec<String>,
    #[serde(default = "default_port")]
    pub port: u16,
    #[serde(default = "default_sentinel_port")]
    pub sentinel_port: u16,
    #[serde(default)]
    pub tls: bool,
    #[serde(default)]
    pub redis_build: RedisBuild,
    /// Key patterns of the `app` account.
    #[serde(default = "default_app_keys")]
    pub app_keys: Vec<String>,
    /// Pub/Sub channel patterns of the `app` account.
    #[serde(default = "default_app_channels")]
    pub app_channels: Vec<String>,
    /// Name Sentinels monitor the master under.
    #[serde(default = "default_master_name")]
    pub master_name: String,
}

/// `host-memory`: an integer (bytes) or a string with a unit, read by the one size parser.
fn bytes_or_size<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    struct SizeVisitor;
    impl serde::de::Visitor<'_> for SizeVisitor {
        type Value = u64;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a size such as \"8GiB\" or a number of bytes")
        }
        fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<u64, E> {
            Ok(n)
        }
        fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<u64, E> {
            u64::try_from(n).map_err(|_| E::custom(format!("`{n}` is not a size")))
        }
        fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<u64, E> {
            crate::sizing::parse_size(s).map_err(E::custom)
        }
    }
    d.deserialize_any(SizeVisitor)
}

fn default_nofile() -> u64 {
    65536
}
fn default_role() -> Role {
    Role::Cache
}
fn default_topology() -> Topology {
    Topology::Standalone
}
/// Replicas when the topology has them and none were asked for.
const DEFAULT_REPLICAS: u32 = 2;
/// The fewest Sentinels that still fail over with one of them down: a failover needs a
/// Sentinel elected leader by a majority of all known Sentinels (`sentinel.c:
/// sentinelGetLeader`, `voters/2 + 1`; the Sentinel documentation's "Example 1: just two
/// Sentinels, DON'T DO THIS"), and 2 of 2 is lost as soon as one is down.
pub const MIN_SENTINELS: u32 = 3;
fn default_bind() -> Vec<String> {
    vec!["127.0.0.1".to_string()]
}
fn default_port() -> u16 {
    6379
}
fn default_sentinel_port() -> u16 {
    26379
}
fn default_app_keys() -> Vec<String> {
    vec!["app:*".to_string()]
}
fn default_app_channels() -> Vec<String> {
    vec!["app:*".to_string()]
}
fn default_master_name() -> String {
    "redis-main".to_string()
}

impl Spec {
    /// A spec with defaults for everything but the host.
    pub fn for_host(host_memory: u64, host_cpus: u32) -> Spec {
        Spec {
            host_memory,
            host_cpus,
            nofile: default_nofile(),
            role: default_role(),
            topology: default_topology(),
            replicas: None,
            sentinels: None,
            bind: default_bind(),
            port: default_port(),
            sentinel_port: default_sentinel_port(),
            tls: false,
            redis_build: RedisBuild::default(),
            app_keys: default_app_keys(),
            app_channels: default_app_channels(),
            master_name: default_master_name(),
        }
    }

    pub fn from_toml(text: &str) -> Result<Spec, String> {
        let spec: Spec = toml::from_str(text).map_err(|e| e.to_string())?;
        spec.validate()?;
        Ok(spec)
    }

    /// Replicas of the master (0 for a standalone server).
    pub fn replicas(&self) -> u32 {
        match self.topology {
            Topology::Standalone => 0,
            Topology::Replicated | Topology::Sentinel => self.replicas.unwrap_or(DEFAULT_REPLICAS),
        }
    }

    /// Sentinels watching the master (0 unless the topology is `sentinel`).
    pub fn sentinels(&self) -> u32 {
        match self.topology {
            Topology::Sentinel => self.sentinels.unwrap_or(MIN_SENTINELS),
            Topology::Standalone | Topology::Replicated => 0,
        }
    }

    /// Servers on this host: the master and, for replicated topologies, its replicas.
    pub fn server_count(&self) -> u32 {
        1 + self.replicas()
    }

    /// Replica and Sentinel counts that fit the topology. A count the topology would ignore
    /// is refused rather than silently dropped or taken to change the topology: the topology
    /// is the user's explicit choice (or the documented default), and one rule for flags and
    /// profiles is easier to predict than a count that sometimes switches it.
    fn validate_topology(&self) -> Result<(), String> {
        let topology = match self.topology {
            Topology::Standalone => "standalone",
            Topology::Replicated => "replicated",
            Topology::Sentinel => "sentinel",
        };
        if let (Topology::Standalone, Some(n)) = (self.topology, self.replicas) {
            return Err(format!(
                "replicas = {n} needs topology `replicated` or `sentinel`: a standalone deployment has no replicas"
            ));
        }
        if let (Topology::Standalone | Topology::Replicated, Some(n)) =
            (self.topology, self.sentinels)
        {
            return Err(format!(
                "sentinels = {n} needs topology `sentinel`: the `{topology}` topology runs no Sentinels"
            ));
        }
        if self.replicas == Some(0) {
            return Err(format!(
                "the `{topology}` topology needs at least one replica (use topology `standalone` for none)"
            ));
        }
        if self.sentinels.is_some_and(|n| n < MIN_SENTINELS) {
            return Err(format!(
                "sentinels = {}: Sentinel needs a majority of all Sentinels to agree before it fails over, and with fewer than {MIN_SENTINELS} one Sentinel down leaves no majority; use at least {MIN_SENTINELS} (3 or 5 are usual)",
                self.sentinels.unwrap_or(0)
            ));
        }
        if self.replicas() > 64 || self.sentinels() > 64 {
            return Err("at most 64 replicas and 64 Sentinels on one host".into());
        }
        Ok(())
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.host_memory < 64 << 20 {
            return Err(format!(
                "host memory of {} bytes is below 64 MiB, which leaves nothing for Redis (a profile's integer `host-memory` is bytes: write a unit, e.g. \"8GiB\")",
                self.host_memory
            ));
        }
        if self.host_cpus == 0 {
            return Err("host CPUs must be at least 1".into());
        }
        if self.nofile == 0 {
            return Err("nofile (the open-files limit) must be at least 1".into());
        }
        self.validate_topology()?;
        if self.bind.is_empty() || self.bind.len() > 16 {
            return Err("bind takes 1 to 16 addresses".into());
        }
        for b in &self.bind {
            if b.contains('/') || b.parse::<std::net::IpAddr>().is_err() {
                return Err(format!(
                    "bind `{b}`: give the server's own IP addresses (no CIDR ranges, no hostnames)"
                ));
            }
        }
        let last = self.port as u32 + self.server_count() - 1;
        let last_sentinel = self.sentinel_port as u32 + self.sentinels().saturating_sub(1);
        if last > 65535 || self.port == 0 || last_sentinel > 65535 || self.sentinel_port == 0 {
            return Err("ports run past 65535".into());
        }
        let servers = self.port as u32..=last;
        let sentinels = self.sentinel_port as u32..=last_sentinel;
        if self.topology == Topology::Sentinel && servers.clone().any(|p| sentinels.contains(&p)) {
            return Err("server and Sentinel ports overlap".into());
        }
        let name_ok = !self.master_name.is_empty()
            && self
                .master_name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
        if !name_ok {
            return Err("master name: use letters, digits, `.`, `_` and `-`".into());
        }
        for p in self.app_keys.iter().chain(&self.app_channels) {
            if p.is_empty() || p.contains(char::is_whitespace) {
                return Err(format!("pattern `{p}`: must be non-empty without spaces"));
            }
        }
        Ok(())
    }
}

/// What a front sets on top of a profile (or of the defaults): the CLI's flags, the page's
/// form. One merge for both, so a profile means the same thing in either.
///
/// The keys are the profile's (`host-memory`, `topology`, ...); `host-memory` takes bytes or
/// a size with its unit.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Overrides {
    #[serde(default, deserialize_with = "opt_bytes_or_size")]
    pub host_memory: Option<u64>,
    pub host_cpus: Option<u32>,
    pub nofile: Option<u64>,
    pub role: Option<Role>,
    pub topology: Option<Topology>,
    pub replicas: Option<u32>,
    pub sentinels: Option<u32>,
    /// Empty: keep the profile's (or the default) addresses.
    #[serde(default)]
    pub bind: Vec<String>,
    pub port: Option<u16>,
    pub sentinel_port: Option<u16>,
    /// `true` turns TLS on; `false` keeps what the profile says.
    #[serde(default)]
    pub tls: bool,
    pub redis_build: Option<RedisBuild>,
}

/// Which host fact a spec without a profile lacks (each front words the remedy its own way).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingHostFact {
    Memory,
    Cpus,
}

fn opt_bytes_or_size<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    bytes_or_size(d).map(Some)
}

impl Overrides {
    /// Set every field given here on `spec` (host facts included).
    pub fn apply(&self, spec: &mut Spec) {
        if let Some(m) = self.host_memory {
            spec.host_memory = m;
        }
        if let Some(c) = self.host_cpus {
            spec.host_cpus = c;
        }
        if let Some(n) = self.nofile {
            spec.nofile = n;
        }
        if let Some(r) = self.role {
            spec.role = r;
        }
        if let Some(t) = self.topology {
            spec.topology = t;
        }
        if let Some(n) = self.replicas {
            spec.replicas = Some(n);
        }
        if let Some(n) = self.sentinels {
            spec.sentinels = Some(n);
        }
        if !self.bind.is_empty() {
            spec.bind = self.bind.clone();
        }
        if let Some(p) = self.port {
            spec.port = p;
        }
        if let Some(p) = self.sentinel_port {
            spec.sentinel_port = p;
        }
        if self.tls {
            spec.tls = true;
        }
        if let Some(b) = self.redis_build {
            spec.redis_build = b;
        }
    }
}

impl Spec {
    /// A TOML profile with `overrides` on top. The host facts are filled in before the
    /// profile is read, so a profile may leave them to the front (flags, `--host detect`, the
    /// page's inputs). Not validated: [`generate`](super::generate) does that.
    pub fn from_profile(text: &str, overrides: &Overrides) -> Result<Spec, String> {
        let mut table: toml::Table = text.parse().map_err(|e: toml::de::Error| e.to_string())?;
        if let Some(m) = overrides.host_memory {
            let m =
                i64::try_from(m).map_err(|_| format!("host memory of {m} bytes is too large"))?;
            table.insert("host-memory".into(), toml::Value::Integer(m));
        }
        if let Some(c) = overrides.host_cpus {
            table.insert("host-cpus".into(), toml::Value::Integer(c.into()));
        }
        let mut spec: Spec = table
            .try_into()
            .map_err(|e: toml::de::Error| e.to_string())?;
        overrides.apply(&mut spec);
        Ok(spec)
    }

    /// A spec from `overrides` alone (no profile): the host facts are required.
    pub fn from_overrides(overrides: &Overrides) -> Result<Spec, MissingHostFact> {
        let memory = overrides.host_memory.ok_or(MissingHostFact::Memory)?;
        let cpus = overrides.host_cpus.ok_or(MissingHostFact::Cpus)?;
        let mut spec = Spec::for_host(memory, cpus);
        overrides.apply(&mut spec);
        Ok(spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(extra: &str) -> Result<Spec, String> {
        Spec::from_toml(&format!("host-memory = 4294967296\nhost-cpus = 4\n{extra}"))
    }

    #[test]
    fn two_sentinels_are_refused_with_the_reason() {
        let e = profile("topology = \"sentinel\"\nsentinels = 2\n").unwrap_err();
        assert!(e.contains("majority") && e.contains("at least 3"), "{e}");
        assert!(profile("topology = \"sentinel\"\nsentinels = 3\n").is_ok());
        assert_eq!(profile("topology = \"sentinel\"\n").unwrap().sentinels(), 3);
    }

    #[test]
    fn counts_the_topology_would_ignore_are_refused() {
        let e = profile("replicas = 2\n").unwrap_err();
        assert!(e.contains("standalone"), "{e}");
        let e = profile("topology = \"replicated\"\nsentinels = 3\n").unwrap_err();
        assert!(e.contains("`sentinel`"), "{e}");
        assert!(profile("topology = \"replicated\"\nreplicas = 0\n").is_err());
        let spec = profile("topology = \"replicated\"\nreplicas = 1\n").unwrap();
        assert_eq!(spec.server_count(), 2);
        assert_eq!(profile("").unwrap().server_count(), 1);
    }

    #[test]
    fn profile_memory_takes_a_unit() {
        let spec = Spec::from_toml("host-memory = \"8GiB\"\nhost-cpus = 4\n").unwrap();
        assert_eq!(spec.host_memory, 8 << 30);
        let e = Spec::from_toml("host-memory = \"8\"\nhost-cpus = 4\n").unwrap_err();
        assert!(e.contains("8GiB? 8MiB?"), "{e}");
        let e = Spec::from_toml("host-memory = 8\nhost-cpus = 4\n").unwrap_err();
        assert!(e.contains("is bytes"), "{e}");
    }

    #[test]
    fn overrides_win_over_the_profile_and_fill_in_host_facts() {
        let o = Overrides {
            host_memory: Some(2 << 30),
            host_cpus: Some(2),
            topology: Some(Topology::Sentinel),
            bind: vec!["10.0.0.5".into()],
            ..Overrides::default()
        };
        // The profile lacks the host facts: the overrides supply them.
        let spec = Spec::from_profile("role = \"store\"\nport = 7000\n", &o).unwrap();
        assert_eq!((spec.host_memory, spec.host_cpus), (2 << 30, 2));
        assert_eq!(spec.role, Role::Store);
        assert_eq!(spec.topology, Topology::Sentinel);
        assert_eq!(
            (spec.port, spec.bind.clone()),
            (7000, vec!["10.0.0.5".to_string()])
        );
        let e = Spec::from_profile("host-cpus = 1\n", &Overrides::default()).unwrap_err();
        assert!(e.contains("host-memory"), "{e}");
        assert!(Spec::from_profile("nonsense = [", &o).is_err());
        assert_eq!(
            Spec::from_overrides(&Overrides::default()).unwrap_err(),
            MissingHostFact::Memory
        );
        let form: Overrides =
            serde_json::from_str(r#"{"host-memory": "4GiB", "host-cpus": 4, "role": "queue"}"#)
                .unwrap();
        let spec = Spec::from_overrides(&form).unwrap();
        assert_eq!((spec.host_memory, spec.role), (4 << 30, Role::Queue));
    }

    #[test]
    fn zero_cpus_and_zero_nofile_are_refused() {
        assert!(Spec::from_toml("host-memory = 4294967296\nhost-cpus = 0\n").is_err());
        assert!(profile("nofile = 0\n").is_err());
    }
}
