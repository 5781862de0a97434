//! Prints what one Argon2id password hash costs here (the parameters Roster uses), to size the
//! functions' memory: Lambda gives CPU in proportion to memory (1 vCPU at 1769 MB).
//!
//! `cargo run --release -p roster-users --example argon2_cost` (in the users package: with fat
//! LTO a binary is optimised at its package's level, and the users function is built at 3).

use std::time::Instant;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let rounds = 20;
    let _ = roster_shared::password::hash("warm-up".into()).await;
    let mut best = f64::MAX;
    let started = Instant::now();
    for i in 0..rounds {
        let one = Instant::now();
        let _ = roster_shared::password::hash(format!("correct horse battery {i}")).await;
        best = best.min(one.elapsed().as_secs_f64() * 1000.0);
    }
    let per_hash = started.elapsed().as_secs_f64() * 1000.0 / f64::from(rounds);
    println!(
        "argon2id (m=19456 KiB, t=2, p=1): {per_hash:.1} ms per hash (best {best:.1}) on one core of this machine"
    );
    // Peak RSS after the hashes: one reused 19 MiB block buffer, not one per hash.
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if let Some(hwm) = status.lines().find(|l| l.starts_with("VmHWM")) {
        println!(
            "  after {} hashes: {}",
            rounds + 1,
            hwm.split_whitespace().skip(1).collect::<Vec<_>>().join(" ")
        );
    }
    for memory in [128u32, 256, 512, 1024, 1769] {
        let share = f64::from(memory) / 1769.0;
        println!(
            "  Lambda {memory:>4} MB ≈ {share:.2} vCPU → ≈ {:.0} ms per hash",
            per_hash / share.min(1.0)
        );
    }
}
