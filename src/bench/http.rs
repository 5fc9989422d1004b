//! `trellis bench http`: the server over HTTP, each figure beside PostgreSQL measured in the
//! same run on the same machine.
//!
//! The server is started in this process on a freshly generated demo district, on a
//! loopback port; the load generator is an HTTP client in the same process, one keep-alive
//! connection per client (its own `reqwest::Client`), so it shares the machine's cores with
//! the server. Four measures, each bounded in count and in time:
//!
//! 1. durable writes (a rating, answered 201 once durable) from one client, one at a time;
//! 2. the same from [`CLIENTS`] concurrent clients (group commit across them);
//! 3. reads of a school's maturity view from [`CLIENTS`] clients;
//! 4. reads of a cycle's timeline from [`CLIENTS`] clients;
//!
//! and, as the ceiling HTTP and the load generator leave, `/healthz` (no token, no view).
//! The reads run first, on the demo district as generated; the writes then add to it.
//!
//! The peer is PostgreSQL (Debian's `postgresql`), started on a scratch directory and a
//! loopback port: an event table (`position bigserial`, `stream`, `version`, `data jsonb`,
//! `prev_hash`, `hash`, unique on stream and version), one event appended per transaction
//! with `synchronous_commit = on` and `fsync = on`, driven by `pgbench` with one client and
//! with [`CLIENTS`] clients (2 threads) over TCP, like the server's clients. When its
//! binaries are missing or it cannot start, the peer rows say so and the rest is measured.
//!
//! Everything is written under `DIR/http` (and a scratch directory in the system temp dir
//! for PostgreSQL, which must belong to the `postgres` user when run as root), and removed
//! at the end.

use std::fmt;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use tokio::sync::{oneshot, Barrier};
use trellis_events::OrgKind;
use trellis_rubric::Catalog;

use crate::demo::{self, DemoOptions};
use crate::server::{self, Running};

/// Concurrent clients (connections) of the concurrent measures, and pgbench's `-c`.
pub const CLIENTS: usize = 64;
/// Seconds a measure runs at most by default (also pgbench's `-T`).
pub const DEFAULT_SECONDS: u64 = 8;
/// Requests of the one-client measure at most.
pub const SEQUENTIAL_WRITES: usize = 2_000;
/// Requests of a concurrent measure at most (it normally stops on time first).
pub const CONCURRENT_REQUESTS: usize = 1_000_000;
/// The rubric every write rates and whose maturity view is read.
const RUBRIC: &str = "leadership-system";
const LEVELS: [&str; 3] = ["getting_started", "getting_better", "keep_improving"];
const INDICATORS: [&str; 8] = ["1", "2", "3a", "3b", "4", "5a", "5b", "6a"];
/// Targets: reads per second and their p99.
const READS_PER_SEC: f64 = 20_000.0;
const READ_P99: Duration = Duration::from_millis(10);

/// What to measure, and where.
#[derive(Clone, Debug)]
pub struct HttpBenchOpts {
    /// The scratch store goes in `dir/http` (removed at the end).
    pub dir: PathBuf,
    /// Each measure runs at most this long (and pgbench this long).
    pub seconds: u64,
}

/// Latencies and rate of one measure.
#[derive(Clone, Copy, Debug)]
pub struct Measure {
    /// Requests answered as expected (201 for writes, 200 for reads).
    pub n: usize,
    /// Requests that failed or were answered otherwise.
    pub errors: usize,
    pub per_sec: f64,
    pub p50: Duration,
    pub p99: Duration,
}

impl Measure {
    fn from_samples(mut samples: Vec<Duration>, errors: usize, total: Duration) -> Measure {
        samples.sort_unstable();
        let at = |q: usize| {
            samples
                .get((samples.len() * q / 100).min(samples.len().saturating_sub(1)))
                .copied()
                .unwrap_or_default()
        };
        Measure {
            n: samples.len(),
            errors,
            per_sec: samples.len() as f64 / total.as_secs_f64().max(1e-9),
            p50: at(50),
            p99: at(99),
        }
    }
}

