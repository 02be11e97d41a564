#![no_main]
//! redis.conf and sentinel.conf syntax: lossless, tokens inside their line.
use libfuzzer_sys::fuzz_target;
use redlint_core::syntax::conf;

fuzz_target!(|data: &[u8]| {
    let doc = conf::parse(data);
    assert_eq!(doc.print(data), data);
    for line in &doc.lines {
        for t in doc.tokens(line) {
            assert!(t.span.start >= line.content.start && t.span.end <= line.content.end);
            let _ = doc.value(data, t);
        }
    }
});
