//! Compatible surfaces served by the users function: mapping modules from other APIs' wire
//! formats onto the shared service (see `docs/compat.md`, `docs/compat-2.md`). Each maps its
//! seed's DTOs, routes and errors; no business rule lives here.

pub mod seed000;
pub mod seed001;
pub mod seed002;
pub mod seed003;
pub mod scim;
