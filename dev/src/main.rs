//! `make dev`: creates the table on DynamoDB Local, bootstraps organization `demo` with manager
//! `admin`, prints the connection lines, and serves the whole API on one port.

use roster_shared::config::Config;
use roster_shared::domain::{Language, OrgId, Username};
use roster_shared::http::lambda::init_tracing;
use roster_shared::service::Roster;
use roster_shared::store::Store;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    init_tracing();
    let config = Config::from_env()?;
    let port: u16 = std::env::var("PORT")
        .ok()
        .map(|p| p.parse())
        .transpose()?
        .unwrap_or(3000);
    let store = Store::connect(&config);
    store.create_table_if_missing().await?;
    let roster = Roster::new(store, &config);
    let org = OrgId::parse("demo")?;
    let (_, key) = roster
        .bootstrap_org(
            &org,
            Username::parse("admin")?,
            Language::default_language(),
        )
        .await?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let address = listener.local_addr()?;
    println!("ROSTER_URL=http://{address}");
    println!("ROSTER_API_KEY={}", key.key.secret);
    println!(
        "DYNAMODB_ENDPOINT={}",
        config.dynamodb_endpoint.as_deref().unwrap_or("(AWS)")
    );
    println!("TABLE_NAME={}", config.table_name);
    let app = roster_dev::all_routes().into_router(roster);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown())
    .await?;
    Ok(())
}

/// Ctrl-C (SIGINT) or SIGTERM: stop serving, so the script can stop DynamoDB Local.
async fn shutdown() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
}