/// What PostgreSQL did, or why it was not measured.
#[derive(Clone, Debug)]
pub enum Peer {
    Skipped(String),
    Measured {
        version: String,
        one: Measure,
        many: Measure,
    },
}

/// Everything `trellis bench http` measured.
#[derive(Clone, Debug)]
pub struct HttpBenchReport {
    pub seconds: u64,
    pub cores: usize,
    pub events: u64,
    pub schools: usize,
    pub cycles: usize,
    pub one_write: Measure,
    pub many_write: Measure,
    /// `/healthz` (no token, no view): what HTTP and the load generator allow at most.
    pub healthz: Measure,
    pub maturity: Measure,
    pub timeline: Measure,
    pub peer: Peer,
}

/// Runs every measure; the scratch store is removed even when one fails.
pub fn run(opts: &HttpBenchOpts) -> anyhow::Result<HttpBenchReport> {
    let scratch = opts.dir.join("http");
    if scratch.exists() {
        std::fs::remove_dir_all(&scratch)
            .with_context(|| format!("removing the old scratch dir {}", scratch.display()))?;
    }
    std::fs::create_dir_all(&scratch)?;
    let report = run_in(&scratch, opts.seconds.max(1));
    let _ = std::fs::remove_dir_all(&scratch);
    report
}

fn run_in(scratch: &Path, seconds: u64) -> anyhow::Result<HttpBenchReport> {
    let cap = Duration::from_secs(seconds);
    let store = scratch.join("store");
    eprintln!("generating the demo district in {} …", store.display());
    let summary = demo::generate(&store, &Catalog::shipped(), &DemoOptions::default())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let trellis = runtime.block_on(measure_server(&store, cap))?;
    drop(runtime);
    let peer = match PgBin::find() {
        Err(why) => Peer::Skipped(why),
        Ok(bin) => match measure_peer(&bin, scratch, seconds) {
            Ok(peer) => peer,
            Err(e) => Peer::Skipped(format!("PostgreSQL could not be measured: {e:#}")),
        },
    };
    if let Peer::Skipped(why) = &peer {
        eprintln!("PostgreSQL peer skipped: {why}");
    }
    Ok(HttpBenchReport {
        seconds,
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        events: summary.events,
        schools: trellis.schools,
        cycles: trellis.cycles,
        one_write: trellis.one_write,
        many_write: trellis.many_write,
        healthz: trellis.healthz,
        maturity: trellis.maturity,
        timeline: trellis.timeline,
        peer,
    })
}

struct ServerFigures {
    schools: usize,
    cycles: usize,
    one_write: Measure,
    many_write: Measure,
    healthz: Measure,
    maturity: Measure,
    timeline: Measure,
}

/// Starts the server on `store`, runs the four measures against it, and stops it.
async fn measure_server(store: &Path, cap: Duration) -> anyhow::Result<ServerFigures> {
    let running = Running::open(store, Catalog::shipped())?;
    let admin = server::first_admin(&running.server)
        .await?
        .context("the fresh demo store already had a token")?
        .token;
    let schools = rating_schools(&running.server);
    if schools.is_empty() {
        bail!("the demo district has no school that adopted {RUBRIC}");
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}/api/v1", listener.local_addr()?);
    let (stop, stopped) = oneshot::channel::<()>();
    let serving = tokio::spawn(server::run(listener, running.server.clone(), async {
        let _ = stopped.await;
    }));
    let figures = measures(&base, &admin, schools, cap).await;
    let _ = stop.send(());
    serving.await??;
    running.stop().await?;
    figures
}

/// The schools that adopted [`RUBRIC`], which a rating and a maturity read can address.
fn rating_schools(server: &server::Server) -> Vec<String> {
    let views = server.views.live();
    let tree = views.org_tree();
    let schools = tree
        .units()
        .filter(|u| u.kind == OrgKind::School)
        .filter(|u| {
            views
                .maturity
                .adopted(&u.id)
                .iter()
                .any(|a| a.value.rubric == RUBRIC)
        })
        .map(|u| u.id.clone())
        .collect();
    schools
}

