//! For a grid of hosts, roles and topologies, the generated deployment lints clean for the same
//! host and every sized value stays inside the range Redis accepts.

use proptest::prelude::*;
use redlint_core::fs::MemoryFs;
use redlint_core::generate::{generate, GeneratedFile, Role, Spec, Topology};
use redlint_core::model::kind;
use redlint_core::{check, HostFacts, Input, Kind, Options};

fn counter_rng() -> impl FnMut(&mut [u8]) {
    let mut state: u64 = 0x243F6A8885A308D3;
    move |buf: &mut [u8]| {
        for b in buf {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            *b = (state >> 33) as u8;
        }
    }
}

fn lint(files: &[GeneratedFile], spec: &Spec) -> Vec<String> {
    let mut fs = MemoryFs::new();
    let mut inputs = Vec::new();
    for f in files {
        let host = format!("/{}", f.path);
        fs.insert(host.clone(), f.contents.clone());
        let Some(kind) = kind::from_path(&host) else {
            continue;
        };
        inputs.push(Input {
            path: f.path.clone(),
            host_path: Some(host),
            bytes: f.contents.clone().into_bytes(),
            kind,
        });
    }
    // The directories the configs name exist on the target host.
    fs.insert("/var/lib/redis/.keep", "");
    fs.insert("/run/redis/.keep", "");
    let options = Options {
        host: HostFacts {
            memory: Some(spec.host_memory),
            cpus: Some(spec.host_cpus),
            nofile: Some(spec.nofile),
        },
        ..Options::default()
    };
    check(inputs, &fs, &options)
        .findings
        .into_iter()
        .map(|f| format!("{}:{}: {} {}", f.file, f.line, f.code, f.message))
        .collect()
}

fn value(conf: &str, name: &str) -> Option<String> {
    conf.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")).map(str::to_string))
}

fn check_ranges(files: &[GeneratedFile], spec: &Spec) {
    for f in files
        .iter()
        .filter(|f| f.path.starts_with("etc/redis/redis"))
    {
        let maxmemory = value(&f.contents, "maxmemory").expect("maxmemory");
        let mb: u64 = maxmemory
            .trim_end_matches("mb")
            .parse()
            .expect("maxmemory in mb");
        assert!(
            mb >= 1 && (mb << 20) < spec.host_memory,
            "{maxmemory} for {} bytes",
            spec.host_memory
        );
        let threads: u32 = value(&f.contents, "io-threads").unwrap().parse().unwrap();
        assert!((1..=128).contains(&threads) && threads <= spec.host_cpus.max(1));
        let clients: u64 = value(&f.contents, "maxclients").unwrap().parse().unwrap();
        assert!(clients >= 1 && clients + 32 <= spec.nofile);
        let backlog: u32 = value(&f.contents, "tcp-backlog").unwrap().parse().unwrap();
        assert!(backlog <= 4096);
    }
}

const ROLES: [Role; 3] = [Role::Cache, Role::Store, Role::Queue];
const TOPOLOGIES: [Topology; 3] = [
    Topology::Standalone,
    Topology::Replicated,
    Topology::Sentinel,
];

#[test]
fn corner_hosts_lint_clean() {
    let mut failures = Vec::new();
    for memory in [256u64 << 20, 1 << 30, 64 << 30, 1 << 40] {
        for cpus in [1u32, 2, 4, 16, 128] {
            for role in ROLES {
                for topology in TOPOLOGIES {
                    let mut spec = Spec::for_host(memory, cpus);
                    spec.role = role;
                    spec.topology = topology;
                    let files = generate(&spec, &mut counter_rng()).expect("generate");
                    check_ranges(&files, &spec);
                    for f in lint(&files, &spec) {
                        failures.push(format!("{memory}B/{cpus}cpu/{role:?}/{topology:?}: {f}"));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn any_host_lints_clean(memory_mib in 256u64..=(1 << 20), cpus in 1u32..=128, role in 0usize..3, topology in 0usize..3,
                            nofile in 1024u64..=1_048_576) {
        let mut spec = Spec::for_host(memory_mib << 20, cpus);
        spec.role = ROLES[role];
        spec.topology = TOPOLOGIES[topology];
        spec.nofile = nofile;
        let files = generate(&spec, &mut counter_rng()).expect("generate");
        check_ranges(&files, &spec);
        let findings = lint(&files, &spec);
        prop_assert!(findings.is_empty(), "{:?}", findings);
    }
}

#[test]
fn credentials_file_has_one_line_per_account_and_mode_0600() {
    let mut spec = Spec::for_host(8 << 30, 4);
    spec.topology = Topology::Sentinel;
    let files = generate(&spec, &mut counter_rng()).unwrap();
    let env = files.iter().find(|f| f.path == "credentials.env").unwrap();
    assert_eq!(env.mode, 0o600);
    let names: Vec<&str> = env
        .contents
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split('=').next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "REDIS_ADMIN_PASSWORD",
            "REDIS_APP_PASSWORD",
            "REDIS_MONITOR_PASSWORD",
            "REDIS_REPLICATOR_PASSWORD",
            "REDIS_SENTINEL_PASSWORD",
            "REDIS_SENTINEL_PEER_PASSWORD"
        ]
    );
    for line in env.contents.lines().filter(|l| !l.starts_with('#')) {
        let pw = line.split('=').nth(1).unwrap();
        assert_eq!(pw.len(), 64, "256-bit hex password");
    }
    let acl = files
        .iter()
        .find(|f| f.path == "etc/redis/users.acl")
        .unwrap();
    assert!(!acl.contents.contains('>'), "ACL file stores hashes only");
    assert!(acl.contents.starts_with("user default off"));
    let _ = Kind::Acl;
}
