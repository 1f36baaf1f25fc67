//! Rebuilds when translations change: Fluent files are embedded at compile time.
fn main() {
    println!("cargo:rerun-if-changed=../../locales");
}
