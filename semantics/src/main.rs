//! `roster-semantics --upstream URL [--port N] [--hold-ms N] [--no-conflicts]`: the
//! DynamoDB-semantics proxy (see the library). Prints `DYNAMODB_ENDPOINT=http://127.0.0.1:PORT`
//! once it listens (port 0, the default, picks a free one). Settings also from
//! `ROSTER_SEMANTICS_HOLD_MS` and `ROSTER_SEMANTICS_CONFLICTS=off`.

use std::io::Write;
use std::time::Duration;

use roster_semantics::Settings;

fn usage(problem: &str) -> ! {
    eprintln!("roster-semantics: {problem}");
    eprintln!("usage: roster-semantics --upstream URL [--port N] [--hold-ms N] [--no-conflicts]");
    std::process::exit(2)
}

#[tokio::main]
async fn main() {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .try_init();
    let mut settings = Settings::from_env();
    let mut upstream = std::env::var("DYNAMODB_UPSTREAM").ok();
    let mut port: u16 = 0;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--upstream" => upstream = args.next(),
            "--port" => {
                port = args
                    .next()
                    .and_then(|p| p.parse().ok())
                    .unwrap_or_else(|| usage("--port needs a number"))
            }
            "--hold-ms" => {
                let ms: u64 = args
                    .next()
                    .and_then(|p| p.parse().ok())
                    .unwrap_or_else(|| usage("--hold-ms needs a number"));
                settings.hold = Duration::from_millis(ms);
            }
            "--no-conflicts" => settings = Settings::passthrough(),
            other => usage(&format!("unknown argument {other}")),
        }
    }
    let Some(upstream) = upstream else {
        usage("--upstream is required")
    };
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
        Ok(l) => l,
        Err(e) => usage(&format!("cannot listen on port {port}: {e}")),
    };
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => usage(&format!("no local address: {e}")),
    };
    println!("DYNAMODB_ENDPOINT=http://{addr}");
    let _ = std::io::stdout().flush();
    eprintln!(
        "roster-semantics: {addr} -> {upstream} (conflicts {}, hold {} ms)",
        if settings.conflicts { "on" } else { "off" },
        settings.hold.as_millis()
    );
    if let Err(e) = roster_semantics::serve(listener, &upstream, settings).await {
        eprintln!("roster-semantics: {e}");
        std::process::exit(1);
    }
}
