//! `roster-admin`: the operator's command, against DynamoDB Local or a real table
//! (`TABLE_NAME`, and `DYNAMODB_ENDPOINT` for a local one; AWS credentials as usual).
//!
//! ```text
//! roster-admin create-table
//! roster-admin create-org <org-id> --manager <username> [--language <iso639-1>] [--usage-plan-id <id>]
//! roster-admin attach-usage-plan <org-id> --usage-plan-id <id>
//! roster-admin set-ip-allow-list <org-id> [<cidr> ...]
//! roster-admin set-requires-registration <org-id> <true|false>
//! roster-admin set-audit-retention <org-id> <days>
//! roster-admin issue-key <org-id> <manager-username>     (break-glass, rotation: prints ROSTER_API_KEY=…)
//! roster-admin list-keys <org-id>
//! roster-admin revoke-key <org-id> <key-id>
//! roster-admin migrate-party-counts [<org-id> ...]       (parties from before the count sharding)
//! ```

mod usage_plan;

use std::process::ExitCode;

use roster_shared::config::Config;
use roster_shared::domain::{Cidr, KeyId, Language, OrgId, Username};
use roster_shared::service::Roster;
use roster_shared::store::{OrgSettings, Store};

const USAGE: &str = "usage:
  roster-admin create-table
  roster-admin create-org <org-id> --manager <username> [--language <iso639-1>] [--usage-plan-id <id>]
  roster-admin attach-usage-plan <org-id> --usage-plan-id <id>
  roster-admin set-ip-allow-list <org-id> [<cidr> ...]      (no CIDR: allow any address)
  roster-admin set-requires-registration <org-id> <true|false>
  roster-admin set-audit-retention <org-id> <days>          (1-3650; default 400)
  roster-admin issue-key <org-id> <manager-username>        (prints ROSTER_API_KEY=…)
  roster-admin list-keys <org-id>                           (key id, user, prefix, created, last used)
  roster-admin revoke-key <org-id> <key-id>
  roster-admin migrate-party-counts [<org-id> ...]          (no id: every organization; idempotent)
environment: TABLE_NAME (required), DYNAMODB_ENDPOINT (DynamoDB Local), AWS_REGION and credentials";

enum Command {
    CreateTable,
    CreateOrg {
        org: OrgId,
        manager: Username,
        language: Language,
        usage_plan: Option<String>,
    },
    AttachUsagePlan {
        org: OrgId,
        usage_plan: String,
    },
    SetIpAllowList {
        org: OrgId,
        cidrs: Vec<Cidr>,
    },
    SetRequiresRegistration {
        org: OrgId,
        required: bool,
    },
    SetAuditRetention {
        org: OrgId,
        days: u32,
    },
    CheckInvariants {
        orgs: Vec<OrgId>,
    },
    MigratePartyCounts {
        orgs: Vec<OrgId>,
    },
    IssueKey {
        org: OrgId,
        manager: Username,
    },
    ListKeys {
        org: OrgId,
    },
    RevokeKey {
        org: OrgId,
        key: KeyId,
    },
}

fn org_list(args: &[String]) -> Result<Vec<OrgId>, String> {
    args.iter()
        .map(|o| OrgId::parse(o).map_err(|e| format!("organization id {e}")))
        .collect()
}

fn org_arg(args: &[String]) -> Result<OrgId, String> {
    let org = args.get(1).ok_or("an organization id is required")?;
    OrgId::parse(org).map_err(|e| format!("organization id {e}"))
}

/// `--flag value` pairs after the positional arguments.
fn flags(rest: &[String]) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut iter = rest.iter();
    while let Some(flag) = iter.next() {
        if !flag.starts_with("--") {
            return Err(format!("unexpected argument {flag}"));
        }
        let value = iter.next().ok_or(format!("{flag} needs a value"))?;
        out.push((flag.clone(), value.clone()));
    }
    Ok(out)
}

