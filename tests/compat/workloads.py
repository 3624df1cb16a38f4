"""The compatibility suite's workloads: the 50 Debian programs of the ABI study
(../shared/abi/programs.tsv in the team's notes), each with real work to do.

Placeholders in argv, options, stdin and client commands: {data} is the suite's data
directory (the same absolute path on the host and in the VM, packed with --add), {pgdata}
a PostgreSQL cluster initdb made for the run (shared with the VM as a volume), {http} the base URL
of the suite's HTTP server on the host as the run sees it (127.0.0.1 from the host,
10.0.2.2 from the VM), {port} the host port forwarded to a server's guest port.

Checks:
  Same()           the run in the VM prints what the same command prints on the host and
                   exits with the same status (stdout and stderr together; `ignore` drops
                   lines matching a regex from both, e.g. time stamps).
  Matches(*re)     every regex matches a line of the VM's output, and the status is 0
                   (or `status`): for output that differs run to run (timings).
  Serves(...)      the program is a server: it runs in the VM with -p 127.0.0.1:PORT:GUEST,
                   and a client on the host must get the expected answer.

`ci=True` puts a workload in the bounded share CI runs (`run --ci`); `passes=True` says it
passes today, so a failure is a regression (the suite exits 1), and a pass of one marked
False is reported so someone marks it.
"""
import os
from dataclasses import dataclass, field


@dataclass
class Same:
    ignore: list = field(default_factory=list)


@dataclass
class Matches:
    patterns: tuple
    status: int = 0

    def __init__(self, *patterns, status=0):
        self.patterns, self.status = patterns, status


@dataclass
class Serves:
    guest_port: int
    client: tuple          # ("http", path) | ("tcp", bytes) | ("dns", name) | ("command", argv)
    expect: str            # regex the client's answer must match
    udp: bool = False


@dataclass
class Workload:
    label: str             # the program, as programs.tsv names it
    name: str              # what this workload does
    package: str           # the Debian package that provides the program
    argv: list
    check: object = field(default_factory=Same)
    stdin: str = None
    add: list = field(default_factory=list)     # extra --add HOST[:GUEST] (data is always added)
    options: list = field(default_factory=list)  # extra `osprey run` options
    env: dict = field(default_factory=dict)      # the program's environment (host and VM)
    user: str = None       # run as this user of the host (`osprey run --user`; on the host too)
    net: bool = False      # the VM needs a network (a client reaching {http})
    ci: bool = False
    passes: bool = False


def dns_server(label, package, argv, **kw):
    return Workload(label, "answers an A query", package, argv,
                    Serves(5353, ("dns", "compat.osprey"), r"^10\.9\.8\.7$", udp=True), **kw)


def http_server(label, package, argv, guest_port=8080, **kw):
    return Workload(label, "serves a page over HTTP", package, argv,
                    Serves(guest_port, ("http", "/index.html"), "Osprey compatibility suite"), **kw)


def banner_server(label, package, argv, banner, port, **kw):
    return Workload(label, "sends its protocol banner", package, argv, Serves(port, ("tcp", b""), banner), **kw)


PYTHON = ["/usr/lib/python3.11"]
PERL = ["/usr/lib/x86_64-linux-gnu/perl-base"]
ERLANG_ROOT = "/usr/lib/erlang"
ERTS_BIN = "/usr/lib/erlang/erts-13.1.5/bin"
JAVA_HOME = "/usr/lib/jvm/java-17-openjdk-amd64"

