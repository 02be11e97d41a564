#![no_main]
//! ACL file syntax: lossless.
use libfuzzer_sys::fuzz_target;
use redlint_core::syntax::acl;

fuzz_target!(|data: &[u8]| {
    let doc = acl::parse(data);
    assert_eq!(doc.print(data), data);
});
