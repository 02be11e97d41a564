#![no_main]
//! sysctl.d syntax: lossless.
use libfuzzer_sys::fuzz_target;
use redlint_core::syntax::sysctl;

fuzz_target!(|data: &[u8]| {
    let doc = sysctl::parse(data);
    assert_eq!(doc.print(data), data);
});