async fn measures(
    base: &str,
    token: &str,
    schools: Vec<String>,
    cap: Duration,
) -> anyhow::Result<ServerFigures> {
    let cycles = cycle_ids(base, token).await?;
    if cycles.is_empty() {
        bail!("the demo district has no cycle to read the timeline of");
    }
    let schools = Arc::new(schools);
    let rating = {
        let schools = schools.clone();
        move |i: usize| {
            let org = &schools[i % schools.len()];
            let body = serde_json::json!({
                "rubric": RUBRIC,
                "indicator": INDICATORS[(i / schools.len()) % INDICATORS.len()],
                "level": LEVELS[i % LEVELS.len()],
                "evidence": format!("bench http rating {i}: a walkthrough of the data wall"),
            });
            Req::Post(format!("/orgs/{org}/ratings"), body.to_string())
        }
    };
    let base: Arc<str> = base.into();
    let token: Arc<str> = token.into();
    let run_load =
        |clients, max, make: MakeReq| load(base.clone(), token.clone(), clients, max, cap, make);

    // Reads first, of the demo district as generated (the writes then add tens of
    // thousands of ratings to the schools whose maturity is read).
    eprintln!("{CLIENTS} clients, /healthz (no token, no view) …");
    let healthz = run_load(
        CLIENTS,
        CONCURRENT_REQUESTS,
        Arc::new(|_| Req::Get("/healthz".into())),
    )
    .await?;
    eprintln!("{CLIENTS} clients, maturity reads …");
    let maturity = {
        let schools = schools.clone();
        let make =
            move |i: usize| Req::Get(format!("/orgs/{}/maturity", schools[i % schools.len()]));
        run_load(CLIENTS, CONCURRENT_REQUESTS, Arc::new(make)).await?
    };
    eprintln!("{CLIENTS} clients, timeline reads …");
    let n_cycles = cycles.len();
    let timeline = {
        let cycles = Arc::new(cycles);
        let make =
            move |i: usize| Req::Get(format!("/cycles/{}/timeline", cycles[i % cycles.len()]));
        run_load(CLIENTS, CONCURRENT_REQUESTS, Arc::new(make)).await?
    };
    eprintln!("1 client, durable writes …");
    let one_write = run_load(1, SEQUENTIAL_WRITES, Arc::new(rating.clone())).await?;
    eprintln!("{CLIENTS} clients, durable writes …");
    let many_write = run_load(CLIENTS, CONCURRENT_REQUESTS, Arc::new(rating)).await?;
    Ok(ServerFigures {
        schools: schools.len(),
        cycles: n_cycles,
        one_write,
        many_write,
        healthz,
        maturity,
        timeline,
    })
}

/// Every cycle id the admin can see.
async fn cycle_ids(base: &str, token: &str) -> anyhow::Result<Vec<String>> {
    let answer = client()?
        .get(format!("{base}/cycles"))
        .bearer_auth(token)
        .send()
        .await?;
    let status = answer.status();
    let body: serde_json::Value = answer.json().await?;
    if !status.is_success() {
        bail!("GET /cycles answered {status}: {body}");
    }
    Ok(body["cycles"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["id"].as_str().map(String::from))
        .collect())
}

/// One request of a measure: a path under the API base, and a JSON body for a POST.
enum Req {
    Get(String),
    Post(String, String),
}

type MakeReq = Arc<dyn Fn(usize) -> Req + Send + Sync>;

fn client() -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .no_proxy()
        .tcp_nodelay(true)
        .build()
        .context("building the HTTP client")
}

