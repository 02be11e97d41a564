//! Value grammars of redis.conf 7.0.15, each mirroring the C function Redis uses (named in
//! the doc comments), including its corner cases: `string2ll` refuses leading zeros and `+`,
//! `memtoull` takes `""` and a bare unit as 0 and wraps on overflow, `strtoll`-based parsers
//! (`save`, `oom-score-adj-values`, octal) accept blanks and a sign, `strtod` accepts hex.

use super::{closest, cstr, DirectiveSpec};

/// Why Redis refuses a value: its own message, and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    /// The message Redis prints (`argument must be a memory value`).
    pub redis: String,
    /// What to write instead.
    pub help: Option<String>,
    /// Which value argument is at fault (0-based among the values), when one is.
    pub arg: Option<usize>,
    /// The number of values is wrong (rather than one of them).
    pub arity: bool,
}

impl ValueError {
    pub fn new(redis: impl Into<String>) -> ValueError {
        ValueError {
            redis: redis.into(),
            help: None,
            arg: None,
            arity: false,
        }
    }
    pub fn arity(mut self) -> ValueError {
        self.arity = true;
        self
    }
    pub fn help(mut self, help: impl Into<String>) -> ValueError {
        self.help = Some(help.into());
        self
    }
    pub fn at(mut self, arg: usize) -> ValueError {
        self.arg = Some(arg);
        self
    }
}

/// C `isspace` in the C locale.
pub fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// `util.c: string2ll` over the whole value (sds length: a NUL byte is just a non-digit).
/// Optional `-`, then `0` alone or a digit 1–9 followed by digits; at most 20 characters.
pub fn string2ll(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() >= 21 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (negative, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    if negative {
        if v > (i64::MAX as u64) + 1 {
            return None;
        }
        Some((v as i64).wrapping_neg())
    } else {
        i64::try_from(v).ok()
    }
}

/// `util.c: memtoull` — the memory value parser of the 12 MEMORY configs and of
/// `client-output-buffer-limit`. Digits, then an optional unit `b k kb m mb g gb` (any case;
/// `k` = 1000, `kb` = 1024). `""` and a bare unit are 0; a leading `-` is refused; the digits
/// saturate at 2^64−1 and the unit multiplication wraps, as in Redis.
pub fn parse_memory(value: &[u8]) -> Option<u64> {
    let p = cstr(value);
    if p.first() == Some(&b'-') {
        return None;
    }
    let digits = p.iter().take_while(|b| b.is_ascii_digit()).count();
    let unit = p[digits..].to_ascii_lowercase();
    let mul: u64 = match unit.as_slice() {
        b"" | b"b" => 1,
        b"k" => 1000,
        b"kb" => 1024,
        b"m" => 1000 * 1000,
        b"mb" => 1024 * 1024,
        b"g" => 1000 * 1000 * 1000,
        b"gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if digits >= 128 {
        return None;
    }
    let mut val: u64 = 0;
    for &c in &p[..digits] {
        val = val.saturating_mul(10).saturating_add(u64::from(c - b'0'));
    }
    Some(val.wrapping_mul(mul))
}

/// What C `strtoll`/`strtol` did with a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Strtoll {
    /// The value (saturated at the i64 limits on overflow, like the C function).
    pub value: i64,
    /// True if the parse stopped at the end of the C string (`*endptr == '\0'`).
    pub full: bool,
    /// `errno == ERANGE`.
    pub overflow: bool,
}

/// C `strtoll(s, &end, base)` for base 8 or 10: leading blanks, an optional sign, digits.
/// With no digits at all `end` is the start of the string, so only `""` counts as full.
pub fn strtoll(value: &[u8], base: u32) -> Strtoll {
    let s = cstr(value);
    let mut i = 0;
    while i < s.len() && is_c_space(s[i]) {
        i += 1;
    }
    let mut negative = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        negative = s[i] == b'-';
        i += 1;
    }
    let start = i;
    let mut acc: u128 = 0;
    let mut overflow = false;
    while i < s.len() {
        let d = match s[i] {
            c @ b'0'..=b'9' if u32::from(c - b'0') < base => u128::from(c - b'0'),
            _ => break,
        };
        acc = acc * u128::from(base) + d;
        if acc > u128::from(u64::MAX) {
            overflow = true;
            acc = u128::from(u64::MAX);
        }
        i += 1;
    }
    if i == start {
        // No conversion: endptr = nptr.
        return Strtoll {
            value: 0,
            full: s.is_empty(),
            overflow: false,
        };
    }
    let value = if negative {
        if acc > (i64::MAX as u128) + 1 {
            overflow = true;
            i64::MIN
        } else {
            (acc as i128).wrapping_neg() as i64
        }
    } else if acc > i64::MAX as u128 {
        overflow = true;
        i64::MAX
    } else {
        acc as i64
    };
    Strtoll {
        value,
        full: i == s.len(),
        overflow,
    }
}

