#![no_main]
//! The whole check (model + rules) over a few files split from the input at NUL bytes: redis.conf, users.acl, sentinel.conf, docker-compose.yml, values.yaml, sysctl.
use libfuzzer_sys::fuzz_target;
use redlint_core::fs::MemoryFs;
use redlint_core::{Input, Kind, Options};

const FILES: [(&str, Kind); 6] = [
    ("/repo/redis.conf", Kind::Redis),
    ("/repo/users.acl", Kind::Acl),
    ("/repo/sentinel.conf", Kind::Sentinel),
    ("/repo/docker-compose.yml", Kind::Compose),
    ("/repo/values.yaml", Kind::Helm),
    ("/repo/etc/sysctl.d/60-redis.conf", Kind::Sysctl),
];

fuzz_target!(|data: &[u8]| {
    let mut fs = MemoryFs::new();
    let mut inputs = Vec::new();
    for ((path, kind), bytes) in FILES.iter().zip(data.split(|b| *b == 0)) {
        fs.insert(*path, bytes.to_vec());
        inputs.push(Input {
            path: path.trim_start_matches('/').into(),
            host_path: Some((*path).into()),
            bytes: bytes.to_vec(),
            kind: *kind,
        });
    }
    fs.cover("/repo");
    let _ = redlint_core::check(inputs, &fs, &Options::default());
});