fn parse(args: &[String]) -> Result<Command, String> {
    match args.first().map(String::as_str) {
        Some("create-table") if args.len() == 1 => Ok(Command::CreateTable),
        Some("create-org") => {
            let org = org_arg(args)?;
            let mut manager = None;
            let mut language = Language::default_language();
            let mut usage_plan = None;
            for (flag, value) in flags(&args[2..])? {
                match flag.as_str() {
                    "--manager" => {
                        manager = Some(
                            Username::parse(&value).map_err(|e| format!("manager username {e}"))?,
                        )
                    }
                    "--language" => {
                        language = Language::parse(&value).map_err(|e| format!("language {e}"))?
                    }
                    "--usage-plan-id" => usage_plan = Some(value),
                    other => return Err(format!("unknown option {other}")),
                }
            }
            Ok(Command::CreateOrg {
                org,
                manager: manager.ok_or("create-org needs --manager <username>")?,
                language,
                usage_plan,
            })
        }
        Some("attach-usage-plan") => {
            let org = org_arg(args)?;
            let mut usage_plan = None;
            for (flag, value) in flags(&args[2..])? {
                match flag.as_str() {
                    "--usage-plan-id" => usage_plan = Some(value),
                    other => return Err(format!("unknown option {other}")),
                }
            }
            Ok(Command::AttachUsagePlan {
                org,
                usage_plan: usage_plan.ok_or("attach-usage-plan needs --usage-plan-id <id>")?,
            })
        }
        Some("set-ip-allow-list") => {
            let org = org_arg(args)?;
            let cidrs = args[2..]
                .iter()
                .map(|c| Cidr::parse(c))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Command::SetIpAllowList { org, cidrs })
        }
        Some("set-requires-registration") => {
            let org = org_arg(args)?;
            let required = match args.get(2).map(String::as_str) {
                Some("true") => true,
                Some("false") => false,
                _ => return Err("set-requires-registration needs true or false".into()),
            };
            Ok(Command::SetRequiresRegistration { org, required })
        }
        Some("set-audit-retention") => {
            let org = org_arg(args)?;
            let days = args
                .get(2)
                .and_then(|d| d.parse::<u32>().ok())
                .filter(|d| (1..=3650).contains(d))
                .ok_or("set-audit-retention needs a number of days from 1 to 3650")?;
            Ok(Command::SetAuditRetention { org, days })
        }
        Some("check-invariants") => Ok(Command::CheckInvariants {
            orgs: org_list(&args[1..])?,
        }),
        Some("migrate-party-counts") => Ok(Command::MigratePartyCounts {
            orgs: org_list(&args[1..])?,
        }),
        Some("issue-key") if args.len() == 3 => Ok(Command::IssueKey {
            org: org_arg(args)?,
            manager: Username::parse(&args[2]).map_err(|e| format!("manager username {e}"))?,
        }),
        Some("issue-key") => Err("issue-key needs <org-id> <manager-username>".into()),
        Some("list-keys") if args.len() == 2 => Ok(Command::ListKeys {
            org: org_arg(args)?,
        }),
        Some("list-keys") => Err("list-keys needs <org-id>".into()),
        Some("revoke-key") if args.len() == 3 => Ok(Command::RevokeKey {
            org: org_arg(args)?,
            key: KeyId::parse(&args[2]).map_err(|e| format!("key id {e}"))?,
        }),
        Some("revoke-key") => Err("revoke-key needs <org-id> <key-id>".into()),
        _ => Err("unknown command".into()),
    }
}

