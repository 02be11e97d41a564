//! Configs that run in containers (mounted by a Compose service): RL710, a log file instead of
//! standard output; RL407, a password handed to clients in the Compose file that no user of
//! the mounted server has.

use std::collections::{HashMap, HashSet};

use super::effective::{self, content_span};
use super::{Context, Diagnostic};
use crate::finding::Applicability;
use crate::model::FileId;
use crate::rules;
use crate::security::credentials::{self, Realm, Role};

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    logfile(ctx, out);
    client_passwords(ctx, out);
}

/// Environment variables through which Compose services hand a Redis password to a client.
const PASSWORD_VARIABLES: &[&str] = &["REDIS_PASSWORD", "REDIS_PASS", "REDISCLI_AUTH"];

/// RL407: `REDIS_PASSWORD=…` or `redis-cli -a …` in a Compose file whose Redis server has no
/// user with that password.
fn client_passwords(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if ctx.deployment.containers.is_empty() {
        return;
    }
    // Per Compose file: the files its Redis servers read (main, includes, ACL file).
    let mut server_files: HashMap<FileId, HashSet<FileId>> = HashMap::new();
    for server in ctx.deployment.servers.iter().filter(|s| !s.sentinel) {
        let Some(c) = ctx.deployment.container(server.main) else {
            continue;
        };
        let files = server_files.entry(c.compose).or_default();
        files.insert(server.main);
        files.extend(server.directives.iter().map(|d| d.file));
        files.extend(server.aclfile);
    }
    if server_files.is_empty() {
        return;
    }
    let creds = credentials::collect(ctx.ws, ctx.deployment);
    for (compose, files) in &server_files {
        let known: HashSet<[u8; 32]> = creds
            .iter()
            .filter(|c| c.realm == Realm::Redis && files.contains(&c.file))
            .filter(|c| matches!(c.role, Role::AclUser { .. } | Role::Requirepass))
            .map(|c| c.digest)
            .collect();
        if known.is_empty() {
            continue;
        }
        let Some(doc) = ctx.ws.file(*compose).yaml() else {
            continue;
        };
        let mut after_a = false;
        for e in &doc.entries {
            let after_healthcheck = after_a;
            let given = if after_a {
                Some(("`redis-cli -a`", e.value.as_str()))
            } else if let Some((k, v)) = e.value.split_once('=') {
                PASSWORD_VARIABLES
                    .contains(&k.trim())
                    .then(|| (k.trim(), v))
                    .map(|(_, v)| ("an environment variable", v))
            } else {
                let key = e.path.rsplit('.').next().unwrap_or("");
                (e.path.contains(".environment.") && PASSWORD_VARIABLES.contains(&key))
                    .then_some(("an environment variable", e.value.as_str()))
            };
            after_a = e.value == "-a" && e.path.contains("healthcheck");
            let Some((how, value)) = given else { continue };
            // Compose interpolates `${VAR}` from the shell or an .env file: unknown here.
            if value.is_empty() || value.contains('$') {
                continue;
            }
            if known.contains(&credentials::sha256(value.as_bytes())) {
                continue;
            }
            let service = e.path.split('.').nth(1).unwrap_or("");
            out.push(
                Diagnostic::new(
                    &rules::CLIENT_PASSWORD_MATCHES_NO_USER,
                    *compose,
                    e.span,
                    format!(
                        "service `{service}` is given a Redis password ({how}) that is not the password of any user of the Redis server this file runs: {}",
                        if after_healthcheck {
                            "the healthcheck's `AUTH` fails, and since `redis-cli` still exits 0 the container is reported healthy anyway"
                        } else {
                            "the client gets `WRONGPASS` and cannot run a command"
                        }
                    ),
                )
                .help("pass the same secret to the server and its clients from one place: an `.env` file or a Compose secret, referenced as `${REDIS_PASSWORD}` in both"),
            );
        }
    }
}

