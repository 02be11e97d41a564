#![no_main]
//! sentinel.conf through the model: parse, sentinel model and checks via the whole check.
use libfuzzer_sys::fuzz_target;
use redlint_core::fs::MemoryFs;
use redlint_core::{Input, Kind, Options};

fuzz_target!(|data: &[u8]| {
    let input = Input {
        path: "sentinel.conf".into(),
        host_path: Some("/etc/redis/sentinel.conf".into()),
        bytes: data.to_vec(),
        kind: Kind::Sentinel,
    };
    let _ = redlint_core::check(vec![input], &MemoryFs::new(), &Options::default());
});
