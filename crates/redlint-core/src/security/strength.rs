//! How hard a Redis password is to guess.
//!
//! Redis answers `AUTH` as fast as any other command and never slows down failed attempts, so
//! a client that can reach the port tries hundreds of thousands of passwords per second; a
//! leaked ACL file (unsalted SHA-256) is attacked offline far faster. Passwords made of words
//! and a year are what such attacks try first, in any combination and with any separator.
//!
//! The estimate splits a password into parts (letter runs, split at case changes; digit runs;
//! separators), prices each part with zxcvbn (dictionaries, names, years, keyboard patterns,
//! repeats; the deployment's own names count as the most likely words) or, for random-looking
//! parts, by the size of their character classes, and adds the choice of the parts' order.
//! A separator repeated between parts is chosen once. The result is the base-10 logarithm of
//! the number of guesses a pattern-aware attack needs.
//!
//! The estimate needs zxcvbn's dictionaries (the `zxcvbn` feature, on by default). A build
//! without them (the browser's first load) prices passwords through a [`Judge`] given in
//! `Options::strength`, which may not be able to answer yet.

// Without the dictionaries only the estimate's helpers that name splitting needs are used.
#![cfg_attr(not(feature = "zxcvbn"), allow(dead_code))]

use std::collections::HashMap;
use std::sync::OnceLock;

#[cfg(feature = "zxcvbn")]
use zxcvbn::matching::patterns::MatchPattern;

/// Below this many guesses (log10) a password is an error: an online attack finds it in days.
pub const ERROR_BELOW: f64 = 12.0;
/// Below this many guesses (log10) a password is weak: an offline attack on its SHA-256, or
/// a patient online one, finds it.
pub const WARNING_BELOW: f64 = 15.0;

/// Only the first characters are examined (zxcvbn's own limit; keeps the cost bounded).
const MAX_CHARS: usize = 100;
/// Passwords up to this length are also priced whole (see [`estimate`]).
const WHOLE_MAX_CHARS: usize = 32;

/// Words an attacker of a Redis deployment tries first, besides the deployment's own names.
const INFRA_WORDS: &[&str] = &[
    "redis",
    "sentinel",
    "master",
    "replica",
    "slave",
    "cluster",
    "cache",
    "db",
    "data",
    "prod",
    "production",
    "dev",
    "develop",
    "development",
    "staging",
    "stage",
    "test",
    "qa",
    "uat",
    "app",
    "api",
    "web",
    "admin",
    "root",
    "user",
    "monitor",
    "monitoring",
    "ops",
    "backup",
    "secure",
    "security",
    "pass",
    "password",
    "passwd",
    "pwd",
    "secret",
    "key",
    "auth",
    "default",
    "docker",
    "compose",
    "k8s",
    "kube",
    "kubernetes",
    "helm",
    "server",
    "service",
    "platform",
    "node",
    "internal",
    "local",
    "company",
    "corp",
    "team",
    "my",
    "new",
    "main",
    "primary",
    "exporter",
    "metrics",
    "session",
    "queue",
    "worker",
];

/// What the parts of a password are, for a message (counts only: never the text).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parts {
    /// Names used in this deployment (users, masters) and infrastructure words.
    pub context_words: usize,
    /// Words from zxcvbn's dictionaries (English, names, common passwords).
    pub dictionary_words: usize,
    /// Years and dates.
    pub dates: usize,
    /// Keyboard walks, sequences, repeats.
    pub patterns: usize,
    /// Parts that look random.
    pub random: usize,
    /// Separators between parts.
    pub separators: usize,
    /// Characters examined.
    pub chars: usize,
}