/// `clients` tasks, each on its own keep-alive connection (made before the clock starts),
/// sending the requests `make(0..)` until `max` are sent or `cap` has passed.
async fn load(
    base: Arc<str>,
    token: Arc<str>,
    clients: usize,
    max: usize,
    cap: Duration,
    make: MakeReq,
) -> anyhow::Result<Measure> {
    let next = Arc::new(AtomicUsize::new(0));
    let ready = Arc::new(Barrier::new(clients + 1));
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (base, token, make) = (base.clone(), token.clone(), make.clone());
            let (next, ready) = (next.clone(), ready.clone());
            tokio::spawn(async move {
                let client = client();
                if let Ok(client) = &client {
                    // Opens the connection, which the measure then keeps alive.
                    let _ = client.get(format!("{base}/healthz")).send().await;
                }
                ready.wait().await;
                let client = client?;
                let until = Instant::now() + cap;
                let mut samples = Vec::new();
                let mut errors = 0usize;
                let mut first_error = None;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= max || (i > 0 && Instant::now() >= until) {
                        break;
                    }
                    let (request, expect) = match make(i) {
                        Req::Get(path) => (client.get(format!("{base}{path}")), 200),
                        Req::Post(path, body) => (
                            client
                                .post(format!("{base}{path}"))
                                .header(reqwest::header::CONTENT_TYPE, "application/json")
                                .body(body),
                            201,
                        ),
                    };
                    let started = Instant::now();
                    let outcome = match request.bearer_auth(&*token).send().await {
                        Ok(answer) => {
                            let status = answer.status();
                            match answer.bytes().await {
                                Ok(_) if status.as_u16() == expect => Ok(()),
                                Ok(body) => Err(format!(
                                    "answered {status}: {}",
                                    String::from_utf8_lossy(&body)
                                )),
                                Err(e) => Err(e.to_string()),
                            }
                        }
                        Err(e) => Err(e.to_string()),
                    };
                    match outcome {
                        Ok(()) => samples.push(started.elapsed()),
                        Err(e) => {
                            errors += 1;
                            first_error.get_or_insert(e);
                        }
                    }
                }
                anyhow::Ok((samples, errors, first_error))
            })
        })
        .collect();
    ready.wait().await;
    let started = Instant::now();
    let mut samples = Vec::new();
    let mut errors = 0;
    let mut first_error = None;
    for task in tasks {
        let (s, e, first) = task.await??;
        samples.extend(s);
        errors += e;
        first_error = first_error.or(first);
    }
    let total = started.elapsed();
    if let Some(e) = &first_error {
        eprintln!("{errors} requests failed; the first {e}");
    }
    if samples.is_empty() {
        bail!(
            "no request succeeded: {}",
            first_error.unwrap_or_else(|| "none was sent".into())
        );
    }
    Ok(Measure::from_samples(samples, errors, total))
}

/// The PostgreSQL binaries: the newest `/usr/lib/postgresql/*/bin` that has them all.
struct PgBin {
    dir: PathBuf,
    version: String,
}

const PG_TOOLS: [&str; 4] = ["initdb", "pg_ctl", "psql", "pgbench"];

impl PgBin {
    fn find() -> Result<PgBin, String> {
        let root = Path::new("/usr/lib/postgresql");
        let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir(root)
            .map_err(|_| {
                format!(
                    "PostgreSQL is not installed ({} is missing; apt-get install postgresql)",
                    root.display()
                )
            })?
            .filter_map(Result::ok)
            .filter_map(|e| {
                let major = e.file_name().to_str()?.parse::<u32>().ok()?;
                let bin = e.path().join("bin");
                PG_TOOLS
                    .iter()
                    .all(|t| bin.join(t).is_file())
                    .then_some((major, bin))
            })
            .collect();
        found.sort();
        let (_, dir) = found.pop().ok_or_else(|| {
            format!(
                "no {} under {}/*/bin (apt-get install postgresql)",
                PG_TOOLS.join(", "),
                root.display()
            )
        })?;
        let out = Command::new(dir.join("pgbench"))
            .arg("--version")
            .output()
            .map_err(|e| format!("{} does not run: {e}", dir.join("pgbench").display()))?;
        let version = String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))
            .unwrap_or("?")
            .to_string();
        Ok(PgBin { dir, version })
    }
}

/// A PostgreSQL server on a scratch directory, stopped and removed on drop.
struct PgServer {
    bin: PathBuf,
    scratch: tempfile::TempDir,
    /// Running as root: the server's tools run as the `postgres` user.
    as_postgres: bool,
    port: u16,
    started: bool,
}

