//! Runs the seed's lesson cell by cell, printing what the notebook printed.
fn main() {
    minisyft::lessons::example_main("playing_with_remote_tensors");
}
