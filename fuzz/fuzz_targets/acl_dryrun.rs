#![no_main]
//! The ACL dry run: an ACL file, then a user and a command line after the first NUL (words split on spaces).
use libfuzzer_sys::fuzz_target;
use redlint_core::acl;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(2, |b| *b == 0);
    let file = parts.next().unwrap_or_default();
    let rest = parts.next().unwrap_or_default();
    let mut words = rest.split(|b| *b == b' ');
    let user = String::from_utf8_lossy(words.next().unwrap_or_default()).into_owned();
    let argv: Vec<&[u8]> = words.collect();
    if argv.is_empty() {
        return;
    }
    for kind in [acl::Kind::Acl, acl::Kind::Redis] {
        let _ = acl::dryrun_file(file, kind, &user, &argv);
    }
});
