//! Rule errors. Each variant carries a stable message key (a Fluent id) so the web layer
//! can translate it; no variant carries internal detail that must not reach a user.

use serde::Serialize;

/// One problem with one input field: the field's name as the user sent it and the
/// Fluent key of the message explaining what is expected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Name of the field (form field or JSON member).
    pub field: String,
    /// Fluent message id, e.g. `field-required`.
    pub key: &'static str,
}

/// All the problems found in one submission; parsing collects every one of them so a
/// form comes back with one message per field rather than the first only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    /// An empty collection.
    pub fn new() -> Self {
        Self(Vec::new())
    }
    /// Records a problem with `field`.
    pub fn add(&mut self, field: &str, key: &'static str) {
        self.0.push(FieldError {
            field: field.to_owned(),
            key,
        });
    }
    /// True when no problem was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The message key recorded for `field`, if any.
    pub fn get(&self, field: &str) -> Option<&'static str> {
        self.0.iter().find(|e| e.field == field).map(|e| e.key)
    }
    /// `Ok(value)` when nothing was recorded, otherwise the collected errors.
    pub fn into_result<T>(self, value: T) -> Result<T, Error> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(Error::Invalid(self))
        }
    }
    /// A collection holding a single problem.
    pub fn single(field: &str, key: &'static str) -> Self {
        let mut e = Self::new();
        e.add(field, key);
        e
    }
}

/// A broken rule. The web layer alone maps these to HTTP statuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// No such record, or one outside the caller's scope (404: existence is not revealed).
    #[error("not found")]
    NotFound,
    /// The caller's role may not perform this kind of action at all (403).
    #[error("forbidden")]
    Forbidden,
    /// No valid credentials (401).
    #[error("unauthenticated")]
    Unauthenticated,
    /// Input rejected; one message per field (422).
    #[error("invalid input")]
    Invalid(FieldErrors),
    /// The record changed since the caller read it (409).
    #[error("stale version")]
    Stale,
    /// Too many failed sign-ins; the account is locked for a while (429).
    #[error("locked")]
    Locked,
}

impl Error {
    /// The Fluent key of the message shown to the user.
    pub fn key(&self) -> &'static str {
        match self {
            Error::NotFound => "error-not-found",
            Error::Forbidden => "error-forbidden",
            Error::Unauthenticated => "error-unauthenticated",
            Error::Invalid(_) => "error-invalid",
            Error::Stale => "error-stale",
            Error::Locked => "error-locked",
        }
    }
}