async fn run(command: Command, config: &Config) -> Result<(), String> {
    // An operator's credentials may come from profiles, SSO or a role: the full chain.
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(roster_shared::store::https_client())
        .load()
        .await;
    let store = Store::connect_with(aws_sdk_dynamodb::config::Builder::from(&sdk), config);
    let fail = |e: roster_shared::Error| format!("{} ({e})", e.detail());
    match command {
        Command::CreateTable => {
            let created = store.create_table_if_missing().await.map_err(fail)?;
            println!(
                "{} {}",
                if created {
                    "created table"
                } else {
                    "table exists:"
                },
                config.table_name
            );
        }
        Command::CreateOrg {
            org,
            manager,
            language,
            usage_plan,
        } => {
            let roster = Roster::new(store.clone(), config);
            let (user, key) = roster
                .bootstrap_org(&org, manager, language)
                .await
                .map_err(fail)?;
            eprintln!(
                "created organization {org} with manager {} ({})",
                user.username, user.id
            );
            if let Some(plan) = usage_plan {
                usage_plan::attach(&store, &org, &plan).await?;
            }
            println!("ROSTER_API_KEY={}", key.key.secret);
        }
        Command::AttachUsagePlan { org, usage_plan } => {
            usage_plan::attach(&store, &org, &usage_plan).await?
        }
        Command::SetIpAllowList { org, cidrs } => {
            let shown: Vec<String> = cidrs.iter().map(ToString::to_string).collect();
            Roster::new(store.clone(), config)
                .operator_update_org(
                    &org,
                    &OrgSettings {
                        ip_allow_list: Some(cidrs),
                        ..OrgSettings::default()
                    },
                )
                .await
                .map_err(fail)?;
            eprintln!("organization {org}: IP allow-list = [{}] (warm functions apply it within AUTH_CACHE_TTL_SECONDS)", shown.join(", "));
        }
        Command::SetRequiresRegistration { org, required } => {
            Roster::new(store.clone(), config)
                .operator_update_org(
                    &org,
                    &OrgSettings {
                        requires_registration: Some(required),
                        ..OrgSettings::default()
                    },
                )
                .await
                .map_err(fail)?;
            eprintln!("organization {org}: requires registration = {required}");
        }
        Command::SetAuditRetention { org, days } => {
            Roster::new(store.clone(), config)
                .operator_update_org(
                    &org,
                    &OrgSettings {
                        audit_retention_days: Some(days),
                        ..OrgSettings::default()
                    },
                )
                .await
                .map_err(fail)?;
            eprintln!(
                "organization {org}: audit records kept {days} days (records written from now on)"
            );
        }
        Command::IssueKey { org, manager } => {
            let roster = Roster::new(store.clone(), config);
            let (user, key) = roster
                .operator_issue_key(&org, &manager)
                .await
                .map_err(fail)?;
            eprintln!(
                "issued key {} ({}…) for manager {} ({}) of {org}",
                key.record.key_id, key.record.prefix, user.username, user.id
            );
            println!("ROSTER_API_KEY={}", key.key.secret);
        }
        Command::ListKeys { org } => {
            let roster = Roster::new(store.clone(), config);
            let keys = roster.operator_list_keys(&org).await.map_err(fail)?;
            println!("key_id\tusername\trole\tstatus\tprefix\tcreated_at\tlast_used_at");
            for (record, user) in &keys {
                let (name, role, status) = user.as_ref().map_or(
                    ("(no user)".to_string(), String::new(), String::new()),
                    |u| {
                        (
                            u.username.to_string(),
                            format!("{:?}", u.role),
                            format!("{:?}", u.status).to_ascii_uppercase(),
                        )
                    },
                );
                println!(
                    "{}\t{name}\t{role}\t{status}\t{}\t{}\t{}",
                    record.key_id,
                    record.prefix,
                    record.created_at,
                    record.last_used_at.as_deref().unwrap_or("-")
                );
            }
            eprintln!("{} key(s) in {org}", keys.len());
        }
        Command::RevokeKey { org, key } => {
            let roster = Roster::new(store.clone(), config);
            let record = roster.operator_revoke_key(&org, &key).await.map_err(fail)?;
            eprintln!(
                "revoked key {} ({}…) of user {} in {org} (warm functions stop accepting it within AUTH_CACHE_TTL_SECONDS)",
                record.key_id, record.prefix, record.user_id
            );
        }
        Command::MigratePartyCounts { orgs } => {
            let orgs = if orgs.is_empty() {
                store.list_orgs().await.map_err(fail)?
            } else {
                orgs
            };
            let mut stray = 0;
            for org in &orgs {
                let done = store.migrate_party_counts(org).await.map_err(fail)?;
                println!(
                    "{org}: {} parties, {} count shards created, {} authorizations moved to their shard{}",
                    done.parties,
                    done.shards_created,
                    done.authorizations_moved,
                    if done.parties_with_stray_base > 0 {
                        format!(
                            ", {} parties still count on their item (see check-invariants)",
                            done.parties_with_stray_base
                        )
                    } else {
                        String::new()
                    }
                );
                stray += done.parties_with_stray_base;
            }
            if stray > 0 {
                return Err(format!("{stray} party count(s) left on the party item"));
            }
        }
        Command::CheckInvariants { orgs } => {
            let orgs = if orgs.is_empty() {
                store.list_orgs().await.map_err(fail)?
            } else {
                orgs
            };
            let mut broken = 0;
            for org in &orgs {
                let violations = store.check_invariants(org).await.map_err(fail)?;
                for v in &violations {
                    println!("{org}: {v}");
                }
                broken += violations.len();
            }
            eprintln!(
                "checked {} organization(s): {broken} broken invariant(s)",
                orgs.len()
            );
            if broken > 0 {
                return Err(format!("{broken} broken invariant(s)"));
            }
        }
    }
    Ok(())
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
    match run(command, &config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
