#![no_main]
//! fix (unsafe fixes included) over a redis.conf and its ACL file split at the first NUL: the second fix has nothing left to do.
use libfuzzer_sys::fuzz_target;
use redlint_core::fs::MemoryFs;
use redlint_core::{Input, Kind, Options};

fn inputs(conf: &[u8], acl: &[u8]) -> Vec<Input> {
    vec![
        Input { path: "redis.conf".into(), host_path: Some("/repo/redis.conf".into()), bytes: conf.to_vec(), kind: Kind::Redis },
        Input { path: "users.acl".into(), host_path: Some("/repo/users.acl".into()), bytes: acl.to_vec(), kind: Kind::Acl },
    ]
}

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(2, |b| *b == 0);
    let conf = parts.next().unwrap_or_default();
    let acl = parts.next().unwrap_or_default();
    let mut fs = MemoryFs::new();
    fs.insert("/repo/redis.conf", conf.to_vec());
    fs.insert("/repo/users.acl", acl.to_vec());
    fs.cover("/repo");
    let _ = redlint_core::fix::fix(inputs(conf, acl), &fs, &Options::default(), true);
});