/// `util.c: string2d` (`strtod` over the whole sds): no leading blank, whole string used,
/// no NaN, no overflow to infinity, no underflow to zero. Accepts `+`, `.5`, `5.`, `1e2`,
/// hex floats (`0x1p3`) and `inf`.
pub fn string2d(s: &[u8]) -> Option<f64> {
    if s.is_empty() || is_c_space(s[0]) {
        return None;
    }
    let (value, used, range_error) = strtod_prefix(s)?;
    if used != s.len() || value.is_nan() || range_error {
        return None;
    }
    Some(value)
}

/// The longest prefix C `strtod` converts: (value, bytes used, ERANGE to inf or zero).
fn strtod_prefix(s: &[u8]) -> Option<(f64, usize, bool)> {
    let mut i = 0;
    let mut sign = 1.0;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        if s[i] == b'-' {
            sign = -1.0;
        }
        i += 1;
    }
    let rest = &s[i..];
    let lower: Vec<u8> = rest.iter().take(8).map(u8::to_ascii_lowercase).collect();
    if lower.starts_with(b"infinity") {
        return Some((sign * f64::INFINITY, i + 8, false));
    }
    if lower.starts_with(b"inf") {
        return Some((sign * f64::INFINITY, i + 3, false));
    }
    if lower.starts_with(b"nan") {
        let mut j = i + 3;
        if s.get(j) == Some(&b'(') {
            let mut k = j + 1;
            while k < s.len() && (s[k].is_ascii_alphanumeric() || s[k] == b'_') {
                k += 1;
            }
            if s.get(k) == Some(&b')') {
                j = k + 1;
            }
        }
        return Some((f64::NAN, j, false));
    }
    if lower.starts_with(b"0x") {
        if let Some((v, used, nonzero)) = hex_float(&s[i + 2..]) {
            let v = sign * v;
            let range = v.is_infinite() || (v == 0.0 && nonzero);
            return Some((v, i + 2 + used, range));
        }
        // "0x" without hex digits: strtod reads the "0".
        return Some((0.0, i + 1, false));
    }
    let mut j = i;
    let mut mantissa_digits = 0;
    let mut nonzero = false;
    while j < s.len() && s[j].is_ascii_digit() {
        nonzero |= s[j] != b'0';
        mantissa_digits += 1;
        j += 1;
    }
    if j < s.len() && s[j] == b'.' {
        j += 1;
        while j < s.len() && s[j].is_ascii_digit() {
            nonzero |= s[j] != b'0';
            mantissa_digits += 1;
            j += 1;
        }
    }
    if mantissa_digits == 0 {
        return None;
    }
    if j < s.len() && (s[j] == b'e' || s[j] == b'E') {
        let mut k = j + 1;
        if k < s.len() && (s[k] == b'+' || s[k] == b'-') {
            k += 1;
        }
        let exp_start = k;
        while k < s.len() && s[k].is_ascii_digit() {
            k += 1;
        }
        if k > exp_start {
            j = k;
        }
    }
    let text = std::str::from_utf8(&s[i..j]).ok()?;
    let v: f64 = text.parse().ok()?;
    let range = v.is_infinite() || (v == 0.0 && nonzero);
    Some((sign * v, j, range))
}

/// A hex float body after `0x`: hex digits, optional fraction, optional `p` exponent.
fn hex_float(s: &[u8]) -> Option<(f64, usize, bool)> {
    let mut j = 0;
    let mut v = 0.0f64;
    let mut digits = 0;
    let mut nonzero = false;
    let mut scale = 0i64;
    while j < s.len() && s[j].is_ascii_hexdigit() {
        let d = (s[j] as char).to_digit(16)?;
        nonzero |= d != 0;
        v = v * 16.0 + f64::from(d);
        digits += 1;
        j += 1;
    }
    if j < s.len() && s[j] == b'.' {
        j += 1;
        while j < s.len() && s[j].is_ascii_hexdigit() {
            let d = (s[j] as char).to_digit(16)?;
            nonzero |= d != 0;
            v = v * 16.0 + f64::from(d);
            scale -= 4;
            digits += 1;
            j += 1;
        }
    }
    if digits == 0 {
        return None;
    }
    if j < s.len() && (s[j] == b'p' || s[j] == b'P') {
        let mut k = j + 1;
        let mut neg = false;
        if k < s.len() && (s[k] == b'+' || s[k] == b'-') {
            neg = s[k] == b'-';
            k += 1;
        }
        let exp_start = k;
        let mut e: i64 = 0;
        while k < s.len() && s[k].is_ascii_digit() {
            e = e.saturating_mul(10).saturating_add(i64::from(s[k] - b'0'));
            k += 1;
        }
        if k > exp_start {
            scale = scale.saturating_add(if neg { -e } else { e });
            j = k;
        }
    }
    let v = v * 2f64.powi(scale.clamp(-4000, 4000) as i32);
    Some((v, j, nonzero))
}