impl Parts {
    /// "made of 2 names used in this deployment, 1 common word, a year and separators".
    pub fn describe(&self) -> String {
        let mut items = Vec::new();
        let plural = |n: usize, one: &str, many: &str| {
            if n == 1 {
                one.to_string()
            } else {
                format!("{n} {many}")
            }
        };
        if self.context_words > 0 {
            items.push(plural(
                self.context_words,
                "a word an attacker of this deployment tries first (a user, master or service name, or an infrastructure word)",
                "words an attacker of this deployment tries first (user, master and service names, infrastructure words)",
            ));
        }
        if self.dictionary_words > 0 {
            items.push(plural(
                self.dictionary_words,
                "a common word",
                "common words",
            ));
        }
        if self.dates > 0 {
            items.push(plural(self.dates, "a year or date", "years or dates"));
        }
        if self.patterns > 0 {
            items.push(plural(
                self.patterns,
                "a keyboard pattern, sequence or repeat",
                "keyboard patterns, sequences or repeats",
            ));
        }
        if self.random > 0 {
            items.push(plural(
                self.random,
                "a short random part",
                "short random parts",
            ));
        }
        if self.separators > 0 {
            items.push("separators".to_string());
        }
        let only_random = self.random > 0
            && self.context_words + self.dictionary_words + self.dates + self.patterns == 0;
        if only_random {
            return format!(
                "only {} characters long, too short even for random characters",
                self.chars
            );
        }
        match items.len() {
            0 => format!("{} characters long", self.chars),
            1 => format!("made of {}", items[0]),
            n => format!("made of {} and {}", items[..n - 1].join(", "), items[n - 1]),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// log10 of the guesses a pattern-aware attack needs.
    pub log10: f64,
    pub parts: Parts,
}

impl Estimate {
    /// Flat form for a judge in another module (the browser's lazily loaded strength
    /// module): log10, then the counts of [`Parts`] in declaration order.
    pub fn to_array(&self) -> [f64; 8] {
        let p = &self.parts;
        [
            self.log10,
            p.context_words as f64,
            p.dictionary_words as f64,
            p.dates as f64,
            p.patterns as f64,
            p.random as f64,
            p.separators as f64,
            p.chars as f64,
        ]
    }

    /// The inverse of [`Estimate::to_array`]; `None` for anything else (a judge that
    /// answered nonsense is treated as no answer).
    pub fn from_slice(v: &[f64]) -> Option<Estimate> {
        let [log10, counts @ ..] = v else {
            return None;
        };
        let count = |x: f64| (x >= 0.0 && x.fract() == 0.0 && x < 1e9).then_some(x as usize);
        let c: Vec<usize> = counts.iter().map(|x| count(*x)).collect::<Option<_>>()?;
        let [context_words, dictionary_words, dates, patterns, random, separators, chars] =
            c.as_slice().try_into().ok()?;
        log10.is_finite().then_some(Estimate {
            log10: *log10,
            parts: Parts {
                context_words,
                dictionary_words,
                dates,
                patterns,
                random,
                separators,
                chars,
            },
        })
    }
}

/// Who prices a password for RL401 weak-password (`Options::strength`): [`estimate`] itself
/// when the build has zxcvbn's dictionaries; in the browser, a lazily loaded second module.
/// `None` from the judge means "cannot answer yet": the password is not judged and the run
/// carries a `strength-pending` notice, so a missing judge never reads as a strong password.
#[derive(Clone, Copy)]
pub struct Judge(pub fn(&[u8], &[String]) -> Option<Estimate>);

impl Judge {
    /// zxcvbn's dictionaries and patterns, in this build.
    #[cfg(feature = "zxcvbn")]
    pub fn builtin() -> Judge {
        Judge(|password, context| Some(estimate(password, context)))
    }

    /// No judge: every password that would be priced is pending.
    pub fn absent() -> Judge {
        Judge(|_, _| None)
    }

    pub fn estimate(&self, password: &[u8], context: &[String]) -> Option<Estimate> {
        (self.0)(password, context)
    }
}

/// The built-in judge when the build has it, else none.
impl Default for Judge {
    #[cfg(feature = "zxcvbn")]
    fn default() -> Judge {
        Judge::builtin()
    }

    #[cfg(not(feature = "zxcvbn"))]
    fn default() -> Judge {
        Judge::absent()
    }
}

impl std::fmt::Debug for Judge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Judge")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Lower,
    Upper,
    Digit,
    Other,
}

fn class(c: char) -> Class {
    if c.is_ascii_digit() {
        Class::Digit
    } else if c.is_uppercase() {
        Class::Upper
    } else if c.is_alphabetic() {
        Class::Lower
    } else {
        Class::Other
    }
}

fn is_letter(c: Class) -> bool {
    matches!(c, Class::Lower | Class::Upper)
}

/// Split into letter runs (at case changes: `changeThis` → `change`, `This`; `AIPlatform` →
/// `AI`, `Platform`), digit runs and runs of other characters.
fn segments(chars: &[char]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=chars.len() {
        if i == chars.len() {
            out.push((start, i));
            break;
        }
        let (p, c) = (class(chars[i - 1]), class(chars[i]));
        let boundary = if is_letter(p) && is_letter(c) {
            let next_lower = chars.get(i + 1).is_some_and(|n| class(*n) == Class::Lower);
            (p == Class::Lower && c == Class::Upper)
                || (p == Class::Upper && c == Class::Upper && next_lower && i - start > 1)
        } else {
            p != c
        };
        if boundary {
            out.push((start, i));
            start = i;
        }
    }
    out
}

/// log10 of the character-class space of a string: `pool ^ len`.
fn brute_log10(s: &[char]) -> f64 {
    let (mut lower, mut upper, mut digit, mut other) = (false, false, false, false);
    for c in s {
        match class(*c) {
            Class::Lower => lower = true,
            Class::Upper => upper = true,
            Class::Digit => digit = true,
            Class::Other => other = true,
        }
    }
    let pool = 26 * usize::from(lower)
        + 26 * usize::from(upper)
        + 10 * usize::from(digit)
        + 33 * usize::from(other);
    s.len() as f64 * (pool.max(1) as f64).log10()
}

fn log10_factorial(n: usize) -> f64 {
    (2..=n).map(|k| (k as f64).log10()).sum()
}

/// Separators people put between the words of a password.
fn common_separator(c: char) -> bool {
    "_-.!@#$%&*+=~:/ |,;".contains(c)
}

/// Price one letter or digit run with zxcvbn, counting what it found.
#[cfg(feature = "zxcvbn")]
fn price(seg: &[char], context: &[&str], parts: &mut Parts) -> f64 {
    let text: String = seg.iter().collect();
    let entropy = zxcvbn::zxcvbn(&text, context);
    let mut log10 = log10_factorial(entropy.sequence().len());
    let mut found = Parts::default();
    for m in entropy.sequence() {
        let token: Vec<char> = m.token.chars().collect();
        let guesses = m.guesses.unwrap_or(u64::MAX) as f64;
        match &m.pattern {
            MatchPattern::BruteForce => {
                log10 += brute_log10(&token);
                found.random += 1;
            }
            MatchPattern::Dictionary(d) => {
                log10 += guesses.log10();
                if context.contains(&d.matched_word.as_str()) {
                    found.context_words += 1;
                } else {
                    found.dictionary_words += 1;
                }
            }
            MatchPattern::Date(_) => {
                log10 += guesses.log10();
                found.dates += 1;
            }
            MatchPattern::Regex(r) if r.regex_name == "recent_year" => {
                log10 += guesses.log10();
                found.dates += 1;
            }
            _ => {
                log10 += guesses.log10();
                found.patterns += 1;
            }
        }
    }
    let brute = brute_log10(seg);
    if brute <= log10 {
        parts.random += 1;
        return brute;
    }
    parts.context_words += found.context_words;
    parts.dictionary_words += found.dictionary_words;
    parts.dates += found.dates;
    parts.patterns += found.patterns;
    parts.random += found.random;
    log10
}

/// Estimate how many guesses (log10) a pattern-aware attack needs. `context`: names from the
/// deployment (user names, master names, host names), lower-case.
#[cfg(feature = "zxcvbn")]
pub fn estimate(password: &[u8], context: &[String]) -> Estimate {
    let text = String::from_utf8_lossy(password);
    let chars: Vec<char> = text.chars().take(MAX_CHARS).collect();
    let mut parts = Parts {
        chars: chars.len(),
        ..Parts::default()
    };
    if chars.is_empty() {
        return Estimate { log10: 0.0, parts };
    }
    let mut inputs: Vec<&str> = context.iter().map(String::as_str).collect();
    inputs.extend(INFRA_WORDS);
    let mut log10 = 0.0;
    let mut separators_used: Vec<char> = Vec::new();
    let mut words = 0;
    for (a, b) in segments(&chars) {
        let seg = &chars[a..b];
        if class(seg[0]) == Class::Other && seg.len() == 1 && common_separator(seg[0]) {
            parts.separators += 1;
            if !separators_used.contains(&seg[0]) {
                separators_used.push(seg[0]);
                log10 += 1.0;
            }
            continue;
        }
        words += 1;
        log10 += price(seg, &inputs, &mut parts);
    }
    log10 += log10_factorial(words);
    // The whole string at once finds what splitting hides (`P@ssw0rd`: l33t across classes).
    // zxcvbn's cost grows fast with length; longer passwords rely on the parts.
    if chars.len() <= WHOLE_MAX_CHARS {
        let mut whole_parts = Parts {
            chars: chars.len(),
            ..Parts::default()
        };
        let whole = price(&chars, &inputs, &mut whole_parts);
        if whole < log10 {
            log10 = whole;
            parts = whole_parts;
        }
    }
    Estimate {
        log10: log10.min(brute_log10(&chars)),
        parts,
    }
}

/// The deployment's own words from a name: `ai-redis-master` → `ai-redis-master`, `ai`,
/// `redis`, `master`; lower-case, at least two characters. The caller dedups (see
/// [`dedup_context`]).
pub fn context_words(name: &[u8], out: &mut Vec<String>) {
    let s = String::from_utf8_lossy(name).to_lowercase();
    let chars: Vec<char> = s.chars().collect();
    if chars.len() >= 2 {
        out.push(s.clone());
    }
    for (a, b) in segments(&chars) {
        let w: String = chars[a..b].iter().collect();
        if b - a >= 2 && w.chars().all(char::is_alphanumeric) {
            out.push(w);
        }
    }
}

/// At most this many context words are kept (zxcvbn ranks each of them per call).
pub const MAX_CONTEXT: usize = 256;

/// Remove repeated context words, keeping the first occurrence, and cap the list.
pub fn dedup_context(words: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    words.retain(|w| seen.insert(w.clone()));
    words.truncate(MAX_CONTEXT);
}

/// An unexpanded template instead of a password: `${REDIS_PASSWORD}`, `$REDIS_PASSWORD`,
/// `{{ .Values.password }}`, `%(password)s`, `<%= @password %>`, `@REDIS_PASSWORD@`,
/// `__REDIS_PASSWORD__`, `$(cat /run/secrets/x)`. Returns the syntax's name.
pub fn template(password: &[u8]) -> Option<&'static str> {
    let s = String::from_utf8_lossy(password);
    let s = s.trim();
    let ident = |t: &str| {
        !t.is_empty()
            && t.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            && t.chars().next().is_some_and(|c| !c.is_ascii_digit())
    };
    if let Some(i) = s.find("${") {
        if s[i..].contains('}') {
            return Some("a shell/Compose variable `${…}`");
        }
    }
    if s.contains("$(") && s.contains(')') {
        return Some("a shell command substitution `$(…)`");
    }
    if s.strip_prefix('$')
        .is_some_and(|t| ident(t) && t.len() >= 3)
    {
        return Some("a shell variable `$NAME`");
    }
    if let Some(i) = s.find("{{") {
        if s[i..].contains("}}") {
            return Some("a Helm/Jinja/Go template `{{ … }}`");
        }
    }
    if s.contains("{%") && s.contains("%}") {
        return Some("a Jinja template `{% … %}`");
    }
    if s.contains("<%") && s.contains("%>") {
        return Some("an ERB template `<%= … %>`");
    }
    if s.contains("%(") && s.contains(")s") {
        return Some("a Python format `%(name)s`");
    }
    if s.len() > 2 && s.starts_with('@') && s.ends_with('@') && ident(&s[1..s.len() - 1]) {
        return Some("an autoconf/sed placeholder `@NAME@`");
    }
    if s.len() > 4 && s.starts_with("__") && s.ends_with("__") && ident(s.trim_matches('_')) {
        return Some("a sed placeholder `__NAME__`");
    }
    if s.len() > 2 && s.starts_with('%') && s.ends_with('%') && ident(&s[1..s.len() - 1]) {
        return Some("a Windows variable `%NAME%`");
    }
    None
}

