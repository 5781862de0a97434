//! CPU time of threads of this process, from `/proc/self/task/<tid>/schedstat` (nanoseconds
//! on the CPU), so a cell can say how much CPU the API spent per operation.

use std::time::Duration;

fn schedstat(path: &str) -> u64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

/// CPU time of one thread of this process.
pub fn thread(tid: u32) -> Duration {
    Duration::from_nanos(schedstat(&format!("/proc/self/task/{tid}/schedstat")))
}

/// CPU time of every live thread of process `pid`.
pub fn of_process(pid: u32) -> Duration {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Duration::ZERO;
    };
    Duration::from_nanos(
        tasks
            .filter_map(Result::ok)
            .map(|t| schedstat(&format!("{}/schedstat", t.path().display())))
            .sum(),
    )
}

/// The calling thread's id.
pub fn current_tid() -> u32 {
    std::fs::read_link("/proc/thread-self")
        .ok()
        .and_then(|p| p.file_name().and_then(|n| n.to_str()?.parse().ok()))
        .unwrap_or(0)
}
