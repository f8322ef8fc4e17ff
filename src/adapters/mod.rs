//! Where the pure domain meets the two clients: reads that gather what a domain function
//! needs, and writes that apply what a domain plan says. The domain never calls a client; these
//! functions are the only place the two meet.

pub mod catalogue;
pub mod exactly_once;
pub mod fulfilment;
pub mod inventory;
pub mod orders;
pub mod payouts;
pub mod price_lists;
pub mod refunds;