/// Shown form of a value in a message; an empty value is shown as `""`, as Redis writes it.
pub fn show(v: &[u8]) -> String {
    if v.is_empty() {
        return "\"\"".to_string();
    }
    String::from_utf8_lossy(v).into_owned()
}

/// `config.c: yesnotoi` (strcasecmp).
pub fn yes_no(value: &[u8]) -> Option<bool> {
    let v = cstr(value);
    if v.eq_ignore_ascii_case(b"yes") {
        Some(true)
    } else if v.eq_ignore_ascii_case(b"no") {
        Some(false)
    } else {
        None
    }
}

/// A bool value: `yes`/`no` in any case, nothing else.
pub fn check_bool(value: &[u8]) -> Result<bool, ValueError> {
    yes_no(value).ok_or_else(|| {
        let lower = String::from_utf8_lossy(cstr(value)).to_ascii_lowercase();
        let help = match lower.trim() {
            "true" | "on" | "1" | "enable" | "enabled" | "y" => {
                "write `yes` (booleans are only `yes` or `no`)".to_string()
            }
            "false" | "off" | "0" | "disable" | "disabled" | "n" | "none" => {
                "write `no` (booleans are only `yes` or `no`)".to_string()
            }
            _ => "write `yes` or `no`".to_string(),
        };
        ValueError::new("argument must be 'yes' or 'no'").help(help)
    })
}

fn range_error(spec: &DirectiveSpec) -> ValueError {
    let (min, max) = (spec.min.unwrap_or(i64::MIN), spec.max.unwrap_or(u64::MAX));
    let text = if spec.octal {
        format!("argument must be between {min:o} and {max:o} inclusive")
    } else {
        format!("argument must be between {min} and {max} inclusive")
    };
    let help = if spec.octal {
        format!("use an octal permission between {min:o} and {max:o}, e.g. `700` or `770`")
    } else {
        format!("use a value between {min} and {max}")
    };
    ValueError::new(text).help(help)
}

fn in_range(spec: &DirectiveSpec, v: i128) -> bool {
    let min = i128::from(spec.min.unwrap_or(i64::MIN));
    let max = i128::from(spec.max.unwrap_or(u64::MAX));
    min <= v && v <= max
}

/// What an integer-looking value should have been, for help texts.
fn integer_help(value: &[u8]) -> String {
    let s = String::from_utf8_lossy(value);
    let t = s.trim();
    if let Some(rest) = t.strip_prefix('+') {
        if string2ll(rest.as_bytes()).is_some() {
            return format!("write `{rest}` without the `+`");
        }
    }
    let unsigned = t.strip_prefix('-').unwrap_or(t);
    if unsigned.len() > 1
        && unsigned.bytes().all(|b| b.is_ascii_digit())
        && unsigned.starts_with('0')
    {
        let trimmed = unsigned.trim_start_matches('0');
        let trimmed = if trimmed.is_empty() { "0" } else { trimmed };
        let sign = if t.starts_with('-') { "-" } else { "" };
        return format!("write `{sign}{trimmed}`: Redis refuses leading zeros in integers");
    }
    if let Some(bytes) = parse_memory(t.as_bytes()) {
        if t.bytes().any(|b| b.is_ascii_alphabetic()) {
            return format!("this directive takes a plain integer without units, e.g. `{bytes}`");
        }
    }
    if let Ok(f) = t.parse::<f64>() {
        if f.is_finite() {
            return format!("write a whole number, e.g. `{}`", f.trunc() as i64);
        }
    }
    if t.bytes().next().is_some_and(|b| b.is_ascii_digit())
        && t.bytes().any(|b| b.is_ascii_alphabetic())
    {
        return "this directive takes a plain integer without units".to_string();
    }
    if t.contains("{{") || t.contains("__") || t.starts_with('$') || t.starts_with('%') {
        return "this looks like an unfilled template placeholder: substitute a number".to_string();
    }
    "write a plain decimal integer (optional `-`, no leading zeros, no `+`, no units)".to_string()
}

/// An `int` table value: `string2ll`, or `strtoll(…, 8)` for octal configs, then the range.
pub fn check_int(spec: &DirectiveSpec, value: &[u8]) -> Result<i64, ValueError> {
    let v = if spec.octal {
        let r = strtoll(value, 8);
        if r.overflow || !r.full {
            return Err(
                ValueError::new("argument couldn't be parsed as an octal number")
                    .help("write the permission bits in octal, e.g. `700` or `0770`"),
            );
        }
        r.value
    } else {
        match string2ll(value) {
            Some(v) => v,
            None => {
                return Err(
                    ValueError::new("argument couldn't be parsed into an integer")
                        .help(integer_help(value)),
                )
            }
        }
    };
    // Unsigned targets compare the value reinterpreted as unsigned, signed ones as signed;
    // with every unsigned minimum >= 0 both come down to this one comparison.
    if !in_range(spec, i128::from(v)) {
        return Err(range_error(spec));
    }
    Ok(v)
}

