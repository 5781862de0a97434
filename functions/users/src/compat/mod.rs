//! Compatible surfaces (the seed APIs' wire formats) on the users function's use cases. Each
//! module maps its seed's DTOs, routes and errors onto the shared service; no business rule
//! lives here.

pub mod seed002;
pub mod seed003;
