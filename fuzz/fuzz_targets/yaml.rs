#![no_main]
//! Compose and Helm values: scalars point inside the input.
use libfuzzer_sys::fuzz_target;
use redlint_core::syntax::yaml;

fuzz_target!(|data: &[u8]| {
    let doc = yaml::parse(data);
    for e in &doc.entries {
        assert!(e.span.start <= e.span.end && e.span.end as usize <= data.len());
    }
});
