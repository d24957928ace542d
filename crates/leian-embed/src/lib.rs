//! Dense sentence embeddings for similar-case retrieval: a CPU BERT encoder (candle) that loads
//! any Hugging Face BERT directory and reproduces sentence-transformers' pooled, normalised
//! vectors, with passage splitting for documents longer than the model's window.
//!
//! Threads: candle's matrix products run on rayon. [`EncoderOptions::threads`] runs the encoder
//! on a private pool of that size; `RAYON_NUM_THREADS` sets the global pool and how many parts
//! each product is split into.
//!
//! ```no_run
//! use leian_embed::{Encoder, EncoderOptions};
//!
//! // Any Hugging Face BERT folder: `leian models fetch m3e-small` puts one in the cache.
//! let encoder = Encoder::load("models/m3e-small".as_ref(), EncoderOptions::default())?;
//! let vectors = encoder.embed(&["被告人醉酒驾驶机动车", "原告请求返还双倍定金"])?;
//! assert_eq!(vectors[0].len(), encoder.dimension());
//! # Ok::<(), leian_embed::EmbedError>(())
//! ```

mod bert;
mod config;
mod encoder;
mod error;
mod pooling;

pub use encoder::{EmbedDevice, Encoder, EncoderOptions};
pub use error::EmbedError;
pub use pooling::Pooling;
