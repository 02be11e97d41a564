//! RL4xx: passwords — weak, placeholders and unrendered templates, equal to the user name,
//! reused across principals, stored in clear where a hash would do, and users that need none.

use std::collections::HashMap;

use super::{Context, Diagnostic};
use crate::finding::{Applicability, Severity};
use crate::knowledge::commands;
use crate::model::Kind;
use crate::rules;
use crate::security::access::{nopass_rule, Access, Reach};
use crate::security::credentials::{self, Credential, Realm, Role};
use crate::security::strength::{self, ERROR_BELOW, WARNING_BELOW};
use crate::security::{args, show};

/// RL401–RL406.
pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mut creds = credentials::collect(ctx.ws, ctx.deployment);
    if !ctx.options.show_secrets {
        hide_telling_names(&mut creds);
    }
    let context = context_words(ctx, &creds);
    let mut estimates = HashMap::new();
    for c in &creds {
        let mut found = Vec::new();
        quality(ctx, c, &context, &mut estimates, &mut found);
        let mut found: Vec<Diagnostic> = found.into_iter().map(|d| with_notes(d, c)).collect();
        plaintext(c, &mut found);
        out.extend(found.into_iter().map(|d| d.group(token(c))));
    }
    reused(&creds, out);
    nopass_users(ctx, out);
}

/// The group key of one password token: weak, clear text and reused are one problem of the
/// same `>password` (one finding, its rules named as facets).
fn token(c: &Credential) -> String {
    format!("password:{}:{}", c.file.0, c.span.start)
}

/// A user name that is (nearly) some password of the deployment must not appear in messages:
/// `user app on >app` would print the password as the user's name.
fn hide_telling_names(creds: &mut [Credential]) {
    let digests: std::collections::HashSet<[u8; 32]> = creds.iter().map(|c| c.digest).collect();
    let mut telling: std::collections::HashSet<Vec<u8>> = std::collections::HashSet::new();
    for c in creds.iter() {
        let near = c
            .plain
            .as_ref()
            .is_some_and(|p| strength::equals_user(p, &c.user));
        if near
            || digests.contains(&credentials::sha256(&c.user))
            || digests.contains(&credentials::sha256(&c.user.to_ascii_uppercase()))
        {
            telling.insert(c.user.clone());
        }
    }
    for c in creds.iter_mut() {
        c.user_hidden = telling.contains(&c.user);
    }
}

/// Names of this deployment an attacker would try first: users, masters, hosts.
fn context_words(ctx: &Context<'_>, creds: &[Credential]) -> Vec<String> {
    let mut words = Vec::new();
    for c in creds {
        strength::context_words(&c.user, &mut words);
        if let Role::SentinelAuthPass { master } = &c.role {
            strength::context_words(master, &mut words);
        }
    }
    for server in &ctx.deployment.servers {
        for d in server.all("sentinel") {
            let a = args(ctx.ws, d);
            if let [(sub, _), (name, _), (host, _), ..] = a.as_slice() {
                if sub.eq_ignore_ascii_case(b"monitor") {
                    strength::context_words(name, &mut words);
                    strength::context_words(host, &mut words);
                }
            }
        }
        for name in ["replicaof", "masteruser", "sentinel-user"] {
            if let Some(d) = server.last(name) {
                if let Some((v, _)) = args(ctx.ws, d).first() {
                    strength::context_words(v, &mut words);
                }
            }
        }
    }
    // Every user name, with or without a password.
    for id in ctx.ws.ids() {
        let f = ctx.ws.file(id);
        if let Some(doc) = f.acl() {
            for line in &doc.lines {
                if let Some(name) = doc.tokens(line).get(1) {
                    strength::context_words(&f.source.bytes[name.range()], &mut words);
                }
            }
        }
    }
    strength::dedup_context(&mut words);
    words
}