/// Placeholders and documentation examples, compared lower-case with everything but letters
/// and digits removed (`Change_This-To.Secure Password` is `changethistosecurepassword`).
const PLACEHOLDERS: &[&str] = &[
    // Redis' own documentation and redis.conf.
    "foobared",
    "somepassword",
    "p1pp0",
    "mypasswd",
    "hunter2",
    // "Change me" and "your password here".
    "changeme",
    "changeit",
    "changethis",
    "changethispassword",
    "changethistosecurepassword",
    "pleasechangeme",
    "replaceme",
    "yourpassword",
    "yourpasswordhere",
    "yourredispassword",
    "yourstrongpassword",
    "yoursecurepassword",
    "yoursecretpassword",
    "yoursecret",
    "enteryourpassword",
    "enterpassword",
    "insertpasswordhere",
    "passwordhere",
    "setme",
    "setpassword",
    "todo",
    "tbd",
    "fixme",
    "placeholder",
    "dummy",
    "example",
    "examplepassword",
    "sample",
    "demo",
    "xxx",
    "xxxx",
    "xxxxx",
    "xxxxxx",
    "xxxxxxxx",
    // What everyone tries first.
    "password",
    "password1",
    "password12",
    "password123",
    "passw0rd",
    "pssw0rd",
    "pass",
    "pass123",
    "passwd",
    "pwd",
    "secret",
    "secret123",
    "mysecret",
    "mysecretpassword",
    "supersecret",
    "supersecretpassword",
    "topsecret",
    "secretpassword",
    "mypassword",
    "mypass",
    "strongpassword",
    "securepassword",
    "mysecurepassword",
    "mystrongpassword",
    "redis",
    "redis123",
    "redispass",
    "redispassword",
    "myredispassword",
    "redisredis",
    "sentinel",
    "sentinelpassword",
    "master",
    "masterpassword",
    "admin",
    "admin123",
    "administrator",
    "root",
    "toor",
    "default",
    "test",
    "test123",
    "testing",
    "testpassword",
    "guest",
    "letmein",
    "welcome",
    "qwerty",
    "123456",
    "12345678",
    "123456789",
    "1234567890",
    "1234",
    "12345",
    "abc123",
    "foobar",
    "foo",
    "bar",
    "baz",
    "none",
    "null",
    "nopass",
    "empty",
    "temp",
    "temporary",
    "insecure",
    "notsecure",
];

