//! Release binaries keep their line tables (a panic's backtrace names file and line) but
//! compressed: zlib-compressed debug sections, which the standard library's backtrace reads.

fn main() {
    println!("cargo:rustc-link-arg-bins=-Wl,--compress-debug-sections=zlib");
    println!("cargo:rustc-link-arg-bins=-Wl,--discard-all");
}
