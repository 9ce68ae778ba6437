//! What the server learns, and what stops it: the gradient-inversion attack the seed warns of
//! (`attack`) and, on images, the inversion of a first layer's gradient (`inversion`); fixed
//! precision, additive secret sharing and the Gaussian mechanism (`mechanisms`, over
//! `secure_random`); and the privacy accounting of that mechanism (`accountant`).

pub mod accountant;
pub mod attack;
pub mod gradient_matching;
pub mod inversion;
pub use crate::mechanisms::{self, secure_random};
pub mod sharing;
