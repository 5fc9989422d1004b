//! `trellis token`: grant, list and revoke API tokens on a store no server holds.

use std::path::Path;
use std::process::ExitCode;

use chrono::Utc;
use clap::Subcommand;
use trellis_events::Append;

use crate::app::App;
use crate::token::{self, Role, Tokens};

use super::rubric::catalog;

/// The actor recorded for grants and revocations made on the command line.
const ACTOR: &str = "cli";

#[derive(Debug, Subcommand)]
pub enum TokenAction {
    /// Make a token; its secret is printed once.
    Create {
        #[arg(long)]
        login: String,
        /// admin, editor, auditor or viewer
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The org subtree an editor or viewer is limited to.
        #[arg(long)]
        org: Option<String>,
    },
    /// Every token's grant (never a secret).
    List,
    /// Revoke a token by its id.
    Revoke { id: String },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| format!("expected admin, editor, auditor or viewer, got {s:?}"))
}

pub fn run(data: &Path, action: TokenAction) -> anyhow::Result<ExitCode> {
    let app = App::open(data, catalog(data)?)?;
    let tokens = Tokens::open(&app.log)?;
    match action {
        TokenAction::Create { login, role, org } => {
            if let Some(o) = &org {
                if app.projections.org_tree().unit(o).is_none() {
                    eprintln!("error: org: no org unit {o:?}");
                    return Ok(ExitCode::from(1));
                }
            }
            let minted = match Tokens::mint(&login, role, org, Utc::now()) {
                Ok(m) => m,
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(ExitCode::from(1));
                }
            };
            let grant = &minted.grant;
            app.log.append_blocking(Append::new(
                token::STREAM,
                ACTOR,
                vec![grant.granted_event()],
            ))?;
            tokens.store(&minted)?;
            println!(
                "token {} for {} ({}):",
                grant.id,
                grant.login,
                grant.role.as_str()
            );
            println!("{}", minted.token);
        }
        TokenAction::List => {
            for g in tokens.list() {
                println!(
                    "{}  {:<20} {:<8} {:<16} created {}{}",
                    g.id,
                    g.login,
                    g.role.as_str(),
                    g.org.as_deref().unwrap_or("-"),
                    g.created_at.to_rfc3339(),
                    g.revoked_at
                        .map(|t| format!(", revoked {}", t.to_rfc3339()))
                        .unwrap_or_default()
                );
            }
        }
        TokenAction::Revoke { id } => {
            let now = Utc::now();
            let was = tokens.get(&id).and_then(|g| g.revoked_at);
            let grant = match tokens.revoke(&id, now) {
                Ok(g) => g,
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(ExitCode::from(1));
                }
            };
            if was.is_none() {
                app.log.append_blocking(Append::new(
                    token::STREAM,
                    ACTOR,
                    vec![grant.revoked_event(now)],
                ))?;
            }
            println!("token {} of {} revoked", grant.id, grant.login);
        }
    }
    Ok(ExitCode::SUCCESS)
}
