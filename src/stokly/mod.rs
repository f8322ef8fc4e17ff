//! The Stokly REST client (in progress: see the crate's issue tracker).

mod error;

pub use error::Error;