/// RL401 weak, RL402 placeholder or template, RL403 equal to the user name: the first that
/// applies (each says the password must change, for its own reason).
/// The lines that decide whether this password is used, as related locations.
fn with_notes(mut d: Diagnostic, c: &Credential) -> Diagnostic {
    for (file, span, note) in &c.notes {
        d = d.related(*file, *span, *note);
    }
    d
}

fn quality(
    ctx: &Context<'_>,
    c: &Credential,
    context: &[String],
    estimates: &mut HashMap<[u8; 32], Option<strength::Estimate>>,
    out: &mut Vec<Diagnostic>,
) {
    let what = c.describe();
    let generate = "generate a long random password, e.g. `openssl rand -hex 32` (or `ACL GENPASS`), and store it as `#<sha256>` where Redis allows";
    let Some(pw) = &c.plain else {
        // Only the hash is known: compare it with placeholders and the user name.
        if strength::placeholder_digest(&c.digest) {
            out.push(
                Diagnostic::new(
                    &rules::PLACEHOLDER_PASSWORD,
                    c.file,
                    c.span,
                    format!("{what} is the SHA-256 of a well-known placeholder or example password: it is the first thing anyone tries"),
                )
                .help(generate),
            );
        } else if [c.user.clone(), c.user.to_ascii_uppercase()]
            .iter()
            .any(|u| credentials::sha256(u) == c.digest)
        {
            out.push(
                Diagnostic::new(
                    &rules::PASSWORD_EQUALS_USERNAME,
                    c.file,
                    c.span,
                    format!("{what} is the SHA-256 of the user's own name"),
                )
                .help(generate),
            );
        }
        return;
    };
    if let Some(syntax) = strength::template(pw) {
        let render = match c.role {
            Role::Requirepass => "render the file before Redis reads it (envsubst, Helm, your configuration tool), or pass the secret at start: `redis-server /etc/redis/redis.conf --requirepass \"$REDIS_PASSWORD\"`",
            _ => "render the file before Redis reads it (envsubst, Helm, your configuration tool); Redis never expands variables in its files",
        };
        out.push(
            Diagnostic::new(
                &rules::PLACEHOLDER_PASSWORD,
                c.file,
                c.span,
                format!("{what} is an unrendered template ({syntax}): Redis takes it literally, so the password is the template text that everyone with the template knows, and clients given the real secret cannot log in"),
            )
            .help(render),
        );
        return;
    }
    if strength::placeholder(pw) {
        out.push(
            Diagnostic::new(
                &rules::PLACEHOLDER_PASSWORD,
                c.file,
                c.span,
                format!("{what} is a well-known placeholder or example password: it is the first thing anyone tries"),
            )
            .help(generate),
        );
        return;
    }
    if strength::equals_user(pw, &c.user) {
        out.push(
            Diagnostic::new(
                &rules::PASSWORD_EQUALS_USERNAME,
                c.file,
                c.span,
                format!(
                    "{what} is the user's own name (give or take case, separators or a number)"
                ),
            )
            .help(generate),
        );
        return;
    }
    // The same password is often written in several places: estimate it once. No estimate:
    // the judge cannot answer yet (counted as `strength-pending`), so nothing is said.
    let e = estimates
        .entry(c.digest)
        .or_insert_with(|| ctx.strength(pw, context));
    let Some(e) = e else {
        return;
    };
    if e.log10 >= WARNING_BELOW {
        return;
    }
    let severity = if e.log10 < ERROR_BELOW {
        Severity::Error
    } else {
        Severity::Warning
    };
    let message = if pw.is_empty() {
        format!("{what} is empty")
    } else {
        format!(
            "{what} is weak: it is {}; an attack that tries such patterns needs only about 10^{} guesses",
            e.parts.describe(),
            e.log10.floor().max(0.0) as u32
        )
    };
    out.push(
        Diagnostic::new(&rules::WEAK_PASSWORD, c.file, c.span, message)
            .severity(severity)
            .help(generate),
    );
}

