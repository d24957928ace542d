//! Dense sentence embeddings for similar-case retrieval: a CPU BERT encoder (candle) that loads
//! any Hugging Face BERT directory and reproduces sentence-transformers' pooled, normalised
//! vectors, with passage splitting for documents longer than the model's window.
//!
//! Threads: candle's matrix products run on rayon. [`EncoderOptions::threads`] runs the encoder
//! on a private pool of that size; `RAYON_NUM_THREADS` sets the global pool and how many parts
//! each product is split into.

mod bert;
mod config;
mod encoder;
mod error;
mod pooling;

pub use encoder::{Encoder, EncoderOptions};
pub use error::EmbedError;
pub use pooling::Pooling;
