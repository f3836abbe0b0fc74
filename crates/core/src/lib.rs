//! xinfang-core: the rules of petition work (信访), pure and without I/O.
//!
//! Everything that decides what may happen to a case — which command is legal in which state for
//! which actor, when each statutory period ends, who may see what — lives here once and is tested
//! here without a database. The store persists what this crate decides; the web layer only calls it.

pub mod access;
pub mod attachment;
pub mod calendar;
pub mod case;
pub mod deadline;
pub mod docking;
pub mod document;
pub mod error;
pub mod figures;
pub mod hall;
pub mod lifecycle;
pub mod notice;
pub mod open311;
pub mod petitioner;
pub mod portal;
pub mod unit;
pub mod user;
pub mod warning;

#[cfg(test)]
mod lifecycle_tests;

pub use error::{DomainError, FieldError, Lang};
