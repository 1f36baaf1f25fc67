//! Pure rules of ATLAS: typed values parsed at the edge, the access policy, the audit
//! hash chain and the clock abstraction.
//!
//! Invariant: nothing here performs I/O, spawns tasks or knows about SQL or HTTP, so every
//! rule can be tested in isolation and reused by web, CLI and background jobs alike.

pub mod audit;
pub mod auth;
pub mod carto_icon;
pub mod carto_network;
pub mod cartography;
pub mod cases;
pub mod certificate;
pub mod clock;
pub mod directory;
pub mod error;
pub mod guide;
pub mod guide_docs;
pub mod mail;
pub mod results;
pub mod results_dashboard;
pub mod results_disagg;
pub mod results_edit;
pub mod training;
pub mod training_adaptation;
pub mod training_import;
pub mod training_material;
pub mod training_tests;

pub use error::{Error, FieldError, FieldErrors};