/// A memory value in the best unit, e.g. `1536mb`.
pub fn format_bytes(bytes: u128) -> String {
    const G: u128 = 1024 * 1024 * 1024;
    const M: u128 = 1024 * 1024;
    const K: u128 = 1024;
    if bytes != 0 && bytes.is_multiple_of(G) {
        format!("{}gb", bytes / G)
    } else if bytes != 0 && bytes.is_multiple_of(M) {
        format!("{}mb", bytes / M)
    } else if bytes != 0 && bytes.is_multiple_of(K) {
        format!("{}kb", bytes / K)
    } else {
        format!("{bytes}")
    }
}

/// What a memory-looking value should have been, for help texts.
pub fn memory_help(value: &[u8]) -> String {
    let s = String::from_utf8_lossy(value);
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let split = lower
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(lower.len());
    let (num, unit) = lower.split_at(split);
    let unit = unit.trim();
    let unit_bytes: Option<u128> = match unit {
        "" | "b" => Some(1),
        "k" => Some(1000),
        "kb" | "kib" | "ki" => Some(1024),
        "m" => Some(1_000_000),
        "mb" | "mib" | "mi" => Some(1024 * 1024),
        "g" => Some(1_000_000_000),
        "gb" | "gib" | "gi" => Some(1024 * 1024 * 1024),
        "t" => Some(1_000_000_000_000),
        "tb" | "tib" | "ti" => Some(1024u128.pow(4)),
        _ => None,
    };
    let units = "memory units are `b`, `k`, `kb`, `m`, `mb`, `g`, `gb` (`1k` = 1000, `1kb` = 1024; no decimals, no `t`, no `KiB`)";
    if num.starts_with('-') {
        return format!("memory values cannot be negative; {units}");
    }
    if let (Some(mul), Ok(n)) = (unit_bytes, num.trim_start_matches('+').parse::<f64>()) {
        if n.is_finite() && n >= 0.0 {
            let bytes = (n * mul as f64).round() as u128;
            let ok_form = format_bytes(bytes);
            if ok_form.as_bytes() != value {
                return format!("write `{ok_form}`; {units}");
            }
        }
    }
    if t.ends_with('%') {
        return "only `maxmemory-clients` accepts a percentage; write a size such as `4gb`"
            .to_string();
    }
    units.to_string()
}

/// A `memory` table value (`numericParseString` with MEMORY_CONFIG, plus PERCENT_CONFIG for
/// `maxmemory-clients`), then the range. Returns the stored value (negative = percent).
pub fn check_memory(spec: &DirectiveSpec, value: &[u8]) -> Result<i128, ValueError> {
    let stored: i128 = if let Some(bytes) = parse_memory(value) {
        // Stored into a long long first; signed targets see it as negative above 2^63.
        if spec.percent {
            i128::from(bytes as i64)
        } else {
            i128::from(bytes)
        }
    } else if spec.percent
        && value.len() > 1
        && value.last() == Some(&b'%')
        && string2ll(&value[..value.len() - 1]).is_some_and(|v| v >= 0)
    {
        -i128::from(string2ll(&value[..value.len() - 1]).unwrap_or(0))
    } else {
        let redis = if spec.percent {
            "argument must be a memory or percent value"
        } else {
            "argument must be a memory value"
        };
        let help = if spec.percent {
            format!(
                "{}; or a percentage of maxmemory such as `10%`",
                memory_help(value)
            )
        } else {
            memory_help(value)
        };
        return Err(ValueError::new(redis).help(help));
    };
    if spec.percent && stored < 0 {
        if stored < -100 {
            return Err(
                ValueError::new("percentage argument must be less or equal to 100").help(
                    "a percentage of maxmemory between `0%` and `100%`, or a size such as `1gb`",
                ),
            );
        }
        return Ok(stored);
    }
    if !in_range(spec, stored) {
        let mut e = range_error(spec);
        let min = spec.min.unwrap_or(0);
        if min > 0 {
            e.help = Some(format!(
                "use a value of at least {} (`{}`)",
                min,
                format_bytes(u128::try_from(min).unwrap_or(0))
            ));
        }
        return Err(e);
    }
    Ok(stored)
}

