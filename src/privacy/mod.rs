//! What the server learns, and what stops it: the gradient-inversion attack the seed warns of
//! (`attack`), and the privacy accounting of the Gaussian mechanism (`accountant`).

pub mod accountant;
pub mod attack;
