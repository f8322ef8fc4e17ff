//! **Inferred.** Journals looked up by reference, the batched look-up the exactly-once
//! protocol makes before it creates one ([`Client::create_journal`] creates them).

use super::client::Client;
use super::error::Error;
use super::model::journal::Journal;
use super::sale_orders::SOURCE_REFERENCE_BATCH;

impl Client {
    /// **Inferred path.** Journals whose `reference` is one of `references`, by
    /// `[reference]=*{a,b,...}` on the journals path of the client's
    /// [`InferredEndpoints`](super::InferredEndpoints), at most
    /// [`SOURCE_REFERENCE_BATCH`] references per request. Only exact matches are kept.
    ///
    /// # Errors
    /// [`Error::Filter`] for a reference the list cannot carry; otherwise as any read (404
    /// until the real path is configured).
    pub async fn journals_by_references(&self, references: &[&str]) -> Result<Vec<Journal>, Error> {
        let path = self.inferred_endpoints().journals.to_string();
        self.list_in(
            &path,
            "reference",
            references,
            SOURCE_REFERENCE_BATCH,
            |j: &Journal| Some(j.reference.as_str()),
        )
        .await
    }
}
