//! Compatible surfaces (the seed APIs' wire formats) on the activation function's use cases.

pub mod seed003;
