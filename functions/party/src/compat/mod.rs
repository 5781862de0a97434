//! Compatible surfaces served by the party function: mapping modules from other APIs' wire
//! formats onto the shared service (see `docs/compat.md`).

pub mod seed000;