impl PgServer {
    fn start(bin: &PgBin) -> anyhow::Result<PgServer> {
        let scratch = tempfile::Builder::new()
            .prefix("trellis-bench-pg-")
            .tempdir()
            .context("making PostgreSQL's scratch dir")?;
        let as_postgres = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
        if as_postgres {
            let uid = id_of("-u")?;
            let gid = id_of("-g")?;
            std::os::unix::fs::chown(scratch.path(), Some(uid), Some(gid))
                .context("giving the scratch dir to the postgres user")?;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let mut pg = PgServer {
            bin: bin.dir.clone(),
            scratch,
            as_postgres,
            port,
            started: false,
        };
        let data = pg.data();
        checked(
            pg.server_tool("initdb").arg("-D").arg(&data).args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
            ]),
            "initdb",
        )?;
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync=on -c synchronous_commit=on \
             -c max_connections={}",
            pg.scratch.path().display(),
            CLIENTS + 20
        );
        pg.started = true;
        checked(
            pg.server_tool("pg_ctl")
                .arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(pg.scratch.path().join("server.log"))
                .args(["-w", "-t", "60", "-o", &options, "start"]),
            "pg_ctl start",
        )
        .map_err(|e| {
            let log =
                std::fs::read_to_string(pg.scratch.path().join("server.log")).unwrap_or_default();
            e.context(log)
        })?;
        Ok(pg)
    }

    fn data(&self) -> PathBuf {
        self.scratch.path().join("data")
    }

    /// `initdb` and `pg_ctl` refuse to run as root: as root they run as `postgres`.
    fn server_tool(&self, tool: &str) -> Command {
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(self.bin.join(tool));
            c
        } else {
            Command::new(self.bin.join(tool))
        };
        cmd.stdin(Stdio::null());
        cmd
    }

    /// A client tool over TCP, as whoever runs the bench.
    fn client_tool(&self, tool: &str) -> Command {
        let mut cmd = Command::new(self.bin.join(tool));
        cmd.args([
            "-h",
            "127.0.0.1",
            "-p",
            &self.port.to_string(),
            "-U",
            "postgres",
        ])
        .stdin(Stdio::null());
        cmd
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        if self.started {
            let data = self.data();
            let _ = self
                .server_tool("pg_ctl")
                .arg("-D")
                .arg(&data)
                .args(["-w", "-m", "fast", "stop"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// The postgres user's uid (`-u`) or gid (`-g`).
fn id_of(flag: &str) -> anyhow::Result<u32> {
    let out = Command::new("id").args([flag, "postgres"]).output()?;
    if !out.status.success() {
        bail!("there is no postgres user to run PostgreSQL as");
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().parse()?)
}

/// Runs `cmd`, failing with its output when it fails.
fn checked(cmd: &mut Command, what: &str) -> anyhow::Result<Output> {
    let out = cmd.output().with_context(|| format!("running {what}"))?;
    if !out.status.success() {
        bail!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(out)
}

const SCHEMA: &str = "CREATE TABLE events (
    position bigserial PRIMARY KEY,
    stream text NOT NULL,
    version int NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    data jsonb NOT NULL,
    prev_hash bytea,
    hash bytea NOT NULL,
    UNIQUE (stream, version)
)";

/// One event appended to the client's own stream per transaction, chained to the stream's
/// last hash, like a rating appended to an org's stream.
const SCRIPT: &str = r#"\set r random(1, 1000000000)
WITH last AS (SELECT version, hash FROM events WHERE stream = 'org-' || :client_id ORDER BY version DESC LIMIT 1)
INSERT INTO events (stream, version, data, prev_hash, hash)
SELECT 'org-' || :client_id,
       coalesce((SELECT version FROM last), 0) + 1,
       jsonb_build_object('type', 'indicator_rated', 'rubric', 'leadership-system', 'indicator', '2',
                          'level', 'getting_better', 'evidence', 'bench http rating ' || :r || ': a walkthrough of the data wall'),
       (SELECT hash FROM last),
       sha256(coalesce((SELECT hash FROM last), '\x'::bytea) || int8send(:r));
"#;

fn measure_peer(bin: &PgBin, scratch: &Path, seconds: u64) -> anyhow::Result<Peer> {
    eprintln!("starting PostgreSQL {} …", bin.version);
    let pg = PgServer::start(bin)?;
    checked(
        pg.client_tool("psql").args([
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-q",
            "-c",
            SCHEMA,
        ]),
        "psql (the event table)",
    )?;
    let script = scratch.join("append.sql");
    std::fs::write(&script, SCRIPT)?;
    eprintln!("PostgreSQL, 1 client …");
    let one = pgbench(&pg, &script, scratch, 1, 1, seconds)?;
    eprintln!("PostgreSQL, {CLIENTS} clients …");
    let many = pgbench(&pg, &script, scratch, CLIENTS, 2, seconds)?;
    drop(pg);
    Ok(Peer::Measured {
        version: bin.version.clone(),
        one,
        many,
    })
}

/// `pgbench -n -f script -c clients -j threads -T seconds --log`: its tps, and latencies
/// from its per-transaction logs.
fn pgbench(
    pg: &PgServer,
    script: &Path,
    scratch: &Path,
    clients: usize,
    threads: usize,
    seconds: u64,
) -> anyhow::Result<Measure> {
    let logs = scratch.join(format!("pgbench-c{clients}"));
    std::fs::create_dir_all(&logs)?;
    let out = checked(
        pg.client_tool("pgbench")
            .arg("-n")
            .arg("-f")
            .arg(script)
            .args(["-c", &clients.to_string(), "-j", &threads.to_string()])
            .args(["-T", &seconds.to_string(), "--log", "--log-prefix"])
            .arg(logs.join("tx"))
            .arg("postgres")
            .current_dir(&logs),
        "pgbench",
    )?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let failed = stdout
        .lines()
        .find_map(|l| l.strip_prefix("number of failed transactions:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<usize>().ok())
        .unwrap_or(0);
    let mut samples = Vec::new();
    for entry in std::fs::read_dir(&logs)? {
        let text = std::fs::read_to_string(entry?.path())?;
        // client_id transaction_no time(µs) script_no time_epoch time_us
        samples.extend(
            text.lines()
                .filter_map(|l| l.split_whitespace().nth(2)?.parse::<u64>().ok())
                .map(Duration::from_micros),
        );
    }
    if samples.is_empty() {
        bail!("pgbench logged no transaction: {stdout}");
    }
    let tps = stdout
        .lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok());
    let mut m = Measure::from_samples(samples, failed, Duration::from_secs(seconds));
    if let Some(tps) = tps {
        m.per_sec = tps;
    }
    Ok(m)
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn rate(r: f64) -> String {
    format!("{r:.0} /s")
}

impl fmt::Display for HttpBenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "HTTP benchmark: trellis serve on the demo district ({} events, {} schools rated, \
             {} cycles read), each measure at most {} s",
            self.events, self.schools, self.cycles, self.seconds
        )?;
        writeln!(
            f,
            "the load generator (in this process, one keep-alive connection per client) shares \
             the {} cores with the server; pgbench shares them with PostgreSQL the same way",
            self.cores
        )?;
        match &self.peer {
            Peer::Measured { version, .. } => writeln!(
                f,
                "peer: PostgreSQL {version}, one event INSERT per transaction into an event \
                 table (bigserial position, stream, version, jsonb, hash chain), \
                 synchronous_commit=on, fsync=on, pgbench -n over TCP, -T {}",
                self.seconds
            )?,
            Peer::Skipped(why) => writeln!(f, "peer: PostgreSQL skipped: {why}")?,
        }
        writeln!(f)?;
        let (one, many) = match &self.peer {
            Peer::Measured { one, many, .. } => (Some(one), Some(many)),
            Peer::Skipped(_) => (None, None),
        };
        let skipped = || "skipped".to_string();
        let dash = || "-".to_string();
        // (measure, figure, peer, ratio, target, verdict)
        let mut rows: Vec<[String; 6]> = Vec::new();
        let lat_row = |label: &str, ours: Duration, peer: Option<Duration>, target: bool| {
            let ratio = peer.map(|p| ours.as_secs_f64() / p.as_secs_f64().max(1e-9));
            [
                label.to_string(),
                ms(ours),
                peer.map_or_else(skipped, ms),
                ratio.map_or_else(dash, |r| format!("{r:.2}x")),
                if target { "<= 1x peer" } else { "-" }.to_string(),
                match (target, ratio) {
                    (false, _) => String::new(),
                    (true, None) => "n/a".into(),
                    (true, Some(r)) => verdict(r <= 1.0),
                },
            ]
        };
        rows.push(lat_row(
            "1-client write p50",
            self.one_write.p50,
            one.map(|m| m.p50),
            true,
        ));
        rows.push(lat_row(
            "1-client write p99",
            self.one_write.p99,
            one.map(|m| m.p99),
            false,
        ));
        let ratio = many.map(|m| self.many_write.per_sec / m.per_sec.max(1e-9));
        rows.push([
            format!("{CLIENTS}-client writes/s"),
            rate(self.many_write.per_sec),
            many.map_or_else(skipped, |m| rate(m.per_sec)),
            ratio.map_or_else(dash, |r| format!("{r:.2}x")),
            ">= 2x peer".into(),
            ratio.map_or_else(|| "n/a".into(), |r| verdict(r >= 2.0)),
        ]);
        rows.push(lat_row(
            &format!("{CLIENTS}-client write p99"),
            self.many_write.p99,
            many.map(|m| m.p99),
            false,
        ));
        rows.push([
            format!("{CLIENTS}-client /healthz reads/s"),
            rate(self.healthz.per_sec),
            dash(),
            dash(),
            "(HTTP ceiling)".into(),
            String::new(),
        ]);
        for (label, m) in [("maturity", &self.maturity), ("timeline", &self.timeline)] {
            rows.push([
                format!("{CLIENTS}-client {label} reads/s"),
                rate(m.per_sec),
                dash(),
                dash(),
                format!(">= {READS_PER_SEC:.0} /s"),
                verdict(m.per_sec >= READS_PER_SEC),
            ]);
            rows.push([
                format!("{CLIENTS}-client {label} read p99"),
                ms(m.p99),
                dash(),
                dash(),
                format!("<= {}", ms(READ_P99)),
                verdict(m.p99 <= READ_P99),
            ]);
        }
        let heads = ["measure", "trellis", "PostgreSQL", "ratio", "target", ""];
        let width = |c: usize| {
            rows.iter()
                .map(|r| r[c].len())
                .chain([heads[c].len()])
                .max()
                .unwrap_or(0)
        };
        let widths: Vec<usize> = (0..6).map(width).collect();
        let line = |f: &mut fmt::Formatter<'_>, cells: [&str; 6]| {
            let mut s = format!("{:<w$}", cells[0], w = widths[0]);
            for (c, cell) in cells.iter().enumerate().skip(1) {
                s.push_str(&format!("  {:>w$}", cell, w = widths[c]));
            }
            writeln!(f, "{}", s.trim_end())
        };
        line(f, heads)?;
        for r in &rows {
            line(f, [&r[0], &r[1], &r[2], &r[3], &r[4], &r[5]])?;
        }
        writeln!(f)?;
        let requests = |m: &Measure| {
            let errors = if m.errors > 0 {
                format!(", {} failed", m.errors)
            } else {
                String::new()
            };
            format!("{}{errors}", m.n)
        };
        write!(
            f,
            "requests: 1-client writes {}, {CLIENTS}-client writes {}, maturity reads {}, \
             timeline reads {}",
            requests(&self.one_write),
            requests(&self.many_write),
            requests(&self.maturity),
            requests(&self.timeline)
        )?;
        if let (Some(one), Some(many)) = (one, many) {
            write!(
                f,
                "; PostgreSQL transactions: 1 client {}, {CLIENTS} clients {}",
                requests(one),
                requests(many)
            )?;
        }
        Ok(())
    }
}

fn verdict(pass: bool) -> String {
    if pass { "PASS" } else { "MISS" }.to_string()
}
