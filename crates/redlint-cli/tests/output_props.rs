//! Property: for arbitrary input bytes around a planted secret (`requirepass`, `masterauth`,
//! an ACL `>password`) and hostile control characters (ESC, CSI, OSC, BEL, U+202E, C1), no
//! output format writes the secret, its SHA-256, a raw control character or a C1/bidi
//! override — on stdout or stderr — and the process ends with a status, never a panic.
//!
//! Rendering needs the whole pipeline (files, model, rules, redaction), so each case drives
//! the binary once per format: few cases, many formats.

mod common;

use common::{redlint_in as run, Scratch, FORMATS};
use std::process::Output;

use proptest::prelude::*;

/// Hostile sequences a terminal or an editor would interpret.
const CONTROLS: &[&str] = &[
    "\x1b",
    "\x1b[2J",
    "\x1b[31m",
    "\x1b]0;title\x07",
    "\x07",
    "\u{202e}",
    "\u{9b}",
    "\u{85}",
    "\u{9d}",
    "\x00",
    "\x7f",
    "\x08",
    "\x0b",
    "\x0c",
    "\r",
];

/// A piece of a line: arbitrary bytes (invalid UTF-8 included), a control sequence, or a
/// fragment of real syntax.
fn piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..24),
        prop::sample::select(CONTROLS).prop_map(|c| c.as_bytes().to_vec()),
        prop::sample::select(vec![
            "port ",
            "bind 0.0.0.0",
            "logfile \"",
            "user x on ",
            "\"",
            " ",
            "maxmemory 1gb",
            "rename-command ",
            "unknown-thing ",
            "\n",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        // A lone C1 byte: invalid UTF-8 that some terminals read as CSI.
        Just(vec![0x9b]),
    ]
}

fn line() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(piece(), 1..4).prop_map(|p| p.concat())
}

/// Where the secret is planted: (file name, line with `{}` for the secret).
const PLACES: &[(&str, &str)] = &[
    ("redis.conf", "requirepass {}"),
    ("redis.conf", "masterauth {}"),
    ("redis.conf", "requirepass \"{}\""),
    ("redis.conf", "user app on >{} ~* +@all"),
    ("redis.conf", "requirepass {} \x1b[2J"),
    ("redis.conf", "masterauth \x1b]0;t\x07{}"),
    ("users.acl", "user app on >{} ~* +@all"),
    ("users.acl", "user \u{202e}app on >{} >{}2 ~*"),
];

/// The bytes that must never reach a terminal raw: C0 controls but `\n` and `\t`, and DEL.
fn is_forbidden_byte(b: u8) -> bool {
    matches!(b, 0x00..=0x08 | 0x0b..=0x1f | 0x7f)
}

/// Characters that reorder or hide text, or act as controls on some terminals.
fn is_forbidden_char(c: char) -> bool {
    matches!(c, '\u{80}'..='\u{9f}' | '\u{202e}')
}

fn assert_clean(what: &str, out: &Output, secret: &str) {
    assert!(
        matches!(out.status.code(), Some(0..=2)),
        "{what}: ended with {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let hash = redlint_core::acl::sha256::hex_digest(secret.as_bytes());
    for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let text = String::from_utf8_lossy(bytes);
        assert!(!text.contains("panicked"), "{what} {stream}: panic: {text}");
        assert!(
            !text.contains(secret),
            "{what} {stream} shows the secret:\n{text}"
        );
        assert!(
            !text.contains(&hash),
            "{what} {stream} shows its SHA-256:\n{text}"
        );
        if let Some(i) = bytes.iter().position(|b| is_forbidden_byte(*b)) {
            panic!(
                "{what} {stream} writes the raw byte {:#04x} at {i}:\n{text:?}",
                bytes[i]
            );
        }
        if let Some(c) = text.chars().find(|c| is_forbidden_char(*c)) {
            panic!("{what} {stream} writes {c:?}:\n{text:?}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn no_format_writes_a_secret_or_a_control_character(
        place in 0..PLACES.len(),
        secret in "[A-Za-z0-9]{12,20}",
        before in prop::collection::vec(line(), 0..4),
        after in prop::collection::vec(line(), 0..4),
        case in any::<u64>(),
    ) {
        let secret = format!("Zq{secret}");
        let (name, place) = PLACES[place];
        let mut text = before.join(&b"\n"[..]);
        text.push(b'\n');
        text.extend_from_slice(place.replace("{}", &secret).as_bytes());
        text.push(b'\n');
        text.extend_from_slice(&after.join(&b"\n"[..]));
        let shown = String::from_utf8_lossy(&text).into_owned();
        let s = Scratch::new(&format!("output-props-{case}"));
        std::fs::write(s.0.join(name), &text).unwrap();
        for format in FORMATS {
            let out = run(&s.0, &["check", name, "--format", format]);
            assert_clean(&format!("check --format {format} on {shown:?}"), &out, &secret);
        }
        let out = run(&s.0, &["fix", "--diff", "--unsafe-fixes", name]);
        assert_clean(&format!("fix --diff on {shown:?}"), &out, &secret);
    }
}
