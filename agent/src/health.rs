//! The store's health as the running daemon sees it, for `/v1/health`: every store call goes
//! through [`guarded`], which turns SQLite's failures into errors naming the file and what to do
//! and remembers what they say about the store.
//!
//! Contract: damage (`SQLITE_CORRUPT`, `SQLITE_NOTADB` from any query, the uploader's included)
//! is remembered until the daemon restarts, since the file does not heal; a full disk or an
//! unwritable store is remembered until a later call commits a write. Every call also brings the
//! audit anchor up to the database, so a commit made by any store method is anchored before its
//! answer leaves.

use std::sync::Mutex;

use crate::finalize::FinalizeError;
use crate::service::ServiceError;
use crate::store::{Store, StoreError};

/// What the daemon knows about its store.
#[derive(Debug, Default)]
pub struct StoreHealth {
    damaged: Mutex<Option<String>>,
    write_failure: Mutex<Option<String>>,
}

fn get(m: &Mutex<Option<String>>) -> Option<String> {
    m.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

fn set(m: &Mutex<Option<String>>, v: Option<String>) {
    *m.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = v;
}

impl StoreHealth {
    /// `None` when the store works; otherwise what is wrong, as `/v1/health` reports it
    /// (`damaged: ...`, `full: ...`, `not writable: ...`).
    pub fn problem(&self) -> Option<String> {
        get(&self.damaged)
            .map(|m| format!("damaged: {m}"))
            .or_else(|| get(&self.write_failure))
    }

    fn observe(&self, e: &StoreError) {
        match e {
            StoreError::Damaged { .. } => {
                if get(&self.damaged).is_none() {
                    tracing::error!(error = %e, "the store is damaged");
                }
                set(&self.damaged, Some(e.to_string()));
            }
            StoreError::Full { .. } => set(&self.write_failure, Some(format!("full: {e}"))),
            StoreError::NotWritable { .. } => {
                set(&self.write_failure, Some(format!("not writable: {e}")))
            }
            _ => {}
        }
    }
}

fn store_error(e: &mut ServiceError) -> Option<&mut StoreError> {
    match e {
        ServiceError::Store(s) | ServiceError::Finalize(FinalizeError::Store(s)) => Some(s),
        _ => None,
    }
}

/// Runs `f` on the store, explaining its failure and noting what it says about the store.
pub fn guarded<T>(
    store: &mut Store,
    health: &StoreHealth,
    f: impl FnOnce(&mut Store) -> Result<T, ServiceError>,
) -> Result<T, ServiceError> {
    let before = store.raw_connection().total_changes();
    let result = f(store);
    // A damaged file cannot be anchored from; the first failure was reported already.
    if get(&health.damaged).is_none() {
        store.sync_anchor();
    }
    match result {
        Ok(v) => {
            // total_changes counts rolled-back statements too, so only a success says a write
            // went through.
            if store.raw_connection().total_changes() > before {
                set(&health.write_failure, None);
            }
            Ok(v)
        }
        Err(mut e) => {
            if let Some(s) = store_error(&mut e) {
                let explained =
                    store.explain(std::mem::replace(s, StoreError::NotFound(String::new())));
                health.observe(&explained);
                *s = explained;
            }
            Err(e)
        }
    }
}
