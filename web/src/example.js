// The example deployment the page opens with: small, with a few real findings across files
// (a CIDR bind, comments in the ACL file, a quorum of one, sysctl settings Redis warns about).
export const EXAMPLE = [
  {
    path: 'redis.conf',
    host_path: '/etc/redis/redis.conf',
    text: `# A small primary; its users live in users.acl
bind 127.0.0.1 10.0.0.0/8
protected-mode yes
port 6379
supervised systemd
dir /var/lib/redis
logfile /var/log/redis/redis-server.log
maxmemory 6gb
maxmemory-policy allkeys-lru
appendonly yes
appendfsync everysec
aclfile /etc/redis/users.acl
`,
  },
  {
    path: 'users.acl',
    host_path: '/etc/redis/users.acl',
    text: `# application users
user default off
user app on >app-password-2024 ~app:* +@read +@write -@dangerous
user monitor on >monitor-password ~* +info +ping +client|list +latency
`,
  },
  {
    path: 'sentinel.conf',
    host_path: '/etc/redis/sentinel.conf',
    text: `port 26379
sentinel monitor mymaster 10.0.0.11 6379 1
sentinel auth-user mymaster monitor
sentinel auth-pass mymaster monitor-password
sentinel down-after-milliseconds mymaster 5000
`,
  },
  {
    path: '60-redis.conf',
    host_path: '/etc/sysctl.d/60-redis.conf',
    text: `vm.overcommit_memory = 0
net.core.somaxconn = 128
`,
  },
];