/// RL405: `>password` where `#<sha256>` would do.
fn plaintext(c: &Credential, out: &mut Vec<Diagnostic>) {
    if c.role != (Role::AclUser { hashed: false }) {
        return;
    }
    let hash = format!("#{}", credentials::hex(&c.digest));
    out.push(
        Diagnostic::new(
            &rules::PLAINTEXT_ACL_PASSWORD,
            c.file,
            c.span,
            format!(
                "{} is written in clear text (`>…`): anyone who reads this file, its backups or its history can log in",
                c.describe()
            ),
        )
        .help("write `#` and the password's SHA-256 in hex instead (`printf %s 'password' | sha256sum`); Redis stores only that hash anyway, and `ACL LIST` shows it the same way")
        .fix(
            Applicability::Unsafe,
            "replace the clear-text password with its SHA-256 hash",
            vec![(c.file, c.span, hash)],
        ),
    );
}

/// Short words for a principal in a message: "user `admin`", "Sentinel user `default`".
fn principal_text(c: &Credential) -> String {
    match c.realm {
        Realm::Redis => format!("user `{}`", c.user_text()),
        Realm::Sentinel => format!("Sentinel user `{}`", c.user_text()),
    }
}

/// RL404: one password for several principals.
fn reused(creds: &[Credential], out: &mut Vec<Diagnostic>) {
    /// Names in a message and related locations per finding are capped: a group of
    /// thousands of users costs linear work, not quadratic.
    const NAMED: usize = 3;
    const RELATED: usize = 8;
    let mut groups: HashMap<[u8; 32], Vec<&Credential>> = HashMap::new();
    // The users' own passwords (ACL file, requirepass, chart), by principal.
    let mut own: HashMap<(Realm, &[u8]), Vec<[u8; 32]>> = HashMap::new();
    for c in creds.iter().filter(|c| !c.is_client()) {
        own.entry(c.principal()).or_default().push(c.digest);
    }
    for c in creds {
        if wrong_client_password(c, &own) {
            continue;
        }
        groups.entry(c.digest).or_default().push(c);
    }
    for group in groups.values() {
        // The distinct principals in order of appearance, with their places.
        let mut principals: Vec<(Realm, &[u8])> = Vec::new();
        let mut places: HashMap<(Realm, &[u8]), Vec<&Credential>> = HashMap::new();
        for c in group {
            let at = places.entry(c.principal()).or_default();
            if at.is_empty() {
                principals.push(c.principal());
            }
            if at.len() < RELATED {
                at.push(c);
            }
        }
        if principals.len() < 2 {
            continue;
        }
        for c in group {
            let others = principals.iter().filter(|p| **p != c.principal());
            let mut names: Vec<String> = others
                .clone()
                .take(NAMED)
                .map(|p| places[p][0])
                .map(principal_text)
                .collect();
            let more = principals.len() - 1 - names.len();
            if more > 0 {
                names.push(format!("{more} more"));
            }
            let mut d = Diagnostic::new(
                &rules::PASSWORD_REUSED,
                c.file,
                c.span,
                format!(
                    "{} is also the password of {}: whoever holds one of these credentials (a monitoring agent, a Sentinel, a replica) can log in as the others",
                    c.describe(),
                    join_and(&names)
                ),
            )
            .help("give every user and every role its own random password, so that one leaked configuration does not open the others");
            for o in others.flat_map(|p| places[p].iter()).take(RELATED) {
                d = d.related(o.file, o.span, o.label());
            }
            out.push(d.group(token(c)));
        }
    }
}

/// A client password that is not the password of the user it logs in as, while that user's
/// own password is written in this deployment: the client's login fails (RL602, RL603 say
/// so); its password is not the user's, so it makes no reuse between users.
fn wrong_client_password(c: &Credential, own: &HashMap<(Realm, &[u8]), Vec<[u8; 32]>>) -> bool {
    c.is_client()
        && own
            .get(&c.principal())
            .is_some_and(|digests| !digests.contains(&c.digest))
}

fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// RL406: enabled users that accept any password.
fn nopass_users(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mut loaded_files = std::collections::HashSet::new();
    for server in &ctx.deployment.servers {
        loaded_files.extend(server.aclfile);
        let access = Access::of(ctx.ws, server);
        let table = access.acl.table();
        let (severity, who) = match access.reach() {
            Reach::Remote => (Severity::Error, access.who_reaches()),
            Reach::Protected => (
                Severity::Warning,
                "clients on this host (protected mode refuses other hosts while the `default` user has no password)".to_string(),
            ),
            // Local only is still reachable by any local process and by SSRF (see RL303).
            Reach::Local => (
                Severity::Warning,
                "any local process or user, or a request forged through a web application on this host (SSRF)".to_string(),
            ),
        };
        for u in access.open_users() {
            // The `default` user of a server is RL303's: it says who reaches it.
            if u.user.name == b"default" {
                continue;
            }
            let Some(decl) = &u.decl else { continue };
            let span = nopass_rule(decl).unwrap_or(decl.decl.name_span);
            let can_run = u
                .user
                .all_selectors()
                .any(|s| s.all_commands || table.commands.iter().any(|c| s.allows(c.id)));
            let severity = if can_run { severity } else { Severity::Info };
            out.push(
                Diagnostic::new(
                    &rules::NOPASS_USER,
                    decl.file,
                    span,
                    format!(
                        "user `{}` accepts any password (`nopass`): {who} can log in as it and run its commands",
                        show(&u.user.name)
                    ),
                )
                .severity(severity)
                .help("remove `nopass` and give the user a password (`#<sha256>` of a long random one), or turn it `off`"),
            );
        }
    }
    // ACL files no server loads: judge the users as written.
    for id in ctx.ws.ids() {
        if loaded_files.contains(&id) || ctx.ws.file(id).kind != Kind::Acl {
            continue;
        }
        let Some(load) = crate::acl::standalone_acl_file(ctx.ws, id) else {
            continue;
        };
        let table = commands::redis();
        for u in load.users.iter() {
            let Some(decl) = &u.decl else { continue };
            if !(u.user.enabled && u.user.nopass) {
                continue;
            }
            let Some(span) = nopass_rule(decl) else {
                continue;
            };
            let can_run = u
                .user
                .all_selectors()
                .any(|s| s.all_commands || table.commands.iter().any(|c| s.allows(c.id)));
            out.push(
                Diagnostic::new(
                    &rules::NOPASS_USER,
                    decl.file,
                    span,
                    format!(
                        "user `{}` accepts any password (`nopass`): every client that reaches a server loading this file can log in as it",
                        show(&u.user.name)
                    ),
                )
                .severity(if can_run { Severity::Warning } else { Severity::Info })
                .help("remove `nopass` and give the user a password (`#<sha256>` of a long random one), or turn it `off`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::fs::MemoryFs;
    use crate::{check, Finding, Input, Kind, Options};

    const HASH: &str = "a4031ee2a60cacc038bfdcd4c57d3cc1190d1856c4ac7fd686806ee8366b1b2d";

    fn run_with(files: &[(&str, Kind, &str)], options: &Options) -> Vec<Finding> {
        let mut fs = MemoryFs::new();
        let mut inputs = Vec::new();
        for (path, kind, text) in files {
            fs.insert(*path, *text);
            inputs.push(Input {
                path: path.trim_start_matches('/').to_string(),
                host_path: Some(path.to_string()),
                bytes: text.as_bytes().to_vec(),
                kind: *kind,
            });
        }
        // Each rule on its own; the grouping has its own test.
        let options = Options {
            ungrouped: true,
            ..options.clone()
        };
        check(inputs, &fs, &options)
            .findings
            .into_iter()
            .filter(|f| f.code.starts_with("RL4"))
            .collect()
    }

    fn run(files: &[(&str, Kind, &str)]) -> Vec<Finding> {
        run_with(files, &Options::default())
    }

    fn at(f: &[Finding], code: &str) -> Vec<(String, u32)> {
        f.iter()
            .filter(|f| f.code == code)
            .map(|f| (f.file.clone(), f.line))
            .collect()
    }

    #[test]
    fn one_token_is_one_finding() {
        // Weak, clear text and reused: one finding on the token, the other rules as facets.
        let files = [
            (
                "/etc/redis/redis.conf",
                Kind::Redis,
                "bind 127.0.0.1\naclfile /etc/redis/users.acl\n",
            ),
            (
                "/etc/redis/users.acl",
                Kind::Acl,
                "user default off\nuser app on >App_Redis_2024 ~app:* +get\nuser web on >App_Redis_2024 ~web:* +get\n",
            ),
        ];
        let mut fs = MemoryFs::new();
        let mut inputs = Vec::new();
        for (path, kind, text) in files {
            fs.insert(path, text);
            inputs.push(Input {
                path: path.trim_start_matches('/').to_string(),
                host_path: Some(path.to_string()),
                bytes: text.as_bytes().to_vec(),
                kind,
            });
        }
        let f: Vec<Finding> = check(inputs.clone(), &fs, &Options::default())
            .findings
            .into_iter()
            .filter(|f| f.code.starts_with("RL4"))
            .collect();
        assert_eq!(f.len(), 2, "{f:#?}");
        for x in &f {
            assert_eq!(x.code, "RL401", "{x:#?}");
            assert_eq!(x.codes().collect::<Vec<_>>(), ["RL401", "RL404", "RL405"]);
            assert!(
                x.message.ends_with(
                    "(one problem, also: RL404 password-reused, RL405 plaintext-acl-password)"
                ),
                "{}",
                x.message
            );
            // RL405's fix survives the folding.
            assert_eq!(x.fix.as_ref().map(|fx| fx.edits.len()), Some(1));
        }
        // With RL401 ignored, RL404 leads and RL405 stays a facet.
        let options = Options {
            config: crate::config::Config {
                ignore: vec!["RL401".into()],
                ..Default::default()
            },
            ..Options::default()
        };
        let f: Vec<Finding> = check(inputs, &fs, &options)
            .findings
            .into_iter()
            .filter(|f| f.code.starts_with("RL4"))
            .collect();
        assert_eq!(f.len(), 2, "{f:#?}");
        assert_eq!(f[0].codes().collect::<Vec<_>>(), ["RL404", "RL405"]);
    }

    #[test]
    fn a_client_password_that_is_not_the_users_is_not_reuse() {
        // The seed's case: Sentinel's auth-pass as `monitor` is `default`'s password, while
        // `monitor`'s own password differs: the login fails (RL602), nothing is shared.
        let f = run(&[
            (
                "/etc/redis/redis.conf",
                Kind::Redis,
                "aclfile /etc/redis/users.acl\nrequirepass Xk2vP9qL7mZ4wR8nT3bY6cHqDefault\n",
            ),
            (
                "/etc/redis/users.acl",
                Kind::Acl,
                "user default on >Xk2vP9qL7mZ4wR8nT3bY6cHqDefault ~* +@all\nuser monitor on >Pq8wE3rT6yU1iO4pA7sD0fGhMonitor ~* +ping\n",
            ),
            (
                "/etc/redis/sentinel.conf",
                Kind::Sentinel,
                "sentinel monitor m 127.0.0.1 6379 1\nsentinel auth-user m monitor\nsentinel auth-pass m Xk2vP9qL7mZ4wR8nT3bY6cHqDefault\n",
            ),
        ]);
        assert!(at(&f, "RL404").is_empty(), "{f:#?}");
        // The same client password given to a user that has it: still no reuse; given to a
        // user whose password is not written here: reuse with `default` as before.
        let f = run(&[
            (
                "/etc/redis/users.acl",
                Kind::Acl,
                "user default on >Xk2vP9qL7mZ4wR8nT3bY6cHqDefault ~* +@all\n",
            ),
            (
                "/etc/redis/sentinel.conf",
                Kind::Sentinel,
                "sentinel monitor m 10.0.0.9 6379 1\nsentinel auth-user m monitor\nsentinel auth-pass m Xk2vP9qL7mZ4wR8nT3bY6cHqDefault\n",
            ),
        ]);
        assert_eq!(at(&f, "RL404").len(), 2, "{f:#?}");
    }

    #[test]
    fn weak_placeholder_template_and_username() {
        let f = run(&[(
            "/etc/redis/users.acl",
            Kind::Acl,
            "user default on >foobared ~* +@all\nuser app on >${APP_PASSWORD} ~app:* +@read\nuser ops on >Redis_Prod_2024 ~* +@all\nuser bob on >Bob ~* +@read\nuser ok on >Xk2vP9qL7mZ4wR8nT3bY6cHq ~* +@read\n",
        )]);
        let p: Vec<u32> = at(&f, "RL402").iter().map(|x| x.1).collect();
        assert_eq!(p, [1, 2]);
        assert!(f
            .iter()
            .any(|f| f.line == 2 && f.message.contains("unrendered template")));
        assert_eq!(at(&f, "RL401").iter().map(|x| x.1).collect::<Vec<_>>(), [3]);
        assert_eq!(at(&f, "RL403").iter().map(|x| x.1).collect::<Vec<_>>(), [4]);
        assert_eq!(at(&f, "RL405").len(), 5);
        // The user `bob` has the password `Bob`: its name is withheld from every message.
        for x in f.iter().filter(|x| x.line == 4) {
            assert!(!x.message.to_lowercase().contains("bob"), "{}", x.message);
        }
        for x in &f {
            assert!(!x.fatal);
            for secret in ["foobared", "APP_PASSWORD", "Prod_2024", "Xk2vP9"] {
                assert!(!x.message.contains(secret), "{}", x.message);
            }
            if let Some(fix) = &x.fix {
                assert!(fix.edits.iter().all(|e| e.replacement == "***"));
            }
        }
    }

    #[test]
    fn overridden_and_ignored_passwords_point_at_what_wins() {
        let f = run(&[(
            "/etc/redis/redis.conf",
            Kind::Redis,
            "requirepass foobared\nrequirepass Q8wE3rT6yU1iO4pA7sD0fG2hXk2vP9qL\nuser default on >secret ~* +@all\n",
        )]);
        let p = f
            .iter()
            .find(|f| f.code == "RL402" && f.line == 1)
            .expect("RL402");
        let lines: Vec<u32> = p.related.iter().map(|r| r.line).collect();
        assert_eq!(lines, [3, 2], "{:#?}", p.related);
    }

    #[test]
    fn plaintext_fix_hashes_the_token() {
        let opts = Options {
            show_secrets: true,
            ..Options::default()
        };
        let src = "user app on \">pass word\" ~* +@read\n";
        let f = run_with(&[("/etc/redis/redis.conf", Kind::Redis, src)], &opts);
        let fix = f
            .iter()
            .find(|f| f.code == "RL405")
            .and_then(|f| f.fix.clone())
            .expect("fix");
        let e = &fix.edits[0];
        assert_eq!(&src[e.start as usize..e.end as usize], "\">pass word\"");
        assert_eq!(
            e.replacement,
            format!(
                "#{}",
                crate::security::credentials::hex(&crate::security::credentials::sha256(
                    b"pass word"
                ))
            )
        );
    }

    #[test]
    fn hashes_are_compared_with_placeholders_and_names() {
        let foobared =
            crate::security::credentials::hex(&crate::security::credentials::sha256(b"foobared"));
        let app = crate::security::credentials::hex(&crate::security::credentials::sha256(b"app"));
        let f = run(&[(
            "/etc/redis/users.acl",
            Kind::Acl,
            &format!("user default on #{foobared} ~* +@all\nuser app on #{app} ~* +@read\nuser x on #{HASH} +@read\n"),
        )]);
        assert_eq!(at(&f, "RL402").len(), 1);
        assert_eq!(at(&f, "RL403").len(), 1);
        assert!(at(&f, "RL405").is_empty());
    }

    #[test]
    fn reuse_across_principals_but_not_expected_copies() {
        let pw = "Xk2vP9qL7mZ4wR8nT3bY6cHq";
        let hash =
            crate::security::credentials::hex(&crate::security::credentials::sha256(pw.as_bytes()));
        let master = "bind 10.0.0.1\naclfile /etc/redis/users.acl\n".to_string();
        let acl =
            format!("user default on #{hash} ~* &* +@all\nuser monitor on #{hash} ~* +@read\n");
        let replica =
            format!("bind 10.0.0.2\nreplicaof 10.0.0.1 6379\nmasterauth {pw}\nrequirepass {pw}\n");
        let sentinel = format!("sentinel monitor m 10.0.0.1 6379 2\nsentinel auth-pass m {pw}\nrequirepass Q8wE3rT6yU1iO4pA7sD0fG2h\nsentinel sentinel-pass Q8wE3rT6yU1iO4pA7sD0fG2h\n");
        let f = run(&[
            ("/etc/redis/redis.conf", Kind::Redis, &master),
            ("/etc/redis/users.acl", Kind::Acl, &acl),
            ("/etc/redis/replica.conf", Kind::Redis, &replica),
            ("/etc/redis/sentinel.conf", Kind::Sentinel, &sentinel),
        ]);
        let reuse = at(&f, "RL404");
        // default (ACL, requirepass, masterauth, auth-pass) vs monitor: every place is named.
        assert_eq!(reuse.len(), 5, "{reuse:?}");
        let m = f
            .iter()
            .find(|f| f.code == "RL404" && f.file.ends_with("users.acl") && f.line == 2)
            .expect("monitor");
        assert!(m.message.contains("user `default`"), "{}", m.message);
        assert_eq!(m.related.len(), 4);
        // Sentinel's requirepass and sentinel-pass are one principal: no finding there.
        assert!(!f
            .iter()
            .any(|x| x.code == "RL404" && x.file.ends_with("sentinel.conf") && x.line >= 3));
        // Without the monitor user, the copies of default's password are expected.
        let acl2 = format!("user default on #{hash} ~* &* +@all\n");
        let f = run(&[
            ("/etc/redis/redis.conf", Kind::Redis, &master),
            ("/etc/redis/users.acl", Kind::Acl, &acl2),
            ("/etc/redis/replica.conf", Kind::Redis, &replica),
            ("/etc/redis/sentinel.conf", Kind::Sentinel, &sentinel),
        ]);
        assert!(at(&f, "RL404").is_empty(), "{:#?}", at(&f, "RL404"));
    }

    #[test]
    fn many_users_with_one_password_stay_linear() {
        let mut acl = String::new();
        for i in 0..3000 {
            acl.push_str(&format!("user u{i} on #{HASH} ~* +@read\n"));
        }
        let f = run(&[("/etc/redis/users.acl", Kind::Acl, &acl)]);
        let reuse: Vec<&Finding> = f.iter().filter(|f| f.code == "RL404").collect();
        assert_eq!(reuse.len(), 3000);
        assert!(
            reuse[0].message.contains("and 2996 more"),
            "{}",
            reuse[0].message
        );
        assert_eq!(reuse[0].related.len(), 8);
    }

    #[test]
    fn sentinel_password_equal_to_data_password_is_reuse() {
        let pw = "Xk2vP9qL7mZ4wR8nT3bY6cHq";
        let f = run(&[
            ("/etc/redis/redis.conf", Kind::Redis, &format!("bind 10.0.0.1\nrequirepass {pw}\n")),
            (
                "/etc/redis/sentinel.conf",
                Kind::Sentinel,
                &format!("sentinel monitor m 10.0.0.1 6379 2\nsentinel auth-pass m {pw}\nrequirepass {pw}\n"),
            ),
        ]);
        let lines: Vec<(String, u32)> = at(&f, "RL404");
        assert_eq!(lines.len(), 3, "{lines:?}");
        let s = f
            .iter()
            .find(|f| f.code == "RL404" && f.file.ends_with("sentinel.conf") && f.line == 3)
            .expect("sentinel requirepass");
        assert!(s.message.contains("user `default`"), "{}", s.message);
    }

    #[test]
    fn nopass_users_by_reach() {
        let f = run(&[
            (
                "/etc/redis/redis.conf",
                Kind::Redis,
                "bind 0.0.0.0\naclfile /etc/redis/users.acl\n",
            ),
            (
                "/etc/redis/users.acl",
                Kind::Acl,
                &format!("user default on #{HASH} ~* +@all\nuser app on nopass ~app:* +@read\nuser off1 off nopass ~* +@all\nuser none on nopass\n"),
            ),
        ]);
        let n: Vec<(u32, &str)> = f
            .iter()
            .filter(|f| f.code == "RL406")
            .map(|f| (f.line, f.severity.as_str()))
            .collect();
        assert_eq!(n, [(2, "error"), (4, "info")]);
        // Standalone ACL file: exposure unknown.
        let f = run(&[(
            "/etc/redis/users.acl",
            Kind::Acl,
            "user app on nopass ~app:* +@read\n",
        )]);
        assert_eq!(at(&f, "RL406").len(), 1);
    }
}

#[cfg(test)]
mod hostile {
    use proptest::prelude::*;

    use crate::fs::MemoryFs;
    use crate::{check, Input, Kind, Options};

    fn words() -> impl Strategy<Value = String> {
        let word = prop_oneof![
            Just("requirepass".to_string()),
            Just("masterauth".to_string()),
            Just("user".to_string()),
            Just("bind".to_string()),
            Just("protected-mode".to_string()),
            Just("sentinel".to_string()),
            Just("auth-pass".to_string()),
            Just("rename-command".to_string()),
            Just("aclfile".to_string()),
            Just("nopass".to_string()),
            Just(">".to_string()),
            Just("#".to_string()),
            Just("\"".to_string()),
            Just("${X}".to_string()),
            Just("on".to_string()),
            "[ -~]{0,12}",
            "\\PC{0,6}",
        ];
        prop::collection::vec(prop::collection::vec(word, 0..6), 0..12).prop_map(|lines| {
            lines
                .into_iter()
                .map(|l| l.join(" "))
                .collect::<Vec<_>>()
                .join("\n")
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]
        #[test]
        fn security_checks_never_panic(conf in words(), acl in words(), sentinel in words(),
                                       raw in prop::collection::vec(any::<u8>(), 0..200)) {
            let mut fs = MemoryFs::new();
            let files = [
                ("/etc/redis/redis.conf", Kind::Redis, conf.into_bytes()),
                ("/etc/redis/users.acl", Kind::Acl, acl.into_bytes()),
                ("/etc/redis/sentinel.conf", Kind::Sentinel, sentinel.into_bytes()),
                ("/etc/redis/raw.conf", Kind::Redis, raw),
            ];
            let mut inputs = Vec::new();
            for (path, kind, bytes) in files {
                fs.insert(path, bytes.clone());
                inputs.push(Input { path: path.into(), host_path: Some(path.into()), bytes, kind });
            }
            let report = check(inputs, &fs, &Options::default());
            for f in &report.findings {
                if f.code.starts_with("RL3") || f.code.starts_with("RL4") {
                    prop_assert!(!f.fatal);
                }
            }
        }
    }
}
