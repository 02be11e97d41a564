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
    /// Bytes of memory of the host or container Redis runs in.
    pub host_memory: u64,
    pub host_cpus: u32,
    /// Open-files limit the systemd drop-in grants (`LimitNOFILE`).
    #[serde(default = "default_nofile")]
    pub nofile: u64,
    #[serde(default = "default_role")]
    pub role: Role,
    #[serde(default = "default_topology")]
    pub topology: Topology,
    /// Replicas (replicated and sentinel topologies).
    #[serde(default = "default_replicas")]
    pub replicas: u32,
    #[serde(default = "default_sentinels")]
    pub sentinels: u32,
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

fn default_nofile() -> u64 {
    65536
}
fn default_role() -> Role {
    Role::Cache
}
fn default_topology() -> Topology {
    Topology::Standalone
}
fn default_replicas() -> u32 {
    2
}
fn default_sentinels() -> u32 {
    3
}
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
            replicas: default_replicas(),
            sentinels: default_sentinels(),
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

    /// Servers on this host: the master and, for replicated topologies, its replicas.
    pub fn server_count(&self) -> u32 {
        match self.topology {
            Topology::Standalone => 1,
            Topology::Replicated | Topology::Sentinel => 1 + self.replicas,
        }
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.host_memory < 64 << 20 {
            return Err("host memory below 64 MiB leaves nothing for Redis".into());
        }
        if self.host_cpus == 0 {
            return Err("host CPUs must be at least 1".into());
        }
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
        if self.topology != Topology::Standalone && self.replicas == 0 {
            return Err("a replicated topology needs at least one replica".into());
        }
        if self.topology == Topology::Sentinel && self.sentinels < 1 {
            return Err(
                "a sentinel topology needs at least one Sentinel (three for a real quorum)".into(),
            );
        }
        if self.replicas > 64 || self.sentinels > 64 {
            return Err("at most 64 replicas and 64 Sentinels on one host".into());
        }
        let last = self.port as u32 + self.server_count() - 1;
        let last_sentinel = self.sentinel_port as u32 + self.sentinels.saturating_sub(1);
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
