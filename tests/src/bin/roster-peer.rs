//! A second Roster process for the tests: the whole API (as `make dev` serves it) on a free
//! local port, on an existing table, with its own in-process key cache. It bootstraps nothing.
//! Prints `ROSTER_URL=http://…` once serving; exits when its stdin closes (its test ended).

use std::io::Read;

use roster_shared::config::Config;
use roster_shared::service::Roster;
use roster_shared::store::Store;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    std::thread::spawn(|| {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
        std::process::exit(0);
    });
    let config = Config::from_env()?;
    let store = Store::connect(&config);
    let roster = Roster::new(store, &config);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    println!("ROSTER_URL=http://{}", listener.local_addr()?);
    let app = roster_dev::all_routes().into_router(roster);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .await?;
    Ok(())
}