/// `config.c: configEnumGetValue` + the shutdown-flags validator. Several names only for
/// the multi-value enums (`shutdown-on-sig*`).
pub fn check_enum(spec: &DirectiveSpec, args: &[&[u8]]) -> Result<(), ValueError> {
    let listing = || {
        format!(
            "argument(s) must be one of the following: {}",
            spec.values.join(", ")
        )
    };
    if args.is_empty() || (!spec.multi_value && args.len() != 1) {
        return Err(ValueError::new(listing())
            .help(format!("write one of: {}", spec.values.join(", ")))
            .arity());
    }
    let mut save = false;
    let mut nosave = false;
    for (i, a) in args.iter().enumerate() {
        let v = cstr(a);
        let Some(name) = spec
            .values
            .iter()
            .find(|n| n.as_bytes().eq_ignore_ascii_case(v))
        else {
            let normalized = String::from_utf8_lossy(v)
                .to_ascii_lowercase()
                .replace('_', "-");
            let help = match closest(
                normalized.as_bytes(),
                spec.values.iter().map(String::as_str),
            ) {
                Some(c) => format!(
                    "did you mean `{c}`? ({} accepts: {})",
                    spec.name,
                    spec.values.join(", ")
                ),
                None => format!("{} accepts: {}", spec.name, spec.values.join(", ")),
            };
            return Err(ValueError::new(listing()).help(help).at(i));
        };
        save |= name == "save";
        nosave |= name == "nosave";
    }
    if spec.validator() == Some("shutdown-flags") && save && nosave {
        return Err(ValueError::new(
            "shutdown options SAVE and NOSAVE can't be used simultaneously",
        )
        .help("keep either `save` or `nosave`"));
    }
    Ok(())
}

/// `util.c: pathIsBaseName`: no `/` and no `\`.
pub fn is_base_name(v: &[u8]) -> bool {
    !cstr(v).iter().any(|&b| b == b'/' || b == b'\\')
}

fn base_name_of(v: &[u8]) -> String {
    let s = String::from_utf8_lossy(cstr(v)).into_owned();
    s.rsplit(['/', '\\']).next().unwrap_or_default().to_string()
}

/// What `{variable}` of `proc-title-template` expands to, as far as "empty or not" goes.
#[derive(Debug, Clone, Copy, Default)]
pub struct TitleState {
    /// `cluster-enabled yes` was read before (makes `{server-mode}` non-empty).
    pub cluster_enabled: bool,
    /// Sentinel mode (makes `{server-mode}` non-empty).
    pub sentinel: bool,
    /// A non-empty `unixsocket` was read before (makes `{unixsocket}` non-empty).
    pub unixsocket: bool,
}

/// `server.c: validateProcTitleTemplate`: `sdstemplate` with the known variables, title "",
/// and the expansion trimmed of spaces must not be empty.
pub fn check_proc_title_template(value: &[u8], state: TitleState) -> Result<(), ValueError> {
    let s = cstr(value);
    let invalid = || {
        ValueError::new("template format is invalid or contains unknown variables").help(
            "use only {title} {listen-addr} {server-mode} {port} {tls-port} {unixsocket} {config-file} (write `{{` for a literal brace), and make sure it does not expand to nothing, e.g. `{title} {listen-addr} {server-mode}`",
        )
    };
    let mut nonempty = false;
    let mut i = 0;
    while i < s.len() {
        let Some(off) = s[i..].iter().position(|&b| b == b'{') else {
            nonempty |= s[i..].iter().any(|&b| b != b' ');
            break;
        };
        nonempty |= s[i..i + off].iter().any(|&b| b != b' ');
        let sv = i + off + 1;
        if sv >= s.len() {
            return Err(invalid());
        }
        if s[sv] == b'{' {
            nonempty = true;
            i = sv + 1;
            continue;
        }
        let Some(end) = s[sv..].iter().position(|&b| b == b'}') else {
            return Err(invalid());
        };
        let name = &s[sv..sv + end];
        let expands = match name {
            b"title" => false,
            b"listen-addr" | b"config-file" | b"port" | b"tls-port" => true,
            b"server-mode" => state.cluster_enabled || state.sentinel,
            b"unixsocket" => state.unixsocket,
            _ => return Err(invalid()),
        };
        nonempty |= expands;
        i = sv + end + 1;
    }
    if !nonempty {
        return Err(invalid());
    }
    Ok(())
}

