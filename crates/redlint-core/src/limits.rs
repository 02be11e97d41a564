//! Caps on what one run reads and follows, so that no input — hostile or accidental — can
//! crash redlint, hang it, or take the machine's memory with it.
//!
//! Each cap sits far beyond any real deployment (Redis' default redis.conf is 2,300 lines and
//! 110 KB; real include trees are two or three levels deep) and each, when hit, is said in
//! one `limit-exceeded` notice naming the cap, its value and why it exists; the CLI turns such
//! a notice into exit code 2 (the input was not fully checked). `docs/CLI.md` ("Limits")
//! lists them.

/// Largest file read and parsed. Checked from the file's metadata before reading, and again
/// on the bytes read (a file may grow, or lie about its size).
pub const MAX_FILE_BYTES: usize = 32 << 20;

/// Most lines in one file: every line may carry a finding, so this bounds the report too.
pub const MAX_LINES: usize = 200_000;

/// Deepest include nesting followed. Redis 7.0 has no limit and crashes on deep chains
/// (its loader recurses); redlint stops here instead.
pub const MAX_INCLUDE_DEPTH: usize = 32;

/// Most include loads of one server, repeats counted (Redis reads a file included twice
/// twice, so includes can grow exponentially without a cycle).
pub const MAX_INCLUDE_LOADS: usize = 10_000;

/// Most ACL selectors `(...)` in one file: each becomes a whole permission set when loaded.
pub const MAX_ACL_SELECTORS: usize = 100_000;

/// Most files one include glob loads.
pub const MAX_GLOB_MATCHES: usize = 1_000;

/// Most files in one run (given and referenced).
pub const MAX_FILES: usize = 10_000;

/// Most bytes over all files of one run.
pub const MAX_TOTAL_BYTES: usize = 256 << 20;

/// The `limit-exceeded` notice kind.
pub const NOTICE_KIND: &str = "limit-exceeded";

/// Number of lines as [`crate::source::LineIndex`] counts them (line feeds, plus the last
/// line), without building the index.
pub fn line_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|b| **b == b'\n').count() + 1
}

/// Why a file of `len` bytes and `lines` lines may not be parsed, if it may not.
pub fn file_refusal(len: usize, lines: usize) -> Option<String> {
    if len > MAX_FILE_BYTES {
        return Some(format!(
            "is {len} bytes, over the limit of {MAX_FILE_BYTES} bytes per file (no Redis configuration is that large; the cap keeps memory bounded)"
        ));
    }
    if lines > MAX_LINES {
        return Some(format!(
            "has {lines} lines, over the limit of {MAX_LINES} lines per file (no Redis configuration is that long; the cap keeps memory and output bounded)"
        ));
    }
    None
}

/// Selectors `(...)` of a parsed ACL file (tokens that open one).
pub fn acl_selectors(bytes: &[u8], doc: &crate::syntax::acl::AclDocument) -> usize {
    doc.tokens
        .iter()
        .filter(|t| bytes.get(t.start as usize) == Some(&b'('))
        .count()
}

/// Why an ACL file with `selectors` selectors may not be loaded, if it may not.
pub fn selector_refusal(selectors: usize) -> Option<String> {
    (selectors > MAX_ACL_SELECTORS).then(|| format!(
        "has {selectors} selectors `(...)`, over the limit of {MAX_ACL_SELECTORS} per file (real ACL files have a handful; each selector is a whole permission set in memory)"
    ))
}

/// Why an ACL file's bytes may not be loaded whole (size, lines, selectors), if they may not.
pub fn acl_refusal(bytes: &[u8]) -> Option<String> {
    file_refusal(bytes.len(), line_count(bytes))
        .or_else(|| selector_refusal(acl_selectors(bytes, &crate::syntax::acl::parse(bytes))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_names_the_cap() {
        assert!(file_refusal(10, 2).is_none());
        let m = file_refusal(MAX_FILE_BYTES + 1, 1).unwrap();
        assert!(m.contains("33554432 bytes per file"), "{m}");
        let m = file_refusal(10, MAX_LINES + 1).unwrap();
        assert!(m.contains("200000 lines per file"), "{m}");
        assert_eq!(line_count(b"a\nb\n"), 3);
    }
}
