//! Runs PySyft's next lesson (secret sharing, fixed precision) cell by cell.
fn main() {
    minisyft::lessons::example_main("secret_sharing");
}
