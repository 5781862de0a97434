//! `roster-admin`: the operator's command, against DynamoDB Local or a real table
//! (`TABLE_NAME`, and `DYNAMODB_ENDPOINT` for a local one; AWS credentials as usual).
//!
//! ```text
//! roster-admin create-table
//! roster-admin create-org <org-id> --manager <username> [--language <iso639-1>]
//! ```

use std::process::ExitCode;

use roster_shared::config::Config;
use roster_shared::domain::{Language, OrgId, Username};
use roster_shared::service::Roster;
use roster_shared::store::Store;

const USAGE: &str = "usage:
  roster-admin create-table
  roster-admin create-org <org-id> --manager <username> [--language <iso639-1>]
environment: TABLE_NAME (required), DYNAMODB_ENDPOINT (DynamoDB Local), AWS_REGION and credentials";

enum Command {
    CreateTable,
    CreateOrg {
        org: OrgId,
        manager: Username,
        language: Language,
    },
}

fn parse(args: &[String]) -> Result<Command, String> {
    match args.first().map(String::as_str) {
        Some("create-table") if args.len() == 1 => Ok(Command::CreateTable),
        Some("create-org") => {
            let org = args.get(1).ok_or("create-org needs an organization id")?;
            let org = OrgId::parse(org).map_err(|e| format!("organization id {e}"))?;
            let mut manager = None;
            let mut language = Language::default_language();
            let mut rest = args[2..].iter();
            while let Some(flag) = rest.next() {
                let value = rest.next().ok_or(format!("{flag} needs a value"))?;
                match flag.as_str() {
                    "--manager" => {
                        manager = Some(
                            Username::parse(value).map_err(|e| format!("manager username {e}"))?,
                        )
                    }
                    "--language" => {
                        language = Language::parse(value).map_err(|e| format!("language {e}"))?
                    }
                    other => return Err(format!("unknown option {other}")),
                }
            }
            Ok(Command::CreateOrg {
                org,
                manager: manager.ok_or("create-org needs --manager <username>")?,
                language,
            })
        }
        _ => Err("unknown command".into()),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match parse(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let store = Store::connect(&config).await;
    let result = match command {
        Command::CreateTable => store.create_table_if_missing().await.map(|created| {
            println!(
                "{} {}",
                if created {
                    "created table"
                } else {
                    "table exists:"
                },
                config.table_name
            );
        }),
        Command::CreateOrg {
            org,
            manager,
            language,
        } => {
            let roster = Roster::new(store, &config);
            roster
                .bootstrap_org(&org, manager, language)
                .await
                .map(|(user, key)| {
                    eprintln!(
                        "created organization {org} with manager {} ({})",
                        user.username, user.id
                    );
                    println!("ROSTER_API_KEY={}", key.key.secret);
                })
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {} ({e})", e.detail());
            ExitCode::FAILURE
        }
    }
}
