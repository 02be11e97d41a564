//! Embeds the rule catalogue from `rules/*.md` (the single source of truth for each rule's
//! code, name, category, severity and documentation) as a generated Rust table.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let rules_dir = Path::new(&manifest).join("../../rules");
    println!("cargo:rerun-if-changed={}", rules_dir.display());
    let mut entries: Vec<_> = std::fs::read_dir(&rules_dir)
        .expect("rules/ directory")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "md")
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("RL"))
        })
        .collect();
    entries.sort();
    let pages = std::env::var_os("CARGO_FEATURE_RULE_PAGES").is_some();
    let mut out = String::new();
    let mut all = Vec::new();
    for path in &entries {
        println!("cargo:rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(path).expect("rule page is UTF-8");
        let front = front_matter(&text)
            .unwrap_or_else(|| panic!("{}: missing front matter", path.display()));
        let get = |k: &str| {
            front
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| panic!("{}: front matter lacks `{k}`", path.display()))
        };
        let code = get("code");
        let name = get("name");
        let ident = name.to_uppercase().replace('-', "_");
        let category = camel(&get("category"));
        let severity = camel(&get("severity"));
        let fix = match get("fix").as_str() {
            "none" => "None".to_string(),
            "safe" => "Some(Applicability::Safe)".to_string(),
            "unsafe" => "Some(Applicability::Unsafe)".to_string(),
            other => panic!(
                "{}: fix must be none/safe/unsafe, not {other}",
                path.display()
            ),
        };
        // Optional: a host check runs only on the target host (`--on-host`).
        let host_check = match front.iter().find(|(k, _)| k == "host-check") {
            None => false,
            Some((_, v)) if v == "true" => true,
            Some((_, v)) if v == "false" => false,
            Some((_, v)) => panic!(
                "{}: host-check must be true or false, not {v}",
                path.display()
            ),
        };
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        assert_eq!(
            stem,
            format!("{code}-{name}"),
            "{}: file name must be CODE-name.md",
            path.display()
        );
        // Without the `rule-pages` feature (the browser build) the page is served next to the
        // build instead of embedded: `doc` stays empty and `Rule::page` is `None`.
        let doc = if pages {
            format!(
                "include_str!({:?})",
                path.canonicalize().expect("canonical path").display()
            )
        } else {
            "\"\"".to_string()
        };
        writeln!(
            out,
            "pub static {ident}: Rule = Rule {{ code: {code:?}, name: {name:?}, category: Category::{category}, severity: Severity::{severity}, fix: {fix}, host_check: {host_check}, doc: {doc} }};",
        )
        .unwrap();
        all.push(ident);
    }
    writeln!(
        out,
        "pub static ALL: &[&Rule] = &[{}];",
        all.iter()
            .map(|i| format!("&{i}"))
            .collect::<Vec<_>>()
            .join(", ")
    )
    .unwrap();
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("rules_table.rs");
    std::fs::write(dest, out).expect("write rules_table.rs");
}

fn front_matter(text: &str) -> Option<Vec<(String, String)>> {
    let rest = text.strip_prefix("---\n")?;
    let end = rest.find("\n---")?;
    Some(
        rest[..end]
            .lines()
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect(),
    )
}

fn camel(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