/// Substrings that only ever appear in placeholders.
const PLACEHOLDER_MARKERS: &[&str] = &[
    "changeme",
    "changethis",
    "replaceme",
    "replacewith",
    "yourpassword",
    "yourredis",
    "yoursecret",
    "yourstrong",
    "yoursecure",
    "enteryour",
    "insertyour",
    "putyour",
    "setyour",
    "passwordhere",
    "secrethere",
    "pleasechange",
    "tobechanged",
];

fn normalize(password: &[u8]) -> String {
    String::from_utf8_lossy(password)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// A placeholder or documentation example instead of a password.
pub fn placeholder(password: &[u8]) -> bool {
    let s = String::from_utf8_lossy(password);
    let t = s.trim();
    // `<password>`, `[PASSWORD]`, `{password}`: a slot to fill in; `***`: a redacted copy.
    let wrapped = [('<', '>'), ('[', ']'), ('{', '}')]
        .iter()
        .any(|(a, b)| t.len() > 2 && t.starts_with(*a) && t.ends_with(*b));
    if wrapped || (!t.is_empty() && t.chars().all(|c| c == '*')) {
        return true;
    }
    let n = normalize(password);
    if n.is_empty() {
        return false;
    }
    PLACEHOLDERS.contains(&n.as_str()) || PLACEHOLDER_MARKERS.iter().any(|m| n.contains(m))
}

/// SHA-256 of the placeholders as people write them, for `#<hash>` rules.
fn placeholder_digests() -> &'static HashMap<[u8; 32], ()> {
    static DIGESTS: OnceLock<HashMap<[u8; 32], ()>> = OnceLock::new();
    DIGESTS.get_or_init(|| {
        let mut m = HashMap::new();
        for p in PLACEHOLDERS {
            let mut cap = p.to_string();
            if let Some(f) = cap.get_mut(0..1) {
                f.make_ascii_uppercase();
            }
            for v in [p.to_string(), cap, p.to_uppercase()] {
                m.insert(super::credentials::sha256(v.as_bytes()), ());
            }
        }
        for extra in [
            "changeThisToSecurePassword",
            "<password>",
            "your_password",
            "your-password",
        ] {
            m.insert(super::credentials::sha256(extra.as_bytes()), ());
        }
        m
    })
}