WORKLOADS = [
    # --- command-line tools: the VM's output against the host's ---
    Workload("ls", "lists a directory", "coreutils", ["/bin/ls", "-1", "{data}/tree"], ci=True, passes=True),
    Workload("ls", "long listing", "coreutils",
             ["/bin/ls", "-ln", "--time-style=+", "{data}/tree"], Same(ignore=[r"^total "]), ci=True, passes=True),
    Workload("cat", "prints a file", "coreutils", ["/bin/cat", "{data}/text.txt"], ci=True, passes=True),
    Workload("cat", "copies stdin", "coreutils", ["/bin/cat", "-n"], stdin="one\ntwo\nthree\n", ci=True, passes=True),
    Workload("sort", "numeric sort of a file", "coreutils", ["/usr/bin/sort", "-n", "{data}/numbers.txt"], ci=True,
             passes=True),
    Workload("sort", "unique lines of stdin, by key", "coreutils", ["/usr/bin/sort", "-u", "-k2,2", "-k1,1r"],
             stdin="b 2\na 1\nc 2\na 1\nd 0\n", ci=True, passes=True),
    Workload("busybox", "awk sums a column", "busybox",
             ["{busybox}", "awk", "{ s += $1 } END { print s, NR }", "{data}/numbers.txt"], passes=True),
    Workload("busybox", "sed prints a range", "busybox", ["{busybox}", "sed", "-n", "5,8p", "{data}/text.txt"],
             passes=True),
    Workload("busybox", "sh arithmetic and loops", "busybox",
             ["{busybox}", "sh", "-c", "i=0; while [ $i -lt 5 ]; do echo $((i * i)); i=$((i + 1)); done"], passes=True),
    Workload("bash", "runs a script without child processes", "bash",
             ["/bin/bash", "{data}/script.sh", "{data}/text.txt"], ci=True, passes=True),
    Workload("bash", "arrays and arithmetic", "bash",
             ["/bin/bash", "-c", 'a=(3 1 2); for i in "${a[@]}"; do printf "%d\\n" $((i*i)); done; echo ${#a[@]}'],
             ci=True, passes=True),
    Workload("curl", "reads a file URL", "curl", ["/usr/bin/curl", "-sS", "file://{data}/text.txt"], ci=True,
             passes=True),
    Workload("curl", "fetches over HTTP", "curl", ["/usr/bin/curl", "-sS", "--fail", "{http}/data.json"],
             net=True, ci=True, passes=True),
    Workload("wget", "fetches over HTTP", "wget", ["/usr/bin/wget", "-q", "-O", "-", "{http}/data.json"],
             net=True, ci=True, passes=True),
    Workload("iperf3", "serves a one-second test", "iperf3", ["/usr/bin/iperf3", "-s", "-1", "-p", "5201"],
             Serves(5201, ("command", ["iperf3", "-c", "127.0.0.1", "-p", "{port}", "-t", "1"]), r"receiver"),
                    passes=True),
    Workload("sysbench", "cpu benchmark", "sysbench",
             ["/usr/bin/sysbench", "cpu", "--cpu-max-prime=2000", "--events=200", "--time=0", "run"],
             Matches(r"total number of events:\s+200"), passes=True),
    Workload("sysbench", "cpu benchmark on 2 threads", "sysbench",
             ["/usr/bin/sysbench", "--threads=2", "cpu", "--cpu-max-prime=2000", "--events=400", "--time=0", "run"],
             Matches(r"total number of events:\s+400"), options=["--cpus", "2"], passes=True),
    Workload("sysbench", "memory benchmark", "sysbench",
             ["/usr/bin/sysbench", "memory", "--memory-total-size=64M", "run"], Matches(r"Total operations: \d+"),
                 passes=True),
    Workload("stress-ng", "cpu stressor", "stress-ng",
             ["/usr/bin/stress-ng", "--cpu", "1", "--cpu-ops", "200", "--metrics-brief"],
             Matches(r"successful run completed"), passes=True),
    Workload("git", "log of a repository", "git",
             ["/usr/bin/git", "-C", "{data}/repo", "log", "--format=%h %an %ad %s", "--date=iso"], ci=True,
                 passes=True),
    Workload("git", "diff between commits", "git",
             ["/usr/bin/git", "-C", "{data}/repo", "diff", "--stat", "HEAD~2", "HEAD"], ci=True, passes=True),
    Workload("git", "reads a blob", "git", ["/usr/bin/git", "-C", "{data}/repo", "cat-file", "-p", "HEAD:notes.txt"],
             ci=True, passes=True),
    Workload("zstd", "decompresses", "zstd", ["/usr/bin/zstd", "-dc", "{data}/text.txt.zst"], ci=True, passes=True),
    Workload("zstd", "compresses on 2 threads", "zstd",
             ["/usr/bin/zstd", "-T2", "-19", "-q", "-f", "-o", "/tmp/text.zst", "{data}/big.txt"],
             options=["--cpus", "2"], passes=True),
    Workload("xz", "decompresses", "xz-utils", ["/usr/bin/xz", "-dc", "{data}/text.txt.xz"], ci=True, passes=True),
    Workload("xz", "lists an archive", "xz-utils", ["/usr/bin/xz", "-l", "{data}/text.txt.xz"], ci=True, passes=True),
    Workload("xz", "compresses on 2 threads", "xz-utils",
             ["/usr/bin/xz", "-T2", "-6", "-k", "-c", "{data}/big.txt"], Matches(status=0),
             options=["--cpus", "2", "--memory", "512M"], passes=True),
    Workload("gzip", "decompresses", "gzip", ["/bin/gzip", "-dc", "{data}/text.txt.gz"], ci=True, passes=True),
    Workload("gzip", "tests and lists", "gzip", ["/bin/gzip", "-tl", "{data}/text.txt.gz"], ci=True, passes=True),
    Workload("jq", "sums a field", "jq", ["/usr/bin/jq", ".items | map(.n) | add", "{data}/data.json"], ci=True,
             passes=True),
    Workload("jq", "filters objects", "jq",
             ["/usr/bin/jq", "-r", ".items[] | select(.n > 2) | .name", "{data}/data.json"], ci=True, passes=True),
    Workload("jq", "reformats stdin", "jq", ["/usr/bin/jq", "-c", "."], stdin='{"a": [1, 2, {"b": null}]}\n', ci=True,
             passes=True),
    Workload("wrk", "loads an HTTP server", "wrk", ["/usr/bin/wrk", "-t1", "-c2", "-d1s", "{http}/text.txt"],
             Matches(r"requests in"), net=True, passes=True),
    Workload("openssl", "hashes a file", "openssl", ["/usr/bin/openssl", "dgst", "-sha256", "{data}/text.txt"],
             ci=True, passes=True),
    Workload("openssl", "encrypts with a fixed salt", "openssl",
             ["/usr/bin/openssl", "enc", "-aes-256-cbc", "-pbkdf2", "-pass", "pass:osprey", "-S", "0011223344556677",
              "-a", "-in", "{data}/numbers.txt"], ci=True, passes=True),
    Workload("openssl", "random bytes", "openssl", ["/usr/bin/openssl", "rand", "-hex", "16"],
             Matches(r"^[0-9a-f]{32}$"), ci=True, passes=True),
    Workload("rsync", "lists a tree", "rsync", ["/usr/bin/rsync", "-r", "--list-only", "{data}/tree/"]),
    Workload("rsync", "copies a tree", "rsync", ["/usr/bin/rsync", "-a", "{data}/tree/", "/tmp/copy/"]),
    Workload("socat", "copies a file to stdout", "socat",
             ["/usr/bin/socat", "-u", "FILE:{data}/text.txt", "STDOUT"], ci=True, passes=True),
    Workload("fio", "random reads and writes on a file", "fio",
             ["/usr/bin/fio", "--thread", "--name=rw", "--filename=/tmp/fio.dat", "--size=8M", "--rw=randrw",
              "--bs=4k", "--ioengine=psync", "--output-format=terse"], Matches(r"^3;fio-[^;]+;rw;0;"),
             options=["--memory", "256M"], passes=True),
    Workload("ffmpeg", "encodes a test pattern", "ffmpeg",
             ["/usr/bin/ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
              "testsrc=duration=1:size=64x48:rate=5", "-f", "framemd5", "-"], options=["--memory", "1G"], passes=True),
    Workload("sqlite3", "queries in memory", "sqlite3",
             ["/usr/bin/sqlite3", ":memory:", "create table t(a, b); insert into t values (1, 'x'), (2, 'y'), (3, 'z');"
              " select b, a * 10 from t where a > 1 order by a desc;"], ci=True, passes=True),
    Workload("sqlite3", "reads a database file", "sqlite3",
             ["/usr/bin/sqlite3", "-readonly", "{data}/db.sqlite", "select name, count(*) from t group by name;"],
             ci=True, passes=True),
    # --- language runtimes ---
    Workload("python3.11", "runs a script", "python3.11-minimal", ["/usr/bin/python3.11", "{data}/prog.py"],
             add=PYTHON, options=["--memory", "256M"], ci=True, passes=True),
    Workload("python3.11", "evaluates an expression", "python3.11-minimal",
             ["/usr/bin/python3.11", "-c", "import sys; print(sum(i * i for i in range(100)), sys.argv[1:])", "x"],
             add=PYTHON, options=["--memory", "256M"], ci=True, passes=True),
    Workload("python3.11", "talks over unix sockets", "python3.11-minimal",
             ["/usr/bin/python3.11", "{data}/unix_sockets.py"], add=PYTHON, options=["--memory", "256M"], ci=True,
             passes=True),
    Workload("perl", "runs a script", "perl-base", ["/usr/bin/perl", "{data}/prog.pl"], add=PERL, ci=True, passes=True),
    Workload("perl", "one-liner over a file", "perl-base",
             ["/usr/bin/perl", "-ne", "print if /1/ && $. < 40", "{data}/numbers.txt"], add=PERL, ci=True, passes=True),
    Workload("node", "runs a script", "nodejs", ["/usr/bin/node", "{data}/prog.js"], options=["--memory", "1G"],
             passes=True),
    http_server("node", "nodejs", ["/usr/bin/node", "{data}/http_server.js"], options=["--memory", "1G"],
                passes=True),
    # Debian's PHP checks its time zone against the system's database: packed with --add.
    Workload("php8.2", "runs a script", "php8.2-cli", ["/usr/bin/php8.2", "-n", "{data}/prog.php"],
             add=["/usr/share/zoneinfo"], options=["--memory", "256M"], passes=True),
    Workload("ruby3.1", "runs a script", "ruby3.1", ["/usr/bin/ruby3.1", "{data}/prog.rb"],
             add=["/usr/lib/ruby", "/usr/lib/x86_64-linux-gnu/ruby"], options=["--memory", "256M"], passes=True),
    Workload("lua5.4", "runs a script", "lua5.4", ["/usr/bin/lua5.4", "{data}/prog.lua"], ci=True, passes=True),
    Workload("lua5.4", "evaluates a chunk", "lua5.4",
             ["/usr/bin/lua5.4", "-e", "local t = {} for i = 1, 10 do t[i] = i * i end print(table.concat(t, ' '))"],
             ci=True, passes=True),
    Workload("beam.smp", "evaluates an expression", "erlang-base",
             [ERTS_BIN + "/beam.smp", "--", "-root", ERLANG_ROOT, "-bindir", ERTS_BIN, "-progname", "erl", "--",
              "-home", "/tmp", "-noshell", "-eval", "io:format(\"~p~n\", [lists:sum(lists:seq(1, 100))]), halt()."],
             add=[ERLANG_ROOT], env={"BINDIR": ERTS_BIN, "ROOTDIR": ERLANG_ROOT, "EMU": "beam", "HOME": "/tmp"},
             options=["--memory", "512M"]),
    Workload("java17", "lists its modules", "openjdk-17-jre-headless",
             [JAVA_HOME + "/bin/java", "-Xshare:auto", "--list-modules"], add=[JAVA_HOME],
             options=["--memory", "1G"], passes=True),
    # --- servers: a client on the host talks to the program in the VM ---
    Workload("redis", "answers PING, SET and GET", "redis-server",
             ["/usr/bin/redis-server", "--port", "6379", "--protected-mode", "no", "--save", "", "--appendonly", "no"],
             Serves(6379, ("tcp", b"PING\r\nSET k v\r\nGET k\r\n"), r"\+PONG\r\n\+OK\r\n\$1\r\nv\r\n"),
             options=["--memory", "256M"], ci=True, passes=True),
    Workload("memcached", "stores and returns a value", "memcached",
             ["/usr/bin/memcached", "-u", "root", "-p", "11211", "-U", "0", "-m", "16"],
             Serves(11211, ("tcp", b"set k 0 0 2\r\nhi\r\nget k\r\n"), r"STORED\r\nVALUE k 0 2\r\nhi\r\nEND"),
             passes=True),
    http_server("nginx", "nginx", ["/usr/sbin/nginx", "-c", "{data}/nginx.conf"], ci=True, passes=True),
    Workload("nginx", "proxies to itself over a unix socket", "nginx", ["/usr/sbin/nginx", "-c", "{data}/nginx-unix.conf"],
             Serves(8080, ("http", "/index.html"), "Osprey compatibility suite"), ci=True, passes=True),
    http_server("lighttpd", "lighttpd", ["/usr/sbin/lighttpd", "-D", "-f", "{data}/lighttpd.conf"], ci=True,
                passes=True),
    Workload("haproxy", "answers from a frontend rule", "haproxy",
             ["/usr/sbin/haproxy", "-db", "-f", "{data}/haproxy.cfg"],
             Serves(8080, ("http", "/"), "haproxy answers"), passes=True),
    http_server("apache2", "apache2-bin", ["/usr/sbin/apache2", "-X", "-f", "{data}/apache2.conf"],
                add=["/usr/lib/apache2/modules"], options=["--memory", "256M"], passes=True),
    Workload("postgres", "describes its configuration", "postgresql-15",
             ["/usr/lib/postgresql/15/bin/postgres", "--describe-config"], options=["--memory", "256M"], passes=True),
    # Single-user mode (no server processes: those are forked), as the postgres user, which
    # postgres insists on, on a cluster the host's initdb made, with Debian's time zones.
    Workload("postgres", "runs SQL in single-user mode", "postgresql-15",
             ["/usr/lib/postgresql/15/bin/postgres", "--single", "-D", "{pgdata}", "postgres"],
             Matches(r'^\s*1: \?column\? = "42"', r'^\s*1: sum = "500500"', r'^\s*1: count = "3"'),
             stdin="select 6*7;\nselect sum(g) from generate_series(1, 1000) g;\n"
                   "create temporary table t as select generate_series(1, 3) n;\nselect count(*) from t;\n",
             user="postgres", add=["/usr/share/zoneinfo", "/usr/share/postgresql"],
             options=["--memory", "256M", "--volume", "{pgdata}:{pgdata}"], passes=True),
    # open-files-limit is what setrlimit(RLIMIT_NOFILE) gave mariadbd when it asked for the
    # files it wants (32,183 with these defaults): root in the VM may raise the hard limit,
    # root on a host without CAP_SYS_RESOURCE (a container) keeps its own, and with fewer
    # files mariadbd cuts table-open-cache-instances. thread-pool-size follows the CPUs, so
    # the VM gets the host's. server-uid is a
    # hash of the machine's MAC address ("unknown" in a VM without --net, as on a host
    # without a network card).
    Workload("mariadbd", "prints its variables", "mariadb-server-core",
             ["/usr/sbin/mariadbd", "--no-defaults", "--help", "--verbose"],
             Same(ignore=[r"^\d{4}-\d\d-\d\d [ \d]\d:\d\d:\d\d ", r"^open-files-limit\s+\d+$",
                        r"^table-open-cache-instances\s+\d+$", r"^server-uid\s"]),
             options=["--memory", "512M", "--cpus", str(os.cpu_count())], passes=True),
    Workload("mosquitto", "accepts an MQTT connection", "mosquitto",
             ["/usr/sbin/mosquitto", "-c", "{data}/mosquitto.conf"],
             Serves(1883, ("tcp", b"\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00"), r"^\x20\x02\x00\x00"), passes=True),
    # sshd looks up its privilege separation user (the package's postinst adds "sshd" to the
    # host's /etc/passwd); the kernel's own /etc/passwd has root and nobody only.
    banner_server("sshd", "openssh-server", ["/usr/sbin/sshd", "-D", "-e", "-f", "{data}/sshd_config"],
                  r"^SSH-2\.0-OpenSSH", 2222, add=["{data}/empty:/run/sshd", "/etc/passwd", "/etc/group"]),
    dns_server("dnsmasq", "dnsmasq-base",
               ["/usr/sbin/dnsmasq", "-d", "-k", "-p", "5353", "--no-resolv", "--no-hosts", "-u", "root", "-g", "root",
                "--pid-file=/tmp/dnsmasq.pid", "--address=/compat.osprey/10.9.8.7"], passes=True),
    dns_server("unbound", "unbound", ["/usr/sbin/unbound", "-d", "-c", "{data}/unbound.conf"], passes=True),
    dns_server("named", "bind9", ["/usr/sbin/named", "-g", "-n", "1", "-c", "{data}/named.conf"],
               options=["--memory", "256M"], passes=True),
    dns_server("kresd", "knot-resolver", ["/usr/sbin/kresd", "-n", "-c", "{data}/kresd.conf", "/tmp"],
               add=["/usr/lib/x86_64-linux-gnu/knot-resolver", "/usr/share/dns"], options=["--memory", "256M"],
               passes=True),
    # squid's MIME table, error pages and the unlinkd helper it checks for at start.
    Workload("squid", "proxies an HTTP request", "squid", ["/usr/sbin/squid", "-N", "-f", "{data}/squid.conf"],
             Serves(3128, ("command", ["curl", "-sS", "-x", "http://127.0.0.1:{port}", "{http}/data.json"]),
                    r'"items"'),
             add=["/usr/share/squid", "/usr/share/squid-langpack", "/usr/lib/squid"],
             options=["--memory", "256M"], passes=True),
    Workload("varnishd", "caches a backend", "varnish",
             ["/usr/sbin/varnishd", "-F", "-j", "none", "-a", ":6081", "-b", "{upstream}", "-n", "/tmp/varnish",
              "-s", "malloc,16m"],
             Serves(6081, ("command", ["curl", "-sS", "http://127.0.0.1:{port}/data.json"]), r'"items"'),
             options=["--memory", "256M"]),
    Workload("tinyproxy", "proxies an HTTP request", "tinyproxy-bin",
             ["/usr/bin/tinyproxy", "-d", "-c", "{data}/tinyproxy.conf"],
             Serves(8888, ("command", ["curl", "-sS", "-x", "http://127.0.0.1:{port}", "{http}/data.json"]),
                    r'"items"'), passes=True),
    Workload("nghttpd", "serves a page over HTTP/2", "nghttp2-server",
             ["/usr/sbin/nghttpd", "--no-tls", "-d", "{data}/www", "8080"],
             Serves(8080, ("command", ["curl", "-sS", "--http2-prior-knowledge", "http://127.0.0.1:{port}/index.html"]),
                    "Osprey compatibility suite"), passes=True),
    banner_server("dropbear", "dropbear-bin",
                  ["/usr/sbin/dropbear", "-F", "-E", "-s", "-p", "2222", "-r", "{data}/dropbear_ed25519_key"],
                  r"^SSH-2\.0-dropbear", 2222),
    http_server("caddy", "caddy", ["/usr/bin/caddy", "file-server", "--listen", ":8080", "--root", "{data}/www"],
                env={"HOME": "/tmp", "XDG_DATA_HOME": "/tmp", "XDG_CONFIG_HOME": "/tmp"}, options=["--memory", "256M"],
                ci=True, passes=True),  # Go: its runtime makes system calls with the syscall instruction
]
