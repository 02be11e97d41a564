//! Redis' glob matcher (`util.c: stringmatchlen`, case-sensitive), quirks included.
//!
//! What this reproduces of the 7.0.15 Debian build:
//! - `*` never matches at an empty string position when the string is empty: the main loop
//!   runs only while both pattern and string remain, so `*` does not match `""`;
//! - `[...]` classes: `^` negates, `\x` escapes, `a-z` ranges compare *signed* chars (bytes
//!   ≥ 0x80 are negative) and reversed ranges are swapped; an unterminated class ends at the
//!   pattern's end; `[a-]` reads `a-]` as a range and keeps looking for `]`;
//! - `\x` outside a class matches `x`; a trailing `\` matches itself;
//! - the CVE-2022-36021 fix: once a `*` has tried every position, every outer `*` gives up too
//!   (this keeps matching polynomial: O(pattern × string));
//! - the CVE-2024-31228 fix (backported by Debian, verified with KEYS on the real server):
//!   more than 1000 nested `*` recursions fail the match.
//!
//! Reads past the pattern's end see the NUL byte that terminates Redis' strings.

/// Match `string` against `pattern` exactly as Redis' `stringmatchlen(..., nocase=0)` does.
pub fn stringmatch(pattern: &[u8], string: &[u8]) -> bool {
    let mut skip_longer = false;
    matches_from(pattern, 0, string, 0, &mut skip_longer, 0)
}

/// The pattern byte at `i`, or the terminating NUL past the end.
fn at(p: &[u8], i: usize) -> u8 {
    p.get(i).copied().unwrap_or(0)
}

/// C `char` is signed on the platforms Redis is built for.
fn signed(b: u8) -> i32 {
    b as i8 as i32
}

fn matches_from(
    pat: &[u8],
    mut p: usize,
    s: &[u8],
    mut i: usize,
    skip_longer: &mut bool,
    nesting: u32,
) -> bool {
    if nesting > 1000 {
        return false;
    }
    while p < pat.len() && i < s.len() {
        match pat[p] {
            b'*' => {
                while p < pat.len() && at(pat, p + 1) == b'*' {
                    p += 1;
                }
                if pat.len() - p == 1 {
                    return true;
                }
                while i < s.len() {
                    if matches_from(pat, p + 1, s, i, skip_longer, nesting + 1) {
                        return true;
                    }
                    if *skip_longer {
                        return false;
                    }
                    i += 1;
                }
                *skip_longer = true;
                return false;
            }
            b'?' => i += 1,
            b'[' => {
                p += 1;
                let negate = at(pat, p) == b'^';
                if negate {
                    p += 1;
                }
                let mut matched = false;
                loop {
                    let left = pat.len() - p;
                    if at(pat, p) == b'\\' && left >= 2 {
                        p += 1;
                        if pat[p] == s[i] {
                            matched = true;
                        }
                    } else if at(pat, p) == b']' {
                        break;
                    } else if left == 0 {
                        p -= 1;
                        break;
                    } else if left >= 3 && pat[p + 1] == b'-' {
                        let (mut start, mut end) = (signed(pat[p]), signed(pat[p + 2]));
                        if start > end {
                            std::mem::swap(&mut start, &mut end);
                        }
                        let c = signed(s[i]);
                        p += 2;
                        if c >= start && c <= end {
                            matched = true;
                        }
                    } else if pat[p] == s[i] {
                        matched = true;
                    }
                    p += 1;
                }
                if negate {
                    matched = !matched;
                }
                if !matched {
                    return false;
                }
                i += 1;
            }
            b'\\' => {
                if pat.len() - p >= 2 {
                    p += 1;
                }
                if pat[p] != s[i] {
                    return false;
                }
                i += 1;
            }
            c => {
                if c != s[i] {
                    return false;
                }
                i += 1;
            }
        }
        p += 1;
        if i == s.len() {
            while at(pat, p) == b'*' {
                p += 1;
            }
            break;
        }
    }
    p == pat.len() && i == s.len()
}

#[cfg(test)]
mod tests {
    use super::stringmatch as m;

    #[test]
    fn basics() {
        assert!(m(b"*", b"abc"));
        assert!(!m(b"*", b""), "the main loop never runs on an empty string");
        assert!(m(b"", b""));
        assert!(!m(b"", b"a"));
        assert!(m(b"a*", b"a"));
        assert!(m(b"a**", b"a"));
        assert!(m(b"app:*", b"app:1"));
        assert!(!m(b"app:*", b"App:1"));
        assert!(m(b"h?llo", b"hello"));
        assert!(!m(b"h?llo", b"hllo"));
        assert!(m(b"h[ae]llo", b"hallo"));
        assert!(!m(b"h[^e]llo", b"hello"));
        assert!(m(b"h[a-b]llo", b"hbllo"));
        assert!(m(b"h[b-a]llo", b"hallo"), "reversed ranges are swapped");
        assert!(m(b"a\\*", b"a*"));
        assert!(!m(b"a\\*", b"ab"));
        assert!(m(b"a\\", b"a\\"));
        assert!(
            m(b"[abc", b"c"),
            "unterminated class ends at the end of the pattern"
        );
        // `a-]` is a range, so `[a-]x` is an unterminated class of `]`..`a` and `x`.
        assert!(m(b"[a-]x", b"]") && m(b"[a-]x", b"x") && !m(b"[a-]x", b"]x"));
        assert!(m(b"[a-]]", b"^") && !m(b"[a-]]", b"^]"));
        assert!(m(b"[^", b"z"));
        assert!(!m(b"[", b"z"));
        assert!(m(b"[\\]]", b"]"));
    }

    #[test]
    fn signed_char_ranges() {
        // 'a' (97) .. 0xff (-1) is swapped to -1..97: 0xff and '0' match, 'b' does not.
        assert!(m(b"[a-\xff]", b"\xff"));
        assert!(m(b"[a-\xff]", b"0"));
        assert!(!m(b"[a-\xff]", b"b"));
        assert!(!m(b"[a-\xff]", b"\x80"));
    }

    #[test]
    fn hostile_patterns_stay_fast_and_nesting_is_capped() {
        let s = vec![b'a'; 3000];
        let mut p = b"*a".repeat(1000);
        assert!(m(&p, &s));
        p.extend_from_slice(b"*a");
        assert!(!m(&p, &s), "1001 nested stars fail, as on the Debian build");
        let p = b"a*".repeat(5000);
        assert!(!m(&[p.as_slice(), b"b"].concat(), &vec![b'a'; 20000]));
        assert!(!m(&b"*?".repeat(50000), &vec![b'a'; 50000]));
    }
}
