//! The hand-written parts of `docs/PERFORMANCE.md`: why a target is missed and what it would
//! take, observations on the code, and the published reference figures. Written from the
//! measurements of the committed run; the numbers in the tables are always the current run's.

pub const RATIO: &str = "### p50 ratio\n\nTODO\n";

pub const REQUESTS: &str = "### DynamoDB requests per operation\n\nTODO\n";

pub const COLD_START: &str = "### Cold start\n\nTODO\n";

pub const SIZE: &str = "### Binary size\n\nTODO\n";

pub const RSS: &str = "### Peak RSS\n\nTODO\n";

pub const OBSERVATIONS: &str = "## Observations on the code's performance\n\nTODO\n";

pub const REFERENCES: &str = "## Published reference figures\n\n\
- Hello-world Rust function on Lambda (`provided.al2023`, arm64, 128 MB): init ≈ 14 ms.\n\
- A Rust + DynamoDB CRUD sample on Lambda: p50 5 ms / p99 20 ms warm, 123 ms cold.\n\n\
These are end-to-end numbers on AWS (Firecracker micro-VM, real DynamoDB over the network); \
they are not comparable one-to-one with the loopback numbers above, only as orders of \
magnitude.\n";