fn logfile(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for server in &ctx.deployment.servers {
        let Some(container) = ctx.deployment.container(server.main) else {
            continue;
        };
        let Some(d) = server.last("logfile") else {
            continue;
        };
        let Some(value) = effective::single(ctx.ws, d) else {
            continue;
        };
        if value.is_empty() {
            continue;
        }
        let compose = ctx.ws.file(container.compose);
        let mounted = container.targets.iter().any(|t| {
            let path = String::from_utf8_lossy(value);
            path.starts_with(&format!("{}/", t.trim_end_matches('/')))
        });
        let where_to = if mounted {
            "a file on a volume the service mounts, which nothing rotates"
        } else {
            "a file in the container's writable layer, which grows until the container is recreated and is lost with it"
        };
        out.push(
            Diagnostic::new(
                &rules::LOGFILE_IN_CONTAINER,
                d.file,
                content_span(ctx.ws, d),
                format!(
                    "this {} runs in a container (service `{}` of {}), but `logfile` sends its log to {where_to}: `docker logs` and the runtime's log collection see nothing, not even why Redis refused to start",
                    if server.sentinel { "Sentinel" } else { "server" },
                    container.service,
                    compose.source.path
                ),
            )
            .related(container.compose, container.mount, "the config is mounted into the container here")
            .help("write `logfile \"\"` so Redis logs to standard output, where the container runtime collects it")
            .fix(
                Applicability::Unsafe,
                "log to standard output (`logfile \"\"`)",
                vec![effective::replace_value_edit(ctx.ws, d, "\"\"")],
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::effective::testing::{lines, run};
    use crate::model::Kind;

    const COMPOSE: &str = "services:\n  redis:\n    image: redis:7.0\n    command: redis-server /usr/local/etc/redis/redis.conf\n    volumes:\n      - redis_data:/data\n      - ./redis.conf:/usr/local/etc/redis/redis.conf\n    healthcheck:\n      test: [\"CMD\", \"redis-cli\", \"-a\", \"stale-password-for-the-check\", \"ping\"]\n  exporter:\n    image: oliver006/redis_exporter\n    environment:\n      REDIS_PASSWORD: current-password-9f8e7d6c5b4a\n";
    const CONF: &str =
        "dir /data\nlogfile /var/log/redis.log\nrequirepass current-password-9f8e7d6c5b4a\n";

    #[test]
    fn container_paths_are_not_host_paths() {
        let files = [
            ("/srv/app/docker-compose.yml", Kind::Compose, COMPOSE),
            ("/srv/app/redis.conf", Kind::Redis, CONF),
        ];
        let f = run(&files);
        // `dir /data` exists in the image: not RL017 on the host.
        assert!(lines(&f, "RL017").is_empty(), "{f:#?}");
        assert_eq!(lines(&f, "RL710"), [("srv/app/redis.conf".into(), 2)]);
        // The healthcheck's password is stale; the exporter's is right.
        assert_eq!(
            lines(&f, "RL407"),
            [("srv/app/docker-compose.yml".into(), 9)]
        );
        assert!(!format!("{f:?}").contains("stale-password"));
        // Without the Compose file, the same config is a host config (checked on the host).
        let on_host = crate::Options {
            on_host: true,
            ..crate::Options::default()
        };
        let f = super::super::effective::testing::run_with(&files[1..], &on_host);
        assert!(!lines(&f, "RL017").is_empty());
        assert!(lines(&f, "RL710").is_empty());
    }

    #[test]
    fn bind_all_in_a_container_is_judged_by_what_compose_publishes() {
        use crate::finding::Severity;
        let conf = "bind 0.0.0.0\nrequirepass current-password-9f8e7d6c5b4a-x\n";
        let compose = |ports: &str| {
            format!("services:\n  redis:\n    image: redis:7.0\n    ports:\n      - \"{ports}\"\n    volumes:\n      - ./redis.conf:/etc/redis/redis.conf\n")
        };
        let rl301 = |ports: &str| {
            let c = compose(ports);
            let f = run(&[
                ("/srv/app/docker-compose.yml", Kind::Compose, c.as_str()),
                ("/srv/app/redis.conf", Kind::Redis, conf),
            ]);
            f.into_iter().find(|x| x.code == "RL301").expect("RL301")
        };
        let open = rl301("6379:6379");
        assert_eq!(open.severity, Severity::Warning);
        assert!(
            open.message
                .contains("publishes it on every interface of the host"),
            "{}",
            open.message
        );
        assert!(
            open.related
                .iter()
                .any(|r| r.line == 5 && r.file.ends_with("docker-compose.yml")),
            "{:?}",
            open.related
        );
        let local = rl301("127.0.0.1:6379:6379");
        assert_eq!(local.severity, Severity::Info, "{}", local.message);
    }
}