/// A `#<hash>` of a well-known placeholder.
pub fn placeholder_digest(digest: &[u8; 32]) -> bool {
    placeholder_digests().contains_key(digest)
}

/// The password is the user name, give or take case, separators and a short number.
pub fn equals_user(password: &[u8], user: &[u8]) -> bool {
    let p = normalize(password);
    let u = normalize(user);
    if u.is_empty() || p.is_empty() {
        return false;
    }
    if p == u {
        return true;
    }
    // `app1`, `app2024`, `1app`: the name plus at most four digits.
    let rest = p
        .strip_prefix(u.as_str())
        .or_else(|| p.strip_suffix(u.as_str()));
    rest.is_some_and(|r| r.len() <= 4 && r.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(words: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        for w in words {
            context_words(w.as_bytes(), &mut out);
        }
        dedup_context(&mut out);
        out
    }

    #[test]
    fn segments_split_at_case_and_class() {
        let split = |s: &str| {
            let c: Vec<char> = s.chars().collect();
            segments(&c)
                .into_iter()
                .map(|(a, b)| c[a..b].iter().collect::<String>())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            split("AI_Platform_Redis_2024_Secure"),
            ["AI", "_", "Platform", "_", "Redis", "_", "2024", "_", "Secure"]
        );
        assert_eq!(
            split("changeThisToSecurePassword"),
            ["change", "This", "To", "Secure", "Password"]
        );
        assert_eq!(split("AIPlatform2024"), ["AI", "Platform", "2024"]);
        assert_eq!(split("x"), ["x"]);
    }

    #[test]
    #[cfg(feature = "zxcvbn")]
    fn product_name_and_year_passwords_are_weak() {
        let deployment = ctx(&[
            "default",
            "ai_platform",
            "monitor",
            "admin",
            "ai-redis-master",
        ]);
        for pw in [
            "AI_Platform_Redis_2024_Secure",
            "AI_Platform_App_Redis_2024",
            "Monitor_Redis_2024",
            "Admin_Redis_2024",
            "AI_Platform_Sentinel_2024",
            "RedisProd#2023",
            "Summer2024!",
        ] {
            let e = estimate(pw.as_bytes(), &deployment);
            assert!(e.log10 < ERROR_BELOW, "{pw}: {e:?}");
        }
        // Without the deployment's names, the same pattern is still weak.
        let e = estimate(b"AI_Platform_Redis_2024_Docker", &[]);
        assert!(e.log10 < WARNING_BELOW, "{e:?}");
        let e = estimate(b"Monitor_Redis_2024", &deployment);
        assert!(e.parts.context_words >= 2 && e.parts.dates == 1, "{e:?}");
        assert!(e.parts.describe().contains("a year"));
    }

    #[test]
    #[cfg(feature = "zxcvbn")]
    fn random_passwords_are_strong() {
        for pw in [
            "q7Vx9LmP2zR4tW8nK3bY",
            "b840fc02d524045429941cc15f59e41cb7be6c52a1b2c3d4e5f60718293a4b5c",
            "Xk2#vP9!qL7@mZ4$wR8^",
            "kqzvhwpxmtrbnjdsfgly",
        ] {
            let e = estimate(pw.as_bytes(), &[]);
            assert!(e.log10 >= WARNING_BELOW, "{pw}: {e:?}");
        }
    }

    #[test]
    #[cfg(feature = "zxcvbn")]
    fn short_and_common_passwords_are_weak() {
        for pw in [
            "",
            "a",
            "secret",
            "P@ssw0rd2024",
            "x7Kp2mQz",
            "aaaaaaaaaaaaaaaaaaaaaaaa",
        ] {
            let e = estimate(pw.as_bytes(), &[]);
            assert!(e.log10 < WARNING_BELOW, "{pw}: {e:?}");
        }
        // Four random common words: weak against an offline attack.
        let e = estimate(b"correcthorsebatterystaple", &[]);
        assert!(e.log10 < WARNING_BELOW && e.log10 >= ERROR_BELOW, "{e:?}");
    }

    #[test]
    #[cfg(feature = "zxcvbn")]
    fn long_inputs_are_bounded() {
        let long = "ab".repeat(5000);
        let e = estimate(long.as_bytes(), &[]);
        assert!(e.parts.chars == MAX_CHARS);
        let bytes: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
        let _ = estimate(&bytes, &[]);
    }

    #[test]
    fn estimates_cross_a_module_boundary_unchanged() {
        let e = Estimate {
            log10: 11.293_847_1,
            parts: Parts {
                context_words: 2,
                dates: 1,
                separators: 3,
                chars: 18,
                ..Parts::default()
            },
        };
        assert_eq!(Estimate::from_slice(&e.to_array()), Some(e));
        assert_eq!(Estimate::from_slice(&[1.0, 2.0]), None);
        assert_eq!(
            Estimate::from_slice(&[f64::NAN, 0., 0., 0., 0., 0., 0., 0.]),
            None
        );
        assert_eq!(
            Estimate::from_slice(&[1.0, -1., 0., 0., 0., 0., 0., 0.]),
            None
        );
        assert_eq!(Judge::absent().estimate(b"secret", &[]), None);
    }

    #[test]
    fn placeholders_and_templates() {
        for p in [
            "foobared",
            "changeme",
            "changeThisToSecurePassword",
            "Change-This-To-Secure-Password",
            "yourpassword",
            "your_password",
            "YOUR_REDIS_PASSWORD_HERE",
            "<password>",
            "[PASSWORD]",
            "***",
            "password",
            "Secret",
            "REDIS",
            "admin",
            "mypassword",
        ] {
            assert!(placeholder(p.as_bytes()), "{p}");
        }
        for p in ["AI_Platform_Redis_2024_Secure", "q7Vx9LmP2zR4tW8nK3bY", ""] {
            assert!(!placeholder(p.as_bytes()), "{p}");
        }
        for t in [
            "${REDIS_PASSWORD}",
            "${REDIS_PASSWORD:-x}",
            "$REDIS_PASSWORD",
            "{{ .Values.auth.password }}",
            "{{password}}",
            "%(password)s",
            "<%= @redis_password %>",
            "@REDIS_PASSWORD@",
            "__REDIS_PASSWORD__",
            "$(cat /run/secrets/redis)",
        ] {
            assert!(template(t.as_bytes()).is_some(), "{t}");
        }
        for t in ["pa$$word", "$a", "q7Vx9LmP2zR4tW8nK3bY", "{x}"] {
            assert!(template(t.as_bytes()).is_none(), "{t}");
        }
        assert!(placeholder_digest(&super::super::credentials::sha256(
            b"foobared"
        )));
        assert!(!placeholder_digest(&super::super::credentials::sha256(
            b"q7Vx9LmP2zR4tW8nK3bY"
        )));
    }

    #[test]
    fn password_equal_to_user() {
        assert!(equals_user(b"app", b"app"));
        assert!(equals_user(b"App", b"app"));
        assert!(equals_user(b"ai-platform", b"ai_platform"));
        assert!(equals_user(b"app2024", b"app"));
        assert!(!equals_user(b"app_Xk2#vP9!qL7", b"app"));
        assert!(!equals_user(b"", b"app"));
    }
}
