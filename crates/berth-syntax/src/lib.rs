//! Lossless Dockerfile parser that reads a Dockerfile exactly as BuildKit does.
//!
//! The parser never fails: [`parse`] always returns a [`Dockerfile`] holding every
//! instruction it could read plus every error it found, each with a byte [`Span`].
//! Line and column are computed only when rendering, with a [`LineIndex`].

pub mod expand;
mod span;

pub use span::{LineIndex, Span};