/// String validators of the table (`isValidDBfilename`, `isValidAOFfilename`,
/// `isValidAOFdirname`, `isValidAnnouncedHostname`, `isValidProcTitleTemplate`).
pub fn check_string(
    spec: &DirectiveSpec,
    value: &[u8],
    state: TitleState,
) -> Result<(), ValueError> {
    let v = cstr(value);
    match spec.validator() {
        Some("basename") if !is_base_name(v) => {
            return Err(
                ValueError::new("dbfilename can't be a path, just a filename").help(format!(
                    "write only the file name (`dbfilename {}`) and put the directory in `dir`",
                    base_name_of(v)
                )),
            );
        }
        Some("basename-nonempty") => {
            let what = if spec.name == "appenddirname" {
                "dirname"
            } else {
                "filename"
            };
            if v.is_empty() {
                return Err(ValueError::new(format!("{} can't be empty", spec.name))
                    .help(format!("write a name such as `{}`", spec.default)));
            }
            if !is_base_name(v) {
                return Err(ValueError::new(format!(
                    "{} can't be a path, just a {what}",
                    spec.name
                ))
                .help(format!(
                    "write only the name (`{} {}`); it is created inside `dir`",
                    spec.name,
                    base_name_of(v)
                )));
            }
        }
        Some("hostname-chars") => {
            if v.len() >= 256 {
                return Err(
                    ValueError::new("Hostnames must be less than 256 characters")
                        .help("use a host name shorter than 256 characters"),
                );
            }
            if !v
                .iter()
                .all(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.')
            {
                return Err(ValueError::new("Hostnames may only contain alphanumeric characters, hyphens or dots")
                    .help("write a plain host name (letters, digits, `-` and `.`), without a scheme, port or path"));
            }
        }
        Some("proc-title-template") => check_proc_title_template(v, state)?,
        _ => {}
    }
    Ok(())
}

/// `save`: `""` alone, or pairs `<seconds ≥ 1> <changes ≥ 0>` read with `strtoll`.
pub fn check_save(args: &[&[u8]]) -> Result<(), ValueError> {
    let args: &[&[u8]] = if args.len() == 1 && cstr(args[0]).is_empty() {
        &[]
    } else {
        args
    };
    if args.len() % 2 == 1 {
        return Err(ValueError::new("Invalid save parameters")
            .help("`save` takes pairs `<seconds> <changes>`, e.g. `save 3600 1 300 100`; `save \"\"` disables snapshots")
            .arity());
    }
    for (j, a) in args.iter().enumerate() {
        let r = strtoll(a, 10);
        let bad = !r.full || (j % 2 == 0 && r.value < 1) || (j % 2 == 1 && r.value < 0);
        if bad {
            let help = if j % 2 == 0 {
                "the seconds of a save point are a whole number of at least 1, without units"
            } else {
                "the number of changes is a whole number of at least 0"
            };
            return Err(ValueError::new("Invalid save parameters").help(help).at(j));
        }
    }
    Ok(())
}

/// `client-output-buffer-limit`: groups of `<class> <hard> <soft> <soft-seconds>`.
pub fn check_client_output_buffer_limit(args: &[&[u8]]) -> Result<(), ValueError> {
    if !args.len().is_multiple_of(4) {
        return Err(ValueError::new("Wrong number of arguments in buffer limit configuration.")
            .help("write groups of four: `<normal|replica|pubsub> <hard limit> <soft limit> <soft seconds>`, e.g. `client-output-buffer-limit replica 256mb 64mb 60`")
            .arity());
    }
    for (g, group) in args.chunks(4).enumerate() {
        let class = cstr(group[0]);
        let known = [b"normal".as_slice(), b"slave", b"replica", b"pubsub"];
        if !known.iter().any(|k| k.eq_ignore_ascii_case(class)) {
            let help = if class.eq_ignore_ascii_case(b"master") {
                "the class `master` cannot be limited; use `normal`, `replica` or `pubsub`"
                    .to_string()
            } else {
                "the class is `normal`, `replica` (or `slave`) or `pubsub`".to_string()
            };
            return Err(ValueError::new(
                "Invalid client class specified in buffer limit configuration.",
            )
            .help(help)
            .at(g * 4));
        }
        for (k, limit) in group.iter().enumerate().take(3).skip(1) {
            if parse_memory(limit).is_none() {
                return Err(ValueError::new(
                    "Error in hard, soft or soft_seconds setting in buffer limit configuration.",
                )
                .help(memory_help(limit))
                .at(g * 4 + k));
            }
        }
        let r = strtoll(group[3], 10);
        // Stored into an int: the value is truncated to 32 bits before the `< 0` check.
        if !r.full || (r.value as i32) < 0 {
            return Err(ValueError::new(
                "Error in hard, soft or soft_seconds setting in buffer limit configuration.",
            )
            .help("the soft-limit duration is a whole number of seconds, at least 0")
            .at(g * 4 + 3));
        }
    }
    Ok(())
}

/// `oom-score-adj-values`: exactly three integers −2000..2000 (`strtoll`).
pub fn check_oom_score_adj_values(args: &[&[u8]]) -> Result<(), ValueError> {
    if args.len() != 3 {
        return Err(ValueError::new("wrong number of arguments")
            .help("write three values for master, replica and background child, e.g. `oom-score-adj-values 0 200 800`")
            .arity());
    }
    for (i, a) in args.iter().enumerate() {
        let r = strtoll(a, 10);
        if !r.full || r.value < -2000 || r.value > 2000 {
            return Err(ValueError::new(
                "Invalid oom-score-adj-values, elements must be between -2000 and 2000.",
            )
            .help("each value is a whole number between -2000 and 2000")
            .at(i));
        }
    }
    Ok(())
}

/// `notify-keyspace-events`: characters of `Ag$lshzxeKEtmdn` (case-sensitive).
pub fn check_notify_keyspace_events(value: &[u8]) -> Result<(), ValueError> {
    let v = cstr(value);
    if let Some(bad) = v.iter().find(|c| !b"Ag$lshzxeKEtmdn".contains(c)) {
        let help = if b"GLSHZXKETMDN".contains(&bad.to_ascii_uppercase())
            && bad.is_ascii_alphabetic()
        {
            format!(
                "the classes are case-sensitive: `{}` is not one of them (`K` keyspace, `E` keyevent, `g` generic, `$` string, `l` list, `s` set, `h` hash, `z` zset, `x` expired, `e` evicted, `t` stream, `m` key-miss, `d` module, `n` new, `A` = g$lshzxetd)",
                *bad as char
            )
        } else {
            "use only the class characters K E g $ l s h z x e t m d n A, e.g. `Ex` for expired-key events".to_string()
        };
        return Err(
            ValueError::new("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.").help(help),
        );
    }
    Ok(())
}

/// `replicaof` / `slaveof`: `<host> <port>` (port via `strtol`, stored in an int) or `no one`.
pub fn check_replicaof(args: &[&[u8]]) -> Result<(), ValueError> {
    if args.len() != 2 {
        return Err(ValueError::new("wrong number of arguments")
            .help("write `replicaof <host> <port>`, or `replicaof no one`")
            .arity());
    }
    if cstr(args[0]).eq_ignore_ascii_case(b"no") && cstr(args[1]).eq_ignore_ascii_case(b"one") {
        return Ok(());
    }
    let r = strtoll(args[1], 10);
    let port = r.value as i32;
    if !r.full || !(0..=65535).contains(&port) {
        return Err(ValueError::new("Invalid master port")
            .help("the port is a number between 0 and 65535")
            .at(1));
    }
    Ok(())
}

/// `latency-tracking-info-percentiles`: decimals 0.0..100.0 (`string2d`), `""` alone = none.
pub fn check_percentiles(args: &[&[u8]]) -> Result<(), ValueError> {
    if args.len() == 1 && args[0].is_empty() {
        return Ok(());
    }
    for (i, a) in args.iter().enumerate() {
        match string2d(a) {
            None => {
                return Err(
                    ValueError::new("Invalid latency-tracking-info-percentiles parameters")
                        .help("write decimal numbers such as `50 99 99.9`")
                        .at(i),
                )
            }
            Some(p) if !(0.0..=100.0).contains(&p) => {
                return Err(ValueError::new(
                    "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]",
                )
                .help("percentiles are between 0 and 100, e.g. `50 99 99.9`")
                .at(i))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::directives::lookup;

    #[test]
    fn string2ll_rules() {
        assert_eq!(string2ll(b"0"), Some(0));
        assert_eq!(string2ll(b"-5"), Some(-5));
        assert_eq!(string2ll(b"05"), None);
        assert_eq!(string2ll(b"+5"), None);
        assert_eq!(string2ll(b"-0"), None);
        assert_eq!(string2ll(b"-"), None);
        assert_eq!(string2ll(b""), None);
        assert_eq!(string2ll(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(string2ll(b"9223372036854775808"), None);
        assert_eq!(string2ll(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(string2ll(b"1e3"), None);
        assert_eq!(string2ll(b"16."), None);
    }

    #[test]
    fn memtoull_rules() {
        assert_eq!(parse_memory(b"1k"), Some(1000));
        assert_eq!(parse_memory(b"1KB"), Some(1024));
        assert_eq!(parse_memory(b"1gB"), Some(1 << 30));
        assert_eq!(parse_memory(b""), Some(0));
        assert_eq!(parse_memory(b"k"), Some(0));
        assert_eq!(parse_memory(b"0100mb"), Some(100 << 20));
        assert_eq!(parse_memory(b"20000000000gb"), Some(3028092406290448384));
        assert_eq!(parse_memory(b"1gib"), None);
        assert_eq!(parse_memory(b"1.5gb"), None);
        assert_eq!(parse_memory(b"+1"), None);
        assert_eq!(parse_memory(b"-1"), None);
        assert_eq!(parse_memory(b"1 gb"), None);
        assert_eq!(parse_memory(b"1t"), None);
        assert_eq!(parse_memory(b"10%"), None);
    }

    #[test]
    fn strtoll_like_c() {
        assert_eq!(
            strtoll(b" +7", 10),
            Strtoll {
                value: 7,
                full: true,
                overflow: false
            }
        );
        assert_eq!(
            strtoll(b"", 10),
            Strtoll {
                value: 0,
                full: true,
                overflow: false
            }
        );
        assert!(!strtoll(b" ", 10).full);
        assert!(!strtoll(b"1k", 10).full);
        assert_eq!(strtoll(b"0770", 8).value, 0o770);
        assert!(!strtoll(b"800", 8).full);
        assert!(strtoll(b"99999999999999999999", 10).overflow);
    }

    #[test]
    fn string2d_like_c() {
        assert_eq!(string2d(b"99.9"), Some(99.9));
        assert_eq!(string2d(b".5"), Some(0.5));
        assert_eq!(string2d(b"5."), Some(5.0));
        assert_eq!(string2d(b"+5"), Some(5.0));
        assert_eq!(string2d(b"0x10"), Some(16.0));
        assert_eq!(string2d(b"0x1p3"), Some(8.0));
        assert_eq!(string2d(b"1e2"), Some(100.0));
        assert_eq!(string2d(b" 5"), None);
        assert_eq!(string2d(b"5 "), None);
        assert_eq!(string2d(b"nan"), None);
        assert_eq!(string2d(b"1e400"), None);
        assert_eq!(string2d(b"1e-400"), None);
        assert_eq!(string2d(b"1e"), None);
        assert!(string2d(b"inf").is_some_and(f64::is_infinite));
    }

    #[test]
    fn typed_values() {
        let port = lookup(b"port").unwrap();
        assert!(check_int(port, b"65535").is_ok());
        assert!(check_int(port, b"65536")
            .unwrap_err()
            .redis
            .contains("between 0 and 65535"));
        assert!(check_int(port, b"06379")
            .unwrap_err()
            .help
            .unwrap()
            .contains("`6379`"));
        let perm = lookup(b"unixsocketperm").unwrap();
        assert!(check_int(perm, b"0770").is_ok());
        assert!(check_int(perm, b"").is_ok());
        assert_eq!(
            check_int(perm, b"1000").unwrap_err().redis,
            "argument must be between 0 and 777 inclusive"
        );
        let mm = lookup(b"maxmemory").unwrap();
        assert!(check_memory(mm, b"1gib")
            .unwrap_err()
            .help
            .unwrap()
            .contains("`1gb`"));
        assert!(check_memory(mm, b"1.5gb")
            .unwrap_err()
            .help
            .unwrap()
            .contains("`1536mb`"));
        let mc = lookup(b"maxmemory-clients").unwrap();
        assert!(check_memory(mc, b"10%").is_ok());
        assert!(check_memory(mc, b"101%").is_err());
        assert!(check_memory(mc, b"18446744073709551615").is_ok());
        assert!(check_memory(mc, b"9223372036854775808").is_err());
        let rb = lookup(b"repl-backlog-size").unwrap();
        assert!(check_memory(rb, b"0").is_err());
        assert!(check_memory(rb, b"9999999999gb").is_err());
    }

    #[test]
    fn special_grammars() {
        assert!(check_save(&[b"900", b"1", b"300", b"10"]).is_ok());
        assert!(check_save(&[b""]).is_ok());
        assert!(check_save(&[b"900", b""]).is_ok());
        assert!(check_save(&[b"+900", b"1"]).is_ok());
        assert!(check_save(&[b"0", b"1"]).is_err());
        assert!(check_save(&[b"900"]).is_err());
        assert!(check_client_output_buffer_limit(&[b"replica", b"256mb", b"64mb", b"60"]).is_ok());
        assert!(check_client_output_buffer_limit(&[b"master", b"0", b"0", b"0"]).is_err());
        assert!(check_client_output_buffer_limit(&[b"normal", b"0", b"0", b"4294967296"]).is_ok());
        assert!(check_client_output_buffer_limit(&[b"normal", b"0", b"0", b"2147483648"]).is_err());
        assert!(check_replicaof(&[b"NO", b"One"]).is_ok());
        assert!(check_replicaof(&[b"h", b"4294973675"]).is_ok());
        assert!(check_replicaof(&[b"h", b"65536"]).is_err());
        assert!(check_notify_keyspace_events(b"KEA").is_ok());
        assert!(check_notify_keyspace_events(b"k").is_err());
        assert!(check_percentiles(&[b"50", b"99", b"99.9"]).is_ok());
        assert!(check_percentiles(&[b"101"]).is_err());
        let st = TitleState::default();
        assert!(check_proc_title_template(b"{title} {listen-addr} {server-mode}", st).is_ok());
        assert!(check_proc_title_template(b"{title}", st).is_err());
        assert!(check_proc_title_template(b"{server-mode}", st).is_err());
        assert!(check_proc_title_template(
            b"{server-mode}",
            TitleState {
                sentinel: true,
                ..st
            }
        )
        .is_ok());
        assert!(check_proc_title_template(b"{{", st).is_ok());
        assert!(check_proc_title_template(b"{nope}", st).is_err());
        assert!(check_proc_title_template(b"x {", st).is_err());
    }
}
