//! Every parser is lossless: printing the parsed document gives back the input byte for byte,
//! for arbitrary bytes and for every fixture and corpus file. Lines partition the input and
//! every token lies inside its line.

use proptest::prelude::*;
use redlint_core::syntax::{acl, conf, sysctl, yaml};

fn check_conf(bytes: &[u8]) {
    let doc = conf::parse(bytes);
    assert_eq!(doc.print(bytes), bytes);
    let mut pos = 0;
    for line in &doc.lines {
        assert_eq!(line.span.start as usize, pos);
        pos = line.span.end as usize;
        assert!(line.content.start >= line.span.start && line.content.end <= line.span.end);
        for t in doc.tokens(line) {
            assert!(t.span.start >= line.content.start && t.span.end <= line.content.end);
        }
    }
    assert_eq!(pos, bytes.len());
}

fn check_acl(bytes: &[u8]) {
    let doc = acl::parse(bytes);
    assert_eq!(doc.print(bytes), bytes);
    for line in &doc.lines {
        for t in doc.tokens(line) {
            assert!(t.start >= line.content.start && t.end <= line.content.end);
        }
    }
}

fn check_sysctl(bytes: &[u8]) {
    let doc = sysctl::parse(bytes);
    assert_eq!(doc.print(bytes), bytes);
}

/// Compose and Helm values are read as a list of scalars, not a lossless document: every
/// entry must still point inside the input, and parsing never panics.
fn check_yaml(bytes: &[u8]) {
    let doc = yaml::parse(bytes);
    for e in &doc.entries {
        assert!(e.span.start <= e.span.end && e.span.end as usize <= bytes.len());
    }
    if let Some((at, _)) = &doc.error {
        assert!(*at as usize <= bytes.len());
    }
}

fn all(bytes: &[u8]) {
    check_yaml(bytes);
    check_conf(bytes);
    check_acl(bytes);
    check_sysctl(bytes);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        all(&bytes);
    }

    /// Bytes drawn mostly from the characters that matter to the lexers.
    #[test]
    fn config_like_bytes_round_trip(bytes in proptest::collection::vec(
        prop_oneof![Just(b' '), Just(b'\t'), Just(b'\r'), Just(b'\n'), Just(b'"'), Just(b'\''), Just(b'\\'),
                    Just(b'#'), Just(b'x'), Just(b'='), Just(b';'), Just(b'('), Just(b')'), Just(0x0b), b'a'..=b'f',
                    Just(b':'), Just(b'-'), Just(b'|'), Just(b'>'), Just(b'['), Just(b'{'), Just(b'&'), Just(b'*')],
        0..512)) {
        all(&bytes);
    }
}

fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn every_fixture_and_corpus_file_round_trips() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    walk(&root.join("tests/fixtures"), &mut files);
    walk(&root.join("../shared/corpus/real-world"), &mut files);
    assert!(!files.is_empty());
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        all(&bytes);
    }
}
