//! `trellis serve`: the API over a data directory, until SIGINT or SIGTERM.

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use tokio::net::TcpListener;
use trellis_events::OrgKind;

use crate::demo::{self, DemoOptions};
use crate::server::{self, Running};

use super::rubric::catalog;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on (port 0: any free port, printed at start).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Fill an empty data directory with the sample district first (a populated one is
    /// served as it is).
    #[arg(long)]
    pub demo: bool,
    /// Also serve `/metrics` (Prometheus text) without a token on this address, for a
    /// scraper on the monitoring network; on the API's address it takes an admin token.
    #[arg(long, value_name = "ADDR")]
    pub metrics_addr: Option<SocketAddr>,
}

pub fn run(data: &Path, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(serve(data, args))?;
    Ok(ExitCode::SUCCESS)
}

async fn serve(data: &Path, args: ServeArgs) -> anyhow::Result<()> {
    let catalog = catalog(data)?;
    if args.demo && server::is_empty_store(data)? {
        let opts = DemoOptions {
            progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
            ..DemoOptions::default()
        };
        let summary = demo::generate(data, &catalog, &opts)?;
        println!("{summary}");
    }
    let running = Running::open(data, catalog)?;
    let listener = TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("listening on {}", args.addr))?;
    let addr = listener.local_addr()?;
    let base = format!("http://{addr}/api/v1");
    if let Some(minted) = server::first_admin(&running.server).await? {
        println!("An admin token was made for this store. It is shown once, now; keep it:");
        println!("\n    {}\n", minted.token);
        let path = match some_school(&running.server) {
            Some(school) => format!("orgs/{school}/maturity"),
            None => "orgs".into(),
        };
        println!(
            "Try:\n    curl -H 'Authorization: Bearer {}' {base}/{path}\n",
            minted.token
        );
    }
    // The metrics listener stops once the API has (it holds the server too).
    let (stop_metrics, metrics_stopped) = tokio::sync::oneshot::channel::<()>();
    let metrics = match args.metrics_addr {
        Some(addr) => {
            let listener = TcpListener::bind(addr)
                .await
                .with_context(|| format!("listening on {addr} for metrics"))?;
            println!("metrics on http://{}/metrics", listener.local_addr()?);
            let server = running.server.clone();
            Some(tokio::spawn(server::run_metrics(listener, server, async {
                let _ = metrics_stopped.await;
            })))
        }
        None => None,
    };
    println!("serving {} on {base}", data.display());
    let served = server::run(listener, running.server.clone(), shutdown_signal()).await;
    let _ = stop_metrics.send(());
    if let Some(metrics) = metrics {
        metrics.await??;
    }
    served?;
    // Whoever started the server may have stopped reading its output: say this without
    // println!, which would end the process before the writes in flight are durable.
    say("stopping: finishing in-flight writes");
    running.stop().await?;
    say("stopped");
    Ok(())
}

fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout(), "{line}");
}

/// A school that has adopted a rubric, for the example request.
fn some_school(server: &server::Server) -> Option<String> {
    let views = server.views.live();
    let tree = views.org_tree();
    let school = tree
        .units()
        .filter(|u| u.kind == OrgKind::School)
        .find(|u| !views.maturity.adopted(&u.id).is_empty())
        .map(|u| u.id.clone());
    school
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
}
